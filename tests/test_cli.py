"""Tests of the sklabel command line: fit, decode and report on real files.

The tests that check the installed program run it in a subprocess, both as
``python -m sklabel`` and as the ``sklabel`` console script. Each subprocess
imports scikit-learn, which takes a second or more. The many bad-input cases
therefore call ``main`` in this process, the function that both launchers
run.
"""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklabel import ProbabilityDecoder
from sklabel._cli import Progress, main

CLASSES = ["cat", "dog", "bird", "fish"]
SCRIPT = Path(sys.executable).parent / "sklabel"
LAUNCHERS = {
    "module": [sys.executable, "-m", "sklabel"],
    "script": [str(SCRIPT)],
}


def run_cli(*args, launcher="module"):
    """Run the command line in a subprocess and return the completed process."""
    if launcher == "script" and not SCRIPT.exists():
        pytest.skip(f"the sklabel console script is not installed at {SCRIPT}")
    command = [*LAUNCHERS[launcher], *map(str, args)]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False
    )


def multilabel_data(n_samples=60, seed=0):
    """Return probabilities and a 0/1 target that depends on them."""
    rng = np.random.default_rng(seed)
    scores = rng.random((n_samples, len(CLASSES)))
    target = (rng.random(scores.shape) < scores).astype(np.int64)
    return scores, target


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_label_sets(path, target):
    """Write one row per sample, its labels joined by '|'."""
    cells = ["|".join(np.asarray(CLASSES)[row.astype(bool)]) for row in target]
    return write_csv(path, ["labels"], [[cell] for cell in cells])


def read_output_labels(path):
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    return rows[0], [row[0] for row in rows[1:]]


def load_decoder(path):
    from sklabel._persistence import from_json

    return from_json(Path(path).read_text(encoding="utf-8"))


def assert_one_line_error(stderr, match):
    assert stderr.startswith("sklabel: error: "), stderr
    assert stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    assert match in stderr


# ---------------------------------------------------------------------------
# The real program, in a subprocess
# ---------------------------------------------------------------------------


def test_cli_module_fit_decode_report_csv(tmp_path):
    scores, target = multilabel_data()
    scores_path = write_csv(tmp_path / "scores.csv", CLASSES, scores.tolist())
    labels_path = write_label_sets(tmp_path / "labels.csv", target)
    decoder_path = tmp_path / "decoder.json"
    out_path = tmp_path / "labels_out.csv"

    fitted = run_cli("fit", scores_path, labels_path, "-o", decoder_path,
                     "--objective", "f1")
    assert fitted.returncode == 0, fitted.stderr
    decoded = run_cli("decode", scores_path, "--decoder", decoder_path, "-o",
                      out_path, "--block-rows", "7")
    assert decoded.returncode == 0, decoded.stderr
    report = run_cli("report", decoder_path)
    assert report.returncode == 0, report.stderr

    expected = ProbabilityDecoder(classes=CLASSES, objective="f1").fit(scores, target)
    decoder = load_decoder(decoder_path)
    assert_array_equal(decoder.classes_, CLASSES)
    assert decoder.problem_ == "multilabel"
    assert_allclose(decoder.thresholds_, expected.thresholds_)

    header, cells = read_output_labels(out_path)
    assert header == ["labels"]
    assert cells == ["|".join(labels) for labels in expected.decode(scores)]

    lines = report.stdout.splitlines()
    assert lines[0].startswith("problem: multilabel, scores: probabilities")
    assert lines[1].split() == [
        "class", "threshold", "score_threshold", "objective_value", "fallback"
    ]
    for line, name, threshold in zip(lines[2:], CLASSES, expected.thresholds_):
        cells = line.split()
        assert cells[0] == name
        assert float(cells[1]) == pytest.approx(threshold, rel=1e-5)


