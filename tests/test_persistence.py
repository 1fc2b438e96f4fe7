"""Tests of persistence: the JSON form, skops, joblib and pickle round trips."""

import io
import json
import pickle

import joblib
import numpy as np
import pytest
import skops.io
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

import sklabel
from sklabel import ProbabilityDecoder
from sklabel._classifier import DecodedClassifier
from sklabel._persistence import from_json, load_skops, to_json
from sklabel.exceptions import InconsistentVersionWarning

GENRES = ["action", "comedy", "drama"]


def _breast_cancer():
    """Return the breast cancer data, standardized so that lbfgs converges fast."""
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _multilabel_scores(seed=0, n_samples=200):
    rng = np.random.default_rng(seed)
    scores = rng.uniform(size=(n_samples, 3))
    truth = (scores + rng.normal(scale=0.3, size=scores.shape)) > 0.6
    label_sets = [tuple(np.asarray(GENRES)[row]) for row in truth]
    return scores, label_sets


def _multiclass_scores(seed=0, n_samples=200):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n_samples, 3))
    labels = np.asarray(GENRES)[np.argmax(logits + rng.normal(size=logits.shape), 1)]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return probabilities, labels


def _decoder_cases():
    """Return {name: (decoder, scores, y)} for a decoder of each kind and rule."""
    ml_scores, label_sets = _multilabel_scores()
    mc_scores, labels = _multiclass_scores()
    binary = np.random.default_rng(1).normal(size=50)
    binary_labels = np.where(binary > 0.3, "spam", "ham")
    cost_matrix = [[0, 1, 4], [1, 0, 1], [2, 1, 0]]
    return {
        "binary logits": (ProbabilityDecoder(threshold=0.37), binary, binary_labels),
        "multilabel fixed": (
            ProbabilityDecoder(threshold=[0.41, 0.32, 0.40]), ml_scores, label_sets
        ),
        "multilabel f1": (ProbabilityDecoder(objective="f1"), ml_scores, label_sets),
        "multilabel top_k": (
            ProbabilityDecoder(rule="top_k", k=2), ml_scores, label_sets
        ),
        "multiclass argmax": (ProbabilityDecoder(), mc_scores, labels),
        "multiclass reject": (
            ProbabilityDecoder(rule="reject", coverage=0.8, reject_label="unsure"),
            mc_scores,
            labels,
        ),
        "multiclass lac": (
            ProbabilityDecoder(rule="lac", alpha=0.2), mc_scores, labels
        ),
        "multiclass cost": (
            ProbabilityDecoder(
                objective="cost", objective_params={"cost_matrix": cost_matrix}
            ),
            mc_scores,
            labels,
        ),
        "multiclass offsets": (
            ProbabilityDecoder(objective="balanced_accuracy"), mc_scores, labels
        ),
    }


DECODER_CASES = list(_decoder_cases())


def _fitted_case(name):
    decoder, scores, y = _decoder_cases()[name]
    return decoder.fit(scores, y), scores


def _document(decoder):
    return json.loads(to_json(decoder))


def _assert_same_decoder(loaded, decoder, scores):
    assert to_json(loaded) == to_json(decoder)
    assert_array_equal(loaded.classes_, decoder.classes_)
    assert loaded.classes_.dtype == decoder.classes_.dtype
    for name in ("thresholds_", "score_thresholds_", "offsets_", "cost_matrix_"):
        expected = getattr(decoder, name)
        if expected is None:
            assert getattr(loaded, name) is None
        else:
            assert_array_equal(getattr(loaded, name), expected)
            assert type(getattr(loaded, name)) is type(expected)
    transformed = decoder.transform(scores)
    loaded_transformed = loaded.transform(scores)
    if hasattr(transformed, "toarray"):
        transformed = transformed.toarray()
        loaded_transformed = loaded_transformed.toarray()
    assert_array_equal(loaded_transformed, transformed)
    decoded = decoder.decode(scores)
    if isinstance(decoded, list):
        assert loaded.decode(scores) == decoded
    else:
        assert_array_equal(loaded.decode(scores), decoded)


# ---------------------------------------------------------------------------
# JSON round trips
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", DECODER_CASES)
def test_json_round_trip_identical(case):
    decoder, scores = _fitted_case(case)

    loaded = from_json(to_json(decoder))

    _assert_same_decoder(loaded, decoder, scores)
    assert loaded.rule_ == decoder.rule_
    assert loaded.problem_ == decoder.problem_
    assert loaded.scores_ == decoder.scores_


