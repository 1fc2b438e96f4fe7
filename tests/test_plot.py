"""Tests of ThresholdCurveDisplay, drawn with matplotlib's Agg backend."""

import builtins

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sklabel import ProbabilityDecoder, find_thresholds  # noqa: E402
from sklabel._plot import ThresholdCurveDisplay  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def multilabel_data(n_samples=120, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    scores = rng.random((n_samples, n_classes))
    target = (rng.random(scores.shape) < scores).astype(int)
    return scores, target


def test_display_from_decoder_marks_fitted_thresholds():
    scores, target = multilabel_data()
    decoder = ProbabilityDecoder(classes=["a", "b", "c"], objective="f1")
    decoder.fit(scores, target)

    display = ThresholdCurveDisplay.from_decoder(decoder, scores, target)

    assert len(display.lines_) == 3
    assert len(display.markers_) == 3
    result = find_thresholds(target, scores, objective="f1")
    for index, (line, marker) in enumerate(zip(display.lines_, display.markers_)):
        curve_x = np.sort(np.clip(display.thresholds[index], 0, 1))
        assert_allclose(line.get_xdata(), curve_x)
        assert_allclose(marker.get_xdata(), [decoder.thresholds_[index]])
        assert_allclose(marker.get_ydata(), [decoder.objective_values_[index]])
        assert line.get_label() == ["a", "b", "c"][index]
    assert_allclose(decoder.thresholds_, result.thresholds)
    assert display.ax_.get_xlabel() == "threshold (probability)"
    assert display.ax_.get_ylabel() == "f1"


def test_display_marker_on_curve_maximum():
    scores, target = multilabel_data(seed=1)

    display = ThresholdCurveDisplay.from_predictions(target, scores, objective="f1")

    for line, marker in zip(display.lines_, display.markers_):
        assert marker.get_ydata()[0] == pytest.approx(np.max(line.get_ydata()))


def test_display_small_multiples_for_many_classes():
    scores, target = multilabel_data(n_classes=7, seed=2)
    names = [f"label {index}" for index in range(7)]

    display = ThresholdCurveDisplay.from_predictions(
        target, scores, class_names=names, n_cols=3
    )

    assert display.ax_.shape == (3, 3)
    visible = [ax for ax in display.ax_.flat if ax.get_visible()]
    assert len(visible) == 7
    assert [ax.get_title() for ax in visible] == names
    for ax, line, marker in zip(visible, display.lines_, display.markers_):
        assert list(ax.lines) == [line, marker]


def test_display_binary_decoder_single_curve():
    rng = np.random.default_rng(3)
    scores = rng.random(200)
    labels = np.where(rng.random(200) < scores, "spam", "ham")
    decoder = ProbabilityDecoder(objective="f1").fit(scores, labels)

    display = ThresholdCurveDisplay.from_decoder(decoder, scores, labels)

    assert len(display.lines_) == 1
    assert display.lines_[0].get_label() == "spam"
    assert_allclose(display.markers_[0].get_xdata(), [decoder.thresholds_])


def test_display_fallback_marker_hollow():
    display = ThresholdCurveDisplay(
        [np.array([0.2, 0.5, 0.8]), np.array([0.1, 0.9])],
        [np.array([0.4, 0.6, 0.5]), np.array([0.0, 0.0])],
        [0.5, 0.5],
        fallback=[False, True],
    ).plot()

    assert display.markers_[0].get_markerfacecolor() != "none"
    assert display.markers_[1].get_markerfacecolor() == "none"
    assert_allclose(display.markers_[0].get_ydata(), [0.6])


def test_display_infinite_thresholds_drawn_at_edges():
    display = ThresholdCurveDisplay(
        [np.array([-np.inf, 0.3, np.inf])], [np.array([0.5, 0.7, 0.0])], [np.inf],
        chosen_values=[0.0],
    ).plot()

    assert_array_equal(display.lines_[0].get_xdata(), [0.0, 0.3, 1.0])
    assert_array_equal(display.markers_[0].get_xdata(), [1.0])


def test_display_draws_on_given_axes():
    _, ax = plt.subplots()
    scores, target = multilabel_data(n_classes=6, seed=4)

    display = ThresholdCurveDisplay.from_predictions(target, scores, ax=ax)

    assert display.ax_ is ax
    assert len(ax.lines) == 12


def test_display_too_few_axes_raises():
    _, axes = plt.subplots(1, 2)
    scores, target = multilabel_data(n_classes=3, seed=5)

    with pytest.raises(ValueError, match="ax contains 2 axes but there are 3 classes"):
        ThresholdCurveDisplay.from_predictions(target, scores, ax=axes)


def test_display_mismatched_curves_raise():
    display = ThresholdCurveDisplay([np.array([0.2, 0.5])], [np.array([0.1])], [0.2])

    with pytest.raises(ValueError, match="class 0 has 2 thresholds but 1"):
        display.plot()


def test_display_multiclass_decoder_raises():
    scores = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    decoder = ProbabilityDecoder(classes=["a", "b", "c"], problem="multiclass")
    decoder.fit(scores)

    with pytest.raises(ValueError, match="binary or multi-label decoder fitted"):
        ThresholdCurveDisplay.from_decoder(decoder, scores, ["a", "b"])


def test_display_without_matplotlib_names_extra(monkeypatch):
    real_import = builtins.__import__

    def import_without_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", import_without_matplotlib)
    display = ThresholdCurveDisplay([np.array([0.5])], [np.array([1.0])], [0.5])

    with pytest.raises(ImportError, match=r"pip install 'sklabel\[plot\]'"):
        display.plot()