def test_cli_script_decode_npy_jsonl(tmp_path):
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(30, 3))
    np.save(tmp_path / "logits.npy", logits)

    result = run_cli("decode", tmp_path / "logits.npy", "--classes", "a,b,c",
                     "--problem", "multiclass", "--format", "jsonl",
                     launcher="script")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    expected = np.asarray(["a", "b", "c"])[logits.argmax(axis=1)]
    assert [row["label"] for row in rows] == expected.tolist()


def test_cli_bad_file_one_line_error(tmp_path):
    path = write_csv(tmp_path / "scores.csv", CLASSES, [[0.1, 0.2, "high", 0.4]])

    result = run_cli("decode", path, "--classes", ",".join(CLASSES),
                     "--problem", "multilabel")

    assert result.returncode == 1
    assert result.stdout == ""
    assert_one_line_error(result.stderr, "scores.csv, line 2, column 'bird'")


def test_cli_usage_error_exit_code_two():
    result = run_cli("decode", launcher="script")

    assert result.returncode == 2
    assert_one_line_error(result.stderr, "the following arguments are required")


# ---------------------------------------------------------------------------
# main() in this process: formats, options and bad input
# ---------------------------------------------------------------------------


def run_main(capsys, *args):
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_fit_decode_npy_binary_logits(tmp_path, capsys):
    rng = np.random.default_rng(1)
    logits = rng.normal(size=80)
    labels = np.where(logits + rng.normal(size=80) > 0, "spam", "ham")
    np.save(tmp_path / "logits.npy", logits)
    (tmp_path / "labels.txt").write_text("\n".join(labels) + "\n", encoding="utf-8")

    code, _, err = run_main(capsys, "fit", tmp_path / "logits.npy",
                            tmp_path / "labels.txt", "-o", tmp_path / "decoder.json")
    assert code == 0, err
    code, out, err = run_main(capsys, "decode", tmp_path / "logits.npy", "--decoder",
                              tmp_path / "decoder.json", "--format", "jsonl")
    assert code == 0, err

    expected = ProbabilityDecoder(objective="f1").fit(logits, labels)
    decoder = load_decoder(tmp_path / "decoder.json")
    assert decoder.scores_ == "logits"
    assert decoder.thresholds_ == pytest.approx(expected.thresholds_)
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["label"] for row in rows] == expected.decode(logits).tolist()


def test_cli_parquet_without_pyarrow_names_extra(tmp_path, capsys, monkeypatch):
    # None in sys.modules makes "import pyarrow" raise ImportError, as it
    # does when pyarrow is not installed.
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    (tmp_path / "scores.parquet").write_bytes(b"not read")

    code, _, err = run_main(capsys, "decode", tmp_path / "scores.parquet",
                            "--classes", "a,b")

    assert code == 1
    assert_one_line_error(err, "pip install 'sklabel[parquet]'")


def test_cli_decode_reorders_columns_by_header(tmp_path, capsys):
    scores, _ = multilabel_data(n_samples=10)
    order = [2, 0, 3, 1]
    path = write_csv(tmp_path / "scores.csv", np.asarray(CLASSES)[order],
                     scores[:, order].tolist())

    code, out, _ = run_main(capsys, "decode", path, "--classes", ",".join(CLASSES),
                            "--problem", "multiclass")

    assert code == 0
    expected = np.asarray(CLASSES)[scores.argmax(axis=1)]
    assert out.splitlines() == ["label", *expected]


def test_cli_decode_blocks_match_one_pass(tmp_path, capsys):
    scores, _ = multilabel_data(n_samples=50, seed=3)
    np.save(tmp_path / "scores.npy", scores.astype(np.float32))
    options = ["--classes", ",".join(CLASSES), "--problem", "multilabel",
               "--scores", "probabilities", "--threshold", "0.3,0.5,0.7,0.9"]

    outputs = []
    for block_rows in ("1", "7", "50"):
        code, out, _ = run_main(capsys, "decode", tmp_path / "scores.npy",
                                *options, "--block-rows", block_rows)
        assert code == 0
        outputs.append(out)

    assert outputs[0] == outputs[1] == outputs[2]
    decoder = ProbabilityDecoder(classes=CLASSES, problem="multilabel",
                                 threshold=[0.3, 0.5, 0.7, 0.9])
    expected = decoder.fit(scores.astype(np.float32)).decode(scores.astype(np.float32))
    cells = [row[0] for row in csv.reader(outputs[0].splitlines()[1:])]
    assert cells == ["|".join(row) for row in expected]


