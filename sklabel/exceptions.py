"""Warning classes raised by sklabel.

Every warning that sklabel emits is a subclass of :class:`SklabelWarning`, so
``warnings.filterwarnings("ignore", category=SklabelWarning)`` silences them
all, and each subclass can be filtered on its own.
"""

__all__ = [
    "ConstraintNotMetWarning",
    "InconsistentVersionWarning",
    "RareClassWarning",
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
