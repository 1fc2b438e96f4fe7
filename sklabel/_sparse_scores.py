"""Decision rules and threshold search on sparse (CSR) score matrices.

A sparse score matrix stores the scores that a model computed and leaves the
rest absent: an extreme multi-label model that scores its 20 best labels out
of 100,000, for example. An absent entry means "not scored" and is treated as
a score of ``-inf``: it is below every threshold, it is never among a row's
top-k labels, and ``min_labels`` never adds it. A stored entry is a score
whatever its value, so an explicitly stored 0.0 is a logit of 0.0 or a
probability of 0.0.

The decision rules work on the stored entries only, one chunk of rows at a
time, and the threshold search one class at a time. So their memory grows
with the number of stored entries (and, for the search, of true labels),
never with ``n_samples * n_classes``. Ties are broken as in the dense rules:
a score equal to its threshold is positive, and among equal scores the lower
column index ranks first.

Read and check sparse scores with :func:`sklabel._scores.read_sparse_scores`
first: the functions here expect float32 or float64 CSR matrices with sorted
indices.
"""

import dataclasses

import numpy as np
import scipy.sparse as sp

from ._link import round_up_to_dtype
from ._objectives import resolve_objective
from ._search import SearchResult, search_thresholds
from ._top_k import _check_label_count

# Stored entries per chunk of rows. Each chunk allocates a few arrays of this
# length (a boolean mask, an int64 row index and, for the ranking rules, a
# sort order), about 6 MiB in all.
CHUNK_ENTRIES = 1 << 18


def sparse_threshold_indicator(scores, score_thresholds, *, min_labels=0,
                               max_labels=None):
    """Cut a CSR score matrix at per-class thresholds, with label counts.

    A stored score ``>=`` its class's threshold is positive, and an absent
    entry is never positive. Rows with fewer than ``min_labels`` positives
    then get their highest-scored stored negatives added, and rows with more
    than ``max_labels`` positives keep their ``max_labels`` highest-scored
    ones, in that order, as :func:`sklabel._top_k.fill_min_labels` and
    :func:`sklabel._top_k.trim_max_labels` do on dense scores. A row that
    stores fewer than ``min_labels`` scores ends with all of them.

    Parameters
    ----------
    scores : csr_matrix of shape (n_samples, n_classes)
        Stored scores, float32 or float64, with sorted indices.
    score_thresholds : array-like of shape (n_classes,)
        Thresholds in the units of the scores.
    min_labels : int, default=0
        Minimum number of positives per row, taken from its stored entries.
    max_labels : int, default=None
        Maximum number of positives per row. None keeps them all.

    Returns
    -------
    indicator : csr_matrix of shape (n_samples, n_classes) and dtype int64
        The decisions, with sorted column indices.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sklabel._sparse_scores import sparse_threshold_indicator
    >>> scores = sp.csr_matrix(np.array([[0.9, 0.0, 0.6], [0.0, 0.3, 0.2]]))
    >>> thresholds = np.full(3, 0.5)
    >>> sparse_threshold_indicator(scores, thresholds).toarray()
    array([[1, 0, 1],
           [0, 0, 0]])
    >>> sparse_threshold_indicator(scores, thresholds, min_labels=1,
    ...                            max_labels=1).toarray()
    array([[1, 0, 0],
           [0, 1, 0]])
    """
    min_labels = _check_label_count(min_labels, "min_labels")
    if max_labels is not None:
        max_labels = _check_label_count(max_labels, "max_labels")
    cut = round_up_to_dtype(score_thresholds, scores.dtype)
    cut = np.broadcast_to(cut, scores.shape[1:])

    def chunk_positives(chunk):
        positive = chunk.data >= cut[chunk.indices]
        if min_labels > 0:
            _fill_min_labels(chunk, positive, min_labels)
        if max_labels is not None:
            _trim_max_labels(chunk, positive, max_labels)
        return positive

    return _indicator_from_chunks(scores, chunk_positives)


