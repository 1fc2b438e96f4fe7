"""Read classifier scores into one checked ``(n_samples, n_columns)`` matrix.

Scores arrive in many shapes: a 1-D array, binary ``(n, 1)`` or ``(n, 2)``
outputs, ``(n, k)`` matrices, nested lists, pandas DataFrames, or the list of
``k`` arrays of shape ``(n, 2)`` that a multi-output ``predict_proba``
returns. This module turns each of them into a 2-D floating-point array and
checks its values. A scipy.sparse score matrix is read into a CSR matrix whose
absent entries mean "not scored". Decision rules live elsewhere.

The checks read the matrix in blocks of about ``CHECK_BLOCK_ELEMENTS`` scores,
in its memory order, and keep one or two numbers per block. So checking a
matrix allocates no temporary of the matrix's size, and a float32 C- or
F-contiguous matrix is never copied.
"""

import contextlib
import numbers

import numpy as np
import scipy.sparse as sp

SCORE_TYPES = ("probabilities", "logits")


class ProbabilityRangeError(ValueError):
    """Scores read as probabilities lie outside [0, 1]; ``value`` is one."""

    def __init__(self, message, *, value):
        super().__init__(message)
        self.value = value

# Scores per block of the checks: 1 MiB of float32 or 2 MiB of float64, small
# enough for a second reduction of a block to read it from a core's cache.
CHECK_BLOCK_ELEMENTS = 1 << 18


def read_scores(
    scores,
    *,
    classes=None,
    input_name="scores",
    probabilities=False,
    accept_sparse=False,
):
    """Read scores into a 2-D float32 or float64 array, and check them.

    A float32 or float64 array, C- or F-contiguous, is returned as it is,
    without a copy.

    Parameters
    ----------
    scores : array-like, DataFrame, list of arrays or sparse matrix
        The scores to read.
    classes : ndarray of shape (n_classes,), default=None
        The class names, when known. A DataFrame whose column names are
        exactly these classes is reordered by name.
    input_name : str, default="scores"
        The name used in error messages.
    probabilities : bool, default=False
        Whether to also check that every score is in [0, 1], in the same pass
        over the matrix as the finiteness check.
    accept_sparse : bool, default=False
        Whether a scipy.sparse matrix is accepted. It is then read by
        :func:`read_sparse_scores` and returned as CSR. When False, sparse
        input raises a TypeError.

    Returns
    -------
    matrix : ndarray or csr_matrix of shape (n_samples, n_columns)
        float32 for float16 and float32 input, float64 otherwise.
    """
    if sp.issparse(scores):
        if not accept_sparse:
            raise TypeError(
                f"{input_name} is a scipy.sparse matrix, which is only read for "
                "multi-label problems, where an absent entry means \"not "
                f"scored\". Pass a dense array ({input_name}.toarray()) for "
                "binary and multi-class problems."
            )
        return read_sparse_scores(
            scores, input_name=input_name, probabilities=probabilities
        )
    if _is_dataframe(scores):
        matrix = _read_dataframe(scores, classes, input_name)
    elif _is_multi_output_list(scores):
        matrix = _read_multi_output_list(scores, input_name)
    else:
        matrix = _as_float_array(scores, input_name)

    if matrix.ndim == 1:
        matrix = matrix.reshape(-1, 1)
    if matrix.ndim != 2:
        raise ValueError(
            f"{input_name} must be 1-D or 2-D, got an array of shape "
            f"{matrix.shape}. Pass a list of (n_samples, 2) arrays for "
            "multi-output predict_proba output."
        )
    if matrix.shape[0] == 0:
        raise ValueError(
            f"{input_name} is empty (shape {matrix.shape}); at least one "
            "sample is required."
        )
    if matrix.shape[1] == 0:
        raise ValueError(
            f"{input_name} have 0 feature(s) (shape={matrix.shape}) while a "
            "minimum of 1 is required; pass at least one score column."
        )
    _check_values(matrix, input_name, probabilities)
    return matrix


