"""Tests of ProbabilityDecoder: reading scores, fixed rules, output and errors."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer

from sklabel import ProbabilityDecoder
from sklabel.exceptions import InconsistentVersionWarning

GASES = ["He", "Ne", "Ar", "Kr", "Xe", "Rn"]
GENRES = ["action", "comedy", "drama"]

# Logits from a published tutorial on decoding model outputs.
BINARY_LOGITS = [5.849211, -0.15770258, 0.04067278, -5.5301137, 2.3940122]
MULTICLASS_LOGITS = [
    [6.57, -0.77, 4.56, -4.0, -0.54, 1.42],
    [3.83, -3.11, 4.99, 1.1, -5.4, -9.94],
    [7.8, -0.85, -6.89, -1.49, 4.21, 4.61],
    [-2.42, -8.49, 0.48, -0.53, -8.92, 8.57],
    [-5.88, 5.74, 2.25, -4.09, 4.76, 6.96],
]
MULTILABEL_LOGITS = [
    [-8.71, -0.2, 0.12, 0.78, -1.37, -2.86],
    [1.27, 2.8, -0.17, -1.92, 12.42, 6.13],
    [-4.49, -1.74, -2.68, -6.44, -3.47, -7.65],
    [5.09, 6.38, 8.65, 1.05, -9.85, 6.11],
    [2.41, 0.12, 0.27, -9.25, 3.36, 2.2],
]


def test_binary_logits_worked_example():
    classes = ["nothing-detected", "detection"]
    decoder = ProbabilityDecoder(classes=classes, scores="logits", threshold=0.5)
    decoder.fit(BINARY_LOGITS)

    names = decoder.decode(BINARY_LOGITS)

    expected = ["detection", "nothing-detected", "detection"]
    expected += ["nothing-detected", "detection"]
    assert_array_equal(names, expected)
    probabilities = 1 / (1 + np.exp(-np.asarray(BINARY_LOGITS)))
    assert_array_equal(
        np.round(probabilities, 6),
        np.round([0.9971261, 0.46065587, 0.51016676, 0.00394991, 0.91636956], 6),
    )


def test_multiclass_logits_worked_example():
    decoder = ProbabilityDecoder(classes=GASES, problem="multiclass", scores="logits")

    names = decoder.fit(MULTICLASS_LOGITS).decode(MULTICLASS_LOGITS)

    assert_array_equal(names, ["He", "Ar", "He", "Rn", "Rn"])


def test_multilabel_logits_worked_example():
    decoder = ProbabilityDecoder(
        classes=GASES, problem="multilabel", scores="logits", threshold=0.5
    )

    names = decoder.fit(MULTILABEL_LOGITS).decode(MULTILABEL_LOGITS)

    assert names == [
        ("Ar", "Kr"),
        ("He", "Ne", "Xe", "Rn"),
        (),
        ("He", "Ne", "Ar", "Kr", "Rn"),
        ("He", "Ne", "Ar", "Xe", "Rn"),
    ]


def test_multi_output_list_reads_positive_columns():
    scores = [
        [[0.9, 0.1], [0.3, 0.7]],
        [[0.2, 0.8], [0.6, 0.4]],
        [[0.55, 0.45], [0.1, 0.9]],
    ]
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel", threshold=0.5)

    names = decoder.fit(scores).decode(scores)

    assert names == [("comedy",), ("action", "drama")]


def test_multi_output_list_of_arrays_from_forest():
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    Y = (X[:, :3] > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, Y)
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel")

    indicator = decoder.fit(forest.predict_proba(X)).transform(forest.predict_proba(X))

    expected = np.column_stack([p[:, 1] for p in forest.predict_proba(X)]) >= 0.5
    assert_array_equal(indicator.toarray(), expected.astype(int))


def test_binary_keras_sigmoid_column():
    scores = [[0.2], [0.7], [0.51], [0.49]]
    labels = ["negative", "positive", "positive", "negative"]

    names = ProbabilityDecoder().fit(scores, labels).decode(scores)

    assert_array_equal(names, ["negative", "positive", "positive", "negative"])


@pytest.mark.parametrize(
    "scores", [[0.9, 0.2], [[0.9], [0.2]], [[0.1, 0.9], [0.8, 0.2]]]
)
def test_binary_shapes_agree(scores):
    decoder = ProbabilityDecoder().fit(scores, ["spam", "ham"])

    assert_array_equal(decoder.classes_, ["ham", "spam"])
    assert_array_equal(decoder.decode(scores), ["spam", "ham"])


def test_binary_two_columns_cut_on_second_not_argmax():
    decoder = ProbabilityDecoder(classes=["no", "yes"], threshold=0.3).fit([[0.5, 0.5]])

    names = decoder.decode([[0.65, 0.35], [0.75, 0.25]])

    assert_array_equal(names, ["yes", "no"])


def test_binary_two_logit_columns_use_difference():
    # A two-unit softmax head: P(yes) = expit(z1 - z0), not expit(z1).
    decoder = ProbabilityDecoder(classes=["no", "yes"], scores="logits")
    decoder.fit([[3.0, 2.0]])

    names = decoder.decode([[3.0, 2.0], [-1.0, 0.5]])

    assert_array_equal(names, ["no", "yes"])


def test_cat_dog_bird_logits_by_problem():
    classes = ["cat", "dog", "bird"]
    multiclass = ProbabilityDecoder(
        classes=classes, problem="multiclass", scores="logits"
    ).fit([[2, 1, -1]])
    multilabel = ProbabilityDecoder(
        classes=classes, problem="multilabel", scores="logits"
    ).fit([[2, 1.5, -3]])

    assert_array_equal(multiclass.decode([[2, 1, -1]]), ["cat"])
    assert multilabel.decode([[2, 1.5, -3]]) == [("cat", "dog")]


def test_min_labels_fills_empty_rows():
    scores = [[0.2, 0.3, 0.1], [0.6, 0.2, 0.7]]
    plain = ProbabilityDecoder(classes=GENRES, problem="multilabel", threshold=0.5)
    at_least_one = clone(plain).set_params(min_labels=1)

    assert plain.fit(scores).decode(scores) == [(), ("action", "drama")]
    assert at_least_one.fit(scores).decode(scores) == [
        ("comedy",),
        ("action", "drama"),
    ]


def test_max_labels_keeps_top_scored():
    scores = [[0.9, 0.6, 0.7], [0.1, 0.8, 0.2]]
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel", max_labels=2)

    assert decoder.fit(scores).decode(scores) == [("action", "drama"), ("comedy",)]


def test_per_class_thresholds_array():
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multilabel", threshold=[0.41, 0.32, 0.40]
    )

    names = decoder.fit([[0.45, 0.35, 0.38]]).decode([[0.45, 0.35, 0.38]])

    assert names == [("action", "comedy")]


def test_per_class_thresholds_mapping_with_default():
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multilabel", threshold={"comedy": 0.3}
    )
    decoder.fit([[0.45, 0.35, 0.55]])

    assert_array_equal(decoder.thresholds_, [0.5, 0.3, 0.5])
    assert decoder.decode([[0.45, 0.35, 0.55]]) == [("comedy", "drama")]


def test_threshold_tie_is_positive():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel", threshold=0.4)

    names = decoder.fit([[0.4, 0.39999, 1.0]]).decode([[0.4, 0.39999, 1.0]])

    assert names == [("action", "drama")]


def test_multiclass_tie_goes_to_first_maximum():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multiclass")

    names = decoder.fit([[0.4, 0.4, 0.2]]).decode([[0.4, 0.4, 0.2], [0.2, 0.4, 0.4]])

    assert_array_equal(names, ["action", "comedy"])


def test_given_classes_are_never_sorted():
    classes = ["zebra", "ant", "moth"]
    decoder = ProbabilityDecoder(classes=classes).fit(
        [[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]], ["ant", "zebra"]
    )

    assert_array_equal(decoder.classes_, classes)
    assert decoder.problem_ == "multiclass"
    assert_array_equal(decoder.decode([[0.1, 0.7, 0.2]]), ["ant"])


def test_learned_classes_are_sorted():
    y = ["moth", "zebra", "ant", "moth"]
    scores = np.eye(3)[[1, 2, 0, 1]]

    decoder = ProbabilityDecoder().fit(scores, y)

    assert_array_equal(decoder.classes_, ["ant", "moth", "zebra"])
    assert_array_equal(decoder.decode(scores), y)


def test_flat_string_list_is_not_split_into_characters():
    decoder = ProbabilityDecoder().fit([0.9, 0.1, 0.8], ["spam", "ham", "spam"])

    assert_array_equal(decoder.classes_, ["ham", "spam"])
    assert decoder.problem_ == "binary"


@pytest.mark.parametrize(
    "y",
    [
        [("action", "comedy"), ("drama",), ()],
        np.array([[1, 1, 0], [0, 0, 1], [0, 0, 0]]),
        sp.csr_matrix(np.array([[1, 1, 0], [0, 0, 1], [0, 0, 0]])),
        np.array([[True, True, False], [False, False, True], [False] * 3]),
    ],
    ids=["label-sets", "dense-indicator", "sparse-indicator", "boolean-indicator"],
)
def test_multilabel_target_forms(y):
    scores = [[0.9, 0.6, 0.1], [0.2, 0.3, 0.8], [0.1, 0.1, 0.1]]

    decoder = ProbabilityDecoder(classes=GENRES).fit(scores, y)

    assert decoder.problem_ == "multilabel"
    assert decoder.decode(scores) == [("action", "comedy"), ("drama",), ()]


def test_indicator_target_without_classes_uses_column_numbers():
    y = np.array([[1, 0], [0, 1], [1, 1]])

    decoder = ProbabilityDecoder().fit([[0.9, 0.2], [0.1, 0.7], [0.6, 0.6]], y)

    assert_array_equal(decoder.classes_, [0, 1])
    assert decoder.problem_ == "multilabel"


def test_unknown_labels_are_listed():
    decoder = ProbabilityDecoder(classes=GENRES)

    with pytest.raises(ValueError, match=r"\['horror', 'western'\] that are not in"):
        decoder.fit([[0.1, 0.2, 0.7]] * 3, ["action", "horror", "western"])


def test_explicit_problem_overrides_inference():
    scores = [[0.9, 0.6, 0.1], [0.2, 0.3, 0.8]]

    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel")
    decoder.fit(scores, ["action", "drama"])

    assert decoder.problem_ == "multilabel"
    assert decoder.decode(scores) == [("action", "comedy"), ("drama",)]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [([[0.2, 0.7]], "probabilities"), ([[-2.0, 3.5]], "logits")],
)
def test_auto_score_type_is_decided_once(scores, expected):
    decoder = ProbabilityDecoder(classes=["a", "b"], problem="multilabel")

    decoder.fit(scores)

    assert decoder.scores_ == expected


def test_transform_keeps_auto_score_type():
    decoder = ProbabilityDecoder(classes=["a", "b"], problem="multilabel")
    decoder.fit([[0.2, 0.7]])

    with pytest.raises(ValueError, match=r"scores='auto' found every.*-2.0"):
        decoder.transform([[-2.0, 3.5]])


def test_logits_compared_in_logit_space_beyond_expit_saturation():
    # expit(40) and expit(41) both round to 1.0 in float64, yet a threshold
    # between them is still applied exactly in logit space.
    threshold = 1 / (1 + np.exp(-40.5))
    decoder = ProbabilityDecoder(
        classes=["a", "b"], problem="multilabel", scores="logits", threshold=0.5
    ).fit([[40.0, 41.0]])

    assert decoder.decode([[40.0, 41.0]]) == [("a", "b")]
    assert threshold == 1.0
    assert decoder.score_thresholds_[0] == 0.0


def test_float32_scores_stay_float32_and_are_exact():
    threshold = 0.41
    score = np.float32(0.41)
    decoder = ProbabilityDecoder(
        classes=["a", "b"], problem="multilabel", threshold=threshold
    )
    scores = np.array([[score, np.nextafter(score, np.float32(1))]], dtype=np.float32)
    decoder.fit(scores)

    indicator = decoder.transform(scores)

    # float32(0.41) is 0.4099999964..., below the float64 threshold 0.41.
    assert float(score) < threshold
    assert_array_equal(indicator.toarray(), [[0, 1]])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_dtypes_give_same_names(dtype):
    scores = np.array([[0.25, 0.75, 0.625], [0.875, 0.125, 0.5]], dtype=dtype)
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel", threshold=0.6)

    names = decoder.fit(scores).decode(scores)

    assert names == [("comedy", "drama"), ("action",)]


def test_dataframe_columns_matched_by_name():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {"drama": [0.9, 0.1], "action": [0.2, 0.8], "comedy": [0.0, 0.6]}
    )
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel")

    names = decoder.fit(frame).decode(frame)

    assert names == [("drama",), ("action", "comedy")]


def test_dataframe_partial_column_match_raises():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"drama": [0.9], "action": [0.2], "horror": [0.0]})
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel")

    with pytest.raises(
        ValueError, match=r"missing \['comedy'\], unexpected \['horror'\]"
    ):
        decoder.fit(frame)


def test_dataframe_negative_class_column_raises():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"ham": [0.9, 0.1]})
    decoder = ProbabilityDecoder(classes=["ham", "spam"])

    with pytest.raises(ValueError, match="named 'ham', which is the negative class"):
        decoder.fit(frame)


def test_dataframe_nullable_missing_value_raises():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": pd.array([0.1, None], dtype="Float64"), "b": [0.2, 0.3]})
    decoder = ProbabilityDecoder(classes=["a", "b"], problem="multilabel")

    with pytest.raises(ValueError, match="non-finite value"):
        decoder.fit(frame)


def test_nan_scores_raise_in_fit_and_transform():
    scores = [[0.2, np.nan, 0.5], [0.6, 0.3, 0.1]]
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel")
    fitted = clone(decoder).fit([[0.2, 0.3, 0.5]])

    with pytest.raises(ValueError, match=r"nan at row 0, column 1"):
        decoder.fit(scores)
    with pytest.raises(ValueError, match=r"nan at row 0, column 1"):
        fitted.transform(scores)


def test_infinite_scores_raise():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multiclass", scores="logits")

    with pytest.raises(ValueError, match="inf at row 1, column 2"):
        decoder.fit([[0.2, 0.3, 0.5], [0.6, 0.3, np.inf]])


def test_one_dimensional_row_hint():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multiclass")
    decoder.fit([[0.2, 0.5, 0.3]])

    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        decoder.decode([0.2, 0.5, 0.3])


def test_column_count_mismatch_raises():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel").fit(
        [[0.1, 0.2, 0.3]]
    )

    with pytest.raises(ValueError, match="scores have 2 columns.*need 3"):
        decoder.transform([[0.1, 0.2]])


def test_three_columns_two_labels_raise():
    with pytest.raises(ValueError, match="scores have 3 columns.*binary problem"):
        ProbabilityDecoder().fit([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]], ["a", "b"])


def test_declared_probabilities_out_of_range_raise():
    decoder = ProbabilityDecoder(classes=["a", "b"], scores="probabilities")

    with pytest.raises(ValueError, match="contain 1.2, outside"):
        decoder.fit([0.5, 1.2])


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ([[0.1, 0.2], [0.3]], "rectangular"),
        ([], "empty"),
        (np.zeros((3, 0)), "0 feature"),
        ([["a", "b"]], "must be numeric"),
        (np.array([[True, False]]), "booleans"),
    ],
    ids=["ragged", "empty", "no-columns", "strings", "booleans"],
)
def test_bad_score_containers_raise(scores, message):
    decoder = ProbabilityDecoder(classes=["a", "b"], problem="multilabel")

    with pytest.raises((ValueError, TypeError), match=message):
        decoder.fit(scores)


def test_multiclass_rejects_threshold():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multiclass", threshold=0.3)

    with pytest.raises(ValueError, match="use no per-class threshold"):
        decoder.fit([[0.2, 0.3, 0.5]])


def test_threshold_out_of_range_in_array_raises():
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multilabel", threshold=[0.2, 1.5, 0.3]
    )

    with pytest.raises(ValueError, match="class 'comedy' is 1.5"):
        decoder.fit([[0.2, 0.3, 0.5]])


def test_threshold_mapping_unknown_class_raises():
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multilabel", threshold={"horror": 0.2}
    )

    with pytest.raises(ValueError, match=r"\['horror'\] that are not in"):
        decoder.fit([[0.2, 0.3, 0.5]])


def test_no_target_and_no_classes_raises():
    with pytest.raises(ValueError, match="class names are unknown"):
        ProbabilityDecoder().fit([[0.2, 0.8]])


@pytest.mark.parametrize(
    "indicator",
    [
        np.array([[0, 1, 0, 1]]),
        np.array([[False, True, False, True]]),
        sp.csr_matrix(np.array([[0, 1, 0, 1]])),
    ],
    ids=["integers", "booleans", "csr"],
)
def test_inverse_transform_indicator_forms(indicator):
    classes = ["action", "comedy", "drama", "horror"]
    decoder = ProbabilityDecoder(classes=classes, problem="multilabel")
    decoder.fit([[0.1, 0.2, 0.3, 0.4]])

    assert decoder.inverse_transform(indicator) == [("comedy", "horror")]


def test_inverse_transform_rejects_probabilities():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel")
    decoder.fit([[0.1, 0.2, 0.3]])

    with pytest.raises(ValueError, match=r"contains \[0.3\].*call decode"):
        decoder.inverse_transform([[0, 1, 0.3]])


def test_inverse_transform_multiclass_row_without_label_raises():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multiclass")
    decoder.fit([[0.1, 0.2, 0.7]])

    with pytest.raises(ValueError, match="row 1 has 0 ones"):
        decoder.inverse_transform([[0, 0, 1], [0, 0, 0]])


@pytest.mark.parametrize(
    ("problem", "scores", "shape"),
    [
        ("binary", [[0.2], [0.7]], (2, 1)),
        ("multiclass", [[0.2, 0.5, 0.3], [0.7, 0.1, 0.2]], (2, 3)),
    ],
)
def test_transform_output_follows_label_binarizer(problem, scores, shape):
    classes = GENRES if problem == "multiclass" else GENRES[:2]
    decoder = ProbabilityDecoder(classes=classes, problem=problem).fit(scores)

    output = decoder.transform(scores)
    sparse_output = clone(decoder).set_params(sparse_output=True).fit(scores)

    assert isinstance(output, np.ndarray)
    assert output.shape == shape
    assert set(np.unique(output)) <= {0, 1}
    assert sp.issparse(sparse_output.transform(scores))
    assert_array_equal(decoder.inverse_transform(output), decoder.decode(scores))


def test_multilabel_csr_read_by_binarizer():
    rng = np.random.default_rng(0)
    scores = rng.random((50, 3))
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel").fit(scores)
    binarizer = MultiLabelBinarizer(classes=GENRES).fit([GENRES])

    indicator = decoder.transform(scores)

    assert sp.issparse(indicator)
    assert indicator.format == "csr"
    assert binarizer.inverse_transform(indicator) == decoder.decode(scores)
    assert_array_equal(indicator.toarray(), (scores >= 0.5).astype(int))


def test_set_output_pandas_for_dense_output():
    pd = pytest.importorskip("pandas")
    decoder = ProbabilityDecoder(classes=GENRES, problem="multiclass")
    decoder.set_output(transform="pandas").fit([[0.2, 0.5, 0.3]])

    frame = decoder.transform([[0.2, 0.5, 0.3], [0.7, 0.1, 0.2]])

    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == GENRES
    assert frame.to_numpy().tolist() == [[0, 1, 0], [1, 0, 0]]


def test_get_feature_names_out_binary_is_positive_class():
    decoder = ProbabilityDecoder().fit([0.2, 0.9], ["ham", "spam"])

    assert decoder.get_feature_names_out().tolist() == ["spam"]


def test_fit_returns_self_and_keeps_params():
    decoder = ProbabilityDecoder(
        classes=GENRES, problem="multilabel", threshold=[0.1, 0.2, 0.3]
    )
    params = decoder.get_params()

    assert decoder.fit([[0.2, 0.3, 0.5]]) is decoder
    assert decoder.get_params() == params


def test_clone_and_set_params_round_trip():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel", min_labels=1)

    cloned = clone(decoder)
    cloned.set_params(**decoder.get_params())

    assert cloned.get_params() == decoder.get_params()
    assert cloned is not decoder


def test_pickle_round_trip_identical_output():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(40, 3)).astype(np.float32)
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel").fit(scores)

    loaded = pickle.loads(pickle.dumps(decoder))

    assert loaded.decode(scores) == decoder.decode(scores)
    assert loaded.scores_ == "logits"


def test_pickle_from_other_version_warns():
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel").fit(
        [[0.1, 0.2, 0.3]]
    )
    state = decoder.__getstate__()
    state["_sklabel_version"] = "0.0.1"
    loaded = ProbabilityDecoder.__new__(ProbabilityDecoder)

    with pytest.warns(InconsistentVersionWarning, match="saved by sklabel 0.0.1"):
        loaded.__setstate__(state)


def test_read_only_and_fortran_scores():
    scores = np.asfortranarray(np.random.default_rng(2).random((20, 3)))
    scores.setflags(write=False)
    decoder = ProbabilityDecoder(classes=GENRES, problem="multilabel")

    indicator = decoder.fit(scores).transform(scores)

    assert_array_equal(indicator.toarray(), (scores >= 0.5).astype(int))


def test_decoder_in_pipeline():
    from sklearn.preprocessing import FunctionTransformer

    pipeline = make_pipeline(
        FunctionTransformer(lambda logits: 1 / (1 + np.exp(-logits))),
        ProbabilityDecoder(classes=GENRES, problem="multilabel"),
    )
    logits = np.array(MULTILABEL_LOGITS)[:, :3]

    indicator = pipeline.fit(logits).transform(logits)

    assert_array_equal(indicator.toarray(), (logits >= 0).astype(int))
