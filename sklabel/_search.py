"""Exact threshold search over confusion counts, per class or averaged.

Decision rule: a sample is positive for a class when its score is ``>=`` the
class's cut, so a tie is positive. The candidate cuts of a class are "predict
nothing" and, for every distinct score value ``v_i`` of the class (sorted in
decreasing order), "predict ``s >= v_i``". The cut returned for the candidate
``v_i`` is the float64 midpoint between ``v_i`` and the next lower distinct
value ``v_{i+1}``. When the midpoint rounds to one of them, the cut is ``v_i``
itself. The candidate of the lowest distinct value gets the cut ``-inf``
(every sample positive) and "predict nothing" gets ``+inf``.

Cuts are float64, in the units of the scores (probabilities or logits).
Compare float32 scores with them in float64, which NumPy does by default: a
midpoint between two adjacent float32 values rounds to one of them when it is
cast to float32.

Ties in the objective go to the highest cut, that is the fewest positives.
Rows whose sample weight is 0 are dropped before the search, as in
:func:`sklearn.metrics.confusion_matrix_at_thresholds`, so their scores are not
candidates.
"""

import numbers
import sys
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ._objectives import resolve_objective

__all__ = [
    "SearchResult",
    "averaged_objective",
    "class_curves",
    "counts_at_cuts",
    "fallback_to_default",
    "result_from_curves",
    "search_thresholds",
    "search_thresholds_micro",
    "search_thresholds_samples",
]

# Memory budgets, fixed here and not read from the machine. A block of
# classes is transposed to one C-contiguous row per class (score and label,
# 5 or 9 bytes per (sample, class) pair) within _BLOCK_MEMORY_BYTES. Its
# classes are then sorted and scored a few at a time, so that each float64
# work array (cumulative counts, objective temporaries) has about
# _WORK_ARRAY_BYTES. Such small arrays stay in cache: on a 2-core AMD EPYC
# machine, 1-class work blocks were about 20% faster than 16-class ones. The
# peak extra memory is the block plus the work arrays, 70 MiB in all for a
# 100,000 x 1,000 float32 matrix (benchmarks/bench_fit_multilabel.py).
_BLOCK_MEMORY_BYTES = 64 * 2**20
_WORK_ARRAY_BYTES = 2**20
# Size of the row chunks through which a block of columns is transposed. A
# strided read of a whole column touches one memory page per row and is
# several times slower.
_TRANSPOSE_CHUNK_BYTES = 256 * 2**10

# The float32 fast paths pack a score's 32-bit sort key, and below it either
# the label bit or the row index, into one 64-bit word. The words are sorted
# as float64, which NumPy 2.4 sorts about 1.5 times as fast as uint64 on an
# AVX2 machine. Bit 61 is always set and bit 62 never, so each word is a
# positive, normal, finite float64. The float order then equals the unsigned
# order of the bits, even where a library has set the CPU to treat subnormal
# numbers as zero.
_NORMAL_BIT = np.uint64(1 << 61)
_MAX_PACKED_BITS = 61
_LABEL_SHIFT = 24


class SearchResult(NamedTuple):
    """Per-class result of a threshold search.

    Attributes
    ----------
    cuts : ndarray of shape (n_classes,)
        Chosen cuts, float64, in score units. ``+inf`` predicts nothing and
        ``-inf`` predicts every sample.
    values : ndarray of shape (n_classes,)
        The objective on each class's own counts at its cut. For a constraint
        objective, the score being maximised (recall or precision), whether
        or not the constraint holds.
    degenerate : ndarray of shape (n_classes,)
        True for a class with no positive or no negative weight.
    infeasible : ndarray of shape (n_classes,)
        True where no cut meets the objective's constraint. The cut is then
        ``+inf``.
    average_value : float
        The averaged objective at the cuts: the mean of ``values`` for the
        per-class search, the pooled objective for the micro average and the
        mean per-row F1 for the samples average.
    n_iter : int
        Number of coordinate-ascent passes run (0 for the per-class search).
    """

    cuts: np.ndarray
    values: np.ndarray
    degenerate: np.ndarray
    infeasible: np.ndarray
    average_value: float
    n_iter: int


# ---------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------


class _Inputs(NamedTuple):
    Y: object  # ndarray (n, k) or CSC matrix
    S: np.ndarray  # (n, k) float32 or float64
    weight: np.ndarray | None  # (n,) float64, or None for unit weights
    keep: np.ndarray | None  # rows with positive weight, or None for all rows


def _prepare_inputs(Y, S, sample_weight):
    """Check shapes and convert dtypes.

    The values (0/1 labels, finite scores) are not checked.
    """
    S = np.asarray(S)
    if S.dtype not in (np.float32, np.float64):
        S = S.astype(np.float64)
    if S.ndim != 2:
        raise ValueError(
            f"The score matrix must be 2-D (n_samples, n_classes), got shape {S.shape}."
        )
    Y = Y.tocsc() if sp.issparse(Y) else np.asarray(Y)
    if Y.shape != S.shape:
        raise ValueError(
            f"The indicator matrix has shape {Y.shape} but the score matrix has "
            f"shape {S.shape}. Pass one score per (sample, class) pair."
        )
    if sample_weight is None:
        return _Inputs(Y, S, None, None)
    weight = np.asarray(sample_weight, dtype=np.float64)
    if weight.shape != (S.shape[0],):
        raise ValueError(
            f"sample_weight has shape {weight.shape}, expected ({S.shape[0]},)."
        )
    keep = None if np.all(weight > 0) else np.flatnonzero(weight > 0)
    return _Inputs(Y, S, weight, keep)