def read_sparse_scores(scores, *, input_name="scores", probabilities=False):
    """Read a scipy.sparse score matrix into a checked CSR matrix.

    A stored entry is a score, whatever its value (an explicitly stored 0.0
    is a score of 0.0). An absent entry means "not scored": the decision
    rules treat it as below every threshold. A float32 or float64 CSR matrix
    with sorted indices and no duplicate entries is returned as it is.

    Parameters
    ----------
    scores : sparse matrix or sparse array of shape (n_samples, n_columns)
        The scores, in any scipy.sparse format. Formats other than CSR are
        converted to CSR.
    input_name : str, default="scores"
        The name used in error messages.
    probabilities : bool, default=False
        Whether to also check that every stored score is in [0, 1].

    Returns
    -------
    matrix : csr_matrix or csr_array of shape (n_samples, n_columns)
        float32 for float16 and float32 input, float64 otherwise, with sorted
        indices.
    """
    matrix = _as_csr(scores, input_name)
    if matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise ValueError(
            f"{input_name} is empty (shape {matrix.shape}); at least one "
            "sample and one score column are required."
        )
    data = _cast_to_float(matrix.data, input_name)
    if data is not matrix.data:
        matrix = type(matrix)(
            (data, matrix.indices, matrix.indptr), shape=matrix.shape
        )
    matrix = _canonical_csr(matrix, input_name)
    _check_values(matrix, input_name, probabilities)
    return matrix


def score_range(matrix):
    """Return the minimum and maximum score as floats, NaN if any is NaN.

    The matrix is read block by block in its memory order, so the only
    temporaries are one minimum and one maximum per block. For a sparse
    matrix only the stored entries count, and ``None`` is returned when it
    stores none.

    Parameters
    ----------
    matrix : ndarray or sparse matrix
        Scores of any shape.

    Returns
    -------
    value_range : tuple of two floats, or None
        ``(low, high)``, or None when there is no score.
        NumPy's minimum and maximum propagate NaN, so a NaN anywhere makes
        both values NaN. An infinite score makes ``low`` ``-inf`` or
        ``high`` ``+inf``, so both are finite exactly when every score is.
    """
    if sp.issparse(matrix):
        matrix = matrix.data
    if matrix.size == 0:
        return None
    lows = []
    highs = []
    for block in _blocks_in_memory_order(matrix):
        lows.append(block.min())
        highs.append(block.max())
    return float(np.min(lows)), float(np.max(highs))


def check_probabilities(matrix, input_name="scores"):
    """Raise a ValueError when a probability matrix has values outside [0, 1].

    Parameters
    ----------
    matrix : ndarray or sparse matrix
        Finite scores. For a sparse matrix only the stored entries are
        checked.
    input_name : str, default="scores"
        The name used in error messages.
    """
    if _valid_by_one_reduction(matrix, probabilities=True):
        return
    _check_probability_range(score_range(matrix), input_name)


def infer_score_type(matrix):
    """Return "probabilities" when every value is in [0, 1], else "logits".

    For a sparse matrix only the stored entries count, and a matrix that
    stores none is read as probabilities.
    """
    value_range = score_range(matrix)
    if value_range is None:
        return "probabilities"
    low, high = value_range
    if low >= 0 and high <= 1:
        return "probabilities"
    return "logits"