def test_cli_decode_auto_scores_read_whole_file(tmp_path, capsys):
    # The first block is all in [0, 1] but a later one is not. The whole
    # file is therefore logits, cut at logit(0.5) = 0 and not at 0.5.
    logits = np.array([[0.2], [0.7], [0.4], [3.0]])
    np.save(tmp_path / "logits.npy", logits)

    code, out, _ = run_main(capsys, "decode", tmp_path / "logits.npy", "--classes",
                            "no,yes", "--block-rows", "2")

    assert code == 0
    assert out.splitlines() == ["label", "yes", "yes", "yes", "yes"]


def test_cli_decode_reject_writes_empty_cell(tmp_path, capsys):
    scores = [[0.7, 0.2, 0.1], [0.4, 0.35, 0.25], [0.1, 0.1, 0.8]]
    path = write_csv(tmp_path / "scores.csv", ["a", "b", "c"], scores)
    options = ["--classes", "a,b,c", "--problem", "multiclass", "--rule", "reject",
               "--reject-threshold", "0.5"]

    code, out, _ = run_main(capsys, "decode", path, *options)
    assert code == 0
    assert out.splitlines() == ["label", "a", '""', "c"]

    code, out, _ = run_main(capsys, "decode", path, *options, "--reject-label",
                            "unsure", "--format", "jsonl")
    assert code == 0
    labels = [json.loads(line)["label"] for line in out.splitlines()]
    assert labels == ["a", "unsure", "c"]


def test_cli_decode_multiclass_top_k_sets(tmp_path, capsys):
    scores = [[0.5, 0.3, 0.2], [0.1, 0.3, 0.6]]
    path = write_csv(tmp_path / "scores.csv", ["a", "b", "c"], scores)

    code, out, _ = run_main(capsys, "decode", path, "--classes", "a,b,c",
                            "--problem", "multiclass", "--rule", "top_k", "--k", "2")

    assert code == 0
    assert out.splitlines() == ["labels", "a|b", "b|c"]


def test_cli_decode_tsv_output_and_empty_label_set(tmp_path, capsys):
    path = write_csv(tmp_path / "scores.csv", ["a", "b"], [[0.9, 0.8], [0.1, 0.2]])

    code, _, _ = run_main(capsys, "decode", path, "--classes", "a,b", "--problem",
                          "multilabel", "--separator", ";", "-o",
                          tmp_path / "out.tsv")

    assert code == 0
    lines = (tmp_path / "out.tsv").read_text(encoding="utf-8").splitlines()
    assert lines == ["labels", "a;b", '""']


def test_cli_fit_indicator_labels_and_integer_classes(tmp_path, capsys):
    scores, target = multilabel_data(n_samples=40, seed=5)
    numbers = ["0", "1", "2", "10"]
    scores_path = write_csv(tmp_path / "scores.csv", numbers, scores.tolist())
    labels_path = write_csv(tmp_path / "labels.csv", numbers, target.tolist())

    code, _, err = run_main(capsys, "fit", scores_path, labels_path, "-o",
                            tmp_path / "decoder.json", "--objective", "fbeta",
                            "--beta", "2")

    assert code == 0, err
    decoder = load_decoder(tmp_path / "decoder.json")
    assert decoder.classes_.tolist() == [0, 1, 2, 10]
    expected = ProbabilityDecoder(classes=[0, 1, 2, 10], objective="fbeta",
                                  objective_params={"beta": 2.0}).fit(scores, target)
    assert_allclose(decoder.thresholds_, expected.thresholds_)