def test_json_reported_thresholds_round_trip():
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multilabel", threshold=[0.41, 0.32, 0.40]
    ).fit([[0.45, 0.35, 0.38]])

    loaded = from_json(to_json(decoder))

    assert loaded.decode([[0.45, 0.35, 0.38]]) == [("action", "comedy")]
    assert loaded.thresholds_.tolist() == [0.41, 0.32, 0.40]


def test_json_infinite_thresholds_as_strings():
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multilabel", scores="logits",
        threshold=[0.0, 1.0, 0.5],
    ).fit([[0.45, 0.35, 0.38]])

    text = to_json(decoder)

    assert json.loads(text)["fitted"]["score_thresholds"] == ["-inf", "inf", 0.0]
    assert "Infinity" not in text
    loaded = from_json(text)
    assert_array_equal(loaded.score_thresholds_, [-np.inf, np.inf, 0.0])


def test_json_document_fields():
    decoder = ProbabilityDecoder(threshold=0.7).fit([0.9, 0.2], ["spam", "ham"])

    document = _document(decoder)

    assert document["format"] == "sklabel.ProbabilityDecoder"
    assert document["format_version"] == 1
    assert document["sklabel_version"] == sklabel.__version__
    assert document["params"]["threshold"] == 0.7
    assert document["fitted"]["classes"] == ["ham", "spam"]
    assert document["fitted"]["problem"] == "binary"
    assert document["fitted"]["scores"] == "probabilities"
    assert document["fitted"]["rule"] == "threshold"
    assert document["fitted"]["thresholds"] == 0.7


def test_json_int_classes_and_dict_threshold():
    decoder = ProbabilityDecoder(threshold={1: 0.3, 2: 0.8}).fit(
        [[0.2, 0.4, 0.9], [0.6, 0.1, 0.7]], [(0, 1), (2,)]
    )

    loaded = from_json(to_json(decoder))

    assert loaded.threshold == {1: 0.3, 2: 0.8}
    assert loaded.classes_.tolist() == [0, 1, 2]
    assert_array_equal(loaded.thresholds_, [0.5, 0.3, 0.8])


@settings(max_examples=60, deadline=None)
@given(
    thresholds=st.lists(
        st.floats(min_value=0, max_value=1, allow_nan=False), min_size=3, max_size=3
    ),
    logits=st.booleans(),
)
def test_json_thresholds_exact_property(thresholds, logits):
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multilabel", threshold=thresholds,
        scores="logits" if logits else "probabilities",
    ).fit([[0.5, 0.5, 0.5]])

    loaded = from_json(to_json(decoder))

    assert loaded.thresholds_.tobytes() == decoder.thresholds_.tobytes()
    assert loaded.score_thresholds_.tobytes() == decoder.score_thresholds_.tobytes()


# ---------------------------------------------------------------------------
# JSON from untrusted sources: wrong types, extra and missing fields
# ---------------------------------------------------------------------------


def _binary_document():
    decoder = ProbabilityDecoder(threshold=0.7).fit([0.9, 0.2], ["spam", "ham"])
    return _document(decoder)


def _multilabel_document():
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multilabel", threshold=[0.41, 0.32, 0.40]
    ).fit([[0.45, 0.35, 0.38]])
    return _document(decoder)


def _set(path, value):
    def mutate(document):
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


WRONG_FIELDS = [
    (_set(["format_version"], "1"), "'format_version' must be an integer"),
    (_set(["format_version"], True), "'format_version' must be an integer"),
    (_set(["format_version"], 2), "'format_version' is 2"),
    (_set(["format"], "pickle"), "'format' is 'pickle'"),
    (_set(["sklabel_version"], 1), "'sklabel_version' must be a string"),
    (_set(["params"], []), "'params' must be an object"),
    (_set(["fitted"], None), "'fitted' must be an object"),
    (_set(["fitted", "classes"], "action"), "'fitted.classes' must be a list"),
    (_set(["fitted", "classes"], ["a", 1, "c"]), "mixes str and int"),
    (_set(["fitted", "classes"], ["a", 1.5, "c"]), r"'fitted.classes\[1\]'"),
    (_set(["fitted", "classes"], ["a", "a", "c"]), "at least 2 distinct"),
    (_set(["fitted", "classes"], ["a", "b"]), "'fitted.n_features_in' is 3"),
    (_set(["fitted", "problem"], "regression"), "'fitted.problem' must be one of"),
    (_set(["fitted", "scores"], "odds"), "'fitted.scores' must be one of"),
    (_set(["fitted", "rule"], "argmax"), "'fitted.rule' must be one of"),
    (_set(["fitted", "thresholds"], [0.4, 0.3]), "'fitted.thresholds' has 2 values"),
    (_set(["fitted", "thresholds"], [0.4, "0.3", 0.5]),
     r"'fitted.thresholds\[1\]' must be a number"),
    (_set(["fitted", "thresholds"], None), "'fitted.thresholds' is null"),
    (_set(["fitted", "thresholds"], [0.4, "nan", 0.5]), "must not contain NaN"),
    (_set(["fitted", "score_thresholds"], {"a": 1}), "'fitted.score_thresholds'"),
    (_set(["fitted", "n_features_in"], 4.0), "'fitted.n_features_in' must be an"),
    (_set(["fitted", "n_features_in"], 4), "'fitted.n_features_in' is 4"),
    (_set(["fitted", "min_labels"], -1), "'fitted.min_labels' must be >= 0"),
    (_set(["fitted", "fallback"], [1, 0, 0]), r"'fitted.fallback\[0\]' must be a"),
    (_set(["fitted", "objective_values"], [0.5]), "'fitted.objective_values' has 1"),
    (_set(["fitted", "reject_threshold"], 0.5), "'fitted.reject_threshold' is 0.5"),
    (_set(["fitted", "rule_scores"], [1.0]), "'fitted.rule_scores' must be an obj"),
    (_set(["params", "problem"], "regression"), "'params' is invalid"),
    (_set(["params", "threshold"], {"eval": "x"}), "'params.threshold' must be"),
    (_set(["params", "classes"], {"float": "pi"}), "'params.classes.float' must be"),
    (_set(["params", "threshold"], {"mapping": [[1.5, 0.2]]}),
     "keys must be str or int"),
]