def sparse_top_k_indicator(scores, k):
    """Select the ``k`` highest stored scores of each row of a CSR matrix.

    A row that stores fewer than ``k`` scores gets all of them. Among equal
    scores the lower column index is selected first, as in
    :func:`sklabel._top_k.top_k_indicator`.

    Parameters
    ----------
    scores : csr_matrix of shape (n_samples, n_classes)
        Stored scores, float32 or float64, with sorted indices.
        Probabilities and logits select the same entries.
    k : int
        Number of entries selected per row.

    Returns
    -------
    indicator : csr_matrix of shape (n_samples, n_classes) and dtype int64
        1 for the selected entries, with sorted column indices.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sklabel._sparse_scores import sparse_top_k_indicator
    >>> scores = sp.csr_matrix(np.array([[0.2, 0.5, 0.5, 0.1], [0.0, 0.0, 0.3, 0.0]]))
    >>> sparse_top_k_indicator(scores, 2).toarray()
    array([[0, 1, 1, 0],
           [0, 0, 1, 0]])
    """
    k = _check_label_count(k, "k")

    def chunk_selected(chunk):
        everything = np.ones(len(chunk.data), dtype=bool)
        return _top_ranked(chunk, everything, np.full(chunk.n_rows, k))

    return _indicator_from_chunks(scores, chunk_selected)


# ---------------------------------------------------------------------------
# Chunks of rows and ranking within rows
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class _Chunk:
    """The stored entries of consecutive rows of a CSR matrix.

    ``indptr`` starts at 0, and ``row_of_entry`` is computed on first use.
    """

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    _row_of_entry: np.ndarray | None = None

    @property
    def n_rows(self):
        return len(self.indptr) - 1

    @property
    def row_of_entry(self):
        if self._row_of_entry is None:
            self._row_of_entry = np.repeat(
                np.arange(self.n_rows), np.diff(self.indptr)
            )
        return self._row_of_entry

    def count_per_row(self, mask):
        """Return how many entries of each row ``mask`` selects."""
        before = np.zeros(len(mask) + 1, dtype=np.int64)
        np.cumsum(mask, out=before[1:])
        return np.diff(before[self.indptr])


def _row_chunks(matrix):
    """Yield ``(start, stop, chunk)`` for rows holding about ``CHUNK_ENTRIES``.

    A row with more stored entries than that is a chunk of its own.
    """
    indptr = matrix.indptr
    n_rows = matrix.shape[0]
    start = 0
    while start < n_rows:
        limit = indptr[start] + CHUNK_ENTRIES
        stop = int(np.searchsorted(indptr, limit, side="right")) - 1
        stop = min(max(stop, start + 1), n_rows)
        first, last = indptr[start], indptr[stop]
        chunk = _Chunk(
            matrix.data[first:last],
            matrix.indices[first:last],
            (indptr[start : stop + 1] - first).astype(np.int64),
        )
        yield start, stop, chunk
        start = stop


def _indicator_from_chunks(scores, select):
    """Build the CSR indicator of the entries that ``select(chunk)`` marks."""
    n_samples = scores.shape[0]
    indptr = np.zeros(n_samples + 1, dtype=np.int64)
    column_chunks = [np.zeros(0, dtype=np.int32)]
    for start, stop, chunk in _row_chunks(scores):
        selected = select(chunk)
        indptr[start + 1 : stop + 1] = chunk.count_per_row(selected)
        column_chunks.append(chunk.indices[selected].astype(np.int32))
    np.cumsum(indptr, out=indptr)

    indices = np.concatenate(column_chunks)
    data = np.ones(len(indices), dtype=np.int64)
    indicator = sp.csr_matrix((data, indices, indptr), shape=scores.shape)
    indicator.has_sorted_indices = True
    return indicator


