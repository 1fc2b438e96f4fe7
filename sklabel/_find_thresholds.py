"""Public threshold search: ``find_thresholds``, for users who want the numbers."""

import numbers
import operator
import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, logit
from sklearn.utils import Bunch

from ._objectives import confusion_counts, resolve_objective
from ._scores import read_sparse_scores
from ._search import (
    averaged_objective,
    class_curves,
    counts_at_cuts,
    fallback_to_default,
    search_thresholds,
    search_thresholds_micro,
    search_thresholds_samples,
)
from ._sparse_scores import search_thresholds_sparse, sparse_threshold_indicator
from .exceptions import ConstraintNotMetWarning, RareClassWarning

__all__ = [
    "ThresholdCurves",
    "find_thresholds",
    "warn_constraint_not_met",
    "warn_rare_classes",
]

_AVERAGES = ("macro", "micro", "samples")
_SCORE_KINDS = ("probabilities", "logits")
# Warnings list at most this many class names, then how many more there are.
_MAX_NAMES_SHOWN = 10


# ---------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------


def _check_options(average, scores, default_threshold, min_objective, objective):
    if average not in _AVERAGES:
        raise ValueError(
            f"average={average!r} is invalid. Use one of "
            f"{', '.join(map(repr, _AVERAGES))}."
        )
    if scores not in _SCORE_KINDS:
        raise ValueError(
            f"scores={scores!r} is invalid. Use 'probabilities' or 'logits' to say "
            "what y_score contains."
        )
    if min_objective is not None and (
        not _is_real(min_objective) or not np.isfinite(min_objective)
    ):
        raise ValueError(
            f"min_objective={min_objective!r} is invalid. Pass a finite number or None."
        )
    if min_objective is not None and average != "macro":
        raise ValueError(
            f"min_objective is only supported with average='macro', got "
            f"average={average!r}, because the floor applies to each class's own "
            "best value. Remove min_objective or use average='macro'."
        )
    if average == "samples" and objective != "f1":
        raise ValueError(
            f"average='samples' supports objective='f1' only, got objective="
            f"{objective!r}. Use average='macro' or 'micro' for other objectives."
        )


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_y_true(y_true):
    """Return ``y_true`` as a 2-D 0/1 array or CSR matrix, and whether it was 1-D."""
    if sp.issparse(y_true):
        Y = sp.csr_matrix(y_true)
        values = Y.data
    else:
        Y = np.asarray(y_true)
        if Y.dtype.kind not in "biuf":
            raise ValueError(
                f"y_true must be a 0/1 indicator array, got dtype {Y.dtype}. "
                "Encode labels first, for example with "
                "sklearn.preprocessing.MultiLabelBinarizer."
            )
        if Y.ndim not in (1, 2):
            raise ValueError(
                f"y_true must be 1-D (one class) or 2-D (n_samples, n_classes), got "
                f"shape {Y.shape}."
            )
        values = Y
    if values.dtype != np.bool_ and not np.all((values == 0) | (values == 1)):
        raise ValueError(
            "y_true must contain only 0 and 1 (or booleans). Convert class labels "
            "to an indicator matrix first, for example with "
            "sklearn.preprocessing.MultiLabelBinarizer."
        )
    one_column = Y.ndim == 1
    return (Y.reshape(-1, 1) if one_column else Y), one_column


