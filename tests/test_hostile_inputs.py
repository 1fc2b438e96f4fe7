"""Hostile inputs to ProbabilityDecoder, from_json and ``sklabel decode``.

Each input must either decode to the right names or raise one error whose
message names the problem.
"""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

import sklabel
from sklabel import ProbabilityDecoder, to_json

CLASSES = ["a", "b", "c"]


def multilabel_decoder(classes=CLASSES, **params):
    return ProbabilityDecoder(classes=classes, problem="multilabel", **params).fit(
        np.full((1, len(classes)), 0.5)
    )


def multiclass_decoder(classes=CLASSES, **params):
    return ProbabilityDecoder(classes=classes, problem="multiclass", **params).fit(
        np.full((1, len(classes)), 1.0 / len(classes))
    )


def binary_decoder(**params):
    return ProbabilityDecoder(classes=["negative", "positive"], **params).fit([0.5])


def expected_label_sets(scores, classes=CLASSES, threshold=0.5):
    """Return the label sets of ``scores >= threshold`` computed with NumPy."""
    names = np.asarray(classes)
    return [tuple(names[np.flatnonzero(row >= threshold)]) for row in scores]


# ---------------------------------------------------------------------------
# Empty input, one sample, one class


@pytest.mark.parametrize(
    "make_decoder", [multilabel_decoder, multiclass_decoder], ids=["ml", "mc"]
)
def test_decode_empty_matrix_raises(make_decoder):
    decoder = make_decoder()

    with pytest.raises(ValueError, match=r"scores is empty \(shape \(0, 3\)\)"):
        decoder.decode(np.empty((0, 3)))


def test_decode_empty_list_raises():
    decoder = binary_decoder()

    with pytest.raises(ValueError, match="scores is empty"):
        decoder.decode([])


def test_fit_zero_columns_raises():
    decoder = ProbabilityDecoder(classes=CLASSES, problem="multilabel")

    with pytest.raises(ValueError, match="0 feature"):
        decoder.fit(np.empty((2, 0)))


def test_decode_one_sample():
    scores = np.array([[0.2, 0.5, 0.9]])

    assert multilabel_decoder().decode(scores) == [("b", "c")]
    assert_array_equal(multiclass_decoder().decode(scores), ["c"])
    assert_array_equal(binary_decoder().decode([0.7]), ["positive"])


def test_decode_one_sample_as_1d_row_raises():
    # A 1-D array is one score column, so 3 values are 3 samples of 1 column.
    decoder = multilabel_decoder()

    with pytest.raises(ValueError, match="scores have 1 columns"):
        decoder.decode([0.2, 0.5, 0.9])


def test_classes_one_class_raises():
    decoder = ProbabilityDecoder(classes=["only"], problem="multilabel")

    with pytest.raises(ValueError, match="at least 2 classes"):
        decoder.fit([[0.5]])


def test_fit_y_one_class_raises():
    decoder = ProbabilityDecoder()

    with pytest.raises(ValueError, match="only 1 class"):
        decoder.fit([0.2, 0.9], ["spam", "spam"])


# ---------------------------------------------------------------------------
# 100,000 classes


def test_multilabel_100k_classes_few_rows():
    rng = np.random.default_rng(0)
    n_classes = 100_000
    classes = [f"label_{index}" for index in range(n_classes)]
    scores = rng.random((3, n_classes))
    decoder = multilabel_decoder(classes)

    decoded = decoder.decode(scores)

    assert decoded == expected_label_sets(scores, classes)
    indicator = decoder.transform(scores)
    assert indicator.shape == (3, n_classes)
    assert decoder.inverse_transform(indicator) == decoded


def test_multilabel_100k_classes_column_count_error():
    classes = [f"label_{index}" for index in range(100_000)]
    decoder = multilabel_decoder(classes)

    with pytest.raises(ValueError, match=r"99999 columns.*100000 in all"):
        decoder.decode(np.zeros((2, 99_999)))


