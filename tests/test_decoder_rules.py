"""Tests of ProbabilityDecoder's learned thresholds and decision rules."""

import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import KFold, cross_val_predict, train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabel import ProbabilityDecoder, find_thresholds
from sklabel.exceptions import (
    ProblemInferenceWarning,
    RareClassWarning,
    ScoreOrderWarning,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
GENRES = ["action", "comedy", "horror"]


def _load_multilabel(name):
    path = DATA_DIR / f"{name}.npz"
    if not path.exists():
        pytest.skip(f"benchmark data {path} not found (it ships beside the repo)")
    data = np.load(path, allow_pickle=False)
    return data["X_train"], data["Y_train"], data["X_test"], data["Y_test"]


def _out_of_fold_and_test_scores(name):
    X_train, Y_train, X_test, Y_test = _load_multilabel(name)
    model = make_pipeline(
        StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=1000))
    )
    folds = KFold(n_splits=5, shuffle=True, random_state=0)
    oof = cross_val_predict(model, X_train, Y_train, cv=folds, method="predict_proba")
    test = model.fit(X_train, Y_train).predict_proba(X_test)
    return oof, Y_train, test, Y_test


@pytest.fixture(scope="module")
def yeast_scores():
    return _out_of_fold_and_test_scores("yeast")


@pytest.fixture(scope="module")
def emotions_scores():
    return _out_of_fold_and_test_scores("emotions")


@pytest.fixture(scope="module")
def wine_probabilities():
    X, y = load_wine(return_X_y=True)
    X_fit, X_val, y_fit, y_val = train_test_split(X, y, stratify=y, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01)).fit(
        X_fit, y_fit
    )
    return model.predict_proba(X_val), y_val


def test_rare_class_keeps_default_and_warns():
    scores = [[0.8, 0.2, 0.1], [0.3, 0.9, 0.2], [0.6, 0.4, 0.3], [0.2, 0.7, 0.4]]
    y = [[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]]
    decoder = ProbabilityDecoder(classes=GENRES, objective="f1", threshold=0.5)

    with pytest.warns(RareClassWarning, match="horror"):
        decoder.fit(scores, np.array(y))

    assert not np.isnan(decoder.thresholds_).any()
    assert decoder.thresholds_[2] == 0.5
    assert_array_equal(decoder.fallback_, [False, False, True])


def test_rare_class_keeps_its_own_default_from_mapping():
    scores = [[0.8, 0.2, 0.1], [0.3, 0.9, 0.2], [0.6, 0.4, 0.3], [0.2, 0.7, 0.4]]
    y = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]])
    decoder = ProbabilityDecoder(
        classes=GENRES, objective="f1", threshold={"horror": 0.35}
    )

    with pytest.warns(RareClassWarning):
        decoder.fit(scores, y)

    assert decoder.thresholds_[2] == 0.35
    assert decoder.decode([[0.1, 0.1, 0.36]]) == [("horror",)]


def test_learned_thresholds_match_find_thresholds(yeast_scores):
    oof, Y_train, _, _ = yeast_scores
    decoder = ProbabilityDecoder(objective="f1").fit(oof, Y_train)

    expected = find_thresholds(Y_train, oof, objective="f1")

    assert_array_equal(decoder.thresholds_, expected.thresholds)
    assert_array_equal(decoder.objective_values_, expected.objective_values)


def test_transform_applies_learned_thresholds_exactly(yeast_scores):
    oof, Y_train, test, _ = yeast_scores
    decoder = ProbabilityDecoder(objective="f1").fit(oof, Y_train)

    indicator = decoder.transform(test)

    assert_array_equal(indicator.toarray(), (test >= decoder.score_thresholds_))


