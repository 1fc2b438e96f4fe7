"""The ``sklabel`` command line: fit a decoder on scores in files, decode, report.

File formats
------------
Scores are read from ``.npy`` (memory-mapped), ``.csv``, ``.tsv`` or, when
pyarrow is installed, ``.parquet`` files. A CSV or TSV file has one header
row that names the score columns and one row of numbers per sample.

Labels are read from:

- ``.txt``: one label per line, no header;
- ``.csv`` or ``.tsv`` with one column: a header row, then one label per row;
- ``.csv`` or ``.tsv`` with two or more columns: a 0/1 indicator matrix whose
  header names the classes;
- ``.npy``: a 1-D array of labels, or a 2-D 0/1 indicator matrix;
- ``.parquet``: one column of labels (a list column contains label sets),
  or several 0/1 columns named after the classes.

In a one-label-per-row file, a multi-label sample lists its labels joined by
the separator (``|`` by default, as ``cat|dog``), and an empty row is an empty
label set. Names are read without surrounding spaces, and a list of names
whose every entry is an integer (such as ``0``, ``1``, ``2``) is read as
integers, so that learned classes sort as numbers, as scikit-learn's do.

Exit codes: 0 on success, 1 when an input file or option value is invalid,
2 when the command line itself is invalid, 130 when interrupted.
"""

import argparse
import contextlib
import csv
import io
import itertools
import json
import logging
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

from . import __version__
from ._decoder import ProbabilityDecoder
from ._persistence import from_json, to_json
from ._scores import _match_columns_to_classes, infer_score_type

logger = logging.getLogger(__name__)

LABEL_SEPARATOR = "|"

# Rows read and decoded at once are sized so that a block holds about this
# many scores: 8 MiB of float64, whatever the number of classes.
BLOCK_SCORES = 1 << 20

# Formatted label sets kept for reuse while writing; the cache is emptied
# when it reaches this size, so memory stays bounded on any file.
MAX_CACHED_LABEL_SETS = 1 << 16

SCORE_SUFFIXES = (".npy", ".csv", ".tsv", ".parquet")
LABEL_SUFFIXES = (".txt", ".npy", ".csv", ".tsv", ".parquet")
OUTPUT_FORMATS = ("csv", "jsonl")
PROBLEM_CHOICES = ("auto", "binary", "multiclass", "multilabel")
SCORE_CHOICES = ("auto", "probabilities", "logits")
AVERAGE_CHOICES = ("macro", "micro", "samples")

# Decoder parameters that the options of the same name set when given.
RULE_OPTIONS = ("rule", "k", "reject_threshold", "coverage", "reject_label", "alpha")
RULE_CHOICES = ("threshold", "argmax", "reject", "top_k", "lac", "aps",
                "expected_f1", "auto")

EXIT_INVALID_INPUT = 1
EXIT_USAGE = 2
# The shell's code for a program stopped by SIGINT (Ctrl-C): 128 + 2.
EXIT_INTERRUPTED = 130

_INTEGER_NAME = re.compile(r"[+-]?\d+")


class MissingDependencyError(ImportError):
    """An optional dependency that a file format needs is not installed."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors fit on one line."""

    def error(self, message):
        self.exit(
            EXIT_USAGE,
            f"sklabel: error: {message} (run '{self.prog} --help' for usage)\n",
        )


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


def parse_names(texts):
    """Strip the names and return them as integers if every one is an integer."""
    names = [str(text).strip() for text in texts]
    if names and all(_INTEGER_NAME.fullmatch(name) for name in names):
        return [int(name) for name in names]
    return names


def parse_class_list(text):
    """Parse ``--classes a,b,c`` into a list of names."""
    names = parse_names(text.split(","))
    if any(name == "" for name in names):
        raise ValueError(
            f"--classes {text!r} contains an empty class name; give the names "
            "separated by commas, as --classes cat,dog,bird."
        )
    return names


def parse_threshold(text):
    """Parse ``--threshold``: one number, one per class, or ``name=value`` pairs."""
    parts = [part.strip() for part in text.split(",")]
    if all("=" in part for part in parts):
        pairs = [part.split("=", 1) for part in parts]
        names = parse_names([name for name, _ in pairs])
        values = [_parse_probability(value, text) for _, value in pairs]
        return dict(zip(names, values))
    values = [_parse_probability(part, text) for part in parts]
    return values[0] if len(values) == 1 else values


def _parse_probability(value, text):
    try:
        return float(value)
    except ValueError:
        raise ValueError(
            f"--threshold {text!r} contains {value!r}, which is not a number; "
            "give a probability such as 0.3, one per class as 0.3,0.5,0.7, or "
            "name=value pairs as cat=0.3,dog=0.7."
        ) from None


def _suffix(path):
    return Path(path).suffix.lower()


def _check_suffix(path, allowed, kind):
    if _suffix(path) not in allowed:
        raise ValueError(
            f"{path}: unknown {kind} file type {_suffix(path)!r}; use one of "
            f"{', '.join(allowed)}."
        )


def _delimiter(path):
    return "\t" if _suffix(path) == ".tsv" else ","


def _import_pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise MissingDependencyError(
            "reading .parquet files needs pyarrow, which is not installed; "
            "install it with: pip install 'sklabel[parquet]'."
        ) from None
    return pyarrow


