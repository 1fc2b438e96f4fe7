"""Expected-F1 decoding of multi-label probabilities under label independence.

For one sample with label probabilities ``p_1 >= ... >= p_m``, the true label
set ``Y`` is modelled as independent Bernoulli draws, label ``j`` being true
with probability ``p_j``. The decoded set ``S`` maximises the expected F1
score ``E[F1(S, Y)]``, where ``F1(S, Y) = 2 |S & Y| / (|S| + |Y|)`` and ``F1``
is 1 when ``S`` and ``Y`` are both empty. Under independence one of the
``m + 1`` sets ``S_k`` of the ``k`` most probable labels is optimal (Jansche,
"A maximum expected utility framework for binary sequence labeling", ACL
2007; Ye, Chai, Lee and Chieu, "Optimizing F-measures: a tale of two
approaches", ICML 2012), so only those sets are scored.

Let ``A_k`` be the number of true labels among the first ``k`` and ``B_k``
the number among the others. They are independent, so::

    E[F1(S_k)] = sum over a of  2 a P(A_k = a) E[1 / (k + a + B_k)].

Ye et al. compute this for every ``k`` in O(m^2) with two passes: a forward
pass over ``k`` for the distribution of ``A_k``, and a backward pass for
``E[1 / (i + B_k)]`` at every ``i``, which uses ``B_{k-1} = B_k + Y_k``.

Wide label spaces are kept fast without changing the result. With ``N`` the
total number of true labels, ``N_{-j}`` the number other than label ``j``, and
``mu_k = p_1 + ... + p_k``, the F1 of ``S_k`` is a sum over its labels::

    E[F1(S_k)] = sum over j <= k of  2 p_j E[1 / (k + 1 + N_{-j})],

and ``N - 1 <= N_{-j} <= N`` bounds it on both sides::

    2 mu_k E[1 / (k + 1 + N)]  <=  E[F1(S_k)]  <=  2 mu_k E[1 / (k + N)].

Both bounds need only the distribution of ``N``, which is computed once per
row. The exact recursion runs over the first
``c`` labels only. Candidate counts ``c`` of 8, 16, 32 and so on are tried,
and the first one for which no ``S_k`` with ``k > c`` can beat the best lower
bound among ``k <= c`` is kept. The other labels still count in ``|Y|``,
because the backward pass starts from the distribution of their number of
true labels. Counts of true labels are tracked up to a cut-off above which
the Chernoff bound ``P(N >= x) <= exp(-E[N]) (e E[N] / x) ** x`` leaves less
than 1e-18 of probability, far below float64 rounding of the expected F1.
"""

import numbers

import numpy as np

from ._top_k import (
    _check_score_matrix,
    _csr_from_row_masks,
    _row_chunks,
    _top_k_mask,
)

# Elements of the largest recursion temporary, a * P(A_k = a) for every k and
# a of a block of rows, 32 MiB in float64. With c candidate labels, rows are
# scored in blocks of about _DP_ELEMENTS / c**2 rows.
_DP_ELEMENTS = 1 << 22

# Candidate counts tried in turn are _FIRST_CANDIDATE_COUNT, twice that, and
# so on. Rows with at most this many labels skip the bounds.
_FIRST_CANDIDATE_COUNT = 8

# Maximum probability of more true labels than the tracked counts, set by the
# Chernoff bound in _max_tracked_counts.
_COUNT_TAIL_PROBABILITY = 1e-18

# Set sizes whose expected F1 is within this distance of the row's maximum
# count as tied, and the smallest of them wins. Exact ties occur, for example
# a single label with p = 0.5 gives E[F1] = 0.5 to both the empty set and the
# singleton, and float64 rounding must not break them at random.
_TIE_SLACK = 1e-13