def _block_widths(n_rows, itemsize):
    """Return the number of classes per transposed block and per work block."""
    block = max(1, _BLOCK_MEMORY_BYTES // ((itemsize + 1) * max(n_rows, 1)))
    work = max(1, _WORK_ARRAY_BYTES // (8 * (n_rows + 1)))
    return block, min(work, block)


def _transposed_block(matrix, start, stop, keep, dtype):
    """Return columns ``start:stop`` (rows ``keep``) as a (b, n) C-contiguous array.

    Labels (``dtype=uint8``) become 0/1 and scores are copied with -0.0
    turned into +0.0, so that both zeros get the same sort key.
    """
    if sp.issparse(matrix):
        matrix, start, stop = matrix[:, start:stop].toarray(), 0, stop - start
    n_rows = matrix.shape[0] if keep is None else keep.size
    out = np.empty((stop - start, n_rows), dtype=dtype)
    chunk_rows = max(1, _TRANSPOSE_CHUNK_BYTES // (8 * (stop - start)))
    for row in range(0, n_rows, chunk_rows):
        rows = slice(row, row + chunk_rows)
        chunk = matrix[rows if keep is None else keep[rows], start:stop]
        if dtype == np.uint8:
            np.not_equal(chunk.T, 0, out=out[:, rows].view(np.bool_))
        else:
            np.add(chunk.T, 0, out=out[:, rows], dtype=dtype)
    return out


def _iter_blocks(inputs):
    """Yield ``(start, stop, counts)`` for consecutive small blocks of classes."""
    Y, S, weight, keep = inputs
    n_rows = S.shape[0] if keep is None else keep.size
    block_width, work_width = _block_widths(n_rows, S.dtype.itemsize)
    kept_weight = weight if keep is None else weight[keep]
    for block_start in range(0, S.shape[1], block_width):
        block_stop = min(block_start + block_width, S.shape[1])
        scores = _transposed_block(S, block_start, block_stop, keep, S.dtype)
        labels = _transposed_block(Y, block_start, block_stop, keep, np.uint8)
        for start in range(0, block_stop - block_start, work_width):
            stop = min(start + work_width, block_stop - block_start)
            counts = _sorted_counts(scores[start:stop], labels[start:stop], kept_weight)
            yield block_start + start, block_start + stop, counts
        # Free this block before the next one is allocated.
        del scores, labels, counts


# ---------------------------------------------------------------------------
# Sorting one block and accumulating counts
# ---------------------------------------------------------------------------


class _BlockCounts(NamedTuple):
    """Cumulative counts of a block of classes, rows sorted by decreasing score.

    Column ``c`` of ``tp`` and ``fp`` is the weight of the positives and
    negatives among the top ``c`` rows, so column 0 is "predict nothing".
    ``is_candidate[:, c]`` is True when the top ``c`` rows are exactly the rows
    with score ``>=`` some value, that is at ``c = 0`` and at the last row of
    each run of equal scores. ``scores_at(rows, positions)`` returns the
    float64 scores of block rows ``rows`` at sorted positions ``positions``
    (two broadcastable integer arrays, position 0 is the highest score).
    """

    tp: np.ndarray
    fp: np.ndarray
    is_candidate: np.ndarray
    positives: np.ndarray
    negatives: np.ndarray
    scores_at: object


def _descending_key32(scores):
    """Map float32 scores to uint32 keys whose increasing order is decreasing score.

    -0.0 must already be +0.0, so that both zeros get the same key.
    """
    bits = scores.view(np.uint32)
    # Non-negative floats: flip every bit but the sign. Negative floats: keep
    # the bits. The sign bit then sorts negatives last.
    flip = np.right_shift(bits, 31)
    flip -= np.uint32(1)
    flip >>= np.uint32(1)
    flip ^= bits
    return flip


def _decode_key32(keys):
    """Invert :func:`_descending_key32`, returning float64 scores."""
    keys = keys.astype(np.uint32)
    positive = np.right_shift(keys, 31) == 0
    bits = np.where(positive, keys ^ np.uint32(0x7FFFFFFF), keys)
    return bits.view(np.float32).astype(np.float64)


def _packed_keys(scores, low_bits, low_width):
    """Pack the descending key of float32 ``scores`` above ``low_width`` low bits."""
    keys = _descending_key32(scores).astype(np.uint64)
    keys <<= np.uint64(low_width)
    low_bits |= _NORMAL_BIT
    keys |= low_bits
    return keys


def _candidate_mask(n_classes, n_rows):
    """Allocate the (b, n + 1) candidate mask with its two always-true columns."""
    mask = np.empty((n_classes, n_rows + 1), dtype=bool)
    mask[:, 0] = True
    mask[:, n_rows] = True
    return mask


def _counts_packed_labels(scores, labels):
    """Sort a float32 block with unit weights, packing each label into its key."""
    n_classes, n_rows = scores.shape
    label_bits = np.left_shift(labels, _LABEL_SHIFT, dtype=np.uint64)
    keys = _packed_keys(scores, label_bits, _LABEL_SHIFT + 1)
    del label_bits
    keys.view(np.float64).sort(axis=1)

    # The label is bit 24 of each word: the low bit of its fourth byte in
    # little-endian order.
    byte = _LABEL_SHIFT // 8 if sys.byteorder == "little" else 7 - _LABEL_SHIFT // 8
    sorted_labels = keys.view(np.uint8)[:, byte::8] & np.uint8(1)
    tp = np.empty((n_classes, n_rows + 1))
    tp[:, 0] = 0.0
    np.cumsum(sorted_labels, axis=1, dtype=np.float64, out=tp[:, 1:])
    del sorted_labels
    fp = np.arange(n_rows + 1, dtype=np.float64) - tp

    is_candidate = _candidate_mask(n_classes, n_rows)
    changes = np.bitwise_xor(keys[:, 1:], keys[:, :-1])
    np.greater_equal(
        changes, np.uint64(1 << (_LABEL_SHIFT + 1)), out=is_candidate[:, 1:n_rows]
    )
    del changes

    def scores_at(rows, positions):
        return _decode_key32(keys[rows, positions] >> np.uint64(_LABEL_SHIFT + 1))

    return tp, fp, is_candidate, scores_at


def _descending_order(scores):
    """Return the (b, n) order of the rows of ``scores`` by decreasing score."""
    n_rows = scores.shape[1]
    index_bits = max(1, (n_rows - 1).bit_length())
    if scores.dtype == np.float32 and 32 + index_bits <= _MAX_PACKED_BITS:
        index = np.broadcast_to(np.arange(n_rows, dtype=np.uint64), scores.shape)
        keys = _packed_keys(scores, index.copy(), index_bits)
        keys.view(np.float64).sort(axis=1)
        keys &= np.uint64((1 << index_bits) - 1)
        return keys.view(np.int64)
    return np.argsort(scores, axis=1)[:, ::-1]


def _counts_by_order(scores, labels, weight):
    """Sort a block by its row order (weighted rows, or float64 scores)."""
    n_classes, n_rows = scores.shape
    order = _descending_order(scores)
    sorted_labels = np.take_along_axis(labels, order, axis=1)
    tp = np.empty((n_classes, n_rows + 1))
    fp = np.empty_like(tp)
    tp[:, 0] = fp[:, 0] = 0.0
    if weight is None:
        np.cumsum(sorted_labels, axis=1, dtype=np.float64, out=tp[:, 1:])
        np.subtract(np.arange(n_rows + 1, dtype=np.float64), tp, out=fp)
    else:
        sorted_weight = weight[order]
        np.cumsum(sorted_weight * sorted_labels, axis=1, out=tp[:, 1:])
        np.cumsum(sorted_weight * (1 - sorted_labels), axis=1, out=fp[:, 1:])
        del sorted_weight
    del sorted_labels

    sorted_scores = np.take_along_axis(scores, order, axis=1)
    del order
    is_candidate = _candidate_mask(n_classes, n_rows)
    np.not_equal(
        sorted_scores[:, 1:], sorted_scores[:, :-1], out=is_candidate[:, 1:n_rows]
    )

    def scores_at(rows, positions):
        return sorted_scores[rows, positions].astype(np.float64)

    return tp, fp, is_candidate, scores_at


def _sorted_counts(scores, labels, weight):
    """Sort a (b, n) block of scores per class and accumulate weighted counts."""
    if scores.dtype == np.float32 and weight is None:
        tp, fp, is_candidate, scores_at = _counts_packed_labels(scores, labels)
    else:
        tp, fp, is_candidate, scores_at = _counts_by_order(scores, labels, weight)
    return _BlockCounts(
        tp, fp, is_candidate, tp[:, -1].copy(), fp[:, -1].copy(), scores_at
    )


# ---------------------------------------------------------------------------
# Choosing the best candidate
# ---------------------------------------------------------------------------


def _score_candidates(objective, tp, fp, positives, negatives):
    """Return (score, feasible, tiebreak) of every candidate from its counts."""
    fn = positives - tp
    tn = negatives - fp
    score = objective.score(tp, fp, fn, tn)
    feasible = objective.feasible(tp, fp, fn, tn)
    tiebreak = objective.tiebreak(tp, fp, fn, tn)
    return score, feasible, tiebreak


def _select_best(score, feasible, tiebreak, is_candidate):
    """Return the best candidate index along the last axis and whether one is feasible.

    The best candidate has the highest score among the feasible candidates,
    then the highest tiebreak, then the lowest index (the highest cut).
    ``score`` is overwritten.
    """
    allowed = is_candidate if feasible is None else is_candidate & feasible
    np.copyto(score, -np.inf, where=~allowed)
    found = allowed.any(axis=-1)
    if tiebreak is None:
        return score.argmax(axis=-1), found
    best = score.max(axis=-1, keepdims=True)
    tied = allowed & (score == best)
    np.copyto(tiebreak, -np.inf, where=~tied)
    return tiebreak.argmax(axis=-1), found


def _midpoint_cuts(upper, lower):
    """Return cuts strictly between ``upper`` and ``lower``, or ``upper`` itself."""
    upper = np.asarray(upper, dtype=np.float64)
    lower = np.asarray(lower, dtype=np.float64)
    middle = 0.5 * upper + 0.5 * lower
    between = (middle > lower) & (middle < upper)
    return np.where(between, middle, upper)


def _cuts_from_positions(rows, positions, n_rows, scores_at):
    """Convert candidate positions (number of top rows predicted) to cuts.

    ``rows`` and ``positions`` are broadcastable index arrays into the block.
    Position 0 gives ``+inf`` and ``n_rows`` gives ``-inf``.
    """
    positions = np.asarray(positions)
    if n_rows == 0:
        return np.full(np.broadcast(rows, positions).shape, np.inf)
    upper_index = np.clip(positions - 1, 0, n_rows - 1)
    lower_index = np.clip(positions, 0, n_rows - 1)
    cuts = _midpoint_cuts(scores_at(rows, upper_index), scores_at(rows, lower_index))
    cuts[positions == n_rows] = -np.inf
    cuts[positions == 0] = np.inf
    return cuts


def _search_block(objective, counts):
    """Return the best positions, values and infeasible mask of one block."""
    score, feasible, tiebreak = _score_candidates(
        objective, counts.tp, counts.fp, counts.positives[:, None],
        counts.negatives[:, None],
    )
    best, found = _select_best(score, feasible, tiebreak, counts.is_candidate)
    del score, feasible, tiebreak
    best[~found] = 0

    rows = np.arange(best.size)
    tp, fp = counts.tp[rows, best], counts.fp[rows, best]
    values = objective.score(tp, fp, counts.positives - tp, counts.negatives - fp)
    return best, values, ~found


def search_thresholds(Y, S, objective, *, sample_weight=None):
    """Find the exact best cut of each class for an objective.

    Each class's scores are sorted once in decreasing order, the weighted
    confusion counts of every candidate cut come from cumulative sums, and
    the objective is evaluated at every candidate at once. Classes are
    processed in blocks of columns whose width comes from a fixed memory
    budget, so the extra memory does not grow with the number of classes.

    Parameters
    ----------
    Y : {ndarray, sparse matrix} of shape (n_samples, n_classes)
        0/1 indicator matrix of the true labels (bool or integer, dense or
        scipy sparse). Any non-zero entry counts as a positive. Values are
        not validated here.
    S : ndarray of shape (n_samples, n_classes)
        Scores, float32 or float64 (other dtypes are converted to float64).
        They must be finite.
    objective : str, callable or Objective
        The objective to maximise, see
        :func:`sklabel._objectives.resolve_objective`. A name or callable is
        resolved without parameters.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights. Rows of weight 0 are ignored.

    Returns
    -------
    result : SearchResult
        ``cuts`` in score units, ``values`` of the objective at the cuts,
        and the ``degenerate`` and ``infeasible`` masks. The caller decides
        what to do with degenerate classes: here they get the cut that
        maximises the objective like any other class.

    Notes
    -----
    As in :func:`sklearn.metrics.confusion_matrix_at_thresholds`, ``fn`` and
    ``tn`` are the class totals minus the cumulative ``tp`` and ``fp``, so
    they carry a rounding error of about ``1e-16`` times the total weight.
    With float weights of very different magnitudes this can change an
    objective that divides by a small ``tn`` or ``fn``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._search import search_thresholds
    >>> Y = np.array([[1, 0], [1, 1], [0, 1], [0, 0]])
    >>> S = np.array([[0.9, 0.1], [0.6, 0.8], [0.4, 0.7], [0.2, 0.3]])
    >>> result = search_thresholds(Y, S, "f1")
    >>> result.cuts
    array([0.5, 0.5])
    >>> result.values
    array([1., 1.])
    """
    objective = resolve_objective(objective)
    inputs = _prepare_inputs(Y, S, sample_weight)
    n_classes = inputs.S.shape[1]
    cuts = np.empty(n_classes)
    values = np.empty(n_classes)
    degenerate = np.empty(n_classes, dtype=bool)
    infeasible = np.empty(n_classes, dtype=bool)

    for start, stop, counts in _iter_blocks(inputs):
        best, values[start:stop], infeasible[start:stop] = _search_block(
            objective, counts
        )
        n_rows = counts.tp.shape[1] - 1
        rows = np.arange(stop - start)
        cuts[start:stop] = _cuts_from_positions(rows, best, n_rows, counts.scores_at)
        degenerate[start:stop] = (counts.positives <= 0) | (counts.negatives <= 0)
        del counts

    average = float(values.mean()) if n_classes else 0.0
    return SearchResult(cuts, values, degenerate, infeasible, average, 0)


# ---------------------------------------------------------------------------
# Curves and counts at given cuts
# ---------------------------------------------------------------------------


def _candidate_tables(inputs):
    """Return each class's candidate cuts and counts, highest cut first.

    Each entry is a dict with ``cuts`` (``+inf`` first, ``-inf`` last when
    the class has rows), ``values`` (the distinct scores, one fewer than the
    cuts), ``tp``, ``fp``, and the class totals ``positives`` and
    ``negatives``.
    """
    tables = []
    for _start, _stop, counts in _iter_blocks(inputs):
        n_rows = counts.tp.shape[1] - 1
        for row in range(counts.tp.shape[0]):
            positions = np.flatnonzero(counts.is_candidate[row])
            table = {
                "cuts": _cuts_from_positions(row, positions, n_rows, counts.scores_at),
                "values": counts.scores_at(row, positions[1:] - 1),
                "tp": counts.tp[row, positions],
                "fp": counts.fp[row, positions],
                "positives": counts.positives[row],
                "negatives": counts.negatives[row],
            }
            tables.append(table)
    return tables


def class_curves(Y, S, objective, *, sample_weight=None):
    """Compute every candidate cut of each class, the objective there and the best.

    Parameters
    ----------
    Y : {ndarray, sparse matrix} of shape (n_samples, n_classes)
        0/1 indicator matrix of the true labels.
    S : ndarray of shape (n_samples, n_classes)
        Finite scores, float32 or float64.
    objective : str, callable or Objective
        The objective to evaluate.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights. Rows of weight 0 are ignored.

    Returns
    -------
    curves : list of dict
        One dict per class. Arrays over its candidate cuts, highest cut
        first: ``cuts`` (score units, ``+inf`` first, ``-inf`` last), ``tp``,
        ``fp``, ``fn``, ``tn`` (weighted counts), ``score`` (the objective)
        and ``feasible`` (for a constraint objective, else None). Also
        ``values``, the distinct scores of the class in decreasing order,
        ``best``, the index of the candidate that :func:`search_thresholds`
        chooses, and ``infeasible``, True when no candidate meets the
        constraint (``best`` is then 0). The memory is about 56 bytes per
        distinct (sample, class) score.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._search import class_curves
    >>> curve = class_curves(np.array([[1], [0], [1]]),
    ...                      np.array([[0.8], [0.4], [0.3]]), "f1")[0]
    >>> curve["cuts"]
    array([ inf, 0.6 , 0.35, -inf])
    >>> curve["score"]
    array([0.        , 0.66666667, 0.5       , 0.8       ])
    >>> int(curve["best"])
    3
    """
    objective = resolve_objective(objective)
    inputs = _prepare_inputs(Y, S, sample_weight)
    curves = []
    for table in _candidate_tables(inputs):
        tp, fp = table["tp"], table["fp"]
        fn, tn = table["positives"] - tp, table["negatives"] - fp
        score, feasible, tiebreak = _score_candidates(
            objective, tp, fp, table["positives"], table["negatives"]
        )
        best, found = _select_best(
            score.copy(), feasible, tiebreak, np.ones(score.shape, dtype=bool)
        )
        curves.append({
            "cuts": table["cuts"], "values": table["values"],
            "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "score": score, "feasible": feasible,
            "best": int(best) if found else 0, "infeasible": not bool(found),
        })
    return curves


def result_from_curves(curves):
    """Build the per-class :class:`SearchResult` from :func:`class_curves` output.

    Parameters
    ----------
    curves : list of dict
        The output of :func:`class_curves`.

    Returns
    -------
    result : SearchResult
        The same result as :func:`search_thresholds` on the same inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._search import class_curves, result_from_curves
    >>> Y, S = np.array([[1], [0], [1]]), np.array([[0.8], [0.4], [0.3]])
    >>> result_from_curves(class_curves(Y, S, "f1")).cuts
    array([-inf])
    """
    cuts = np.array([curve["cuts"][curve["best"]] for curve in curves], dtype=float)
    values = np.array([curve["score"][curve["best"]] for curve in curves], dtype=float)
    positives = np.array([curve["tp"][-1] + curve["fn"][-1] for curve in curves])
    negatives = np.array([curve["fp"][-1] + curve["tn"][-1] for curve in curves])
    degenerate = (positives <= 0) | (negatives <= 0)
    infeasible = np.array([curve["infeasible"] for curve in curves], dtype=bool)
    average = float(values.mean()) if len(curves) else 0.0
    return SearchResult(cuts, values, degenerate, infeasible, average, 0)


def counts_at_cuts(Y, S, cuts, *, sample_weight=None):
    """Count the weighted confusion matrix of each class at given cuts.

    Parameters
    ----------
    Y : {ndarray, sparse matrix} of shape (n_samples, n_classes)
        0/1 indicator matrix of the true labels.
    S : ndarray of shape (n_samples, n_classes)
        Scores, in the units of ``cuts``.
    cuts : array-like of shape (n_classes,)
        Cut of each class: a sample is positive when its score is ``>=`` the
        cut.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.

    Returns
    -------
    tp, fp, fn, tn : ndarray of shape (n_classes,)
        Weighted counts, float64.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._search import counts_at_cuts
    >>> counts_at_cuts(np.array([[1], [0], [1]]), np.array([[0.8], [0.4], [0.3]]),
    ...                [0.35])
    (array([1.]), array([1.]), array([1.]), array([0.]))
    """
    inputs = _prepare_inputs(Y, S, sample_weight)
    cuts = np.asarray(cuts, dtype=np.float64)
    n_rows, n_classes = inputs.S.shape
    weight = np.ones(n_rows) if inputs.weight is None else inputs.weight
    counts = np.empty((4, n_classes))
    block_width, _ = _block_widths(n_rows, 8)
    for start in range(0, n_classes, block_width):
        stop = min(start + block_width, n_classes)
        scores = _transposed_block(inputs.S, start, stop, None, inputs.S.dtype)
        truth = _transposed_block(inputs.Y, start, stop, None, np.uint8).view(bool)
        predicted = scores >= cuts[start:stop, None]
        del scores
        # Four direct sums, so that an empty cell is exactly 0.
        for row, cell in enumerate((predicted & truth, predicted & ~truth,
                                    ~predicted & truth, ~predicted & ~truth)):
            counts[row, start:stop] = cell @ weight
    return tuple(counts)


def fallback_to_default(cuts, values, degenerate, infeasible, default_cut, *,
                        min_objective=None):
    """Replace the learned cut by a default one where it cannot be trusted.

    A class falls back to ``default_cut`` when it is degenerate (no positive
    or no negative weight), or when ``min_objective`` is given and the best
    objective value found for the class is below it. The second rule follows
    the rare-class heuristic of the SCutFBR strategy (R.-E. Fan and C.-J.
    Lin, "A study on threshold selection for multi-label classification",
    National Taiwan University, 2007). A threshold that reaches only a poor
    validation value is likely fitted to a few samples, so it is not used.
    NOTE: the paper's own fallback may be another threshold than the default
    one used here. A class whose constraint is not met (``infeasible``) keeps
    its ``+inf`` cut.

    Parameters
    ----------
    cuts : ndarray of shape (n_classes,)
        Learned cuts, in score units.
    values : ndarray of shape (n_classes,)
        Objective value of each class at its learned cut.
    degenerate : ndarray of shape (n_classes,)
        Mask of classes with no positive or no negative weight.
    infeasible : ndarray of shape (n_classes,)
        Mask of classes whose constraint no cut meets.
    default_cut : float or ndarray of shape (n_classes,)
        Default cut, in score units.
    min_objective : float or None, default=None
        Floor on the objective value. None disables the rule.

    Returns
    -------
    cuts : ndarray of shape (n_classes,)
        The cuts, with fallback classes at ``default_cut``.
    fallback : ndarray of shape (n_classes,)
        Mask of the classes that fell back to the default.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._search import fallback_to_default
    >>> cuts, fallback = fallback_to_default(
    ...     np.array([0.3, 0.7, 0.2]), np.array([0.9, 0.1, 0.0]),
    ...     np.array([False, False, True]), np.array([False, False, False]),
    ...     0.5, min_objective=0.2)
    >>> cuts
    array([0.3, 0.5, 0.5])
    >>> fallback
    array([False,  True,  True])
    """
    fallback = np.asarray(degenerate, dtype=bool).copy()
    if min_objective is not None:
        fallback |= (np.asarray(values) < min_objective) & ~np.asarray(infeasible)
    cuts = np.where(fallback, default_cut, cuts).astype(np.float64)
    return cuts, fallback


# ---------------------------------------------------------------------------
# Shared helpers of the coupled (micro and samples) searches
# ---------------------------------------------------------------------------


def _drop_zero_weight_rows(inputs):
    """Return the inputs restricted to the rows of positive weight."""
    if inputs.keep is None:
        return inputs
    Y = inputs.Y[inputs.keep]
    return _Inputs(Y, inputs.S[inputs.keep], inputs.weight[inputs.keep], None)


def _check_coupled_options(max_iter, fixed_cuts, n_classes):
    """Validate ``max_iter`` and return the mask and values of ``fixed_cuts``."""
    if not isinstance(max_iter, numbers.Integral) or max_iter < 0:
        raise ValueError(
            f"max_iter={max_iter!r} is invalid. Pass a non-negative integer "
            "number of coordinate-ascent passes."
        )
    if fixed_cuts is None:
        return np.zeros(n_classes, dtype=bool), np.full(n_classes, np.nan)
    fixed_cuts = np.asarray(fixed_cuts, dtype=np.float64)
    if fixed_cuts.shape != (n_classes,):
        raise ValueError(
            f"fixed_cuts has shape {fixed_cuts.shape}, expected ({n_classes},). "
            "Pass one cut per class, NaN for the classes to optimise."
        )
    return ~np.isnan(fixed_cuts), fixed_cuts


def _index_of_cut(table, cut):
    """Return the candidate index of ``cut``: its number of distinct scores >= cut."""
    return int(np.count_nonzero(table["values"] >= cut))


def _candidate_key(score, feasible, tiebreak, index):
    """Return the (feasible, score, tiebreak) key of one candidate, for comparisons."""
    is_feasible = True if feasible is None else bool(feasible[index])
    second = 0.0 if tiebreak is None else float(tiebreak[index])
    return is_feasible, float(score[index]), second


def _line_search(objective, tp, fp, positives, negatives, current):
    """Return the best candidate index of one coordinate, or ``current``.

    ``tp`` and ``fp`` are the pooled counts of every candidate of the
    coordinate. The best candidate replaces ``current`` only when it is
    strictly better, so that the ascent never cycles.
    """
    score, feasible, tiebreak = _score_candidates(
        objective, tp, fp, positives, negatives
    )
    current_key = _candidate_key(score, feasible, tiebreak, current)
    best, found = _select_best(
        score.copy(), feasible, None if tiebreak is None else tiebreak.copy(),
        np.ones(score.shape, dtype=bool),
    )
    if not found:
        return current
    best_key = _candidate_key(score, feasible, tiebreak, int(best))
    return int(best) if best_key > current_key else current


# ---------------------------------------------------------------------------
# Micro average
# ---------------------------------------------------------------------------


def _pooled_counts(inputs, free):
    """Sort the scores of the free classes as one pooled column."""
    S = inputs.S[:, free]
    scores = np.add(S, 0, dtype=S.dtype).reshape(1, -1)
    Y = inputs.Y[:, free]
    labels = (Y.toarray() if sp.issparse(Y) else np.asarray(Y)) != 0
    labels = labels.view(np.uint8).reshape(1, -1)
    weight = None if inputs.weight is None else np.repeat(inputs.weight, free.size)
    return _sorted_counts(scores, labels, weight)


def _best_shared_cut(objective, inputs, free, fixed_tp, fixed_fp, positives, negatives):
    """Find the exact best cut shared by the free classes, the others held fixed.

    ``positives`` and ``negatives`` are pooled over every class. Returns
    ``+inf`` when no shared cut meets the constraint.
    """
    counts = _pooled_counts(inputs, free)
    score, feasible, tiebreak = _score_candidates(
        objective, counts.tp + fixed_tp, counts.fp + fixed_fp, positives, negatives
    )
    best, found = _select_best(score, feasible, tiebreak, counts.is_candidate)
    if not found[0]:
        return np.inf
    n_rows = counts.tp.shape[1] - 1
    return float(_cuts_from_positions(0, best[0], n_rows, counts.scores_at))


def _micro_start(objective, inputs, tables, free, fixed, fixed_cuts):
    """Return the starting candidate index of every class."""
    index = np.zeros(len(tables), dtype=np.intp)
    for j in np.flatnonzero(fixed):
        index[j] = _index_of_cut(tables[j], fixed_cuts[j])
    if free.size == 0:
        return index
    fixed_tp = sum(tables[j]["tp"][index[j]] for j in np.flatnonzero(fixed))
    fixed_fp = sum(tables[j]["fp"][index[j]] for j in np.flatnonzero(fixed))
    positives = sum(table["positives"] for table in tables)
    negatives = sum(table["negatives"] for table in tables)
    shared_cut = _best_shared_cut(
        objective, inputs, free, fixed_tp, fixed_fp, positives, negatives
    )
    for j in free:
        index[j] = _index_of_cut(tables[j], shared_cut)
    return index


def _micro_ascent(objective, tables, index, free, max_iter):
    """Run coordinate ascent on the pooled counts and return the number of passes.

    ``index`` is updated in place.
    """
    tp = np.array([table["tp"][i] for table, i in zip(tables, index)])
    fp = np.array([table["fp"][i] for table, i in zip(tables, index)])
    positives = sum(table["positives"] for table in tables)
    negatives = sum(table["negatives"] for table in tables)
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        improved = False
        for j in free:
            table = tables[j]
            pooled_tp = tp.sum() - tp[j] + table["tp"]
            pooled_fp = fp.sum() - fp[j] + table["fp"]
            new = _line_search(objective, pooled_tp, pooled_fp, positives, negatives,
                               int(index[j]))
            if new != index[j]:
                index[j], tp[j], fp[j] = new, table["tp"][new], table["fp"][new]
                improved = True
        if not improved:
            break
    return n_iter


def search_thresholds_micro(Y, S, objective, *, sample_weight=None, max_iter=20,
                            fixed_cuts=None):
    """Find per-class cuts that maximise a micro-averaged objective.

    The micro average pools the confusion counts of all classes before the
    objective is computed. The search runs in two deterministic steps:

    1. the exact best cut shared by all classes, found by one sort of the
       pooled scores;
    2. coordinate ascent from that start, one class at a time in column
       order. Each step is an exact line search over the class's own
       candidate cuts with the other classes' counts held fixed, and moves
       only to a strictly better cut (the highest such cut on ties). The
       ascent stops after a pass that changes nothing, or after
       ``max_iter`` passes.

    The result is never worse than the best shared cut, but it is a local
    optimum, because the exact joint optimum is a combinatorial problem.

    Parameters
    ----------
    Y : {ndarray, sparse matrix} of shape (n_samples, n_classes)
        0/1 indicator matrix of the true labels.
    S : ndarray of shape (n_samples, n_classes)
        Finite scores, float32 or float64.
    objective : str, callable or Objective
        The objective to maximise on the pooled counts.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights. Rows of weight 0 are ignored.
    max_iter : int, default=20
        Maximum number of coordinate-ascent passes over the classes. 0 keeps
        the shared cut.
    fixed_cuts : array-like of shape (n_classes,), default=None
        Cuts (score units) of classes held fixed, NaN for the classes to
        optimise. None optimises every class.

    Returns
    -------
    result : SearchResult
        ``values`` contains the objective on each class's own counts, and
        ``average_value`` the objective on the pooled counts. When no
        configuration reached meets the constraint, every optimised class
        gets ``+inf`` and is marked ``infeasible``.

    Notes
    -----
    The pooled sort copies the scores of the optimised classes, and every
    class keeps a table of its candidate cuts and counts, so the memory is
    about 40 bytes per (sample, class) pair.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._search import search_thresholds_micro
    >>> Y = np.array([[1, 0], [1, 1], [0, 1], [0, 0]])
    >>> S = np.array([[0.9, 0.1], [0.6, 0.8], [0.4, 0.7], [0.2, 0.3]])
    >>> result = search_thresholds_micro(Y, S, "f1")
    >>> result.cuts, result.average_value
    (array([0.5, 0.5]), 1.0)
    """
    objective = resolve_objective(objective)
    inputs = _drop_zero_weight_rows(_prepare_inputs(Y, S, sample_weight))
    n_classes = inputs.S.shape[1]
    fixed, fixed_cuts = _check_coupled_options(max_iter, fixed_cuts, n_classes)
    free = np.flatnonzero(~fixed)
    tables = _candidate_tables(inputs)

    index = _micro_start(objective, inputs, tables, free, fixed, fixed_cuts)
    n_iter = _micro_ascent(objective, tables, index, free, max_iter)
    return _micro_result(objective, tables, index, free, fixed_cuts, n_iter)


def _pooled_counts_at(tp, fp, positives, negatives):
    """Return the pooled (tp, fp, fn, tn) of per-class counts."""
    return tp.sum(), fp.sum(), positives.sum() - tp.sum(), negatives.sum() - fp.sum()


def _micro_result(objective, tables, index, free, fixed_cuts, n_iter):
    """Assemble the micro search result from the final candidate indices."""
    tp = np.array([table["tp"][i] for table, i in zip(tables, index)])
    fp = np.array([table["fp"][i] for table, i in zip(tables, index)])
    positives = np.array([table["positives"] for table in tables])
    negatives = np.array([table["negatives"] for table in tables])
    infeasible = np.zeros(len(tables), dtype=bool)
    feasible = objective.feasible(*_pooled_counts_at(tp, fp, positives, negatives))
    if feasible is not None and not feasible:
        index[free] = 0
        tp[free] = fp[free] = 0.0
        infeasible[free] = True
    pooled = _pooled_counts_at(tp, fp, positives, negatives)

    cuts = fixed_cuts.copy()
    cuts[free] = [tables[j]["cuts"][index[j]] for j in free]
    values = objective.score(tp, fp, positives - tp, negatives - fp)
    degenerate = (positives <= 0) | (negatives <= 0)
    average = float(objective.score(*pooled))
    return SearchResult(cuts, values, degenerate, infeasible, average, n_iter)


# ---------------------------------------------------------------------------
# Samples average (example-based F1)
# ---------------------------------------------------------------------------


class _RowState(NamedTuple):
    """Per-row counts of the current decisions: true, predicted and both."""

    n_true: np.ndarray
    n_predicted: np.ndarray
    n_both: np.ndarray


def _row_f1(n_true, n_predicted, n_both):
    """Compute the F1 of each row, 1 for a row with no true and no predicted label."""
    denominator = n_true + n_predicted
    f1 = np.ones(denominator.shape)
    np.divide(2.0 * n_both, denominator, out=f1, where=denominator > 0)
    return f1


def _sorted_column(column):
    """Sort one class's scores in decreasing order.

    Returns the sorted scores, the row order and the candidate mask.
    """
    if column.dtype == np.float32:
        column = column + np.float32(0.0)
    order = _descending_order(column[None, :])[0]
    sorted_scores = column[order]
    is_candidate = _candidate_mask(1, column.size)[0]
    np.not_equal(sorted_scores[1:], sorted_scores[:-1], out=is_candidate[1:-1])
    return sorted_scores, order, is_candidate


def _samples_gain(rows, labels, predicted, weight):
    """Return each row's weighted F1 gain when it becomes positive for one class.

    ``labels`` and ``predicted`` are the class's current true and predicted
    columns. The other classes' row counts are held fixed.
    """
    n_both = rows.n_both - (labels & predicted)
    n_predicted = rows.n_predicted - predicted
    f1_negative = _row_f1(rows.n_true, n_predicted, n_both)
    f1_positive = 2.0 * (n_both + labels) / (rows.n_true + n_predicted + 1)
    return weight * (f1_positive - f1_negative)


def _samples_step(S, Y, weight, rows, predicted, cuts, j, tolerance):
    """Line-search the cut of class ``j`` and update the state in place.

    Returns True when the cut moved.
    """
    column, labels = S[:, j], Y[:, j]
    gain = _samples_gain(rows, labels, predicted[:, j], weight)
    sorted_scores, order, is_candidate = _sorted_column(column)
    total_gain = np.zeros(column.size + 1)
    np.cumsum(gain[order], out=total_gain[1:])

    current = int(np.count_nonzero(predicted[:, j]))
    candidate_gain = np.where(is_candidate, total_gain, -np.inf)
    best = int(candidate_gain.argmax())
    if candidate_gain[best] <= total_gain[current] + tolerance:
        return False

    def scores_at(_rows, positions):
        return sorted_scores[positions].astype(np.float64)

    cuts[j] = float(_cuts_from_positions(0, best, column.size, scores_at))
    new_predicted = column >= cuts[j]
    change = new_predicted.astype(np.int64) - predicted[:, j]
    rows.n_predicted[:] += change
    rows.n_both[:] += change * labels
    predicted[:, j] = new_predicted
    return True


def search_thresholds_samples(Y, S, *, sample_weight=None, max_iter=20,
                              fixed_cuts=None):
    """Find per-class cuts that maximise the mean per-row (example-based) F1.

    The F1 of a row compares its true label set A and predicted label set B:
    ``2 |A & B| / (|A| + |B|)``, and 1 when both are empty. The objective is
    its mean over rows, weighted by ``sample_weight``.

    The search starts from the best per-class F1 cuts (the macro start) and
    runs coordinate ascent, one class at a time in column order. Each step
    is exact over the class's distinct scores. With the other classes' row
    counts held fixed, the gain of each row when it becomes positive takes
    O(n) to compute, and one sort and cumulative sum give the objective at
    every cut. A step moves only to a cut that is better by more than
    ``1e-12`` times the total weight (the highest such cut on ties). The
    ascent stops after a pass that changes nothing or after ``max_iter``
    passes. The result is never worse than the start, up to that tolerance,
    but it is a local optimum.

    Parameters
    ----------
    Y : {ndarray, sparse matrix} of shape (n_samples, n_classes)
        0/1 indicator matrix of the true labels.
    S : ndarray of shape (n_samples, n_classes)
        Finite scores, float32 or float64.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights. Rows of weight 0 are ignored.
    max_iter : int, default=20
        Maximum number of coordinate-ascent passes. 0 keeps the start.
    fixed_cuts : array-like of shape (n_classes,), default=None
        Cuts (score units) of classes held fixed, NaN for the classes to
        optimise. None optimises every class.

    Returns
    -------
    result : SearchResult
        ``values`` contains each class's own F1 at its cut, and
        ``average_value`` is the mean per-row F1.

    Notes
    -----
    The decisions are kept as a dense (n_samples, n_classes) boolean matrix,
    and sparse ``Y`` is made dense.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._search import search_thresholds_samples
    >>> Y = np.array([[1, 0], [1, 1], [0, 1], [0, 0]])
    >>> S = np.array([[0.9, 0.1], [0.6, 0.8], [0.4, 0.7], [0.2, 0.3]])
    >>> result = search_thresholds_samples(Y, S)
    >>> result.cuts, result.average_value
    (array([0.5, 0.5]), 1.0)
    """
    inputs = _drop_zero_weight_rows(_prepare_inputs(Y, S, sample_weight))
    S = inputs.S
    n_rows, n_classes = S.shape
    fixed, fixed_cuts = _check_coupled_options(max_iter, fixed_cuts, n_classes)
    Y = (inputs.Y.toarray() if sp.issparse(inputs.Y) else inputs.Y) != 0
    weight = np.ones(n_rows) if inputs.weight is None else inputs.weight

    cuts = np.where(fixed, fixed_cuts, search_thresholds(Y, S, "f1",
                                                         sample_weight=weight).cuts)
    predicted = np.greater_equal(S, cuts)
    rows = _RowState(
        Y.sum(axis=1), predicted.sum(axis=1), (Y & predicted).sum(axis=1)
    )
    tolerance = 1e-12 * weight.sum()
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        moved = [
            _samples_step(S, Y, weight, rows, predicted, cuts, j, tolerance)
            for j in np.flatnonzero(~fixed)
        ]
        if not any(moved):
            break
    return _samples_result(Y, S, weight, rows, cuts, n_iter)


def _samples_result(Y, S, weight, rows, cuts, n_iter):
    """Assemble the samples search result from the final cuts."""
    tp, fp, fn, tn = counts_at_cuts(Y, S, cuts, sample_weight=weight)
    values = resolve_objective("f1").score(tp, fp, fn, tn)
    degenerate = (tp + fn <= 0) | (fp + tn <= 0)
    row_f1 = _row_f1(rows.n_true, rows.n_predicted, rows.n_both)
    total = weight.sum()
    average = float(row_f1 @ weight / total) if total > 0 else 0.0
    infeasible = np.zeros(S.shape[1], dtype=bool)
    return SearchResult(cuts, values, degenerate, infeasible, average, n_iter)


def averaged_objective(Y, S, cuts, objective, average, *, sample_weight=None):
    """Evaluate an averaged objective at given cuts.

    Parameters
    ----------
    Y : {ndarray, sparse matrix} of shape (n_samples, n_classes)
        0/1 indicator matrix of the true labels.
    S : ndarray of shape (n_samples, n_classes)
        Scores, in the units of ``cuts``.
    cuts : array-like of shape (n_classes,)
        Cut of each class (positive when the score is ``>=`` the cut).
    objective : str, callable or Objective
        The objective. For ``average="samples"`` it is ignored, because the
        samples average is defined for F1 only.
    average : {"macro", "micro", "samples"}
        ``"macro"``: mean of the per-class objectives. ``"micro"``: the
        objective of the counts pooled over classes. ``"samples"``: mean
        per-row F1, 1 for a row with no true and no predicted label.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.

    Returns
    -------
    value : float
        The averaged objective.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._search import averaged_objective
    >>> Y = np.array([[1, 0], [1, 1], [0, 0]])
    >>> S = np.array([[0.9, 0.2], [0.6, 0.1], [0.4, 0.3]])
    >>> averaged_objective(Y, S, [0.5, 0.5], "f1", "micro")
    0.8
    """
    objective = resolve_objective(objective)
    tp, fp, fn, tn = counts_at_cuts(Y, S, cuts, sample_weight=sample_weight)
    if average == "macro":
        return float(objective.score(tp, fp, fn, tn).mean())
    if average == "micro":
        return float(objective.score(tp.sum(), fp.sum(), fn.sum(), tn.sum()))
    if average != "samples":
        raise ValueError(
            f"average={average!r} is invalid. Use 'macro', 'micro' or 'samples'."
        )
    S = np.asarray(S)
    truth = (Y.toarray() if sp.issparse(Y) else np.asarray(Y)) != 0
    predicted = np.greater_equal(S, np.asarray(cuts, dtype=np.float64))
    row_f1 = _row_f1(truth.sum(axis=1), predicted.sum(axis=1),
                     (truth & predicted).sum(axis=1))
    weight = np.ones(S.shape[0]) if sample_weight is None else np.asarray(
        sample_weight, dtype=np.float64
    )
    return float(row_f1 @ weight / weight.sum())