# ---------------------------------------------------------------------------
# Object, string, complex and boolean arrays


def test_decode_object_array_of_floats():
    scores = np.array([[0.2, 0.5, 0.9]], dtype=object)

    assert multilabel_decoder().decode(scores) == [("b", "c")]


def test_decode_object_array_of_strings_raises():
    scores = np.array([["0.2", "0.5", "0.9"]], dtype=object)
    decoder = multilabel_decoder()

    with pytest.raises(TypeError, match="only real numbers, got str '0.2'"):
        decoder.decode(scores)


def test_decode_object_array_with_none_raises():
    scores = np.array([[0.2, None, 0.9]], dtype=object)
    decoder = multilabel_decoder()

    with pytest.raises(TypeError, match="got NoneType None"):
        decoder.decode(scores)


def test_decode_unicode_array_raises():
    scores = np.array([["0.2", "0.5", "0.9"]])
    decoder = multilabel_decoder()

    with pytest.raises(TypeError, match="must be numeric, got an array of dtype <U3"):
        decoder.decode(scores)


def test_decode_string_raises():
    decoder = binary_decoder()

    with pytest.raises(TypeError, match="array-like of numbers, got str"):
        decoder.decode("0.5")


def test_decode_complex_raises():
    scores = np.array([[0.2, 0.5, 0.9]], dtype=complex)
    decoder = multilabel_decoder()

    with pytest.raises(ValueError, match="Complex data not supported"):
        decoder.decode(scores)


@pytest.mark.parametrize(
    "scores",
    [np.array([[True, False, True]]), [[True, False, True]]],
    ids=["array", "list"],
)
def test_decode_booleans_raise(scores):
    decoder = multilabel_decoder()

    with pytest.raises(TypeError, match="scores are booleans"):
        decoder.decode(scores)


def test_decode_object_array_with_bool_raises():
    scores = np.array([[0.2, True, 0.9]], dtype=object)
    decoder = multilabel_decoder()

    with pytest.raises(TypeError, match="got bool True"):
        decoder.decode(scores)


def test_fit_boolean_labels():
    decoder = ProbabilityDecoder().fit([0.2, 0.9], [False, True])

    assert_array_equal(decoder.decode([0.8, 0.1]), [True, False])


# ---------------------------------------------------------------------------
# Labels: mixed types, None, duplicates


def test_fit_mixed_int_and_string_labels_raises():
    decoder = ProbabilityDecoder()

    with pytest.raises(ValueError, match="mixes strings and numbers"):
        decoder.fit([0.1, 0.9, 0.5], [1, "a", 1])


def test_classes_mixed_int_and_string_raises():
    decoder = ProbabilityDecoder(classes=[0, "b", "c"], problem="multilabel")

    with pytest.raises(ValueError, match="classes mixes strings and numbers"):
        decoder.fit([[0.1, 0.5, 0.9]])


def test_fit_mixed_label_sets_raises():
    decoder = ProbabilityDecoder()

    with pytest.raises(ValueError, match="y mixes strings and numbers"):
        decoder.fit([[0.1, 0.9], [0.5, 0.5]], [("a", 1), ("a",)])


def test_fit_none_label_raises():
    decoder = ProbabilityDecoder()

    with pytest.raises(ValueError, match=r"y contains a missing label \(None\)"):
        decoder.fit([0.1, 0.9, 0.5], ["a", None, "b"])


def test_fit_none_in_label_set_raises():
    decoder = ProbabilityDecoder()

    with pytest.raises(ValueError, match=r"missing label \(None\)"):
        decoder.fit([[0.1, 0.9], [0.5, 0.5]], [("a", None), ("b",)])


def test_classes_none_raises():
    decoder = ProbabilityDecoder(classes=["a", None])

    with pytest.raises(ValueError, match=r"classes contains a missing label"):
        decoder.fit([0.1])


