"""Multi-class decision offsets and the reject threshold.

A multi-class decision is ``argmax(log_proba + offsets)`` over the columns of
a (n_samples, n_classes) log-probability matrix (for example
``scipy.special.log_softmax`` of logits), with ties going to the first
column, as :func:`numpy.argmax` does. The offsets are learned on validation
data by coordinate ascent: one class's offset changes at a time, and each
step is an exact line search over that offset.

For one class ``j``, with the other offsets fixed, row ``i`` is predicted
``j`` when ``log_proba[i, j] + offset_j`` exceeds ``m_i``, the row's maximum
over the other columns, so the decisions change only at the breakpoints
``m_i - log_proba[i, j]``. Sorting the breakpoints and accumulating the gain
of each row that switches to ``j`` gives the objective on every interval
between breakpoints at once. The new offset is a point inside the best
interval, never a breakpoint, so ties between columns do not decide it.
Every step is checked by recomputing the decisions with the new offset in
floating point, and is kept only if the objective strictly increases.
"""

import numbers

import numpy as np

__all__ = [
    "fit_offsets_balanced_accuracy",
    "fit_offsets_macro_f1",
    "fit_reject_threshold",
]

# A step must raise the objective (a mean of ratios in [0, 1]) by more than
# this to be kept, so that rounding noise cannot make the ascent cycle.
_MIN_GAIN = 1e-12

# Maximum number of times the bracket around a breakpoint is doubled.
_MAX_BRACKET_DOUBLINGS = 64


# ---------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------


def _check_log_proba(log_proba):
    log_proba = np.asarray(log_proba, dtype=np.float64)
    if log_proba.ndim != 2 or log_proba.shape[1] < 2:
        raise ValueError(
            f"log_proba must be a 2-D array (n_samples, n_classes) with at least "
            f"2 classes, got shape {log_proba.shape}."
        )
    if np.isnan(log_proba).any() or np.isposinf(log_proba).any():
        raise ValueError(
            "log_proba contains NaN or +inf. Pass log-probabilities, for example "
            "scipy.special.log_softmax(logits, axis=1)."
        )
    if np.isneginf(log_proba).all(axis=1).any():
        row = int(np.flatnonzero(np.isneginf(log_proba).all(axis=1))[0])
        raise ValueError(
            f"Row {row} of log_proba is -inf in every column, so it has no "
            "decision. Every row needs at least one finite log-probability."
        )
    return log_proba


def _check_targets(y_index, sample_weight, n_samples, n_classes):
    y_index = np.asarray(y_index)
    if y_index.shape != (n_samples,) or not np.issubdtype(y_index.dtype, np.integer):
        raise ValueError(
            f"y_index must be a 1-D integer array of length {n_samples}, got "
            f"shape {y_index.shape} and dtype {y_index.dtype}."
        )
    if y_index.size and (y_index.min() < 0 or y_index.max() >= n_classes):
        raise ValueError(
            f"y_index must contain column indices in [0, {n_classes}), got values "
            f"from {y_index.min()} to {y_index.max()}."
        )
    weight = _check_weight(sample_weight, n_samples)
    return y_index.astype(np.intp), weight


def _check_weight(sample_weight, n_samples):
    if sample_weight is None:
        return np.ones(n_samples)
    weight = np.asarray(sample_weight, dtype=np.float64)
    if weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight has shape {weight.shape}, expected ({n_samples},)."
        )
    if not np.all(np.isfinite(weight)) or (weight < 0).any() or weight.sum() <= 0:
        raise ValueError(
            "sample_weight must be finite and non-negative with a positive sum."
        )
    return weight


def _check_max_iter(max_iter):
    if not isinstance(max_iter, numbers.Integral) or max_iter < 0:
        raise ValueError(
            f"max_iter={max_iter!r} is invalid. Pass a non-negative integer "
            "number of coordinate-ascent passes."
        )


# ---------------------------------------------------------------------------
# Objectives on decisions
# ---------------------------------------------------------------------------


