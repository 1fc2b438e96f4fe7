"""Warning classes raised by sklabel.

Every warning that sklabel emits is a subclass of :class:`SklabelWarning`, so
``warnings.filterwarnings("ignore", category=SklabelWarning)`` silences them
all, and each subclass can be filtered on its own.
"""

__all__ = [
    "ConstraintNotMetWarning",
    "InconsistentVersionWarning",
    "ProblemInferenceWarning",
    "RareClassWarning",
    "ScoreOrderWarning",
    "SklabelWarning",
    "SmallCalibrationSetWarning",
]


class SklabelWarning(UserWarning):
    """Base class of the warnings that sklabel emits."""


class RareClassWarning(SklabelWarning):
    """A class has no positive or no negative sample in the validation data.

    No threshold can be learned for such a class, so it keeps its default
    threshold.
    """


class ConstraintNotMetWarning(SklabelWarning):
    """No threshold meets a precision or recall constraint for a class.

    The class gets an infinite threshold, so it is never predicted.
    """


class SmallCalibrationSetWarning(SklabelWarning):
    """The calibration set is too small for the conformal level ``alpha``.

    Every prediction set then contains every class.
    """


class ScoreOrderWarning(SklabelWarning):
    """The validation scores look like the scores of other classes.

    Raised by ``fit`` when the scores rank the samples of a class far below
    chance, which usually means the score columns and ``classes_`` are in
    different orders.
    """


class ProblemInferenceWarning(SklabelWarning):
    """``problem="auto"`` inferred a kind of problem that the data contradicts.

    Raised by ``fit`` when a 0/1 indicator target, read as multi-label, has
    exactly one label in every row, as a one-hot multi-class target does.
    """


class InconsistentVersionWarning(SklabelWarning):
    """A decoder saved by one sklabel version is loaded by another.

    Parameters
    ----------
    saved_version : str
        The sklabel version that saved the object.
    current_version : str
        The sklabel version that loads it.
    """

    def __init__(self, *, saved_version, current_version):
        self.saved_version = saved_version
        self.current_version = current_version

    def __str__(self):
        return (
            f"This object was saved by sklabel {self.saved_version} and is "
            f"loaded by sklabel {self.current_version}; its output may differ. "
            "Refit it under the current version, or install "
            f"sklabel=={self.saved_version} to use it as it was saved."
        )