def test_fit_nan_label_raises():
    decoder = ProbabilityDecoder()

    with pytest.raises(ValueError, match="missing label"):
        decoder.fit([0.1, 0.9, 0.5], [0.0, float("nan"), 1.0])


@pytest.mark.parametrize(
    "classes",
    [["a", "a", "b"], np.array(["a", "b", "a"]), [1, 1.0, 2]],
    ids=["list", "array", "int-and-float"],
)
def test_classes_duplicate_names_raise(classes):
    decoder = ProbabilityDecoder(classes=classes, problem="multilabel")

    with pytest.raises(ValueError, match="duplicate names"):
        decoder.fit([[0.1, 0.2, 0.7]])


# ---------------------------------------------------------------------------
# Extreme values: logits of +-1e308, subnormal numbers, -0.0

HUGE = 1e308


def test_multiclass_huge_logits_argmax():
    logits = np.array([[HUGE, -HUGE, 0.5 * HUGE], [-HUGE, HUGE, 0.0]])
    decoder = multiclass_decoder(scores="logits")

    assert_array_equal(decoder.decode(logits), ["a", "b"])


def test_multilabel_huge_logits():
    logits = np.array([[HUGE, -HUGE, 0.0], [-HUGE, HUGE, -0.0]])
    decoder = multilabel_decoder(scores="logits")

    assert decoder.decode(logits) == [("a", "c"), ("b", "c")]


def test_binary_huge_logits_one_column():
    decoder = binary_decoder(scores="logits")

    assert_array_equal(decoder.decode([HUGE, -HUGE]), ["positive", "negative"])


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_binary_huge_logits_two_columns():
    logits = np.array([[-HUGE, HUGE], [HUGE, -HUGE], [HUGE, HUGE]])
    decoder = binary_decoder(scores="logits")

    # The last row has equal logits, so probability 0.5, on the threshold.
    assert_array_equal(decoder.decode(logits), ["positive", "negative", "positive"])


def test_multiclass_huge_logits_top_k():
    logits = np.array([[HUGE, -HUGE, 0.0]])
    decoder = multiclass_decoder(scores="logits", rule="top_k", k=2)

    assert decoder.decode(logits) == [("a", "c")]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_multiclass_reject_huge_distinct_logits():
    logits = np.array([[HUGE, -HUGE, 0.0], [0.0, -HUGE, HUGE]])
    decoder = multiclass_decoder(
        scores="logits", rule="reject", reject_threshold=0.6, reject_label="?"
    )

    # Both rows have top probability 1.
    assert_array_equal(decoder.decode(logits), ["a", "c"])


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize(
    "row",
    [[-HUGE] * 3, [HUGE] * 3, [1e17] * 3, [HUGE, HUGE, -HUGE]],
    ids=["-1e308", "1e308", "1e17", "two-top"],
)
def test_multiclass_reject_huge_equal_logits(row):
    logits = np.array([row])
    decoder = multiclass_decoder(
        scores="logits", rule="reject", reject_threshold=0.6, reject_label="?"
    )

    assert_array_equal(decoder.decode(logits), ["?"])


def test_huge_values_declared_probabilities_raise():
    decoder = multilabel_decoder(scores="probabilities")

    with pytest.raises(ValueError, match="declared as probabilities but contain 1e"):
        decoder.decode([[HUGE, 0.1, 0.2]])


def test_fit_auto_huge_values_read_as_logits():
    decoder = ProbabilityDecoder(classes=["negative", "positive"]).fit([HUGE, -HUGE])

    assert decoder.scores_ == "logits"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_subnormal_probabilities(dtype):
    tiny = np.finfo(dtype).smallest_subnormal
    scores = np.array([[tiny, 0.0, 1.0]], dtype=dtype)

    assert multilabel_decoder().decode(scores) == [("c",)]
    assert multilabel_decoder(threshold=0.0).decode(scores) == [("a", "b", "c")]


def test_subnormal_threshold():
    tiny = np.finfo(np.float64).smallest_subnormal
    decoder = multilabel_decoder(threshold=tiny)

    assert decoder.decode([[tiny, 0.0, 2 * tiny]]) == [("a", "c")]