# ---------------------------------------------------------------------------
# Score files, read in blocks of rows
# ---------------------------------------------------------------------------


def rows_per_block(n_columns, block_rows=None):
    """Return the number of rows to read at once for scores of that width."""
    if block_rows is not None:
        return block_rows
    return max(1, BLOCK_SCORES // max(n_columns, 1))


class _ScoreSource:
    """Base class of the score files: locates their rows for error messages.

    Subclasses set ``path`` and read their rows with ``blocks``.
    """

    # Rows are counted from 1; CSV and TSV files give the line number instead,
    # which is one more because of the header.
    row_word = "row"
    row_offset = 1

    def describe_rows(self, first_row, last_row=None):
        """Return where the 0-based data rows ``first_row`` to ``last_row`` are."""
        first = first_row + self.row_offset
        if last_row is None or last_row == first_row:
            return f"{self.path}, {self.row_word} {first}"
        return f"{self.path}, {self.row_word}s {first} to {last_row + self.row_offset}"


class NpyScores(_ScoreSource):
    """Scores in a ``.npy`` file, memory-mapped and read block by block."""

    def __init__(self, path):
        self.path = path
        self._array = np.load(path, mmap_mode="r", allow_pickle=False)
        if self._array.ndim not in (1, 2):
            raise ValueError(
                f"{path}: scores must be a 1-D or 2-D array, got shape "
                f"{self._array.shape}."
            )
        self.columns = None
        self.n_rows = self._array.shape[0]
        self.n_columns = 1 if self._array.ndim == 1 else self._array.shape[1]
        self.fraction_read = 0.0

    def blocks(self, block_rows):
        """Yield ``(first_row, block)`` for consecutive blocks of rows."""
        for start in range(0, self.n_rows, block_rows):
            stop = min(start + block_rows, self.n_rows)
            self.fraction_read = stop / self.n_rows
            yield start, np.array(self._array[start:stop])


class DelimitedScores(_ScoreSource):
    """Scores in a CSV or TSV file with a header row, read block by block."""

    row_word = "line"
    row_offset = 2

    def __init__(self, path):
        self.path = path
        self.delimiter = _delimiter(path)
        self.n_rows = None
        self.fraction_read = 0.0
        self._size = os.path.getsize(path)
        with open(path, newline="", encoding="utf-8-sig") as file:
            header = next(csv.reader(file, delimiter=self.delimiter), None)
        if not header:
            raise ValueError(
                f"{path}: the file is empty; it needs a header row naming the "
                "score columns, then one row of scores per sample."
            )
        self.columns = parse_names(header)
        self.n_columns = len(header)

    def blocks(self, block_rows):
        """Yield ``(first_row, block)`` for consecutive blocks of rows."""
        with open(self.path, newline="", encoding="utf-8-sig") as file:
            next(file)
            first_row = 0
            while True:
                lines = list(itertools.islice(file, block_rows))
                if not lines:
                    return
                block = self._parse_block(lines, first_row)
                self.fraction_read = file.buffer.tell() / max(self._size, 1)
                if len(block):
                    yield first_row, block
                first_row += len(lines)

    def _parse_block(self, lines, first_row):
        try:
            return np.loadtxt(
                lines, delimiter=self.delimiter, dtype=np.float64, ndmin=2,
                comments=None, quotechar='"',
            ).reshape(-1, self.n_columns)
        except ValueError:
            # Only the error path reads cell by cell, to name the line.
            raise ValueError(self._locate_error(lines, first_row)) from None

    def _locate_error(self, lines, first_row):
        reader = csv.reader(lines, delimiter=self.delimiter)
        for offset, cells in enumerate(reader):
            line_number = first_row + offset + 2
            if cells and len(cells) != self.n_columns:
                return (
                    f"{self.path}, line {line_number}: {len(cells)} values, but "
                    f"the header names {self.n_columns} columns."
                )
            for column, cell in enumerate(cells):
                try:
                    float(cell)
                except ValueError:
                    return (
                        f"{self.path}, line {line_number}, column "
                        f"{self.columns[column]!r}: {cell!r} is not a number; "
                        "every score must be a number."
                    )
        return f"{self.path}: the rows after line {first_row + 1} could not be read."


class ParquetScores(_ScoreSource):
    """Scores in a Parquet file, read one record batch at a time."""

    def __init__(self, path):
        _import_pyarrow()
        import pyarrow.parquet as pq

        self.path = path
        self._file = pq.ParquetFile(path)
        self.columns = parse_names(self._file.schema_arrow.names)
        self.n_columns = len(self.columns)
        self.n_rows = self._file.metadata.num_rows
        self.fraction_read = 0.0

    def blocks(self, block_rows):
        """Yield ``(first_row, block)`` for consecutive blocks of rows."""
        first_row = 0
        for batch in self._file.iter_batches(batch_size=block_rows):
            columns = range(batch.num_columns)
            block = np.column_stack(
                [self._column_to_float(batch, index) for index in columns]
            )
            yield first_row, block
            first_row += batch.num_rows
            self.fraction_read = first_row / max(self.n_rows, 1)

    def _column_to_float(self, batch, index):
        column = batch.column(index)
        try:
            return column.to_numpy(zero_copy_only=False).astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"{self.path}: column {self.columns[index]!r} has type "
                f"{column.type}; every score column must be numeric."
            ) from None