class _Problem:
    """Validation targets, weights and per-class totals."""

    def __init__(self, y_index, weight, n_classes):
        self.y_index = y_index
        self.weight = weight
        self.n_classes = n_classes
        self.class_weight = np.bincount(y_index, weights=weight, minlength=n_classes)
        self.present = self.class_weight > 0


def _balanced_accuracy(problem, predicted):
    """Mean recall over the classes present in the targets."""
    correct = problem.weight * (predicted == problem.y_index)
    hits = np.bincount(problem.y_index, weights=correct, minlength=problem.n_classes)
    return float(np.mean(hits[problem.present] / problem.class_weight[problem.present]))


def _macro_f1(problem, predicted):
    """Mean F1 over all columns, 0 for a class never true nor predicted."""
    n_classes = problem.n_classes
    correct = problem.weight * (predicted == problem.y_index)
    tp = np.bincount(problem.y_index, weights=correct, minlength=n_classes)
    n_predicted = np.bincount(predicted, weights=problem.weight, minlength=n_classes)
    denominator = n_predicted + problem.class_weight
    f1 = np.zeros(n_classes)
    np.divide(2.0 * tp, denominator, out=f1, where=denominator > 0)
    return float(f1.mean())


def _decide(log_proba, offsets):
    return np.argmax(log_proba + offsets, axis=1)


# ---------------------------------------------------------------------------
# Line search over one offset
# ---------------------------------------------------------------------------


def _breakpoints(adjusted, log_proba, j):
    """Return the breakpoints of class ``j`` and each row's best other column.

    Row ``i`` is predicted ``j`` exactly when ``offset_j >= breakpoints[i]``,
    with the decision computed in float64 as the caller computes it.
    ``adjusted`` is ``log_proba + offsets`` and is restored before returning.
    """
    saved = adjusted[:, j].copy()
    adjusted[:, j] = -np.inf
    runner_up = adjusted.argmax(axis=1)
    best_other = adjusted[np.arange(adjusted.shape[0]), runner_up]
    adjusted[:, j] = saved
    with np.errstate(invalid="ignore"):
        breakpoints = best_other - log_proba[:, j]
    finite = np.isfinite(breakpoints)
    breakpoints[finite] = _exact_breakpoints(
        breakpoints[finite], log_proba[finite, j], best_other[finite],
        runner_up[finite] > j,
    )
    return breakpoints, runner_up


def _exact_breakpoints(start, log_proba_j, best_other, j_wins_ties):
    """Move each breakpoint to the smallest float64 offset that selects class j.

    ``best_other - log_proba_j`` is rounded, so ``log_proba_j + offset`` can
    fall on either side of ``best_other`` near it. Because the rounded sum
    is monotone in the offset, a bisection over the ordered float64 values
    finds the exact boundary. Class j wins an exact tie when its column
    comes first.
    """
    breakpoints = start.copy()
    exact = _selects(log_proba_j, best_other, j_wins_ties, start) & ~_selects(
        log_proba_j, best_other, j_wins_ties, np.nextafter(start, -np.inf)
    )
    if not exact.all():
        rows = ~exact
        breakpoints[rows] = _bisect_breakpoints(
            start[rows], log_proba_j[rows], best_other[rows], j_wins_ties[rows]
        )
    return breakpoints


def _selects(log_proba_j, best_other, j_wins_ties, offset):
    """Return whether each row picks class j at ``offset``, as the arg-max does."""
    total = log_proba_j + offset
    return (total > best_other) | ((total == best_other) & j_wins_ties)