def test_subnormal_logits_around_zero():
    tiny = np.finfo(np.float64).smallest_subnormal
    decoder = multilabel_decoder(scores="logits")

    # logit(0.5) is 0, and a score equal to its threshold is positive.
    assert decoder.decode([[tiny, -tiny, 0.0]]) == [("a", "c")]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_negative_zero_probability(dtype):
    scores = np.array([[-0.0, 0.5, 1.0]], dtype=dtype)

    assert multilabel_decoder().decode(scores) == [("b", "c")]
    assert multilabel_decoder(threshold=0.0).decode(scores) == [("a", "b", "c")]


def test_negative_zero_fit_auto_reads_probabilities():
    decoder = ProbabilityDecoder(classes=["negative", "positive"]).fit([-0.0, 0.5])

    assert decoder.scores_ == "probabilities"


def test_negative_zero_logit_on_threshold():
    decoder = binary_decoder(scores="logits")

    assert_array_equal(decoder.decode([-0.0, -1e-300]), ["positive", "negative"])


# ---------------------------------------------------------------------------
# Memory layouts: non-contiguous, Fortran order, read-only, memmap


def layout_scores(seed=0):
    return np.random.default_rng(seed).random((7, 6))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_non_contiguous_scores(dtype):
    scores = layout_scores().astype(dtype)
    view = scores[::2, ::2]
    assert not view.flags.c_contiguous
    contiguous = np.ascontiguousarray(view)

    assert multilabel_decoder().decode(view) == multilabel_decoder().decode(contiguous)
    assert_array_equal(
        multiclass_decoder().decode(view), multiclass_decoder().decode(contiguous)
    )
    assert multilabel_decoder().decode(view) == expected_label_sets(contiguous)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fortran_ordered_scores(dtype):
    scores = np.asfortranarray(layout_scores()[:, :3].astype(dtype))
    assert scores.flags.f_contiguous
    assert not scores.flags.c_contiguous

    assert multilabel_decoder().decode(scores) == expected_label_sets(scores)
    assert_array_equal(
        multiclass_decoder().decode(scores), np.asarray(CLASSES)[scores.argmax(1)]
    )


def test_fortran_ordered_many_rows_column_chunks():
    # Enough rows that the F-ordered threshold path reads one column per chunk.
    rng = np.random.default_rng(1)
    scores = np.asfortranarray(rng.random((300_000, 3)).astype(np.float32))

    indicator = multilabel_decoder().transform(scores)

    assert_array_equal(indicator.toarray(), (scores >= 0.5).astype(np.int64))


def test_read_only_scores():
    scores = layout_scores()[:, :3].copy()
    scores.flags.writeable = False

    assert multilabel_decoder().decode(scores) == expected_label_sets(scores)
    assert_array_equal(
        multiclass_decoder().decode(scores), np.asarray(CLASSES)[scores.argmax(1)]
    )
    decoder = ProbabilityDecoder(classes=CLASSES, problem="multilabel").fit(scores)
    assert decoder.decode(scores) == expected_label_sets(scores)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_memmap_scores(tmp_path, dtype):
    scores = layout_scores()[:, :3].astype(dtype)
    path = tmp_path / "scores.dat"
    writer = np.memmap(path, dtype=dtype, mode="w+", shape=scores.shape)
    writer[:] = scores
    writer.flush()
    del writer
    mapped = np.memmap(path, dtype=dtype, mode="r", shape=scores.shape)

    assert multilabel_decoder().decode(mapped) == expected_label_sets(scores)
    assert_array_equal(
        multiclass_decoder().decode(mapped), np.asarray(CLASSES)[scores.argmax(1)]
    )
    fitted = ProbabilityDecoder(classes=CLASSES, problem="multilabel").fit(mapped)
    assert fitted.decode(mapped) == expected_label_sets(scores)


