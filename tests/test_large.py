"""Tests of decoding large dense score matrices: no copies, chunking, memory."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from scipy.special import expit

import sklabel._rules as rules
import sklabel._scores as scores_module
from sklabel import ProbabilityDecoder
from sklabel._rules import argmax_index, threshold_indicator
from sklabel._scores import check_probabilities, read_scores, score_range


def probabilities(shape, positive_rate=0.01, seed=0, dtype=np.float32):
    """Return probabilities of which about ``positive_rate`` are >= 0.5."""
    rng = np.random.default_rng(seed)
    matrix = (rng.random(shape) * 0.5).astype(dtype)
    positive = rng.random(shape) < positive_rate
    matrix[positive] += dtype(0.5)
    return matrix


def peak_bytes(function, *args, **kwargs):
    """Return the result of the call and its tracemalloc peak in bytes."""
    tracemalloc.start()
    try:
        result = function(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def decoder_for(n_classes, scores="probabilities", **params):
    classes = [f"label_{index}" for index in range(n_classes)]
    decoder = ProbabilityDecoder(
        classes=classes, problem="multilabel", scores=scores, **params
    )
    return decoder.fit(np.full((1, n_classes), 0.5))


# ---------------------------------------------------------------------------
# Reading and checking
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_read_scores_contiguous_float_not_copied(order, dtype):
    matrix = np.asarray(probabilities((300, 40), dtype=dtype), order=order)

    read = read_scores(matrix, probabilities=True)

    assert read is matrix
    assert np.shares_memory(read, matrix)


def test_read_scores_check_makes_no_full_temporary():
    matrix = probabilities((4_000, 500))

    _, peak = peak_bytes(read_scores, matrix, probabilities=True)

    # np.isfinite(matrix) alone would take 25% of a float32 matrix.
    assert peak < 0.02 * matrix.nbytes


@pytest.mark.parametrize("order", ["C", "F"])
def test_read_scores_names_first_non_finite(monkeypatch, order):
    monkeypatch.setattr(scores_module, "CHECK_BLOCK_ELEMENTS", 64)
    matrix = np.zeros((50, 10), dtype=np.float32, order=order)
    matrix[41, 2] = np.inf
    matrix[37, 8] = np.nan
    matrix[45, 0] = -np.inf

    with pytest.raises(
        ValueError, match=r"3 non-finite value\(s\) \(nan at row 37, column 8\)"
    ):
        read_scores(matrix)


def test_read_scores_probabilities_out_of_range_raise():
    matrix = probabilities((100, 5))
    matrix[60, 3] = 1.25

    with pytest.raises(ValueError, match="contain 1.25, outside"):
        read_scores(matrix, probabilities=True)
    assert read_scores(matrix) is matrix


def test_read_scores_negative_zero_is_a_probability():
    matrix = np.array([[-0.0, 1.0], [0.5, 0.0]], dtype=np.float32)

    assert read_scores(matrix, probabilities=True) is matrix
    check_probabilities(matrix)


def test_read_scores_large_finite_logits_accepted():
    # The sum of these float32 scores overflows to inf, although each is finite.
    matrix = np.full((4, 3), np.finfo(np.float32).max, dtype=np.float32)

    assert read_scores(matrix) is matrix


def test_score_range_finite_exactly_when_every_score_is():
    matrix = np.array([[0.0, 1.0], [-2.0, 3.0]])

    assert score_range(matrix) == (-2.0, 3.0)
    for bad in (np.nan, np.inf, -np.inf):
        with_bad = matrix.copy()
        with_bad[1, 0] = bad
        low, high = score_range(with_bad)
        assert not np.isfinite(low) or not np.isfinite(high), bad


def test_check_probabilities_fortran_view_of_transposed():
    matrix = probabilities((200, 30)).T
    matrix[5, 7] = -0.5

    with pytest.raises(ValueError, match="contain -0.5, outside"):
        check_probabilities(matrix)


# ---------------------------------------------------------------------------
# Threshold rule
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_threshold_indicator_any_layout_matches_dense(dtype):
    rng = np.random.default_rng(1)
    # Scores drawn from a few values, so that many equal their threshold.
    matrix = rng.choice([0.1, 0.3, 0.5, 0.7], size=(500, 13)).astype(dtype)
    thresholds = rng.choice([0.3, 0.5, 0.7, np.inf], size=13)
    expected = (matrix >= thresholds).astype(np.int64)

    layouts = {
        "C": matrix,
        "F": np.asfortranarray(matrix),
        "strided rows": np.repeat(matrix, 2, axis=0)[::2],
        "strided columns": np.repeat(matrix, 2, axis=1)[:, ::2],
    }
    for name, layout in layouts.items():
        indicator = threshold_indicator(layout, thresholds)
        assert indicator.dtype == np.int64, name
        assert indicator.has_sorted_indices, name
        assert_array_equal(indicator.toarray(), expected, err_msg=name)


def test_threshold_indicator_chunk_sizes_agree():
    matrix = probabilities((1_001, 17), positive_rate=0.2)
    thresholds = np.full(17, 0.5)
    expected = (matrix >= thresholds).astype(np.int64)

    for chunk_size in (1, 7, 1_000, 5_000):
        indicator = threshold_indicator(matrix, thresholds, chunk_size=chunk_size)
        assert_array_equal(indicator.toarray(), expected)


def test_threshold_indicator_fortran_many_column_chunks(monkeypatch):
    monkeypatch.setattr(rules, "CHUNK_ELEMENTS", 300)
    matrix = np.asfortranarray(probabilities((100, 25), positive_rate=0.3))
    thresholds = np.linspace(0.2, 0.8, 25)

    indicator = threshold_indicator(matrix, thresholds)

    assert_array_equal(indicator.toarray(), (matrix >= thresholds).astype(int))


def test_threshold_indicator_float32_rounds_threshold_up():
    matrix = np.array([[0.41, 0.41]], dtype=np.float32)

    indicator = threshold_indicator(matrix, np.array([0.41, float(np.float32(0.41))]))

    assert_array_equal(indicator.toarray(), [[0, 1]])


def test_threshold_indicator_single_row_and_column():
    row = np.array([[0.2, 0.9, 0.5]], dtype=np.float32)
    column = np.array([[0.2], [0.9], [0.5]], dtype=np.float32)

    assert_array_equal(threshold_indicator(row, np.full(3, 0.5)).toarray(), [[0, 1, 1]])
    assert_array_equal(
        threshold_indicator(column, np.array([0.5])).toarray(), [[0], [1], [1]]
    )


@pytest.mark.parametrize("order", ["C", "F"])
def test_threshold_indicator_memory_below_quarter_of_scores(order):
    matrix = np.asarray(probabilities((20_000, 500)), order=order)
    thresholds = np.full(500, 0.5)

    indicator, peak = peak_bytes(threshold_indicator, matrix, thresholds)

    assert 0.005 < indicator.nnz / matrix.size < 0.015
    assert peak < 0.25 * matrix.nbytes, f"peak {peak / matrix.nbytes:.3f}"


# ---------------------------------------------------------------------------
# Through the decoder
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["C", "F"])
def test_transform_float32_memory_below_quarter_of_scores(order):
    matrix = np.asarray(probabilities((20_000, 500)), order=order)
    decoder = decoder_for(500)

    indicator, peak = peak_bytes(decoder.transform, matrix)

    assert_array_equal(indicator.indptr, sp.csr_matrix(matrix >= 0.5).indptr)
    assert peak < 0.25 * matrix.nbytes, f"peak {peak / matrix.nbytes:.3f}"


def test_transform_logits_compared_in_logit_space():
    logits = np.array([[32.0, 28.0]], dtype=np.float32)
    threshold = float(expit(30.0))
    decoder = decoder_for(2, scores="logits", threshold=threshold)

    indicator = decoder.transform(logits)

    # A float32 sigmoid over the matrix rounds both scores to 1.0, which would
    # put both above the threshold. Compared with the logit of the threshold,
    # they stay apart.
    assert_array_equal(expit(logits), [[1.0, 1.0]])
    # logit(expit(30)) is 30.001: the probability 1 - 9.4e-14 keeps only a
    # few significant digits of its distance to 1.
    np.testing.assert_allclose(decoder.score_thresholds_, [30.0, 30.0], atol=0.01)
    assert_array_equal(indicator.toarray(), [[1, 0]])


def test_decode_large_float32_matches_dense_reference():
    matrix = probabilities((30_000, 50), positive_rate=0.05, seed=3)
    decoder = decoder_for(50, min_labels=1, max_labels=3)

    labels = decoder.decode(matrix)

    assert len(labels) == 30_000
    assert all(1 <= len(names) <= 3 for names in labels)
    row = int(np.flatnonzero((matrix >= 0.5).sum(axis=1) == 2)[0])
    expected = tuple(decoder.classes_[np.flatnonzero(matrix[row] >= 0.5)])
    assert labels[row] == expected


# ---------------------------------------------------------------------------
# Arg-max
# ---------------------------------------------------------------------------


def test_argmax_index_offsets_match_full_sum():
    rng = np.random.default_rng(4)
    matrix = rng.normal(size=(20_000, 400)).astype(np.float32)
    offsets = rng.normal(scale=0.1, size=400)

    index, peak = peak_bytes(argmax_index, matrix, offsets)

    assert_array_equal(index, np.argmax(matrix + offsets, axis=1))
    # matrix + offsets at once would be a float64 copy: twice matrix.nbytes.
    assert peak < 0.25 * matrix.nbytes