def _bisect_breakpoints(start, log_proba_j, best_other, j_wins_ties):
    """Bisect the smallest offset that selects class j, near ``start``."""

    def selects_j(offset):
        return _selects(log_proba_j, best_other, j_wins_ties, offset)

    # Bracket the boundary: selects_j is False at `low` and True at `high`.
    scale = np.maximum.reduce([np.abs(start), np.abs(log_proba_j), np.abs(best_other)])
    width = 8 * np.finfo(np.float64).eps * np.maximum(scale, 1.0)
    low, high = start - width, start + width
    for _ in range(_MAX_BRACKET_DOUBLINGS):
        bad_low, bad_high = selects_j(low), ~selects_j(high)
        if not (bad_low.any() or bad_high.any()):
            break
        width = np.where(bad_low | bad_high, 2 * width, width)
        low = np.where(bad_low, start - width, low)
        high = np.where(bad_high, start + width, high)

    low_key, high_key = _ordered_key(low), _ordered_key(high)
    while np.any(high_key - low_key > 1):
        middle_key = (low_key >> 1) + (high_key >> 1) + (low_key & high_key & 1)
        middle_selects = selects_j(_from_ordered_key(middle_key))
        high_key = np.where(middle_selects, middle_key, high_key)
        low_key = np.where(middle_selects, low_key, middle_key)
    return _from_ordered_key(high_key)


def _ordered_key(values):
    """Map float64 values to int64 keys in the same order (involution of bits)."""
    bits = values.view(np.int64)
    return bits ^ ((bits >> 63) & np.int64(0x7FFFFFFFFFFFFFFF))


def _from_ordered_key(keys):
    """Invert :func:`_ordered_key`."""
    return (keys ^ ((keys >> 63) & np.int64(0x7FFFFFFFFFFFFFFF))).view(np.float64)


def _interval_offsets(sorted_breakpoints, run_ends):
    """Return one offset inside each interval between distinct breakpoints.

    Interval ``t`` contains the offsets that select exactly the rows of the
    first ``t`` distinct breakpoints: ``[b_t, b_{t+1})``. The offset is the
    interval's midpoint (or ``b_t`` when the midpoint rounds up to
    ``b_{t+1}``), and the two outer intervals get a point at a distance of
    at least 1 from the nearest breakpoint.
    """
    distinct = sorted_breakpoints[run_ends]
    margin = max(1.0, 1e-3 * float(np.max(np.abs(distinct))))
    inner = 0.5 * distinct[:-1] + 0.5 * distinct[1:]
    inner = np.where(inner < distinct[1:], inner, distinct[:-1])
    return np.concatenate([[distinct[0] - margin], inner, [distinct[-1] + margin]])


def _gain_balanced_accuracy(problem, j, rows, runner_up):
    """Return each row's gain in balanced-accuracy numerator when it switches to j."""
    y = problem.y_index[rows]
    scale = np.zeros(problem.n_classes)
    scale[problem.present] = 1.0 / problem.class_weight[problem.present]
    weight = problem.weight[rows] * scale[y]
    return weight * ((y == j).astype(float) - (y == runner_up[rows]))


def _macro_f1_path(problem, j, base_predicted, rows, runner_up):
    """Return the macro-F1 sum after switching each prefix of ``rows`` to ``j``.

    Element ``r`` of the result is the sum of the per-class F1 once the
    first ``r`` rows of ``rows`` (in that order) predict ``j``.
    """
    n_classes = problem.n_classes
    weight, y = problem.weight, problem.y_index
    correct = weight * (base_predicted == y)
    tp = np.bincount(y, weights=correct, minlength=n_classes)
    n_predicted = np.bincount(base_predicted, weights=weight, minlength=n_classes)
    true = problem.class_weight

    # Class j gains every switched row.
    switched_w = weight[rows]
    switched_tp = switched_w * (y[rows] == j)
    tp_j = tp[j] + np.concatenate([[0.0], np.cumsum(switched_tp)])
    pred_j = n_predicted[j] + np.concatenate([[0.0], np.cumsum(switched_w)])
    f1_j = _f1_values(tp_j, pred_j + true[j])

    # The former class of each switched row loses that row, so its counts drop.
    source = runner_up[rows]
    lost_tp = switched_w * (y[rows] == source)
    before, after = _grouped_f1_change(
        source, switched_w, lost_tp, tp, n_predicted, true
    )
    others = np.delete(np.arange(n_classes), j)
    f1_others = _f1_values(tp[others], n_predicted[others] + true[others]).sum()
    path_others = f1_others + np.concatenate([[0.0], np.cumsum(after - before)])
    return f1_j + path_others