def test_fortran_memmap_scores(tmp_path):
    scores = np.asfortranarray(layout_scores()[:, :3])
    path = tmp_path / "scores.dat"
    writer = np.memmap(path, dtype=np.float64, mode="w+", shape=scores.shape, order="F")
    writer[:] = scores
    writer.flush()
    del writer
    mapped = np.memmap(path, dtype=np.float64, mode="r", shape=scores.shape, order="F")

    assert multilabel_decoder().decode(mapped) == expected_label_sets(scores)


# ---------------------------------------------------------------------------
# pandas nullable dtypes


def test_dataframe_float64_with_na_raises():
    frame = pd.DataFrame(
        {
            "a": pd.array([0.1, pd.NA], dtype="Float64"),
            "b": pd.array([0.7, 0.2], dtype="Float64"),
            "c": pd.array([0.9, 0.1], dtype="Float64"),
        }
    )
    decoder = multilabel_decoder()

    with pytest.raises(ValueError, match=r"non-finite value\(s\) \(nan at row 1"):
        decoder.decode(frame)


def test_dataframe_float64_without_na():
    frame = pd.DataFrame(
        {
            "c": pd.array([0.9, 0.1], dtype="Float64"),
            "a": pd.array([0.1, 0.6], dtype="Float64"),
            "b": pd.array([0.7, 0.2], dtype="Float64"),
        }
    )

    # Columns named after the classes are reordered by name.
    assert multilabel_decoder().decode(frame) == [("b", "c"), ("a",)]


def test_dataframe_int64_scores():
    frame = pd.DataFrame(
        {
            "a": pd.array([0, 1], dtype="Int64"),
            "b": pd.array([1, 0], dtype="Int64"),
            "c": pd.array([1, 1], dtype="Int64"),
        }
    )

    assert multilabel_decoder().decode(frame) == [("b", "c"), ("a", "c")]


def test_dataframe_int64_with_na_raises():
    frame = pd.DataFrame(
        {
            "a": pd.array([0, None], dtype="Int64"),
            "b": pd.array([1, 0], dtype="Int64"),
            "c": pd.array([1, 1], dtype="Int64"),
        }
    )
    decoder = multilabel_decoder()

    with pytest.raises(ValueError, match="non-finite"):
        decoder.decode(frame)


def test_series_float64_with_na_raises():
    scores = pd.Series(pd.array([0.7, pd.NA], dtype="Float64"))
    decoder = binary_decoder()

    with pytest.raises(ValueError, match=r"nan at row 1"):
        decoder.decode(scores)


def test_fit_int64_labels_with_na_raises():
    decoder = ProbabilityDecoder()

    with pytest.raises(ValueError, match="missing label"):
        decoder.fit([0.1, 0.9, 0.5], pd.array([0, 1, None], dtype="Int64"))


def test_fit_nullable_scores_and_labels():
    scores = pd.Series(pd.array([0.1, 0.9], dtype="Float64"))
    labels = pd.Series(pd.array([0, 1], dtype="Int64"))

    decoder = ProbabilityDecoder().fit(scores, labels)

    assert_array_equal(decoder.decode([0.2, 0.8]), [0, 1])


@pytest.mark.parametrize("bool_dtype", ["bool", "boolean"])
def test_dataframe_bool_column_raises(bool_dtype):
    frame = pd.DataFrame(
        {
            "a": pd.array([True, False], dtype=bool_dtype),
            "b": [0.1, 0.2],
            "c": [0.2, 0.9],
        }
    )
    decoder = multilabel_decoder()

    with pytest.raises(TypeError, match="bool"):
        decoder.decode(frame)


def test_dataframe_string_column_raises():
    frame = pd.DataFrame({"a": ["0.7", "0.1"], "b": [0.1, 0.2], "c": [0.2, 0.9]})
    decoder = multilabel_decoder()

    with pytest.raises(TypeError, match="str"):
        decoder.decode(frame)


