"""Threshold objectives as functions of weighted confusion counts.

Every objective maps the counts ``(tp, fp, fn, tn)`` of one or many candidate
cuts to a float64 score that the threshold search maximises. The counts are
float64 arrays of any broadcastable shape, so that one call scores every cut
of a block of classes at once. A ratio whose denominator is 0 counts as 0,
so a score is never NaN.

Constraint objectives (``"recall_at_precision"``, ``"precision_at_recall"``)
also return a feasibility mask and a second score that breaks ties.
"""

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

__all__ = ["OBJECTIVE_NAMES", "Objective", "resolve_objective"]


def _safe_ratio(numerator, denominator):
    """Divide element-wise, giving 0 where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.true_divide(numerator, denominator, dtype=np.float64)
    ratio = np.asarray(ratio)
    np.copyto(ratio, 0.0, where=np.asarray(denominator) == 0)
    return ratio


def _recall(tp, fp, fn, tn):
    return _safe_ratio(tp, tp + fn)


def _precision(tp, fp, fn, tn):
    return _safe_ratio(tp, tp + fp)


def _f1(tp, fp, fn, tn):
    return _safe_ratio(2.0 * tp, 2.0 * tp + fp + fn)


def _balanced_accuracy(tp, fp, fn, tn):
    return 0.5 * (_safe_ratio(tp, tp + fn) + _safe_ratio(tn, tn + fp))


def _youden(tp, fp, fn, tn):
    return _safe_ratio(tp, tp + fn) + _safe_ratio(tn, tn + fp) - 1.0


def _mcc(tp, fp, fn, tn):
    # The counts are scaled by their total first, so that the product in the
    # denominator neither overflows nor underflows for large or tiny weights.
    total = tp + fp + fn + tn
    tp, fp, fn, tn = (_safe_ratio(count, total) for count in (tp, fp, fn, tn))
    numerator = tp * tn - fp * fn
    denominator = np.sqrt((tp + fp) * (tn + fn)) * np.sqrt((tp + fn) * (tn + fp))
    return _safe_ratio(numerator, denominator)


def _jaccard(tp, fp, fn, tn):
    return _safe_ratio(tp, tp + fp + fn)


def _accuracy(tp, fp, fn, tn):
    return _safe_ratio(tp + tn, tp + fp + fn + tn)


@dataclass(frozen=True)
class Objective:
    """Threshold objective: a score to maximise over confusion counts.

    Use :func:`resolve_objective` to build one from a name or a callable.

    Parameters
    ----------
    name : str
        Name of the objective, for example ``"f1"``.
    score_function : callable
        ``score_function(tp, fp, fn, tn)`` returns the score to maximise, as
        a new array, because the search overwrites it in place.
    params : dict, default=None
        Parameters the objective was built with, for display.
    feasible_function : callable or None, default=None
        ``feasible_function(tp, fp, fn, tn)`` returns a boolean mask of the
        counts that meet the objective's constraint. None means no constraint.
    tiebreak_function : callable or None, default=None
        ``tiebreak_function(tp, fp, fn, tn)`` returns a second score that is
        maximised among cuts with equal scores.
    """

    name: str
    score_function: Callable
    params: dict = field(default_factory=dict)
    feasible_function: Callable | None = None
    tiebreak_function: Callable | None = None

    @property
    def has_constraint(self):
        """bool: whether some cuts can be infeasible."""
        return self.feasible_function is not None

    def score(self, tp, fp, fn, tn):
        """Compute the score to maximise, as a float64 array.

        Parameters
        ----------
        tp, fp, fn, tn : array-like of float64
            Weighted confusion counts of broadcastable shapes.

        Returns
        -------
        score : ndarray of float64
            The score of each set of counts, of the broadcast shape.
        """
        return np.asarray(self.score_function(tp, fp, fn, tn), dtype=np.float64)

    def feasible(self, tp, fp, fn, tn):
        """Compute the mask of counts that meet the constraint.

        Parameters
        ----------
        tp, fp, fn, tn : array-like of float64
            Weighted confusion counts of broadcastable shapes.

        Returns
        -------
        mask : ndarray of bool or None
            True where the constraint holds, or None when the objective has
            no constraint (every cut is feasible).
        """
        if self.feasible_function is None:
            return None
        return np.asarray(self.feasible_function(tp, fp, fn, tn), dtype=bool)

    def tiebreak(self, tp, fp, fn, tn):
        """Compute the second score that breaks ties, or None if there is none.

        Parameters
        ----------
        tp, fp, fn, tn : array-like of float64
            Weighted confusion counts of broadcastable shapes.

        Returns
        -------
        score : ndarray of float64 or None
            The second score to maximise among cuts with equal scores.
        """
        if self.tiebreak_function is None:
            return None
        return np.asarray(self.tiebreak_function(tp, fp, fn, tn), dtype=np.float64)


def _check_number(value, *, objective, param, low, high, low_inclusive):
    """Raise unless ``value`` is a real number in the given interval."""
    is_real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    low_ok = is_real and (value >= low if low_inclusive else value > low)
    if is_real and low_ok and value <= high and np.isfinite(value):
        return float(value)
    low_bracket = "[" if low_inclusive else "("
    high_bracket = "]" if np.isfinite(high) else ")"
    raise ValueError(
        f"objective_params[{param!r}]={value!r} is invalid for objective "
        f"{objective!r}. Pass a finite real number in "
        f"{low_bracket}{low}, {high}{high_bracket}."
    )


def _build_f1():
    return Objective("f1", _f1)


def _build_fbeta(beta):
    beta = _check_number(
        beta, objective="fbeta", param="beta", low=0.0, high=np.inf,
        low_inclusive=False,
    )
    beta2 = beta * beta

    def fbeta(tp, fp, fn, tn):
        return _safe_ratio((1.0 + beta2) * tp, (1.0 + beta2) * tp + beta2 * fn + fp)

    return Objective("fbeta", fbeta, params={"beta": beta})


def _build_cost(fp_cost, fn_cost):
    fp_cost, fn_cost = (
        _check_number(
            value, objective="cost", param=param, low=0.0, high=np.inf,
            low_inclusive=True,
        )
        for param, value in (("fp_cost", fp_cost), ("fn_cost", fn_cost))
    )

    def negative_cost(tp, fp, fn, tn):
        return -(fp_cost * np.asarray(fp, dtype=np.float64) + fn_cost * np.asarray(fn))

    return Objective(
        "cost", negative_cost, params={"fp_cost": fp_cost, "fn_cost": fn_cost}
    )


def _build_recall_at_precision(min_precision):
    min_precision = _check_number(
        min_precision, objective="recall_at_precision", param="min_precision",
        low=0.0, high=1.0, low_inclusive=False,
    )

    def precision_met(tp, fp, fn, tn):
        return _precision(tp, fp, fn, tn) >= min_precision

    return Objective(
        "recall_at_precision",
        _recall,
        params={"min_precision": min_precision},
        feasible_function=precision_met,
        tiebreak_function=_precision,
    )


def _build_precision_at_recall(min_recall):
    min_recall = _check_number(
        min_recall, objective="precision_at_recall", param="min_recall",
        low=0.0, high=1.0, low_inclusive=False,
    )

    def recall_met(tp, fp, fn, tn):
        return _recall(tp, fp, fn, tn) >= min_recall

    return Objective(
        "precision_at_recall",
        _precision,
        params={"min_recall": min_recall},
        feasible_function=recall_met,
        tiebreak_function=_recall,
    )


# name -> (builder, names of its required parameters)
_BUILDERS = {
    "f1": (_build_f1, ()),
    "fbeta": (_build_fbeta, ("beta",)),
    "balanced_accuracy": (
        lambda: Objective("balanced_accuracy", _balanced_accuracy), ()
    ),
    "youden": (lambda: Objective("youden", _youden), ()),
    "mcc": (lambda: Objective("mcc", _mcc), ()),
    "jaccard": (lambda: Objective("jaccard", _jaccard), ()),
    "accuracy": (lambda: Objective("accuracy", _accuracy), ()),
    "cost": (_build_cost, ("fp_cost", "fn_cost")),
    "recall_at_precision": (_build_recall_at_precision, ("min_precision",)),
    "precision_at_recall": (_build_precision_at_recall, ("min_recall",)),
}

#: Names accepted by :func:`resolve_objective`.
OBJECTIVE_NAMES = tuple(sorted(_BUILDERS))


def _wrap_callable(function, params):
    """Wrap a user's objective so that its output is checked on every call."""
    name = getattr(function, "__name__", repr(function))

    def checked_score(tp, fp, fn, tn):
        expected_shape = np.broadcast_shapes(*(np.shape(c) for c in (tp, fp, fn, tn)))
        score = np.asarray(function(tp, fp, fn, tn, **params))
        if score.shape != expected_shape:
            raise ValueError(
                f"The objective callable {name!r} returned an array of shape "
                f"{score.shape}, but the counts it was given broadcast to "
                f"{expected_shape}. Return one score per set of counts."
            )
        if not np.issubdtype(score.dtype, np.number) or np.issubdtype(
            score.dtype, np.complexfloating
        ):
            raise TypeError(
                f"The objective callable {name!r} returned an array of dtype "
                f"{score.dtype}. Return real numbers."
            )
        # A copy, because the search overwrites scores in place.
        score = np.array(score, dtype=np.float64)
        counts_finite = np.isfinite(tp) & np.isfinite(fp) & np.isfinite(fn)
        counts_finite &= np.isfinite(tn)
        if not np.all(np.isfinite(score) | ~counts_finite):
            raise ValueError(
                f"The objective callable {name!r} returned NaN or infinite "
                "scores for finite counts. Return finite scores, for example "
                "0 where a ratio is undefined."
            )
        return score

    return Objective(name, checked_score, params=dict(params))


