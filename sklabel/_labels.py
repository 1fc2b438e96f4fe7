"""Read targets and class names into sorted or given classes and 0/1 rows.

A target ``y`` arrives as 1-D labels, a list of label sets, or a dense or
sparse 0/1 indicator matrix. This module resolves the class names, infers the
kind of problem, and returns the target as a CSR indicator matrix whose
columns follow the classes.
"""

import numbers
from collections import Counter

import numpy as np
import scipy.sparse as sp

PROBLEMS = ("binary", "multiclass", "multilabel")

# The forms of y that classify_target distinguishes.
LABELS = "labels"
LABEL_SETS = "label sets"
INDICATOR = "indicator"


def format_names(names, limit=10):
    """Return up to ``limit`` names as a plain list for error messages."""
    first_names = np.asarray(names)[:limit].tolist()
    if len(names) > limit:
        first_names.append(f"... ({len(names)} in all)")
    return first_names


def check_classes(classes):
    """Validate user-given class names and return them as a 1-D array."""
    if isinstance(classes, str):
        raise TypeError(
            f"classes must be a list of class names, got the string {classes!r}. "
            f"Pass [{classes!r}, ...] with one name per score column."
        )
    names = list(classes)
    if len(names) < 2:
        raise ValueError(
            f"classes must name at least 2 classes, got {names!r}. A binary "
            "problem has two classes: the negative one first."
        )
    _check_label_values(names, "classes")
    counts = Counter(names)
    duplicates = sorted(str(name) for name, count in counts.items() if count > 1)
    if duplicates:
        raise ValueError(
            f"classes contains duplicate names {duplicates}; every score "
            "column needs its own class name."
        )
    return _as_label_array(names)


def classify_target(y):
    """Return "labels", "label sets" or "indicator" for the form of y."""
    if sp.issparse(y):
        return INDICATOR
    if not isinstance(y, list | tuple | np.ndarray) and hasattr(y, "__array__"):
        y = np.asarray(y)
    if hasattr(y, "to_numpy") and getattr(y, "ndim", 1) == 2:
        return INDICATOR
    if isinstance(y, np.ndarray) and y.dtype.kind != "O":
        return INDICATOR if y.ndim == 2 and y.shape[1] > 1 else LABELS

    items = list(y.ravel()) if isinstance(y, np.ndarray) else list(y)
    is_set = [_is_label_set(item) for item in items]
    if items and all(is_set):
        return INDICATOR if _is_nested_indicator(items) else LABEL_SETS
    if any(is_set):
        first = is_set.index(True)
        raise ValueError(
            "y mixes single labels and label sets (element 0 is "
            f"{items[0]!r}, element {first} is {items[first]!r}). Pass one "
            "label per sample, or a label set (tuple or list) for every sample."
        )
    return LABELS


def read_target(y, *, classes=None, problem="auto"):
    """Resolve classes and problem from y, and return y as an indicator.

    Parameters
    ----------
    y : array-like, list of label sets, or sparse matrix
        The target.
    classes : ndarray, default=None
        Class names in score-column order, or None to learn sorted classes.
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
        The kind of problem; "auto" infers it from y and the classes.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
    problem : str
    indicator : csr_matrix or ndarray of shape (n_samples, n_classes)
        CSR int8, or a dense boolean array when y is a dense indicator.
    """
    form = classify_target(y)
    if form == INDICATOR:
        indicator = _read_indicator(y, classes)
        if classes is None:
            classes = np.arange(indicator.shape[1])
        if problem in ("binary", "multiclass"):
            return classes, problem, _one_hot_indicator(indicator, problem)
        problem = _resolve_problem(problem, form, classes)
        return classes, problem, indicator

    if form == LABELS:
        fast = _read_label_array(y, classes)
        if fast is not None:
            classes, indicator = fast
            return classes, _resolve_problem(problem, form, classes), indicator

    if form == LABEL_SETS:
        label_sets = [tuple(item) for item in y]
        values = [label for labels in label_sets for label in labels]
    else:
        values = _as_label_list(y)
        label_sets = [(label,) for label in values]
    _check_label_values(values, "y")
    if classes is None:
        classes = _learn_classes(values)
    else:
        _check_labels_in_classes(values, classes)
    problem = _resolve_problem(problem, form, classes)
    return classes, problem, _label_sets_to_indicator(label_sets, classes)


