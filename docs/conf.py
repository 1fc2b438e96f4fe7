"""Sphinx configuration of the sklabel documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
from the repository root. The build runs every example under ``examples/``
through sphinx-gallery.
"""

import os
import sys
from pathlib import Path

# The repository root comes first on the path, so the build documents this
# checkout even when another sklabel is installed.
DOCS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS_DIR.parent))

import sklabel

project = "sklabel"
author = "The sklabel developers"
copyright = "The sklabel developers"
release = sklabel.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
root_doc = "index"
default_role = "literal"

# The API page documents each public object in place with autoclass and
# autofunction, under an autosummary table that generates no stub pages.
autosummary_generate = False

# autoclass lists the methods that a class defines itself, so numpydoc adds
# no second table of members. Inherited scikit-learn methods are left out:
# their docstrings link to scikit-learn's glossary, which this build lacks.
numpydoc_show_class_members = False

# Matplotlib in the examples draws off screen.
os.environ.setdefault("MPLBACKEND", "Agg")

def _has_benchmark_data():
    """Tell whether shared/data/yeast.npz is in a folder above the docs."""
    return any(
        (folder / "shared" / "data" / "yeast.npz").exists()
        for folder in DOCS_DIR.parents
    )


# The yeast examples read the benchmark data that sits beside a development
# checkout. Without it (a user's clone, say) they are left out of the gallery
# rather than failing the build.
_YEAST_EXAMPLES = r"plot_(decoded_classifier_yeast|threshold_curves)\.py"

sphinx_gallery_conf = {
    "examples_dirs": str(DOCS_DIR.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py"
    if _has_benchmark_data()
    else rf"__init__\.py|{_YEAST_EXAMPLES}",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "plot_gallery": "True",
}

html_theme = "alabaster"
html_title = f"sklabel {release}"
html_static_path = []
html_theme_options = {
    "description": "Decode classifier scores into class names",
    "fixed_sidebar": True,
}


def skip_inherited_members(app, what, name, obj, skip, options):
    """Skip members that scikit-learn adds to every estimator class.

    scikit-learn sets the ``set_{method}_request`` methods of metadata
    routing on each subclass, so autodoc documents them as the class's own.
    Their docstrings link to scikit-learn's glossary, which this build lacks.
    """
    module = getattr(obj, "__module__", None) or ""
    if callable(obj) and not module.startswith("sklabel"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", skip_inherited_members)
