"""Fixed decision rules: per-class thresholds, binary cuts and arg-max.

Every function takes a score matrix in its own units (probabilities or
logits) and thresholds already in those units, and returns the decision as
column indices or a 0/1 indicator matrix. A score equal to its threshold is
positive, and arg-max ties go to the first column, as ``numpy.argmax`` does.

Logits are compared with thresholds in logit units, so no sigmoid is ever
applied to the matrix, and float32 scores are compared in float32 with
thresholds rounded up to float32 (see :func:`sklabel._link.round_up_to_dtype`),
so the matrix is never converted.
"""

import numpy as np
import scipy.sparse as sp

from ._link import round_up_to_dtype

# Scores compared per chunk: 1 MiB of float32 scores and a 256 KiB boolean
# mask, so the mask is still in a core's cache when flatnonzero reads it back.
# On a 100,000 x 1,000 float32 matrix, benchmarks/bench_transform.py
# --sweep-chunks timed chunks of 256K to 4M scores within a few percent of
# each other and chunks of 64K scores 1.4 times slower. 256K is the smallest
# of the fast sizes, so it keeps the temporaries smallest.
CHUNK_ELEMENTS = 1 << 18


def rows_per_chunk(n_columns, chunk_size=None):
    """Return how many rows to decode at once for a matrix of that width."""
    if chunk_size is not None:
        return chunk_size
    return max(1, CHUNK_ELEMENTS // max(n_columns, 1))


def threshold_indicator(matrix, score_thresholds, *, chunk_size=None):
    """Return the CSR indicator of ``matrix >= score_thresholds``.

    The matrix is read in chunks that follow its memory layout, and the CSR
    arrays are built from each chunk's positive entries, so no dense
    ``(n_samples, n_classes)`` temporary is made and the matrix is not copied.
    The extra memory is one chunk's boolean mask plus the output.

    Parameters
    ----------
    matrix : ndarray of shape (n_samples, n_classes)
        Scores, float32 or float64, in any memory layout. An F-contiguous
        matrix is read in chunks of columns, any other in chunks of rows.
    score_thresholds : ndarray of shape (n_classes,)
        Thresholds in the units of the scores.
    chunk_size : int, default=None
        Rows per chunk when the matrix is read by rows; by default sized so
        that a chunk has about ``CHUNK_ELEMENTS`` scores. Columns per chunk of
        an F-contiguous matrix are always sized that way.

    Returns
    -------
    indicator : csr_matrix of shape (n_samples, n_classes) and dtype int64
        The decisions, with sorted column indices.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._rules import threshold_indicator
    >>> scores = np.array([[0.9, 0.2, 0.5], [0.1, 0.7, 0.4]], dtype=np.float32)
    >>> threshold_indicator(scores, np.array([0.5, 0.5, 0.5])).toarray()
    array([[1, 0, 1],
           [0, 1, 0]])
    """
    cut = round_up_to_dtype(score_thresholds, matrix.dtype)
    cut = np.broadcast_to(cut, matrix.shape[1:])
    if matrix.flags.f_contiguous and not matrix.flags.c_contiguous:
        return _threshold_by_columns(matrix, cut)
    return _threshold_by_rows(matrix, cut, chunk_size)


def _threshold_by_rows(matrix, cut, chunk_size):
    """Build the CSR indicator from chunks of rows."""
    n_samples, n_classes = matrix.shape
    step = rows_per_chunk(n_classes, chunk_size)
    # One C-ordered mask buffer is reused for every chunk, so that its flat
    # positions are row-major whatever the layout of the matrix.
    mask = np.empty((min(step, n_samples), n_classes), dtype=bool)
    row_ends = np.arange(1, mask.shape[0] + 1, dtype=np.int64) * n_classes

    indptr = np.zeros(n_samples + 1, dtype=np.int64)
    column_chunks = [np.zeros(0, dtype=np.int32)]
    for start in range(0, n_samples, step):
        stop = min(start + step, n_samples)
        chunk_mask = mask[: stop - start]
        np.greater_equal(matrix[start:stop], cut, out=chunk_mask)
        positions = np.flatnonzero(chunk_mask)
        # The number of positives up to the end of each row of the chunk.
        indptr[start + 1 : stop + 1] = np.searchsorted(
            positions, row_ends[: stop - start]
        )
        indptr[start + 1 : stop + 1] += indptr[start]
        column_chunks.append((positions % n_classes).astype(np.int32))

    return _indicator_from_arrays(np.concatenate(column_chunks), indptr, matrix.shape)


def _threshold_by_columns(matrix, cut):
    """Build the indicator from chunks of columns of an F-contiguous matrix.

    Each column of ``matrix`` is a contiguous row of ``matrix.T``, so the
    chunks give the indicator in CSC form, which is then converted to CSR.
    """
    n_samples, n_classes = matrix.shape
    transposed = matrix.T
    step = max(1, CHUNK_ELEMENTS // max(n_samples, 1))
    mask = np.empty((min(step, n_classes), n_samples), dtype=bool)
    column_ends = np.arange(1, mask.shape[0] + 1, dtype=np.int64) * n_samples

    indptr = np.zeros(n_classes + 1, dtype=np.int64)
    row_chunks = [np.zeros(0, dtype=np.int32)]
    for start in range(0, n_classes, step):
        stop = min(start + step, n_classes)
        chunk_mask = mask[: stop - start]
        np.greater_equal(
            transposed[start:stop], cut[start:stop, np.newaxis], out=chunk_mask
        )
        positions = np.flatnonzero(chunk_mask)
        indptr[start + 1 : stop + 1] = np.searchsorted(
            positions, column_ends[: stop - start]
        )
        indptr[start + 1 : stop + 1] += indptr[start]
        row_chunks.append((positions % n_samples).astype(np.int32))

    rows = np.concatenate(row_chunks)
    data = np.ones(len(rows), dtype=np.int64)
    by_column = sp.csc_matrix((data, rows, indptr), shape=matrix.shape)
    # SciPy's CSC to CSR conversion writes each row's columns in order.
    indicator = by_column.tocsr()
    indicator.has_sorted_indices = True
    return indicator


def _indicator_from_arrays(indices, indptr, shape):
    """Return the int64 CSR indicator of sorted column ``indices``."""
    data = np.ones(len(indices), dtype=np.int64)
    indicator = sp.csr_matrix((data, indices, indptr), shape=shape)
    indicator.has_sorted_indices = True
    return indicator


def binary_positive(column, score_threshold):
    """Return a boolean mask of the samples whose score is ``>=`` the cut."""
    cut = round_up_to_dtype(np.asarray([score_threshold]), column.dtype)[0]
    return column >= cut


def argmax_index(matrix, offsets=None):
    """Return each row's column of maximum score, plus optional offsets.

    With offsets, ``matrix + offsets`` is formed one chunk of rows at a time,
    so no temporary of the matrix's size is made.
    """
    if offsets is None:
        return np.argmax(matrix, axis=1)
    n_samples = matrix.shape[0]
    index = np.empty(n_samples, dtype=np.intp)
    step = rows_per_chunk(matrix.shape[1])
    for start in range(0, n_samples, step):
        stop = min(start + step, n_samples)
        index[start:stop] = np.argmax(matrix[start:stop] + offsets, axis=1)
    return index