def _read_label_array(y, classes):
    """Return the classes and CSR indicator of a typed label array, or None.

    A NumPy array or pandas Series of integers, booleans, finite floats or
    strings contains no missing labels and no mix of strings and numbers, so
    the per-label checks, which loop in Python, can be skipped. Any other
    input, and any label outside ``classes``, returns None so that the
    general path reads it and raises its usual errors.
    """
    if not isinstance(y, np.ndarray) and not hasattr(y, "to_numpy"):
        return None
    array = y.to_numpy() if hasattr(y, "to_numpy") else y
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.ravel()
    if array.ndim != 1 or array.dtype.kind not in "biufU":
        return None
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        return None

    if classes is None:
        classes = np.unique(array)
    if len(classes) < 2 or np.asarray(classes).dtype.kind != array.dtype.kind:
        return None
    order = np.argsort(classes, kind="stable")
    sorted_classes = np.asarray(classes)[order]
    position = np.minimum(np.searchsorted(sorted_classes, array), len(classes) - 1)
    if not (sorted_classes[position] == array).all():
        return None

    n_samples = len(array)
    indicator = sp.csr_matrix(
        (np.ones(n_samples, dtype=np.int8), order[position], np.arange(n_samples + 1)),
        shape=(n_samples, len(classes)),
    )
    return classes, indicator


def _resolve_problem(problem, form, classes):
    n_classes = len(classes)
    if problem == "auto":
        if form in (INDICATOR, LABEL_SETS):
            return "multilabel"
        return "binary" if n_classes == 2 else "multiclass"
    if problem == "binary" and n_classes != 2:
        raise ValueError(
            f"problem='binary' needs exactly 2 classes, got {n_classes}: "
            f"{format_names(classes, 10)}. Use problem='multiclass' or 'multilabel', "
            "or pass the two classes."
        )
    if problem in ("binary", "multiclass") and form != LABELS:
        raise ValueError(
            f"problem={problem!r} needs one label per sample, but y is a "
            f"{form} target. Use problem='multilabel', or pass 1-D labels."
        )
    return problem


def _read_indicator(y, classes):
    """Return a 0/1 indicator: CSR int8 for sparse input, dense bool otherwise.

    A dense indicator stays dense, because converting a large dense matrix
    with many positives to CSR costs several times its size in index arrays.
    """
    if sp.issparse(y):
        matrix = sp.csr_matrix(y)
        matrix.eliminate_zeros()
        _check_zero_one(np.unique(matrix.data))
        indicator = sp.csr_matrix(matrix, dtype=np.int8)
    else:
        array = y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y)
        if array.dtype.kind == "O":
            array = _object_indicator_to_numeric(array)
        _check_dense_zero_one(array)
        indicator = array.astype(bool, copy=False)
    if classes is not None and indicator.shape[1] != len(classes):
        raise ValueError(
            f"y has {indicator.shape[1]} indicator columns but classes has "
            f"{len(classes)} names; pass one class name per column."
        )
    return indicator


def _one_hot_indicator(indicator, problem):
    """Return a one-hot indicator as CSR, checking one label per row."""
    indicator = sp.csr_matrix(indicator, dtype=np.int8)
    counts = np.diff(indicator.indptr)
    if (counts != 1).any():
        row = int(np.flatnonzero(counts != 1)[0])
        raise ValueError(
            f"problem={problem!r} reads a 0/1 indicator y as one-hot, but row "
            f"{row} has {counts[row]} labels. Pass exactly one label per row, "
            "or use problem='multilabel'."
        )
    indicator.sort_indices()
    return indicator


def _check_dense_zero_one(array):
    if array.dtype.kind == "b":
        return
    if (
        array.dtype.kind in "iu"
        and array.size
        and array.min() >= 0
        and array.max() <= 1
    ):
        return
    _check_zero_one(np.unique(array))