def _check_y_score(y_score, shape, scores, one_column):
    """Return ``y_score`` as a finite 2-D float array of the shape of ``y_true``."""
    if sp.issparse(y_score):
        S = read_sparse_scores(
            y_score, input_name="y_score", probabilities=scores == "probabilities"
        )
        if S.shape != shape:
            raise ValueError(
                f"y_score has shape {S.shape} but y_true has shape {shape}; pass "
                "one column per class, in the column order of y_true."
            )
        return S
    S = np.asarray(y_score)
    if S.dtype.kind not in "iuf":
        raise ValueError(f"y_score must be numeric, got dtype {S.dtype}.")
    if S.dtype not in (np.float32, np.float64):
        S = S.astype(np.float32 if S.dtype == np.float16 else np.float64)
    if S.ndim == 1:
        S = S.reshape(-1, 1)
    elif one_column and S.ndim == 2 and S.shape == (shape[0], 2):
        # This is a binary model's (n, 2) output, whose second column is the
        # score of the positive class.
        S = S[:, 1:]
    if S.shape != shape:
        raise ValueError(
            f"y_score has shape {np.shape(y_score)} but y_true has shape {shape} "
            f"{'(one class)' if one_column else ''}. Pass one score per "
            "(sample, class) pair, in the column order of y_true."
        )
    _check_finite_scores(S, scores)
    return S


def _check_finite_scores(S, scores):
    finite = np.isfinite(S)
    if not finite.all():
        row, column = np.argwhere(~finite)[0]
        raise ValueError(
            f"y_score contains {np.count_nonzero(~finite)} NaN or infinite values, "
            f"the first at row {row}, column {column}. Remove or repair those rows."
        )
    if scores == "probabilities" and S.size and (S.min() < 0 or S.max() > 1):
        raise ValueError(
            f"y_score has values outside [0, 1] (from {S.min():g} to {S.max():g}) "
            "but scores='probabilities'. Pass scores='logits' if they are logits "
            "or decision-function values."
        )


def _check_sample_weight(sample_weight, n_samples):
    if sample_weight is None:
        return None
    weight = np.asarray(sample_weight)
    if weight.dtype.kind not in "biuf" or weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must be a 1-D numeric array of length {n_samples}, got "
            f"shape {weight.shape} and dtype {weight.dtype}."
        )
    weight = weight.astype(np.float64)
    if not np.all(np.isfinite(weight)) or (weight < 0).any():
        raise ValueError(
            "sample_weight must be finite and non-negative. Remove NaN, infinite "
            "or negative weights."
        )
    if weight.sum() <= 0:
        raise ValueError(
            "sample_weight sums to 0. At least one weight must be positive."
        )
    return weight


def _check_class_names(class_names, n_classes):
    if class_names is None:
        return None
    names = np.asarray(class_names)
    if names.ndim != 1 or names.size != n_classes:
        raise ValueError(
            f"class_names has {names.size} entries but y_true has {n_classes} "
            "columns. Pass one name per column."
        )
    return names


# ---------------------------------------------------------------------------
# Units, warnings and curves
# ---------------------------------------------------------------------------


def _to_probability(cuts, scores):
    """Convert cuts in score units to thresholds in probability units.

    ``-inf`` (every sample positive) becomes 0 and ``+inf`` (none) stays
    ``+inf``, because a threshold of 1 would still select probabilities of 1.
    """
    cuts = np.asarray(cuts, dtype=np.float64)
    thresholds = expit(cuts) if scores == "logits" else cuts.copy()
    thresholds[cuts == -np.inf] = 0.0
    thresholds[cuts == np.inf] = np.inf
    return thresholds


def _to_score_units(threshold, scores):
    return logit(threshold) if scores == "logits" else threshold.copy()


def _check_default_threshold(default_threshold, n_classes):
    """Return the default threshold of each class as a float64 array."""
    values = np.asarray(default_threshold, dtype=np.float64)
    valid_shape = values.ndim == 0 or values.shape == (n_classes,)
    if not valid_shape or not ((values >= 0) & (values <= 1)).all():
        raise ValueError(
            f"default_threshold={default_threshold!r} is invalid. Pass a "
            f"probability in [0, 1], or one per class ({n_classes} values), also "
            "when the scores are logits."
        )
    return np.broadcast_to(values, (n_classes,)).copy()


def _describe_classes(mask, class_names):
    """Return the names (or indices) of the masked classes as one string."""
    indices = np.flatnonzero(mask)
    labels = [
        repr(str(class_names[j])) if class_names is not None else str(j)
        for j in indices[:_MAX_NAMES_SHOWN]
    ]
    more = indices.size - len(labels)
    return ", ".join(labels) + (f" and {more} more" if more > 0 else "")


