"""DecodedClassifier: a classifier whose decoder is learned on out-of-fold scores.

The classifier fits clones of a scikit-learn estimator on cross-validation
folds, collects their out-of-fold scores, fits a :class:`ProbabilityDecoder`
on those scores, and refits the estimator on all the data. Prediction then
passes the estimator's scores through the fitted decoder.
"""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import check_cv, cross_val_predict
from sklearn.utils import get_tags, indexable
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, has_fit_parameter

from ._decoder import SET_RULES, ProbabilityDecoder, _to_decision_matrix
from ._find_thresholds import find_thresholds
from ._labels import LABEL_SETS, LABELS, check_classes, classify_target, read_target
from ._persistence import VersionedPickleMixin
from ._scores import read_scores
from ._threshold_param import resolve_thresholds
from .exceptions import SklabelWarning

RESPONSE_METHODS = ("predict_proba", "decision_function")

# predict_proba returns probabilities. decision_function is read as logits,
# because the sign of a binary or one-vs-rest decision_function is
# scikit-learn's own cut, and logit(0.5) == 0 keeps that cut as the default.
# NOTE: only a logistic model's decision_function is a true logit. For other
# models (an SVM, say) thresholds_ is expit of the learned cut, a monotone
# stand-in for the cut and not a calibrated probability.
SCORE_TYPE_OF_RESPONSE = {
    "predict_proba": "probabilities",
    "decision_function": "logits",
}