def _top_ranked(chunk, eligible, quota):
    """Mark, in each row ``i``, the ``quota[i]`` best-ranked eligible entries.

    Entries rank by decreasing score, and equal scores by increasing column,
    which is their stored order because the indices are sorted.
    """
    selected = np.zeros(len(eligible), dtype=bool)
    candidates = np.flatnonzero(eligible)
    if candidates.size == 0:
        return selected
    rows = chunk.row_of_entry[candidates]
    order = _order_by_row_then_score(rows, chunk.data[candidates])
    sorted_rows = rows[order]

    # The rank of an entry is its position minus the position of the first
    # entry of its row in the sorted order.
    positions = np.arange(len(order))
    row_begins = np.ones(len(order), dtype=bool)
    row_begins[1:] = sorted_rows[1:] != sorted_rows[:-1]
    first_of_row = np.maximum.accumulate(np.where(row_begins, positions, 0))
    keep = positions - first_of_row < quota[sorted_rows]
    selected[candidates[order[keep]]] = True
    return selected


def _order_by_row_then_score(rows, scores):
    """Return the stable order by row, then by decreasing score.

    Each score is replaced by its dense rank in decreasing order (equal
    scores share a rank), and one stable sort of ``row * 2**32 + rank`` then
    orders the entries, leaving equal scores of a row in their stored order.
    This is about ten times faster than ``np.lexsort`` on the two keys.
    """
    by_score = np.argsort(scores)[::-1]
    descending = scores[by_score]
    new_value = np.ones(len(scores), dtype=np.uint64)
    new_value[1:] = descending[1:] != descending[:-1]
    rank = np.empty(len(scores), dtype=np.uint64)
    rank[by_score] = np.cumsum(new_value, dtype=np.uint64)
    key = rows.astype(np.uint64) << np.uint64(32)
    key |= rank
    return np.argsort(key, kind="stable")


def _fill_min_labels(chunk, positive, min_labels):
    """Add the best stored negatives to rows with too few positives, in place."""
    missing = min_labels - chunk.count_per_row(positive)
    if not (missing > 0).any():
        return
    needs_more = (missing > 0)[chunk.row_of_entry]
    positive |= _top_ranked(chunk, needs_more & ~positive, np.maximum(missing, 0))


def _trim_max_labels(chunk, positive, max_labels):
    """Keep only the best ``max_labels`` positives of each row, in place."""
    too_many = chunk.count_per_row(positive) > max_labels
    if not too_many.any():
        return
    in_trimmed_row = too_many[chunk.row_of_entry]
    kept = _top_ranked(
        chunk, in_trimmed_row & positive, np.full(chunk.n_rows, max_labels)
    )
    positive &= ~in_trimmed_row | kept


# ---------------------------------------------------------------------------
# Threshold search
# ---------------------------------------------------------------------------