def test_learned_thresholds_raise_yeast_macro_f1(yeast_scores):
    oof, Y_train, test, Y_test = yeast_scores
    fixed = ProbabilityDecoder(problem="multilabel", classes=range(14)).fit(oof)
    learned = ProbabilityDecoder(objective="f1").fit(oof, Y_train)

    fixed_f1 = f1_score(Y_test, fixed.transform(test), average="macro")
    learned_f1 = f1_score(Y_test, learned.transform(test), average="macro")

    assert fixed_f1 == pytest.approx(0.399, abs=0.01)
    assert learned_f1 >= 0.48


def test_logit_thresholds_found_in_logit_space():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=300)
    logits = rng.normal(loc=3 * y - 1.5, scale=2.0)
    probabilities = 1 / (1 + np.exp(-logits))
    from_logits = ProbabilityDecoder(scores="logits", objective="f1").fit(logits, y)
    from_probabilities = ProbabilityDecoder(scores="probabilities", objective="f1")
    from_probabilities.fit(probabilities, y)

    # Both pick the same cut between the same two validation scores; only
    # the midpoint differs, taken in logit or in probability units.
    assert_array_equal(
        from_logits.decode(logits), from_probabilities.decode(probabilities)
    )
    assert from_logits.thresholds_ == pytest.approx(
        from_probabilities.thresholds_, abs=0.01
    )
    assert from_logits.score_thresholds_ == pytest.approx(
        np.log(from_logits.thresholds_ / (1 - from_logits.thresholds_))
    )


def test_binary_objective_uses_positive_class_column():
    scores = [0.1, 0.35, 0.4, 0.8, 0.9]
    decoder = ProbabilityDecoder(objective="f1").fit(
        scores, ["no", "yes", "yes", "yes", "yes"]
    )

    assert decoder.thresholds_ == pytest.approx(0.225)
    assert_array_equal(decoder.decode([0.2, 0.3]), ["no", "yes"])


def test_objective_needs_labels():
    decoder = ProbabilityDecoder(classes=["a", "b"], objective="f1")

    with pytest.raises(ValueError, match="fit needs y"):
        decoder.fit([0.2, 0.8])


def test_multiclass_balanced_accuracy_offsets(wine_probabilities):
    probabilities, y = wine_probabilities
    plain = ProbabilityDecoder().fit(probabilities, y)
    tuned = ProbabilityDecoder(objective="balanced_accuracy").fit(probabilities, y)

    plain_score = balanced_accuracy_score(y, plain.decode(probabilities))
    tuned_score = balanced_accuracy_score(y, tuned.decode(probabilities))

    assert tuned.offsets_.shape == (3,)
    assert tuned_score >= plain_score


def test_multiclass_macro_f1_offsets_not_worse(wine_probabilities):
    probabilities, y = wine_probabilities
    plain = ProbabilityDecoder().fit(probabilities, y)
    tuned = ProbabilityDecoder(objective="f1").fit(probabilities, y)

    plain_score = f1_score(y, plain.decode(probabilities), average="macro")
    tuned_score = f1_score(y, tuned.decode(probabilities), average="macro")

    assert tuned_score >= plain_score


def test_multiclass_cost_matrix_picks_lowest_expected_cost():
    # Missing class 2 costs 10, every other error costs 1.
    cost = np.array([[0, 1, 1], [1, 0, 1], [10, 10, 0]])
    decoder = ProbabilityDecoder(
        classes=GENRES,
        problem="multiclass",
        objective="cost",
        objective_params={"cost_matrix": cost},
    ).fit([[0.5, 0.3, 0.2]], ["action"])

    names = decoder.decode([[0.5, 0.3, 0.2], [0.8, 0.15, 0.05]])

    # Row 0: expected costs are 2.5, 2.7 and 0.8, so "horror" wins.
    assert_array_equal(names, ["horror", "action"])


def test_multiclass_cost_matrix_shape_checked():
    decoder = ProbabilityDecoder(
        classes=GENRES,
        problem="multiclass",
        objective="cost",
        objective_params={"cost_matrix": np.ones((2, 2))},
    )

    with pytest.raises(ValueError, match=r"cost_matrix has shape \(2, 2\)"):
        decoder.fit([[0.5, 0.3, 0.2]], ["action"])