def open_scores(path):
    """Open a score file for reading in blocks, chosen by its suffix."""
    _check_suffix(path, SCORE_SUFFIXES, "score")
    if _suffix(path) == ".npy":
        return NpyScores(path)
    if _suffix(path) == ".parquet":
        return ParquetScores(path)
    return DelimitedScores(path)


def checked_blocks(scores, block_rows):
    """Yield the blocks of a score file, raising at the first non-finite score.

    The decoder rejects NaN and infinite scores too, but only this check can
    name the line of the file that contains them.
    """
    for first_row, block in scores.blocks(block_rows):
        finite = np.isfinite(block)
        if not finite.all():
            row, column = np.argwhere(~finite)[0]
            name = "" if scores.columns is None else f" ({scores.columns[column]!r})"
            raise ValueError(
                f"{scores.describe_rows(first_row + row)}, column {column + 1}{name}: "
                f"the score is {block[row, column]}; NaN and infinite scores "
                "cannot be decoded. Fix or remove that row."
            )
        yield first_row, block


def column_order(scores, classes):
    """Return the column indices that put the score columns in class order.

    A header that names every class, in any order, is reordered by name.
    Returns None to read the columns by position when the file has no
    header or no header name is a class name. It also returns None when the
    header has more or fewer columns than there are classes, so that the
    decoder reports the count.
    """
    if scores.columns is None:
        return None
    if len(scores.columns) > 1 and len(scores.columns) != len(classes):
        return None
    matched = _match_columns_to_classes(scores.columns, classes, str(scores.path))
    if matched is None:
        return None
    return np.asarray([scores.columns.index(name) for name in matched])


def read_all_scores(scores, order, block_rows, progress):
    """Read every block of a score file into one matrix."""
    blocks = []
    n_read = 0
    block_rows = rows_per_block(scores.n_columns, block_rows)
    for _, block in checked_blocks(scores, block_rows):
        blocks.append(block if order is None else block[:, order])
        n_read += len(block)
        progress.update(n_read, scores.fraction_read)
    progress.close()
    if not blocks:
        raise ValueError(f"{scores.path}: the file has no rows of scores.")
    return np.concatenate(blocks)


# ---------------------------------------------------------------------------
# Label files
# ---------------------------------------------------------------------------


def read_labels(path, *, problem, separator):
    """Read a labels file into a target for ``fit``.

    Returns
    -------
    y : list, list of tuples or ndarray
        One label per sample, one label set (a tuple) per sample, or a 0/1
        indicator matrix.
    indicator_classes : list or None
        The class names of an indicator matrix's columns, when the file
        names them.
    """
    _check_suffix(path, LABEL_SUFFIXES, "labels")
    suffix = _suffix(path)
    if suffix == ".npy":
        return _read_npy_labels(path), None
    if suffix == ".parquet":
        return _read_parquet_labels(path, problem, separator)
    if suffix == ".txt":
        with open(path, encoding="utf-8-sig") as file:
            cells = [line.rstrip("\r\n") for line in file]
        return _cells_to_target(cells, path, problem, separator, first_line=1), None
    return _read_delimited_labels(path, problem, separator)


def _read_npy_labels(path):
    array = np.load(path, allow_pickle=False)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.ravel()
    if array.ndim == 1:
        if array.dtype.kind == "U":
            return parse_names(array.tolist())
        return array
    if array.ndim == 2:
        return array
    raise ValueError(
        f"{path}: labels must be a 1-D array of labels or a 2-D 0/1 indicator "
        f"matrix, got shape {array.shape}."
    )


def _read_delimited_labels(path, problem, separator):
    delimiter = _delimiter(path)
    with open(path, newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file, delimiter=delimiter)
        header = next(reader, None)
        if not header:
            raise ValueError(
                f"{path}: the file is empty; it needs a header row, then one "
                "label per row or a 0/1 indicator matrix."
            )
        if len(header) > 1:
            try:
                indicator = np.loadtxt(
                    file, delimiter=delimiter, dtype=np.float64, ndmin=2,
                    comments=None, quotechar='"',
                )
            except ValueError as error:
                raise ValueError(
                    f"{path}: a labels file with {len(header)} columns is read "
                    f"as a 0/1 indicator matrix, but {error}"
                ) from None
            return indicator.reshape(-1, len(header)), parse_names(header)
        cells = [row[0] if row else "" for row in reader]
    return _cells_to_target(cells, path, problem, separator, first_line=2), None


def _read_parquet_labels(path, problem, separator):
    _import_pyarrow()
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if table.num_columns > 1:
        columns = [table.column(i).to_numpy() for i in range(table.num_columns)]
        return np.column_stack(columns), parse_names(table.column_names)
    values = table.column(0).to_pylist()
    if values and all(isinstance(value, list) for value in values):
        names = parse_names([name for value in values for name in value])
        label_sets, start = [], 0
        for value in values:
            label_sets.append(tuple(names[start : start + len(value)]))
            start += len(value)
        return label_sets, None
    cells = ["" if value is None else str(value) for value in values]
    return _cells_to_target(cells, path, problem, separator, first_line=1), None