def _estimator_has(attr):
    """Tell whether the fitted estimator, or else the unfitted one, has ``attr``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


class DecodedClassifier(
    VersionedPickleMixin, ClassifierMixin, MetaEstimatorMixin, BaseEstimator
):
    """Classifier that decodes an estimator's scores with a learned decoder.

    ``fit`` computes out-of-fold scores of clones of ``estimator`` with
    cross-validation and fits a clone of ``decoder`` on them, so the
    decoder's thresholds are learned on scores of samples that the scoring
    model did not see. It then refits ``estimator`` on all the data.
    ``predict`` decodes the refitted estimator's scores.

    Binary, multi-class and multi-label targets are supported. ``y`` may be
    1-D labels, a list of label sets such as ``[("cat", "dog"), ()]``
    (binarized with :class:`~sklearn.preprocessing.MultiLabelBinarizer` for
    the estimator), or a dense or sparse 0/1 indicator matrix.

    Read more in the :ref:`User Guide <decoding_basics>`.

    Parameters
    ----------
    estimator : estimator object
        The classifier whose scores are decoded. It needs ``predict_proba``
        or ``decision_function``. Wrap an already fitted classifier in
        :class:`~sklearn.frozen.FrozenEstimator` to keep it as it is: ``fit``
        then reads the data it is given as validation data only, scores it
        with the frozen classifier, and fits the decoder on those scores.
        The data must then be disjoint from the classifier's training data.

    decoder : ProbabilityDecoder, default=None
        The decoder to clone and fit on the out-of-fold scores. None means
        ``ProbabilityDecoder()``. Its ``classes`` and ``scores`` are set in
        ``fit`` from the estimator: ``classes`` becomes the estimator's class
        order and ``scores`` follows ``response_method``. For a multi-label
        target, a ``classes`` given here names the label columns.

    cv : int, cross-validation generator or iterable, default=5
        How the out-of-fold scores are computed, as in
        :func:`~sklearn.model_selection.cross_val_predict`: the number of
        folds (stratified for binary and multi-class targets, plain
        :class:`~sklearn.model_selection.KFold` for multi-label ones), a
        splitter, or an iterable of ``(train, test)`` splits whose test sets
        partition the samples. With a frozen estimator, the folds only split
        the validation data for the per-fold thresholds of
        :meth:`threshold_report`.

    response_method : {"auto", "predict_proba", "decision_function"}, \
            default="auto"
        The estimator method that gives the scores. "auto" uses
        ``predict_proba`` when the estimator has it, else
        ``decision_function``, whose values are read as logits.

    n_jobs : int, default=None
        Number of jobs that fit the fold models in parallel, passed to
        :func:`~sklearn.model_selection.cross_val_predict`. None means 1
        unless in a :obj:`joblib.parallel_backend` context.

    Attributes
    ----------
    estimator_ : estimator object
        The estimator refitted on all the data, or the frozen estimator.

    decoder_ : ProbabilityDecoder
        The decoder fitted on the out-of-fold scores.

    classes_ : ndarray of shape (n_classes,)
        Class names in the order of the estimator's score columns. For an
        indicator target without class names, the column indices.

    response_method_ : str
        The estimator method used for the scores.

    sparse_output_ : bool
        Whether ``predict`` returns a SciPy CSR matrix for a multi-label
        target or a set-valued rule. With the decoder's
        ``sparse_output="auto"``, True exactly when ``y`` was sparse, as
        :class:`~sklearn.multiclass.OneVsRestClassifier` does. A decoder's
        ``sparse_output=True`` or ``False`` is kept.

    n_positives_ : ndarray of shape (n_thresholds,)
        Number of positive samples in the validation data for each class
        that has a threshold: ``classes_[1]`` for a binary problem, every
        class for a multi-label one, none for a multi-class one.

    fold_thresholds_ : ndarray of shape (n_folds, n_thresholds) or None
        The best threshold of each class on each fold's out-of-fold scores,
        in probability units, or None when the decoder has no objective.

    n_features_in_ : int
        Number of features seen by the estimator during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during ``fit``, when ``X`` had string
        column names.

    See Also
    --------
    ProbabilityDecoder : The decoder fitted on the out-of-fold scores.
    sklearn.model_selection.TunedThresholdClassifierCV : Tunes one binary
        threshold for a scorer.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklabel import DecodedClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> names = load_iris().target_names[y]
    >>> model = DecodedClassifier(LogisticRegression(max_iter=1000)).fit(X, names)
    >>> model.classes_
    array(['setosa', 'versicolor', 'virginica'], dtype='<U10')
    >>> model.predict(X[[0, 60, 120]])
    array(['setosa', 'versicolor', 'virginica'], dtype='<U10')
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "decoder": [ProbabilityDecoder, None],
        "cv": ["cv_object"],
        "response_method": [StrOptions({"auto", *RESPONSE_METHODS})],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        estimator,
        decoder=None,
        *,
        cv=5,
        response_method="auto",
        n_jobs=None,
    ):
        self.estimator = estimator
        self.decoder = decoder
        self.cv = cv
        self.response_method = response_method
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Learn the decoder on out-of-fold scores, then refit the estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, or validation data when ``estimator`` is a
            :class:`~sklearn.frozen.FrozenEstimator`.

        y : array-like, list of label sets or sparse matrix
            Target: 1-D labels, label sets, or a 0/1 indicator matrix.

        **fit_params : dict
            Without metadata routing, every parameter goes to the
            estimator's ``fit``, and ``sample_weight`` also goes to the
            decoder's ``fit`` when it takes one. With
            ``sklearn.set_config(enable_metadata_routing=True)``, each
            parameter goes where it was requested: the estimator's and the
            decoder's ``fit``, and the splitter's ``split`` (``groups``).

        Returns
        -------
        self : object
            The fitted classifier.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                "y is None. Pass the true labels of X."
            )
        X, y = indexable(X, y)
        frozen = isinstance(self.estimator, FrozenEstimator)
        decoder = self._make_decoder()
        target = _read_fit_target(y, decoder, self.estimator if frozen else None)
        response_method = self._resolve_response_method()
        decoder.set_params(**_decoder_updates(decoder, target, response_method))
        routed = self._route_params(fit_params)

        cv = check_cv(self.cv, target.y_split, classifier=True)
        folds = list(cv.split(X, target.y_split, **routed.splitter.split))
        scores = self._validation_scores(
            X, target, folds, response_method, routed.estimator.fit
        )
        decoder.fit(scores, target.y_decoder, **routed.decoder.fit)
        fold_thresholds = _fold_thresholds(
            decoder, scores, target.indicator, folds,
            routed.decoder.fit.get("sample_weight"),
        )
        estimator = self._final_estimator(X, target, routed.estimator.fit)

        self.estimator_ = estimator
        self.decoder_ = decoder
        self.classes_ = decoder.classes_
        self.response_method_ = response_method
        self.sparse_output_ = bool(
            _is_set_valued(decoder) and decoder.sparse_output is True
        )
        self.n_positives_ = _n_positives(target.indicator, decoder.problem_)
        self.fold_thresholds_ = fold_thresholds
        return self

    def predict(self, X):
        """Predict labels: class names, or a 0/1 indicator for multi-label targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Class names for binary and multi-class problems (the decoder's
            ``reject_label`` for rows that its "reject" rule rejects). For
            multi-label problems and set-valued rules ("top_k", "lac",
            "aps"), a 0/1 integer indicator matrix with columns in
            ``classes_`` order, as :class:`~sklearn.multiclass.OneVsRestClassifier`
            returns, so that scikit-learn's metrics and scorers such as
            ``"f1_macro"`` read it. It is a CSR matrix when
            ``sparse_output_`` is True.
        """
        scores = self._scores(X)
        if _is_set_valued(self.decoder_):
            return self.decoder_.transform(scores)
        return self.decoder_.decode(scores)

    def predict_labels(self, X):
        """Predict class names for every kind of problem.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        labels : ndarray of shape (n_samples,) or list of tuples
            Class names: a 1-D array for binary and multi-class problems, a
            list of tuples of names for multi-label problems.
        """
        return self.decoder_.decode(self._scores(X))

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Return the estimator's ``predict_proba``, unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        probabilities : ndarray or list of ndarray
            The estimator's output: an ``(n_samples, n_classes)`` array, or a
            list of ``(n_samples, 2)`` arrays for multi-output estimators.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Return the estimator's ``decision_function``, unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        decision : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The estimator's output.
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    def score(self, X, y, sample_weight=None):
        """Return the mean accuracy, or the subset accuracy for multi-label targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.

        y : array-like, list of label sets or sparse matrix
            True labels, in any form that ``fit`` accepts.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            :func:`~sklearn.metrics.accuracy_score` of ``predict(X)``.
        """
        check_is_fitted(self)
        if self.decoder_.problem_ == "multilabel" and classify_target(y) == LABEL_SETS:
            _, _, indicator = read_target(
                y, classes=self.classes_, problem="multilabel"
            )
            y = indicator if self.sparse_output_ else indicator.toarray()
        return super().score(X, y, sample_weight=sample_weight)

    def threshold_report(self):
        """Tabulate the learned thresholds and their spread across folds.

        Returns
        -------
        report : dict of lists
            One list entry per class that has a threshold: ``classes_[1]``
            for a binary problem, every class for a multi-label one.
            ``pandas.DataFrame(report)`` turns it into a table. The keys:

            - ``"class"``: the class name.
            - ``"threshold"``: the learned threshold, in probability units.
            - ``"objective_value"``: the decoder's objective at that
              threshold on the out-of-fold scores, NaN without an objective.
            - ``"fallback"``: True where the class kept its default
              threshold.
            - ``"n_positives"``: positive samples in the validation data.
            - ``"fold_threshold_min"``, ``"fold_threshold_max"`` and
              ``"fold_threshold_std"``: the spread of the best thresholds
              found on each fold's out-of-fold scores alone, NaN without an
              objective.

        Raises
        ------
        ValueError
            When the decoder's rule uses no per-class thresholds, as for
            multi-class problems.
        """
        check_is_fitted(self)
        decoder = self.decoder_
        if decoder.thresholds_ is None:
            raise ValueError(
                f"This {decoder.problem_} classifier decodes with the rule "
                f"{decoder.rule_!r}, which uses no per-class thresholds, so there "
                "is no threshold report. Thresholds exist for the 'threshold' "
                "rule of binary and multi-label problems."
            )
        return _build_report(decoder, self.n_positives_, self.fold_thresholds_)

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            Routes ``fit`` parameters to the estimator's ``fit``, the
            decoder's ``fit`` and the splitter's ``split``.
        """
        router = MetadataRouter(owner=self)
        router.add(
            estimator=self.estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
        router.add(
            decoder=self._make_decoder(),
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
        router.add(
            splitter=check_cv(self.cv),
            method_mapping=MethodMapping().add(caller="fit", callee="split"),
        )
        return router

    @property
    def n_features_in_(self):
        """Number of features seen by the estimator during ``fit``."""
        check_is_fitted(self)
        return self.estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        """Names of the features seen by the estimator during ``fit``."""
        check_is_fitted(self)
        return self.estimator_.feature_names_in_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator_tags = get_tags(self.estimator)
        tags.classifier_tags.multi_label = estimator_tags.classifier_tags.multi_label
        tags.input_tags.sparse = estimator_tags.input_tags.sparse
        tags.input_tags.allow_nan = estimator_tags.input_tags.allow_nan
        return tags

    def _make_decoder(self):
        if self.decoder is not None:
            return clone(self.decoder)
        decoder = ProbabilityDecoder()
        if get_config()["enable_metadata_routing"]:
            # The default decoder cannot be configured by the user, so it
            # requests sample_weight for its threshold search.
            decoder.set_fit_request(sample_weight=True)
        return decoder

    def _resolve_response_method(self):
        if self.response_method != "auto":
            if not hasattr(self.estimator, self.response_method):
                raise ValueError(
                    f"response_method={self.response_method!r}, but "
                    f"{type(self.estimator).__name__} has no "
                    f"{self.response_method} method. Use response_method='auto', "
                    "or an estimator that has this method."
                )
            return self.response_method
        for name in RESPONSE_METHODS:
            if hasattr(self.estimator, name):
                return name
        raise ValueError(
            f"{type(self.estimator).__name__} has neither predict_proba nor "
            "decision_function, so it gives no scores to decode. Use a "
            "classifier that has one of them."
        )

    def _validation_scores(self, X, target, folds, response_method, fit_params):
        """Return out-of-fold scores, or a frozen estimator's scores of X."""
        if isinstance(self.estimator, FrozenEstimator):
            return getattr(self.estimator, response_method)(X)
        return cross_val_predict(
            clone(self.estimator), X, target.y_estimator, cv=folds,
            method=response_method, n_jobs=self.n_jobs, params=fit_params,
        )

    def _final_estimator(self, X, target, fit_params):
        """Return the estimator refitted on all the data, or the frozen one."""
        if isinstance(self.estimator, FrozenEstimator):
            return self.estimator
        estimator = clone(self.estimator).fit(X, target.y_estimator, **fit_params)
        _check_estimator_classes(estimator, target)
        return estimator

    def _route_params(self, fit_params):
        if get_config()["enable_metadata_routing"]:
            return process_routing(self, "fit", **fit_params)
        decoder_params = {}
        sample_weight = fit_params.get("sample_weight")
        if sample_weight is not None and has_fit_parameter(
            self._make_decoder(), "sample_weight"
        ):
            decoder_params["sample_weight"] = sample_weight
        return _Routed(estimator=dict(fit_params), decoder=decoder_params)

    def _scores(self, X):
        check_is_fitted(self)
        return getattr(self.estimator_, self.response_method_)(X)


