"""Choose a multi-label decision rule by cross-validation on validation data.

No single rule wins on every dataset: learned per-class thresholds, one
shared threshold, "at least one label" and expected-F1 decoding each come out
ahead somewhere. :func:`select_rule` scores every candidate on held-out folds
of the validation data with the user's objective and returns the best one,
refitted on all of it.
"""

import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import check_cv

from ._expected_f1 import expected_f1_indicator
from ._find_thresholds import find_thresholds
from ._objectives import confusion_counts, resolve_objective
from ._rules import threshold_indicator
from ._top_k import fill_min_labels
from .exceptions import SklabelWarning

# Candidate rules in order of preference: on a tie in cross-validated score,
# the earlier (simpler) one wins. Each is (name, kind, min_labels).
CANDIDATES = (
    ("threshold 0.5", "fixed", 0),
    ("threshold 0.5, at least one label", "fixed", 1),
    ("shared threshold", "shared", 0),
    ("shared threshold, at least one label", "shared", 1),
    ("per-class thresholds", "per_class", 0),
    ("per-class thresholds, at least one label", "per_class", 1),
    ("expected F1", "expected_f1", 0),
)


class RuleChoice(NamedTuple):
    """The rule chosen by :func:`select_rule`.

    Attributes
    ----------
    rule : str
        "threshold" or "expected_f1".
    min_labels : int
        0, or 1 for the "at least one label" variants.
    thresholds : ndarray of shape (n_classes,) or None
        Thresholds in probability units for the "threshold" rule.
    name : str
        The candidate's name, a key of ``scores``.
    scores : dict
        Each candidate's mean objective over the held-out folds.
    """

    rule: str
    min_labels: int
    thresholds: np.ndarray | None
    name: str
    scores: dict


def select_rule(
    Y,
    P,
    *,
    objective="f1",
    objective_params=None,
    average="macro",
    cv=5,
    sample_weight=None,
):
    """Choose among multi-label decision rules by cross-validation.

    Each candidate in :data:`CANDIDATES` is fitted on the training folds of
    the validation data and scored on the held-out fold with ``objective``
    averaged by ``average``. The best mean score wins, ties going to the
    earlier, simpler candidate, and the winner is refitted on all the data.

    Parameters
    ----------
    Y : sparse matrix of shape (n_samples, n_classes)
        0/1 indicator of the true labels.
    P : ndarray of shape (n_samples, n_classes)
        Probabilities.
    objective : str or callable, default="f1"
        Objective of confusion counts, as in :func:`find_thresholds`.
    objective_params : dict, default=None
        Parameters of the objective.
    average : {"macro", "micro", "samples"}, default="macro"
        "macro": the mean of the per-class objective; "micro": the objective
        of the pooled counts; "samples": the mean per-sample F1.
    cv : int or cross-validation splitter, default=5
        The folds; an int gives unshuffled ``KFold``.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the samples in the objective.

    Returns
    -------
    choice : RuleChoice
    """
    scorer = _make_scorer(objective, objective_params, average)
    Y = sp.csr_matrix(Y)
    splitter = check_cv(cv)
    totals = dict.fromkeys([name for name, _, _ in CANDIDATES], 0.0)
    n_folds = 0
    for train, test in splitter.split(P):
        fold_weight = None if sample_weight is None else sample_weight[train]
        test_weight = None if sample_weight is None else sample_weight[test]
        for name, kind, min_labels in CANDIDATES:
            state = _fit_candidate(
                kind,
                Y[train],
                P[train],
                objective,
                objective_params,
                average,
                fold_weight,
            )
            predicted = _apply_candidate(kind, state, P[test], min_labels)
            totals[name] += scorer(Y[test], predicted, test_weight)
        n_folds += 1

    scores = {name: total / n_folds for name, total in totals.items()}
    best_name = max(scores, key=scores.get)
    _, kind, min_labels = next(c for c in CANDIDATES if c[0] == best_name)
    state = _fit_candidate(
        kind, Y, P, objective, objective_params, average, sample_weight
    )
    rule = "expected_f1" if kind == "expected_f1" else "threshold"
    return RuleChoice(rule, min_labels, state, best_name, scores)


def _fit_candidate(kind, Y, P, objective, objective_params, average, weight):
    """Return the thresholds of a threshold candidate, None for expected F1."""
    n_classes = P.shape[1]
    if kind == "fixed":
        return np.full(n_classes, 0.5)
    if kind == "expected_f1":
        return None
    if kind == "shared":
        shared = _shared_threshold(Y, P, objective, objective_params, weight)
        return np.full(n_classes, shared)
    return _quiet_find_thresholds(
        Y,
        P,
        objective=objective,
        objective_params=objective_params,
        average=average,
        sample_weight=weight,
    ).thresholds


def _shared_threshold(Y, P, objective, objective_params, weight):
    """Return the exact best single threshold of the counts pooled over classes."""
    n_samples, n_classes = P.shape
    pooled_weight = None if weight is None else np.repeat(weight, n_classes)
    result = _quiet_find_thresholds(
        Y.reshape(n_samples * n_classes, 1),
        P.reshape(-1, 1),
        objective=objective,
        objective_params=objective_params,
        sample_weight=pooled_weight,
    )
    return float(result.thresholds[0])


def _quiet_find_thresholds(Y, P, **options):
    # Folds of the validation data often lack positives of rare classes; the
    # final fit warns about them, the folds need not.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SklabelWarning)
        return find_thresholds(Y, P, **options)


def _apply_candidate(kind, thresholds, P, min_labels):
    if kind == "expected_f1":
        indicator = expected_f1_indicator(P)
    else:
        indicator = threshold_indicator(P, np.asarray(thresholds, dtype=np.float64))
    if min_labels > 0:
        indicator = fill_min_labels(indicator, P, min_labels)
    return indicator


def _make_scorer(objective, objective_params, average):
    """Return ``score(Y_true, Y_pred, weight)`` for the averaged objective."""
    if average == "samples":
        if objective not in ("f1", None):
            raise ValueError(
                f"average='samples' scores rules by the mean per-sample F1, so "
                f"objective must be 'f1', got {objective!r}."
            )
        return _samples_f1
    resolved = resolve_objective(objective, objective_params)

    def score(Y_true, Y_pred, weight):
        tp, fp, fn, tn = confusion_counts(Y_true, Y_pred, weight)
        if average == "micro":
            return float(resolved.score(tp.sum(), fp.sum(), fn.sum(), tn.sum()))
        return float(np.mean(resolved.score(tp, fp, fn, tn)))

    return score


def _samples_f1(Y_true, Y_pred, weight):
    """Mean per-sample F1; a sample with no true and no predicted label scores 1."""
    Y_true = sp.csr_matrix(Y_true, dtype=np.float64)
    Y_pred = sp.csr_matrix(Y_pred, dtype=np.float64)
    overlap = np.asarray(Y_true.multiply(Y_pred).sum(axis=1)).ravel()
    n_true = np.asarray(Y_true.sum(axis=1)).ravel()
    sizes = n_true + np.asarray(Y_pred.sum(axis=1)).ravel()
    f1 = np.ones_like(sizes)
    nonempty = sizes > 0
    f1[nonempty] = 2 * overlap[nonempty] / sizes[nonempty]
    return float(np.average(f1, weights=weight))