# ---------------------------------------------------------------------------
# from_json: wrong types and extra fields


def decoder_document():
    return json.loads(sklabel.to_json(multilabel_decoder()))


def set_field(document, path, value):
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


JSON_CASES = [
    (("extra",), 1, r"Unknown field\(s\) \['extra'\] in the document"),
    (("fitted", "extra"), 1, r"Unknown field\(s\) \['extra'\] in 'fitted'"),
    (("params", "extra"), 1, r"Unknown field\(s\) \['extra'\] in 'params'"),
    (("format",), "pickle", "JSON field 'format' is 'pickle'"),
    (("format_version",), "1", "'format_version' must be an integer, got str"),
    (("format_version",), 2, "'format_version' is 2"),
    (("sklabel_version",), 0.1, "'sklabel_version' must be a string, got float"),
    (("params",), [], "'params' must be an object, got list"),
    (("fitted",), None, "'fitted' must be an object, got NoneType"),
    (("fitted", "classes"), "abc", "'fitted.classes' must be a list, got str"),
    (("fitted", "classes"), ["a", "b", 1.5], r"'fitted.classes\[2\]' is 1.5"),
    (("fitted", "classes"), ["a", "b", True], r"'fitted.classes\[2\]' is True"),
    (("fitted", "classes"), ["a", "b", 3], "mixes str and int class names"),
    (("fitted", "classes"), ["a", "b", "a"], "at least 2 distinct class names"),
    (("fitted", "problem"), "regression", "'fitted.problem' must be one of"),
    (("fitted", "problem"), 3, "'fitted.problem' must be a string, got int"),
    (("fitted", "rule"), "argmax", "'fitted.rule' must be one of"),
    (("fitted", "min_labels"), True, "'fitted.min_labels' must be an integer"),
    (("fitted", "min_labels"), -1, "'fitted.min_labels' must be >= 0"),
    (("fitted", "n_features_in"), 3.0, "'fitted.n_features_in' must be an integer"),
    (("fitted", "n_features_in"), 4, "'fitted.n_features_in' is 4"),
    (("fitted", "thresholds"), ["0.5", 0.5, 0.5], r"'fitted.thresholds\[0\]'"),
    (("fitted", "thresholds"), [0.5, 0.5], "'fitted.thresholds' has 2 values"),
    (("fitted", "thresholds"), None, "'fitted.thresholds' is null"),
    (("fitted", "thresholds"), ["nan", 0.5, 0.5], "must not contain NaN"),
    (("fitted", "score_thresholds"), {"a": 0.5}, "'fitted.score_thresholds'"),
    (("fitted", "fallback"), [1, 0, 0], r"'fitted.fallback\[0\]' must be a boolean"),
    (("fitted", "reject_threshold"), 0.5, "'fitted.reject_threshold' is 0.5"),
    (("fitted", "rule_scores"), {"f1": "x"}, "'fitted.rule_scores.f1'"),
    (("params", "k"), "2", "'k' parameter"),
    (("params", "threshold"), {"a": 0.5}, r"'params.threshold' must be null"),
    (("params", "threshold"), {"float": "huge"}, "'params.threshold.float'"),
]


@pytest.mark.parametrize(
    ("path", "value", "message"), JSON_CASES, ids=[str(case[:2]) for case in JSON_CASES]
)
def test_from_json_invalid_field_raises(path, value, message):
    document = decoder_document()
    set_field(document, path, value)
    text = json.dumps(document)

    with pytest.raises(ValueError, match=message):
        sklabel.from_json(text)


@pytest.mark.parametrize("key", ["classes", "thresholds", "rule_scores"])
def test_from_json_missing_fitted_field_raises(key):
    document = decoder_document()
    del document["fitted"][key]
    text = json.dumps(document)

    with pytest.raises(ValueError, match=rf"Missing field\(s\) \['{key}'\]"):
        sklabel.from_json(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", "must be an object, got list"),
        ('{"format": NaN}', "non-standard constant NaN"),
        ("[" * 100_000, "not valid JSON|nested too deeply"),
    ],
    ids=["truncated", "array", "nan-constant", "deep-nesting"],
)
def test_from_json_malformed_text_raises(text, message):
    with pytest.raises(ValueError, match=message):
        sklabel.from_json(text)


