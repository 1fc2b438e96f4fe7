"""Fixed decision rules: per-class thresholds, binary cuts and arg-max.

Every function takes a score matrix in its own units (probabilities or
logits) and thresholds already in those units, and returns the decision as
column indices or a 0/1 indicator matrix. A score equal to its threshold is
positive, and arg-max ties go to the first column, as ``numpy.argmax`` does.
"""

import numpy as np
import scipy.sparse as sp

from ._link import round_up_to_dtype

# Scores compared per chunk of rows: the chunk's boolean mask is the largest
# temporary, so this bounds the extra memory of a threshold decision at about
# 4 MiB whatever the matrix size.
CHUNK_ELEMENTS = 1 << 22


def rows_per_chunk(n_columns, chunk_size=None):
    """Return how many rows to decode at once for a matrix of that width."""
    if chunk_size is not None:
        return chunk_size
    return max(1, CHUNK_ELEMENTS // max(n_columns, 1))


def threshold_indicator(matrix, score_thresholds, *, chunk_size=None):
    """Return the CSR indicator of ``matrix >= score_thresholds``.

    The matrix is read in chunks of rows and the CSR arrays are built from
    each chunk's positive entries, so no dense ``(n_samples, n_classes)``
    temporary is ever made.

    Parameters
    ----------
    matrix : ndarray of shape (n_samples, n_classes)
        Scores, float32 or float64.
    score_thresholds : ndarray of shape (n_classes,)
        Thresholds in the units of the scores.
    chunk_size : int, default=None
        Rows per chunk; by default sized so a chunk has about 4 million scores.

    Returns
    -------
    indicator : csr_matrix of shape (n_samples, n_classes) and dtype int64
    """
    n_samples, n_classes = matrix.shape
    cut = round_up_to_dtype(score_thresholds, matrix.dtype)
    step = rows_per_chunk(n_classes, chunk_size)

    indptr = np.zeros(n_samples + 1, dtype=np.int64)
    column_chunks = []
    for start in range(0, n_samples, step):
        stop = min(start + step, n_samples)
        rows, columns = np.nonzero(matrix[start:stop] >= cut)
        indptr[start + 1 : stop + 1] = np.bincount(rows, minlength=stop - start)
        column_chunks.append(columns.astype(np.int32, copy=False))

    np.cumsum(indptr, out=indptr)
    indices = np.concatenate(column_chunks) if column_chunks else np.zeros(0, np.int32)
    data = np.ones(len(indices), dtype=np.int64)
    return sp.csr_matrix((data, indices, indptr), shape=(n_samples, n_classes))


def binary_positive(column, score_threshold):
    """Return a boolean mask of the samples whose score is ``>=`` the cut."""
    cut = round_up_to_dtype(np.asarray([score_threshold]), column.dtype)[0]
    return column >= cut


def argmax_index(matrix, offsets=None):
    """Return each row's column of maximum score, plus optional offsets."""
    if offsets is not None:
        matrix = matrix + offsets
    return np.argmax(matrix, axis=1)


def index_to_indicator(index, n_classes, mask=None):
    """Return a CSR one-hot matrix of ``index``; rows where ``mask`` is False
    are left empty."""
    n_samples = len(index)
    if mask is None:
        mask = np.ones(n_samples, dtype=bool)
    indptr = np.zeros(n_samples + 1, dtype=np.int64)
    np.cumsum(mask, out=indptr[1:])
    indices = np.asarray(index)[mask].astype(np.int32)
    data = np.ones(len(indices), dtype=np.int64)
    return sp.csr_matrix((data, indices, indptr), shape=(n_samples, n_classes))