class _MethodParams(dict):
    """Parameters of one child's methods, read as attributes like a Bunch."""

    def __getattr__(self, name):
        return self.get(name, {})


class _Routed(dict):
    """Manual routing, with the attribute layout that ``process_routing`` returns."""

    def __init__(self, *, estimator, decoder):
        super().__init__(
            estimator=_MethodParams(fit=estimator),
            decoder=_MethodParams(fit=decoder),
            splitter=_MethodParams(split={}),
        )

    def __getattr__(self, name):
        return self[name]


class _FitTarget:
    """The forms of ``y`` that the estimator, the decoder and the splitter need.

    Parameters
    ----------
    y_estimator : array-like or sparse matrix
        What the estimator is fitted on: the labels as given, or an
        indicator matrix (dense for label sets, as given otherwise).
    y_decoder : array-like or sparse matrix
        What the decoder is fitted on: the labels, or the CSR indicator.
    y_split : array-like or sparse matrix
        What ``check_cv`` and the splitter read, to choose stratification.
    indicator : csr_matrix of shape (n_samples, n_classes)
        0/1 indicator of ``y`` in class order, for counts and fold searches.
    classes : ndarray of shape (n_classes,)
        Class names in score-column order.
    problem : str
        "binary", "multiclass" or "multilabel".
    sparse : bool
        Whether ``y`` was a sparse matrix.
    """

    def __init__(self, *, y_estimator, y_decoder, y_split, indicator, classes,
                 problem, sparse):
        self.y_estimator = y_estimator
        self.y_decoder = y_decoder
        self.y_split = y_split
        self.indicator = indicator
        self.classes = classes
        self.problem = problem
        self.sparse = sparse


