"""Tests of split-conformal LAC and APS prediction sets."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabel._conformal import aps_sets, calibrate_aps, calibrate_lac, lac_sets
from sklabel.exceptions import SklabelWarning

ALPHAS = (0.05, 0.1, 0.2)

P_CAL = np.array(
    [
        [0.7, 0.2, 0.1],
        [0.1, 0.8, 0.1],
        [0.3, 0.3, 0.4],
        [0.6, 0.3, 0.1],
        [0.2, 0.5, 0.3],
    ]
)
Y_CAL = np.array([0, 1, 2, 1, 1])


def _digits_coverage():
    """Return coverage and mean set size per method and alpha on digits.

    Each of 20 random splits trains a logistic regression on 600 samples,
    calibrates on 600 and measures on the other 597.
    """
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    results = {}
    for split in range(20):
        order = rng.permutation(len(y))
        train, calibration, test = order[:600], order[600:1200], order[1200:]
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=300))
        model.fit(X[train], y[train])
        P_cal = model.predict_proba(X[calibration])
        P_test = model.predict_proba(X[test])
        y_cal, y_test = y[calibration], y[test]

        for alpha in ALPHAS:
            qhat = calibrate_lac(P_cal, y_cal, alpha)
            sets = {"LAC": lac_sets(P_test, qhat)}
            qhat = calibrate_aps(P_cal, y_cal, alpha)
            sets["APS"] = aps_sets(P_test, qhat)
            qhat = calibrate_aps(
                P_cal, y_cal, alpha, randomized=True, random_state=split
            )
            sets["randomized APS"] = aps_sets(
                P_test, qhat, randomized=True, random_state=1000 + split
            )
            for method, indicator in sets.items():
                covered = indicator[np.arange(len(test)), y_test]
                results.setdefault((method, alpha), []).append(
                    (covered.mean(), indicator.sum(axis=1).mean())
                )
    return {key: np.mean(values, axis=0) for key, values in results.items()}


def test_conformal_sets_cover_digits():
    # NOTE: the standard error of the mean coverage over 20 splits is about
    # 0.005 for LAC and randomized APS, so the 0.01 margin is two standard
    # errors. The fixed seed makes the run repeatable.
    results = _digits_coverage()

    summary = "; ".join(
        f"{method} alpha={alpha}: coverage {coverage:.4f}, mean size {size:.2f}"
        for (method, alpha), (coverage, size) in results.items()
    )
    print(summary)
    for (method, alpha), (coverage, size) in results.items():
        assert coverage >= 1 - alpha - 0.01, (
            f"{method} at alpha={alpha} covers {coverage:.4f} with mean set "
            f"size {size:.2f}; all results: {summary}"
        )


def test_calibrate_lac_returns_conformal_rank():
    rng = np.random.default_rng(0)
    P_cal = rng.dirichlet(np.ones(4), size=19)
    y_cal = rng.integers(0, 4, size=19)
    scores = np.sort(1.0 - P_cal[np.arange(19), y_cal])

    qhat = calibrate_lac(P_cal, y_cal, alpha=0.2)

    # ceil(20 * 0.8) = 16, so qhat is the 16th smallest of the 19 scores.
    assert qhat == scores[15]
    # numpy's method="higher" at the level 16 / 19 returns the next score.
    assert np.quantile(scores, 16 / 19, method="higher") == scores[16]


def test_lac_sets_include_score_equal_to_qhat():
    qhat = calibrate_lac(P_CAL, Y_CAL, alpha=0.4)

    indicator = lac_sets(np.array([[0.5, 0.4, 0.1], [0.05, 0.05, 0.9]]), qhat)

    assert qhat == pytest.approx(0.6)
    assert isinstance(indicator, sp.csr_matrix)
    assert indicator.dtype == np.int64
    np.testing.assert_array_equal(indicator.toarray(), [[1, 1, 0], [0, 0, 1]])


def test_calibrate_lac_too_few_samples_gives_every_class():
    with pytest.warns(SklabelWarning, match="Use at least 9 calibration samples"):
        qhat = calibrate_lac(P_CAL, Y_CAL, alpha=0.1)

    indicator = lac_sets(np.array([[1.0, 0.0, 0.0]]), qhat)

    assert qhat == math.inf
    np.testing.assert_array_equal(indicator.toarray(), [[1, 1, 1]])


def test_calibrate_aps_scores_mass_down_to_true_class():
    # Scores: 0.7, 0.8, 0.4, 0.9 (0.6 + 0.3 at the tie, column 0 first) and
    # 0.5. The rank ceil(6 * 0.6) = 4 picks 0.8.
    qhat = calibrate_aps(P_CAL, Y_CAL, alpha=0.4)

    assert qhat == pytest.approx(0.8)


def test_aps_sets_crossing_class_and_ties():
    P = np.array(
        [
            [0.5, 0.45, 0.05],
            [0.95, 0.03, 0.02],
            [0.3, 0.4, 0.3],
            [0.2, 0.6, 0.2],
        ]
    )

    indicator = aps_sets(P, 0.75)

    # Row 2 ranks column 1, then column 0 before the tied column 2. The mass
    # above column 2 is 0.7 < 0.75, so column 2 crosses 0.75 and joins. Row 3
    # stops after column 0, whose cumulative mass 0.8 crosses 0.75.
    np.testing.assert_array_equal(
        indicator.toarray(), [[1, 1, 0], [1, 0, 0], [1, 1, 1], [1, 1, 0]]
    )


def test_aps_sets_never_empty_unless_randomized():
    rng = np.random.default_rng(1)
    P = rng.dirichlet(np.full(5, 0.2), size=300)

    plain = aps_sets(P, 0.05)
    randomized = aps_sets(P, 0.05, randomized=True, random_state=0)

    assert np.all(plain.getnnz(axis=1) >= 1)
    assert np.any(randomized.getnnz(axis=1) == 0)


def test_randomized_aps_is_reproducible():
    rng = np.random.default_rng(2)
    P = rng.dirichlet(np.ones(6), size=200)
    y = rng.integers(0, 6, size=200)

    first = calibrate_aps(P, y, 0.1, randomized=True, random_state=3)
    second = calibrate_aps(P, y, 0.1, randomized=True, random_state=3)
    sets_first = aps_sets(P, first, randomized=True, random_state=4)
    sets_second = aps_sets(P, second, randomized=True, random_state=4)

    assert first == second
    assert (sets_first != sets_second).nnz == 0


def test_randomized_aps_sets_match_calibration_scores():
    # With the same draws, a calibration sample's true class is in its own
    # set exactly when its score is at most qhat.
    rng = np.random.default_rng(3)
    P = rng.dirichlet(np.ones(4), size=50)
    y = rng.integers(0, 4, size=50)
    qhat = calibrate_aps(P, y, 0.3, randomized=True, random_state=5)

    indicator = aps_sets(P, qhat, randomized=True, random_state=5)

    covered = np.asarray(indicator[np.arange(50), y]).ravel()
    # The rank ceil(51 * 0.7) = 36 of 50 distinct scores covers 36 samples.
    assert covered.sum() == 36


@pytest.mark.parametrize(
    ("alpha", "error", "match"),
    [
        (0.0, ValueError, r"alpha must be in \(0, 1\), got 0.0"),
        (1.0, ValueError, r"alpha must be in \(0, 1\), got 1.0"),
        (float("nan"), ValueError, r"alpha must be in \(0, 1\), got nan"),
        (True, TypeError, "alpha must be a real number, got True"),
        ("0.1", TypeError, "alpha must be a real number, got '0.1'"),
    ],
)
def test_calibrate_lac_rejects_invalid_alpha(alpha, error, match):
    with pytest.raises(error, match=match):
        calibrate_lac(P_CAL, Y_CAL, alpha)


@pytest.mark.parametrize(
    ("y_cal", "error", "match"),
    [
        (np.array([0, 1, 2, 1]), ValueError, r"y_cal_index has shape \(4,\)"),
        (np.array([0, 1, 3, 1, 1]), ValueError, "y_cal_index contains 3"),
        (np.array([0, -1, 2, 1, 1]), ValueError, "y_cal_index contains -1"),
        (np.array([0.0, 1, 2, 1, 1]), TypeError, "integer column indices"),
        (np.array(["a", "b", "c", "b", "b"]), TypeError, "integer column indices"),
    ],
)
def test_calibrate_aps_rejects_invalid_labels(y_cal, error, match):
    with pytest.raises(error, match=match):
        calibrate_aps(P_CAL, y_cal, 0.2)


def test_calibrate_lac_rejects_empty_calibration_set():
    with pytest.raises(ValueError, match="P_cal has no samples"):
        calibrate_lac(np.zeros((0, 3)), np.zeros(0, dtype=int), 0.1)


def test_calibrate_lac_rejects_logits():
    with pytest.raises(ValueError, match=r"P_cal must contain probabilities"):
        calibrate_lac(P_CAL * 3 - 1, Y_CAL, 0.2)


@pytest.mark.parametrize(
    ("qhat", "error", "match"),
    [
        (float("nan"), ValueError, "qhat is NaN"),
        ("0.5", TypeError, "qhat must be a real number, got '0.5'"),
    ],
)
def test_lac_sets_rejects_invalid_qhat(qhat, error, match):
    with pytest.raises(error, match=match):
        lac_sets(P_CAL, qhat)


def test_aps_sets_rejects_non_bool_randomized():
    with pytest.raises(TypeError, match="randomized must be True or False"):
        aps_sets(P_CAL, 0.5, randomized="yes")
