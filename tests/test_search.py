"""Tests of the exact threshold search: per class, micro and samples averages."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import confusion_matrix_at_thresholds, f1_score

from sklabel import _search
from sklabel._objectives import OBJECTIVE_NAMES, resolve_objective
from sklabel._search import (
    averaged_objective,
    class_curves,
    counts_at_cuts,
    fallback_to_default,
    result_from_curves,
    search_thresholds,
    search_thresholds_micro,
    search_thresholds_samples,
)

# Few distinct values, so that ties between rows are frequent. -0.0 and 0.0
# must count as one value.
SCORE_VALUES = np.array([-2.0, -0.0, 0.0, 0.1, 0.3, 0.5, 0.7, 1.0, 3.5])

PARAMS = {
    "fbeta": {"beta": 0.5},
    "cost": {"fp_cost": 1.0, "fn_cost": 3.0},
    "recall_at_precision": {"min_precision": 0.6},
    "precision_at_recall": {"min_recall": 0.7},
}


@st.composite
def problems(draw, max_classes=4):
    """Draw (Y, S, sample_weight, integer_weights) with n <= 30 and k <= max_classes."""
    n_samples = draw(st.integers(1, 30))
    n_classes = draw(st.integers(1, max_classes))
    shape = (n_samples, n_classes)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    index = draw(arrays(np.int8, shape, elements=st.integers(0, SCORE_VALUES.size - 1)))
    S = SCORE_VALUES.astype(dtype)[index]
    Y = draw(arrays(np.uint8, shape, elements=st.integers(0, 1)))
    kind = draw(st.sampled_from(["none", "integer", "float"]))
    if kind == "none":
        return Y, S, None, True
    if kind == "integer":
        weight = draw(arrays(np.int64, n_samples, elements=st.integers(0, 3)))
    else:
        # Weights of similar magnitudes: with weights 12 orders of magnitude
        # apart, tn = negatives - fp loses most of its digits to rounding.
        elements = st.one_of(st.just(0.0), st.floats(0.1, 5.0))
        weight = draw(arrays(np.float64, n_samples, elements=elements))
    if weight.sum() <= 0:
        weight[0] = 1
    return Y, S, weight.astype(np.float64), kind == "integer"


def brute_force_candidates(y, s, weight, objective):
    """Score every candidate cut of one class with plain numpy counts.

    Returns rows of (cut value, score, feasible, tiebreak); the first row is
    "predict nothing".
    """
    kept = weight > 0
    values = np.unique(s[kept])[::-1]
    rows = []
    for cut in np.concatenate([[np.inf], values]):
        predicted = s >= cut
        tp = np.sum(weight[predicted & (y == 1)])
        fp = np.sum(weight[predicted & (y == 0)])
        fn = np.sum(weight[~predicted & (y == 1)])
        tn = np.sum(weight[~predicted & (y == 0)])
        feasible = objective.feasible(tp, fp, fn, tn)
        tiebreak = objective.tiebreak(tp, fp, fn, tn)
        rows.append((cut, float(objective.score(tp, fp, fn, tn)),
                     True if feasible is None else bool(feasible),
                     0.0 if tiebreak is None else float(tiebreak)))
    return rows


def counts_at(y, s, weight, cut):
    predicted = s >= cut
    cells = (predicted & (y == 1), predicted & (y == 0),
             ~predicted & (y == 1), ~predicted & (y == 0))
    return tuple(np.sum(weight[cell]) for cell in cells)


def expected_midpoint(s, weight, cut):
    """Return the cut the midpoint rule gives for the decisions of ``cut``."""
    kept = s[weight > 0].astype(np.float64)
    upper = kept[kept >= cut].min()
    below = kept[kept < cut]
    if below.size == 0:
        return -np.inf
    lower = below.max()
    middle = 0.5 * upper + 0.5 * lower
    return middle if lower < middle < upper else upper


def check_class(result, j, y, s, weight, objective, exact_ties):
    """Check one class of a search result against the brute force."""
    rows = brute_force_candidates(y, s, weight, objective)
    cut = result.cuts[j]
    value = float(objective.score(*counts_at(y, s, weight, cut)))
    assert value == pytest.approx(result.values[j], rel=1e-9, abs=1e-12)

    feasible_rows = [row for row in rows if row[2]]
    if not feasible_rows:
        assert result.infeasible[j]
        assert cut == np.inf
        return
    assert not result.infeasible[j]
    best = max(row[1] for row in feasible_rows)
    assert value == pytest.approx(best, rel=1e-9, abs=1e-12)
    if objective.has_constraint:
        counts = counts_at(y, s, weight, cut)
        assert objective.feasible(*counts)
    if exact_ties:
        # Integer weights give exact counts: the cut must be the highest
        # among the exactly tied best candidates.
        top = [row for row in feasible_rows if row[1] == best]
        best_tiebreak = max(row[3] for row in top)
        highest = max(row[0] for row in top if row[3] == best_tiebreak)
        kept = weight > 0
        assert_array_equal(s[kept] >= cut, s[kept] >= highest)
    if np.isfinite(cut):
        assert cut == expected_midpoint(s, weight, cut)


@pytest.mark.parametrize("name", OBJECTIVE_NAMES)
@settings(max_examples=30, deadline=None)
@given(problem=problems())
def test_search_matches_brute_force(name, problem):
    Y, S, weight, exact_ties = problem
    objective = resolve_objective(name, PARAMS.get(name))

    result = search_thresholds(Y, S, objective, sample_weight=weight)

    unit = np.ones(S.shape[0]) if weight is None else weight
    for j in range(S.shape[1]):
        check_class(result, j, Y[:, j], S[:, j], unit, objective, exact_ties)


@settings(max_examples=40, deadline=None)
@given(problem=problems())
def test_search_class_curves_agree(problem):
    Y, S, weight, _ = problem

    direct = search_thresholds(Y, S, "mcc", sample_weight=weight)
    from_curves = result_from_curves(class_curves(Y, S, "mcc", sample_weight=weight))

    assert_array_equal(direct.cuts, from_curves.cuts)
    assert_array_equal(direct.values, from_curves.values)
    assert_array_equal(direct.degenerate, from_curves.degenerate)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_search_counts_match_sklearn(dtype, weighted):
    rng = np.random.default_rng(0)
    scores = np.round(rng.random(300), 2).astype(dtype)
    y = (rng.random(300) < scores).astype(int)
    weight = rng.uniform(0.1, 3.0, 300) if weighted else None

    curve = class_curves(y[:, None], scores[:, None], "f1", sample_weight=weight)[0]

    tns, fps, fns, tps, thresholds = confusion_matrix_at_thresholds(
        y, scores, sample_weight=weight
    )
    assert_array_equal(curve["values"], thresholds)
    assert_allclose(curve["tp"][1:], tps, rtol=1e-12)
    assert_allclose(curve["fp"][1:], fps, rtol=1e-12)
    assert_allclose(curve["fn"][1:], fns, rtol=1e-12, atol=1e-9)
    assert_allclose(curve["tn"][1:], tns, rtol=1e-12, atol=1e-9)


def test_search_midpoint_between_neighbours():
    Y = np.array([[1], [1], [0], [0]])
    S = np.array([[0.9], [0.6], [0.4], [0.1]])

    result = search_thresholds(Y, S, "f1")

    assert result.cuts[0] == 0.5


def test_search_midpoint_adjacent_float64():
    upper = 1.0
    lower = np.nextafter(1.0, 0.0)
    S = np.array([[upper], [lower]])
    Y = np.array([[1], [0]])

    result = search_thresholds(Y, S, "f1")

    assert result.cuts[0] == upper
    assert_array_equal(S[:, 0] >= result.cuts[0], [True, False])


def test_search_midpoint_adjacent_float32():
    upper = np.float32(1.0)
    lower = np.nextafter(upper, np.float32(0.0))
    S = np.array([[upper], [lower]], dtype=np.float32)
    Y = np.array([[1], [0]])

    cut = search_thresholds(Y, S, "f1").cuts[0]

    assert float(lower) < cut < float(upper)
    assert_array_equal(S[:, 0] >= cut, [True, False])


def test_search_tie_with_cut_is_positive():
    S = np.array([[0.6], [0.6], [0.2]])
    Y = np.array([[1], [0], [0]])

    result = search_thresholds(Y, S, "f1")

    assert_array_equal(S[:, 0] >= result.cuts[0], [True, True, False])
    assert result.values[0] == pytest.approx(2 / 3)


def test_search_lowest_candidate_is_minus_inf():
    S = np.array([[0.2], [0.6], [0.1]])
    Y = np.array([[1], [1], [1]])

    result = search_thresholds(Y, S, "f1")

    assert result.cuts[0] == -np.inf


def test_search_negative_zero_is_zero():
    S = np.array([[-0.0], [0.0], [1.0]], dtype=np.float32)
    Y = np.array([[1], [0], [1]])

    curve = class_curves(Y, S, "f1")[0]

    assert_array_equal(curve["values"], [1.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_search_float32_blocks_stay_float32(monkeypatch, dtype):
    seen = []
    sorted_counts = _search._sorted_counts

    def recording(scores, labels, weight):
        seen.append(scores.dtype)
        return sorted_counts(scores, labels, weight)

    monkeypatch.setattr(_search, "_sorted_counts", recording)
    rng = np.random.default_rng(1)
    S = rng.random((50, 3)).astype(dtype)

    search_thresholds(rng.integers(0, 2, (50, 3)), S, "f1")
    search_thresholds(rng.integers(0, 2, (50, 3)), S, "f1", sample_weight=np.ones(50))

    assert set(seen) == {np.dtype(dtype)}


def test_search_float32_matches_float64():
    rng = np.random.default_rng(2)
    S32 = rng.random((400, 5)).astype(np.float32)
    Y = (rng.random((400, 5)) < S32).astype(np.uint8)
    weight = rng.uniform(0.5, 2.0, 400)

    for sample_weight in (None, weight):
        result32 = search_thresholds(Y, S32, "f1", sample_weight=sample_weight)
        result64 = search_thresholds(Y, S32.astype(np.float64), "f1",
                                     sample_weight=sample_weight)
        assert_array_equal(result32.cuts, result64.cuts)
        assert_array_equal(result32.values, result64.values)


def test_search_small_blocks_match_one_block(monkeypatch):
    rng = np.random.default_rng(3)
    S = np.round(rng.normal(size=(300, 13)), 1).astype(np.float32)
    Y = (rng.random((300, 13)) < 0.3).astype(np.uint8)
    weight = rng.integers(0, 3, 300).astype(float)
    expected = [search_thresholds(Y, S, "jaccard", sample_weight=w)
                for w in (None, weight)]

    monkeypatch.setattr(_search, "_BLOCK_MEMORY_BYTES", 5 * 301 * 4)
    monkeypatch.setattr(_search, "_WORK_ARRAY_BYTES", 8 * 301 * 2)
    monkeypatch.setattr(_search, "_TRANSPOSE_CHUNK_BYTES", 64)
    for w, reference in zip((None, weight), expected):
        result = search_thresholds(Y, S, "jaccard", sample_weight=w)
        assert_array_equal(result.cuts, reference.cuts)
        assert_array_equal(result.values, reference.values)


def test_search_sparse_indicator_matches_dense():
    rng = np.random.default_rng(4)
    S = rng.random((200, 6))
    Y = (rng.random((200, 6)) < 0.2).astype(np.int64)

    dense = search_thresholds(Y, S, "f1")
    sparse = search_thresholds(sp.csr_matrix(Y), S, "f1")

    assert_array_equal(dense.cuts, sparse.cuts)
    assert_array_equal(dense.values, sparse.values)


def test_search_zero_weight_rows_are_dropped():
    rng = np.random.default_rng(5)
    S = rng.random((60, 3))
    Y = rng.integers(0, 2, (60, 3))
    weight = rng.integers(0, 3, 60).astype(float)
    kept = weight > 0

    with_zeros = search_thresholds(Y, S, "f1", sample_weight=weight)
    without = search_thresholds(Y[kept], S[kept], "f1", sample_weight=weight[kept])

    assert_array_equal(with_zeros.cuts, without.cuts)
    assert_array_equal(with_zeros.values, without.values)


def test_search_degenerate_classes_flagged():
    S = np.array([[0.1, 0.5, 0.3], [0.7, 0.2, 0.9], [0.4, 0.8, 0.6]])
    Y = np.array([[0, 1, 1], [0, 1, 0], [0, 1, 1]])

    result = search_thresholds(Y, S, "f1")

    assert_array_equal(result.degenerate, [True, True, False])
    assert result.cuts[0] == np.inf
    assert result.cuts[1] == -np.inf


def test_search_constraint_not_met_gives_inf():
    S = np.array([[0.9], [0.8], [0.3]])
    Y = np.array([[0], [1], [1]])
    objective = resolve_objective("recall_at_precision", {"min_precision": 0.9})

    result = search_thresholds(Y, S, objective)

    assert result.infeasible[0]
    assert result.cuts[0] == np.inf
    assert result.values[0] == 0.0


def test_search_constraint_tiebreak_precision():
    # Recall 1 is reached at >= 0.4 (precision 2/3) and at >= 0.2 (1/2).
    S = np.array([[0.9], [0.5], [0.4], [0.2]])
    Y = np.array([[1], [0], [1], [0]])
    objective = resolve_objective("recall_at_precision", {"min_precision": 0.5})

    result = search_thresholds(Y, S, objective)

    assert result.cuts[0] == pytest.approx(0.3)


def test_search_shape_mismatch():
    with pytest.raises(ValueError, match=r"indicator matrix has shape \(3, 2\)"):
        search_thresholds(np.zeros((3, 2)), np.zeros((3, 3)), "f1")


def test_search_weight_shape_mismatch():
    with pytest.raises(ValueError, match=r"sample_weight has shape \(2,\)"):
        search_thresholds(np.zeros((3, 1)), np.zeros((3, 1)), "f1",
                          sample_weight=[1.0, 2.0])


def test_counts_at_cuts_match_plain_numpy():
    rng = np.random.default_rng(6)
    S = rng.random((80, 4)).astype(np.float32)
    Y = rng.integers(0, 2, (80, 4))
    weight = rng.uniform(0, 2, 80)
    cuts = np.array([0.2, 0.5, np.inf, -np.inf])

    tp, fp, fn, tn = counts_at_cuts(Y, S, cuts, sample_weight=weight)

    for j in range(4):
        expected = counts_at(Y[:, j], S[:, j], weight, cuts[j])
        assert_allclose([tp[j], fp[j], fn[j], tn[j]], expected, rtol=1e-12)


def test_fallback_to_default_rules():
    cuts, fallback = fallback_to_default(
        np.array([0.3, 0.7, 0.2, np.inf]), np.array([0.9, 0.1, 0.0, 0.0]),
        np.array([False, False, True, False]), np.array([False, False, False, True]),
        0.5, min_objective=0.2,
    )

    assert_array_equal(cuts, [0.3, 0.5, 0.5, np.inf])
    assert_array_equal(fallback, [False, True, True, False])


def test_fallback_to_default_without_floor():
    cuts, fallback = fallback_to_default(
        np.array([0.3, 0.7]), np.array([0.0, 0.0]), np.array([False, True]),
        np.array([False, False]), 0.5,
    )

    assert_array_equal(cuts, [0.3, 0.5])
    assert_array_equal(fallback, [False, True])


# ---------------------------------------------------------------------------
# Micro average
# ---------------------------------------------------------------------------


def best_shared_value(Y, S, weight, objective):
    """Brute-force the best micro objective over cuts shared by all classes."""
    best = -np.inf
    for cut in np.concatenate([[np.inf], np.unique(S[weight > 0])]):
        predicted = np.greater_equal(S, cut)
        counts = [np.sum(weight[:, None] * mask) for mask in (
            predicted & (Y == 1), predicted & (Y == 0),
            ~predicted & (Y == 1), ~predicted & (Y == 0))]
        feasible = objective.feasible(*counts)
        if feasible is None or feasible:
            best = max(best, float(objective.score(*counts)))
    return best


def micro_value(Y, S, weight, cuts, objective):
    predicted = np.greater_equal(S, cuts)
    counts = [np.sum(weight[:, None] * mask) for mask in (
        predicted & (Y == 1), predicted & (Y == 0),
        ~predicted & (Y == 1), ~predicted & (Y == 0))]
    return float(objective.score(*counts))


@pytest.mark.parametrize("name", ["f1", "jaccard", "recall_at_precision"])
@settings(max_examples=40, deadline=None)
@given(problem=problems())
def test_search_micro_beats_shared_cut(name, problem):
    Y, S, weight, _ = problem
    objective = resolve_objective(name, PARAMS.get(name))
    unit = np.ones(S.shape[0]) if weight is None else weight

    result = search_thresholds_micro(Y, S, objective, sample_weight=weight)

    value = micro_value(Y, S, unit, result.cuts, objective)
    assert value == pytest.approx(result.average_value, rel=1e-9, abs=1e-12)
    shared = best_shared_value(Y, S, unit, objective)
    if np.isfinite(shared):
        assert value >= shared - 1e-9
        assert not result.infeasible.any()


def test_search_micro_matches_sklearn_f1():
    rng = np.random.default_rng(7)
    S = rng.random((300, 5))
    Y = (rng.random((300, 5)) < S * 0.6).astype(int)

    result = search_thresholds_micro(Y, S, "f1")

    expected = f1_score(Y, np.greater_equal(S, result.cuts), average="micro")
    assert result.average_value == pytest.approx(expected)
    assert result.n_iter >= 1


def test_search_micro_keeps_fixed_cuts():
    rng = np.random.default_rng(8)
    S = rng.random((100, 3))
    Y = (rng.random((100, 3)) < S).astype(int)
    fixed = np.array([np.nan, 0.25, np.nan])

    result = search_thresholds_micro(Y, S, "f1", fixed_cuts=fixed)

    assert result.cuts[1] == 0.25


def test_search_micro_max_iter_zero():
    rng = np.random.default_rng(9)
    S = np.round(rng.random((100, 3)), 1)
    Y = (rng.random((100, 3)) < S).astype(int)

    result = search_thresholds_micro(Y, S, "f1", max_iter=0)

    decisions = np.greater_equal(S, result.cuts)
    shared = [np.greater_equal(S, cut) for cut in np.unique(S)]
    assert any(np.array_equal(decisions, candidate) for candidate in shared)
    assert result.n_iter == 0


def test_search_micro_invalid_max_iter():
    with pytest.raises(ValueError, match=r"max_iter=-1 is invalid"):
        search_thresholds_micro(np.zeros((3, 1)), np.zeros((3, 1)), "f1", max_iter=-1)


def test_search_micro_invalid_fixed_cuts():
    with pytest.raises(ValueError, match=r"fixed_cuts has shape \(2,\), expected"):
        search_thresholds_micro(np.zeros((3, 1)), np.zeros((3, 1)), "f1",
                                fixed_cuts=[0.5, 0.5])


# ---------------------------------------------------------------------------
# Samples average
# ---------------------------------------------------------------------------


def samples_value(Y, S, weight, cuts):
    predicted = np.greater_equal(S, cuts)
    truth = Y == 1
    n_true, n_predicted = truth.sum(axis=1), predicted.sum(axis=1)
    n_both = (truth & predicted).sum(axis=1)
    total = n_true + n_predicted
    row_f1 = np.where(total > 0, 2 * n_both / np.maximum(total, 1), 1.0)
    return float(row_f1 @ weight / weight.sum())


@settings(max_examples=60, deadline=None)
@given(problem=problems())
def test_search_samples_beats_macro_start(problem):
    Y, S, weight, _ = problem
    unit = np.ones(S.shape[0]) if weight is None else weight

    result = search_thresholds_samples(Y, S, sample_weight=weight)

    value = samples_value(Y, S, unit, result.cuts)
    assert value == pytest.approx(result.average_value, rel=1e-9, abs=1e-12)
    start = search_thresholds(Y, S, "f1", sample_weight=weight).cuts
    assert value >= samples_value(Y, S, unit, start) - 1e-9


def test_search_samples_matches_sklearn():
    rng = np.random.default_rng(10)
    S = rng.random((200, 4))
    Y = (rng.random((200, 4)) < S).astype(int)
    Y[0] = 0
    weight = rng.uniform(0.5, 2.0, 200)

    result = search_thresholds_samples(Y, S, sample_weight=weight)

    predicted = np.greater_equal(S, result.cuts).astype(int)
    # scikit-learn gives an empty row an F1 of 1 with zero_division=1.
    expected = f1_score(Y, predicted, average="samples", sample_weight=weight,
                        zero_division=1)
    assert result.average_value == pytest.approx(expected)


def test_search_samples_keeps_fixed_cuts():
    rng = np.random.default_rng(11)
    S = rng.random((100, 3))
    Y = (rng.random((100, 3)) < S).astype(int)

    result = search_thresholds_samples(Y, S, fixed_cuts=[np.nan, np.nan, 0.9])

    assert result.cuts[2] == 0.9


def test_averaged_objective_matches_sklearn():
    rng = np.random.default_rng(12)
    S = rng.random((100, 3))
    Y = (rng.random((100, 3)) < S).astype(int)
    cuts = np.array([0.3, 0.5, 0.7])
    predicted = np.greater_equal(S, cuts).astype(int)

    for average in ("macro", "micro"):
        value = averaged_objective(Y, S, cuts, "f1", average)
        assert value == pytest.approx(f1_score(Y, predicted, average=average))
    value = averaged_objective(Y, S, cuts, "f1", "samples")
    expected = f1_score(Y, predicted, average="samples", zero_division=1)
    assert value == pytest.approx(expected)