def test_reject_rule_with_fixed_threshold():
    decoder = ProbabilityDecoder(
        classes=GENRES,
        problem="multiclass",
        rule="reject",
        reject_threshold=0.6,
        reject_label="unsure",
    ).fit([[0.5, 0.3, 0.2]])
    scores = [[0.5, 0.3, 0.2], [0.1, 0.7, 0.2], [0.6, 0.2, 0.2]]

    names = decoder.decode(scores)
    indicator = decoder.transform(scores)

    assert names.tolist() == ["unsure", "comedy", "action"]
    assert_array_equal(indicator, [[0, 0, 0], [0, 1, 0], [1, 0, 0]])
    assert decoder.inverse_transform(indicator).tolist() == names.tolist()


def test_reject_rule_logits_compared_in_log_space():
    decoder = ProbabilityDecoder(
        classes=GENRES,
        problem="multiclass",
        scores="logits",
        rule="reject",
        reject_threshold=0.5,
    ).fit([[0.0, 0.0, 0.0]])
    # Softmax of [log 2, 0, 0] is [0.5, 0.25, 0.25]: a tie at the threshold.
    logits = [[np.log(2.0), 0.0, 0.0], [np.log(1.9), 0.0, 0.0]]

    names = decoder.decode(logits)

    assert names.tolist() == ["action", None]


def test_reject_rule_learns_threshold_for_coverage(wine_probabilities):
    probabilities, y = wine_probabilities
    decoder = ProbabilityDecoder(rule="reject", coverage=0.8).fit(probabilities, y)

    accepted = np.array([name is not None for name in decoder.decode(probabilities)])

    assert accepted.mean() >= 0.8
    assert probabilities.max(axis=1)[accepted].min() >= decoder.reject_threshold_


def test_reject_rule_needs_one_setting():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multiclass", rule="reject")

    with pytest.raises(ValueError, match="exactly one of reject_threshold"):
        decoder.fit([[0.5, 0.3, 0.2]])


def test_top_k_rule_multiclass_returns_sets():
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multiclass", rule="top_k", k=2
    ).fit([[0.5, 0.3, 0.2]])

    names = decoder.decode([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]])
    indicator = decoder.transform([[0.5, 0.3, 0.2]])

    assert names == [("action", "comedy"), ("comedy", "horror")]
    assert sp.issparse(indicator)


def test_rule_must_fit_problem():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel", rule="reject")

    with pytest.raises(ValueError, match="rule='reject' does not apply"):
        decoder.fit([[0.5, 0.3, 0.2]])


def test_unused_parameter_raises():
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multiclass", reject_threshold=0.4
    )

    with pytest.raises(ValueError, match="reject_threshold=0.4 has no effect"):
        decoder.fit([[0.5, 0.3, 0.2]])


