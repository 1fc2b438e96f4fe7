"""Tests of expected-F1 decoding against brute force over every label set."""

import itertools
from functools import cache
from unittest import mock

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklabel import _expected_f1
from sklabel._expected_f1 import (
    _count_pmfs_beyond,
    _expected_f1_of_top_k,
    _sorted_top_columns,
    expected_f1_indicator,
)

# Probabilities drawn either anywhere in [0, 1] or among values that create
# ties, certain labels and impossible ones.
PROBABILITIES = st.one_of(
    st.floats(0.0, 1.0),
    st.sampled_from([0.0, 1.0, 0.5, 0.25, 0.1, 1e-9, 0.999]),
)


@st.composite
def probability_matrices(draw):
    n_rows = draw(st.integers(1, 3))
    n_labels = draw(st.integers(1, 10))
    return draw(hnp.arrays(np.float64, (n_rows, n_labels), elements=PROBABILITIES))


@cache
def _subsets_and_f1(n_labels):
    """Return every label subset as a 0/1 row, and F1 between every two."""
    subsets = np.array(list(itertools.product([0, 1], repeat=n_labels)), dtype=bool)
    overlap = subsets.astype(np.int64) @ subsets.T.astype(np.int64)
    sizes = subsets.sum(axis=1)
    size_sums = sizes[:, np.newaxis] + sizes[np.newaxis, :]
    f1 = np.where(size_sums == 0, 1.0, 2.0 * overlap / np.maximum(size_sums, 1))
    return subsets, f1


def _brute_force_expected_f1(p):
    """Return every subset and its expected F1, summing over all true sets."""
    subsets, f1 = _subsets_and_f1(len(p))
    true_set_probability = np.prod(np.where(subsets, p, 1.0 - p), axis=1)
    return subsets, f1 @ true_set_probability


def _expected_f1_gaps(P, **kwargs):
    """Return, per row, how far the decoded set is below the best subset."""
    decoded = expected_f1_indicator(P, **kwargs).toarray().astype(bool)
    gaps = []
    for row, decoded_row in zip(P, decoded):
        subsets, values = _brute_force_expected_f1(row)
        decoded_index = np.flatnonzero((subsets == decoded_row).all(axis=1))[0]
        gaps.append(values.max() - values[decoded_index])
    return np.array(gaps)


@settings(max_examples=150, deadline=None)
@given(probability_matrices())
def test_expected_f1_indicator_matches_brute_force(P):
    gaps = _expected_f1_gaps(P)

    assert gaps.max() <= 1e-12, f"gaps {gaps} for P={P.tolist()}"


@settings(max_examples=100, deadline=None)
@given(probability_matrices())
def test_expected_f1_indicator_pruning_matches_brute_force(P):
    # Trying candidate counts from 1 up puts the pruning bounds to work on
    # rows small enough for brute force.
    with mock.patch.object(_expected_f1, "_FIRST_CANDIDATE_COUNT", 1):
        gaps = _expected_f1_gaps(P)

    assert gaps.max() <= 1e-12, f"gaps {gaps} for P={P.tolist()}"


@settings(max_examples=60, deadline=None)
@given(probability_matrices(), st.sampled_from([0.01, 0.1, 0.3]))
def test_expected_f1_indicator_tolerance_bounds_loss(P, tolerance):
    with mock.patch.object(_expected_f1, "_FIRST_CANDIDATE_COUNT", 1):
        gaps = _expected_f1_gaps(P, tolerance=tolerance)

    assert gaps.max() <= tolerance + 1e-12, f"gaps {gaps} for P={P.tolist()}"


def test_expected_f1_of_top_k_matches_brute_force():
    rng = np.random.default_rng(0)
    p = np.sort(rng.random(9) ** 2)[::-1]
    subsets, values = _brute_force_expected_f1(p)
    # The first 5 labels are candidates, and the last 4 enter only through
    # the distribution of their number of true labels.
    beyond = _count_pmfs_beyond(p[np.newaxis, :], 4, [5])[5]

    top_k_values = _expected_f1_of_top_k(p[np.newaxis, :5].copy(), beyond)[0]

    for k in range(6):
        index = np.flatnonzero((subsets == (np.arange(9) < k)).all(axis=1))[0]
        assert top_k_values[k] == pytest.approx(values[index], abs=1e-14)