@pytest.mark.parametrize(("mutate", "message"), WRONG_FIELDS)
def test_json_wrong_field_raises(mutate, message):
    document = _multilabel_document()
    mutate(document)
    text = json.dumps(document)

    with pytest.raises(ValueError, match=message):
        from_json(text)


@pytest.mark.parametrize(
    ("path", "where"),
    [([], "the document"), (["fitted"], "'fitted'"), (["params"], "'params'")],
)
def test_json_extra_field_raises(path, where):
    document = _binary_document()
    target = document
    for key in path:
        target = target[key]
    target["__class__"] = "os.system"
    text = json.dumps(document)

    message = rf"Unknown field\(s\) \['__class__'\] in {where}"
    with pytest.raises(ValueError, match=message):
        from_json(text)


@pytest.mark.parametrize("key", ["fitted", "params", "format"])
def test_json_missing_field_raises(key):
    document = _binary_document()
    del document[key]

    with pytest.raises(ValueError, match=rf"Missing field\(s\) \['{key}'\]"):
        from_json(json.dumps(document))


def test_json_missing_fitted_field_raises():
    document = _binary_document()
    del document["fitted"]["rule"]

    with pytest.raises(ValueError, match=r"Missing field\(s\) \['rule'\] in 'fitted'"):
        from_json(json.dumps(document))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be an object, got list"),
        ('{"format": Infinity}', "non-standard constant Infinity"),
        ("[" * 100_000, "not valid JSON|nested too deeply"),
    ],
    ids=["syntax", "list", "infinity", "deep"],
)
def test_json_invalid_text_raises(text, message):
    with pytest.raises(ValueError, match=message):
        from_json(text)


def test_json_non_text_raises():
    with pytest.raises(TypeError, match="takes the JSON text as str or bytes"):
        from_json({"format": "sklabel.ProbabilityDecoder"})


def test_json_other_version_warns():
    document = _binary_document()
    document["sklabel_version"] = "0.0.1"

    with pytest.warns(InconsistentVersionWarning, match="saved by sklabel 0.0.1"):
        loaded = from_json(json.dumps(document))

    assert_array_equal(loaded.decode([0.9, 0.6]), ["spam", "ham"])


def test_json_unsaveable_decoders_raise():
    decoder = ProbabilityDecoder().fit([0.9, 0.2], ["spam", "ham"])
    decoder.set_params(threshold=object())
    with pytest.raises(ValueError, match="params.threshold is a object"):
        to_json(decoder)

    floats = ProbabilityDecoder().fit([0.9, 0.2], [0.0, 1.0])
    with pytest.raises(ValueError, match="Class name 0.0 of type float"):
        to_json(floats)

    extra = ProbabilityDecoder().fit([0.9, 0.2], ["spam", "ham"])
    extra.calibration_ = 1.0
    with pytest.raises(ValueError, match=r"unknown: \['calibration_'\]"):
        to_json(extra)

    with pytest.raises(TypeError, match="to_json takes a ProbabilityDecoder"):
        to_json(LogisticRegression())


def test_json_unfitted_decoder_raises():
    with pytest.raises(ValueError, match="not fitted"):
        to_json(ProbabilityDecoder())


# ---------------------------------------------------------------------------
# skops
# ---------------------------------------------------------------------------


