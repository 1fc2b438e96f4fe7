"""Read classifier scores into one checked ``(n_samples, n_columns)`` matrix.

Scores arrive in many shapes: a 1-D array, binary ``(n, 1)`` or ``(n, 2)``
outputs, ``(n, k)`` matrices, nested lists, pandas DataFrames, or the list of
``k`` arrays of shape ``(n, 2)`` that a multi-output ``predict_proba``
returns. This module turns each of them into a 2-D floating-point array and
checks its values. Decision rules live elsewhere.
"""

import contextlib
import numbers

import numpy as np

SCORE_TYPES = ("probabilities", "logits")


def read_scores(scores, *, classes=None, input_name="scores"):
    """Read scores into a 2-D float32 or float64 array.

    Parameters
    ----------
    scores : array-like, DataFrame or list of arrays
        The scores to read.
    classes : ndarray of shape (n_classes,), default=None
        The class names, when known. A DataFrame whose column names are
        exactly these classes is reordered by name.
    input_name : str, default="scores"
        The name used in error messages.

    Returns
    -------
    matrix : ndarray of shape (n_samples, n_columns)
        float32 for float16 and float32 input, float64 otherwise.
    """
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
    _check_finite(matrix, input_name)
    return matrix


def check_probabilities(matrix, input_name="scores"):
    """Raise a ValueError when a probability matrix has values outside [0, 1]."""
    low, high = float(matrix.min()), float(matrix.max())
    if low < 0 or high > 1:
        bad = low if low < 0 else high
        raise ValueError(
            f"{input_name} were declared as probabilities but contain "
            f"{bad!r}, outside [0, 1]. Pass scores='logits' if these are "
            "logits or decision_function values."
        )


def infer_score_type(matrix):
    """Return "probabilities" when every value is in [0, 1], else "logits"."""
    if matrix.min() >= 0 and matrix.max() <= 1:
        return "probabilities"
    return "logits"


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


def _check_finite(matrix, input_name):
    finite = np.isfinite(matrix)
    if finite.all():
        return
    row, column = np.argwhere(~finite)[0]
    value = float(matrix[row, column])
    n_bad = int(matrix.size - np.count_nonzero(finite))
    raise ValueError(
        f"{input_name} contain {n_bad} non-finite value(s) ({value!r} at row "
        f"{row}, column {column}); NaN and infinite scores cannot be decoded. "
        "Remove or fix those rows first."
    )


def _is_dataframe(scores):
    return hasattr(scores, "columns") and hasattr(scores, "to_numpy")


def _read_dataframe(frame, classes, input_name):
    columns = list(frame.columns)
    if classes is not None:
        columns_matched = _match_columns_to_classes(columns, classes, input_name)
        if columns_matched is not None:
            frame = frame[columns_matched]
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
