"""Tests of sparse (CSR) score input: reading, decision rules and threshold search."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from sklabel import ProbabilityDecoder
from sklabel._objectives import resolve_objective
from sklabel._scores import read_scores, read_sparse_scores
from sklabel._search import search_thresholds
from sklabel._sparse_scores import (
    search_thresholds_sparse,
    sparse_threshold_indicator,
    sparse_top_k_indicator,
)

OBJECTIVES = ["f1", "balanced_accuracy", "mcc", "jaccard", "accuracy"]

# NOTE: ProbabilityDecoder does not read sparse scores yet. Its fit and
# _read_transform_input must call read_scores with accept_sparse=True for
# multi-label problems, and _decide_multilabel must send CSR scores to the
# rules of sklabel._sparse_scores. Until then read_scores raises TypeError.


def random_csr(rng, n_samples, n_classes, density, values=None, dtype=np.float64):
    """Return a CSR matrix whose stored scores may include explicit zeros."""
    present = rng.random((n_samples, n_classes)) < density
    rows, columns = np.nonzero(present)
    if values is None:
        data = rng.normal(size=len(rows))
    else:
        data = rng.choice(values, size=len(rows))
    matrix = sp.csr_matrix(
        (data.astype(dtype), (rows, columns)), shape=(n_samples, n_classes)
    )
    return matrix, present


def large_sparse_scores(rng, n_samples=1_000_000, n_classes=100_000, per_row=20):
    """Return float32 CSR scores with ``per_row`` distinct sorted columns a row."""
    # Row i stores one column in each of ``per_row`` bands of columns.
    band = n_classes // per_row
    columns = rng.integers(0, band, size=(n_samples, per_row), dtype=np.int32)
    columns += np.arange(per_row, dtype=np.int32) * band
    return sp.csr_matrix(
        (
            rng.random(n_samples * per_row, dtype=np.float32),
            columns.ravel(),
            np.arange(0, n_samples * per_row + 1, per_row),
        ),
        shape=(n_samples, n_classes),
    )


def reference_decisions(dense, present, thresholds, min_labels, max_labels):
    """Decide row by row in plain Python, ranking by (-score, column)."""
    decisions = np.zeros(dense.shape, dtype=np.int64)
    for row in range(dense.shape[0]):
        stored = [j for j in range(dense.shape[1]) if present[row, j]]
        ranked = sorted(stored, key=lambda j: (-dense[row, j], j))
        chosen = [j for j in stored if dense[row, j] >= thresholds[j]]
        if len(chosen) < min_labels:
            negatives = [j for j in ranked if j not in chosen]
            chosen += negatives[: min_labels - len(chosen)]
        if max_labels is not None and len(chosen) > max_labels:
            chosen = [j for j in ranked if j in chosen][:max_labels]
        decisions[row, chosen] = 1
    return decisions


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def test_read_sparse_scores_returns_float32_csr_unchanged():
    matrix, _ = random_csr(np.random.default_rng(0), 50, 8, 0.3, dtype=np.float32)

    read = read_sparse_scores(matrix)

    assert read is matrix
    assert read.dtype == np.float32


@pytest.mark.parametrize("sparse_format", ["coo", "csc", "lil", "dok"])
def test_read_sparse_scores_converts_to_csr(sparse_format):
    matrix, _ = random_csr(np.random.default_rng(1), 30, 6, 0.4)

    read = read_scores(matrix.asformat(sparse_format), accept_sparse=True)

    assert read.format == "csr"
    assert read.has_sorted_indices
    assert_array_equal(read.toarray(), matrix.toarray())


def test_read_sparse_scores_keeps_explicit_zeros():
    matrix = sp.csr_matrix(
        (np.array([0.0, 0.7]), np.array([1, 0]), np.array([0, 1, 2])), shape=(2, 3)
    )

    read = read_sparse_scores(matrix)

    assert read.nnz == 2
    assert_array_equal(read.indices, [1, 0])


def test_read_sparse_scores_casts_integers_to_float64():
    integers = sp.csr_matrix(np.array([[3, 0], [0, -1]]))

    read = read_sparse_scores(integers)

    assert read.dtype == np.float64
    assert_array_equal(read.toarray(), [[3.0, 0.0], [0.0, -1.0]])


def test_read_sparse_scores_sorts_unsorted_indices():
    matrix = sp.csr_matrix(
        (np.array([0.1, 0.9]), np.array([2, 0]), np.array([0, 2])), shape=(1, 3)
    )

    read = read_sparse_scores(matrix)

    assert_array_equal(read.indices, [0, 2])
    assert_array_equal(read.data, [0.9, 0.1])
    assert_array_equal(matrix.indices, [2, 0])


def test_read_sparse_scores_coo_duplicates_raise():
    matrix = sp.coo_matrix(
        (np.array([0.5, 0.3]), (np.array([0, 0]), np.array([1, 1]))), shape=(2, 3)
    )

    with pytest.raises(ValueError, match="stores 1 duplicate entries"):
        read_sparse_scores(matrix)


def test_read_sparse_scores_csr_duplicates_raise():
    matrix = sp.csr_matrix(
        (np.array([0.5, 0.3, 0.1]), np.array([2, 1, 1]), np.array([0, 1, 3])),
        shape=(2, 3),
    )

    with pytest.raises(ValueError, match="more than one score at row 1, column 1"):
        read_sparse_scores(matrix)


def test_read_sparse_scores_nan_names_position():
    matrix = sp.csr_matrix(
        (np.array([0.5, np.nan, np.inf]), np.array([0, 2, 1]), np.array([0, 1, 3])),
        shape=(2, 3),
    )

    # The indices of row 1 are sorted first, so its infinite score, in column
    # 1, comes before its NaN, in column 2.
    with pytest.raises(
        ValueError, match=r"2 non-finite value\(s\) \(inf at row 1, column 1\)"
    ):
        read_sparse_scores(matrix)


def test_read_sparse_scores_probabilities_out_of_range_raise():
    matrix = sp.csr_matrix(np.array([[0.5, 0.0], [0.0, 1.5]]))

    with pytest.raises(ValueError, match="contain 1.5, outside"):
        read_sparse_scores(matrix, probabilities=True)


def test_read_sparse_scores_booleans_raise():
    matrix = sp.csr_matrix(np.array([[True, False]]))

    with pytest.raises(TypeError, match="booleans"):
        read_sparse_scores(matrix)


def test_read_sparse_scores_empty_shape_raises():
    with pytest.raises(ValueError, match=r"is empty \(shape \(0, 3\)\)"):
        read_sparse_scores(sp.csr_matrix((0, 3)))


def test_read_scores_sparse_without_accept_sparse_raises():
    matrix = sp.csr_matrix(np.eye(3))

    with pytest.raises(TypeError, match=r"only read for multi-label problems"):
        read_scores(matrix)


# ---------------------------------------------------------------------------
# Decision rules
# ---------------------------------------------------------------------------


def test_sparse_threshold_absent_entries_never_positive():
    scores = sp.csr_matrix(
        (np.array([0.9, 0.2]), np.array([0, 2]), np.array([0, 1, 2, 2])), shape=(3, 3)
    )

    indicator = sparse_threshold_indicator(scores, np.array([0.5, 0.0, 0.1]))

    assert_array_equal(indicator.toarray(), [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    assert indicator.dtype == np.int64
    assert indicator.has_sorted_indices


def test_sparse_threshold_tie_is_positive_in_float32():
    scores = sp.csr_matrix(np.array([[0.41, 0.5]], dtype=np.float32))

    at_float32_value = sparse_threshold_indicator(scores, [float(np.float32(0.41)), 1])
    above_float32_value = sparse_threshold_indicator(scores, [0.41, 1])

    assert_array_equal(at_float32_value.toarray(), [[1, 0]])
    # float32(0.41) is 0.4099999964, below a threshold of exactly 0.41.
    assert_array_equal(above_float32_value.toarray(), [[0, 0]])


def test_sparse_min_labels_row_with_few_stored_entries():
    scores = sp.csr_matrix(
        (np.array([0.1, 0.3, 0.2]), np.array([4, 1, 3]), np.array([0, 1, 3, 3])),
        shape=(3, 5),
    )

    indicator = sparse_threshold_indicator(scores, np.full(5, 0.5), min_labels=2)

    assert_array_equal(
        indicator.toarray(),
        [[0, 0, 0, 0, 1], [0, 1, 0, 1, 0], [0, 0, 0, 0, 0]],
    )


def test_sparse_max_labels_ties_keep_lower_column():
    scores = sp.csr_matrix(np.array([[0.6, 0.9, 0.6, 0.7, 0.6]]))

    indicator = sparse_threshold_indicator(scores, np.full(5, 0.5), max_labels=3)

    assert_array_equal(indicator.toarray(), [[1, 1, 0, 1, 0]])


def test_sparse_top_k_ties_and_short_rows():
    scores = sp.csr_matrix(
        (
            np.array([0.2, 0.5, 0.5, -1.0, 3.0]),
            np.array([0, 1, 2, 3, 2]),
            np.array([0, 4, 5, 5]),
        ),
        shape=(3, 4),
    )

    assert_array_equal(
        sparse_top_k_indicator(scores, 2).toarray(),
        [[0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]],
    )
    assert sparse_top_k_indicator(scores, 0).nnz == 0
    assert sparse_top_k_indicator(scores, 10).nnz == 5


def test_sparse_label_count_errors():
    scores = sp.csr_matrix(np.eye(2))

    with pytest.raises(ValueError, match="min_labels must be >= 0, got -1"):
        sparse_threshold_indicator(scores, [0.5, 0.5], min_labels=-1)
    with pytest.raises(TypeError, match="k must be an integer, got 1.5"):
        sparse_top_k_indicator(scores, 1.5)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_samples=st.integers(1, 25),
    n_classes=st.integers(1, 6),
    density=st.floats(0.0, 1.0),
    min_labels=st.integers(0, 4),
    extra_labels=st.one_of(st.none(), st.integers(0, 3)),
)
def test_sparse_threshold_matches_row_by_row_reference(
    seed, n_samples, n_classes, density, min_labels, extra_labels
):
    rng = np.random.default_rng(seed)
    scores, present = random_csr(
        rng, n_samples, n_classes, density, values=[0.0, 0.2, 0.5, 0.5, 0.8, 1.0]
    )
    thresholds = rng.choice([0.0, 0.3, 0.5, 0.9, np.inf], size=n_classes)
    max_labels = None if extra_labels is None else max(min_labels, 1) + extra_labels

    indicator = sparse_threshold_indicator(
        scores, thresholds, min_labels=min_labels, max_labels=max_labels
    )

    expected = reference_decisions(
        scores.toarray(), present, thresholds, min_labels, max_labels
    )
    assert_array_equal(indicator.toarray(), expected)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(0, 5))
def test_sparse_top_k_matches_row_by_row_reference(seed, k):
    rng = np.random.default_rng(seed)
    scores, present = random_csr(rng, 20, 5, 0.6, values=[-1.0, 0.0, 0.5, 2.0])

    indicator = sparse_top_k_indicator(scores, k)

    expected = reference_decisions(
        scores.toarray(), present, np.full(5, np.inf), min_labels=k, max_labels=None
    )
    assert_array_equal(indicator.toarray(), expected)


def test_sparse_threshold_spans_many_chunks(monkeypatch):
    import sklabel._sparse_scores as sparse_scores

    monkeypatch.setattr(sparse_scores, "CHUNK_ENTRIES", 7)
    rng = np.random.default_rng(3)
    scores, present = random_csr(rng, 200, 9, 0.3)
    thresholds = rng.normal(size=9)

    indicator = sparse_threshold_indicator(
        scores, thresholds, min_labels=1, max_labels=2
    )

    expected = reference_decisions(scores.toarray(), present, thresholds, 1, 2)
    assert_array_equal(indicator.toarray(), expected)


def test_sparse_decoding_memory_follows_stored_entries():
    """A 1,000,000 x 100,000 matrix with 20 scores per row is never densified.

    Dense, the matrix would take 800 GB in float64 and its boolean mask 100 GB,
    so any densification fails with a MemoryError or breaks the peak bound.
    """
    scores = large_sparse_scores(np.random.default_rng(4))
    n_samples, n_classes = scores.shape
    stored_bytes = scores.data.nbytes + scores.indices.nbytes
    thresholds = np.full(n_classes, 0.9)

    tracemalloc.start()
    checked = read_scores(scores, accept_sparse=True, probabilities=True)
    indicator = sparse_threshold_indicator(
        checked, thresholds, min_labels=1, max_labels=3
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert checked is scores
    assert indicator.shape == (n_samples, n_classes)
    row_counts = np.diff(indicator.indptr)
    assert row_counts.min() == 1
    assert row_counts.max() == 3
    assert peak < 1.0 * stored_bytes, f"peak {peak / stored_bytes:.2f} x stored"


# ---------------------------------------------------------------------------
# Through the decoder
# ---------------------------------------------------------------------------


def test_decoder_transform_sparse_matches_sparse_rule():
    rng = np.random.default_rng(8)
    scores, _ = random_csr(rng, 200, 6, 0.4)
    classes = [f"tag_{index}" for index in range(6)]
    decoder = ProbabilityDecoder(
        classes=classes, problem="multilabel", scores="logits", min_labels=1,
        max_labels=2,
    ).fit(scores)

    indicator = decoder.transform(scores)
    labels = decoder.decode(scores)

    expected = sparse_threshold_indicator(
        scores, np.zeros(6), min_labels=1, max_labels=2
    )
    assert decoder.scores_ == "logits"
    assert (indicator != expected).nnz == 0
    assert labels[0] == tuple(np.asarray(classes)[expected[0].indices])


def test_decoder_sparse_probabilities_out_of_range_raise():
    scores = sp.csr_matrix(np.array([[0.2, 0.0], [0.0, 0.9]]))
    decoder = ProbabilityDecoder(
        classes=["a", "b"], problem="multilabel", scores="probabilities"
    ).fit(scores)

    with pytest.raises(ValueError, match="contain 1.5, outside"):
        decoder.transform(sp.csr_matrix(np.array([[1.5, 0.0]])))


def test_decoder_sparse_scores_multiclass_raise():
    decoder = ProbabilityDecoder(classes=["a", "b", "c"], problem="multiclass")

    with pytest.raises(TypeError, match="only read for multi-label problems"):
        decoder.fit(sp.csr_matrix(np.eye(3)))


def test_decoder_large_sparse_memory_follows_stored_entries():
    # NOTE: 2,000 classes, not 100,000, because check_classes looks for
    # duplicate names in time quadratic in the number of classes. The rule
    # itself is tested on 100,000 classes above.
    scores = large_sparse_scores(np.random.default_rng(9), n_classes=2_000)
    classes = np.arange(scores.shape[1])
    decoder = ProbabilityDecoder(
        classes=classes, problem="multilabel", scores="probabilities",
        threshold=0.9, min_labels=1,
    ).fit(scores[:10])
    stored_bytes = scores.data.nbytes + scores.indices.nbytes

    tracemalloc.start()
    indicator = decoder.transform(scores)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert np.diff(indicator.indptr).min() == 1
    assert peak < 1.0 * stored_bytes, f"peak {peak / stored_bytes:.2f} x stored"


# ---------------------------------------------------------------------------
# Threshold search
# ---------------------------------------------------------------------------


def objective_at_decisions(objective, decisions, truth, weight):
    """Return the objective of each column of 0/1 decisions, by plain sums."""
    decisions = decisions.astype(bool)
    truth = truth.astype(bool)
    weight = weight[:, np.newaxis]
    tp = (weight * (decisions & truth)).sum(axis=0)
    fp = (weight * (decisions & ~truth)).sum(axis=0)
    fn = (weight * (~decisions & truth)).sum(axis=0)
    tn = (weight * (~decisions & ~truth)).sum(axis=0)
    return objective.score(tp, fp, fn, tn)


def brute_force_best(objective, dense, present, truth, weight):
    """Return each class's best objective over every decision sparse cuts make."""
    n_classes = dense.shape[1]
    best = np.full(n_classes, -np.inf)
    for j in range(n_classes):
        kept = present[:, j] & (weight > 0)
        candidates = [np.inf] + sorted(set(dense[kept, j].tolist()))
        for cut in candidates:
            decisions = (present[:, j] & (dense[:, j] >= cut))[:, np.newaxis]
            value = objective_at_decisions(
                objective, decisions, truth[:, [j]], weight
            )[0]
            best[j] = max(best[j], value)
    return best


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_samples=st.integers(1, 30),
    n_classes=st.integers(1, 4),
    objective_name=st.sampled_from(OBJECTIVES),
    weighted=st.booleans(),
)
def test_search_sparse_matches_brute_force(
    seed, n_samples, n_classes, objective_name, weighted
):
    rng = np.random.default_rng(seed)
    scores, present = random_csr(
        rng, n_samples, n_classes, rng.random(), values=[0.0, 0.25, 0.5, 0.75]
    )
    truth = rng.random((n_samples, n_classes)) < 0.4
    weight = rng.integers(0, 4, size=n_samples).astype(float)
    if not weighted:
        weight = np.ones(n_samples)
    objective = resolve_objective(objective_name)

    result = search_thresholds_sparse(
        truth, scores, objective_name, sample_weight=weight if weighted else None
    )

    decisions = sparse_threshold_indicator(scores, result.cuts).toarray()
    achieved = objective_at_decisions(objective, decisions, truth, weight)
    best = brute_force_best(objective, scores.toarray(), present, truth, weight)
    np.testing.assert_allclose(result.values, best, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(achieved, best, rtol=1e-12, atol=1e-12)


def test_sparse_search_all_stored_equals_dense():
    rng = np.random.default_rng(5)
    dense = np.round(rng.random((60, 3)), 1).astype(np.float32)
    truth = rng.random((60, 3)) < 0.3
    # Every entry is stored, explicit zeros included.
    rows, columns = np.nonzero(np.ones_like(dense, dtype=bool))
    scores = sp.csr_matrix((dense[rows, columns], (rows, columns)), shape=dense.shape)

    for objective in OBJECTIVES:
        sparse_result = search_thresholds_sparse(truth, scores, objective)
        dense_result = search_thresholds(truth, dense, objective)
        assert_array_equal(sparse_result.cuts, dense_result.cuts)
        assert_array_equal(sparse_result.values, dense_result.values)
        assert_array_equal(sparse_result.degenerate, dense_result.degenerate)


def test_sparse_search_low_absent_equals_dense():
    rng = np.random.default_rng(6)
    scores, present = random_csr(rng, 80, 4, 0.5, values=[0.1, 0.3, 0.6, 0.9])
    truth = (rng.random((80, 4)) < 0.2) & present
    truth[:5] = True
    # A score below every stored one stands for "absent" in the dense search.
    dense = np.where(present, scores.toarray(), -1.0)

    lowest_stored = np.array([scores[:, [j]].data.min() for j in range(4)])

    sparse_result = search_thresholds_sparse(truth, scores, "mcc")
    dense_result = search_thresholds(truth, dense, "mcc")

    # The dense cut that predicts every stored entry is the midpoint between
    # -1.0 and the lowest stored score. With absent scores at -inf, it is the
    # lowest stored score itself.
    predicts_all_stored = dense_result.cuts < lowest_stored
    assert predicts_all_stored.any()
    assert np.all(dense_result.cuts > -1.0)
    expected_cuts = np.where(predicts_all_stored, lowest_stored, dense_result.cuts)
    assert_array_equal(sparse_result.cuts, expected_cuts)
    assert_array_equal(sparse_result.values, dense_result.values)


def test_search_sparse_never_predicts_absent_entries():
    # Class 0 is positive in every row, so F1 is best when every row is
    # predicted. Row 2 is not scored, so the best reachable decision predicts
    # the two stored rows, with the lowest stored score as cut.
    scores = sp.csr_matrix(
        (np.array([0.2, 0.7]), np.array([0, 0]), np.array([0, 1, 2, 2])), shape=(3, 1)
    )
    truth = np.ones((3, 1), dtype=bool)

    result = search_thresholds_sparse(truth, scores, "f1")

    assert_array_equal(result.cuts, [0.2])
    np.testing.assert_allclose(result.values, [0.8])
    assert_array_equal(result.degenerate, [True])


def test_search_sparse_unreachable_recall_is_infeasible():
    scores = sp.csr_matrix(
        (np.array([0.9, 0.4]), np.array([0, 0]), np.array([0, 1, 2, 2])), shape=(3, 1)
    )
    truth = np.array([[1], [0], [1]])
    objective = resolve_objective("precision_at_recall", {"min_recall": 1.0})

    result = search_thresholds_sparse(truth, scores, objective)

    assert_array_equal(result.infeasible, [True])
    assert_array_equal(result.cuts, [np.inf])


def test_search_sparse_sparse_indicator_and_unstored_class():
    scores = sp.csr_matrix(
        (np.array([0.9, 0.4, 0.8]), np.array([0, 0, 0]), np.array([0, 1, 2, 3])),
        shape=(3, 2),
    )
    truth = sp.csr_matrix(np.array([[1, 1], [0, 0], [1, 0]]))

    result = search_thresholds_sparse(truth, scores, "f1")

    # The cut of class 0 is the float64 midpoint of 0.8 and 0.4.
    assert_array_equal(result.cuts, [0.5 * 0.8 + 0.5 * 0.4, np.inf])
    np.testing.assert_allclose(result.values, [1.0, 0.0])


def test_search_sparse_shape_mismatch_raises():
    scores = sp.csr_matrix(np.eye(3))

    with pytest.raises(ValueError, match=r"indicator matrix has shape \(3, 2\)"):
        search_thresholds_sparse(np.zeros((3, 2)), scores, "f1")
    with pytest.raises(ValueError, match=r"sample_weight has shape \(2,\)"):
        search_thresholds_sparse(np.eye(3), scores, "f1", sample_weight=[1, 2])


def test_search_sparse_memory_follows_stored_entries():
    rng = np.random.default_rng(7)
    n_samples, n_classes, per_row = 200_000, 200, 4
    columns = rng.integers(0, n_classes // per_row, size=(n_samples, per_row))
    columns += np.arange(per_row) * (n_classes // per_row)
    scores = sp.csr_matrix(
        (
            rng.random(n_samples * per_row, dtype=np.float32),
            columns.ravel(),
            np.arange(0, n_samples * per_row + 1, per_row),
        ),
        shape=(n_samples, n_classes),
    )
    truth = sp.csr_matrix(
        (np.ones(n_samples), (np.arange(n_samples), columns[:, 0])),
        shape=(n_samples, n_classes),
    )
    stored_bytes = scores.data.nbytes + scores.indices.nbytes

    tracemalloc.start()
    result = search_thresholds_sparse(truth, scores, "f1")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert np.isfinite(result.cuts[: n_classes // per_row]).all()
    # A dense float32 copy would be 40 times the stored bytes.
    assert peak < 8 * stored_bytes, f"peak {peak / stored_bytes:.1f} x stored"


def test_decoder_learns_thresholds_from_sparse_scores():
    rng = np.random.default_rng(7)
    dense = rng.random((400, 6))
    dense[dense < 0.6] = 0.0
    Y = (rng.random((400, 6)) < dense).astype(np.int8)
    scores = sp.csr_matrix(dense)

    sparse_fit = ProbabilityDecoder(objective="f1").fit(scores, Y)
    indicator = sparse_fit.transform(scores)

    # Absent scores are never positive, so every predicted entry is stored.
    predicted = indicator.toarray().astype(bool)
    assert not (predicted & (dense == 0)).any()
    stored = dense > 0
    expected = stored & (dense >= sparse_fit.score_thresholds_)
    np.testing.assert_array_equal(predicted, expected)
    assert np.isfinite(sparse_fit.objective_values_).all()


def test_decoder_rejects_sparse_scores_for_expected_f1():
    scores = sp.csr_matrix(np.array([[0.9, 0.0], [0.0, 0.7]]))
    decoder = ProbabilityDecoder(rule="expected_f1")

    with pytest.raises(TypeError, match="cannot be fitted on sparse scores"):
        decoder.fit(scores, np.array([[1, 0], [0, 1]]))
