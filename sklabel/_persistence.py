"""Save and load sklabel estimators: versioned pickles, a safe JSON form, skops.

Three ways to persist a fitted decoder, from most to least portable:

- :func:`to_json` and :func:`from_json` write and read a fitted
  :class:`ProbabilityDecoder` as plain JSON. Loading uses ``json.loads`` and a
  strict schema check, with no pickle, no ``eval`` and no import by name, so
  it is safe for files from untrusted sources.
- skops: ``skops.io.dump`` stores sklabel estimators as they are. A fitted
  decoder's state is made of builtins, strings and NumPy arrays, which skops
  trusts. skops 0.16 trusts by default only builtins, NumPy and SciPy types
  and scikit-learn's estimator classes, and it has no registry for the
  classes of other packages. Hence ``skops.io.get_untrusted_types`` lists the
  sklabel classes in the file (``sklabel._decoder.ProbabilityDecoder``, and
  ``sklabel._classifier.DecodedClassifier`` for a classifier), and
  ``skops.io.load(file, trusted=[])`` raises. :func:`load_skops` loads such
  a file when every untrusted type in it is an sklabel class, then checks
  every decoder in it against the JSON schema. Two limits of skops 0.16
  remain: a splitter object as a parameter (``cv=KFold(3)``) is another
  untrusted type, and an estimator on which ``set_fit_request`` was called
  cannot be dumped at all (its metadata request refers back to its owner,
  and ``skops.io.dump`` recurses until ``RecursionError``).
- pickle and joblib, through :class:`VersionedPickleMixin`, which records the
  sklabel version. Unpickling runs arbitrary code, so load only files that
  you trust.
"""

import json
import math
import numbers
import warnings
from pathlib import Path

import numpy as np

from .exceptions import InconsistentVersionWarning

VERSION_KEY = "_sklabel_version"

JSON_FORMAT = "sklabel.ProbabilityDecoder"
JSON_FORMAT_VERSION = 1

# The classes that load_skops accepts as untrusted types of a skops file.
SKOPS_SKLABEL_TYPES = (
    "sklabel._decoder.ProbabilityDecoder",
    "sklabel._classifier.DecodedClassifier",
)

_TOP_LEVEL_KEYS = ("format", "format_version", "sklabel_version", "params", "fitted")

# Each fitted attribute of a decoder, its key in the JSON "fitted" object,
# and the kind of value stored there. Every key is required, because fit
# sets every attribute (to None where its rule does not use it).
_FITTED_FIELDS = {
    "classes_": ("classes", "names"),
    "problem_": ("problem", "str"),
    "scores_": ("scores", "str"),
    "rule_": ("rule", "str"),
    "min_labels_": ("min_labels", "int"),
    "n_features_in_": ("n_features_in", "int"),
    "thresholds_": ("thresholds", "thresholds"),
    "score_thresholds_": ("score_thresholds", "thresholds"),
    "objective_values_": ("objective_values", "floats"),
    "fallback_": ("fallback", "bools"),
    "offsets_": ("offsets", "floats"),
    "cost_matrix_": ("cost_matrix", "matrix"),
    "reject_threshold_": ("reject_threshold", "float"),
    "conformal_threshold_": ("conformal_threshold", "float"),
    "rule_scores_": ("rule_scores", "float_mapping"),
}
_FITTED_KEYS = tuple(key for key, _ in _FITTED_FIELDS.values())

# Nesting depth allowed in a parameter value (lists and mappings), which
# bounds the recursion of the reader on a hostile file.
_MAX_PARAM_DEPTH = 8


class VersionedPickleMixin:
    """Store the sklabel version in the pickled state and check it on load.

    scikit-learn's ``BaseEstimator`` records its own version; this does the
    same for sklabel, whose decision rules may change between releases.
    """

    def __getstate__(self):
        from . import __version__

        state = super().__getstate__()
        state[VERSION_KEY] = __version__
        return state

    def __setstate__(self, state):
        from . import __version__

        saved_version = state.pop(VERSION_KEY, "unknown (before 0.1)")
        if saved_version != __version__:
            warnings.warn(
                InconsistentVersionWarning(
                    saved_version=saved_version, current_version=__version__
                ),
                stacklevel=2,
            )
        super().__setstate__(state)