def _subject(mask, class_names):
    """Return "class X" or "classes X, Y" for the masked classes."""
    noun = "class" if np.count_nonzero(mask) == 1 else "classes"
    return f"{noun} {_describe_classes(mask, class_names)}"


def warn_rare_classes(degenerate, class_names, default_threshold, *, stacklevel=3):
    """Emit one :class:`RareClassWarning` naming the degenerate classes, if any.

    Parameters
    ----------
    degenerate : ndarray of shape (n_classes,)
        Mask of the classes with no positive or no negative sample.
    class_names : array-like of shape (n_classes,) or None
        Names used in the message, or the column index when None.
    default_threshold : ndarray of shape (n_classes,)
        The thresholds those classes keep, in probability units.
    stacklevel : int, default=3
        Passed to :func:`warnings.warn`. The default points at the caller of
        the public function that calls this helper.
    """
    if not np.any(degenerate):
        return
    warnings.warn(
        f"No threshold is learned for {_subject(degenerate, class_names)}, because "
        "the validation data has no positive or no negative sample of positive "
        f"weight. {_describe_defaults(default_threshold[degenerate])} Add "
        "validation samples of these classes, or silence this warning with "
        "warnings.filterwarnings('ignore', "
        "category=sklabel.exceptions.RareClassWarning).",
        RareClassWarning,
        stacklevel=stacklevel,
    )


def _describe_defaults(defaults):
    if np.unique(defaults).size == 1:
        return f"The default threshold {defaults[0]:g} is kept."
    return "Their default thresholds are kept."


def warn_constraint_not_met(infeasible, class_names, objective, *, stacklevel=3):
    """Emit one :class:`ConstraintNotMetWarning` naming the classes, if any.

    Parameters
    ----------
    infeasible : ndarray of shape (n_classes,)
        Mask of the classes whose constraint no threshold meets.
    class_names : array-like of shape (n_classes,) or None
        Names used in the message, or the column index when None.
    objective : Objective
        The constraint objective, whose parameters the message shows.
    stacklevel : int, default=3
        Passed to :func:`warnings.warn`. The default points at the caller of
        the public function that calls this helper.
    """
    if not np.any(infeasible):
        return
    warnings.warn(
        f"No threshold of {_subject(infeasible, class_names)} meets the constraint "
        f"of objective {objective.name!r} {objective.params}, so the threshold is "
        "+inf and the class is never predicted. Relax the constraint, or silence "
        "this warning with warnings.filterwarnings('ignore', "
        "category=sklabel.exceptions.ConstraintNotMetWarning).",
        ConstraintNotMetWarning,
        stacklevel=stacklevel,
    )


class ThresholdCurves(Sequence):
    """Objective curves of the classes, each computed when first read.

    Item ``j`` is a Bunch over the distinct cut points of class ``j``:
    ``thresholds`` (probability units, decreasing), ``score_thresholds``,
    ``objective`` and ``feasible`` (None without a constraint). The "predict
    nothing" cut (``+inf``) is left out so that every point can be drawn.

    Computing all curves at once would hold about 40 bytes per distinct
    (sample, class) score, gigabytes for a large multi-label problem, so
    each class's curve is computed on first access (one sort of its scores)
    and then cached.

    NOTE: the curves read ``y_true`` and ``y_score`` when they are first
    accessed, without a copy, so changing those arrays in place before
    reading the curves changes the curves.

    Parameters
    ----------
    Y : {ndarray, sparse matrix} of shape (n_samples, n_classes)
        Validated 0/1 indicator matrix.
    S : ndarray of shape (n_samples, n_classes)
        Validated scores.
    weight : ndarray of shape (n_samples,) or None
        Sample weights.
    objective : Objective
        The objective to evaluate.
    scores : {"probabilities", "logits"}
        Units of ``S``.
    """

    def __init__(self, Y, S, weight, objective, scores):
        self._Y, self._S, self._weight = Y, S, weight
        self._objective, self._scores = objective, scores
        self._cache = {}

    def __len__(self):
        return self._S.shape[1]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[j] for j in range(*index.indices(len(self)))]
        index = operator.index(index)
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"curve index {index} is out of range for {len(self)} "
                             "classes.")
        if index not in self._cache:
            self._cache[index] = self._compute(index)
        return self._cache[index]

    def __repr__(self):
        return f"ThresholdCurves(n_classes={len(self)})"

    def _compute(self, j):
        curve = class_curves(self._Y[:, [j]], self._S[:, [j]], self._objective,
                             sample_weight=self._weight)[0]
        cuts = curve["cuts"][1:]
        feasible = curve["feasible"]
        return Bunch(
            thresholds=_to_probability(cuts, self._scores),
            score_thresholds=cuts,
            objective=curve["score"][1:],
            feasible=None if feasible is None else feasible[1:],
        )