def expected_f1_indicator(P, *, tolerance=0.0):
    """Decode each row into the label set of maximum expected F1.

    The true labels of a row are modelled as independent, label ``j`` being
    true with probability ``P[i, j]``. Under that model the set of the ``k``
    most probable labels with the highest expected F1, ``k = 0, ...,
    n_classes``, maximises the expected F1 over all ``2 ** n_classes`` label
    sets. The empty set scores the probability that no label is true.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_classes)
        Label probabilities, float32 or float64, each in [0, 1]. Logits must
        be turned into probabilities first.
    tolerance : float, default=0.0
        Expected F1 that the decoded set may lose against the optimum, per
        row, in [0, 1). The search stops adding candidate labels once no
        larger set can beat the best one found by more than ``tolerance``.
        With 0 the decoded set is the optimum, up to float64 rounding. Larger
        values save time only on rows whose optimal set is large.

    Returns
    -------
    indicator : csr_matrix of shape (n_samples, n_classes) and dtype int64
        1 for the decoded labels, in the column order of ``P``. When several
        set sizes reach the maximum expected F1 (within 1e-13, to absorb
        float64 rounding), the smallest set is returned. Among labels of
        equal probability, the lower column index is decoded first.

    Notes
    -----
    A row costs O(n_classes * n_tracked) for the distribution of its number
    of true labels, where ``n_tracked`` grows a little faster than the sum of
    the row's probabilities, plus O(c ** 2) for the exact recursion over its
    ``c`` candidate labels, the first of 8, 16, 32, ... that the bounds
    allow. Rows with a few probable labels among many improbable ones are
    therefore fast, and rows with many probable labels approach
    O(n_classes ** 2).

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._expected_f1 import expected_f1_indicator
    >>> P = np.array([[0.9, 0.05, 0.7], [0.3, 0.2, 0.1], [0.45, 0.45, 0.45]])
    >>> expected_f1_indicator(P).toarray()
    array([[1, 0, 1],
           [0, 0, 0],
           [1, 1, 1]])
    """
    P = _check_score_matrix(P, probabilities=True)
    tolerance = _check_tolerance(tolerance)

    def chunk_masks():
        for start, stop in _row_chunks(*P.shape):
            yield _decode_chunk(P[start:stop], tolerance)

    return _csr_from_row_masks(chunk_masks(), P.shape)


def _decode_chunk(chunk, tolerance):
    """Return the boolean mask of the decoded labels of a chunk of rows."""
    n_rows, n_classes = chunk.shape
    mask = np.zeros(chunk.shape, dtype=bool)
    if n_classes == 0:
        return mask
    descending = np.ascontiguousarray(np.sort(chunk, axis=1)[:, ::-1], np.float64)

    # Rows are grouped by the number of true labels their count distributions
    # must track, in powers of two, so that one dense row does not make the
    # whole chunk track long distributions.
    max_counts = _max_tracked_counts(descending.sum(axis=1), n_classes)
    groups = np.ceil(np.log2(max_counts + 1)).astype(np.intp)
    sizes = np.zeros(n_rows, dtype=np.intp)
    for group in np.unique(groups):
        rows = np.flatnonzero(groups == group)
        max_count = int(max_counts[rows].max())
        sizes[rows] = _best_set_sizes(descending[rows], max_count, tolerance)

    n_decoded = int(sizes.max())
    if n_decoded:
        columns = _sorted_top_columns(chunk, n_decoded)
        decoded = np.arange(n_decoded) < sizes[:, np.newaxis]
        np.put_along_axis(mask, columns, decoded, axis=1)
    return mask