# ---------------------------------------------------------------------------
# JSON: writing
# ---------------------------------------------------------------------------


def to_json(decoder, *, indent=None):
    """Serialize a fitted ProbabilityDecoder to a JSON string.

    The document stores the decoder's parameters, the rule and its
    parameters among them. It stores the fitted state: classes, kind of
    problem, type of scores, rule, thresholds in probability and score
    units, and the state of the other rules. It also records the sklabel
    version and a format version. Floats are written with ``repr``
    precision, so they read back bit for bit. Infinite and NaN values are
    written as the strings ``"inf"``, ``"-inf"`` and ``"nan"``, so the output
    is standard JSON.

    Parameters
    ----------
    decoder : ProbabilityDecoder
        A fitted decoder.

    indent : int, default=None
        Indentation passed to :func:`json.dumps`. None writes one line.

    Returns
    -------
    text : str
        The JSON document, which :func:`from_json` reads back.

    Raises
    ------
    ValueError
        When a parameter or fitted attribute has no JSON form: a callable
        objective, a splitter object as ``cv``, float class names, or a
        fitted attribute that this format does not know. Save such decoders
        with joblib or skops.

    See Also
    --------
    from_json : Read the document back into a decoder.

    Examples
    --------
    >>> from sklabel import ProbabilityDecoder
    >>> from sklabel._persistence import from_json, to_json
    >>> decoder = ProbabilityDecoder(
    ...     classes=["action", "comedy", "drama"], problem="multilabel",
    ...     threshold=[0.41, 0.32, 0.40],
    ... ).fit([[0.45, 0.35, 0.38]])
    >>> text = to_json(decoder)
    >>> from_json(text).decode([[0.45, 0.35, 0.38]])
    [('action', 'comedy')]
    """
    return json.dumps(_decoder_document(decoder), indent=indent, allow_nan=False)


def _decoder_document(decoder):
    from . import __version__
    from ._decoder import ProbabilityDecoder

    if not isinstance(decoder, ProbabilityDecoder):
        raise TypeError(
            f"to_json takes a ProbabilityDecoder, got {type(decoder).__name__}. "
            "Save other estimators with joblib or skops."
        )
    _check_fitted(decoder)
    return {
        "format": JSON_FORMAT,
        "format_version": JSON_FORMAT_VERSION,
        "sklabel_version": __version__,
        "params": {
            name: _encode_param(value, f"params.{name}", depth=0)
            for name, value in decoder.get_params(deep=False).items()
        },
        "fitted": {
            key: _encode_fitted_value(getattr(decoder, attribute), kind, key)
            for attribute, (key, kind) in _FITTED_FIELDS.items()
        },
    }


def _check_fitted(decoder):
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(decoder)
    attributes = [
        name for name in vars(decoder)
        if name.endswith("_") and not name.startswith("_")
    ]
    unknown = [name for name in attributes if name not in _FITTED_FIELDS]
    missing = [name for name in _FITTED_FIELDS if name not in attributes]
    if unknown or missing:
        raise ValueError(
            f"The decoder's fitted attributes do not match JSON format version "
            f"{JSON_FORMAT_VERSION} (unknown: {unknown}, missing: {missing}), so "
            "its state would be lost. Save this decoder with joblib or skops."
        )


def _encode_fitted_value(value, kind, key):
    field = f"fitted.{key}"
    if value is None or kind in ("str", "int"):
        return value if value is None or kind == "str" else int(value)
    if kind == "names":
        return _encode_classes(value)
    if kind == "float" or (kind == "thresholds" and np.ndim(value) == 0):
        return _encode_float(value)
    if kind in ("floats", "thresholds"):
        return [_encode_float(item) for item in np.asarray(value).ravel()]
    if kind == "bools":
        return [bool(item) for item in np.asarray(value).ravel()]
    if kind == "matrix":
        return [[_encode_float(item) for item in row] for row in np.asarray(value)]
    if kind == "float_mapping":
        return {str(name): _encode_float(item) for name, item in value.items()}
    raise ValueError(f"{field} has the unknown kind {kind!r}.")


