"""Validate the public docstrings with numpydoc, and check the docs' examples.

Every name in ``sklabel.__all__`` and ``sklabel.exceptions.__all__``, and
each public method that sklabel itself defines on them, is checked with
``numpydoc.validate`` and the same checks that scikit-learn's own
``sklearn/tests/test_docstrings.py`` applies.
"""

import doctest
import inspect
import re
from pathlib import Path

import pytest
from numpydoc.docscrape import NumpyDocString

import sklabel
import sklabel.exceptions

numpydoc_validation = pytest.importorskip("numpydoc.validate")

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"

# Checks skipped everywhere, each for the reason scikit-learn skips it.
SKIPPED_CHECKS = {
    # The summary may open on the line of the quotes or the next one.
    "GL01": "the summary may start on the line after the opening quotes",
    # A blank line may follow the last section of a short docstring.
    "GL02": "short docstrings may end with a blank line before the quotes",
    # A Returns entry may name the value (``labels : ndarray``), not only type.
    "RT02": "the first line of a Returns entry may name the returned value",
}

# Checks that apply to estimators, displays and functions, not to their
# methods (explained by their class's description, See Also and Examples)
# and not to warning classes, whose one-sentence docstrings scikit-learn's
# test does not cover either.
TOP_LEVEL_ONLY_CHECKS = {"ES01", "SA01", "EX01"}

# Checks skipped on properties, whose signature numpydoc cannot parse.
PROPERTY_SKIPPED_CHECKS = {"PR02", "GL08"}


def public_objects():
    """Yield the import path of every public object sklabel documents."""
    modules = [(sklabel, sklabel.__all__),
               (sklabel.exceptions, sklabel.exceptions.__all__)]
    for module, names in modules:
        for name in sorted(names):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            yield f"{module.__name__}.{name}", None
            if inspect.isclass(obj):
                for method in own_public_methods(obj):
                    yield f"{module.__name__}.{name}.{method}", method


def own_public_methods(cls):
    """Return the public methods and properties that sklabel defines on ``cls``.

    Methods inherited from scikit-learn or Python (``get_params``,
    ``set_output``, ``with_traceback``) are left out: scikit-learn's own
    test suite validates its docstrings.
    """
    methods = []
    for name in sorted(vars(cls)):
        if name.startswith("_"):
            continue
        member = inspect.getattr_static(cls, name)
        is_descriptor = isinstance(member, property | staticmethod | classmethod)
        if is_descriptor or inspect.isfunction(member):
            methods.append(name)
    return methods


def filter_errors(errors, *, method, is_property, is_warning):
    for code, message in errors:
        if code in SKIPPED_CHECKS:
            continue
        if (method is not None or is_warning) and code in TOP_LEVEL_ONLY_CHECKS:
            continue
        if is_property and code in PROPERTY_SKIPPED_CHECKS:
            continue
        yield code, message


def _is_property(path, method):
    if method is None:
        return False
    owner_path, _ = path.rsplit(".", 1)
    module_path, class_name = owner_path.rsplit(".", 1)
    owner = getattr(__import__(module_path, fromlist=[class_name]), class_name)
    return isinstance(inspect.getattr_static(owner, method), property)


PUBLIC_OBJECTS = list(public_objects())


@pytest.mark.parametrize(
    "path, method", PUBLIC_OBJECTS, ids=[path for path, _ in PUBLIC_OBJECTS]
)
def test_docstring_numpydoc_valid(path, method):
    result = numpydoc_validation.validate(path)

    is_warning = path.startswith("sklabel.exceptions.") and method is None
    errors = list(filter_errors(result["errors"], method=method,
                                is_property=_is_property(path, method),
                                is_warning=is_warning))

    report = "\n".join(f"{code}: {message}" for code, message in errors)
    assert not errors, f"{path} docstring:\n{report}"


def test_docstring_defaults_stated():
    missing = []
    for path, _ in PUBLIC_OBJECTS:
        obj = numpydoc_validation.Validator._load_obj(path)
        if isinstance(obj, property):
            continue
        defaults = _parameters_with_defaults(obj)
        for parameter in NumpyDocString(inspect.getdoc(obj) or "")["Parameters"]:
            names = {name.strip() for name in parameter.name.split(",")}
            if names & defaults and "default=" not in parameter.type:
                missing.append(f"{path}({parameter.name})")

    assert not missing, f"parameters without 'default=' in their type: {missing}"


def _parameters_with_defaults(obj):
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return set()
    return {
        name for name, parameter in signature.parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


def test_api_reference_lists_every_public_name():
    text = (DOCS_DIR / "api.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s+(\w+)\s*$", text, flags=re.MULTILINE))

    public = {name for name in sklabel.__all__ if not name.startswith("__")}
    public |= set(sklabel.exceptions.__all__)
    assert public <= listed, f"missing from docs/api.rst: {sorted(public - listed)}"


@pytest.mark.parametrize(
    "page", sorted((DOCS_DIR / "user_guide").glob("*.rst")), ids=lambda p: p.name
)
def test_user_guide_examples_run(page):
    result = doctest.testfile(
        str(page), module_relative=False, verbose=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )

    assert result.failed == 0, f"{result.failed} example(s) failed in {page.name}"