def _f1_values(tp, denominator):
    f1 = np.zeros(np.shape(tp))
    np.divide(2.0 * tp, denominator, out=f1, where=denominator > 0)
    return f1


def _grouped_f1_change(source, lost_w, lost_tp, tp, n_predicted, true):
    """Return each row's source-class F1 before and after the row leaves it.

    Rows are taken in order, and a class's counts drop by every row that
    left it before.
    """
    order = np.argsort(source, kind="stable")
    grouped_source = source[order]
    cum_w = np.cumsum(lost_w[order])
    cum_tp = np.cumsum(lost_tp[order])
    starts = np.flatnonzero(np.r_[True, grouped_source[1:] != grouped_source[:-1]])
    group_of = np.repeat(starts, np.diff(np.r_[starts, order.size]))
    offset_w = np.where(group_of > 0, cum_w[group_of - 1], 0.0)
    offset_tp = np.where(group_of > 0, cum_tp[group_of - 1], 0.0)
    gone_w_after = cum_w - offset_w
    gone_tp_after = cum_tp - offset_tp
    gone_w_before = gone_w_after - lost_w[order]
    gone_tp_before = gone_tp_after - lost_tp[order]

    c = grouped_source
    denominator = n_predicted[c] + true[c]
    before = _f1_values(tp[c] - gone_tp_before, denominator - gone_w_before)
    after = _f1_values(tp[c] - gone_tp_after, denominator - gone_w_after)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return before[inverse], after[inverse]


def _best_offset(path, candidate_offsets, current_offset):
    """Return the offset of the best interval and its value.

    Ties go to the interval whose offset is nearest the current offset.
    """
    best_value = path.max()
    tied = np.flatnonzero(path == best_value)
    nearest = tied[np.argmin(np.abs(candidate_offsets[tied] - current_offset))]
    return float(candidate_offsets[nearest]), float(best_value)


def _line_search(problem, log_proba, offsets, adjusted, j, objective_name):
    """Return the best offset of class ``j`` with the others fixed, or None.

    None means that no breakpoint is finite, so the offset cannot change any
    decision.
    """
    breakpoints, runner_up = _breakpoints(adjusted, log_proba, j)
    finite = np.flatnonzero(np.isfinite(breakpoints))
    if finite.size == 0:
        return None
    order = finite[np.argsort(breakpoints[finite], kind="stable")]
    sorted_breakpoints = breakpoints[order]
    changes = sorted_breakpoints[1:] != sorted_breakpoints[:-1]
    run_ends = np.flatnonzero(np.r_[changes, True])
    candidate_offsets = _interval_offsets(sorted_breakpoints, run_ends)
    # Prefix lengths of `order` that match each interval (0 = no finite row).
    prefix = np.concatenate([[0], run_ends + 1])

    # Rows with breakpoint -inf (every other column is -inf) always predict j.
    base_predicted = np.where(breakpoints == -np.inf, j, runner_up)
    if objective_name == "balanced_accuracy":
        gain = _gain_balanced_accuracy(problem, j, order, runner_up)
        path = np.concatenate([[0.0], np.cumsum(gain)])
    else:
        path = _macro_f1_path(problem, j, base_predicted, order, runner_up)
    return _best_offset(path[prefix], candidate_offsets, offsets[j])[0]


# ---------------------------------------------------------------------------
# Coordinate ascent
# ---------------------------------------------------------------------------


