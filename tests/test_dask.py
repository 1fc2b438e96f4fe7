"""Tests of decoding Dask arrays and DataFrames on a local two-process cluster."""

import sys

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError

from sklabel import ProbabilityDecoder
from sklabel._dask import decode_dask, transform_dask

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

CLASSES = ["alpha", "beta", "gamma", "delta", "epsilon"]
N_ROWS = 2_000_000
ROWS_PER_CHUNK = 250_000


@pytest.fixture(scope="module")
def client():
    """A Dask client of two single-threaded worker processes on 127.0.0.1."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        host="127.0.0.1",
    )
    with cluster, distributed.Client(cluster) as dask_client:
        yield dask_client


@pytest.fixture(scope="module")
def lazy_logits(client):
    """2,000,000 rows of float32 logits in 8 chunks, generated on the workers."""
    rng = da.random.default_rng(0)
    shape = (N_ROWS, len(CLASSES))
    chunks = (ROWS_PER_CHUNK, len(CLASSES))
    return rng.normal(-1.0, 2.0, size=shape, chunks=chunks).astype(np.float32)


@pytest.fixture(scope="module")
def logits(lazy_logits):
    return lazy_logits.compute()


def small_logits():
    return np.random.default_rng(2).normal(size=(20, len(CLASSES)))


def multilabel_decoder(scores, **params):
    decoder = ProbabilityDecoder(
        classes=CLASSES, problem="multilabel", scores="logits", **params
    )
    return decoder.fit(scores[:10])


def test_cluster_listens_on_localhost_only(client):
    addresses = [client.scheduler_info()["address"]]
    addresses += list(client.scheduler_info()["workers"])

    assert len(addresses) == 3
    for address in addresses:
        assert address.startswith("tcp://127.0.0.1:"), address


def test_decode_dask_multilabel_matches_in_memory(lazy_logits, logits):
    decoder = multilabel_decoder(logits, threshold=[0.3, 0.5, 0.5, 0.7, 0.9])

    lazy_labels = decode_dask(decoder, lazy_logits)
    labels = lazy_labels.compute()

    assert lazy_labels.numblocks == (8,)
    assert labels.dtype == object
    assert labels.tolist() == decoder.decode(logits)


def test_transform_dask_multilabel_matches_in_memory(lazy_logits, logits):
    decoder = multilabel_decoder(logits, min_labels=1, max_labels=2)
    # Chunks along the columns are merged, so that every block has whole rows.
    lazy_scores = lazy_logits.rechunk((ROWS_PER_CHUNK, 2))

    lazy_indicator = transform_dask(decoder, lazy_scores)
    indicator = lazy_indicator.compute()

    assert lazy_indicator.numblocks == (8, 1)
    assert sp.issparse(indicator)
    assert indicator.dtype == np.int64
    expected = decoder.transform(logits)
    assert indicator.shape == expected.shape
    assert (sp.csr_matrix(indicator) != expected).nnz == 0


def test_decode_dask_multiclass_matches_in_memory(lazy_logits, logits):
    decoder = ProbabilityDecoder(
        classes=CLASSES, problem="multiclass", scores="logits"
    ).fit(logits[:10])

    labels = decode_dask(decoder, lazy_logits).compute()

    assert_array_equal(labels, decoder.decode(logits))
    assert labels.dtype == decoder.classes_.dtype


def test_transform_dask_dense_output(lazy_logits, logits):
    decoder = multilabel_decoder(logits, sparse_output=False)

    indicator = transform_dask(decoder, lazy_logits[:100_000]).compute()

    assert isinstance(indicator, np.ndarray)
    assert_array_equal(indicator, decoder.transform(logits[:100_000]))


def test_decode_dask_binary_one_dimensional(client):
    scores = np.random.default_rng(1).random(100_000)
    decoder = ProbabilityDecoder(classes=["ham", "spam"], threshold=0.8).fit(
        scores[:10]
    )
    lazy_scores = da.from_array(scores, chunks=25_000)

    labels = decode_dask(decoder, lazy_scores).compute()

    assert_array_equal(labels, decoder.decode(scores))
    assert (labels == "spam").sum() == (scores >= 0.8).sum()


def test_decode_dask_dataframe_matches_in_memory(client, logits):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    decoder = multilabel_decoder(logits)
    # Columns in another order than the classes are matched by name.
    frame = pd.DataFrame(logits[:200_000], columns=CLASSES)[CLASSES[::-1]]
    frame.index = frame.index + 1_000
    lazy_frame = dd.from_pandas(frame, npartitions=8)

    labels = decode_dask(decoder, lazy_frame).compute()

    assert_array_equal(labels.index, frame.index)
    assert labels.tolist() == decoder.decode(logits[:200_000])


def test_transform_dask_dataframe_matches_in_memory(client, logits):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    decoder = multilabel_decoder(logits, min_labels=1)
    frame = pd.DataFrame(logits[:200_000], columns=CLASSES)
    lazy_frame = dd.from_pandas(frame, npartitions=8)

    indicator = transform_dask(decoder, lazy_frame).compute()

    assert list(indicator.columns) == CLASSES
    assert (indicator.dtypes == np.int64).all()
    assert_array_equal(indicator.to_numpy(), decoder.transform(frame).toarray())


def test_transform_dask_unfitted_decoder_raises():
    lazy_scores = da.zeros((10, 5), chunks=5)

    with pytest.raises(NotFittedError, match="not fitted"):
        transform_dask(ProbabilityDecoder(), lazy_scores)


def test_transform_dask_three_dimensional_raises():
    decoder = multilabel_decoder(small_logits())
    lazy_scores = da.zeros((10, 5, 2), chunks=5)

    with pytest.raises(ValueError, match="must be 1-D or 2-D, got shape"):
        transform_dask(decoder, lazy_scores)


def test_decode_dask_without_dask_names_the_extra(monkeypatch):
    scores = small_logits()
    decoder = multilabel_decoder(scores)
    monkeypatch.setitem(sys.modules, "dask.array", None)

    with pytest.raises(ImportError, match=r'pip install "sklabel\[dask\]"'):
        decode_dask(decoder, scores)
