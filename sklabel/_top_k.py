"""Top-k decision rule and the minimum and maximum label counts.

Every function here ranks the columns of each row by score, highest first,
and breaks ties in favour of the lower column index, as ``numpy.argmax``
does. Only the order of the scores within a row matters, so probabilities and
logits give the same result. The output is a ``scipy.sparse.csr_matrix`` 0/1
indicator of dtype int64 with sorted column indices. It is built one chunk of
rows at a time, so no dense ``(n_samples, n_classes)`` temporary is made.

The private helpers that validate a score matrix and assemble the indicator
from chunks are shared with the expected-F1 and conformal rules.
"""

import numbers

import numpy as np
import scipy.sparse as sp

# Rows per chunk are chosen so that a chunk contains about this many scores. The
# largest temporaries are a few arrays of the chunk's shape, 8 MiB each in
# float64.
_CHUNK_ELEMENTS = 1 << 20


def top_k_indicator(P, k):
    """Select the ``k`` highest-scored columns of each row.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_classes)
        Scores, float32 or float64. Probabilities and logits select the same
        columns, because only the order within a row matters.
    k : int
        Number of columns selected per row. A ``k`` larger than
        ``n_classes`` selects every column, and 0 selects none.

    Returns
    -------
    indicator : csr_matrix of shape (n_samples, n_classes) and dtype int64
        1 for the selected columns. Among equal scores the lower column index
        is selected first, as ``numpy.argmax`` does.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._top_k import top_k_indicator
    >>> P = np.array([[0.2, 0.5, 0.5, 0.1], [0.9, 0.0, 0.3, 0.3]])
    >>> top_k_indicator(P, 2).toarray()
    array([[0, 1, 1, 0],
           [1, 0, 1, 0]])
    """
    P = _check_score_matrix(P, probabilities=False)
    k = _check_label_count(k, "k")
    n_samples, n_classes = P.shape
    k = min(k, n_classes)

    def chunk_masks():
        for start, stop in _row_chunks(n_samples, n_classes):
            chunk = P[start:stop]
            yield _top_k_mask(chunk, np.full(len(chunk), k))

    return _csr_from_row_masks(chunk_masks(), P.shape)


def fill_min_labels(indicator, P, min_labels):
    """Add the top-scored columns to rows with fewer than ``min_labels``.

    A row with fewer than ``min_labels`` positives gets its highest-scored
    negative columns set to 1 until it has ``min_labels`` positives, or every
    column when ``min_labels`` exceeds ``n_classes``. A row that already has
    enough positives is returned unchanged.

    Parameters
    ----------
    indicator : sparse matrix or ndarray of shape (n_samples, n_classes)
        The 0/1 decisions to complete.
    P : ndarray of shape (n_samples, n_classes)
        Scores, float32 or float64, probabilities or logits. They rank the
        columns that can be added.
    min_labels : int
        Minimum number of positives per row.

    Returns
    -------
    indicator : csr_matrix of shape (n_samples, n_classes) and dtype int64
        The completed decisions. Among equal scores the lower column index is
        added first.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sklabel._top_k import fill_min_labels
    >>> P = np.array([[0.3, 0.2, 0.3], [0.9, 0.8, 0.1]])
    >>> indicator = sp.csr_matrix([[0, 0, 0], [1, 0, 0]])
    >>> fill_min_labels(indicator, P, 1).toarray()
    array([[1, 0, 0],
           [1, 0, 0]])
    """
    P = _check_score_matrix(P, probabilities=False)
    indicator = _check_indicator(indicator, P.shape)
    min_labels = min(_check_label_count(min_labels, "min_labels"), P.shape[1])

    def chunk_masks():
        for start, stop in _row_chunks(*P.shape):
            positive = indicator[start:stop].toarray() != 0
            missing = min_labels - np.count_nonzero(positive, axis=1)
            rows = np.flatnonzero(missing > 0)
            if len(rows):
                # Positives get -inf so that only negatives can be added. Every
                # row has at least ``missing`` negatives because min_labels is
                # capped at n_classes.
                scores = np.where(positive[rows], -np.inf, P[start:stop][rows])
                positive[rows] |= _top_k_mask(scores, missing[rows])
            yield positive

    return _csr_from_row_masks(chunk_masks(), P.shape)


def trim_max_labels(indicator, P, max_labels):
    """Keep only the ``max_labels`` top-scored positives of each row.

    Rows with at most ``max_labels`` positives are returned unchanged.

    Parameters
    ----------
    indicator : sparse matrix or ndarray of shape (n_samples, n_classes)
        The 0/1 decisions to trim.
    P : ndarray of shape (n_samples, n_classes)
        Scores, float32 or float64, probabilities or logits. They rank the
        positives of each row.
    max_labels : int
        Maximum number of positives per row.

    Returns
    -------
    indicator : csr_matrix of shape (n_samples, n_classes) and dtype int64
        The trimmed decisions. Among positives with equal scores the lower
        column index is kept.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sklabel._top_k import trim_max_labels
    >>> P = np.array([[0.6, 0.9, 0.6, 0.7]])
    >>> indicator = sp.csr_matrix([[1, 1, 1, 0]])
    >>> trim_max_labels(indicator, P, 2).toarray()
    array([[1, 1, 0, 0]])
    """
    P = _check_score_matrix(P, probabilities=False)
    indicator = _check_indicator(indicator, P.shape)
    max_labels = _check_label_count(max_labels, "max_labels")

    def chunk_masks():
        for start, stop in _row_chunks(*P.shape):
            positive = indicator[start:stop].toarray() != 0
            rows = np.flatnonzero(np.count_nonzero(positive, axis=1) > max_labels)
            if len(rows):
                scores = np.where(positive[rows], P[start:stop][rows], -np.inf)
                positive[rows] = _top_k_mask(scores, np.full(len(rows), max_labels))
            yield positive

    return _csr_from_row_masks(chunk_masks(), P.shape)


