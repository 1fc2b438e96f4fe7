"""Property tests of ProbabilityDecoder through the public API.

Each property holds for every draw of scores, classes and thresholds, except
where a score is within float resolution of a threshold or of another score
in the same row. Those draws are filtered out with ``assume``.
"""

import io

import joblib
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_array_equal
from scipy.special import expit, logit, softmax

import sklabel
from sklabel import ProbabilityDecoder

SETTINGS = settings(max_examples=50, deadline=None)

# Scores closer than this to a threshold, or to another score of the row,
# may decide either way after a sigmoid, softmax or float32 cast.
MARGIN = 1e-6

PROBABILITY = st.floats(0.0, 1.0, allow_nan=False, width=64)
LOGIT = st.floats(-30.0, 30.0, allow_nan=False, width=64)
OPEN_THRESHOLD = st.floats(0.001, 0.999, allow_nan=False)


@st.composite
def score_problems(draw, elements, min_classes=2, max_classes=6, unique=False):
    """Draw ``(scores, classes)`` with 1 to 8 rows and 2 to 6 classes.

    With ``unique``, no two scores of the matrix are equal.
    """
    n_classes = draw(st.integers(min_classes, max_classes))
    n_samples = draw(st.integers(1, 8))
    shape = (n_samples, n_classes)
    scores = draw(arrays(np.float64, shape, elements=elements, unique=unique))
    classes = [f"class_{index}" for index in range(n_classes)]
    return scores, classes


def multilabel_decoder(classes, **params):
    n_classes = len(classes)
    return ProbabilityDecoder(classes=classes, problem="multilabel", **params).fit(
        np.full((1, n_classes), 0.5)
    )


def multiclass_decoder(classes, **params):
    n_classes = len(classes)
    return ProbabilityDecoder(classes=classes, problem="multiclass", **params).fit(
        np.full((1, n_classes), 1.0 / n_classes)
    )


def label_sets(decoded):
    return [frozenset(labels) for labels in decoded]


def rows_have_distinct_scores(scores, margin=MARGIN):
    """Tell whether every two scores of a row differ by more than ``margin``."""
    ordered = np.sort(scores, axis=1)
    return bool((np.diff(ordered, axis=1) > margin).all())


# ---------------------------------------------------------------------------
# Permuting classes together with score columns


@SETTINGS
@given(
    problem=score_problems(PROBABILITY),
    thresholds=st.lists(OPEN_THRESHOLD, min_size=6, max_size=6),
    seed=st.integers(0, 2**32 - 1),
)
def test_multilabel_permutation_same_names(problem, thresholds, seed):
    scores, classes = problem
    thresholds = np.asarray(thresholds[: len(classes)])
    permutation = np.random.default_rng(seed).permutation(len(classes))
    decoder = multilabel_decoder(classes, threshold=thresholds)
    permuted = multilabel_decoder(
        list(np.asarray(classes)[permutation]), threshold=thresholds[permutation]
    )

    expected = label_sets(decoder.decode(scores))
    actual = label_sets(permuted.decode(scores[:, permutation]))

    assert actual == expected


@SETTINGS
@given(
    problem=score_problems(PROBABILITY, min_classes=3, unique=True),
    seed=st.integers(0, 2**32 - 1),
    rule=st.sampled_from(["argmax", "top_k"]),
)
def test_multiclass_permutation_same_names(problem, seed, rule):
    scores, classes = problem
    # Arg-max and top-k break ties by column index, which a permutation moves.
    assume(rows_have_distinct_scores(scores))
    permutation = np.random.default_rng(seed).permutation(len(classes))
    params = {"rule": rule, "k": 2} if rule == "top_k" else {}
    decoder = multiclass_decoder(classes, **params)
    permuted = multiclass_decoder(list(np.asarray(classes)[permutation]), **params)

    expected = decoder.decode(scores)
    actual = permuted.decode(scores[:, permutation])

    if rule == "top_k":
        assert label_sets(actual) == label_sets(expected)
    else:
        assert_array_equal(actual, expected)


# ---------------------------------------------------------------------------
# Raising a threshold never adds a label