# ---------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------


def _degenerate_classes(Y, weight):
    """Return the mask of classes without a positive or a negative row.

    Only rows of positive weight count. They are counted, not weighed, so
    that rounding cannot hide an empty class.
    """
    has_weight = np.ones(Y.shape[0], dtype=bool) if weight is None else weight > 0
    n_positive = np.asarray((Y[has_weight] != 0).sum(axis=0)).ravel()
    return (n_positive == 0) | (n_positive == np.count_nonzero(has_weight))


def _coupled_search(Y, S, objective, average, weight, default_cut):
    """Run the micro or samples search with the degenerate classes held fixed."""
    degenerate = _degenerate_classes(Y, weight)
    fixed_cuts = np.where(degenerate, default_cut, np.nan)
    if average == "micro":
        result = search_thresholds_micro(
            Y, S, objective, sample_weight=weight, fixed_cuts=fixed_cuts
        )
    else:
        result = search_thresholds_samples(Y, S, sample_weight=weight,
                                           fixed_cuts=fixed_cuts)
    return result._replace(degenerate=degenerate)


def _averaged_value(Y, S, cuts, objective, average, weight, counts):
    tp, fp, fn, tn = counts
    if average == "macro":
        return float(objective.score(tp, fp, fn, tn).mean())
    if average == "micro":
        return float(objective.score(tp.sum(), fp.sum(), fn.sum(), tn.sum()))
    return averaged_objective(Y, S, cuts, objective, "samples", sample_weight=weight)


def _find_thresholds_sparse(Y, S, objective, average, weight, names,
                            default_threshold, default_cut, min_objective, scores):
    """Run find_thresholds on CSR scores, whose absent entries are never positive.

    The search works on the stored entries only (see
    :func:`sklabel._sparse_scores.search_thresholds_sparse`), so memory grows
    with them and not with the dense size. Only the macro average is
    supported, and no curves are computed.
    """
    if average != "macro":
        raise ValueError(
            f"average={average!r} is not supported for sparse y_score; use "
            "average='macro', or pass y_score.toarray()."
        )
    result = search_thresholds_sparse(Y, S, objective, sample_weight=weight)
    cuts, fallback = fallback_to_default(
        result.cuts, result.values, result.degenerate, result.infeasible,
        default_cut, min_objective=min_objective,
    )
    infeasible = result.infeasible & ~fallback
    warn_rare_classes(result.degenerate, names, default_threshold, stacklevel=4)
    warn_constraint_not_met(infeasible, names, objective, stacklevel=4)
    thresholds = _to_probability(cuts, scores)
    thresholds[fallback] = default_threshold[fallback]
    predicted = sparse_threshold_indicator(S, cuts)
    counts = confusion_counts(Y, predicted, weight)
    values = objective.score(*counts)
    return Bunch(
        thresholds=thresholds,
        score_thresholds=cuts,
        objective_values=values,
        average_value=float(values.mean()),
        curves=None,
        n_positives=np.asarray((Y != 0).sum(axis=0)).ravel().astype(np.int64),
        fallback=fallback,
        infeasible=infeasible,
        class_names=names,
    )