def test_cli_fit_multiclass_header_gives_class_order(tmp_path, capsys):
    rng = np.random.default_rng(7)
    scores = rng.dirichlet(np.ones(3), size=30)
    names = np.asarray(["zebra", "ant", "moose"])
    labels = names[scores.argmax(axis=1)]
    scores_path = write_csv(tmp_path / "scores.csv", names, scores.tolist())
    (tmp_path / "labels.txt").write_text("\n".join(labels), encoding="utf-8")

    code, _, err = run_main(capsys, "fit", scores_path, tmp_path / "labels.txt",
                            "-o", tmp_path / "decoder.json", "--objective", "none")

    assert code == 0, err
    decoder = load_decoder(tmp_path / "decoder.json")
    assert decoder.classes_.tolist() == ["zebra", "ant", "moose"]
    assert_array_equal(decoder.decode(scores), labels)


def test_cli_fit_multiclass_offsets_report(tmp_path, capsys):
    rng = np.random.default_rng(8)
    scores = rng.dirichlet(np.ones(3), size=90)
    labels = np.asarray(["a", "b", "c"])[
        [rng.choice(3, p=row) for row in scores]
    ]
    np.save(tmp_path / "scores.npy", scores)
    np.save(tmp_path / "labels.npy", labels)
    code, _, err = run_main(capsys, "fit", tmp_path / "scores.npy",
                            tmp_path / "labels.npy", "-o", tmp_path / "d.json",
                            "--objective", "balanced_accuracy")
    assert code == 0, err

    code, out, _ = run_main(capsys, "report", tmp_path / "d.json")

    assert code == 0
    decoder = load_decoder(tmp_path / "d.json")
    lines = out.splitlines()
    assert lines[0] == ("problem: multiclass, scores: probabilities, rule: argmax, "
                        "objective: balanced_accuracy (macro)")
    assert lines[1].split() == ["class", "offset"]
    for line, name, offset in zip(lines[2:], "abc", decoder.offsets_):
        cells = line.split()
        assert cells[0] == name
        assert float(cells[1]) == pytest.approx(offset, rel=1e-5, abs=1e-9)


