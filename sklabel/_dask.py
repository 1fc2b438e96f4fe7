"""Run a fitted decoder over Dask arrays and Dask DataFrames.

A fitted :class:`~sklabel.ProbabilityDecoder` is a small object with no
state that changes in ``transform``, so it can be sent to every worker and
applied to each block of rows on its own. The rows of a block are decoded
exactly as they would be in memory. Dask arrays are cut into blocks of rows
with one block along the columns (``map_blocks``), and Dask DataFrames are
decoded partition by partition (``map_partitions``).

Dask is an optional dependency: install it with ``pip install
"sklabel[dask]"``. It is imported only when one of these functions is called.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

__all__ = ["decode_dask", "transform_dask"]

_INSTALL_HINT = 'install it with pip install "sklabel[dask]"'


def transform_dask(decoder, data):
    """Decode Dask scores into a lazy 0/1 indicator, block by block.

    Each block of rows is decoded by ``decoder.transform`` on a worker, so
    the result equals the in-memory ``transform`` of the whole matrix and no
    worker needs more than one block in memory.

    Parameters
    ----------
    decoder : ProbabilityDecoder
        A fitted decoder. It is sent to the workers with the task graph.
    data : dask.array.Array or dask.dataframe.DataFrame
        Scores of shape ``(n_samples, n_columns)``, or ``(n_samples,)`` for a
        binary problem, in the form that ``decoder.transform`` accepts. A
        Dask array is rechunked to one chunk along the columns, so that each
        block holds whole rows. A DataFrame's partitions are read like pandas
        DataFrames, with columns matched to ``classes_`` by name.

    Returns
    -------
    indicator : dask.array.Array or dask.dataframe.DataFrame
        For an array: a Dask array of shape ``(n_samples, n_outputs)`` and
        dtype int64, with the same row chunks, whose blocks are what
        ``decoder.transform`` returns (CSR matrices for multi-label problems
        unless ``sparse_output=False``). For a DataFrame: a Dask DataFrame of
        dense int64 0/1 columns named by ``decoder.get_feature_names_out()``,
        with the partitions' index.

    Raises
    ------
    ImportError
        If Dask is not installed.

    See Also
    --------
    decode_dask : Decode Dask scores into class names.
    ProbabilityDecoder.transform : The in-memory version.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklabel import ProbabilityDecoder
    >>> from sklabel import transform_dask
    >>> scores = np.array([[0.9, 0.2], [0.4, 0.7], [0.6, 0.6]])
    >>> decoder = ProbabilityDecoder(classes=["cat", "dog"],
    ...                              problem="multilabel").fit(scores)
    >>> lazy = transform_dask(decoder, da.from_array(scores, chunks=(2, 1)))
    >>> lazy.compute(scheduler="sync").toarray()
    array([[1, 0],
           [0, 1],
           [1, 1]])
    """
    check_is_fitted(decoder)
    da = _import_dask_array()
    if isinstance(data, da.Array):
        return _transform_array(decoder, _whole_rows(data))
    _import_dask_dataframe()
    return data.map_partitions(
        _transform_partition, decoder, meta=_indicator_frame_meta(decoder)
    )


def decode_dask(decoder, data):
    """Decode Dask scores into lazy class names, block by block.

    Each block of rows is decoded by ``decoder.decode`` on a worker, so the
    result equals the in-memory ``decode`` of the whole matrix.

    Parameters
    ----------
    decoder : ProbabilityDecoder
        A fitted decoder. It is sent to the workers with the task graph.
    data : dask.array.Array or dask.dataframe.DataFrame
        Scores in the form that ``decoder.decode`` accepts; see
        :func:`transform_dask`.

    Returns
    -------
    labels : dask.array.Array or dask.dataframe.Series
        One entry per row, with the input's row chunks or index. An entry is
        a class name (dtype of ``classes_``) for binary and multi-class
        problems, and a tuple of names (object dtype) for multi-label
        problems, as ``decoder.decode`` returns them.

    Raises
    ------
    ImportError
        If Dask is not installed.

    See Also
    --------
    transform_dask : Decode Dask scores into a 0/1 indicator.
    ProbabilityDecoder.decode : The in-memory version.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklabel import ProbabilityDecoder
    >>> from sklabel import decode_dask
    >>> scores = np.array([[0.9, 0.2], [0.4, 0.7], [0.6, 0.6]])
    >>> decoder = ProbabilityDecoder(classes=["cat", "dog"],
    ...                              problem="multilabel").fit(scores)
    >>> lazy = decode_dask(decoder, da.from_array(scores, chunks=(2, 2)))
    >>> lazy.compute(scheduler="sync")
    array([('cat',), ('dog',), ('cat', 'dog')], dtype=object)
    """
    check_is_fitted(decoder)
    da = _import_dask_array()
    if isinstance(data, da.Array):
        dtype = _label_dtype(decoder)
        return _whole_rows(data).map_blocks(
            _decode_block, decoder, drop_axis=1, dtype=dtype,
            meta=np.empty(0, dtype=dtype),
        )
    _import_dask_dataframe()
    return data.map_partitions(
        _decode_partition, decoder, meta=_label_series_meta(decoder)
    )


def _import_dask_array():
    try:
        import dask.array as da
    except ImportError as error:
        raise ImportError(
            f"Decoding Dask collections requires Dask, which is not installed; "
            f"{_INSTALL_HINT}."
        ) from error
    return da


def _import_dask_dataframe():
    try:
        import dask.dataframe as dd
        import pandas as pd
    except ImportError as error:
        raise ImportError(
            f"Decoding a Dask DataFrame requires dask.dataframe and pandas, "
            f"which could not be imported ({error}); {_INSTALL_HINT}."
        ) from error
    return dd, pd


def _whole_rows(array):
    """Return a 2-D Dask array with one chunk along the columns."""
    if array.ndim == 1:
        array = array[:, np.newaxis]
    if array.ndim != 2:
        raise ValueError(
            f"The Dask array of scores must be 1-D or 2-D, got shape "
            f"{array.shape}. Pass one row of scores per sample."
        )
    return array.rechunk({1: -1})


def _n_outputs(decoder):
    return len(decoder.get_feature_names_out())


def _returns_sparse(decoder):
    if decoder.sparse_output == "auto":
        return decoder.problem_ == "multilabel"
    return bool(decoder.sparse_output)


def _label_dtype(decoder):
    if decoder.problem_ == "multilabel":
        return np.dtype(object)
    return decoder.classes_.dtype


def _transform_array(decoder, array):
    n_outputs = _n_outputs(decoder)
    if _returns_sparse(decoder):
        meta = sp.csr_matrix((0, n_outputs), dtype=np.int64)
    else:
        meta = np.empty((0, n_outputs), dtype=np.int64)
    return array.map_blocks(
        decoder.transform,
        dtype=np.int64,
        chunks=(array.chunks[0], (n_outputs,)),
        meta=meta,
    )


def _decode_block(block, decoder):
    labels = decoder.decode(block)
    if isinstance(labels, np.ndarray):
        return labels
    # A list of tuples becomes a 1-D object array of tuples. np.array would
    # instead try to read the tuples as rows of a 2-D array.
    return np.fromiter(labels, dtype=object, count=len(labels))


def _transform_partition(partition, decoder):
    _, pd = _import_dask_dataframe()
    indicator = decoder.transform(partition)
    if sp.issparse(indicator):
        indicator = indicator.toarray()
    return pd.DataFrame(
        indicator, index=partition.index, columns=decoder.get_feature_names_out()
    )


def _decode_partition(partition, decoder):
    _, pd = _import_dask_dataframe()
    return pd.Series(_decode_block(partition, decoder), index=partition.index)


def _indicator_frame_meta(decoder):
    _, pd = _import_dask_dataframe()
    columns = decoder.get_feature_names_out()
    return pd.DataFrame(np.empty((0, len(columns)), dtype=np.int64), columns=columns)


def _label_series_meta(decoder):
    _, pd = _import_dask_dataframe()
    return pd.Series(np.empty(0, dtype=_label_dtype(decoder)))