def _top_k_mask(scores, k):
    """Return the boolean mask of the ``k[i]`` highest scores of each row ``i``.

    Ties go to the lower column index. Each ``k[i]`` must be at most the
    number of scores above ``-inf`` in its row, because ``-inf`` marks the
    columns that must not be selected.
    """
    n_rows, n_columns = scores.shape
    mask = np.zeros(scores.shape, dtype=bool)
    rows = np.flatnonzero(k > 0)
    if len(rows) == 0:
        return mask
    scores = scores[rows]
    k = k[rows]

    # In ascending order the k-th highest score sits at position
    # n_columns - k, and partitioning at each distinct position in the chunk
    # puts every row's cut value in place.
    cut_positions = n_columns - k
    partitioned = np.partition(scores, np.unique(cut_positions), axis=1)
    cut = partitioned[np.arange(len(rows)), cut_positions][:, np.newaxis]

    # Every score above the cut is selected. Scores equal to the cut fill the
    # remaining places from the left, which gives the lower column index
    # priority at ties.
    above = scores > cut
    at_cut = scores == cut
    places_left = (k - np.count_nonzero(above, axis=1))[:, np.newaxis]
    mask[rows] = above | (at_cut & (np.cumsum(at_cut, axis=1) <= places_left))
    return mask


def _row_chunks(n_rows, n_columns):
    """Yield ``(start, stop)`` row ranges of about ``_CHUNK_ELEMENTS`` scores."""
    step = max(1, _CHUNK_ELEMENTS // max(n_columns, 1))
    for start in range(0, n_rows, step):
        yield start, min(start + step, n_rows)


def _csr_from_row_masks(masks, shape):
    """Stack boolean masks of consecutive row chunks into a CSR indicator.

    ``masks`` may be a generator, so only one chunk's mask is in memory at a
    time. The result has dtype int64, and its column indices are sorted
    because ``numpy.nonzero`` returns them in row-major order.
    """
    row_counts = [np.zeros(1, dtype=np.int64)]
    column_chunks = [np.zeros(0, dtype=np.int32)]
    for mask in masks:
        _, columns = np.nonzero(mask)
        row_counts.append(np.count_nonzero(mask, axis=1))
        column_chunks.append(columns.astype(np.int32, copy=False))

    indptr = np.cumsum(np.concatenate(row_counts), dtype=np.int64)
    indices = np.concatenate(column_chunks)
    data = np.ones(len(indices), dtype=np.int64)
    indicator = sp.csr_matrix((data, indices, indptr), shape=shape)
    indicator.has_sorted_indices = True
    return indicator


def _check_score_matrix(P, *, probabilities, name="P"):
    """Return ``P`` as a 2-D float32 or float64 array, or raise.

    Scores must be finite, and probabilities must also lie in [0, 1]. The
    check uses ``min`` and ``max``, which propagate NaN, so it makes no
    temporary array.
    """
    if sp.issparse(P):
        raise TypeError(
            f"{name} must be a dense array, got a scipy.sparse matrix. Pass "
            f"{name}.toarray()."
        )
    P = np.asarray(P)
    if P.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"{name} must have dtype float32 or float64, got {P.dtype}. Convert "
            f"it with {name}.astype(np.float64)."
        )
    if P.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_classes), got shape "
            f"{P.shape}. Reshape a single sample with {name}.reshape(1, -1)."
        )
    if P.size == 0:
        return P

    low, high = P.min(), P.max()
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(
            f"{name} contains NaN or infinite scores (min {low}, max {high}); "
            "remove or repair those samples first."
        )
    if probabilities and not (low >= 0 and high <= 1):
        raise ValueError(
            f"{name} must contain probabilities in [0, 1], got values from "
            f"{low} to {high}. Convert logits with scipy.special.expit or "
            "scipy.special.softmax first."
        )
    return P


def _check_label_count(value, name):
    """Return ``value`` as an int, or raise unless it is an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer, got {value!r} of type "
            f"{type(value).__name__}. Pass a whole number of labels."
        )
    if value < 0:
        raise ValueError(
            f"{name} must be >= 0, got {value}. Pass 0 or a positive number of labels."
        )
    return int(value)


def _check_indicator(indicator, shape):
    """Return ``indicator`` as a CSR matrix of that shape, or raise.

    Every stored value must be 0 or 1.
    """
    if sp.issparse(indicator):
        indicator = sp.csr_matrix(indicator)
        values = indicator.data
    else:
        values = np.asarray(indicator)
        indicator = sp.csr_matrix(values)
    if indicator.shape != shape:
        raise ValueError(
            f"indicator has shape {indicator.shape}, but the scores have shape "
            f"{shape}. Pass the decisions made from these scores."
        )
    if not np.isin(values, (0, 1)).all():
        raise ValueError(
            "indicator must contain only 0 and 1, got other values. Pass a 0/1 "
            "indicator matrix such as the output of a decision rule."
        )
    return indicator