def _best_set_sizes(descending, max_count, tolerance):
    """Return the size of the top-k set of maximum expected F1 of each row.

    ``descending`` contains float64 probabilities, each row in decreasing order,
    and ``max_count`` is the largest count of true labels to track.
    """
    n_rows, n_labels = descending.shape
    if n_labels <= _FIRST_CANDIDATE_COUNT:
        no_label_beyond = _count_pmf_of_no_label(n_rows)
        return _sizes_from_values(
            _expected_f1_of_top_k(descending, no_label_beyond), _TIE_SLACK
        )

    checkpoints = [0]
    while checkpoints[-1] * 2 < n_labels:
        checkpoints.append(max(_FIRST_CANDIDATE_COUNT, checkpoints[-1] * 2))
    checkpoints.append(n_labels)
    beyond_pmfs = _count_pmfs_beyond(descending, max_count, checkpoints)
    n_candidates = _candidate_counts(descending, beyond_pmfs[0], checkpoints, tolerance)

    sizes = np.zeros(n_rows, dtype=np.intp)
    for n_kept in np.unique(n_candidates):
        rows = np.flatnonzero(n_candidates == n_kept)
        block = max(1, _DP_ELEMENTS // (n_kept * n_kept))
        for start in range(0, len(rows), block):
            block_rows = rows[start : start + block]
            values = _expected_f1_of_top_k(
                descending[block_rows, :n_kept], beyond_pmfs[n_kept][block_rows]
            )
            sizes[block_rows] = _sizes_from_values(values, _TIE_SLACK)
    return sizes


def _candidate_counts(descending, total_pmf, checkpoints, tolerance):
    """Return how many of each row's top labels the exact recursion needs.

    The count is the smallest checkpoint ``c`` at which no set can gain more
    than ``tolerance`` by growing past ``c`` labels. This is the case when the
    upper bound on ``E[F1(S_k)]`` of every ``k > c`` is at most the best lower
    bound among ``k <= c`` plus ``tolerance``. The module docstring gives the
    bounds.
    """
    n_rows, n_labels = descending.shape
    twice_mass = 2.0 * np.cumsum(descending, axis=1)
    # inverse_mean[:, k - 1] = E[1 / (k + N)] for k = 1, ..., m + 1, without
    # the probability past the tracked counts, so the lower bound of S_k reads
    # column k and the upper bound reads column k - 1 plus that probability.
    offsets = np.arange(1, n_labels + 2)
    inverse_mean = _inverse_count_mean(total_pmf, offsets, tail_at_cut=False)
    tail = np.maximum(1.0 - total_pmf.sum(axis=1), 0.0)[:, np.newaxis]
    upper_mean = inverse_mean[:, :-1] + tail / (offsets[:-1] + total_pmf.shape[1])
    upper = twice_mass * upper_mean
    lower = twice_mass * inverse_mean[:, 1:]

    # best_lower[:, c] bounds max over k <= c of E[F1(S_k)] from below, with
    # k = 0 the empty set, whose value P(N = 0) is exact. upper_beyond[:, c]
    # bounds max over k > c from above.
    best_lower = np.maximum.accumulate(
        np.column_stack([total_pmf[:, 0], lower]), axis=1
    )
    upper_beyond = np.maximum.accumulate(upper[:, ::-1], axis=1)[:, ::-1]

    n_candidates = np.full(n_rows, n_labels)
    for checkpoint in reversed(checkpoints[1:-1]):
        enough = upper_beyond[:, checkpoint] <= best_lower[:, checkpoint] + tolerance
        n_candidates[enough] = checkpoint
    return n_candidates


def _count_pmfs_beyond(descending, max_count, checkpoints):
    """Return the distribution of the number of true labels past each checkpoint.

    The result maps each checkpoint ``c`` to an array of shape
    ``(n_rows, max_count + 1)`` of ``P(count of true labels among c + 1, ...,
    m = z)`` for ``z = 0, ..., max_count``. Probability that would move past
    ``max_count`` is dropped, so each row sums to at most 1.
    """
    n_rows, n_labels = descending.shape
    checkpoint_set = set(checkpoints)

    # The loop runs over every label, so it works on transposed arrays. Each
    # step then reads one contiguous row of probabilities and updates
    # contiguous rows of the distribution, which measured about twice as fast
    # as the column layout.
    p_by_label = np.ascontiguousarray(descending.T)
    q_by_label = 1.0 - p_by_label
    pmf = np.zeros((max_count + 1, n_rows))
    pmf[0] = 1.0
    moved_up = np.empty((max_count, n_rows))
    pmfs = {n_labels: pmf.T.copy()}
    for label in range(n_labels - 1, -1, -1):
        np.multiply(pmf[:-1], p_by_label[label], out=moved_up)
        pmf *= q_by_label[label]
        pmf[1:] += moved_up
        if label in checkpoint_set:
            pmfs[label] = pmf.T.copy()
    return pmfs


def _inverse_count_mean(pmf, offsets, *, tail_at_cut):
    """Return ``E[1 / (offset + count)]`` for each row and offset.

    ``pmf`` is a count distribution cut at ``max_count``. The missing
    probability is placed at ``max_count + 1`` when ``tail_at_cut`` is True,
    which gives an upper bound, and dropped otherwise, which gives a lower
    bound. The two differ by less than ``_COUNT_TAIL_PROBABILITY``.
    """
    counts = np.arange(pmf.shape[1])
    inverse = 1.0 / (offsets[np.newaxis, :] + counts[:, np.newaxis])
    mean = pmf @ inverse
    if tail_at_cut:
        tail = np.maximum(1.0 - pmf.sum(axis=1), 0.0)
        mean += tail[:, np.newaxis] / (offsets + pmf.shape[1])
    return mean


def _expected_f1_of_top_k(p, beyond_pmf):
    """Return the expected F1 of every top-k set, ``k = 0, ..., m``.

    Parameters
    ----------
    p : ndarray of shape (n_rows, m)
        Probabilities of the candidate labels, float64, each row sorted in
        decreasing order.
    beyond_pmf : ndarray of shape (n_rows, max_count + 1)
        Distribution of the number of true labels among the other labels of
        the row, as returned by ``_count_pmfs_beyond``.

    Returns
    -------
    values : ndarray of shape (n_rows, m + 1)
        ``values[:, k]`` is the expected F1 of the set of the first ``k``
        labels, and ``values[:, 0]`` the probability that no label is true.
    """
    n_rows, m = p.shape
    a = np.arange(1, m + 1)

    # Forward pass: count_pmf[:, a] = P(A_k = a), one label added per step.
    # weighted[k - 1, :, a - 1] keeps a * P(A_k = a) for the backward pass.
    count_pmf = np.zeros((n_rows, m + 1))
    count_pmf[:, 0] = 1.0
    weighted = np.empty((m, n_rows, m))
    for k in range(1, m + 1):
        p_k = p[:, k - 1 : k]
        moved_up = count_pmf[:, :k] * p_k
        count_pmf[:, :k] *= 1.0 - p_k
        count_pmf[:, 1 : k + 1] += moved_up
        weighted[k - 1, :, :k] = count_pmf[:, 1 : k + 1] * a[:k]

    # Backward pass: inverse_mean[:, i - 1] = E[1 / (i + B_k)], starting from
    # the labels beyond the candidates. Step k reads i = k + 1, ..., 2k, and
    # the update to k - 1 reads one index further, so the valid range shrinks
    # by two per step.
    inverse_mean = _inverse_count_mean(
        beyond_pmf, np.arange(1, 2 * m + 1), tail_at_cut=True
    )
    values = np.empty((n_rows, m + 1))
    values[:, 0] = count_pmf[:, 0] * beyond_pmf[:, 0]
    for k in range(m, 0, -1):
        values[:, k] = 2.0 * np.einsum(
            "ra,ra->r", weighted[k - 1, :, :k], inverse_mean[:, k : 2 * k]
        )
        p_k = p[:, k - 1 : k]
        low = inverse_mean[:, : 2 * k - 2]
        high = inverse_mean[:, 1 : 2 * k - 1]
        inverse_mean[:, : 2 * k - 2] = (1.0 - p_k) * low + p_k * high
    return values


def _sizes_from_values(values, tie_slack):
    """Return each row's smallest set size within ``tie_slack`` of its best."""
    best = values.max(axis=1, keepdims=True)
    return np.argmax(values >= best - tie_slack, axis=1)


def _count_pmf_of_no_label(n_rows):
    """Return the count distribution of an empty set of labels."""
    return np.ones((n_rows, 1))


def _max_tracked_counts(expected_counts, n_labels):
    """Return the count of true labels above which a row's tail is negligible.

    For each expected count ``mu``, this is the smallest ``x - 1`` such that
    the Chernoff bound ``exp(-mu) (e mu / x) ** x`` on ``P(N >= x)`` is below
    ``_COUNT_TAIL_PROBABILITY``, capped at ``n_labels``.
    """
    candidates = np.arange(1, n_labels + 1)
    mu = np.maximum(expected_counts, 1e-300)[:, np.newaxis]
    with np.errstate(divide="ignore"):
        log_bound = -mu + candidates * (1.0 + np.log(mu) - np.log(candidates))
    small = (candidates > mu) & (log_bound <= np.log(_COUNT_TAIL_PROBABILITY))
    first = np.where(small.any(axis=1), np.argmax(small, axis=1) + 1, n_labels + 1)
    return np.minimum(first - 1, n_labels)


def _sorted_top_columns(chunk, n_top):
    """Return the ``n_top`` most probable columns of each row, in order.

    Columns follow decreasing probability, with the lower column index first
    among equal probabilities, which matches the order of ``np.sort``.
    """
    n_rows = len(chunk)
    top = _top_k_mask(chunk, np.full(n_rows, n_top))
    # nonzero lists each row's columns in increasing order, so the stable sort
    # below keeps the lower column first among equal probabilities.
    columns = np.nonzero(top)[1].reshape(n_rows, n_top)
    probabilities = np.take_along_axis(chunk, columns, axis=1)
    order = np.argsort(-probabilities, axis=1, kind="stable")
    return np.take_along_axis(columns, order, axis=1)


def _check_tolerance(tolerance):
    """Return ``tolerance`` as a float, or raise unless it is in [0, 1)."""
    if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real):
        raise TypeError(
            f"tolerance must be a real number, got {tolerance!r} of type "
            f"{type(tolerance).__name__}. Pass a float such as 0.0 or 1e-4."
        )
    if not 0 <= tolerance < 1:
        raise ValueError(
            f"tolerance must be in [0, 1), got {tolerance}. Pass 0 for the "
            "exact optimum or a small loss of expected F1 such as 1e-4."
        )
    return float(tolerance)
