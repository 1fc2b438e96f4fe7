"""ThresholdCurveDisplay: the objective against the threshold, for each class.

matplotlib is an optional dependency (``pip install 'sklabel[plot]'``). It is
imported only when a curve is drawn.
"""

import numpy as np

# With this many classes or more, each class gets its own axes in a grid.
# Fewer classes share one axes, with a legend.
SMALL_MULTIPLES_FROM = 5

# Columns of the grid of small multiples unless ``n_cols`` is given.
DEFAULT_N_COLS = 4


def _import_pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "ThresholdCurveDisplay needs matplotlib, which is not installed; "
            "install it with: pip install 'sklabel[plot]'."
        ) from None
    return plt


class ThresholdCurveDisplay:
    """Threshold curves: the objective against the threshold, for each class.

    Each curve shows how the objective (F1, say) on validation data changes
    with the decision threshold of one class, with the chosen threshold
    marked. A flat curve around the mark means the choice is robust; a
    narrow peak means it depends on a few validation samples. Create it with
    :meth:`from_predictions` or :meth:`from_decoder`; the constructor only
    stores the values.

    Read more in the :ref:`User Guide <learning_thresholds>`.

    Parameters
    ----------
    thresholds : list of ndarray
        For each class, the candidate thresholds in probability units, in
        increasing order. Infinite thresholds (predict every sample, predict
        none) are drawn at 0 and 1.

    objective_values : list of ndarray
        For each class, the objective at each candidate threshold.

    chosen_thresholds : array-like of shape (n_classes,)
        The threshold chosen for each class, in probability units.

    chosen_values : array-like of shape (n_classes,), default=None
        The objective at each chosen threshold. None reads it off the curve,
        by linear interpolation between candidates.

    class_names : array-like of shape (n_classes,), default=None
        Names for titles and the legend. None numbers the classes from 0.

    objective_name : str, default=None
        Label of the y axis. None writes "objective".

    fallback : array-like of shape (n_classes,), default=None
        True for classes that kept the default threshold; their marker is
        drawn hollow.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The curve of each class.

    markers_ : list of matplotlib Line2D
        The marker of each chosen threshold.

    ax_ : matplotlib Axes or ndarray of Axes
        The axes of every curve, or an array with one axes per class for
        small multiples.

    figure_ : matplotlib Figure
        The figure that contains the axes.

    See Also
    --------
    sklabel.find_thresholds : Computes the curves and the best thresholds.
    sklearn.metrics.PrecisionRecallDisplay : The display pattern followed.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklabel import ThresholdCurveDisplay
    >>> rng = np.random.default_rng(0)
    >>> scores = rng.random((100, 2))
    >>> y = (rng.random((100, 2)) < scores).astype(int)
    >>> display = ThresholdCurveDisplay.from_predictions(
    ...     y, scores, class_names=["cat", "dog"])
    >>> len(display.lines_)
    2
    """

    def __init__(
        self,
        thresholds,
        objective_values,
        chosen_thresholds,
        *,
        chosen_values=None,
        class_names=None,
        objective_name=None,
        fallback=None,
    ):
        self.thresholds = thresholds
        self.objective_values = objective_values
        self.chosen_thresholds = chosen_thresholds
        self.chosen_values = chosen_values
        self.class_names = class_names
        self.objective_name = objective_name
        self.fallback = fallback

    def plot(self, ax=None, *, n_cols=None, line_kwargs=None, marker_kwargs=None):
        """Draw the curves and mark the chosen thresholds.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            One axes draws every curve on it. An array of at least
            ``n_classes`` axes draws one class on each. None creates a
            figure: one axes for fewer than 5 classes, a grid of small
            multiples (one axes per class) for more.

        n_cols : int, default=None
            Columns of the grid of small multiples that ``ax=None`` creates.
            None means 4, or the number of classes if fewer.

        line_kwargs : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for every curve.

        marker_kwargs : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for every marker.

        Returns
        -------
        display : ThresholdCurveDisplay
            The display, with ``lines_``, ``markers_``, ``ax_`` and
            ``figure_`` set.
        """
        curves = self._checked_curves()
        axes, shared = self._resolve_axes(ax, len(curves), n_cols)
        names = self._names(len(curves))
        line_kwargs = {} if line_kwargs is None else dict(line_kwargs)
        marker_kwargs = {} if marker_kwargs is None else dict(marker_kwargs)

        self.lines_, self.markers_ = [], []
        for index, (x, y, chosen, value, fell_back) in enumerate(curves):
            target = axes if shared else axes.flat[index]
            line, marker = _draw_curve(
                target, x, y, chosen, value, fell_back, names[index],
                line_kwargs, marker_kwargs,
            )
            self.lines_.append(line)
            self.markers_.append(marker)
            if not shared:
                target.set_title(str(names[index]))
        self._label_axes(axes, shared, len(curves))
        self.ax_ = axes
        self.figure_ = (axes if shared else axes.flat[0]).figure
        return self

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_score,
        *,
        objective="f1",
        objective_params=None,
        scores="probabilities",
        sample_weight=None,
        class_names=None,
        ax=None,
        n_cols=None,
    ):
        """Find the best thresholds for true labels and scores, and draw them.

        Parameters
        ----------
        y_true : array-like or sparse matrix of shape (n_samples, n_classes)
            True labels, in a form that :func:`sklabel.find_thresholds`
            reads: a 0/1 indicator matrix, or 1-D binary labels.

        y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
            Scores of the same samples, one column per class.

        objective : str or callable, default="f1"
            The objective to maximise, as in :func:`sklabel.find_thresholds`.

        objective_params : dict, default=None
            Parameters of the objective, such as ``{"beta": 2}``.

        scores : {"probabilities", "logits"}, default="probabilities"
            What the scores are. The thresholds are drawn in probability
            units either way.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        class_names : array-like of shape (n_classes,), default=None
            Names of the classes, for titles and the legend.

        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw, as in :meth:`plot`.

        n_cols : int, default=None
            Columns of the grid of small multiples, as in :meth:`plot`.

        Returns
        -------
        display : ThresholdCurveDisplay
            The drawn display.
        """
        from ._find_thresholds import find_thresholds

        result = find_thresholds(
            y_true, y_score, objective=objective,
            objective_params=objective_params, scores=scores,
            sample_weight=sample_weight, class_names=class_names,
        )
        display = cls._from_result(result, class_names, objective)
        return display.plot(ax=ax, n_cols=n_cols)

    @classmethod
    def from_decoder(cls, decoder, scores, y, *, ax=None, n_cols=None):
        """Draw the threshold curves of a fitted decoder on validation data.

        The curves come from the decoder's objective on ``(scores, y)``. The
        markers are the decoder's own ``thresholds_``, including those of the
        classes that fell back to the default threshold.

        Parameters
        ----------
        decoder : ProbabilityDecoder
            A binary or multi-label decoder fitted with an ``objective``.

        scores : array-like of shape (n_samples,) or (n_samples, n_columns)
            Validation scores, in a form that the decoder reads.

        y : array-like, list of label sets or sparse matrix
            True labels of the same samples, in a form that ``fit`` reads.

        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw, as in :meth:`plot`.

        n_cols : int, default=None
            Columns of the grid of small multiples, as in :meth:`plot`.

        Returns
        -------
        display : ThresholdCurveDisplay
            The drawn display.
        """
        matrix, indicator, names = _decoder_inputs(decoder, scores, y)
        from ._find_thresholds import find_thresholds

        result = find_thresholds(
            indicator, matrix, objective=decoder.objective,
            objective_params=decoder.objective_params, scores=decoder.scores_,
            class_names=names,
        )
        display = cls._from_result(result, names, decoder.objective)
        display.chosen_thresholds = np.atleast_1d(decoder.thresholds_)
        display.chosen_values = _optional_values(decoder)
        display.fallback = getattr(decoder, "fallback_", None)
        return display.plot(ax=ax, n_cols=n_cols)

    @classmethod
    def _from_result(cls, result, class_names, objective):
        thresholds, values = zip(*(_curve_points(curve) for curve in result.curves))
        return cls(
            list(thresholds), list(values), result.thresholds,
            chosen_values=result.objective_values, class_names=class_names,
            objective_name=_objective_label(objective), fallback=result.fallback,
        )

    def _checked_curves(self):
        """Return ``(x, y, chosen, value, fallback)`` for each class."""
        chosen = np.atleast_1d(np.asarray(self.chosen_thresholds, dtype=float))
        n_classes = len(self.thresholds)
        if len(self.objective_values) != n_classes or chosen.shape != (n_classes,):
            raise ValueError(
                f"thresholds has {n_classes} curves, objective_values has "
                f"{len(self.objective_values)} and chosen_thresholds has "
                f"{chosen.size} values; pass one of each per class."
            )
        fallback = (np.zeros(n_classes, dtype=bool) if self.fallback is None
                    else np.asarray(self.fallback, dtype=bool).reshape(n_classes))
        curves = []
        for index in range(n_classes):
            x = np.asarray(self.thresholds[index], dtype=float)
            y = np.asarray(self.objective_values[index], dtype=float)
            if x.shape != y.shape or x.ndim != 1:
                raise ValueError(
                    f"class {index} has {x.size} thresholds but {y.size} "
                    "objective values; pass one value per threshold."
                )
            order = np.argsort(x, kind="stable")
            x, y = x[order], y[order]
            value = self._chosen_value(index, x, y, chosen[index])
            curves.append((x, y, chosen[index], value, bool(fallback[index])))
        return curves

    def _chosen_value(self, index, x, y, chosen):
        if self.chosen_values is not None:
            return float(np.atleast_1d(self.chosen_values)[index])
        finite = np.isfinite(x)
        return float(np.interp(np.clip(chosen, 0, 1), np.clip(x[finite], 0, 1),
                               y[finite]))

    def _names(self, n_classes):
        if self.class_names is None:
            return list(range(n_classes))
        names = list(np.asarray(self.class_names).tolist())
        if len(names) != n_classes:
            raise ValueError(
                f"class_names has {len(names)} names but there are {n_classes} "
                "curves; pass one name per class."
            )
        return names

    def _resolve_axes(self, ax, n_classes, n_cols):
        """Return the axes to draw on and whether they are shared by all curves."""
        plt = _import_pyplot()
        if ax is not None:
            if hasattr(ax, "plot"):
                return ax, True
            axes = np.asarray(ax, dtype=object)
            if axes.size < n_classes:
                raise ValueError(
                    f"ax contains {axes.size} axes but there are {n_classes} "
                    "classes; pass one axes per class, or a single axes."
                )
            return axes, False
        if n_classes < SMALL_MULTIPLES_FROM:
            _, axes = plt.subplots()
            return axes, True
        n_cols = min(n_classes, DEFAULT_N_COLS if n_cols is None else n_cols)
        n_rows = -(-n_classes // n_cols)
        _, axes = plt.subplots(
            n_rows, n_cols, sharex=True, sharey=True, squeeze=False,
            figsize=(3 * n_cols, 2.4 * n_rows), layout="constrained",
        )
        for extra in axes.flat[n_classes:]:
            extra.set_visible(False)
        return axes, False

    def _label_axes(self, axes, shared, n_classes):
        y_label = self.objective_name or "objective"
        x_label = "threshold (probability)"
        if shared:
            axes.set_xlabel(x_label)
            axes.set_ylabel(y_label)
            axes.set_xlim(0, 1)
            axes.legend(loc="best")
            return
        grid = axes if axes.ndim == 2 else axes.reshape(1, -1)
        for row in grid:
            row[0].set_ylabel(y_label)
        for single in axes.flat[:n_classes]:
            single.set_xlim(0, 1)
        for single in grid[-1]:
            single.set_xlabel(x_label)


def _draw_curve(ax, x, y, chosen, value, fell_back, name, line_kwargs,
                marker_kwargs):
    """Draw one class's curve and its chosen threshold; return both lines."""
    (line,) = ax.plot(np.clip(x, 0, 1), y, **{"label": str(name), **line_kwargs})
    style = {
        "marker": "o",
        "linestyle": "none",
        "color": line.get_color(),
        "markerfacecolor": "none" if fell_back else line.get_color(),
        # A threshold of 0 or 1 sits on the edge of the axes; keep its marker
        # whole.
        "clip_on": False,
        "zorder": line.get_zorder() + 1,
        **marker_kwargs,
    }
    (marker,) = ax.plot([np.clip(chosen, 0, 1)], [value], **style)
    return line, marker


def _curve_points(curve):
    """Return the thresholds (probability units) and objective of one curve."""
    return np.asarray(curve["thresholds"]), np.asarray(curve["objective"])


def _objective_label(objective):
    if objective is None:
        return None
    return getattr(objective, "__name__", str(objective))


def _optional_values(decoder):
    values = getattr(decoder, "objective_values_", None)
    return None if values is None else np.atleast_1d(values)


def _decoder_inputs(decoder, scores, y):
    """Return the decoder's compared score matrix, y as an indicator, and names."""
    from sklearn.utils.validation import check_is_fitted

    from ._decoder import _to_decision_matrix
    from ._labels import read_target
    from ._scores import read_scores

    check_is_fitted(decoder)
    objective = getattr(decoder, "objective", None)
    if decoder.thresholds_ is None or objective is None:
        raise ValueError(
            "from_decoder needs a binary or multi-label decoder fitted with an "
            f"objective and the threshold rule; this one is {decoder.problem_}, "
            f"with rule {getattr(decoder, 'rule_', None)!r} and objective="
            f"{objective!r}. Other rules have no per-class threshold, and "
            "without an objective there is no curve to draw."
        )
    matrix = read_scores(scores, classes=decoder.classes_)
    matrix = _to_decision_matrix(matrix, decoder.problem_, decoder.scores_)
    _, _, indicator = read_target(y, classes=decoder.classes_, problem=decoder.problem_)
    names = decoder.classes_
    if decoder.problem_ == "binary":
        indicator = indicator[:, 1]
        names = decoder.classes_[1:]
    return matrix, indicator, names
