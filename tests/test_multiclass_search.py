"""Tests of the multi-class offsets and the reject threshold."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_array_equal
from scipy.special import log_softmax
from sklearn.metrics import balanced_accuracy_score, f1_score

from sklabel import _multiclass_search
from sklabel._multiclass_search import (
    fit_offsets_balanced_accuracy,
    fit_offsets_macro_f1,
    fit_reject_threshold,
)


@st.composite
def multiclass_problems(draw):
    """Draw (y_index, log_proba, sample_weight) with ties between columns."""
    n_samples = draw(st.integers(2, 30))
    n_classes = draw(st.integers(2, 4))
    logits = draw(arrays(np.int8, (n_samples, n_classes), elements=st.integers(-4, 4)))
    scale = draw(st.sampled_from([0.25, 1.0, 3.0]))
    log_proba = log_softmax(logits * scale, axis=1)
    y_index = draw(arrays(np.int64, n_samples, elements=st.integers(0, n_classes - 1)))
    weighted = draw(st.booleans())
    weight = None
    if weighted:
        elements = st.sampled_from([0.0, 1.0, 2.5])
        weight = draw(arrays(np.float64, n_samples, elements=elements))
        weight[0] = 1.0
    return y_index, log_proba, weight


def balanced_accuracy(y_index, log_proba, offsets, weight):
    predicted = np.argmax(log_proba + offsets, axis=1)
    with np.errstate(invalid="ignore"):
        return balanced_accuracy_score(y_index, predicted, sample_weight=weight)


def macro_f1(y_index, log_proba, offsets, weight):
    predicted = np.argmax(log_proba + offsets, axis=1)
    return f1_score(y_index, predicted, labels=range(log_proba.shape[1]),
                    average="macro", sample_weight=weight, zero_division=0)


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")
@pytest.mark.filterwarnings("ignore:A single label was found")
@settings(max_examples=30, deadline=None)
@given(problem=multiclass_problems())
def test_offsets_balanced_accuracy_never_worse(problem):
    y_index, log_proba, weight = problem
    zero = np.zeros(log_proba.shape[1])

    offsets = fit_offsets_balanced_accuracy(y_index, log_proba, weight)

    assert offsets.shape == zero.shape
    assert np.all(np.isfinite(offsets))
    after = balanced_accuracy(y_index, log_proba, offsets, weight)
    assert after >= balanced_accuracy(y_index, log_proba, zero, weight) - 1e-12


@pytest.mark.filterwarnings("ignore:A single label was found")
@settings(max_examples=30, deadline=None)
@given(problem=multiclass_problems())
def test_offsets_macro_f1_never_worse(problem):
    y_index, log_proba, weight = problem
    zero = np.zeros(log_proba.shape[1])

    offsets = fit_offsets_macro_f1(y_index, log_proba, weight)

    assert np.all(np.isfinite(offsets))
    after = macro_f1(y_index, log_proba, offsets, weight)
    assert after >= macro_f1(y_index, log_proba, zero, weight) - 1e-12


@settings(max_examples=60, deadline=None)
@given(problem=multiclass_problems(), column=st.integers(0, 3), name=st.sampled_from(
    ["balanced_accuracy", "macro_f1"]))
def test_offsets_line_search_exact(problem, column, name):
    y_index, log_proba, weight = problem
    j = column % log_proba.shape[1]
    n_classes = log_proba.shape[1]
    weight = np.ones(y_index.size) if weight is None else weight
    instance = _multiclass_search._Problem(y_index, weight, n_classes)
    offsets = np.linspace(-0.5, 0.5, n_classes)
    adjusted = log_proba + offsets

    breakpoints, runner_up = _multiclass_search._breakpoints(adjusted, log_proba, j)
    finite = np.flatnonzero(np.isfinite(breakpoints))
    if finite.size == 0:
        return
    order = finite[np.argsort(breakpoints[finite], kind="stable")]
    sorted_breakpoints = breakpoints[order]
    changes = sorted_breakpoints[1:] != sorted_breakpoints[:-1]
    run_ends = np.flatnonzero(np.r_[changes, True])
    candidates = _multiclass_search._interval_offsets(sorted_breakpoints, run_ends)
    prefix = np.concatenate([[0], run_ends + 1])
    base = np.where(breakpoints == -np.inf, j, runner_up)
    if name == "macro_f1":
        path = _multiclass_search._macro_f1_path(instance, j, base, order, runner_up)
        model = path[prefix] / n_classes
        score = _multiclass_search._macro_f1
    else:
        gain = _multiclass_search._gain_balanced_accuracy(instance, j, order, runner_up)
        path = np.concatenate([[0.0], np.cumsum(gain)])[prefix]
        model = path / instance.present.sum()
        score = _multiclass_search._balanced_accuracy

    # Every candidate offset selects exactly the rows the model assumes, and
    # the model's objective equals the recomputed one.
    actual = []
    for t, candidate in enumerate(candidates):
        trial = offsets.copy()
        trial[j] = candidate
        predicted = np.argmax(log_proba + trial, axis=1)
        expected_j = np.zeros(y_index.size, dtype=bool)
        expected_j[order[:prefix[t]]] = True
        expected_j |= breakpoints == -np.inf
        assert_array_equal(predicted == j, expected_j)
        actual.append(score(instance, predicted))
    actual = np.array(actual)
    if name == "macro_f1":
        np.testing.assert_allclose(model, actual, atol=1e-12)
    else:
        np.testing.assert_allclose(model - model[0], actual - actual[0], atol=1e-12)


def test_offsets_balanced_accuracy_imbalance():
    rng = np.random.default_rng(0)
    y_index = rng.choice(3, 2000, p=[0.8, 0.15, 0.05])
    logits = rng.normal(size=(2000, 3)) + 1.5 * np.eye(3)[y_index]
    log_proba = log_softmax(logits + np.log([0.8, 0.15, 0.05]), axis=1)
    zero = np.zeros(3)

    offsets = fit_offsets_balanced_accuracy(y_index, log_proba)

    before = balanced_accuracy(y_index, log_proba, zero, None)
    after = balanced_accuracy(y_index, log_proba, offsets, None)
    assert after > before + 0.1


def test_offsets_macro_f1_imbalance():
    rng = np.random.default_rng(1)
    y_index = rng.choice(3, 2000, p=[0.8, 0.15, 0.05])
    logits = rng.normal(size=(2000, 3)) + 1.5 * np.eye(3)[y_index]
    log_proba = log_softmax(logits + np.log([0.8, 0.15, 0.05]), axis=1)
    zero = np.zeros(3)

    offsets = fit_offsets_macro_f1(y_index, log_proba)

    assert macro_f1(y_index, log_proba, offsets, None) > macro_f1(
        y_index, log_proba, zero, None) + 0.05


def test_offsets_minus_inf_log_proba():
    with np.errstate(divide="ignore"):
        log_proba = np.log([[1.0, 0.0], [0.6, 0.4], [0.2, 0.8], [0.55, 0.45]])
    y_index = np.array([0, 1, 1, 1])

    offsets = fit_offsets_macro_f1(y_index, log_proba)

    predicted = np.argmax(log_proba + offsets, axis=1)
    assert predicted[0] == 0
    assert_array_equal(predicted, [0, 1, 1, 1])


def test_offsets_max_iter_zero_keeps_start():
    log_proba = log_softmax(np.array([[1.0, 0.0], [0.5, 0.0], [0.0, 1.0]]), axis=1)

    offsets = fit_offsets_macro_f1([1, 1, 1], log_proba, max_iter=0)

    assert_array_equal(offsets, [0.0, 0.0])


@pytest.mark.parametrize(
    "log_proba, match",
    [
        (np.zeros(3), r"2-D array .* shape \(3,\)"),
        (np.zeros((3, 1)), r"at least 2 classes"),
        (np.array([[0.0, np.nan], [0.0, 0.0], [0.0, 0.0]]), "NaN or \\+inf"),
        (np.array([[-np.inf, -np.inf], [0.0, 0.0], [0.0, 0.0]]), "Row 0 .* -inf"),
    ],
)
def test_offsets_invalid_log_proba(log_proba, match):
    with pytest.raises(ValueError, match=match):
        fit_offsets_balanced_accuracy([0, 1, 0], log_proba)


def test_offsets_invalid_targets():
    log_proba = np.zeros((3, 2))

    with pytest.raises(ValueError, match=r"column indices in \[0, 2\)"):
        fit_offsets_macro_f1([0, 2, 1], log_proba)


def test_offsets_invalid_target_dtype():
    with pytest.raises(ValueError, match="1-D integer array of length 3"):
        fit_offsets_macro_f1(["a", "b", "a"], np.zeros((3, 2)))


def test_offsets_invalid_weight():
    with pytest.raises(ValueError, match="finite and non-negative"):
        fit_offsets_macro_f1([0, 1, 0], np.zeros((3, 2)), [1.0, -1.0, 1.0])


def test_offsets_invalid_max_iter():
    with pytest.raises(ValueError, match=r"max_iter=1.5 is invalid"):
        fit_offsets_macro_f1([0, 1, 0], np.zeros((3, 2)), max_iter=1.5)


# ---------------------------------------------------------------------------
# Reject threshold
# ---------------------------------------------------------------------------


def test_reject_threshold_exact_coverage():
    max_proba = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3])

    threshold = fit_reject_threshold(max_proba, 0.3)

    assert threshold == 0.8
    assert np.mean(max_proba >= threshold) == 0.3


def test_reject_threshold_ties_accept_more():
    max_proba = np.array([0.9, 0.8, 0.8, 0.8, 0.5])

    threshold = fit_reject_threshold(max_proba, 0.4)

    assert threshold == 0.8
    # Every row tied at the threshold is accepted, so the coverage is 0.8,
    # the smallest achievable fraction that is at least 0.4.
    assert np.mean(max_proba >= threshold) == 0.8


@pytest.mark.parametrize("coverage", [0.1, 0.25, 0.5, 0.74, 0.75, 0.99, 1.0])
def test_reject_threshold_highest_meeting_coverage(coverage):
    rng = np.random.default_rng(2)
    max_proba = np.round(rng.uniform(0.3, 1.0, 40), 1)

    threshold = fit_reject_threshold(max_proba, coverage)

    assert np.mean(max_proba >= threshold) >= coverage
    higher = max_proba[max_proba > threshold]
    if higher.size:
        assert np.mean(max_proba >= higher.min()) < coverage


def test_reject_threshold_full_coverage():
    max_proba = np.array([0.4, 0.9, 0.6])

    assert fit_reject_threshold(max_proba, 1.0) == 0.4


def test_reject_threshold_weighted():
    max_proba = np.array([0.9, 0.8, 0.7, 0.6])
    weight = np.array([1.0, 1.0, 6.0, 2.0])

    threshold = fit_reject_threshold(max_proba, 0.5, sample_weight=weight)

    assert threshold == 0.7


@pytest.mark.parametrize("coverage", [0, -0.1, 1.5, True, "0.5"])
def test_reject_threshold_invalid_coverage(coverage):
    with pytest.raises(ValueError, match="coverage=.* is invalid"):
        fit_reject_threshold([0.5, 0.6], coverage)


def test_reject_threshold_invalid_probabilities():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        fit_reject_threshold([0.5, 1.2], 0.5)