def _read_fit_target(y, decoder, frozen_estimator):
    """Resolve classes and problem from y, and the forms of y for each step."""
    form = classify_target(y)
    given_classes = (
        None if decoder.classes is None else check_classes(decoder.classes)
    )
    if form == LABELS:
        # Continuous targets fail here, before any fold model is fitted.
        check_classification_targets(y)
        known = None
        if frozen_estimator is not None:
            known = _frozen_classes(frozen_estimator)
        classes, problem, indicator = read_target(
            y, classes=known, problem=decoder.problem
        )
        if given_classes is not None:
            _check_same_classes(given_classes, classes)
        if np.ndim(y) == 2:
            y = column_or_1d(y, warn=True)
        return _FitTarget(
            y_estimator=y, y_decoder=y, y_split=y, indicator=indicator,
            classes=classes, problem=problem, sparse=False,
        )

    classes, problem, indicator = read_target(
        y, classes=given_classes, problem=decoder.problem
    )
    # cross_val_predict reads y with np.asarray, which cannot index a sparse
    # matrix, so label sets and sparse indicators reach the estimator dense.
    # NOTE: this dense copy costs n_samples * n_classes * 8 bytes.
    y_estimator = y
    if form == LABEL_SETS or sp.issparse(y):
        y_estimator = indicator.toarray().astype(np.int64)
    return _FitTarget(
        y_estimator=y_estimator, y_decoder=indicator, y_split=indicator,
        indicator=indicator, classes=classes, problem=problem,
        sparse=sp.issparse(y),
    )