def _cells_to_target(cells, path, problem, separator, *, first_line):
    """Turn one text cell per sample into labels or label sets."""
    as_sets = problem == "multilabel" or (
        problem == "auto" and any(cell == "" or separator in cell for cell in cells)
    )
    if as_sets:
        split = [cell.split(separator) if cell.strip() else [] for cell in cells]
        names = parse_names([name for labels in split for name in labels])
        if "" in names:
            line = next(i for i, row in enumerate(split) if "" in parse_names(row))
            raise ValueError(
                f"{path}, line {line + first_line}: {cells[line]!r} contains an "
                f"empty label between separators {separator!r}; remove the extra "
                "separator."
            )
        label_sets, start = [], 0
        for labels in split:
            label_sets.append(tuple(names[start : start + len(labels)]))
            start += len(labels)
        return label_sets
    labels = parse_names(cells)
    empty = [index for index, label in enumerate(labels) if label == ""]
    if empty:
        raise ValueError(
            f"{path}, line {empty[0] + first_line}: the label is empty. Give one "
            "label per sample, or pass --problem multilabel if an empty row "
            "means a sample with no label."
        )
    return labels


def classes_from_header(header, y):
    """Return the score header as the classes, if it names every label in ``y``.

    An indicator matrix without names takes the header's names when it has
    as many columns. Returns None when the header shares no name with the
    labels (its columns are then read by position) or there is no header.

    NOTE: the header order wins over sorting, so a binary header ``yes,no``
    makes "no" the positive class ``classes_[1]``, whereas labels alone
    would sort "yes" second. Pass --classes to choose the order.
    """
    if header is None or len(header) < 2:
        return None
    if isinstance(y, np.ndarray) and y.ndim == 2:
        return list(header) if y.shape[1] == len(header) else None
    if isinstance(y, list) and y and isinstance(y[0], tuple):
        labels = {label for labels in y for label in labels}
    else:
        labels = set(np.asarray(y).tolist())
    named = set(header)
    if not labels & named:
        return None
    missing = sorted(labels - named, key=str)
    if missing:
        raise ValueError(
            f"the score header names {header[:10]} but the labels also contain "
            f"{missing[:10]}; name every class in the header, or pass "
            "--classes in score-column order."
        )
    return list(header)


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


class Progress:
    """Rows done, shown on standard error only when it is a terminal."""

    def __init__(self, verb, stream=None):
        self.verb = verb
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.stream.isatty()
        self._line_open = False

    def update(self, n_rows, fraction=None):
        """Show the number of rows done and, when known, the fraction of the file."""
        if not self.enabled:
            return
        percent = "" if fraction is None else f" ({100 * fraction:.0f}%)"
        self.stream.write(f"\rsklabel: {self.verb} {n_rows:,} rows{percent}")
        self.stream.flush()
        self._line_open = True

    def close(self):
        """End the progress line."""
        if self._line_open:
            self.stream.write("\n")
            self.stream.flush()
            self._line_open = False


def _plain(name):
    return name.item() if isinstance(name, np.generic) else name


class LabelWriter:
    """Write decoded labels as CSV (one row per sample) or JSON lines.

    ``multilabel`` is True for set-valued output: one tuple of names per
    sample. A name of None (a rejected sample) is an empty CSV cell or a
    JSON null.
    """

    def __init__(self, stream, output_format, *, multilabel, separator, delimiter):
        self.stream = stream
        self.output_format = output_format
        self.multilabel = multilabel
        self.separator = separator
        self.delimiter = delimiter
        self._text_of_set = {}

    def write_header(self, classes):
        """Write the CSV header, after checking that the names can be written."""
        if self.output_format != "csv":
            return
        if self.multilabel:
            unsafe = [name for name in classes if self.separator in str(name)]
            if unsafe:
                raise ValueError(
                    f"class name {str(unsafe[0])!r} contains the label separator "
                    f"{self.separator!r}, so the output could not be read back; "
                    "choose another separator with --separator."
                )
        self.stream.write(self._csv_cell("labels" if self.multilabel else "label"))
        self.stream.write("\n")

    def write(self, labels):
        """Write the labels of a block of samples."""
        if self.multilabel:
            lines = [self._label_set_line(labels_of_row) for labels_of_row in labels]
        else:
            lines = self._single_label_lines(np.asarray(labels))
        if lines:
            self.stream.write("\n".join(lines))
            self.stream.write("\n")

    def _single_label_lines(self, names):
        if names.dtype.kind == "O":
            # Rejected samples make an object array that np.unique cannot
            # sort, so each name is formatted on its own.
            return [self._name_line(name) for name in names.tolist()]
        # Each distinct name is formatted once, and rows pick theirs by index.
        distinct, inverse = np.unique(names, return_inverse=True)
        formatted = np.asarray([self._name_line(name) for name in distinct.tolist()])
        return formatted[inverse.ravel()].tolist()

    def _name_line(self, name):
        if self.output_format == "jsonl":
            return json.dumps({"label": _plain(name)})
        return self._csv_cell("" if name is None else str(name))

    def _label_set_line(self, labels):
        line = self._text_of_set.get(labels)
        if line is None:
            if len(self._text_of_set) >= MAX_CACHED_LABEL_SETS:
                self._text_of_set.clear()
            if self.output_format == "jsonl":
                line = json.dumps({"labels": [_plain(name) for name in labels]})
            else:
                line = self._csv_cell(self.separator.join(str(n) for n in labels))
            self._text_of_set[labels] = line
        return line

    def _csv_cell(self, text):
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=self.delimiter, lineterminator="").writerow([text])
        return buffer.getvalue()