@pytest.mark.parametrize("rule", ["lac", "aps"])
def test_conformal_rules_cover_digits(rule):
    X, y = load_digits(return_X_y=True)
    X_fit, X_rest, y_fit, y_rest = train_test_split(
        X, y, train_size=0.5, random_state=0
    )
    X_cal, X_test, y_cal, y_test = train_test_split(
        X_rest, y_rest, train_size=0.5, random_state=0
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    model.fit(X_fit, y_fit)
    decoder = ProbabilityDecoder(rule=rule, alpha=0.1)

    decoder.fit(model.predict_proba(X_cal), y_cal)
    sets = decoder.decode(model.predict_proba(X_test))

    coverage = np.mean([label in labels for label, labels in zip(y_test, sets)])
    assert coverage >= 0.85
    assert decoder.conformal_threshold_ is not None


def test_expected_f1_rule_matches_function(yeast_scores):
    from sklabel._expected_f1 import expected_f1_indicator

    oof, Y_train, test, _ = yeast_scores
    decoder = ProbabilityDecoder(rule="expected_f1").fit(oof, Y_train)

    indicator = decoder.transform(test)

    assert_array_equal(indicator.toarray(), expected_f1_indicator(test).toarray())


def _samples_f1(Y_true, indicator):
    return f1_score(Y_true, indicator, average="samples", zero_division=1.0)


@pytest.mark.parametrize(
    ("dataset", "average", "target"),
    [
        ("yeast", "samples", 0.635),
        ("emotions", "samples", 0.67),
        ("yeast", "macro", 0.48),
    ],
)
def test_auto_rule_beats_targets_on_test_split(dataset, average, target, request):
    oof, Y_train, test, Y_test = request.getfixturevalue(f"{dataset}_scores")
    decoder = ProbabilityDecoder(rule="auto", objective="f1", average=average)
    baseline = ProbabilityDecoder(problem="multilabel", classes=range(Y_train.shape[1]))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RareClassWarning)
        decoder.fit(oof, Y_train)
    baseline.fit(oof)

    chosen = f1_score(
        Y_test, decoder.transform(test), average=average, zero_division=1.0
    )
    cut = f1_score(Y_test, baseline.transform(test), average=average, zero_division=1.0)
    assert chosen >= target, decoder.rule_scores_
    assert chosen >= cut
    assert len(decoder.rule_scores_) == 7
    assert decoder.rule_ in ("threshold", "expected_f1")


def test_auto_rule_scores_are_cross_validated_objectives(emotions_scores):
    oof, Y_train, _, _ = emotions_scores
    decoder = ProbabilityDecoder(rule="auto", objective="f1", average="micro")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RareClassWarning)
        decoder.fit(oof, Y_train)

    best_name = max(decoder.rule_scores_, key=decoder.rule_scores_.get)
    expected_rule = "expected_f1" if best_name == "expected F1" else "threshold"
    assert decoder.rule_ == expected_rule
    assert decoder.min_labels_ == int("at least one" in best_name)
    assert all(0 <= value <= 1 for value in decoder.rule_scores_.values())


def test_swapped_binary_scores_warn():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, size=200)
    score_of_zero = np.clip(0.8 - 0.6 * y + rng.normal(0, 0.1, 200), 0, 1)
    names = np.array(["benign", "malignant"])[y]

    with pytest.warns(ScoreOrderWarning, match="probably the score of 'benign'"):
        ProbabilityDecoder().fit(score_of_zero, names)


def test_swapped_multiclass_scores_warn(wine_probabilities):
    probabilities, y = wine_probabilities

    with pytest.warns(ScoreOrderWarning, match="another order than classes_"):
        ProbabilityDecoder().fit(probabilities[:, [1, 2, 0]], y)


def test_well_ordered_scores_do_not_warn(wine_probabilities):
    probabilities, y = wine_probabilities

    with warnings.catch_warnings():
        warnings.simplefilter("error", ScoreOrderWarning)
        ProbabilityDecoder().fit(probabilities, y)


def test_one_hot_target_warns_and_reads_as_multiclass():
    scores = np.array([[0.45, 0.35, 0.20], [0.8, 0.1, 0.1], [0.3, 0.3, 0.4]])
    one_hot = np.array([[1, 0, 0], [1, 0, 0], [0, 0, 1]])

    with pytest.warns(ProblemInferenceWarning, match="problem='multiclass'"):
        ProbabilityDecoder(classes=GENRES).fit(scores, one_hot)
    multiclass = ProbabilityDecoder(classes=GENRES, problem="multiclass")
    multiclass.fit(scores, one_hot)

    assert multiclass.decode(scores).tolist() == ["action", "action", "horror"]


def test_one_hot_target_with_two_labels_raises():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multiclass")

    with pytest.raises(ValueError, match="row 1 has 2 labels"):
        decoder.fit(np.full((2, 3), 1 / 3), np.array([[1, 0, 0], [1, 1, 0]]))