def _check_params(name, params, required):
    """Raise unless ``params`` has exactly the ``required`` keys."""
    missing = [key for key in required if key not in params]
    unexpected = sorted(key for key in params if key not in required)
    if not missing and not unexpected:
        return
    allowed = ", ".join(repr(key) for key in required) or "none"
    problems = []
    if missing:
        problems.append(f"missing {', '.join(repr(key) for key in missing)}")
    if unexpected:
        problems.append(f"unexpected {', '.join(repr(key) for key in unexpected)}")
    raise ValueError(
        f"objective_params={params!r} is invalid for objective {name!r} "
        f"({' and '.join(problems)}). The parameters of {name!r} are: {allowed}."
    )


def resolve_objective(objective, objective_params=None):
    """Build an :class:`Objective` from a name or a callable.

    Parameters
    ----------
    objective : str, callable or Objective
        One of the names below, or a callable ``f(tp, fp, fn, tn, **params)``
        that returns one score to maximise per set of counts. Its output is
        checked on every call: it must have the broadcast shape of the counts
        and be finite where the counts are. An :class:`Objective` is returned
        unchanged.

        - ``"f1"``: F1 score of the positive class.
        - ``"fbeta"``: F-beta score, needs ``beta`` (> 0).
        - ``"balanced_accuracy"``: mean of recall and specificity.
        - ``"youden"``: Youden's J statistic, recall + specificity - 1. It is
          ``2 * balanced_accuracy - 1``, so it selects the same cut.
        - ``"mcc"``: Matthews correlation coefficient.
        - ``"jaccard"``: Jaccard index (intersection over union).
        - ``"accuracy"``: fraction of correct decisions.
        - ``"cost"``: minus the total cost ``fp_cost * fp + fn_cost * fn``,
          needs ``fp_cost`` and ``fn_cost`` (both >= 0).
        - ``"recall_at_precision"``: the highest recall among the cuts whose
          precision is at least ``min_precision`` (in (0, 1]). Ties go to the
          higher precision.
        - ``"precision_at_recall"``: the highest precision among the cuts
          whose recall is at least ``min_recall`` (in (0, 1]). Ties go to the
          higher recall.

        Every ratio whose denominator is 0 counts as 0.
    objective_params : dict, default=None
        Parameters of the objective. A callable receives them as keyword
        arguments.

    Returns
    -------
    objective : Objective
        The objective, with ``score``, ``feasible`` and ``tiebreak`` methods.

    Raises
    ------
    ValueError
        If the name is unknown, or a parameter is missing, unexpected or out
        of range.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._objectives import resolve_objective
    >>> f1 = resolve_objective("f1")
    >>> f1.score(np.array([3.0, 0.0]), np.array([1.0, 0.0]),
    ...          np.array([1.0, 0.0]), np.array([5.0, 10.0]))
    array([0.75, 0.  ])
    >>> rap = resolve_objective("recall_at_precision", {"min_precision": 0.8})
    >>> rap.feasible(3.0, 1.0, 1.0, 5.0)
    array(False)
    """
    params = {} if objective_params is None else dict(objective_params)
    if isinstance(objective, Objective):
        if params:
            raise ValueError(
                f"objective_params={params!r} cannot be applied to an objective "
                f"that is already built ({objective.name!r}). Pass its name instead."
            )
        return objective
    if callable(objective):
        return _wrap_callable(objective, params)
    if not isinstance(objective, str) or objective not in _BUILDERS:
        allowed = ", ".join(repr(name) for name in OBJECTIVE_NAMES)
        raise ValueError(
            f"objective={objective!r} is not a known objective. Use one of "
            f"{allowed}, or a callable f(tp, fp, fn, tn) that returns scores."
        )
    builder, required = _BUILDERS[objective]
    _check_params(objective, params, required)
    return builder(**params)


def confusion_counts(Y_true, Y_pred, sample_weight=None):
    """Compute each class's weighted confusion counts from two indicators.

    Parameters
    ----------
    Y_true, Y_pred : {ndarray, sparse matrix} of shape (n_samples, n_classes)
        True and predicted 0/1 indicators.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the samples; None weighs each sample 1.

    Returns
    -------
    tp, fp, fn, tn : ndarray of shape (n_classes,)
        Weighted counts, float64.
    """
    Y_true = sp.csr_matrix(Y_true, dtype=np.float64)
    Y_pred = sp.csr_matrix(Y_pred, dtype=np.float64)
    if sample_weight is None:
        sample_weight = np.ones(Y_true.shape[0])
    weights = sp.diags(sample_weight)
    tp = np.asarray((weights @ Y_true.multiply(Y_pred)).sum(axis=0)).ravel()
    positives = np.asarray((weights @ Y_true).sum(axis=0)).ravel()
    predicted = np.asarray((weights @ Y_pred).sum(axis=0)).ravel()
    fp = predicted - tp
    fn = positives - tp
    tn = sample_weight.sum() - tp - fp - fn
    return tp, fp, fn, tn