def _check_zero_one(values):
    invalid = values[~np.isin(values, [0, 1])]
    if invalid.size:
        raise ValueError(
            "y is a 2-D matrix, read as a 0/1 label indicator, but contains "
            f"values {invalid[:5].tolist()}. Pass 0/1 (or boolean) values, or "
            "pass one label per sample as a 1-D array."
        )


def _object_indicator_to_numeric(array):
    try:
        return array.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "y is a 2-D matrix, read as a 0/1 label indicator, but contains "
            "non-numeric values. Pass a 0/1 matrix, or a list of label tuples "
            "such as [('cat', 'dog'), ('bird',)]."
        ) from None


def _as_label_list(y):
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    array = np.asarray(y) if not isinstance(y, list | tuple) else None
    if array is not None:
        if array.ndim == 2 and array.shape[1] == 1:
            array = array.ravel()
        if array.ndim != 1:
            raise ValueError(
                f"y must be 1-D labels, label sets or a 2-D indicator, got an "
                f"array of shape {array.shape}."
            )
        return array.tolist()
    return list(y)


def _check_label_values(values, name):
    kinds = set()
    for value in values:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            raise ValueError(
                f"{name} contains a missing label ({value!r}); every label "
                "must be a string or a number. Drop or fill those samples."
            )
        if isinstance(value, str | np.str_):
            kinds.add("string")
        elif isinstance(value, bool | np.bool_ | numbers.Number):
            kinds.add("number")
        else:
            raise TypeError(
                f"{name} contains {value!r} of type {type(value).__name__}; "
                "labels must be strings or numbers."
            )
    if len(kinds) > 1:
        raise ValueError(
            f"{name} mixes strings and numbers ({_first_of_each(values)}); "
            "labels cannot be sorted or matched reliably. Convert every label "
            "to str, or every label to a number."
        )


def _first_of_each(values):
    first_string = next(v for v in values if isinstance(v, str | np.str_))
    first_number = next(v for v in values if not isinstance(v, str | np.str_))
    return f"{first_string!r} and {first_number!r}"


def _learn_classes(values):
    classes = np.unique(_as_label_array(values))
    if len(classes) < 2:
        raise ValueError(
            f"y contains only 1 class, {classes.tolist()}; at least 2 are "
            "needed to learn a decoder. Pass classes=[...] to name every score "
            "column."
        )
    return classes


def _check_labels_in_classes(values, classes):
    known = set(np.asarray(classes).tolist())
    unknown = sorted({v for v in _as_label_array(values).tolist() if v not in known})
    if unknown:
        raise ValueError(
            f"y contains labels {unknown[:20]} that are not in classes "
            f"{format_names(classes, 20)}. Add them to classes, or remove those "
            "samples."
        )


def _label_sets_to_indicator(label_sets, classes):
    position = {name: index for index, name in enumerate(np.asarray(classes).tolist())}
    indptr = np.zeros(len(label_sets) + 1, dtype=np.int64)
    indices = []
    for row, labels in enumerate(label_sets):
        columns = sorted({position[_as_python(label)] for label in labels})
        indices.extend(columns)
        indptr[row + 1] = len(indices)
    indices = np.asarray(indices, dtype=np.int64)
    data = np.ones(len(indices), dtype=np.int8)
    shape = (len(label_sets), len(classes))
    return sp.csr_matrix((data, indices, indptr), shape=shape)


def _as_label_array(values):
    return np.asarray(values)


def _as_python(value):
    return value.item() if isinstance(value, np.generic) else value


def _is_label_set(item):
    return isinstance(item, list | tuple | set | frozenset | np.ndarray)


def _is_indicator_row(item):
    if not isinstance(item, list | np.ndarray):
        return False
    values = list(item)
    return all(
        isinstance(v, numbers.Integral | np.bool_) and v in (0, 1) for v in values
    )


def _is_nested_indicator(items):
    """Tell whether nested lists are rows of a 0/1 indicator matrix.

    Nested lists and arrays of 0/1 values, all of one length above 1, are
    read as indicator rows, as scikit-learn reads them. Tuples and sets are
    always label sets, as ``MultiLabelBinarizer`` reads them.
    """
    if not all(_is_indicator_row(item) for item in items):
        return False
    return len({len(item) for item in items}) == 1 and len(items[0]) > 1