def search_thresholds_sparse(Y, S, objective, *, sample_weight=None):
    """Find the exact best cut of each class from sparse scores.

    Absent scores are treated as ``-inf``, and the search follows
    :func:`sklabel._search.search_thresholds`: the same candidate cuts,
    midpoint rule, tie rules and result. Each class is searched by
    ``search_thresholds`` itself, on its stored entries plus one "absent"
    bucket: two rows scored below every stored score that carry the weight
    of the class's absent positives and absent negatives. The memory is
    proportional to the stored entries of ``S`` and the positives of ``Y``.

    One candidate differs from the dense search. Sparse decoding never
    predicts an absent entry, so the cut ``-inf``, which would predict every
    sample including the absent ones, is excluded for a class with absent
    entries of positive weight. The lowest cut such a class can get is its
    lowest stored score (every stored entry positive), and ``values`` is the
    objective of the decisions that sparse decoding makes with the cuts.

    Parameters
    ----------
    Y : {ndarray, sparse matrix} of shape (n_samples, n_classes)
        0/1 indicator matrix of the true labels. Any non-zero entry counts as
        a positive.
    S : sparse matrix of shape (n_samples, n_classes)
        Stored scores, float32 or float64, for example from
        :func:`sklabel._scores.read_sparse_scores`.
    objective : str, callable or Objective
        The objective to maximise, see
        :func:`sklabel._objectives.resolve_objective`.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights. Rows of weight 0 are ignored.

    Returns
    -------
    result : SearchResult
        ``cuts`` in score units, ``values`` of the objective at the cuts,
        and the ``degenerate`` and ``infeasible`` masks, as
        :func:`sklabel._search.search_thresholds` returns them.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sklabel._sparse_scores import search_thresholds_sparse
    >>> Y = np.array([[1, 0], [1, 1], [0, 1], [0, 0]])
    >>> S = sp.csr_matrix(np.array([[0.9, 0.0], [0.6, 0.8], [0.4, 0.7], [0.0, 0.0]]))
    >>> result = search_thresholds_sparse(Y, S, "f1")
    >>> result.cuts
    array([0.5, 0.7])
    >>> result.values
    array([1., 1.])
    """
    objective = resolve_objective(objective)
    by_column = sp.csc_matrix(S)
    by_column.sort_indices()
    weight = _sample_weight(sample_weight, S.shape[0])
    labels, absent = _stored_labels_and_absent_weights(Y, by_column, weight)

    n_classes = S.shape[1]
    cuts = np.empty(n_classes)
    values = np.empty(n_classes)
    degenerate = np.empty(n_classes, dtype=bool)
    infeasible = np.empty(n_classes, dtype=bool)
    searches = {False: objective, True: _without_predict_all(objective)}

    for j in range(n_classes):
        first, last = by_column.indptr[j], by_column.indptr[j + 1]
        rows = by_column.indices[first:last]
        class_scores, class_labels, class_weight = _class_problem(
            by_column.data[first:last], labels[first:last], weight[rows],
            absent[:, j],
        )
        result = search_thresholds(
            class_labels, class_scores, searches[absent[:, j].sum() > 0],
            sample_weight=class_weight,
        )
        cuts[j] = _lowest_stored_cut(result.cuts[0], class_scores, class_weight)
        values[j] = result.values[0]
        degenerate[j] = result.degenerate[0]
        infeasible[j] = result.infeasible[0]

    average = float(values.mean()) if n_classes else 0.0
    return SearchResult(cuts, values, degenerate, infeasible, average, 0)


def _sample_weight(sample_weight, n_samples):
    if sample_weight is None:
        return np.ones(n_samples)
    weight = np.asarray(sample_weight, dtype=np.float64)
    if weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight has shape {weight.shape}, expected ({n_samples},); "
            "pass one weight per row of the scores."
        )
    return weight


def _stored_labels_and_absent_weights(Y, by_column, weight):
    """Return the label of each stored entry and each class's absent weights.

    ``labels`` follows the entries of the CSC matrix ``by_column``. Row 0 of
    ``absent`` is the weight of each class's absent positives and row 1 that
    of its absent negatives, both counting only rows of positive weight.
    """
    n_samples, n_classes = by_column.shape
    if Y.shape != by_column.shape:
        raise ValueError(
            f"The indicator matrix has shape {Y.shape} but the score matrix has "
            f"shape {by_column.shape}. Pass one label per (sample, class) pair."
        )
    truth = sp.csc_matrix(Y, dtype=bool)
    truth.eliminate_zeros()
    truth.sort_indices()

    # An entry's key is column * n_samples + row, which orders CSC entries.
    stored_keys = _csc_keys(by_column)
    true_keys = _csc_keys(truth)
    labels = _is_member(stored_keys, true_keys)
    true_is_stored = _is_member(true_keys, stored_keys)

    kept = weight > 0
    true_columns = true_keys // n_samples
    absent_true = ~true_is_stored & kept[truth.indices]
    absent_positive = np.bincount(
        true_columns[absent_true], weights=weight[truth.indices[absent_true]],
        minlength=n_classes,
    )
    absent_negative = _absent_negative_weight(
        by_column, weight, absent_positive, np.bincount(
            true_columns[absent_true], minlength=n_classes
        ),
    )
    return labels, np.vstack([absent_positive, absent_negative])