def _encode_classes(classes):
    names = np.asarray(classes).tolist()
    for name in names:
        if isinstance(name, bool) or not isinstance(name, str | int):
            raise ValueError(
                f"Class name {name!r} of type {type(name).__name__} has no JSON "
                "form, because the format stores only str and int class names. "
                "Convert the labels to str or int before fitting, or save the "
                "decoder with joblib or skops."
            )
    return names


def _encode_float(value):
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _encode_param(value, field, *, depth):
    """Encode a parameter value as JSON, tagging non-finite floats and dicts.

    A dict becomes ``{"mapping": [[key, value], ...]}``, so that int keys
    survive, and a non-finite float ``{"float": "inf"}``, so that it is not
    read back as a string. Every other JSON object is invalid in "params".
    """
    if depth > _MAX_PARAM_DEPTH:
        raise ValueError(
            f"{field} is nested more than {_MAX_PARAM_DEPTH} levels deep, which "
            "the JSON format does not store."
        )
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else {"float": _encode_float(value)}
    if isinstance(value, dict):
        return {
            "mapping": [
                [
                    _encode_param(key, field, depth=depth + 1),
                    _encode_param(item, field, depth=depth + 1),
                ]
                for key, item in value.items()
            ]
        }
    if isinstance(value, list | tuple | np.ndarray):
        items = value.tolist() if isinstance(value, np.ndarray) else value
        return [_encode_param(item, field, depth=depth + 1) for item in items]
    if isinstance(value, np.generic):
        return _encode_param(value.item(), field, depth=depth)
    raise ValueError(
        f"{field} is a {type(value).__name__}, which has no JSON form (JSON "
        "stores numbers, strings, and lists and dicts of them). Save this "
        "decoder with joblib or skops, or use a named objective and an int cv."
    )


# ---------------------------------------------------------------------------
# JSON: reading
# ---------------------------------------------------------------------------


def from_json(text):
    """Build a fitted ProbabilityDecoder from the JSON that :func:`to_json` wrote.

    The text is parsed with :func:`json.loads` and checked against a strict
    schema before anything is built: every key must be known, every value
    of the expected type, and the lengths consistent with the classes and
    the rule. Nothing is imported by name, evaluated or unpickled, so the
    text may come from an untrusted source.

    Parameters
    ----------
    text : str or bytes
        A JSON document written by :func:`to_json`.

    Returns
    -------
    decoder : ProbabilityDecoder
        The fitted decoder.

    Raises
    ------
    ValueError
        When the text is not valid JSON, or a field is missing, unknown, of
        the wrong type or inconsistent. The message names the field.

    Warns
    -----
    InconsistentVersionWarning
        When the document was written by another sklabel version.

    See Also
    --------
    to_json : Write a fitted decoder as JSON.

    Examples
    --------
    >>> import json
    >>> from sklabel import ProbabilityDecoder
    >>> from sklabel._persistence import from_json, to_json
    >>> decoder = ProbabilityDecoder(threshold=0.7).fit([0.9, 0.2], ["spam", "ham"])
    >>> text = to_json(decoder)
    >>> fitted = json.loads(text)["fitted"]
    >>> fitted["classes"], fitted["rule"], fitted["thresholds"]
    (['ham', 'spam'], 'threshold', 0.7)
    >>> from_json(text).decode([0.9, 0.6])
    array(['spam', 'ham'], dtype='<U4')
    """
    document = _parse_json(text)
    _check_document(document)
    _warn_on_version(document["sklabel_version"])
    decoder = _build_decoder(document["params"])
    fitted = _decode_fitted(document["fitted"])
    _check_params_match_fitted(decoder, fitted)
    for attribute, value in fitted.items():
        setattr(decoder, attribute, value)
    return decoder