def test_cli_fit_cost_matrix_and_sample_weight(tmp_path, capsys):
    rng = np.random.default_rng(12)
    scores = rng.dirichlet(np.ones(3), size=40)
    labels = np.asarray(["a", "b", "c"])[scores.argmax(axis=1)]
    cost = np.array([[0.0, 1.0, 1.0], [5.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    np.save(tmp_path / "scores.npy", scores)
    np.save(tmp_path / "labels.npy", labels)
    np.save(tmp_path / "cost.npy", cost)

    code, _, err = run_main(capsys, "fit", tmp_path / "scores.npy",
                            tmp_path / "labels.npy", "-o", tmp_path / "d.json",
                            "--objective", "cost", "--cost-matrix",
                            tmp_path / "cost.npy")

    assert code == 0, err
    expected = ProbabilityDecoder(
        objective="cost", objective_params={"cost_matrix": cost}
    ).fit(scores, labels)
    decoded = load_decoder(tmp_path / "d.json").decode(scores)
    assert_array_equal(decoded, expected.decode(scores))
    assert (decoded != labels).any()


def test_cli_fit_sample_weight_file(tmp_path, capsys):
    rng = np.random.default_rng(13)
    scores = rng.random(60)
    labels = (rng.random(60) < scores).astype(int)
    weight = rng.integers(1, 4, size=60)
    np.save(tmp_path / "scores.npy", scores)
    np.save(tmp_path / "labels.npy", labels)
    (tmp_path / "weight.txt").write_text("\n".join(map(str, weight)))

    code, _, err = run_main(capsys, "fit", tmp_path / "scores.npy",
                            tmp_path / "labels.npy", "-o", tmp_path / "d.json",
                            "--sample-weight", tmp_path / "weight.txt")

    assert code == 0, err
    expected = ProbabilityDecoder(objective="f1").fit(scores, labels,
                                                       sample_weight=weight)
    unweighted = ProbabilityDecoder(objective="f1").fit(scores, labels)
    decoder = load_decoder(tmp_path / "d.json")
    assert decoder.thresholds_ == pytest.approx(expected.thresholds_)
    assert decoder.thresholds_ != pytest.approx(unweighted.thresholds_)


def test_cli_report_csv_binary(tmp_path, capsys):
    rng = np.random.default_rng(11)
    scores = rng.random(40)
    labels = np.where(rng.random(40) < scores, "yes", "no")
    np.save(tmp_path / "scores.npy", scores)
    np.save(tmp_path / "labels.npy", labels)
    run_main(capsys, "fit", tmp_path / "scores.npy", tmp_path / "labels.npy", "-o",
             tmp_path / "decoder.json")

    code, out, _ = run_main(capsys, "report", tmp_path / "decoder.json", "--format",
                            "csv")

    assert code == 0
    rows = list(csv.reader(out.splitlines()))
    decoder = load_decoder(tmp_path / "decoder.json")
    assert rows[0] == ["class", "threshold", "score_threshold", "objective_value",
                       "fallback"]
    assert len(rows) == 2
    assert rows[1][0] == "yes"
    assert float(rows[1][1]) == pytest.approx(decoder.thresholds_)


@pytest.mark.parametrize(
    "scores_text, options, match",
    [
        ("a,b\n0.1,0.2\n0.3\n", [], "line 3: 1 values, but the header names 2"),
        ("a,b\n0.1,nan\n", [], "line 2, column 2 ('b'): the score is nan"),
        ("", [], "the file is empty"),
        ("a,b\n", [], "the file has no rows of scores"),
        ("a,b\n0.1,1.5\n", ["--scores", "probabilities"], "outside [0, 1]"),
        ("a,b\n0.1,0.2\n", ["--threshold", "high"], "'high', which is not a number"),
        ("a,b\n0.1,0.2\n", ["--problem", "multiclass", "--threshold", "0.2"],
         "threshold=0.2 was given for a multi-class problem"),
    ],
)
def test_cli_decode_bad_input_one_line(tmp_path, capsys, scores_text, options,
                                        match):
    path = tmp_path / "scores.csv"
    path.write_text(scores_text, encoding="utf-8")

    code, out, err = run_main(capsys, "decode", path, "--classes", "a,b", *options)

    assert code == 1
    assert out in ("", "label\n")
    assert_one_line_error(err, match)


def test_cli_decode_error_leaves_no_output(tmp_path, capsys):
    rows = [[0.1, 0.9]] * 5 + [[0.2, float("nan")]]
    path = write_csv(tmp_path / "scores.csv", ["a", "b"], rows)

    code, _, err = run_main(capsys, "decode", path, "--classes", "a,b",
                            "--scores", "probabilities", "--block-rows", "2",
                            "-o", tmp_path / "out.csv")

    assert code == 1
    assert_one_line_error(err, "line 7, column 2 ('b'): the score is nan")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]


def test_cli_decode_missing_and_unknown_files(tmp_path, capsys):
    code, _, err = run_main(capsys, "decode", tmp_path / "absent.csv", "--classes",
                            "a,b")
    assert code == 1
    assert_one_line_error(err, "absent.csv: No such file or directory")

    code, _, err = run_main(capsys, "decode", tmp_path / "scores.xlsx", "--classes",
                            "a,b")
    assert code == 1
    assert_one_line_error(err, "unknown score file type '.xlsx'")


def test_cli_decode_bad_decoder_file(tmp_path, capsys):
    np.save(tmp_path / "scores.npy", np.zeros((2, 2)))
    (tmp_path / "decoder.json").write_text("{not json", encoding="utf-8")

    code, _, err = run_main(capsys, "decode", tmp_path / "scores.npy", "--decoder",
                            tmp_path / "decoder.json")

    assert code == 1
    assert_one_line_error(err, "sklabel: error:")


def test_cli_decode_decoder_conflicts_with_options(tmp_path, capsys):
    np.save(tmp_path / "scores.npy", np.zeros((2, 2)))

    code, _, err = run_main(capsys, "decode", tmp_path / "scores.npy", "--decoder",
                            tmp_path / "decoder.json", "--threshold", "0.2")

    assert code == 1
    assert_one_line_error(err, "--threshold cannot be combined with --decoder")


def test_cli_fit_labels_count_mismatch(tmp_path, capsys):
    np.save(tmp_path / "scores.npy", np.linspace(0, 1, 5))
    (tmp_path / "labels.txt").write_text("a\nb\na\n", encoding="utf-8")

    code, _, err = run_main(capsys, "fit", tmp_path / "scores.npy",
                            tmp_path / "labels.txt", "-o", tmp_path / "d.json")

    assert code == 1
    assert_one_line_error(err, "scores have 5 rows but y has 3 samples")
    assert not (tmp_path / "d.json").exists()


def test_cli_fit_empty_label_needs_multilabel(tmp_path, capsys):
    np.save(tmp_path / "scores.npy", np.linspace(0, 1, 3))
    (tmp_path / "labels.csv").write_text("label\na\n\nb\n", encoding="utf-8")

    code, _, err = run_main(capsys, "fit", tmp_path / "scores.npy",
                            tmp_path / "labels.csv", "-o", tmp_path / "d.json",
                            "--problem", "binary")

    assert code == 1
    assert_one_line_error(err, "labels.csv, line 3: the label is empty")


def test_cli_decode_separator_in_class_name(tmp_path, capsys):
    path = write_csv(tmp_path / "scores.csv", ["a|b", "c"], [[0.9, 0.1]])

    code, _, err = run_main(capsys, "decode", path, "--classes", "a|b,c",
                            "--problem", "multilabel")

    assert code == 1
    assert_one_line_error(err, "contains the label separator '|'")


def test_cli_decode_parquet(tmp_path, capsys):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    scores, _ = multilabel_data(n_samples=12, seed=9)
    table = pa.table({name: scores[:, j] for j, name in enumerate(CLASSES)})
    pq.write_table(table, tmp_path / "scores.parquet", row_group_size=5)

    code, out, _ = run_main(capsys, "decode", tmp_path / "scores.parquet",
                            "--classes", ",".join(CLASSES), "--problem",
                            "multiclass", "--block-rows", "4")

    assert code == 0
    expected = np.asarray(CLASSES)[scores.argmax(axis=1)]
    assert out.splitlines() == ["label", *expected]


def test_cli_warning_logged_as_one_line(tmp_path, capsys):
    # Class "b" has no positive sample, so fit warns that it keeps its default
    # threshold; the warning is logged, not shown with its source line.
    scores = np.array([[0.9, 0.1], [0.2, 0.3], [0.7, 0.4]])
    write_csv(tmp_path / "scores.csv", ["a", "b"], scores.tolist())
    write_csv(tmp_path / "labels.csv", ["a", "b"], [[1, 0], [0, 0], [1, 0]])

    code, _, err = run_main(capsys, "fit", tmp_path / "scores.csv",
                            tmp_path / "labels.csv", "-o", tmp_path / "d.json")

    assert code == 0
    assert err.startswith("sklabel: warning: ")
    assert err.count("\n") == 1


class TerminalStream(io.StringIO):
    """A text stream that reports itself as a terminal."""

    def isatty(self):
        return True


def test_progress_shown_only_on_terminal():
    terminal, pipe = TerminalStream(), io.StringIO()

    for stream in (terminal, pipe):
        progress = Progress("decoded", stream=stream)
        progress.update(500, 0.25)
        progress.update(2000, 1.0)
        progress.close()

    assert terminal.getvalue() == (
        "\rsklabel: decoded 500 rows (25%)\rsklabel: decoded 2,000 rows (100%)\n"
    )
    assert pipe.getvalue() == ""


def test_cli_progress_absent_from_captured_stderr(tmp_path, capsys):
    np.save(tmp_path / "scores.npy", np.linspace(0, 1, 20))

    code, _, err = run_main(capsys, "decode", tmp_path / "scores.npy", "--classes",
                            "no,yes", "--block-rows", "3")

    assert code == 0
    assert err == ""
