"""Tests of the top-k rule and of the minimum and maximum label counts."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklabel import _top_k
from sklabel._top_k import fill_min_labels, top_k_indicator, trim_max_labels

# Rows with ties. In the first row, columns 1 and 2 tie at the top and columns
# 0 and 3 tie below them. The second row has three equal scores below column 2,
# and the third row is all zeros.
TIED_SCORES = np.array(
    [
        [0.2, 0.5, 0.5, 0.2],
        [0.3, 0.3, 0.9, 0.3],
        [0.0, 0.0, 0.0, 0.0],
    ]
)


def _assert_canonical_indicator(indicator, shape):
    assert isinstance(indicator, sp.csr_matrix)
    assert indicator.shape == shape
    assert indicator.dtype == np.int64
    assert np.all(indicator.data == 1)
    for row in range(shape[0]):
        columns = indicator.indices[indicator.indptr[row] : indicator.indptr[row + 1]]
        assert np.all(np.diff(columns) > 0), f"row {row} has unsorted columns"


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        (0, [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]),
        (1, [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]]),
        (2, [[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 0]]),
        (3, [[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0]]),
        (4, [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]),
        (9, [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]),
    ],
)
def test_top_k_indicator_ties_go_to_lower_column(k, expected):
    indicator = top_k_indicator(TIED_SCORES, k)

    _assert_canonical_indicator(indicator, TIED_SCORES.shape)
    np.testing.assert_array_equal(indicator.toarray(), expected)


def test_top_k_indicator_top_one_matches_argmax():
    rng = np.random.default_rng(0)
    P = rng.integers(0, 4, size=(200, 7)).astype(np.float64) / 4

    indicator = top_k_indicator(P, 1)

    assert np.all(indicator.getnnz(axis=1) == 1)
    np.testing.assert_array_equal(indicator.indices, np.argmax(P, axis=1))


@pytest.mark.parametrize("k", [1, 3, 6])
def test_top_k_indicator_matches_stable_argsort(k, monkeypatch):
    # Few distinct values make many ties, and small chunks put several chunk
    # boundaries inside the matrix.
    monkeypatch.setattr(_top_k, "_CHUNK_ELEMENTS", 64)
    rng = np.random.default_rng(1)
    P = rng.integers(0, 3, size=(150, 9)).astype(np.float32)

    indicator = top_k_indicator(P, k)

    expected = np.zeros(P.shape, dtype=np.int64)
    top = np.argsort(-P, axis=1, kind="stable")[:, :k]
    np.put_along_axis(expected, top, 1, axis=1)
    _assert_canonical_indicator(indicator, P.shape)
    np.testing.assert_array_equal(indicator.toarray(), expected)


def test_top_k_indicator_logits_select_as_probabilities():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(50, 6))
    probabilities = 1 / (1 + np.exp(-logits))

    from_logits = top_k_indicator(logits, 2)
    from_probabilities = top_k_indicator(probabilities, 2)

    np.testing.assert_array_equal(from_logits.toarray(), from_probabilities.toarray())


def test_top_k_indicator_empty_inputs():
    no_rows = top_k_indicator(np.zeros((0, 3)), 2)
    no_columns = top_k_indicator(np.zeros((4, 0)), 2)

    assert no_rows.shape == (0, 3)
    assert no_rows.nnz == 0
    assert no_columns.shape == (4, 0)
    assert no_columns.nnz == 0


def test_fill_min_labels_adds_top_scored_negatives():
    indicator = sp.csr_matrix([[0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 0, 0]])

    filled = fill_min_labels(indicator, TIED_SCORES, 2)

    _assert_canonical_indicator(filled, TIED_SCORES.shape)
    # Row 0 keeps column 3 and adds column 1, the first of the tied top pair.
    # Row 1 adds column 2 and then column 0, the first of three tied columns.
    # Row 2 already has column 0 and adds column 1, the next tied column.
    np.testing.assert_array_equal(
        filled.toarray(), [[0, 1, 0, 1], [1, 0, 1, 0], [1, 1, 0, 0]]
    )


def test_fill_min_labels_leaves_full_rows_unchanged():
    indicator = sp.csr_matrix([[1, 0, 0, 1], [0, 1, 1, 1], [0, 0, 0, 0]])

    filled = fill_min_labels(indicator, TIED_SCORES, 1)

    np.testing.assert_array_equal(filled.toarray()[:2], indicator.toarray()[:2])
    np.testing.assert_array_equal(filled.toarray()[2], [1, 0, 0, 0])


def test_fill_min_labels_above_n_classes_selects_all():
    indicator = sp.csr_matrix((3, 4), dtype=np.int64)

    filled = fill_min_labels(indicator, TIED_SCORES, 10)

    np.testing.assert_array_equal(filled.toarray(), np.ones((3, 4)))


def test_fill_min_labels_accepts_dense_indicator():
    indicator = np.array([[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]])

    filled = fill_min_labels(indicator, TIED_SCORES, 1)

    np.testing.assert_array_equal(
        filled.toarray(), [[0, 1, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]]
    )


def test_trim_max_labels_keeps_top_scored_positives():
    indicator = sp.csr_matrix([[1, 1, 1, 1], [1, 1, 0, 1], [1, 1, 1, 0]])

    trimmed = trim_max_labels(indicator, TIED_SCORES, 2)

    _assert_canonical_indicator(trimmed, TIED_SCORES.shape)
    # Row 0 keeps the tied top pair. Row 1 has three positives of equal score
    # and keeps the two lowest columns. Row 2 keeps its two lowest columns.
    np.testing.assert_array_equal(
        trimmed.toarray(), [[0, 1, 1, 0], [1, 1, 0, 0], [1, 1, 0, 0]]
    )


def test_trim_max_labels_ignores_scores_of_negatives():
    # The negative column 2 has the highest score, and trimming must not
    # bring it in.
    indicator = sp.csr_matrix([[1, 1, 0, 1]])
    P = np.array([[0.1, 0.4, 0.99, 0.3]])

    trimmed = trim_max_labels(indicator, P, 1)

    np.testing.assert_array_equal(trimmed.toarray(), [[0, 1, 0, 0]])


def test_trim_max_labels_leaves_short_rows_unchanged():
    indicator = sp.csr_matrix([[0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 1, 0]])

    trimmed = trim_max_labels(indicator, TIED_SCORES, 2)

    np.testing.assert_array_equal(trimmed.toarray(), indicator.toarray())


def test_fill_and_trim_match_across_chunk_sizes(monkeypatch):
    rng = np.random.default_rng(3)
    P = rng.integers(0, 4, size=(120, 8)).astype(np.float64)
    indicator = sp.csr_matrix(rng.random((120, 8)) < 0.3)
    whole = [
        fill_min_labels(indicator, P, 3).toarray(),
        trim_max_labels(indicator, P, 1).toarray(),
    ]

    monkeypatch.setattr(_top_k, "_CHUNK_ELEMENTS", 24)
    chunked = [
        fill_min_labels(indicator, P, 3).toarray(),
        trim_max_labels(indicator, P, 1).toarray(),
    ]

    np.testing.assert_array_equal(chunked[0], whole[0])
    np.testing.assert_array_equal(chunked[1], whole[1])
    assert np.all(whole[0].sum(axis=1) >= 3)
    assert np.all(whole[1].sum(axis=1) <= 1)


@pytest.mark.parametrize(
    ("k", "error", "match"),
    [
        (-1, ValueError, "k must be >= 0, got -1"),
        (1.5, TypeError, "k must be an integer, got 1.5"),
        (True, TypeError, "k must be an integer, got True"),
    ],
)
def test_top_k_indicator_rejects_invalid_k(k, error, match):
    with pytest.raises(error, match=match):
        top_k_indicator(TIED_SCORES, k)


@pytest.mark.parametrize(
    ("P", "error", "match"),
    [
        (np.array([0.1, 0.9]), ValueError, r"P must be 2-D.*got shape \(2,\)"),
        (np.array([[1, 0]]), TypeError, "P must have dtype float32 or float64"),
        (np.array([[0.1, np.nan]]), ValueError, "P contains NaN or infinite"),
        (np.array([[0.1, -np.inf]]), ValueError, "P contains NaN or infinite"),
        (sp.csr_matrix([[0.1, 0.9]]), TypeError, "P must be a dense array"),
    ],
)
def test_top_k_indicator_rejects_invalid_scores(P, error, match):
    with pytest.raises(error, match=match):
        top_k_indicator(P, 1)


def test_fill_min_labels_rejects_indicator_of_other_shape():
    indicator = sp.csr_matrix((2, 4), dtype=np.int64)

    with pytest.raises(ValueError, match=r"indicator has shape \(2, 4\)"):
        fill_min_labels(indicator, TIED_SCORES, 1)


def test_trim_max_labels_rejects_non_binary_indicator():
    indicator = sp.csr_matrix([[2, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])

    with pytest.raises(ValueError, match="indicator must contain only 0 and 1"):
        trim_max_labels(indicator, TIED_SCORES, 1)


def test_trim_max_labels_rejects_negative_max_labels():
    indicator = sp.csr_matrix((3, 4), dtype=np.int64)

    with pytest.raises(ValueError, match="max_labels must be >= 0, got -2"):
        trim_max_labels(indicator, TIED_SCORES, -2)
