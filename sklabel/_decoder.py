"""ProbabilityDecoder: the transformer from scores to class names."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._conformal import aps_sets, calibrate_aps, calibrate_lac, lac_sets
from ._expected_f1 import expected_f1_indicator
from ._find_thresholds import find_thresholds
from ._indicator import (
    index_to_names,
    index_to_one_hot,
    indicator_to_label_sets,
    one_hot_to_index,
    read_indicator,
)
from ._labels import PROBLEMS, check_classes, format_names, read_target
from ._link import (
    log_probabilities_from_scores,
    probabilities_from_scores,
    thresholds_to_score_units,
)
from ._multiclass_rules import (
    check_cost_matrix,
    min_expected_cost_index,
    top_probability_accepted,
)
from ._multiclass_search import (
    fit_offsets_balanced_accuracy,
    fit_offsets_macro_f1,
    fit_reject_threshold,
)
from ._persistence import VersionedPickleMixin
from ._rule_selection import select_rule
from ._rules import argmax_index, binary_positive, threshold_indicator
from ._scores import (
    SCORE_TYPES,
    ProbabilityRangeError,
    check_probabilities,
    infer_score_type,
    read_scores,
)
from ._sparse_scores import sparse_threshold_indicator, sparse_top_k_indicator
from ._target_checks import (
    warn_if_binary_scores_swapped,
    warn_if_multiclass_scores_swapped,
    warn_if_one_label_per_row,
)
from ._threshold_param import resolve_thresholds
from ._top_k import fill_min_labels, top_k_indicator, trim_max_labels

# The rules each problem accepts; the first is the one rule=None selects.
RULES = {
    "binary": ("threshold",),
    "multiclass": ("argmax", "reject", "top_k", "lac", "aps"),
    "multilabel": ("threshold", "top_k", "expected_f1", "auto"),
}
# Rules whose output is a set of classes per sample, even for multi-class
# problems: transform returns CSR and inverse_transform tuples.
SET_RULES = ("top_k", "lac", "aps")
MULTICLASS_OBJECTIVES = ("balanced_accuracy", "f1", "cost")


class ProbabilityDecoder(VersionedPickleMixin, TransformerMixin, BaseEstimator):
    """Decode a classifier's scores into class names.

    The decoder reads scores in any common shape: a binary column, an
    ``(n_samples, n_classes)`` matrix, the list of ``(n_samples, 2)`` arrays
    of a multi-output ``predict_proba``, or a DataFrame. The scores may be
    probabilities or logits. By default it turns them into labels with a
    binary cut on ``classes_[1]``, a multi-class arg-max, or per-class
    thresholds for multi-label problems. With an ``objective``, ``fit`` learns
    those thresholds (or multi-class offsets) from validation scores. Other
    values of ``rule`` decode into top-k sets, expected-F1 sets or conformal
    prediction sets, or abstain on uncertain rows.

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
        to every class (for binary problems, to ``classes_[1]``). An array
        gives one threshold per class in ``classes_`` order. A dict maps class
        names to thresholds, and classes it leaves out get 0.5. None means
        0.5. With an ``objective``, these are the defaults that classes keep
        when no threshold can be learned for them. Multi-class rules use no
        such threshold, so it must be None there.

    objective : str or callable, default=None
        What ``fit`` maximises on the validation scores. None learns nothing
        and keeps ``threshold``. For binary and multi-label problems it learns
        one threshold per class, exactly (see :func:`find_thresholds`):
        "f1", "fbeta", "balanced_accuracy", "youden", "mcc", "jaccard",
        "accuracy", "cost", "recall_at_precision", "precision_at_recall", or a
        callable ``f(tp, fp, fn, tn)`` of confusion-count arrays. For
        multi-class problems: "balanced_accuracy" and "f1" (macro) learn
        additive per-class offsets on the log-probabilities, and "cost"
        predicts the class of lowest expected cost under
        ``objective_params["cost_matrix"]``. With ``rule="auto"`` it is the
        criterion the rule is chosen by.

    objective_params : dict, default=None
        Parameters of the objective:

        - ``beta`` for "fbeta";
        - ``fp_cost`` and ``fn_cost`` for "cost";
        - ``min_precision`` for "recall_at_precision";
        - ``min_recall`` for "precision_at_recall";
        - ``cost_matrix`` for multi-class "cost", of shape
          ``(n_classes, n_classes)``. Entry ``[i, j]`` is the cost of
          predicting class ``j`` when the truth is ``i``.

    average : {"macro", "micro", "samples"}, default="macro"
        How a multi-label objective combines classes: "macro" learns each
        class's threshold on its own; "micro" maximises the objective of the
        counts pooled over classes; "samples" maximises the mean per-sample
        F1 (with ``objective="f1"`` only).

    min_objective : float, default=None
        Rare-class protection for ``average="macro"``: a class whose best
        validation objective value is below this floor keeps its default
        threshold (the SCutFBR rule of Fan and Lin, 2007). None disables it.

    rule : str, default=None
        The decision rule. None selects the usual one: "threshold" for binary
        and multi-label problems, "argmax" for multi-class ones. Multi-class
        problems also take "reject" (abstain when the top probability is
        below ``reject_threshold``), "top_k" (the ``k`` top-scored classes),
        "lac" and "aps" (conformal prediction sets calibrated in ``fit`` for
        coverage ``1 - alpha``). Multi-label problems also take "top_k",
        "expected_f1" (each row's label set of maximal expected F1 under
        label independence) and "auto" (chosen among thresholds and
        expected-F1 decoding by cross-validation on the validation data).

    k : int, default=1
        Number of classes per sample for ``rule="top_k"``.

    min_labels : int, default=0
        Multi-label only: rows with fewer positive labels get the top-scored
        labels added until they have ``min_labels``. 1 gives every sample at
        least one label.

    max_labels : int, default=None
        Multi-label only: rows with more positive labels keep only the
        ``max_labels`` top-scored ones. None keeps them all.

    reject_threshold : float, default=None
        For ``rule="reject"``: rows whose top probability is below it are
        rejected. Give it, or give ``coverage`` to learn it.

    coverage : float, default=None
        For ``rule="reject"``: the fraction of validation rows to accept;
        ``fit`` learns the ``reject_threshold_`` that accepts at least it.

    reject_label : object, default=None
        The name ``decode`` and ``inverse_transform`` return for rejected
        rows. In ``transform`` output a rejected row is all zeros.

    alpha : float, default=0.1
        Miscoverage level of the conformal rules: for exchangeable data, the
        prediction set contains the true class with probability at least
        ``1 - alpha``.

    cv : int or cross-validation splitter, default=5
        For ``rule="auto"``: the folds of the validation data that candidate
        rules are scored on. An int gives unshuffled ``KFold``.

    sparse_output : bool or "auto", default="auto"
        Whether ``transform`` returns a SciPy CSR matrix. "auto" returns CSR
        for set-valued output (multi-label problems, and the "top_k", "lac"
        and "aps" rules) and a dense array otherwise.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class names, in the order of the score columns.

    problem_ : str
        "binary", "multiclass" or "multilabel".

    scores_ : str
        "probabilities" or "logits": how ``transform`` reads scores.

    rule_ : str
        The decision rule in use; for ``rule="auto"``, the rule chosen.

    min_labels_ : int
        The minimum number of labels per multi-label row in use: the
        ``min_labels`` parameter, or 1 when ``rule="auto"`` chose an "at least
        one label" variant.

    thresholds_ : float, ndarray of shape (n_classes,) or None
        Decision thresholds in probability units, for the threshold rule: a
        float for binary problems (the threshold of ``classes_[1]``), one per
        class for multi-label problems, None for other rules. ``inf`` means
        the class is never predicted.

    score_thresholds_ : float, ndarray of shape (n_classes,) or None
        The same thresholds in the units of the scores (``logit(threshold)``
        for logits), which ``transform`` compares the scores with. Learned
        thresholds are found in score units, so these are exact even where
        ``expit`` rounds ``thresholds_`` to 0 or 1.

    objective_values_ : ndarray of shape (n_classes,) or None
        Each class's objective value on the validation data at its learned
        threshold; None when nothing was learned.

    fallback_ : ndarray of shape (n_classes,) or None
        True for the classes that kept their default threshold because no
        threshold could be learned (no positive or no negative sample) or
        because ``min_objective`` was not reached.

    offsets_ : ndarray of shape (n_classes,) or None
        Multi-class only: learned additive offsets on the log-probabilities;
        the decision is ``argmax(log(p) + offsets_)``.

    cost_matrix_ : ndarray of shape (n_classes, n_classes) or None
        Multi-class "cost" objective only: the checked cost matrix.

    reject_threshold_ : float or None
        ``rule="reject"`` only: the top-probability threshold in use.

    conformal_threshold_ : float or None
        ``rule="lac"`` or ``"aps"`` only: the calibrated conformal threshold.

    rule_scores_ : dict or None
        ``rule="auto"`` only: each candidate rule's cross-validated objective.

    n_features_in_ : int
        Number of score columns seen in ``fit``.

    See Also
    --------
    find_thresholds : The threshold search, as a function.
    DecodedClassifier : A classifier that learns a decoder on out-of-fold
        scores.
    sklearn.preprocessing.MultiLabelBinarizer : Reads the indicator matrix
        that ``transform`` returns for multi-label problems.

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

    A threshold learned for F1 on validation scores:

    >>> scores = [0.1, 0.35, 0.4, 0.8, 0.9]
    >>> decoder = ProbabilityDecoder(objective="f1").fit(scores, [0, 1, 1, 1, 1])
    >>> decoder.thresholds_
    0.225
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
        "objective": [str, callable, None],
        "objective_params": [dict, None],
        "average": [StrOptions({"macro", "micro", "samples"})],
        "min_objective": [Interval(numbers.Real, None, None, closed="neither"), None],
        "rule": [
            StrOptions({rule for rules in RULES.values() for rule in rules}),
            None,
        ],
        "k": [Interval(numbers.Integral, 1, None, closed="left")],
        "min_labels": [Interval(numbers.Integral, 0, None, closed="left")],
        "max_labels": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "reject_threshold": [Interval(numbers.Real, 0, 1, closed="both"), None],
        "coverage": [Interval(numbers.Real, 0, 1, closed="right"), None],
        "reject_label": "no_validation",
        "alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
        "cv": ["cv_object"],
        "sparse_output": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        *,
        classes=None,
        problem="auto",
        scores="auto",
        threshold=None,
        objective=None,
        objective_params=None,
        average="macro",
        min_objective=None,
        rule=None,
        k=1,
        min_labels=0,
        max_labels=None,
        reject_threshold=None,
        coverage=None,
        reject_label=None,
        alpha=0.1,
        cv=5,
        sparse_output="auto",
    ):
        self.classes = classes
        self.problem = problem
        self.scores = scores
        self.threshold = threshold
        self.objective = objective
        self.objective_params = objective_params
        self.average = average
        self.min_objective = min_objective
        self.rule = rule
        self.k = k
        self.min_labels = min_labels
        self.max_labels = max_labels
        self.reject_threshold = reject_threshold
        self.coverage = coverage
        self.reject_label = reject_label
        self.alpha = alpha
        self.cv = cv
        self.sparse_output = sparse_output

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, scores, y=None, sample_weight=None):
        """Learn the classes, the type of the scores and the rule's state.

        Parameters
        ----------
        scores : array-like of shape (n_samples,) or (n_samples, n_columns)
            Validation scores: probabilities or logits, one column per class
            (one or two columns for binary problems), a DataFrame, or a list
            of ``(n_samples, 2)`` arrays from a multi-output ``predict_proba``.

        y : array-like, list of label sets or sparse matrix, default=None
            True labels of the same samples: 1-D labels, label sets such as
            ``[("cat", "dog"), ()]``, or a 0/1 indicator matrix. It may be
            None when ``classes`` is given, ``problem`` is known (or there are
            two classes), and nothing is learned from labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the validation samples in the objective.

        Returns
        -------
        self : object
            The fitted decoder.
        """
        classes, problem, indicator = self._resolve_target(y)
        rule = self._resolve_rule(problem, y)
        matrix = read_scores(
            scores, classes=classes, accept_sparse=problem == "multilabel"
        )
        if y is not None and matrix.shape[0] != indicator.shape[0]:
            raise ValueError(
                f"scores have {matrix.shape[0]} rows but y has "
                f"{indicator.shape[0]} samples; pass the true labels of the "
                "scored samples."
            )
        _check_n_columns(matrix, classes, problem, fitted=False)
        if sp.issparse(matrix) and rule not in ("threshold", "top_k"):
            raise TypeError(
                f"rule={rule!r} cannot be fitted on sparse scores; only the "
                "'threshold' and 'top_k' rules can. Pass scores.toarray(), or "
                "use one of those rules."
            )
        score_type = self._resolve_score_type(matrix)
        weight = _check_sample_weight(sample_weight, matrix.shape[0])
        decision_matrix = _to_decision_matrix(matrix, problem, score_type)

        self.classes_ = classes
        self.problem_ = problem
        self.scores_ = score_type
        self.rule_ = rule
        self.min_labels_ = self.min_labels
        self.n_features_in_ = matrix.shape[1]
        self._reset_rule_state()
        if y is not None:
            self._warn_on_suspicious_target(decision_matrix, indicator, weight)
        if problem == "multiclass":
            self._fit_multiclass(decision_matrix, indicator, weight)
        else:
            self._fit_thresholds(decision_matrix, indicator, weight)
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
            columns in ``classes_`` order and integer 0/1 values. A rejected
            row is all zeros. It is a CSR matrix for set-valued output unless
            ``sparse_output=False``.
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
            Class names: a 1-D array for binary and multi-class problems
            (``reject_label`` for rejected rows), a list of tuples of names
            for set-valued output.
        """
        check_is_fitted(self)
        matrix = read_indicator(indicator, self._output_width())
        if self._is_set_valued():
            return indicator_to_label_sets(matrix, self.classes_)
        if self.problem_ == "binary":
            return self.classes_[matrix.toarray().ravel()]
        index, accepted = one_hot_to_index(matrix, allow_empty=self.rule_ == "reject")
        return index_to_names(index, self.classes_, accepted, self.reject_label)

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
            Class names: a 1-D array for binary and multi-class problems
            (``reject_label`` for rejected rows), a list of tuples of names
            for set-valued output.
        """
        decision = self._decide(scores)
        if self._is_set_valued():
            return indicator_to_label_sets(decision, self.classes_)
        index, accepted = decision
        return index_to_names(index, self.classes_, accepted, self.reject_label)

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

    # ------------------------------------------------------------------
    # Validation of the target and parameters

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

    def _resolve_rule(self, problem, y):
        rule = RULES[problem][0] if self.rule is None else self.rule
        if rule not in RULES[problem]:
            raise ValueError(
                f"rule={rule!r} does not apply to a {problem} problem; use one "
                f"of {list(RULES[problem])}."
            )
        needs_labels = rule in ("lac", "aps", "auto") or self.objective is not None
        needs_labels |= rule == "reject" and self.coverage is not None
        if needs_labels and y is None:
            raise ValueError(
                f"fit needs y to learn from (rule={rule!r}, "
                f"objective={self.objective!r}); pass the true labels of the "
                "validation scores."
            )
        self._check_rule_params(problem, rule)
        return rule

    def _check_rule_params(self, problem, rule):
        if problem == "multiclass" and self.threshold is not None:
            raise ValueError(
                f"threshold={self.threshold!r} was given for a multi-class "
                "problem, whose rules use no per-class threshold. Leave "
                "threshold=None; use rule='reject' with reject_threshold to "
                "abstain, or problem='multilabel' to cut each class on its own."
            )
        if rule not in ("threshold", "expected_f1", "auto"):
            _check_unused(self, ("min_labels", "max_labels"), (0, None), rule)
        if rule != "reject":
            _check_unused(self, ("reject_threshold", "coverage"), (None,), rule)
        elif (self.reject_threshold is None) == (self.coverage is None):
            raise ValueError(
                "rule='reject' needs exactly one of reject_threshold (fixed) "
                f"and coverage (learned); got reject_threshold="
                f"{self.reject_threshold!r} and coverage={self.coverage!r}."
            )
        if self.max_labels is not None and self.max_labels < self.min_labels:
            raise ValueError(
                f"max_labels={self.max_labels} is smaller than "
                f"min_labels={self.min_labels}; raise max_labels or lower "
                "min_labels."
            )
        if problem == "multiclass" and self.objective is not None:
            if self.objective not in MULTICLASS_OBJECTIVES:
                raise ValueError(
                    f"objective={self.objective!r} is not available for "
                    f"multi-class problems; use one of {list(MULTICLASS_OBJECTIVES)}."
                )
            if rule != "argmax":
                raise ValueError(
                    f"objective={self.objective!r} changes the arg-max rule, "
                    f"but rule={rule!r}; use one or the other."
                )

    def _resolve_score_type(self, matrix):
        score_type = self.scores
        if score_type == "auto":
            score_type = infer_score_type(matrix)
        elif score_type == "probabilities":
            check_probabilities(matrix)
        return score_type

    def _warn_on_suspicious_target(self, matrix, indicator, weight):
        if self.problem_ == "multilabel":
            if self.problem == "auto":
                warn_if_one_label_per_row(indicator)
            return
        if sp.issparse(matrix):
            return
        if self.problem_ == "binary":
            warn_if_binary_scores_swapped(
                matrix[:, 0], indicator, self.classes_, weight
            )
        else:
            warn_if_multiclass_scores_swapped(
                argmax_index(matrix), indicator, self.classes_
            )

    # ------------------------------------------------------------------
    # Learning the state of each rule

    def _reset_rule_state(self):
        for name in (
            "thresholds_",
            "score_thresholds_",
            "objective_values_",
            "fallback_",
            "offsets_",
            "cost_matrix_",
            "reject_threshold_",
            "conformal_threshold_",
            "rule_scores_",
        ):
            setattr(self, name, None)

    def _fit_thresholds(self, matrix, indicator, weight):
        """Set the thresholds of binary and multi-label threshold rules."""
        defaults = resolve_thresholds(self.threshold, self.classes_, self.problem_)
        if self.rule_ == "auto":
            choice = select_rule(
                indicator,
                probabilities_from_scores(matrix, self.scores_, self.problem_),
                objective=self.objective or "f1",
                objective_params=self.objective_params,
                average=self.average,
                cv=self.cv,
                sample_weight=weight,
            )
            self.rule_ = choice.rule
            self.rule_scores_ = choice.scores
            self.min_labels_ = max(self.min_labels, choice.min_labels)
            if choice.rule != "threshold":
                return
            defaults = choice.thresholds
        if self.rule_ != "threshold":
            return
        if self.objective is None or self.rule == "auto":
            self._store_thresholds(defaults, None)
            return

        if self.problem_ == "binary":
            y_true = indicator[:, 1].toarray().ravel()
        else:
            y_true = indicator
        names = self.classes_[1:] if self.problem_ == "binary" else self.classes_
        result = find_thresholds(
            y_true,
            matrix,
            objective=self.objective,
            objective_params=self.objective_params,
            average=self.average,
            scores=self.scores_,
            sample_weight=weight,
            default_threshold=defaults,
            min_objective=self.min_objective,
            class_names=names,
        )
        self._store_thresholds(result.thresholds, result.score_thresholds)
        self.objective_values_ = result.objective_values
        self.fallback_ = result.fallback

    def _store_thresholds(self, thresholds, score_thresholds):
        if score_thresholds is None:
            score_thresholds = thresholds_to_score_units(thresholds, self.scores_)
        if self.problem_ == "binary":
            self.thresholds_ = float(thresholds[0])
            self.score_thresholds_ = float(score_thresholds[0])
        else:
            self.thresholds_ = np.asarray(thresholds, dtype=np.float64)
            self.score_thresholds_ = np.asarray(score_thresholds, dtype=np.float64)

    def _fit_multiclass(self, matrix, indicator, weight):
        """Set the offsets, costs, reject or conformal state of a rule."""
        y_index = None if indicator is None else indicator.indices
        if self.objective == "cost":
            params = dict(self.objective_params or {})
            if set(params) != {"cost_matrix"}:
                raise ValueError(
                    "objective='cost' for a multi-class problem needs "
                    "objective_params={'cost_matrix': C} and nothing else, "
                    f"got {sorted(params)}."
                )
            self.cost_matrix_ = check_cost_matrix(
                params["cost_matrix"], len(self.classes_)
            )
        elif self.objective is not None:
            if self.objective_params:
                raise ValueError(
                    f"objective={self.objective!r} takes no objective_params "
                    f"for multi-class problems, got {self.objective_params!r}."
                )
            log_proba = log_probabilities_from_scores(
                matrix, self.scores_, "multiclass"
            )
            fit_offsets = (
                fit_offsets_balanced_accuracy
                if self.objective == "balanced_accuracy"
                else fit_offsets_macro_f1
            )
            self.offsets_ = fit_offsets(y_index, log_proba, weight)

        if self.rule_ == "reject":
            self.reject_threshold_ = self._learn_reject_threshold(matrix, weight)
        elif self.rule_ in ("lac", "aps"):
            probabilities = probabilities_from_scores(
                matrix, self.scores_, "multiclass"
            )
            calibrate = calibrate_lac if self.rule_ == "lac" else calibrate_aps
            self.conformal_threshold_ = float(
                calibrate(probabilities, y_index, self.alpha)
            )

    def _learn_reject_threshold(self, matrix, weight):
        if self.reject_threshold is not None:
            return float(self.reject_threshold)
        probabilities = probabilities_from_scores(matrix, self.scores_, "multiclass")
        return float(
            fit_reject_threshold(
                probabilities.max(axis=1), self.coverage, sample_weight=weight
            )
        )

    # ------------------------------------------------------------------
    # Decoding

    def _read_transform_input(self, scores):
        check_is_fitted(self)
        # One pass over the matrix checks both finiteness and the range.
        try:
            matrix = read_scores(
                scores,
                classes=self.classes_,
                probabilities=self.scores_ == "probabilities",
                accept_sparse=self.problem_ == "multilabel",
            )
        except ProbabilityRangeError as error:
            if self.scores != "auto":
                raise
            raise ValueError(
                "This decoder reads scores as probabilities, because "
                "scores='auto' found every validation score in [0, 1] in fit, "
                f"but these scores contain {error.value!r}. If the model "
                "outputs logits, refit the decoder with scores='logits'."
            ) from None
        _check_n_columns(matrix, self.classes_, self.problem_, fitted=True)
        return _to_decision_matrix(matrix, self.problem_, self.scores_)

    def _decide(self, scores):
        """Return ``(index, accepted)`` for single labels, or a CSR of sets."""
        matrix = self._read_transform_input(scores)
        if self.problem_ == "binary":
            positive = binary_positive(matrix[:, 0], self.score_thresholds_)
            return positive.astype(np.intp), None
        if self.problem_ == "multiclass":
            return self._decide_multiclass(matrix)
        return self._decide_multilabel(matrix)

    def _decide_multiclass(self, matrix):
        if self.rule_ == "top_k":
            return top_k_indicator(matrix, self.k)
        if self.rule_ in ("lac", "aps"):
            probabilities = probabilities_from_scores(
                matrix, self.scores_, "multiclass"
            )
            build_sets = lac_sets if self.rule_ == "lac" else aps_sets
            return build_sets(probabilities, self.conformal_threshold_)
        if self.cost_matrix_ is not None:
            probabilities = probabilities_from_scores(
                matrix, self.scores_, "multiclass"
            )
            index = min_expected_cost_index(probabilities, self.cost_matrix_)
        elif self.offsets_ is not None:
            log_proba = log_probabilities_from_scores(
                matrix, self.scores_, "multiclass"
            )
            index = argmax_index(log_proba, self.offsets_)
        else:
            index = argmax_index(matrix)
        accepted = None
        if self.rule_ == "reject":
            accepted = top_probability_accepted(
                matrix, self.scores_, self.reject_threshold_
            )
        return index, accepted

    def _decide_multilabel(self, matrix):
        if sp.issparse(matrix):
            return self._decide_sparse_multilabel(matrix)
        if self.rule_ == "top_k":
            return top_k_indicator(matrix, self.k)
        if self.rule_ == "expected_f1":
            probabilities = probabilities_from_scores(
                matrix, self.scores_, "multilabel"
            )
            indicator = expected_f1_indicator(probabilities)
        else:
            indicator = threshold_indicator(matrix, self.score_thresholds_)
        if self.min_labels_ > 0:
            indicator = fill_min_labels(indicator, matrix, self.min_labels_)
        if self.max_labels is not None:
            indicator = trim_max_labels(indicator, matrix, self.max_labels)
        return indicator

    def _decide_sparse_multilabel(self, matrix):
        """Decode CSR scores, whose absent entries are never positive."""
        if self.rule_ == "top_k":
            return sparse_top_k_indicator(matrix, self.k)
        if self.rule_ != "threshold":
            raise TypeError(
                f"rule={self.rule_!r} cannot decode sparse scores; only the "
                "'threshold' and 'top_k' rules can. Pass scores.toarray(), "
                "or use one of those rules."
            )
        return sparse_threshold_indicator(
            matrix,
            self.score_thresholds_,
            min_labels=self.min_labels_,
            max_labels=self.max_labels,
        )

    def _is_set_valued(self):
        return self.problem_ == "multilabel" or self.rule_ in SET_RULES

    def _output_width(self):
        return 1 if self.problem_ == "binary" else len(self.classes_)

    def _format_output(self, decision):
        sparse = self.sparse_output
        if sparse == "auto":
            sparse = self._is_set_valued()
        if self._is_set_valued():
            return decision if sparse else decision.toarray()
        index, accepted = decision
        if self.problem_ == "binary":
            output = index.reshape(-1, 1).astype(np.int64)
            return sp.csr_matrix(output) if sparse else output
        return index_to_one_hot(index, len(self.classes_), accepted, sparse=sparse)