@SETTINGS
@given(
    problem=score_problems(PROBABILITY),
    low=st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6),
    raise_by=st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6),
    score_type=st.sampled_from(["probabilities", "logits"]),
)
def test_multilabel_raised_threshold_adds_no_label(problem, low, raise_by, score_type):
    scores, classes = problem
    n_classes = len(classes)
    low = np.asarray(low[:n_classes])
    high = np.minimum(low + np.asarray(raise_by[:n_classes]), 1.0)
    if score_type == "logits":
        scores = (scores - 0.5) * 40.0

    low_decoder = multilabel_decoder(classes, threshold=low, scores=score_type)
    high_decoder = multilabel_decoder(classes, threshold=high, scores=score_type)
    low_sets = label_sets(low_decoder.decode(scores))
    high_sets = label_sets(high_decoder.decode(scores))

    for low_set, high_set in zip(low_sets, high_sets, strict=True):
        assert high_set <= low_set


@SETTINGS
@given(
    scores=arrays(np.float64, st.integers(1, 8), elements=PROBABILITY),
    low=st.floats(0.0, 1.0),
    high=st.floats(0.0, 1.0),
)
def test_binary_raised_threshold_adds_no_positive(scores, low, high):
    low, high = sorted([low, high])
    classes = ["negative", "positive"]
    low_decoder = ProbabilityDecoder(classes=classes, threshold=low).fit([0.5])
    high_decoder = ProbabilityDecoder(classes=classes, threshold=high).fit([0.5])

    low_positive = low_decoder.decode(scores) == "positive"
    high_positive = high_decoder.decode(scores) == "positive"

    assert not (high_positive & ~low_positive).any()


# ---------------------------------------------------------------------------
# Logits decode like their sigmoid or softmax


@SETTINGS
@given(
    problem=score_problems(LOGIT),
    thresholds=st.lists(OPEN_THRESHOLD, min_size=6, max_size=6),
)
def test_multilabel_logits_decode_like_sigmoid(problem, thresholds):
    logits, classes = problem
    thresholds = np.asarray(thresholds[: len(classes)])
    probabilities = expit(logits)
    assume(np.abs(probabilities - thresholds).min() > MARGIN)
    assume(np.abs(logits - logit(thresholds)).min() > MARGIN)

    from_logits = multilabel_decoder(classes, threshold=thresholds, scores="logits")
    from_probabilities = multilabel_decoder(
        classes, threshold=thresholds, scores="probabilities"
    )

    assert from_logits.decode(logits) == from_probabilities.decode(probabilities)


@SETTINGS
@given(problem=score_problems(LOGIT, unique=True))
def test_multiclass_logits_decode_like_softmax(problem):
    logits, classes = problem
    probabilities = softmax(logits, axis=1)
    assume(rows_have_distinct_scores(logits))
    assume(rows_have_distinct_scores(probabilities, margin=1e-12))

    from_logits = multiclass_decoder(classes, scores="logits")
    from_probabilities = multiclass_decoder(classes, scores="probabilities")

    assert_array_equal(
        from_logits.decode(logits), from_probabilities.decode(probabilities)
    )


@SETTINGS
@given(problem=score_problems(LOGIT, unique=True), reject_threshold=OPEN_THRESHOLD)
def test_multiclass_reject_logits_decode_like_softmax(problem, reject_threshold):
    logits, classes = problem
    probabilities = softmax(logits, axis=1)
    assume(rows_have_distinct_scores(logits))
    assume(np.abs(probabilities.max(axis=1) - reject_threshold).min() > MARGIN)
    params = {
        "rule": "reject",
        "reject_threshold": reject_threshold,
        "reject_label": "rejected",
    }

    from_logits = multiclass_decoder(classes, scores="logits", **params)
    from_probabilities = multiclass_decoder(classes, scores="probabilities", **params)

    assert_array_equal(
        from_logits.decode(logits), from_probabilities.decode(probabilities)
    )