def test_expected_f1_indicator_wide_rows_match_full_recursion():
    # Sparse-looking rows: a few likely labels over many unlikely ones, plus
    # a denser row whose optimal set is large.
    rng = np.random.default_rng(1)
    logits = rng.normal(-5.0, 1.5, size=(12, 300))
    logits[:, :3] = rng.normal(1.0, 2.0, size=(12, 3))
    logits[-1] = rng.normal(0.0, 1.0, size=300)
    P = 1.0 / (1.0 + np.exp(-logits))

    decoded = expected_f1_indicator(P).toarray()

    descending = -np.sort(-P, axis=1)
    values = _expected_f1_of_top_k(descending, np.ones((len(P), 1)))
    best_sizes = np.argmax(values >= values.max(axis=1, keepdims=True) - 1e-13, axis=1)
    np.testing.assert_array_equal(decoded.sum(axis=1), best_sizes)
    for row, size in enumerate(best_sizes):
        top_columns = np.argsort(-P[row], kind="stable")[:size]
        assert set(np.flatnonzero(decoded[row])) == set(top_columns)


def test_expected_f1_indicator_tie_picks_smaller_set():
    # One label at 0.5: the empty set and the singleton both score 0.5.
    P = np.array([[0.5], [0.5000001], [0.4999999]])

    decoded = expected_f1_indicator(P).toarray()

    np.testing.assert_array_equal(decoded, [[0], [1], [0]])


def test_sorted_top_columns_tie_order():
    # The decoded set is a prefix of this order, so at a tie that splits
    # equal probabilities the lower column would be decoded.
    P = np.array([[0.3, 0.7, 0.3, 0.7, 0.1], [0.2, 0.2, 0.2, 0.9, 0.2]])

    columns = _sorted_top_columns(P, 4)

    np.testing.assert_array_equal(columns, [[1, 3, 0, 2], [3, 0, 1, 2]])


def test_expected_f1_indicator_certain_and_impossible_rows():
    P = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])

    decoded = expected_f1_indicator(P)

    assert isinstance(decoded, sp.csr_matrix)
    assert decoded.dtype == np.int64
    np.testing.assert_array_equal(decoded.toarray(), [[0, 0, 0], [1, 1, 0], [1, 1, 1]])


def test_expected_f1_indicator_float32_and_chunks(monkeypatch):
    rng = np.random.default_rng(2)
    P = (rng.random((40, 12)) ** 3).astype(np.float32)
    whole = expected_f1_indicator(P.astype(np.float64))

    monkeypatch.setattr(_expected_f1, "_row_chunks", _small_row_chunks)
    chunked = expected_f1_indicator(P)

    np.testing.assert_array_equal(chunked.toarray(), whole.toarray())
    for row in range(len(P)):
        columns = chunked.indices[chunked.indptr[row] : chunked.indptr[row + 1]]
        assert np.all(np.diff(columns) > 0)


def _small_row_chunks(n_rows, n_columns):
    for start in range(0, n_rows, 7):
        yield start, min(start + 7, n_rows)


@pytest.mark.parametrize(
    ("tolerance", "error", "match"),
    [
        (-0.1, ValueError, r"tolerance must be in \[0, 1\), got -0.1"),
        (1.0, ValueError, r"tolerance must be in \[0, 1\), got 1.0"),
        (True, TypeError, "tolerance must be a real number, got True"),
        ("0.1", TypeError, "tolerance must be a real number, got '0.1'"),
    ],
)
def test_expected_f1_indicator_rejects_invalid_tolerance(tolerance, error, match):
    P = np.array([[0.2, 0.7]])

    with pytest.raises(error, match=match):
        expected_f1_indicator(P, tolerance=tolerance)


def test_expected_f1_indicator_rejects_logits():
    logits = np.array([[-2.0, 3.0]])

    with pytest.raises(ValueError, match=r"P must contain probabilities in \[0, 1\]"):
        expected_f1_indicator(logits)