def _check_unused(decoder, names, defaults, rule):
    for name in names:
        value = getattr(decoder, name)
        if value not in defaults:
            raise ValueError(
                f"{name}={value!r} has no effect with rule={rule!r}; leave it at "
                f"its default {defaults[0]!r} or choose a rule that uses it."
            )


def _check_sample_weight(sample_weight, n_samples):
    if sample_weight is None:
        return None
    weight = np.asarray(sample_weight, dtype=np.float64)
    if weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight has shape {weight.shape}, but there are {n_samples} "
            "samples; pass one weight per sample."
        )
    if not np.isfinite(weight).all() or (weight < 0).any():
        raise ValueError(
            "sample_weight must be finite and non-negative; found "
            f"{weight[~(np.isfinite(weight) & (weight >= 0))][:5].tolist()}."
        )
    if weight.sum() == 0:
        raise ValueError(
            "Sample weights must contain at least one non-zero number; every "
            "sample_weight is 0, so there is nothing to learn from."
        )
    return weight


def _check_n_columns(matrix, classes, problem, *, fitted):
    n_columns = matrix.shape[1]
    n_classes = len(classes)
    if problem == "binary" and n_columns in (1, 2):
        return
    if problem != "binary" and n_columns == n_classes:
        return
    expected = "1 or 2" if problem == "binary" else str(n_classes)
    where = "the fitted classes_" if fitted else "the classes"
    hint = ""
    if n_columns == 1:
        hint = (
            " A 1-D array is read as one column with one score per sample; "
            "pass a single sample's scores as [[...]] or scores.reshape(1, -1)."
        )
    raise ValueError(
        f"scores have {n_columns} columns, but {where} "
        f"{format_names(classes, 10)} of this "
        f"{problem} problem need {expected}. Pass one score column per class, "
        f"in classes order, or pass classes=[...] naming every column.{hint}"
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