def _check_params_match_fitted(decoder, fitted):
    """Raise when the given classes differ from the fitted ones."""
    if decoder.classes is None:
        return
    given_classes = np.asarray(decoder.classes).tolist()
    learned = np.asarray(fitted["classes_"]).tolist()
    if given_classes != learned:
        raise ValueError(
            f"JSON field 'params.classes' is {_short_repr(given_classes)}, but "
            f"'fitted.classes' is {_short_repr(learned)}; a decoder fitted with "
            "given classes keeps them in order, so the two must be equal."
        )


def _parse_json(text):
    def reject_constant(name):
        raise ValueError(
            f"The JSON contains the non-standard constant {name}, which sklabel "
            "never writes. Infinities and NaN are the strings 'inf', '-inf' and "
            "'nan' in a saved decoder."
        )

    if not isinstance(text, str | bytes | bytearray):
        raise TypeError(
            f"from_json takes the JSON text as str or bytes, got "
            f"{type(text).__name__}. Read the file first, for example with "
            "Path(path).read_text()."
        )
    try:
        document = json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as error:
        raise ValueError(f"The text is not valid JSON: {error}.") from None
    except RecursionError:
        raise ValueError(
            "The JSON is nested too deeply to be a saved sklabel decoder."
        ) from None
    if not isinstance(document, dict):
        raise ValueError(
            f"The JSON document must be an object, got {type(document).__name__}."
        )
    return document


def _check_document(document):
    """Check the document's structure and field types, raising a ValueError."""
    _check_keys(document, "the document", _TOP_LEVEL_KEYS)
    if document["format"] != JSON_FORMAT:
        raise ValueError(
            f"JSON field 'format' is {_short_repr(document['format'])}, expected "
            f"{JSON_FORMAT!r}. This is not a saved sklabel decoder."
        )
    version = _expect_type(document["format_version"], int, "format_version")
    if version != JSON_FORMAT_VERSION:
        raise ValueError(
            f"JSON field 'format_version' is {version}, but this sklabel reads "
            f"version {JSON_FORMAT_VERSION}. Load it with the sklabel version "
            f"that wrote it ({_short_repr(document['sklabel_version'])})."
        )
    _expect_type(document["sklabel_version"], str, "sklabel_version")
    _expect_type(document["params"], dict, "params")
    _expect_type(document["fitted"], dict, "fitted")
    _decode_fitted(document["fitted"])


def _check_keys(mapping, where, keys):
    unknown = sorted(set(mapping) - set(keys))
    if unknown:
        raise ValueError(
            f"Unknown field(s) {unknown} in {where}. The allowed fields are "
            f"{list(keys)}. Remove them, or load the file with the sklabel "
            "version that wrote it."
        )
    missing = [key for key in keys if key not in mapping]
    if missing:
        raise ValueError(f"Missing field(s) {missing} in {where}.")


def _decode_fitted(fitted):
    """Check the "fitted" object and return the decoder's attribute values."""
    _check_keys(fitted, "'fitted'", _FITTED_KEYS)
    values = {
        attribute: _decode_fitted_value(fitted[key], kind, f"fitted.{key}")
        for attribute, (key, kind) in _FITTED_FIELDS.items()
    }
    _check_fitted_consistency(values)
    if values["problem_"] == "binary" and values["thresholds_"] is not None:
        values["thresholds_"] = float(values["thresholds_"][0])
        values["score_thresholds_"] = float(values["score_thresholds_"][0])
    return values


def _decode_fitted_value(value, kind, field):
    """Check one fitted value's type and return it as the decoder stores it."""
    if kind == "str":
        return _expect_type(value, str, field)
    if kind == "int":
        return _expect_type(value, int, field)
    if kind == "names":
        return _decode_classes(value, field)

    # The other kinds are optional state, null where the rule does not use it.
    if value is None:
        return None
    if kind == "float":
        return _decode_float(value, field)
    if kind == "thresholds" and not isinstance(value, list):
        return np.asarray([_decode_float(value, field)])
    if kind in ("floats", "thresholds"):
        return _decode_float_list(value, field)
    if kind == "bools":
        _expect_type(value, list, field)
        for index, item in enumerate(value):
            _expect_type(item, bool, f"{field}[{index}]")
        return np.asarray(value, dtype=bool)

    if kind == "matrix":
        _expect_type(value, list, field)
        rows = [_decode_float_list(row, f"{field}[{index}]")
                for index, row in enumerate(value)]
        if len({len(row) for row in rows}) > 1:
            raise ValueError(f"JSON field '{field}' has rows of different lengths.")
        return np.asarray(rows, dtype=np.float64)

    _expect_type(value, dict, field)
    return {
        name: _decode_float(item, f"{field}.{name}") for name, item in value.items()
    }


