"""Tests of the threshold objectives: formulas, edge cases and errors."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    fbeta_score,
    jaccard_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
)

from sklabel._objectives import OBJECTIVE_NAMES, Objective, resolve_objective

PARAMS = {
    "fbeta": {"beta": 2.0},
    "cost": {"fp_cost": 1.0, "fn_cost": 5.0},
    "recall_at_precision": {"min_precision": 0.6},
    "precision_at_recall": {"min_recall": 0.5},
}


def _counts(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    return tuple(
        float(np.sum(mask))
        for mask in (y_true & y_pred, ~y_true & y_pred, y_true & ~y_pred,
                     ~y_true & ~y_pred)
    )


def _random_decisions(seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, 40)
    y_pred = rng.integers(0, 2, 40)
    return y_true, y_pred


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(
    "name, metric",
    [
        ("f1", f1_score),
        ("balanced_accuracy", balanced_accuracy_score),
        ("mcc", matthews_corrcoef),
        ("jaccard", jaccard_score),
        ("accuracy", accuracy_score),
    ],
)
def test_objective_matches_sklearn_metric(name, metric, seed):
    y_true, y_pred = _random_decisions(seed)

    score = resolve_objective(name).score(*_counts(y_true, y_pred))

    assert_allclose(score, metric(y_true, y_pred), rtol=1e-12)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_objective_fbeta_matches_sklearn(beta):
    y_true, y_pred = _random_decisions(7)

    score = resolve_objective("fbeta", {"beta": beta}).score(*_counts(y_true, y_pred))

    assert_allclose(score, fbeta_score(y_true, y_pred, beta=beta), rtol=1e-12)


def test_objective_youden_from_balanced_accuracy():
    counts = (np.array([3.0, 0.0, 5.0]), np.array([1.0, 2.0, 0.0]),
              np.array([2.0, 5.0, 0.0]), np.array([4.0, 3.0, 1.0]))

    youden = resolve_objective("youden").score(*counts)
    balanced = resolve_objective("balanced_accuracy").score(*counts)

    assert_allclose(youden, 2 * balanced - 1)


def test_objective_cost_is_minus_total_cost():
    objective = resolve_objective("cost", {"fp_cost": 2.0, "fn_cost": 3.0})

    score = objective.score(np.array([1.0]), np.array([4.0]), np.array([5.0]),
                            np.array([0.0]))

    assert_array_equal(score, [-(2.0 * 4 + 3.0 * 5)])


@pytest.mark.parametrize("name", OBJECTIVE_NAMES)
def test_objective_zero_denominators(name):
    objective = resolve_objective(name, PARAMS.get(name))
    zeros = np.zeros(3)
    others = np.array([0.0, 2.0, 0.0])

    for counts in [(zeros, zeros, zeros, zeros), (zeros, zeros, others, zeros),
                   (zeros, others, zeros, zeros), (others, zeros, zeros, zeros)]:
        score = objective.score(*counts)
        assert score.dtype == np.float64
        assert not np.isnan(score).any()


def test_objective_f1_undefined_is_zero():
    score = resolve_objective("f1").score(0.0, 0.0, 0.0, 10.0)

    assert score == 0.0


@pytest.mark.parametrize("name", OBJECTIVE_NAMES)
def test_objective_broadcasts_counts(name):
    objective = resolve_objective(name, PARAMS.get(name))
    tp = np.arange(6, dtype=float).reshape(2, 3)
    positives = np.array([[5.0], [8.0]])

    score = objective.score(tp, tp[::-1], positives - tp + 5, 3.0)

    assert score.shape == (2, 3)


def test_objective_recall_at_precision():
    objective = resolve_objective("recall_at_precision", {"min_precision": 0.75})
    tp = np.array([0.0, 3.0, 3.0, 4.0])
    fp = np.array([0.0, 1.0, 0.0, 2.0])
    fn = 4.0 - tp
    tn = 10.0 - fp

    assert_array_equal(objective.feasible(tp, fp, fn, tn), [False, True, True, False])
    assert_allclose(objective.score(tp, fp, fn, tn), tp / 4.0)
    assert_allclose(objective.tiebreak(tp, fp, fn, tn), [0.0, 0.75, 1.0, 4 / 6])


def test_objective_precision_at_recall():
    objective = resolve_objective("precision_at_recall", {"min_recall": 0.5})
    y_true = np.array([1, 1, 1, 1, 0, 0])
    y_pred = np.array([1, 1, 0, 0, 1, 0])
    counts = _counts(y_true, y_pred)

    assert objective.feasible(*counts)
    assert_allclose(objective.score(*counts), precision_score(y_true, y_pred))
    assert_allclose(objective.tiebreak(*counts), recall_score(y_true, y_pred))


def test_objective_unconstrained_has_no_mask():
    objective = resolve_objective("f1")

    assert objective.feasible(1.0, 0.0, 0.0, 1.0) is None
    assert objective.tiebreak(1.0, 0.0, 0.0, 1.0) is None
    assert not objective.has_constraint


def test_objective_callable_receives_params():
    def weighted_gain(tp, fp, fn, tn, *, gain):
        return gain * tp - fp

    objective = resolve_objective(weighted_gain, {"gain": 3.0})

    assert objective.name == "weighted_gain"
    assert_array_equal(objective.score(np.array([2.0]), np.array([1.0]), 0.0, 0.0),
                       [5.0])


def test_objective_resolve_idempotent():
    objective = resolve_objective("f1")

    assert resolve_objective(objective) is objective
    assert isinstance(objective, Objective)


def test_objective_unknown_name_lists_names():
    with pytest.raises(ValueError, match=r"objective='f2' is not a known.*'fbeta'"):
        resolve_objective("f2")


def test_objective_missing_param():
    with pytest.raises(ValueError, match=r"missing 'beta'.*parameters of 'fbeta'"):
        resolve_objective("fbeta")


def test_objective_cost_missing_one_param():
    with pytest.raises(ValueError, match=r"missing 'fn_cost'"):
        resolve_objective("cost", {"fp_cost": 1.0})


def test_objective_unexpected_param():
    with pytest.raises(ValueError, match=r"unexpected 'beta'.*'f1' are: none"):
        resolve_objective("f1", {"beta": 2})


@pytest.mark.parametrize(
    "name, params, match",
    [
        ("fbeta", {"beta": 0}, r"\['beta'\]=0 is invalid.*\(0.0, inf\)"),
        ("fbeta", {"beta": np.inf}, r"\['beta'\]=inf is invalid"),
        ("fbeta", {"beta": "2"}, r"\['beta'\]='2' is invalid"),
        ("cost", {"fp_cost": -1, "fn_cost": 1}, r"\['fp_cost'\]=-1 is invalid"),
        ("recall_at_precision", {"min_precision": 0.0}, r"min_precision'\]=0.0"),
        ("precision_at_recall", {"min_recall": 1.5}, r"\(0.0, 1.0\]"),
        ("precision_at_recall", {"min_recall": True}, r"min_recall'\]=True"),
    ],
)
def test_objective_param_out_of_range(name, params, match):
    with pytest.raises(ValueError, match=match):
        resolve_objective(name, params)


def test_objective_params_on_built_objective():
    objective = resolve_objective("f1")

    with pytest.raises(ValueError, match="already built"):
        resolve_objective(objective, {"beta": 1})


def test_objective_callable_wrong_shape():
    objective = resolve_objective(lambda tp, fp, fn, tn: np.zeros(2))

    with pytest.raises(ValueError, match=r"returned an array of shape \(2,\).*\(3,\)"):
        objective.score(np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(3))


def test_objective_callable_nan_output():
    def ratio(tp, fp, fn, tn):
        return tp / (tp + fp)

    objective = resolve_objective(ratio)

    with (
        np.errstate(invalid="ignore"),
        pytest.raises(ValueError, match="'ratio' returned NaN or infinite"),
    ):
        objective.score(np.zeros(2), np.zeros(2), np.ones(2), np.ones(2))


def test_objective_callable_non_numeric_output():
    objective = resolve_objective(lambda tp, fp, fn, tn: np.full(np.shape(tp), "a"))

    with pytest.raises(TypeError, match="dtype <U1. Return real numbers"):
        objective.score(np.zeros(2), np.zeros(2), np.ones(2), np.ones(2))


def test_objective_callable_output_copied():
    objective = resolve_objective(lambda tp, fp, fn, tn: tp)
    tp = np.array([1.0, 2.0])

    score = objective.score(tp, np.zeros(2), np.zeros(2), np.zeros(2))
    score[0] = -1.0

    assert tp[0] == 1.0