@SETTINGS
@given(
    problem=score_problems(LOGIT, min_classes=3),
    shift=st.sampled_from([1e17, -1e17, 1e300, -1e300]),
)
def test_multiclass_reject_shifted_logits_like_softmax(problem, shift):
    logits, classes = problem
    # Softmax is invariant to adding one constant to a row, so equal logits
    # shifted far from 0 still have top probability 1 / n_classes.
    equal_rows = np.zeros_like(logits) + shift
    probabilities = softmax(equal_rows - shift, axis=1)
    params = {"rule": "reject", "reject_threshold": 0.5, "reject_label": "rejected"}

    from_logits = multiclass_decoder(classes, scores="logits", **params)
    from_probabilities = multiclass_decoder(classes, scores="probabilities", **params)

    assert_array_equal(
        from_logits.decode(equal_rows), from_probabilities.decode(probabilities)
    )


@SETTINGS
@given(
    logits=arrays(np.float64, st.tuples(st.integers(1, 8), st.just(2)), elements=LOGIT),
    threshold=OPEN_THRESHOLD,
)
def test_binary_two_logit_columns_decode_like_softmax(logits, threshold):
    probabilities = softmax(logits, axis=1)
    assume(np.abs(probabilities[:, 1] - threshold).min() > MARGIN)
    classes = ["negative", "positive"]

    from_logits = ProbabilityDecoder(
        classes=classes, scores="logits", threshold=threshold
    ).fit(logits)
    from_probabilities = ProbabilityDecoder(
        classes=classes, scores="probabilities", threshold=threshold
    ).fit(probabilities)

    assert_array_equal(
        from_logits.decode(logits), from_probabilities.decode(probabilities)
    )


# ---------------------------------------------------------------------------
# inverse_transform(transform(S)) == decode(S)


DECODER_CASES = [
    ("multilabel", {}),
    ("multilabel", {"min_labels": 1, "max_labels": 2}),
    ("multilabel", {"rule": "top_k", "k": 2}),
    ("multilabel", {"rule": "expected_f1"}),
    ("multilabel", {"sparse_output": False}),
    ("multiclass", {}),
    ("multiclass", {"rule": "top_k", "k": 2}),
    ("multiclass", {"rule": "reject", "reject_threshold": 0.4, "reject_label": "?"}),
    ("multiclass", {"sparse_output": True}),
    ("binary", {"threshold": 0.3}),
]


def fitted_decoder(problem, params, classes):
    if problem == "multilabel":
        return multilabel_decoder(classes, **params)
    if problem == "multiclass":
        return multiclass_decoder(classes, **params)
    return ProbabilityDecoder(classes=classes[:2], **params).fit([0.5])


def scores_for(problem, scores):
    return scores[:, 0] if problem == "binary" else scores


def assert_same_names(actual, expected):
    if isinstance(expected, list):
        assert actual == expected
    else:
        assert_array_equal(actual, expected)


@SETTINGS
@given(problem=score_problems(PROBABILITY), case=st.sampled_from(DECODER_CASES))
def test_inverse_transform_of_transform_equals_decode(problem, case):
    scores, classes = problem
    kind, params = case
    decoder = fitted_decoder(kind, params, classes)
    scores = scores_for(kind, scores)

    round_trip = decoder.inverse_transform(decoder.transform(scores))

    assert_same_names(round_trip, decoder.decode(scores))


# ---------------------------------------------------------------------------
# Persistence round trips


@SETTINGS
@given(problem=score_problems(PROBABILITY), case=st.sampled_from(DECODER_CASES))
def test_json_round_trip_same_output(problem, case):
    scores, classes = problem
    kind, params = case
    decoder = fitted_decoder(kind, params, classes)
    scores = scores_for(kind, scores)

    loaded = sklabel.from_json(sklabel.to_json(decoder))

    assert_same_names(loaded.decode(scores), decoder.decode(scores))
    transformed = decoder.transform(scores)
    loaded_transformed = loaded.transform(scores)
    assert type(loaded_transformed) is type(transformed)
    assert_array_equal(_dense(loaded_transformed), _dense(transformed))