def _frozen_classes(estimator):
    classes = getattr(estimator, "classes_", None)
    if classes is None or np.ndim(classes) != 1 or isinstance(classes, list):
        raise ValueError(
            f"The frozen {type(estimator.estimator).__name__} has no 1-D "
            "classes_, so the score columns of 1-D labels cannot be named. "
            "Freeze a fitted scikit-learn classifier."
        )
    return np.asarray(classes)


def _check_same_classes(given_classes, learned_classes):
    learned = np.asarray(learned_classes).tolist()
    if set(given_classes.tolist()) != set(learned):
        raise ValueError(
            f"The decoder's classes {given_classes.tolist()} differ from the "
            f"classes of y and of the estimator, {learned}. Leave the "
            "decoder's classes=None, because the columns follow the "
            "estimator's class order."
        )


def _decoder_updates(decoder, target, response_method):
    """Return the decoder parameters that follow from the estimator and y."""
    score_type = SCORE_TYPE_OF_RESPONSE[response_method]
    if decoder.scores not in ("auto", score_type):
        raise ValueError(
            f"The decoder has scores={decoder.scores!r}, but the estimator's "
            f"{response_method} gives {score_type}. Leave the decoder's "
            f"scores='auto', or set response_method to match."
        )
    updates = {"classes": target.classes, "scores": score_type}
    if decoder.problem == "auto":
        updates["problem"] = target.problem
    if decoder.sparse_output == "auto":
        updates["sparse_output"] = target.sparse
    return updates