def _absent_negative_weight(by_column, weight, absent_positive, n_absent_positive):
    """Return each class's weight of absent negatives, exactly 0 when none.

    The weight is the total minus the stored and absent positive weights. A
    count of the rows of positive weight shows when it must be exactly 0
    rather than a rounding residue.
    """
    kept = weight > 0
    stored_columns = np.repeat(
        np.arange(by_column.shape[1]), np.diff(by_column.indptr)
    )
    stored_weight = np.bincount(
        stored_columns, weights=weight[by_column.indices],
        minlength=by_column.shape[1],
    )
    n_stored_kept = np.bincount(
        stored_columns[kept[by_column.indices]], minlength=by_column.shape[1]
    )
    n_absent_negative = np.count_nonzero(kept) - n_stored_kept - n_absent_positive
    absent_negative = weight.sum() - stored_weight - absent_positive
    return np.where(n_absent_negative > 0, np.maximum(absent_negative, 0.0), 0.0)


def _csc_keys(matrix):
    columns = np.repeat(np.arange(matrix.shape[1], dtype=np.int64),
                        np.diff(matrix.indptr))
    return columns * matrix.shape[0] + matrix.indices


def _is_member(keys, sorted_keys):
    """Return whether each of ``keys`` is in the sorted array ``sorted_keys``."""
    if sorted_keys.size == 0:
        return np.zeros(len(keys), dtype=bool)
    positions = np.searchsorted(sorted_keys, keys)
    positions = np.minimum(positions, len(sorted_keys) - 1)
    return sorted_keys[positions] == keys


def _class_problem(scores, labels, weight, absent):
    """Return one class's (scores, labels, weights) with the absent bucket.

    The bucket is two rows, one positive and one negative, whose score is
    below every stored score and whose weights are the absent weights.
    """
    bucket_score = np.finfo(np.float64).min
    if scores.size and scores.min() <= bucket_score:
        # NOTE: only a stored score of -1.8e308 gets here. The bucket is then
        # scored -inf. search_thresholds sorts and cuts it correctly, although
        # its docstring requires finite scores.
        bucket_score = -np.inf
    class_scores = np.empty((len(scores) + 2, 1))
    class_scores[:-2, 0] = scores
    class_scores[-2:, 0] = bucket_score
    class_labels = np.zeros((len(scores) + 2, 1), dtype=bool)
    class_labels[:-2, 0] = labels
    class_labels[-2, 0] = True
    class_weight = np.concatenate([weight, absent])
    return class_scores, class_labels, class_weight


def _lowest_stored_cut(cut, class_scores, class_weight):
    """Raise a cut that falls between the bucket and the stored scores.

    When the best decision predicts every stored entry and no absent one, the
    dense search returns the midpoint between the lowest stored score and
    the bucket's score. Treating absent scores as ``-inf``, that midpoint is
    the lowest stored score itself.
    """
    stored = class_scores[:-2, 0][class_weight[:-2] > 0]
    if stored.size == 0 or not np.isfinite(cut):
        return cut
    return max(cut, float(stored.min()))


def _without_predict_all(objective):
    """Return ``objective`` with the "every sample positive" cut infeasible.

    That candidate is the only one with no false negative and no true
    negative weight, because every other candidate leaves the absent bucket
    negative.
    """
    base_feasible = objective.feasible

    def feasible(tp, fp, fn, tn):
        predicts_some_negative = (np.asarray(fn) + np.asarray(tn)) > 0
        mask = base_feasible(tp, fp, fn, tn)
        return predicts_some_negative if mask is None else mask & predicts_some_negative

    return dataclasses.replace(objective, feasible_function=feasible)
