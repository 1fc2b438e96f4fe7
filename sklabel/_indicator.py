"""The decoder's output edge: 0/1 indicator matrices and class names.

``transform`` returns a decision as an indicator matrix; ``inverse_transform``
reads one back and returns names. This module checks indicators, formats a
decision in the shape ``LabelBinarizer`` and ``MultiLabelBinarizer`` use, and
turns rows into names.
"""

import numpy as np
import scipy.sparse as sp


def read_indicator(indicator, width):
    """Check a 0/1 indicator and return it as CSR of the expected width."""
    if sp.issparse(indicator):
        matrix = sp.csr_matrix(indicator)
    else:
        array = np.asarray(indicator)
        if array.ndim == 1 and width == 1:
            array = array.reshape(-1, 1)
        if array.ndim != 2:
            raise ValueError(
                f"indicator must be a 2-D 0/1 matrix, got shape {array.shape}."
            )
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"indicator must contain 0/1 numbers, got dtype {array.dtype}."
            )
        matrix = sp.csr_matrix(array)
    if matrix.shape[1] != width:
        raise ValueError(
            f"indicator has {matrix.shape[1]} columns but this decoder's "
            f"transform output has {width}; pass the output of transform."
        )
    values = np.unique(matrix.data)
    invalid = values[(values != 0) & (values != 1)]
    if invalid.size:
        raise ValueError(
            f"indicator contains {invalid[:5].tolist()}, but only 0 and 1 are "
            "allowed. inverse_transform takes the 0/1 output of transform; to "
            "turn probabilities or logits into names, call decode(scores)."
        )
    matrix.eliminate_zeros()
    return sp.csr_matrix(matrix, dtype=np.int64)


def one_hot_to_index(matrix, *, allow_empty):
    """Return each row's column, and the mask of rows that have one.

    A row with more than one 1 is an error. An all-zero row is an error too,
    unless ``allow_empty`` (the reject rule leaves rejected rows empty).
    """
    counts = np.diff(matrix.indptr)
    bad = counts > 1 if allow_empty else counts != 1
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"indicator row {row} has {counts[row]} ones; a multi-class row "
            "must have exactly one. Pass the output of transform."
        )
    has_label = counts == 1
    index = np.zeros(matrix.shape[0], dtype=np.intp)
    index[has_label] = matrix.indices
    return index, has_label


def index_to_names(index, classes, accepted=None, reject_label=None):
    """Return the names of ``index``; rows not accepted get ``reject_label``."""
    names = classes[index]
    if accepted is None or accepted.all():
        return names
    names = names.astype(object)
    names[~accepted] = reject_label
    return names


def indicator_to_label_sets(matrix, classes):
    """Return one tuple of names per row, in ``classes`` order."""
    matrix = sp.csr_matrix(matrix)
    matrix.sort_indices()
    names = classes.tolist()
    indices = matrix.indices.tolist()
    indptr = matrix.indptr.tolist()
    return [
        tuple(names[j] for j in indices[indptr[row] : indptr[row + 1]])
        for row in range(matrix.shape[0])
    ]


def index_to_one_hot(index, n_classes, accepted=None, *, sparse=False):
    """Return the one-hot matrix of ``index``; rows not accepted stay zero."""
    n_samples = len(index)
    if accepted is None:
        accepted = np.ones(n_samples, dtype=bool)
    indptr = np.zeros(n_samples + 1, dtype=np.int64)
    np.cumsum(accepted, out=indptr[1:])
    indices = np.asarray(index)[accepted].astype(np.int32)
    data = np.ones(len(indices), dtype=np.int64)
    matrix = sp.csr_matrix((data, indices, indptr), shape=(n_samples, n_classes))
    return matrix if sparse else matrix.toarray()
