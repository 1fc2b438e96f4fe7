"""Record the sklabel version in pickles and warn when it changes."""

import warnings

from .exceptions import InconsistentVersionWarning

VERSION_KEY = "_sklabel_version"


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
