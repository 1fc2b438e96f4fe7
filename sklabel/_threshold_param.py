"""Resolve the ``threshold`` parameter into one threshold per class.

A threshold is given as a float for every class, an array in ``classes_``
order, or a mapping from class names to thresholds. For binary problems the
threshold applies to ``classes_[1]`` only.
"""

from collections.abc import Mapping

import numpy as np

from ._labels import format_names

DEFAULT_THRESHOLD = 0.5


def resolve_thresholds(threshold, classes, problem):
    """Return one threshold per class (only classes_[1] for binary problems)."""
    n_thresholds = 1 if problem == "binary" else len(classes)
    if threshold is None:
        return np.full(n_thresholds, DEFAULT_THRESHOLD)
    if isinstance(threshold, Mapping):
        thresholds = _thresholds_from_mapping(threshold, classes, problem)
    elif np.ndim(threshold) == 0:
        thresholds = np.full(n_thresholds, float(threshold))
    else:
        thresholds = np.asarray(threshold, dtype=np.float64).ravel()
        if thresholds.shape != (n_thresholds,):
            raise ValueError(
                f"threshold has {thresholds.size} values but this {problem} "
                f"problem needs {n_thresholds} (one per class in classes_ order"
                f"{', for classes_[1] only' if problem == 'binary' else ''})."
            )
    _check_threshold_values(thresholds, classes, problem)
    return thresholds


def _thresholds_from_mapping(mapping, classes, problem):
    names = list(classes[1:] if problem == "binary" else classes)
    unknown = [key for key in mapping if key not in set(np.asarray(classes).tolist())]
    if unknown:
        raise ValueError(
            f"threshold names classes {unknown} that are not in classes_ "
            f"{format_names(classes, 10)}. Use the exact class names."
        )
    negative, positive = np.asarray(classes).tolist()[:2]
    if problem == "binary" and negative in mapping:
        raise ValueError(
            f"threshold gives a value for {negative!r}, the negative class "
            f"classes_[0]. A binary threshold applies to classes_[1] "
            f"({positive!r}); give it for that class only."
        )
    return np.asarray(
        [float(mapping.get(name, DEFAULT_THRESHOLD)) for name in names],
        dtype=np.float64,
    )


def _check_threshold_values(thresholds, classes, problem):
    bad = ~((thresholds >= 0) & (thresholds <= 1))
    if bad.any():
        names = np.asarray(classes[1:] if problem == "binary" else classes)
        index = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"threshold for class {names[index].item()!r} is "
            f"{thresholds[index].item()!r}; "
            "thresholds are probabilities and must be in [0, 1]."
        )