def _is_set_valued(decoder):
    """Tell whether the decoder's output is a set of classes per sample."""
    return decoder.problem_ == "multilabel" or decoder.rule_ in SET_RULES


def _check_estimator_classes(estimator, target):
    """Check that the refitted estimator orders its classes as the decoder does."""
    classes = getattr(estimator, "classes_", None)
    if target.problem == "multilabel" or classes is None or isinstance(classes, list):
        return
    if not np.array_equal(np.asarray(classes), target.classes):
        raise ValueError(
            f"The refitted {type(estimator).__name__} has classes_ "
            f"{np.asarray(classes).tolist()}, but its out-of-fold scores were "
            f"read with the sorted classes of y, {target.classes.tolist()}. "
            "Use an estimator whose classes_ are the sorted labels of y."
        )


def _n_positives(indicator, problem):
    counts = np.asarray(indicator.sum(axis=0)).ravel().astype(np.int64)
    if problem == "binary":
        return counts[1:]
    if problem == "multiclass":
        return np.zeros(0, dtype=np.int64)
    return counts


def _fold_thresholds(decoder, scores, indicator, folds, sample_weight):
    """Return each fold's best thresholds, or None when nothing is learned.

    Each fold's search takes the same objective, defaults and weights as the
    decoder's search on all the out-of-fold scores. Its rare-class and
    constraint warnings are silenced, because the decoder already warned
    about the same classes on the whole validation data.
    """
    # rule="auto" may pick a shared threshold, which a per-class search
    # on each fold would not reproduce, so it gets no per-fold thresholds.
    if decoder.objective is None or decoder.rule == "auto":
        return None
    if decoder.thresholds_ is None:
        return None
    if decoder.problem_ == "binary":
        indicator = indicator[:, 1:]
    matrix = _decision_scores(decoder, scores)
    defaults = resolve_thresholds(decoder.threshold, decoder.classes_, decoder.problem_)
    weight = None if sample_weight is None else np.asarray(sample_weight)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SklabelWarning)
        for _, test in folds:
            result = find_thresholds(
                indicator[test], matrix[test],
                objective=decoder.objective,
                objective_params=decoder.objective_params,
                average=decoder.average,
                scores=decoder.scores_,
                sample_weight=None if weight is None else weight[test],
                default_threshold=defaults,
                min_objective=decoder.min_objective,
            )
            rows.append(np.asarray(result.thresholds, dtype=np.float64))
    return np.vstack(rows)


def _decision_scores(decoder, scores):
    """Return the (n, n_thresholds) score matrix that the decoder compares."""
    matrix = read_scores(scores, classes=decoder.classes_)
    return _to_decision_matrix(matrix, decoder.problem_, decoder.scores_)


def _build_report(decoder, n_positives, fold_thresholds):
    names = decoder.classes_[1:] if decoder.problem_ == "binary" else decoder.classes_
    n_classes = len(names)
    thresholds = np.atleast_1d(np.asarray(decoder.thresholds_, dtype=np.float64))
    values = decoder.objective_values_
    if values is None:
        values = np.full(n_classes, np.nan)
    fallback = decoder.fallback_
    if fallback is None:
        fallback = np.zeros(n_classes, dtype=bool)
    if fold_thresholds is None:
        fold_thresholds = np.full((1, n_classes), np.nan)
    return {
        "class": names.tolist(),
        "threshold": thresholds.tolist(),
        "objective_value": np.asarray(values, dtype=np.float64).ravel().tolist(),
        "fallback": np.asarray(fallback, dtype=bool).ravel().tolist(),
        "n_positives": n_positives.tolist(),
        "fold_threshold_min": fold_thresholds.min(axis=0).tolist(),
        "fold_threshold_max": fold_thresholds.max(axis=0).tolist(),
        "fold_threshold_std": fold_thresholds.std(axis=0).tolist(),
    }