def _coordinate_ascent(problem, log_proba, offsets, objective_name, max_iter):
    """Improve ``offsets`` in place, one class at a time, and return the objective."""
    score = _balanced_accuracy if objective_name == "balanced_accuracy" else _macro_f1
    adjusted = log_proba + offsets
    current = score(problem, adjusted.argmax(axis=1))
    for _ in range(max_iter):
        improved = False
        for j in range(problem.n_classes):
            new_offset = _line_search(problem, log_proba, offsets, adjusted, j,
                                      objective_name)
            if new_offset is None or new_offset == offsets[j]:
                continue
            # Verify in floating point with the caller's decision rule.
            trial = offsets.copy()
            trial[j] = new_offset
            value = score(problem, _decide(log_proba, trial))
            if value > current + _MIN_GAIN:
                offsets[j], current, improved = new_offset, value, True
                adjusted[:, j] = log_proba[:, j] + new_offset
        if not improved:
            break
    return current


def _prior_offsets(problem):
    """Return ``-log(prior)``, the logit adjustment for balanced accuracy.

    A class absent from the targets gets the offset of the most frequent
    class, the least favoured one.
    """
    prior = problem.class_weight / problem.class_weight.sum()
    offsets = np.full(problem.n_classes, -np.log(prior.max()))
    offsets[problem.present] = -np.log(prior[problem.present])
    return offsets


def fit_offsets_balanced_accuracy(y_index, log_proba, sample_weight=None, *,
                                  max_iter=20):
    """Learn additive class offsets that maximise balanced accuracy.

    The start is whichever is better on the validation data: zero offsets,
    or ``-log(prior)``, the logit adjustment that makes the arg-max
    Bayes-optimal for balanced accuracy when the probabilities are
    calibrated (Menon et al., "Long-tail learning via logit adjustment",
    ICLR 2021). Zero offsets win ties. Coordinate ascent with an exact line
    search per class then improves that start. Every accepted step strictly
    raises the validation balanced accuracy, so the result is never worse
    than zero offsets on the validation data.

    Balanced accuracy is the mean recall over the classes present in
    ``y_index``, as :func:`sklearn.metrics.balanced_accuracy_score` computes.

    Parameters
    ----------
    y_index : array-like of shape (n_samples,)
        Column index of each sample's true class.
    log_proba : array-like of shape (n_samples, n_classes)
        Log-probabilities (for example log-softmax of logits). -inf is
        allowed, NaN and +inf are not.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    max_iter : int, default=20
        Maximum number of coordinate-ascent passes over the classes.

    Returns
    -------
    offsets : ndarray of shape (n_classes,)
        Offsets to add to ``log_proba`` before the arg-max.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._multiclass_search import fit_offsets_balanced_accuracy
    >>> proba = np.array([[0.6, 0.4], [0.7, 0.3], [0.55, 0.45], [0.9, 0.1]])
    >>> offsets = fit_offsets_balanced_accuracy([0, 0, 1, 0], np.log(proba))
    >>> np.argmax(np.log(proba) + offsets, axis=1)
    array([0, 0, 1, 0])
    """
    log_proba = _check_log_proba(log_proba)
    y_index, weight = _check_targets(y_index, sample_weight, *log_proba.shape)
    _check_max_iter(max_iter)
    problem = _Problem(y_index, weight, log_proba.shape[1])

    offsets = np.zeros(log_proba.shape[1])
    prior = _prior_offsets(problem)
    zero_value = _balanced_accuracy(problem, _decide(log_proba, offsets))
    if _balanced_accuracy(problem, _decide(log_proba, prior)) > zero_value:
        offsets = prior
    _coordinate_ascent(problem, log_proba, offsets, "balanced_accuracy", max_iter)
    return offsets