@contextlib.contextmanager
def open_output(path):
    """Open ``path`` for writing text, or standard output for None or ``-``.

    A file is written under a temporary name in the same folder and renamed
    to ``path`` only when the block ends without an error, so a failed
    command leaves no partial output and keeps an older file of that name.
    """
    if path is None or path == "-":
        yield sys.stdout
        return
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".partial"
    )
    try:
        with open(descriptor, "w", newline="", encoding="utf-8") as file:
            yield file
        # mkstemp creates the file readable by its owner only; give it the
        # permissions that open() would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


def _objective_params(args):
    names = ("beta", "fp_cost", "fn_cost", "min_precision", "min_recall")
    params = {name: getattr(args, name) for name in names}
    params = {name: value for name, value in params.items() if value is not None}
    if args.cost_matrix is not None:
        params["cost_matrix"] = read_cost_matrix(args.cost_matrix)
    return params or None


def read_cost_matrix(path):
    """Read a square cost matrix from a ``.npy`` file."""
    _check_suffix(path, (".npy",), "cost matrix")
    matrix = np.load(path, allow_pickle=False)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(
            f"{path}: the cost matrix must be square, (n_classes, n_classes), "
            f"got shape {matrix.shape}."
        )
    return matrix


def read_sample_weight(path):
    """Read one weight per sample from ``.npy``, ``.txt``, ``.csv`` or ``.tsv``.

    A ``.txt`` file has one number per line; a CSV or TSV file has a header
    row and one column.
    """
    _check_suffix(path, (".npy", ".txt", ".csv", ".tsv"), "sample weight")
    suffix = _suffix(path)
    if suffix == ".npy":
        weight = np.load(path, allow_pickle=False)
    else:
        skip = 0 if suffix == ".txt" else 1
        try:
            weight = np.loadtxt(path, dtype=np.float64, ndmin=1, skiprows=skip,
                                delimiter=_delimiter(path), comments=None)
        except ValueError as error:
            raise ValueError(f"{path}: invalid sample weight file: {error}") from None
    if weight.ndim != 1:
        raise ValueError(
            f"{path}: sample weights must be one number per sample, got shape "
            f"{weight.shape}."
        )
    return weight


def _decoder_params(args):
    """Return the ProbabilityDecoder parameters that the options set."""
    params = {"problem": args.problem, "scores": args.scores}
    if args.classes is not None:
        params["classes"] = parse_class_list(args.classes)
    if args.threshold is not None:
        params["threshold"] = parse_threshold(args.threshold)
    if args.min_labels is not None:
        params["min_labels"] = args.min_labels
    if args.max_labels is not None:
        params["max_labels"] = args.max_labels
    for name in RULE_OPTIONS:
        value = getattr(args, name)
        if value is not None:
            params[name] = parse_names([value])[0] if name == "reject_label" else value
    return params


def _fit_params(args):
    params = _decoder_params(args)
    objective = None if args.objective == "none" else args.objective
    if objective is not None:
        params["objective"] = objective
        params["average"] = args.average
        objective_params = _objective_params(args)
        if objective_params is not None:
            params["objective_params"] = objective_params
        if args.min_objective is not None:
            params["min_objective"] = args.min_objective
    elif _objective_params(args) is not None or args.min_objective is not None:
        raise ValueError(
            "objective parameters were given with --objective none; choose an "
            "objective such as --objective fbeta, or drop them."
        )
    return params


def run_fit(args):
    """Fit a decoder on validation scores and labels and write it as JSON."""
    params = _fit_params(args)
    y, indicator_classes = read_labels(
        args.labels, problem=args.problem, separator=args.separator
    )
    scores = open_scores(args.scores_file)
    if "classes" not in params:
        classes = indicator_classes or classes_from_header(scores.columns, y)
        if classes is not None:
            params["classes"] = classes
    order = None
    if "classes" in params:
        order = column_order(scores, np.asarray(params["classes"]))
    matrix = read_all_scores(scores, order, args.block_rows, Progress("read"))

    weight = None if args.sample_weight is None else read_sample_weight(
        args.sample_weight
    )
    decoder = ProbabilityDecoder(**params).fit(matrix, y, sample_weight=weight)
    with open_output(args.output) as file:
        file.write(to_json(decoder))
    logger.info(
        "fitted a %s decoder with %d classes on %d samples, scores read as %s",
        decoder.problem_, len(decoder.classes_), matrix.shape[0], decoder.scores_,
    )
    return 0


def _conflicting_options(args):
    names = ("classes", "threshold", "min_labels", "max_labels", *RULE_OPTIONS)
    conflicts = [
        f"--{name.replace('_', '-')}" for name in names
        if getattr(args, name) is not None
    ]
    conflicts += [
        f"--{name}" for name in ("problem", "scores") if getattr(args, name) != "auto"
    ]
    return conflicts