def _blocks_in_memory_order(matrix):
    """Yield views that cover ``matrix``, each contiguous in memory if it is.

    An F-contiguous 2-D matrix is cut into blocks of columns, anything else
    into blocks of rows, so that every block reads consecutive memory.
    """
    if matrix.ndim != 2:
        matrix = matrix.reshape(matrix.shape[0] if matrix.ndim else 1, -1)
    n_rows, n_columns = matrix.shape
    if matrix.flags.f_contiguous and not matrix.flags.c_contiguous:
        step = max(1, CHECK_BLOCK_ELEMENTS // max(n_rows, 1))
        for start in range(0, n_columns, step):
            yield matrix[:, start : start + step]
    else:
        step = max(1, CHECK_BLOCK_ELEMENTS // max(n_columns, 1))
        for start in range(0, n_rows, step):
            yield matrix[start : start + step]


def _check_values(matrix, input_name, probabilities):
    """Raise unless every score is finite, and in [0, 1] if ``probabilities``.

    A valid matrix is confirmed by one reduction per block (see
    :func:`_valid_by_one_reduction`). Only when that fails are the exact
    minimum and maximum computed, to name the invalid value.
    """
    if _valid_by_one_reduction(matrix, probabilities):
        return
    value_range = score_range(matrix)
    if value_range is None:
        return
    if not (np.isfinite(value_range[0]) and np.isfinite(value_range[1])):
        _raise_non_finite(matrix, input_name)
    if probabilities:
        _check_probability_range(value_range, input_name)


# The bit patterns of 1.0. A float whose sign bit is clear orders like its bits
# read as an unsigned integer, and a set sign bit makes that integer larger
# than these, so ``bits <= ONE_BITS`` is true exactly for +0.0 <= x <= 1.0.
_ONE_BITS = {
    np.dtype(np.float32): (np.uint32, np.float32(1.0).view(np.uint32)),
    np.dtype(np.float64): (np.uint64, np.float64(1.0).view(np.uint64)),
}


def _valid_by_one_reduction(matrix, probabilities):
    """Return True only if every score is finite, and in [0, 1] if asked.

    Probabilities are checked with the largest bit pattern of each block,
    logits with each block's sum, which is NaN or infinite whenever a score
    is. False is not a verdict: -0.0 fails the bit test and a sum can
    overflow, so the caller then runs the exact check.
    """
    if sp.issparse(matrix):
        matrix = matrix.data
    if matrix.size == 0:
        return True
    if probabilities and matrix.dtype in _ONE_BITS:
        unsigned, one_bits = _ONE_BITS[matrix.dtype]
        return all(
            block.view(unsigned).max() <= one_bits
            for block in _blocks_in_memory_order(matrix)
        )
    with np.errstate(over="ignore", invalid="ignore"):
        return all(
            np.isfinite(block.sum()) for block in _blocks_in_memory_order(matrix)
        )


def _check_probability_range(value_range, input_name):
    if value_range is None:
        return
    low, high = value_range
    if low < 0 or high > 1:
        bad = low if low < 0 else high
        raise ProbabilityRangeError(
            f"{input_name} were declared as probabilities but contain "
            f"{bad!r}, outside [0, 1]. Pass scores='logits' if these are "
            "logits or decision_function values.",
            value=bad,
        )


def _as_float_array(scores, input_name):
    if isinstance(scores, str) or scores is None:
        raise TypeError(
            f"{input_name} must be an array-like of numbers, got "
            f"{type(scores).__name__} {scores!r}."
        )
    try:
        array = np.asarray(scores)
    except ValueError as error:
        raise ValueError(
            f"{input_name} could not be read as a rectangular array ({error}). "
            "Every row must have the same number of columns."
        ) from None
    return _cast_to_float(array, input_name)


def _cast_to_float(array, input_name):
    kind = array.dtype.kind
    if kind == "b":
        raise TypeError(
            f"{input_name} are booleans, which look like decoded labels, not "
            "scores. Pass probabilities or logits, or use inverse_transform "
            "to turn a 0/1 indicator matrix into names."
        )
    if kind == "c":
        raise ValueError(
            f"Complex data not supported: {input_name} have dtype "
            f"{array.dtype}. Pass real probabilities or logits."
        )
    if kind == "O":
        return _cast_object_array(array, input_name)
    if kind not in "iuf":
        raise TypeError(
            f"{input_name} must be numeric, got an array of dtype "
            f"{array.dtype}. Convert the scores to floats first."
        )
    if array.dtype in (np.float16, np.float32):
        return np.asarray(array, dtype=np.float32)
    return np.asarray(array, dtype=np.float64)


def _cast_object_array(array, input_name):
    # Object arrays come from ragged nested lists, from mixed containers and
    # from pandas; only real numbers are accepted, never strings or None.
    flat = array.ravel()
    for value in flat:
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"{input_name} must contain only real numbers, got "
                f"{type(value).__name__} {value!r}. If the rows have different "
                "lengths, make every row the same length."
            )
    return array.astype(np.float64)


def _raise_non_finite(matrix, input_name):
    """Raise a ValueError naming the first non-finite score in row-major order.

    The matrix is scanned in blocks of rows, so this error path also makes no
    temporary of the matrix's size.
    """
    if sp.issparse(matrix):
        n_bad, (row, column, value) = _first_non_finite_sparse(matrix)
    else:
        n_bad, (row, column, value) = _first_non_finite_dense(matrix)
    raise ValueError(
        f"{input_name} contain {n_bad} non-finite value(s) ({value!r} at row "
        f"{row}, column {column}); NaN and infinite scores cannot be decoded. "
        "Remove or fix those rows first."
    )


def _first_non_finite_dense(matrix):
    """Return the number of non-finite scores and the first one's position."""
    n_bad = 0
    first = None
    step = max(1, CHECK_BLOCK_ELEMENTS // max(matrix.shape[1], 1))
    for start in range(0, matrix.shape[0], step):
        bad = ~np.isfinite(matrix[start : start + step])
        n_block = int(np.count_nonzero(bad))
        if n_block and first is None:
            row, column = np.argwhere(bad)[0]
            first = (start + int(row), int(column))
            first += (float(matrix[first]),)
        n_bad += n_block
    return n_bad, first


def _first_non_finite_sparse(matrix):
    """Return the number of non-finite stored scores and the first one's position."""
    bad = ~np.isfinite(matrix.data)
    position = int(np.argmax(bad))
    row = int(np.searchsorted(matrix.indptr, position, side="right")) - 1
    first = (row, int(matrix.indices[position]), float(matrix.data[position]))
    return int(np.count_nonzero(bad)), first


def _as_csr(scores, input_name):
    """Convert any sparse matrix to CSR, rejecting COO duplicates.

    A COO matrix sums its duplicate entries when converted, which would add
    two scores of the same entry, so a duplicate is an error instead.
    """
    if scores.format == "csr":
        return scores
    matrix = scores.tocsr()
    if scores.format == "coo" and matrix.nnz != scores.nnz:
        raise ValueError(
            f"{input_name} stores {scores.nnz - matrix.nnz} duplicate "
            "entries; each (row, column) pair must hold at most one score. "
            "Remove the duplicates before decoding."
        )
    return matrix


def _canonical_csr(matrix, input_name):
    """Return ``matrix`` with sorted indices, raising on duplicate entries.

    The decision rules break ties by column index and read each row's entries
    in order, so unsorted indices are sorted, in a copy.
    """
    if matrix.has_canonical_format:
        return matrix
    matrix = matrix.copy()
    matrix.sort_indices()
    indices, indptr = matrix.indices, matrix.indptr
    repeated = np.flatnonzero(indices[1:] == indices[:-1])
    if repeated.size:
        # Equal neighbouring indices are a duplicate only within one row.
        rows = np.searchsorted(indptr, repeated, side="right") - 1
        same_row = repeated + 1 < indptr[rows + 1]
        if same_row.any():
            row = int(rows[same_row][0])
            column = int(indices[repeated[same_row][0]])
            raise ValueError(
                f"{input_name} stores more than one score at row {row}, "
                f"column {column}; each (row, column) pair must hold at most "
                "one score. Remove the duplicates before decoding."
            )
    matrix.has_canonical_format = True
    return matrix


def _is_dataframe(scores):
    return hasattr(scores, "columns") and hasattr(scores, "to_numpy")


def _read_dataframe(frame, classes, input_name):
    columns = list(frame.columns)
    if classes is not None:
        columns_matched = _match_columns_to_classes(columns, classes, input_name)
        if columns_matched is not None:
            frame = frame[columns_matched]
    _check_dataframe_dtypes(frame, input_name)
    try:
        array = frame.to_numpy(dtype=None)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{input_name} could not be read: {error}") from None
    if array.dtype.kind == "O":
        # Nullable pandas dtypes (Float64, Int64) come out as objects with
        # pd.NA; convert them to floats so that missing values become NaN and
        # are reported by the finiteness check.
        with contextlib.suppress(TypeError, ValueError):
            array = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    return _cast_to_float(array, input_name)


def _check_dataframe_dtypes(frame, input_name):
    """Reject boolean and non-numeric columns before pandas converts them.

    A frame that mixes float and bool (or string) columns converts to an
    object array that looks numeric, so the column dtypes are checked here.
    """
    for column, dtype in frame.dtypes.items():
        kind = getattr(dtype, "kind", "O")
        if kind == "b":
            raise TypeError(
                f"{input_name} column {column!r} is boolean ({dtype}), which "
                "looks like decoded labels, not scores. Pass probabilities or "
                "logits."
            )
        if kind not in "iuf":
            raise TypeError(
                f"{input_name} column {column!r} has dtype {dtype}; scores must "
                "be numeric. Convert the column to floats first."
            )


def _match_columns_to_classes(columns, classes, input_name):
    """Return the columns in class order, or None to keep their positions.

    Columns named exactly after the classes are reordered by name. Columns
    that share no name with the classes (a default integer index, say) are
    read by position. A partial overlap is an error, since neither reading is
    safe.
    """
    class_list = np.asarray(classes).tolist()
    column_set = set(columns)
    if len(class_list) == 2 and len(columns) == 1:
        # A binary problem with one named column: it must be the positive
        # class's score, never the negative one's.
        if columns[0] == class_list[0]:
            raise ValueError(
                f"{input_name} has one column, named {columns[0]!r}, which is "
                f"the negative class classes_[0]. A single column is read as "
                f"the score of classes_[1] ({class_list[1]!r}); pass that "
                "column instead."
            )
        return None
    if column_set == set(class_list) and len(columns) == len(class_list):
        return class_list
    shared = column_set & set(class_list)
    if not shared:
        return None
    missing = [name for name in class_list if name not in column_set]
    extra = [name for name in columns if name not in set(class_list)]
    raise ValueError(
        f"{input_name} columns do not match the classes: missing "
        f"{missing}, unexpected {extra}. Name the columns exactly after the "
        "classes, or pass a plain array to read them by position."
    )


def _is_multi_output_list(scores):
    if not isinstance(scores, list | tuple) or len(scores) == 0:
        return False
    return all(np.ndim(item) == 2 for item in scores)


def _read_multi_output_list(arrays, input_name):
    """Stack the positive-class column of each (n, 2) output into (n, k)."""
    columns = []
    n_samples = None
    for index, item in enumerate(arrays):
        array = _as_float_array(item, f"{input_name}[{index}]")
        if array.shape[1] != 2:
            raise ValueError(
                f"{input_name}[{index}] has shape {array.shape}; each array "
                "of a multi-output list must have shape (n_samples, 2), the "
                "probabilities of 0 and 1 for one label. An output with one "
                "column means that label had a single value in training; "
                "refit on data where it takes both values."
            )
        if n_samples is not None and array.shape[0] != n_samples:
            raise ValueError(
                f"{input_name}[{index}] has {array.shape[0]} rows but "
                f"{input_name}[0] has {n_samples}; every output must score the "
                "same samples."
            )
        n_samples = array.shape[0]
        columns.append(array[:, 1])
    dtype = np.result_type(*columns)
    return np.stack(columns, axis=1).astype(dtype, copy=False)