def fit_offsets_macro_f1(y_index, log_proba, sample_weight=None, *, max_iter=20):
    """Learn additive class offsets that maximise macro-F1.

    Coordinate ascent from zero offsets, with an exact line search over one
    class's offset at a time. The decisions change only at the breakpoints
    ``max_other - log_proba[:, j]``, and the F1 of every class after each
    breakpoint comes from cumulative sums. Every accepted step strictly
    raises the validation macro-F1, so the result is never worse than zero
    offsets on the validation data. It is a local optimum.

    Macro-F1 is the mean F1 over all ``n_classes`` columns, with 0 for a
    class that is neither true nor predicted, as
    ``sklearn.metrics.f1_score(y, pred, labels=range(n_classes),
    average="macro", zero_division=0)`` computes.

    Parameters
    ----------
    y_index : array-like of shape (n_samples,)
        Column index of each sample's true class.
    log_proba : array-like of shape (n_samples, n_classes)
        Log-probabilities (for example log-softmax of logits). -inf is
        allowed, NaN and +inf are not.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    max_iter : int, default=20
        Maximum number of coordinate-ascent passes over the classes.

    Returns
    -------
    offsets : ndarray of shape (n_classes,)
        Offsets to add to ``log_proba`` before the arg-max.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._multiclass_search import fit_offsets_macro_f1
    >>> proba = np.array([[0.6, 0.4], [0.7, 0.3], [0.55, 0.45], [0.9, 0.1]])
    >>> offsets = fit_offsets_macro_f1([0, 0, 1, 0], np.log(proba))
    >>> np.argmax(np.log(proba) + offsets, axis=1)
    array([0, 0, 1, 0])
    """
    log_proba = _check_log_proba(log_proba)
    y_index, weight = _check_targets(y_index, sample_weight, *log_proba.shape)
    _check_max_iter(max_iter)
    problem = _Problem(y_index, weight, log_proba.shape[1])
    offsets = np.zeros(log_proba.shape[1])
    _coordinate_ascent(problem, log_proba, offsets, "macro_f1", max_iter)
    return offsets


# ---------------------------------------------------------------------------
# Reject threshold
# ---------------------------------------------------------------------------


def fit_reject_threshold(max_proba, coverage, *, sample_weight=None):
    """Find the reject threshold that accepts a target fraction of rows.

    A row is accepted when its top probability is ``>=`` the threshold. The
    threshold returned is the highest observed top probability whose
    accepted (weighted) fraction is at least ``coverage``. So the accepted
    fraction is the smallest achievable one that is ``>= coverage``: it
    exceeds ``coverage`` when rows tie at the threshold, because tied rows
    are all accepted.

    Parameters
    ----------
    max_proba : array-like of shape (n_samples,)
        Top class probability of each validation row, in [0, 1].
    coverage : float
        Target fraction of accepted rows, in (0, 1].
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights. The accepted fraction is weighted.

    Returns
    -------
    threshold : float
        Threshold in probability units. ``coverage=1`` gives the lowest top
        probability, so every row is accepted.

    Examples
    --------
    >>> from sklabel._multiclass_search import fit_reject_threshold
    >>> fit_reject_threshold([0.9, 0.8, 0.8, 0.6, 0.5], coverage=0.4)
    0.8
    >>> fit_reject_threshold([0.9, 0.8, 0.8, 0.6, 0.5], coverage=0.2)
    0.9
    """
    max_proba = np.asarray(max_proba, dtype=np.float64)
    if max_proba.ndim != 1 or max_proba.size == 0:
        raise ValueError(
            f"max_proba must be a non-empty 1-D array, got shape {max_proba.shape}."
        )
    if not np.all(np.isfinite(max_proba)) or (max_proba < 0).any() or (
        max_proba > 1
    ).any():
        raise ValueError(
            "max_proba must contain probabilities in [0, 1], without NaN or inf."
        )
    is_real = isinstance(coverage, numbers.Real) and not isinstance(coverage, bool)
    if not (is_real and 0 < coverage <= 1):
        raise ValueError(f"coverage={coverage!r} is invalid. Pass a number in (0, 1].")
    weight = _check_weight(sample_weight, max_proba.size)

    order = np.argsort(-max_proba, kind="stable")
    fraction = np.cumsum(weight[order]) / weight.sum()
    first = int(np.argmax(fraction >= coverage))
    return float(max_proba[order][first])
