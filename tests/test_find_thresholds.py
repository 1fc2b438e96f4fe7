"""Tests of find_thresholds: results, units, fallbacks, warnings and errors."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, logit
from sklearn.metrics import f1_score

from sklabel._find_thresholds import find_thresholds
from sklabel._search import search_thresholds_micro, search_thresholds_samples
from sklabel.exceptions import ConstraintNotMetWarning, RareClassWarning

GENRES = ["action", "comedy", "horror"]


def multilabel_data(seed, n_samples=300, n_classes=4):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n_samples, n_classes))
    Y = (rng.random((n_samples, n_classes)) < expit(2 * logits - 1)).astype(np.uint8)
    return Y, logits


def test_find_thresholds_rare_class_keeps_default():
    scores = np.array([[.8, .2, .1], [.3, .9, .2], [.6, .4, .3], [.2, .7, .4]])
    y_true = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]])

    with pytest.warns(RareClassWarning, match="class 'horror'") as record:
        result = find_thresholds(y_true, scores, objective="f1", class_names=GENRES)

    assert not np.isnan(result.thresholds).any()
    assert_array_equal(result.fallback, [False, False, True])
    assert result.thresholds[2] == 0.5
    assert_allclose(result.thresholds[:2], [0.45, 0.55])
    assert len(record) == 1
    assert "action" not in str(record[0].message)
    assert record[0].filename == __file__


def test_find_thresholds_logits_match_probabilities():
    Y, logits = multilabel_data(0)
    probabilities = expit(logits)

    from_logits = find_thresholds(Y, logits, scores="logits")
    from_probabilities = find_thresholds(Y, probabilities)

    assert_array_equal(logits >= from_logits.score_thresholds,
                       probabilities >= from_probabilities.thresholds)
    assert_allclose(from_logits.objective_values, from_probabilities.objective_values)
    assert_allclose(from_logits.thresholds, expit(from_logits.score_thresholds))


def test_find_thresholds_default_for_logits():
    scores = np.array([[2.0, 1.0], [-1.0, 3.0], [0.5, -2.0]])
    y_true = np.array([[1, 1], [0, 1], [1, 1]])

    with pytest.warns(RareClassWarning, match="class 1"):
        result = find_thresholds(y_true, scores, scores="logits", default_threshold=0.8)

    assert result.thresholds[1] == 0.8
    assert result.score_thresholds[1] == pytest.approx(logit(0.8))


def test_find_thresholds_one_dimensional_input():
    y_true = np.array([1, 0, 1, 0, 1])
    scores = np.array([0.9, 0.2, 0.6, 0.7, 0.65])

    result = find_thresholds(y_true, scores)

    assert result.thresholds.shape == (1,)
    assert result.thresholds[0] == pytest.approx(0.4)
    assert result.objective_values[0] == pytest.approx(6 / 7)
    assert_array_equal(result.n_positives, [3])


def test_find_thresholds_two_column_scores():
    y_true = np.array([True, False, True, False])
    positive = np.array([0.9, 0.2, 0.6, 0.4])

    one_column = find_thresholds(y_true, positive)
    two_columns = find_thresholds(y_true, np.column_stack([1 - positive, positive]))

    assert_array_equal(one_column.thresholds, two_columns.thresholds)


def test_find_thresholds_sparse_indicator():
    Y, logits = multilabel_data(1)

    dense = find_thresholds(Y, expit(logits))
    sparse = find_thresholds(sp.csr_matrix(Y), expit(logits))

    assert_array_equal(dense.thresholds, sparse.thresholds)
    assert_array_equal(dense.n_positives, sparse.n_positives)


def test_find_thresholds_float32_scores():
    Y, logits = multilabel_data(2)
    scores = expit(logits).astype(np.float32)

    result = find_thresholds(Y, scores)

    assert result.score_thresholds.dtype == np.float64
    expected = find_thresholds(Y, scores.astype(np.float64))
    assert_array_equal(result.score_thresholds, expected.score_thresholds)


def test_find_thresholds_weights_as_repeats():
    Y, logits = multilabel_data(3, n_samples=120)
    weight = np.random.default_rng(3).integers(0, 4, 120)
    repeated = np.repeat(np.arange(120), weight)

    weighted = find_thresholds(Y, logits, scores="logits", sample_weight=weight)
    expanded = find_thresholds(Y[repeated], logits[repeated], scores="logits")

    assert_array_equal(weighted.thresholds, expanded.thresholds)
    assert_allclose(weighted.objective_values, expanded.objective_values)


def test_find_thresholds_objective_values():
    Y, logits = multilabel_data(4)
    scores = expit(logits)

    result = find_thresholds(Y, scores, objective="fbeta",
                             objective_params={"beta": 2.0})

    predicted = scores >= result.thresholds
    for j in range(Y.shape[1]):
        tp = np.sum(predicted[:, j] & (Y[:, j] == 1))
        fp = np.sum(predicted[:, j] & (Y[:, j] == 0))
        fn = np.sum(~predicted[:, j] & (Y[:, j] == 1))
        expected = 5 * tp / (5 * tp + 4 * fn + fp)
        assert result.objective_values[j] == pytest.approx(expected)
    assert result.average_value == pytest.approx(result.objective_values.mean())


def test_find_thresholds_curves():
    Y, logits = multilabel_data(5)

    result = find_thresholds(Y, logits, scores="logits", class_names=list("abcd"))

    assert len(result.curves) == 4
    for j, curve in enumerate(result.curves):
        assert np.all(np.isfinite(curve.thresholds))
        assert np.all(np.diff(curve.thresholds) <= 0)
        assert curve.thresholds.shape == curve.objective.shape
        assert curve.feasible is None
        chosen = curve.score_thresholds == result.score_thresholds[j]
        assert_allclose(curve.objective[chosen], result.objective_values[j])
        assert curve.objective.max() == pytest.approx(result.objective_values[j])


def test_find_thresholds_constraint_not_met():
    scores = np.array([[0.9, 0.9], [0.8, 0.8], [0.3, 0.3], [0.2, 0.1]])
    y_true = np.array([[0, 1], [1, 1], [1, 0], [0, 0]])

    with pytest.warns(ConstraintNotMetWarning, match="class 'first'"):
        result = find_thresholds(
            y_true, scores, objective="recall_at_precision",
            objective_params={"min_precision": 0.95}, class_names=["first", "second"],
        )

    assert result.thresholds[0] == np.inf
    assert result.infeasible[0]
    assert not result.fallback[0]
    assert result.thresholds[1] == pytest.approx(0.55)
    assert result.curves[1].feasible is not None


def test_find_thresholds_min_objective_falls_back():
    rng = np.random.default_rng(6)
    scores = rng.random((200, 2))
    y_true = np.column_stack([scores[:, 0] > 0.5, rng.random(200) < 0.05]).astype(int)

    result = find_thresholds(y_true, scores, min_objective=0.5)

    assert_array_equal(result.fallback, [False, True])
    assert result.thresholds[1] == 0.5
    assert result.thresholds[0] == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("average", ["micro", "samples"])
def test_find_thresholds_coupled_averages(average):
    Y, logits = multilabel_data(7)
    scores = expit(logits)

    result = find_thresholds(Y, scores, average=average)

    search = search_thresholds_micro if average == "micro" else (
        lambda Y, S, objective: search_thresholds_samples(Y, S))
    expected = search(Y, scores, "f1")
    assert_array_equal(result.score_thresholds, expected.cuts)
    predicted = (scores >= result.thresholds).astype(int)
    assert result.average_value == pytest.approx(
        f1_score(Y, predicted, average=average, zero_division=1))


def test_find_thresholds_micro_rare_class():
    Y, logits = multilabel_data(8)
    Y[:, 2] = 0
    scores = expit(logits)

    with pytest.warns(RareClassWarning, match="class 2"):
        result = find_thresholds(Y, scores, average="micro")

    assert result.thresholds[2] == 0.5
    assert result.fallback[2]


def test_find_thresholds_warning_truncates_names():
    Y = np.zeros((5, 14), dtype=int)

    with pytest.warns(RareClassWarning, match=r"classes 0, 1, .*, 9 and 4 more"):
        find_thresholds(Y, np.full((5, 14), 0.5))


def test_find_thresholds_no_warning():
    Y, logits = multilabel_data(9)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        find_thresholds(Y, expit(logits))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"average": "weighted"}, r"average='weighted' is invalid"),
        ({"scores": "auto"}, r"scores='auto' is invalid"),
        ({"default_threshold": 1.5}, r"default_threshold=1.5 is invalid"),
        ({"min_objective": np.nan}, r"min_objective=nan is invalid"),
        ({"average": "micro", "min_objective": 0.2}, r"only supported with average="),
        ({"average": "samples", "objective": "mcc"}, r"supports objective='f1' only"),
        ({"objective": "f3"}, r"objective='f3' is not a known objective"),
        ({"objective": "fbeta"}, r"missing 'beta'"),
        ({"class_names": ["a"]}, r"class_names has 1 entries but y_true has 2"),
        ({"sample_weight": [1.0, -1.0, 1.0]}, r"finite and non-negative"),
        ({"sample_weight": [0.0, 0.0, 0.0]}, r"sums to 0"),
        ({"sample_weight": [1.0, 1.0]}, r"length 3"),
    ],
)
def test_find_thresholds_invalid_options(kwargs, match):
    y_true = np.array([[1, 0], [0, 1], [1, 1]])
    scores = np.array([[0.8, 0.3], [0.2, 0.7], [0.6, 0.9]])

    with pytest.raises(ValueError, match=match):
        find_thresholds(y_true, scores, **kwargs)


EYE = [[1, 0], [0, 1]]


@pytest.mark.parametrize(
    "y_true, scores, match",
    [
        ([[1, 2], [0, 1]], [[0.5, 0.5], [0.5, 0.5]], r"only 0 and 1"),
        ([["a", "b"]], [[0.5, 0.5]], r"0/1 indicator array, got dtype <U1"),
        (EYE, [[0.5, np.nan], [0.5, 0.5]], r"1 NaN or infinite .* row 0, column 1"),
        (EYE, [[0.5, np.inf], [0.5, 0.5]], r"NaN or infinite"),
        (EYE, [[0.5, 1.5], [0.5, 0.5]], r"outside \[0, 1\].*scores='logits'"),
        (EYE, [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]], r"shape \(2, 3\) but y_true"),
        ([1, 0], [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]], r"shape \(2, 3\)"),
        ([[[1]]], [[[0.5]]], r"1-D \(one class\) or 2-D"),
        (EYE, [["a", "b"], ["c", "d"]], r"y_score must be numeric"),
    ],
)
def test_find_thresholds_invalid_inputs(y_true, scores, match):
    with pytest.raises(ValueError, match=match):
        find_thresholds(y_true, scores)


def test_find_thresholds_sparse_matches_dense():
    dense = np.array([[0.9, 0.2], [0.4, 0.7], [0.8, 0.6], [0.3, 0.1]])
    y_true = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])

    sparse = find_thresholds(y_true, sp.csr_matrix(dense))
    expected = find_thresholds(y_true, dense)

    # Every score is stored, so only the all-positive "-inf" cut differs.
    np.testing.assert_array_equal(sparse.objective_values, expected.objective_values)
    assert sparse.curves is None


def test_find_thresholds_sparse_scores_macro_only():
    with pytest.raises(ValueError, match="not supported for sparse y_score"):
        find_thresholds(np.eye(3), sp.csr_matrix(np.eye(3)), average="micro")


def test_find_thresholds_per_class_defaults():
    scores = np.array([[.8, .2, .1], [.3, .9, .2], [.6, .4, .3], [.2, .7, .4]])
    y_true = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]])

    with pytest.warns(RareClassWarning, match="default threshold 0.3 is kept"):
        result = find_thresholds(y_true, scores, default_threshold=[0.5, 0.5, 0.3])

    assert result.thresholds[2] == 0.3
    assert_allclose(result.thresholds[:2], [0.45, 0.55])


def test_find_thresholds_per_class_defaults_wrong_length():
    with pytest.raises(ValueError, match=r"or one per class \(2 values\)"):
        find_thresholds(np.eye(2), np.eye(2), default_threshold=[0.5, 0.5, 0.5])


def test_find_thresholds_curves_computed_once():
    Y, logits = multilabel_data(10)

    curves = find_thresholds(Y, expit(logits)).curves

    assert curves[1] is curves[1]
    assert curves[-1] is curves[3]
    assert len(curves[1:3]) == 2
    assert len(list(curves)) == 4
    with pytest.raises(IndexError, match="curve index 4 is out of range"):
        curves[4]