def test_skops_untrusted_types_are_sklabel_classes(tmp_path):
    scores, label_sets = _multilabel_scores()
    decoder = ProbabilityDecoder(threshold=[0.41, 0.32, 0.40]).fit(scores, label_sets)
    path = tmp_path / "decoder.skops"

    skops.io.dump(decoder, path)

    assert skops.io.get_untrusted_types(file=path) == [
        "sklabel._decoder.ProbabilityDecoder"
    ]
    with pytest.raises(skops.io.exceptions.UntrustedTypesFoundException):
        skops.io.load(path, trusted=[])
    _assert_same_decoder(load_skops(path), decoder, scores)


@pytest.mark.parametrize("case", DECODER_CASES)
def test_skops_round_trip_identical(case):
    decoder, scores = _fitted_case(case)
    data = skops.io.dumps(decoder)

    loaded = load_skops(io.BytesIO(data))

    _assert_same_decoder(loaded, decoder, scores)


def test_skops_classifier_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    Y = (X[:, :3] + rng.normal(size=(120, 3)) > 0).astype(int)
    model = DecodedClassifier(
        OneVsRestClassifier(LogisticRegression()),
        ProbabilityDecoder(threshold=[0.41, 0.32, 0.40]),
        cv=3,
    ).fit(X, Y)
    path = tmp_path / "model.skops"

    skops.io.dump(model, path)
    loaded = load_skops(path)

    assert sorted(skops.io.get_untrusted_types(file=path)) == [
        "sklabel._classifier.DecodedClassifier",
        "sklabel._decoder.ProbabilityDecoder",
    ]
    assert_array_equal(loaded.predict(X), model.predict(X))


def test_skops_foreign_type_raises():
    X, y = _breast_cancer()
    model = DecodedClassifier(LogisticRegression(), cv=3).fit(X, y)
    model.note_ = _Unknown()
    data = skops.io.dumps(model)

    with pytest.raises(ValueError, match=r"untrusted types \['test_persistence"):
        load_skops(io.BytesIO(data))


def test_skops_tampered_state_raises():
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multilabel", threshold=[0.41, 0.32, 0.40]
    ).fit([[0.45, 0.35, 0.38]])
    decoder.thresholds_ = decoder.thresholds_[:2]
    data = skops.io.dumps(decoder)

    with pytest.raises(ValueError, match="'fitted.thresholds' has 2 values"):
        load_skops(io.BytesIO(data))


def test_skops_other_version_warns(monkeypatch):
    decoder = ProbabilityDecoder().fit([0.9, 0.2], ["spam", "ham"])
    data = skops.io.dumps(decoder)

    monkeypatch.setattr(sklabel, "__version__", "99.0")
    with pytest.warns(InconsistentVersionWarning, match="loaded by sklabel 99.0"):
        load_skops(io.BytesIO(data))


class _Unknown:
    """A class that skops does not trust."""


# ---------------------------------------------------------------------------
# joblib and pickle
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", DECODER_CASES)
def test_joblib_decoder_round_trip_identical(case, tmp_path):
    decoder, scores = _fitted_case(case)
    path = tmp_path / "decoder.joblib"

    joblib.dump(decoder, path)

    _assert_same_decoder(joblib.load(path), decoder, scores)


def test_joblib_classifier_round_trip_identical(tmp_path):
    X, y = _breast_cancer()
    model = DecodedClassifier(
        LogisticRegression(), ProbabilityDecoder(threshold=0.3), cv=3
    ).fit(X, y)
    path = tmp_path / "model.joblib"

    joblib.dump(model, path)
    loaded = joblib.load(path)

    assert_array_equal(loaded.predict(X), model.predict(X))
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_equal(loaded.threshold_report(), model.threshold_report())


@pytest.mark.parametrize("kind", ["decoder", "classifier"])
def test_pickle_other_version_warns(kind, monkeypatch):
    decoder = ProbabilityDecoder().fit([0.9, 0.2], ["spam", "ham"])
    if kind == "classifier":
        X, y = _breast_cancer()
        estimator = DecodedClassifier(LogisticRegression(), cv=3)
        estimator.fit(X[:100], y[:100])
    else:
        estimator = decoder
    data = pickle.dumps(estimator)

    monkeypatch.setattr(sklabel, "__version__", "99.0")
    with pytest.warns(InconsistentVersionWarning, match="saved by sklabel 0"):
        pickle.loads(data)


def test_pickle_records_version():
    decoder = ProbabilityDecoder().fit([0.9, 0.2], ["spam", "ham"])

    state = decoder.__getstate__()

    assert state["_sklabel_version"] == sklabel.__version__