@SETTINGS
@given(problem=score_problems(PROBABILITY), case=st.sampled_from(DECODER_CASES))
def test_joblib_round_trip_same_output(problem, case):
    scores, classes = problem
    kind, params = case
    decoder = fitted_decoder(kind, params, classes)
    scores = scores_for(kind, scores)
    buffer = io.BytesIO()

    joblib.dump(decoder, buffer)
    buffer.seek(0)
    loaded = joblib.load(buffer)

    assert_same_names(loaded.decode(scores), decoder.decode(scores))
    assert_array_equal(
        _dense(loaded.transform(scores)), _dense(decoder.transform(scores))
    )


# Random validation scores rarely rank the true class first, which fit warns
# about. This test checks persistence, so it ignores the warning.
@pytest.mark.filterwarnings("ignore::sklabel.exceptions.SklabelWarning")
@SETTINGS
@given(
    labels=st.lists(st.integers(-5, 5), min_size=3, max_size=20),
    seed=st.integers(0, 2**32 - 1),
)
def test_json_round_trip_learned_thresholds(labels, seed):
    labels = np.asarray(labels)
    assume(len(np.unique(labels)) >= 2)
    rng = np.random.default_rng(seed)
    n_classes = len(np.unique(labels))
    scores = rng.random((len(labels), n_classes))
    problem = "binary" if n_classes == 2 else "multiclass"
    objective = "f1" if problem == "binary" else "balanced_accuracy"
    decision_scores = scores[:, 1] if problem == "binary" else scores
    decoder = ProbabilityDecoder(objective=objective).fit(decision_scores, labels)

    loaded = sklabel.from_json(sklabel.to_json(decoder))

    new_scores = rng.random(decision_scores.shape)
    assert_array_equal(loaded.decode(new_scores), decoder.decode(new_scores))
    assert loaded.classes_.tolist() == decoder.classes_.tolist()


def _dense(matrix):
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)


# ---------------------------------------------------------------------------
# float32 and float64 inputs


@SETTINGS
@given(
    problem=score_problems(PROBABILITY),
    thresholds=st.lists(OPEN_THRESHOLD, min_size=6, max_size=6),
    score_type=st.sampled_from(["probabilities", "logits"]),
)
def test_multilabel_float32_agrees_with_float64(problem, thresholds, score_type):
    scores, classes = problem
    thresholds = np.asarray(thresholds[: len(classes)])
    if score_type == "logits":
        scores = (scores - 0.5) * 40.0
        cuts = logit(thresholds)
    else:
        cuts = thresholds
    scores32 = scores.astype(np.float32)
    decoder = multilabel_decoder(classes, threshold=thresholds, scores=score_type)

    # The float32 matrix decodes exactly like its own values in float64.
    assert decoder.decode(scores32) == decoder.decode(scores32.astype(np.float64))

    assume(np.abs(scores - cuts).min() > MARGIN * max(1.0, np.abs(scores).max()))
    assert decoder.decode(scores32) == decoder.decode(scores)


@SETTINGS
@given(problem=score_problems(LOGIT, unique=True))
def test_multiclass_float32_agrees_with_float64(problem):
    scores, classes = problem
    scores32 = scores.astype(np.float32)
    decoder = multiclass_decoder(classes, scores="logits")

    assert_array_equal(
        decoder.decode(scores32), decoder.decode(scores32.astype(np.float64))
    )

    assume(rows_have_distinct_scores(scores, margin=1e-4))
    assert_array_equal(decoder.decode(scores32), decoder.decode(scores))


@SETTINGS
@given(
    scores=arrays(np.float64, st.integers(1, 8), elements=PROBABILITY),
    threshold=OPEN_THRESHOLD,
)
def test_binary_float32_agrees_with_float64(scores, threshold):
    scores32 = scores.astype(np.float32)
    decoder = ProbabilityDecoder(
        classes=["negative", "positive"], threshold=threshold
    ).fit([0.5])

    assert_array_equal(
        decoder.decode(scores32), decoder.decode(scores32.astype(np.float64))
    )

    assume(np.abs(scores - threshold).min() > MARGIN)
    assert_array_equal(decoder.decode(scores32), decoder.decode(scores))