def _decode_classes(value, field):
    _expect_type(value, list, field)
    kinds = set()
    for index, name in enumerate(value):
        if isinstance(name, bool) or not isinstance(name, str | int):
            raise ValueError(
                f"JSON field '{field}[{index}]' is {_short_repr(name)} of type "
                f"{type(name).__name__}, but class names must be str or int."
            )
        kinds.add(type(name))
    if len(kinds) > 1:
        raise ValueError(
            f"JSON field '{field}' mixes str and int class names. Use one type."
        )
    if len(value) < 2 or len(set(value)) != len(value):
        raise ValueError(
            f"JSON field '{field}' must list at least 2 distinct class names, "
            f"got {_short_repr(value)}."
        )
    return np.asarray(value)


def _decode_float_list(value, field):
    _expect_type(value, list, field)
    return np.asarray(
        [_decode_float(item, f"{field}[{index}]") for index, item in enumerate(value)],
        dtype=np.float64,
    )


def _decode_float(value, field):
    """Return a float from a JSON number or one of "inf", "-inf" and "nan"."""
    named = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
    if isinstance(value, str) and value in named:
        return named[value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(
            f"JSON field '{field}' must be a number or one of "
            f"{list(named)}, got {_short_repr(value)}."
        )
    return float(value)


def _check_fitted_consistency(values):
    """Check that the fitted values agree with each other, naming the field."""
    from ._decoder import RULES

    classes = values["classes_"]
    n_classes = len(classes)
    problem = _expect_choice(values["problem_"], tuple(RULES), "fitted.problem")
    _expect_choice(values["scores_"], ("probabilities", "logits"), "fitted.scores")
    rule = _expect_choice(
        values["rule_"], tuple(r for r in RULES[problem] if r != "auto"), "fitted.rule"
    )
    if problem == "binary" and n_classes != 2:
        raise ValueError(
            f"JSON field 'fitted.classes' has {n_classes} names, but a binary "
            "problem has exactly 2."
        )
    expected = (1, 2) if problem == "binary" else (n_classes,)
    if values["n_features_in_"] not in expected:
        raise ValueError(
            f"JSON field 'fitted.n_features_in' is {values['n_features_in_']}, "
            f"but a {problem} problem with {n_classes} classes reads "
            f"{' or '.join(map(str, expected))} score columns."
        )
    if values["min_labels_"] < 0:
        raise ValueError("JSON field 'fitted.min_labels' must be >= 0.")
    n_thresholds = 1 if problem == "binary" else n_classes
    uses_thresholds = rule == "threshold"
    for attribute in ("thresholds_", "score_thresholds_"):
        _check_length(values, attribute, n_thresholds, required=uses_thresholds)
    for attribute in ("objective_values_", "fallback_"):
        _check_length(values, attribute, n_thresholds, required=False)
    _check_no_nan(values, ("thresholds_", "score_thresholds_", "offsets_"))
    _check_probability_thresholds(values["thresholds_"])
    _check_length(values, "offsets_", n_classes, required=False)
    _check_multiclass_state(values, problem, rule, n_classes)


def _check_length(values, attribute, length, *, required):
    key = _FITTED_FIELDS[attribute][0]
    value = values[attribute]
    if value is None:
        if required:
            raise ValueError(
                f"JSON field 'fitted.{key}' is null, but the fitted rule "
                f"{values['rule_']!r} needs it."
            )
        return
    if not required and attribute in ("thresholds_", "score_thresholds_"):
        raise ValueError(
            f"JSON field 'fitted.{key}' must be null for the rule "
            f"{values['rule_']!r}, which uses no thresholds."
        )
    if len(value) != length:
        raise ValueError(
            f"JSON field 'fitted.{key}' has {len(value)} values, expected "
            f"{length} for these classes."
        )


def _check_probability_thresholds(thresholds):
    """Raise unless every threshold is in [0, 1] or +inf (never predicted)."""
    if thresholds is None:
        return
    values = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    valid = ((values >= 0) & (values <= 1)) | np.isposinf(values)
    if not valid.all():
        bad = values[~valid][0]
        raise ValueError(
            f"JSON field 'fitted.thresholds' contains {bad!r}; thresholds are "
            "probabilities in [0, 1], or 'inf' for a class never predicted."
        )


def _check_no_nan(values, attributes):
    for attribute in attributes:
        value = values[attribute]
        if value is not None and np.isnan(value).any():
            key = _FITTED_FIELDS[attribute][0]
            raise ValueError(f"JSON field 'fitted.{key}' must not contain NaN.")


def _check_multiclass_state(values, problem, rule, n_classes):
    """Check the state of the multi-class rules: costs, reject, conformal."""
    cost_matrix = values["cost_matrix_"]
    if cost_matrix is not None and cost_matrix.shape != (n_classes, n_classes):
        raise ValueError(
            f"JSON field 'fitted.cost_matrix' has shape {cost_matrix.shape}, "
            f"expected ({n_classes}, {n_classes})."
        )
    required = {
        "reject_threshold_": rule == "reject",
        "conformal_threshold_": rule in ("lac", "aps"),
    }
    for attribute, needed in required.items():
        key = _FITTED_FIELDS[attribute][0]
        if needed != (values[attribute] is not None):
            state = "needs" if needed else "uses no"
            raise ValueError(
                f"JSON field 'fitted.{key}' is {_short_repr(values[attribute])}, "
                f"but the rule {rule!r} of this {problem} problem {state} it."
            )


def _expect_type(value, kind, field):
    """Return value, or raise a ValueError naming the field, if not of kind."""
    is_bool = isinstance(value, bool) and kind is not bool
    if is_bool or not isinstance(value, kind):
        description = {
            int: "an integer", str: "a string", bool: "a boolean",
            list: "a list", dict: "an object",
        }[kind]
        raise ValueError(
            f"JSON field '{field}' must be {description}, got "
            f"{type(value).__name__} {_short_repr(value)}."
        )
    return value


def _expect_choice(value, choices, field):
    if value not in choices:
        raise ValueError(
            f"JSON field '{field}' must be one of {list(choices)}, got "
            f"{_short_repr(value)}."
        )
    return value


def _short_repr(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _warn_on_version(saved_version):
    from . import __version__

    if saved_version != __version__:
        warnings.warn(
            InconsistentVersionWarning(
                saved_version=saved_version, current_version=__version__
            ),
            stacklevel=3,
        )


def _build_decoder(params):
    from sklearn.utils._param_validation import InvalidParameterError

    from ._decoder import ProbabilityDecoder

    known = tuple(ProbabilityDecoder().get_params(deep=False))
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ValueError(
            f"Unknown field(s) {unknown} in 'params'. ProbabilityDecoder has the "
            f"parameters {list(known)}."
        )
    values = {
        name: _decode_param(value, f"params.{name}", depth=0)
        for name, value in params.items()
    }
    decoder = ProbabilityDecoder(**values)
    try:
        decoder._validate_params()
    except InvalidParameterError as error:
        raise ValueError(f"JSON field 'params' is invalid: {error}") from None
    return decoder


def _decode_param(value, field, *, depth):
    if depth > _MAX_PARAM_DEPTH:
        raise ValueError(
            f"JSON field '{field}' is nested more than {_MAX_PARAM_DEPTH} levels."
        )
    if value is None or isinstance(value, bool | str | int | float):
        return value
    if isinstance(value, list):
        return [
            _decode_param(item, f"{field}[{index}]", depth=depth + 1)
            for index, item in enumerate(value)
        ]
    if isinstance(value, dict) and list(value) == ["float"]:
        return _decode_float(value["float"], f"{field}.float")
    if isinstance(value, dict) and list(value) == ["mapping"]:
        return _decode_mapping(value["mapping"], f"{field}.mapping", depth=depth)
    raise ValueError(
        f"JSON field '{field}' must be null, a boolean, a number, a string, a "
        "list, {'float': ...} or {'mapping': [...]}, got "
        f"{type(value).__name__} {_short_repr(value)}."
    )


def _decode_mapping(pairs, field, *, depth):
    _expect_type(pairs, list, field)
    mapping = {}
    for index, pair in enumerate(pairs):
        where = f"{field}[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(
                f"JSON field '{where}' must be a [key, value] pair, got "
                f"{_short_repr(pair)}."
            )
        key = _decode_param(pair[0], where, depth=depth + 1)
        if isinstance(key, bool) or not isinstance(key, str | int):
            raise ValueError(
                f"JSON field '{where}' has the key {_short_repr(key)}, but keys "
                "must be str or int."
            )
        mapping[key] = _decode_param(pair[1], where, depth=depth + 1)
    return mapping


# ---------------------------------------------------------------------------
# skops
# ---------------------------------------------------------------------------


def load_skops(file):
    """Load a skops file of sklabel estimators, trusting only sklabel classes.

    ``skops.io.load(file, trusted=[])`` rejects sklabel estimators, because
    skops trusts no class outside scikit-learn, NumPy, SciPy and the
    builtins by default. This function lists the untrusted types of the
    file and raises unless each of them is an sklabel estimator class. It
    then loads the file, trusting those classes only, and checks every
    decoder in it against the same schema as :func:`from_json`: the loaded
    object itself, or a classifier's ``decoder_``.

    Parameters
    ----------
    file : str, path-like or binary file object
        A file written by ``skops.io.dump``.

    Returns
    -------
    estimator : object
        The loaded estimator.

    Raises
    ------
    ValueError
        When the file contains an untrusted type that is not an sklabel
        class, or a decoder whose state fails the schema check.

    Warns
    -----
    InconsistentVersionWarning
        When the file was written by another sklabel version.

    See Also
    --------
    from_json : Load a decoder from JSON, with no trust in any class.

    Examples
    --------
    >>> import io
    >>> import skops.io
    >>> from sklabel import ProbabilityDecoder
    >>> from sklabel._persistence import load_skops
    >>> decoder = ProbabilityDecoder().fit([0.9, 0.2], ["spam", "ham"])
    >>> skops.io.get_untrusted_types(data=skops.io.dumps(decoder))
    ['sklabel._decoder.ProbabilityDecoder']
    >>> load_skops(io.BytesIO(skops.io.dumps(decoder))).decode([0.7])
    array(['spam'], dtype='<U4')
    """
    import skops.io

    data = _read_bytes(file)
    untrusted = skops.io.get_untrusted_types(data=data)
    foreign = [name for name in untrusted if name not in SKOPS_SKLABEL_TYPES]
    if foreign:
        raise ValueError(
            f"The skops file contains the untrusted types {foreign}, which are "
            "not sklabel classes. Inspect them, and load the file with "
            "skops.io.load(file, trusted=[...]) only if you trust them."
        )
    estimator = skops.io.loads(data, trusted=untrusted)
    _check_loaded_decoders(estimator)
    return estimator


def _read_bytes(file):
    if isinstance(file, str | Path):
        return Path(file).read_bytes()
    return file.read()


def _check_loaded_decoders(estimator):
    from ._decoder import ProbabilityDecoder

    decoders = [estimator] if isinstance(estimator, ProbabilityDecoder) else []
    inner = getattr(estimator, "decoder_", None) if not decoders else None
    if isinstance(inner, ProbabilityDecoder):
        decoders.append(inner)
    for decoder in decoders:
        document = json.loads(to_json(decoder))
        _check_document(document)
        _build_decoder(document["params"])
