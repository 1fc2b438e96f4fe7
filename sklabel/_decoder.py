"""ProbabilityDecoder: the transformer from scores to class names."""

import numbers
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._labels import PROBLEMS, check_classes, format_names, read_target
from ._link import thresholds_to_score_units
from ._persistence import VersionedPickleMixin
from ._rules import argmax_index, binary_positive, threshold_indicator
from ._scores import SCORE_TYPES, check_probabilities, infer_score_type, read_scores
from ._top_k import fill_min_labels, trim_max_labels

DEFAULT_THRESHOLD = 0.5


class ProbabilityDecoder(VersionedPickleMixin, TransformerMixin, BaseEstimator):
    """Decode a classifier's scores into class names.

    The decoder reads scores in any common shape: a binary column, an
    ``(n_samples, n_classes)`` matrix, the list of ``(n_samples, 2)`` arrays
    of a multi-output ``predict_proba``, or a DataFrame. The scores may be
    probabilities or logits. It turns them into labels with a binary cut on
    ``classes_[1]``, a multi-class arg-max, or per-class thresholds for
    multi-label problems.

    Read more in the :ref:`User Guide <decoding_basics>`.

    Parameters
    ----------
    classes : array-like of shape (n_classes,), default=None
        Class names in the order of the score columns. They are never sorted.
        When None, ``fit`` learns the sorted classes of ``y``, which is the
        column order of a scikit-learn estimator's ``predict_proba``.

    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
        The kind of problem. "auto" infers it in ``fit``: label sets and 0/1
        indicator matrices are multi-label, one label per sample is binary
        with 2 classes and multi-class with more.

    scores : {"auto", "probabilities", "logits"}, default="auto"
        What the scores are. Logits are read with sigmoid semantics for
        binary and multi-label problems and softmax semantics for multi-class
        ones. "auto" decides once, in ``fit``: "probabilities" when every
        validation score is in [0, 1], else "logits". The decision is stored
        in ``scores_`` and ``transform`` never guesses again. Pass the type
        explicitly when logits may all fall in [0, 1].

    threshold : float, array-like of shape (n_classes,) or dict, default=None
        Decision thresholds in probability units, for binary and multi-label
        problems; a score equal to its threshold is positive. A float applies
        to every class (for binary problems, to ``classes_[1]``); an array
        gives one threshold per class in ``classes_`` order; a dict maps class
        names to thresholds, and classes it leaves out get 0.5. None means
        0.5. Multi-class arg-max uses no threshold, so it must be None there.

    min_labels : int, default=0
        Multi-label only: rows with fewer positive labels get the top-scored
        labels added until they have ``min_labels``. 1 gives every sample at
        least one label.

    max_labels : int, default=None
        Multi-label only: rows with more positive labels keep only the
        ``max_labels`` top-scored ones. None keeps them all.

    sparse_output : bool or "auto", default="auto"
        Whether ``transform`` returns a SciPy CSR matrix. "auto" returns CSR
        for multi-label problems and a dense array otherwise.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class names, in the order of the score columns.

    problem_ : str
        "binary", "multiclass" or "multilabel".

    scores_ : str
        "probabilities" or "logits": how ``transform`` reads scores.

    thresholds_ : float, ndarray of shape (n_classes,) or None
        Decision thresholds in probability units: a float for binary
        problems (the threshold of ``classes_[1]``), one per class for
        multi-label problems, None for multi-class arg-max.

    score_thresholds_ : float, ndarray of shape (n_classes,) or None
        The same thresholds in the units of the scores (``logit(threshold)``
        for logits), which ``transform`` compares the scores with.

    n_features_in_ : int
        Number of score columns seen in ``fit``.

    See Also
    --------
    sklearn.preprocessing.MultiLabelBinarizer : Reads the indicator matrix
        that ``transform`` returns for multi-label problems.
    sklearn.preprocessing.LabelBinarizer : The binary and multi-class output
        shape that ``transform`` follows.

    Examples
    --------
    Multi-label logits, cut at 0.5 in logit space:

    >>> from sklabel import ProbabilityDecoder
    >>> gases = ["He", "Ne", "Ar", "Kr", "Xe", "Rn"]
    >>> logits = [[-8.71, -0.2, 0.12, 0.78, -1.37, -2.86],
    ...           [1.27, 2.8, -0.17, -1.92, 12.42, 6.13]]
    >>> decoder = ProbabilityDecoder(classes=gases, problem="multilabel",
    ...                              scores="logits").fit(logits)
    >>> decoder.decode(logits)
    [('Ar', 'Kr'), ('He', 'Ne', 'Xe', 'Rn')]

    Binary probabilities, with classes learned from labels:

    >>> decoder = ProbabilityDecoder().fit([0.9, 0.2, 0.6], ["spam", "ham", "spam"])
    >>> decoder.classes_
    array(['ham', 'spam'], dtype='<U4')
    >>> decoder.decode([0.7, 0.1])
    array(['spam', 'ham'], dtype='<U4')
    """

    _parameter_constraints: dict = {
        "classes": ["array-like", None],
        "problem": [StrOptions({"auto", *PROBLEMS})],
        "scores": [StrOptions({"auto", *SCORE_TYPES})],
        "threshold": [
            Interval(numbers.Real, 0, 1, closed="both"),
            "array-like",
            dict,
            None,
        ],
        "min_labels": [Interval(numbers.Integral, 0, None, closed="left")],
        "max_labels": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "sparse_output": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        *,
        classes=None,
        problem="auto",
        scores="auto",
        threshold=None,
        min_labels=0,
        max_labels=None,
        sparse_output="auto",
    ):
        self.classes = classes
        self.problem = problem
        self.scores = scores
        self.threshold = threshold
        self.min_labels = min_labels
        self.max_labels = max_labels
        self.sparse_output = sparse_output

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, scores, y=None):
        """Learn the classes, the kind of problem and the type of the scores.

        Parameters
        ----------
        scores : array-like of shape (n_samples,) or (n_samples, n_columns)
            Validation scores: probabilities or logits, one column per class
            (one or two columns for binary problems), a DataFrame, or a list
            of ``(n_samples, 2)`` arrays from a multi-output ``predict_proba``.

        y : array-like, list of label sets or sparse matrix, default=None
            True labels of the same samples: 1-D labels, label sets such as
            ``[("cat", "dog"), ()]``, or a 0/1 indicator matrix. It may be
            None when ``classes`` is given and ``problem`` is set (or there
            are two classes).

        Returns
        -------
        self : object
            The fitted decoder.
        """
        classes, problem, _ = self._resolve_target(y)
        matrix = read_scores(scores, classes=classes)
        if y is not None and matrix.shape[0] != _n_samples(y):
            raise ValueError(
                f"scores have {matrix.shape[0]} rows but y has {_n_samples(y)} "
                "samples; pass the true labels of the scored samples."
            )
        _check_n_columns(matrix, classes, problem, fitted=False)
        score_type = self._resolve_score_type(matrix)
        self._check_rule_params(problem)
        thresholds = self._fixed_thresholds(classes, problem)

        self.classes_ = classes
        self.problem_ = problem
        self.scores_ = score_type
        self.n_features_in_ = matrix.shape[1]
        self._set_thresholds(thresholds)
        return self

    def transform(self, scores):
        """Decode scores into a 0/1 indicator matrix.

        Parameters
        ----------
        scores : array-like of shape (n_samples,) or (n_samples, n_columns)
            Scores in the form accepted by ``fit``.

        Returns
        -------
        indicator : ndarray or csr_matrix
            Shape ``(n_samples, 1)`` for binary problems (1 means
            ``classes_[1]``), ``(n_samples, n_classes)`` otherwise, with
            columns in ``classes_`` order and integer 0/1 values. It is a CSR
            matrix for multi-label problems unless ``sparse_output=False``.
        """
        decision = self._decide(scores)
        return self._format_output(decision)

    def inverse_transform(self, indicator):
        """Turn a 0/1 indicator matrix back into class names.

        Parameters
        ----------
        indicator : array-like or sparse matrix
            The output of ``transform``: dense or sparse, integer or boolean.

        Returns
        -------
        labels : ndarray of shape (n_samples,) or list of tuples
            Class names: a 1-D array for binary and multi-class problems, a
            list of tuples of names for multi-label problems.
        """
        check_is_fitted(self)
        matrix = _read_indicator(indicator, self._output_width())
        if self.problem_ == "multilabel":
            return _indicator_to_label_sets(matrix, self.classes_)
        if self.problem_ == "binary":
            return self.classes_[matrix.toarray().ravel()]
        return self.classes_[_one_hot_to_index(matrix)]

    def decode(self, scores):
        """Decode scores into class names.

        Equal to ``inverse_transform(transform(scores))``.

        Parameters
        ----------
        scores : array-like of shape (n_samples,) or (n_samples, n_columns)
            Scores in the form accepted by ``fit``.

        Returns
        -------
        labels : ndarray of shape (n_samples,) or list of tuples
            Class names: a 1-D array for binary and multi-class problems, a
            list of tuples of names for multi-label problems.
        """
        decision = self._decide(scores)
        if self.problem_ == "multilabel":
            return _indicator_to_label_sets(decision, self.classes_)
        return self.classes_[decision]

    def get_feature_names_out(self, input_features=None):
        """Return the names of the output columns: the class names.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Ignored; the output columns are named after the classes.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``classes_`` as strings, or only ``classes_[1]`` for binary
            problems, whose output has a single column.
        """
        check_is_fitted(self)
        names = self.classes_[1:] if self.problem_ == "binary" else self.classes_
        return np.asarray([str(name) for name in names], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = []
        return tags

    def _resolve_target(self, y):
        classes = None if self.classes is None else check_classes(self.classes)
        if y is not None:
            return read_target(y, classes=classes, problem=self.problem)
        if classes is None:
            raise ValueError(
                "y is None and classes is None, so the class names are "
                "unknown. Pass y to fit, or pass classes=[...]."
            )
        problem = self.problem
        if problem == "auto":
            if len(classes) != 2:
                raise ValueError(
                    f"problem='auto' cannot tell multi-class from multi-label "
                    f"without y ({len(classes)} classes given). Pass y to fit, "
                    "or set problem='multiclass' or 'multilabel'."
                )
            problem = "binary"
        if problem == "binary" and len(classes) != 2:
            raise ValueError(
                f"problem='binary' needs exactly 2 classes, got {len(classes)}."
            )
        return classes, problem, None

    def _resolve_score_type(self, matrix):
        score_type = self.scores
        if score_type == "auto":
            score_type = infer_score_type(matrix)
        elif score_type == "probabilities":
            check_probabilities(matrix)
        return score_type

    def _check_rule_params(self, problem):
        if problem == "multiclass" and self.threshold is not None:
            raise ValueError(
                f"threshold={self.threshold!r} was given for a multi-class "
                "problem, whose arg-max rule uses no threshold. Leave "
                "threshold=None, or set problem='multilabel' to cut each "
                "class on its own."
            )
        if problem != "multilabel":
            for name in ("min_labels", "max_labels"):
                value = getattr(self, name)
                if value not in (0, None):
                    raise ValueError(
                        f"{name}={value} applies to multi-label problems only, "
                        f"but the problem is {problem}."
                    )
        if self.max_labels is not None and self.max_labels < self.min_labels:
            raise ValueError(
                f"max_labels={self.max_labels} is smaller than "
                f"min_labels={self.min_labels}; raise max_labels or lower "
                "min_labels."
            )

    def _fixed_thresholds(self, classes, problem):
        if problem == "multiclass":
            return None
        return _resolve_thresholds(self.threshold, classes, problem)

    def _set_thresholds(self, thresholds):
        if thresholds is None:
            self.thresholds_ = None
            self.score_thresholds_ = None
            return
        score_thresholds = thresholds_to_score_units(thresholds, self.scores_)
        if self.problem_ == "binary":
            self.thresholds_ = float(thresholds[0])
            self.score_thresholds_ = float(score_thresholds[0])
        else:
            self.thresholds_ = thresholds
            self.score_thresholds_ = score_thresholds

    def _read_transform_input(self, scores):
        check_is_fitted(self)
        matrix = read_scores(scores, classes=self.classes_)
        _check_n_columns(matrix, self.classes_, self.problem_, fitted=True)
        if self.scores_ == "probabilities":
            check_probabilities(matrix)
        return _to_decision_matrix(matrix, self.problem_, self.scores_)

    def _decide(self, scores):
        """Return column indices (binary, multi-class) or a CSR indicator."""
        matrix = self._read_transform_input(scores)
        if self.problem_ == "binary":
            return binary_positive(matrix[:, 0], self.score_thresholds_).astype(np.intp)
        if self.problem_ == "multiclass":
            return argmax_index(matrix)
        indicator = threshold_indicator(matrix, np.atleast_1d(self.score_thresholds_))
        if self.min_labels > 0:
            indicator = fill_min_labels(indicator, matrix, self.min_labels)
        if self.max_labels is not None:
            indicator = trim_max_labels(indicator, matrix, self.max_labels)
        return indicator

    def _output_width(self):
        return 1 if self.problem_ == "binary" else len(self.classes_)

    def _format_output(self, decision):
        sparse = self.sparse_output
        if sparse == "auto":
            sparse = self.problem_ == "multilabel"
        if self.problem_ == "multilabel":
            return decision if sparse else decision.toarray()
        if self.problem_ == "binary":
            output = decision.reshape(-1, 1).astype(np.int64)
            return sp.csr_matrix(output) if sparse else output
        output = np.zeros((len(decision), len(self.classes_)), dtype=np.int64)
        output[np.arange(len(decision)), decision] = 1
        return sp.csr_matrix(output) if sparse else output


def _n_samples(y):
    if sp.issparse(y) or hasattr(y, "shape"):
        return y.shape[0]
    return len(y)


def _check_n_columns(matrix, classes, problem, *, fitted):
    n_columns = matrix.shape[1]
    n_classes = len(classes)
    if problem == "binary" and n_columns in (1, 2):
        return
    if problem != "binary" and n_columns == n_classes:
        return
    expected = "1 or 2" if problem == "binary" else str(n_classes)
    where = "the fitted classes_" if fitted else "the classes"
    raise ValueError(
        f"scores have {n_columns} columns, but {where} "
        f"{format_names(classes, 10)} of this "
        f"{problem} problem need {expected}. Pass one score column per class, "
        "in classes order, or pass classes=[...] naming every column."
    )


def _to_decision_matrix(matrix, problem, score_type):
    """Return the matrix the rules compare: one column for binary problems.

    A single binary column is the score of classes_[1]. Of two probability
    columns the second is used, so that every shape is cut the same way at
    the threshold. Two logit columns come from a two-unit softmax head, whose
    probability of classes_[1] is ``expit(z1 - z0)``, so their difference is
    the logit of classes_[1].
    """
    if problem != "binary" or matrix.shape[1] == 1:
        return matrix
    if score_type == "logits":
        return (matrix[:, 1] - matrix[:, 0]).reshape(-1, 1)
    return matrix[:, 1:2]


def _resolve_thresholds(threshold, classes, problem):
    """Return one threshold per class (only classes_[1] for binary problems)."""
    n_thresholds = 1 if problem == "binary" else len(classes)
    if threshold is None:
        return np.full(n_thresholds, DEFAULT_THRESHOLD)
    if isinstance(threshold, Mapping):
        thresholds = _thresholds_from_mapping(threshold, classes, problem)
    elif np.ndim(threshold) == 0:
        thresholds = np.full(n_thresholds, float(threshold))
    else:
        thresholds = np.asarray(threshold, dtype=np.float64).ravel()
        if thresholds.shape != (n_thresholds,):
            raise ValueError(
                f"threshold has {thresholds.size} values but this {problem} "
                f"problem needs {n_thresholds} (one per class in classes_ order"
                f"{', for classes_[1] only' if problem == 'binary' else ''})."
            )
    _check_threshold_values(thresholds, classes, problem)
    return thresholds


def _thresholds_from_mapping(mapping, classes, problem):
    names = list(classes[1:] if problem == "binary" else classes)
    unknown = [key for key in mapping if key not in set(np.asarray(classes).tolist())]
    if unknown:
        raise ValueError(
            f"threshold names classes {unknown} that are not in classes_ "
            f"{format_names(classes, 10)}. Use the exact class names."
        )
    negative, positive = np.asarray(classes).tolist()[:2]
    if problem == "binary" and negative in mapping:
        raise ValueError(
            f"threshold gives a value for {negative!r}, the negative class "
            f"classes_[0]. A binary threshold applies to classes_[1] "
            f"({positive!r}); give it for that class only."
        )
    return np.asarray(
        [float(mapping.get(name, DEFAULT_THRESHOLD)) for name in names],
        dtype=np.float64,
    )


def _check_threshold_values(thresholds, classes, problem):
    bad = ~((thresholds >= 0) & (thresholds <= 1))
    if bad.any():
        names = np.asarray(classes[1:] if problem == "binary" else classes)
        index = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"threshold for class {names[index].item()!r} is "
            f"{thresholds[index].item()!r}; "
            "thresholds are probabilities and must be in [0, 1]."
        )


def _read_indicator(indicator, width):
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
                f"indicator must hold 0/1 numbers, got dtype {array.dtype}."
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


def _one_hot_to_index(matrix):
    counts = np.diff(matrix.indptr)
    if (counts != 1).any():
        row = int(np.flatnonzero(counts != 1)[0])
        raise ValueError(
            f"indicator row {row} has {counts[row]} ones; a multi-class row "
            "must have exactly one. Pass the output of transform."
        )
    return matrix.indices


def _indicator_to_label_sets(matrix, classes):
    matrix = sp.csr_matrix(matrix)
    matrix.sort_indices()
    names = classes.tolist()
    indices = matrix.indices.tolist()
    indptr = matrix.indptr.tolist()
    return [
        tuple(names[j] for j in indices[indptr[row] : indptr[row + 1]])
        for row in range(matrix.shape[0])
    ]