def test_from_json_not_text_raises():
    with pytest.raises(TypeError, match="str or bytes, got dict"):
        sklabel.from_json({"format": "sklabel.ProbabilityDecoder"})


def test_from_json_bytes_with_byte_order_mark():
    decoder = multilabel_decoder()
    data = b"\xef\xbb\xbf" + sklabel.to_json(decoder).encode()

    loaded = sklabel.from_json(data)

    assert loaded.decode([[0.2, 0.5, 0.9]]) == [("b", "c")]


def test_from_json_threshold_above_one_raises():
    document = decoder_document()
    document["fitted"]["thresholds"] = [5.0, 5.0, 5.0]
    text = json.dumps(document)

    with pytest.raises(ValueError, match="fitted.thresholds"):
        sklabel.from_json(text)


def test_from_json_params_classes_mismatch_raises():
    document = decoder_document()
    document["params"]["classes"] = ["x", "y", "z"]
    text = json.dumps(document)

    with pytest.raises(ValueError, match="classes"):
        sklabel.from_json(text)


# ---------------------------------------------------------------------------
# The `sklabel decode` command line on CSV files


def run_decode(*args):
    command = [sys.executable, "-m", "sklabel", "decode", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_cli_csv_missing_column_raises(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("a,b\n0.1,0.6\n")

    result = run_decode("--classes", "a,b,c", "--problem", "multilabel", path)

    assert result.returncode == 1
    assert "scores have 2 columns" in result.stderr
    assert "need 3" in result.stderr
    assert result.stdout == ""


def test_cli_csv_extra_column_raises(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("a,b,c,d\n0.1,0.6,0.9,0.3\n")

    result = run_decode("--classes", "a,b,c", "--problem", "multilabel", path)

    assert result.returncode == 1
    assert "scores have 4 columns" in result.stderr
    assert result.stdout == ""


def test_cli_csv_byte_order_mark(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_bytes(b"\xef\xbb\xbfc,a,b\n0.9,0.1,0.6\n0.1,0.7,0.2\n")

    result = run_decode("--classes", "a,b,c", "--problem", "multilabel", path)

    assert result.stderr == ""
    assert result.stdout.splitlines() == ["labels", "b|c", "a"]


def test_cli_csv_quoted_names(tmp_path):
    # Names with a comma and a quote need a decoder file, since --classes
    # splits on commas.
    classes = ["a,x", 'say "hi"', "c"]
    decoder = multiclass_decoder(classes)
    decoder_path = tmp_path / "decoder.json"
    decoder_path.write_text(sklabel.to_json(decoder))
    scores_path = tmp_path / "scores.csv"
    # The header lists the classes in another order, quoted as CSV does.
    scores_path.write_text('"say ""hi""","a,x",c\n0.6,0.1,0.3\n0.1,0.7,0.2\n')

    result = run_decode("--decoder", decoder_path, "--format", "jsonl", scores_path)

    assert result.stderr == ""
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [{"label": 'say "hi"'}, {"label": "a,x"}]


def test_cli_decoder_file_with_byte_order_mark(tmp_path):
    decoder = ProbabilityDecoder(classes=["a", "b", "c"], problem="multilabel")
    decoder.fit([[0.1, 0.6, 0.9]])
    decoder_path = tmp_path / "decoder.json"
    decoder_path.write_text(to_json(decoder), encoding="utf-8-sig")
    scores_path = tmp_path / "scores.csv"
    scores_path.write_text("a,b,c\n0.9,0.1,0.6\n", encoding="utf-8")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sklabel",
            "decode",
            str(scores_path),
            "--decoder",
            str(decoder_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["labels", "a|c"]