def find_thresholds(y_true, y_score, *, objective="f1", objective_params=None,
                    average="macro", scores="probabilities", sample_weight=None,
                    default_threshold=0.5, min_objective=None, class_names=None):
    """Find the best decision threshold of each class on validation data.

    A sample is predicted positive for a class when its score is ``>=`` the
    class's threshold. The search is exact, because every distinct validation
    score of a class is a candidate. The confusion counts of all candidates
    come from one sort and a cumulative sum. Ties in the objective go to the
    highest threshold (the fewest positives). The threshold returned for a
    candidate score is the midpoint between it and the next lower distinct
    score, so that new scores near a validation score are decided the same
    way.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_samples, n_classes) or (n_samples,)
        True labels as a 0/1 (or boolean) indicator matrix. A 1-D array is
        one class.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,)
        Validation scores in the column order of ``y_true``: probabilities,
        or logits (decision-function values) when ``scores="logits"``. For a
        1-D ``y_true``, an (n_samples, 2) array is read as a binary model's
        output and its second column is used. float32 scores stay float32.
    objective : str or callable, default="f1"
        What to maximise: ``"f1"``, ``"fbeta"``, ``"balanced_accuracy"``,
        ``"youden"``, ``"mcc"``, ``"jaccard"``, ``"accuracy"``, ``"cost"``,
        ``"recall_at_precision"``, ``"precision_at_recall"``, or a callable
        ``f(tp, fp, fn, tn)`` of float64 count arrays that returns one score
        per candidate. See :func:`sklabel._objectives.resolve_objective`.
    objective_params : dict, default=None
        Parameters of the objective, for example ``{"beta": 2}`` for
        ``"fbeta"`` or ``{"min_precision": 0.9}`` for
        ``"recall_at_precision"``.
    average : {"macro", "micro", "samples"}, default="macro"
        ``"macro"``: each class maximises its own objective. ``"micro"``:
        the objective of the counts pooled over classes is maximised.
        ``"samples"``: the mean per-sample F1 is maximised (only with
        ``objective="f1"``). Micro and samples are coordinate-ascent
        searches, exact one class at a time, that end in a local optimum.
    scores : {"probabilities", "logits"}, default="probabilities"
        What ``y_score`` contains. Probabilities must lie in [0, 1].
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights. Rows of weight 0 are ignored.
    default_threshold : float or array-like of shape (n_classes,), default=0.5
        Threshold, in probability units, that a class keeps when none is
        learned for it: one for every class, or one per class.
    min_objective : float, default=None
        Floor on a class's best validation objective value (only with
        ``average="macro"``). A class whose best value is below it keeps
        ``default_threshold``, because a threshold that reaches only a poor
        validation value is likely fitted to a few samples. The floor follows
        the rare-class heuristic of the SCutFBR strategy (R.-E. Fan and C.-J.
        Lin, "A study on threshold selection for multi-label classification",
        2007). None disables it.
    class_names : array-like of shape (n_classes,), default=None
        Names of the classes, used in warnings.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With the attributes:

        thresholds : ndarray of shape (n_classes,)
            Thresholds in probability units. 0 predicts every sample and
            ``+inf`` none. For logits, ``expit`` of the score threshold, which
            can round to 0 or 1 where ``expit`` saturates: compare in
            ``score_thresholds`` then. Never NaN.
        score_thresholds : ndarray of shape (n_classes,)
            The same thresholds in the units of ``y_score`` (float64).
            Compare float32 scores with them in float64.
        objective_values : ndarray of shape (n_classes,)
            Each class's objective at its threshold, on its own counts. For
            ``"recall_at_precision"`` the recall, for
            ``"precision_at_recall"`` the precision.
        average_value : float
            The averaged objective (``average``) at the thresholds.
        curves : ThresholdCurves
            A sequence of one Bunch per class, over its distinct cut points:
            ``thresholds`` (probability units, decreasing),
            ``score_thresholds``, ``objective`` and ``feasible`` (None
            without a constraint). The "predict nothing" cut is left out.
            Each curve is computed from ``y_true`` and ``y_score`` when it
            is first read, so do not change those arrays in place before
            reading the curves.
        n_positives : ndarray of shape (n_classes,)
            Number of positive samples of each class (unweighted).
        fallback : ndarray of shape (n_classes,)
            True for the classes that kept ``default_threshold``.
        infeasible : ndarray of shape (n_classes,)
            True for the classes whose constraint no threshold meets.
        class_names : ndarray of shape (n_classes,) or None
            The ``class_names`` passed.

    Warns
    -----
    RareClassWarning
        When a class has no positive or no negative sample (of positive
        weight). It keeps ``default_threshold``.
    ConstraintNotMetWarning
        When no threshold of a class meets the objective's constraint. The
        class gets the threshold ``+inf``.

    See Also
    --------
    sklabel.ProbabilityDecoder : Learns the same thresholds in ``fit`` and
        applies them in ``transform``.
    sklearn.model_selection.TunedThresholdClassifierCV : Tunes the threshold
        of one binary classifier on a grid of candidate thresholds.
    sklearn.metrics.confusion_matrix_at_thresholds : The confusion counts at
        every distinct score of one class.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._find_thresholds import find_thresholds
    >>> y_true = np.array([[1, 0], [1, 1], [0, 1], [0, 0], [1, 0]])
    >>> y_score = np.array([[0.9, 0.1], [0.35, 0.8], [0.3, 0.7], [0.2, 0.75],
    ...                     [0.6, 0.2]])
    >>> result = find_thresholds(y_true, y_score, class_names=["cat", "dog"])
    >>> result.thresholds
    array([0.325, 0.45 ])
    >>> result.objective_values
    array([1. , 0.8])
    >>> result.fallback
    array([False, False])
    """
    _check_options(average, scores, default_threshold, min_objective, objective)
    resolved = resolve_objective(objective, objective_params)
    Y, one_column = _check_y_true(y_true)
    S = _check_y_score(y_score, Y.shape, scores, one_column)
    weight = _check_sample_weight(sample_weight, Y.shape[0])
    names = _check_class_names(class_names, Y.shape[1])
    default_threshold = _check_default_threshold(default_threshold, Y.shape[1])
    default_cut = _to_score_units(default_threshold, scores)

    if sp.issparse(S):
        return _find_thresholds_sparse(
            Y, S, resolved, average, weight, names, default_threshold,
            default_cut, min_objective, scores,
        )
    if average == "macro":
        result = search_thresholds(Y, S, resolved, sample_weight=weight)
    else:
        result = _coupled_search(Y, S, resolved, average, weight, default_cut)
    cuts, fallback = fallback_to_default(
        result.cuts, result.values, result.degenerate, result.infeasible,
        default_cut, min_objective=min_objective,
    )
    infeasible = result.infeasible & ~fallback
    warn_rare_classes(result.degenerate, names, default_threshold)
    warn_constraint_not_met(infeasible, names, resolved)

    thresholds = _to_probability(cuts, scores)
    thresholds[fallback] = default_threshold[fallback]
    counts = counts_at_cuts(Y, S, cuts, sample_weight=weight)
    n_positives = np.asarray((Y != 0).sum(axis=0)).ravel().astype(np.int64)
    return Bunch(
        thresholds=thresholds,
        score_thresholds=cuts,
        objective_values=resolved.score(*counts),
        average_value=_averaged_value(Y, S, cuts, resolved, average, weight, counts),
        curves=ThresholdCurves(Y, S, weight, resolved, scores),
        n_positives=n_positives,
        fallback=fallback,
        infeasible=infeasible,
        class_names=names,
    )