def _load_decoder(path):
    with open(path, encoding="utf-8-sig") as file:
        return from_json(file.read())


def _score_range_type(scores, block_rows):
    """Return "probabilities" when every score of the file is in [0, 1]."""
    low, high = np.inf, -np.inf
    block_rows = rows_per_block(scores.n_columns, block_rows)
    for _, block in checked_blocks(scores, block_rows):
        if block.size:
            low, high = min(low, block.min()), max(high, block.max())
    return infer_score_type(np.array([[low], [high]]))


def _decoder_from_options(args, scores):
    """Build a decoder from --classes and the other options, without labels."""
    params = _decoder_params(args)
    if "classes" not in params:
        raise ValueError(
            "decode needs --decoder DECODER.json, or --classes naming the score "
            "columns in order (as --classes cat,dog,bird)."
        )
    if params["scores"] == "auto":
        # The score type comes from the range of the whole file, so that every
        # block is read the same way.
        params["scores"] = _score_range_type(scores, args.block_rows)
    return ProbabilityDecoder(**params)


def run_decode(args):
    """Decode a score file into labels, written as CSV or JSON lines."""
    scores = open_scores(args.scores_file)
    if args.decoder is not None:
        conflicts = _conflicting_options(args)
        if conflicts:
            raise ValueError(
                f"{', '.join(conflicts)} cannot be combined with --decoder, whose "
                "file fixes them; drop them, or drop --decoder."
            )
        decoder = _load_decoder(args.decoder)
    else:
        decoder = _decoder_from_options(args, scores)
    _decode_blocks(args, scores, decoder)
    return 0


def _output_format(args):
    if args.format is not None:
        return args.format
    if args.output is not None and _suffix(args.output) in (".jsonl", ".json"):
        return "jsonl"
    return "csv"


def _decode_blocks(args, scores, decoder):
    fitted = hasattr(decoder, "classes_")
    classes = decoder.classes_ if fitted else np.asarray(decoder.classes)
    order = column_order(scores, classes)
    block_rows = rows_per_block(scores.n_columns, args.block_rows)
    progress = Progress("decoded")
    n_done = 0
    with open_output(args.output) as stream:
        writer = None
        for first_row, block in checked_blocks(scores, block_rows):
            if order is not None:
                block = block[:, order]
            try:
                if not fitted:
                    decoder.fit(block)
                    fitted = True
                labels = decoder.decode(block)
            except (ValueError, TypeError) as error:
                last_row = first_row + len(block) - 1
                raise ValueError(
                    f"{scores.describe_rows(first_row, last_row)}: {error}"
                ) from None
            if writer is None:
                writer = _label_writer(args, stream, decoder, labels)
            writer.write(labels)
            n_done += len(block)
            progress.update(n_done, scores.fraction_read)
        progress.close()
    if writer is None:
        raise ValueError(f"{scores.path}: the file has no rows of scores.")
    logger.info("decoded %d rows of %s", n_done, scores.path)


def _label_writer(args, stream, decoder, labels):
    output_format = _output_format(args)
    delimiter = "\t" if args.output and _suffix(args.output) == ".tsv" else ","
    # Multi-label problems and the set rules (top-k, conformal) decode into
    # a list of tuples; every other rule into an array of names.
    writer = LabelWriter(
        stream, output_format, multilabel=isinstance(labels, list),
        separator=args.separator, delimiter=delimiter,
    )
    writer.write_header(decoder.classes_)
    return writer


def threshold_table(decoder):
    """Return the header and rows of a decoder's per-class table.

    For threshold rules, each row contains the class, its threshold in
    probability units, the same threshold in score units, the objective
    value there and whether the class kept the default threshold. For a
    multi-class decoder with learned offsets, each row contains the class
    and its offset. Missing values are None, and a decoder with neither has
    no rows.
    """
    if decoder.thresholds_ is not None:
        binary = decoder.problem_ == "binary"
        classes = decoder.classes_[1:] if binary else decoder.classes_
        columns = [
            np.atleast_1d(decoder.thresholds_),
            np.atleast_1d(decoder.score_thresholds_),
            _optional_attribute(decoder, "objective_values_", len(classes)),
            _optional_attribute(decoder, "fallback_", len(classes)),
        ]
        header = THRESHOLD_HEADER
    elif getattr(decoder, "offsets_", None) is not None:
        classes = decoder.classes_
        columns = [np.asarray(decoder.offsets_)]
        header = OFFSET_HEADER
    else:
        return THRESHOLD_HEADER, []
    rows = [
        [_plain(name), *(_plain(column[index]) for column in columns)]
        for index, name in enumerate(classes.tolist())
    ]
    return header, rows


def _optional_attribute(decoder, name, n_rows):
    value = getattr(decoder, name, None)
    if value is None:
        return [None] * n_rows
    return np.atleast_1d(value)[-n_rows:]


def _format_cell(value):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


THRESHOLD_HEADER = [
    "class", "threshold", "score_threshold", "objective_value", "fallback"
]
OFFSET_HEADER = ["class", "offset"]


def _report_summary(decoder):
    """Return the lines above the table: problem, scores, rule and its state."""
    parts = [f"problem: {decoder.problem_}", f"scores: {decoder.scores_}"]
    rule = getattr(decoder, "rule_", None)
    if rule is not None:
        parts.append(f"rule: {rule}")
    objective = getattr(decoder, "objective", None)
    if objective is not None:
        name = getattr(objective, "__name__", objective)
        parts.append(f"objective: {name} ({getattr(decoder, 'average', 'macro')})")
    lines = [", ".join(parts)]
    for attribute, label in (
        ("reject_threshold_", "reject threshold (top probability)"),
        ("conformal_threshold_", "conformal threshold"),
    ):
        value = getattr(decoder, attribute, None)
        if value is not None:
            lines.append(f"{label}: {value:.6g}")
    return lines


def _write_text_table(stream, header, rows):
    cells = [header] + [[_format_cell(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        stream.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        stream.write("\n")


def run_report(args):
    """Print a decoder's per-class thresholds or offsets as a table."""
    decoder = _load_decoder(args.decoder)
    header, rows = threshold_table(decoder)
    with open_output(args.output) as stream:
        if args.format == "csv":
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(header)
            writer.writerows([["" if v is None else v for v in row] for row in rows])
            return 0
        stream.write("\n".join(_report_summary(decoder)) + "\n")
        if rows:
            _write_text_table(stream, header, rows)
        else:
            stream.write("no per-class thresholds or offsets: the rule uses the "
                         "scores as they are.\n")
    return 0


# ---------------------------------------------------------------------------
# Argument parser
# ---------------------------------------------------------------------------


def _add_decoder_options(parser):
    parser.add_argument(
        "--classes", metavar="A,B,C",
        help="class names in the order of the score columns, separated by "
        "commas. By default they come from the labels and the score header.",
    )
    parser.add_argument(
        "--problem", choices=PROBLEM_CHOICES, default="auto",
        help="kind of problem (default: auto, inferred from the labels, or "
        "binary for two classes).",
    )
    parser.add_argument(
        "--scores", choices=SCORE_CHOICES, default="auto",
        help="what the scores are (default: auto: probabilities when every "
        "score is in [0, 1], else logits).",
    )
    parser.add_argument(
        "--threshold", metavar="T",
        help="decision threshold in probability units, [0, 1]: one value for "
        "every class, one per class as 0.3,0.5,0.7, or name=value pairs as "
        "cat=0.3,dog=0.7 (default: 0.5). Binary and multi-label only.",
    )
    parser.add_argument(
        "--min-labels", type=int, metavar="N",
        help="multi-label only: add top-scored labels until each sample has at "
        "least N (default: 0).",
    )
    parser.add_argument(
        "--max-labels", type=int, metavar="N",
        help="multi-label only: keep at most the N top-scored labels of each "
        "sample (default: no limit).",
    )


def _add_rule_options(parser):
    parser.add_argument(
        "--rule", choices=RULE_CHOICES,
        help="decision rule (default: threshold for binary and multi-label "
        "problems, argmax for multi-class ones). Multi-class: reject, top_k, "
        "lac, aps (conformal sets). Multi-label: top_k, expected_f1, auto.",
    )
    parser.add_argument("--k", type=_positive_int,
                        help="top_k: number of labels per sample (default: 1).")
    parser.add_argument(
        "--reject-threshold", type=float, metavar="P",
        help="reject: lowest top probability, in [0, 1], of an accepted sample.",
    )
    parser.add_argument(
        "--coverage", type=float, metavar="FRACTION",
        help="reject: fraction of validation samples to accept, in (0, 1]; fit "
        "learns the reject threshold from it.",
    )
    parser.add_argument(
        "--reject-label", metavar="NAME",
        help="reject: name written for a rejected sample (default: an empty "
        "cell, or null in JSON lines).",
    )
    parser.add_argument(
        "--alpha", type=float,
        help="lac and aps: miscoverage, in (0, 1); a set contains the true "
        "class with probability at least 1 - alpha (default: 0.1).",
    )


def _add_io_options(parser):
    parser.add_argument(
        "--separator", default=LABEL_SEPARATOR, metavar="TEXT",
        help="text that joins the labels of a multi-label sample in one CSV "
        "cell or text line (default: '|').",
    )
    parser.add_argument(
        "--block-rows", type=_positive_int, metavar="N",
        help="rows of scores read at a time (default: about one million scores "
        "per block).",
    )


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _add_objective_options(parser):
    parser.add_argument(
        "--objective", default="f1", metavar="NAME",
        help="objective that fit maximises on the validation data (default: "
        "f1). Binary and multi-label problems learn one threshold per class "
        "for f1, fbeta, balanced_accuracy, youden, mcc, jaccard, accuracy, "
        "cost, recall_at_precision or precision_at_recall. Multi-class "
        "problems learn one offset per class for f1 or balanced_accuracy. "
        "none learns no threshold and keeps --threshold.",
    )
    parser.add_argument(
        "--average", choices=AVERAGE_CHOICES, default="macro",
        help="how the objective is averaged over classes (default: macro, each "
        "class on its own).",
    )
    parser.add_argument("--beta", type=float,
                        help="fbeta: weight of recall relative to precision, > 0.")
    parser.add_argument("--fp-cost", type=float, metavar="COST",
                        help="cost: cost of one false positive, >= 0.")
    parser.add_argument("--fn-cost", type=float, metavar="COST",
                        help="cost: cost of one false negative, >= 0.")
    parser.add_argument("--min-precision", type=float, metavar="P",
                        help="recall_at_precision: lowest acceptable precision, "
                        "in (0, 1].")
    parser.add_argument("--min-recall", type=float, metavar="R",
                        help="precision_at_recall: lowest acceptable recall, "
                        "in (0, 1].")
    parser.add_argument(
        "--cost-matrix", metavar="FILE.npy",
        help="multi-class cost: (n_classes, n_classes) array in class order, "
        "entry [i, j] the cost of predicting class j when the truth is i.",
    )
    parser.add_argument(
        "--sample-weight", metavar="FILE",
        help="weight of each validation sample in the objective: .npy, .txt "
        "(one number per line), or .csv or .tsv with a header row.",
    )
    parser.add_argument(
        "--min-objective", type=float, metavar="VALUE",
        help="a class whose best objective value is below VALUE keeps the "
        "default threshold (default: no minimum).",
    )


def _add_fit_parser(commands):
    parser = commands.add_parser(
        "fit", help="learn a decoder from validation scores and labels",
        description="Learn the classes and, with an objective, one threshold "
        "per class from validation scores and their true labels, and write "
        "the fitted decoder as JSON.",
    )
    parser.add_argument("scores_file", metavar="SCORES",
                        help="validation scores: .npy, .csv, .tsv or .parquet.")
    parser.add_argument("labels", metavar="LABELS",
                        help="true labels of the same samples: .txt, .csv, .tsv, "
                        ".npy or .parquet.")
    parser.add_argument("-o", "--output", required=True, metavar="DECODER.json",
                        help="file to write the fitted decoder to ('-' for "
                        "standard output).")
    _add_objective_options(parser)
    _add_decoder_options(parser)
    _add_rule_options(parser)
    _add_io_options(parser)
    parser.set_defaults(run=run_fit)


def _add_decode_parser(commands):
    parser = commands.add_parser(
        "decode", help="turn scores into labels",
        description="Decode scores into labels with a fitted decoder, or with "
        "--classes and fixed thresholds. Writes one row per sample: CSV with a "
        "'label' column (or 'labels', joined by the separator, for multi-label "
        "problems), or JSON lines.",
    )
    parser.add_argument("scores_file", metavar="SCORES",
                        help="scores: .npy, .csv, .tsv or .parquet.")
    parser.add_argument("--decoder", metavar="DECODER.json",
                        help="decoder written by 'sklabel fit'.")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="file to write the labels to (default: standard "
                        "output).")
    parser.add_argument(
        "--format", choices=OUTPUT_FORMATS,
        help="output format (default: jsonl when OUT ends in .jsonl or .json, "
        "else csv).",
    )
    _add_decoder_options(parser)
    _add_rule_options(parser)
    _add_io_options(parser)
    parser.set_defaults(run=run_decode)


def _add_report_parser(commands):
    parser = commands.add_parser(
        "report", help="show a decoder's per-class thresholds",
        description="Print the per-class thresholds of a fitted decoder: in "
        "probability units, in score units, the objective value there and "
        "whether the class kept the default threshold.",
    )
    parser.add_argument("decoder", metavar="DECODER.json",
                        help="decoder written by 'sklabel fit'.")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="file to write the table to (default: standard "
                        "output).")
    parser.add_argument("--format", choices=("text", "csv"), default="text",
                        help="table format (default: text).")
    parser.set_defaults(run=run_report)


def build_parser():
    """Build the ``sklabel`` argument parser and its sub-commands."""
    parser = _Parser(
        prog="sklabel",
        description="Decode classifier scores (probabilities or logits) in files "
        "into class names.",
    )
    parser.add_argument("--version", action="version",
                        version=f"sklabel {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log what each command did to standard error.")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    _add_fit_parser(commands)
    _add_decode_parser(commands)
    _add_report_parser(commands)
    return parser


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def _configure_logging(verbose):
    # main may run more than once in a process (as in the tests), each time
    # with the standard error of that moment, so the handler is replaced.
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("sklabel: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO if verbose else logging.WARNING)


def _log_warning(message, category, filename, lineno, file=None, line=None):
    logger.warning("warning: %s", message)


def main(argv=None):
    """Run the ``sklabel`` command line and return its exit code.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the program name; None reads ``sys.argv``.

    Returns
    -------
    exit_code : int
        0 on success, 1 for an invalid file or option value, 2 for an invalid
        command line, 130 when interrupted with Ctrl-C.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _log_warning
            return args.run(args)
    except KeyboardInterrupt:
        sys.stderr.write("sklabel: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of standard output closed it (as `head` does): stop
        # quietly, and keep Python from reporting the failed flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INVALID_INPUT
    except (ValueError, TypeError, OSError, MissingDependencyError) as error:
        sys.stderr.write(f"sklabel: error: {_one_line(error)}\n")
        return EXIT_INVALID_INPUT


def _one_line(error):
    text = " ".join(str(error).split())
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        text = f"{error.filename}: {error.strerror}"
    return text or type(error).__name__
