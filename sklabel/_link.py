"""Move between probability units and the units of the scores.

Thresholds are stated in probability units. Logit scores are compared with
``logit(threshold)`` instead of turning the whole score matrix into
probabilities: the comparison is the same in exact arithmetic, it costs one
``logit`` per class instead of one ``expit`` per score, and it keeps its
resolution where ``expit`` rounds large logits to 1.0.
"""

import numpy as np
from scipy.special import expit, log_softmax, logit


def thresholds_to_score_units(thresholds, score_type):
    """Convert thresholds in probability units to the units of the scores.

    Parameters
    ----------
    thresholds : ndarray
        Thresholds in [0, 1], or ``+inf`` for a class that is never predicted.
    score_type : {"probabilities", "logits"}
        The units of the scores.

    Returns
    -------
    score_thresholds : ndarray of float64
        ``logit(threshold)`` for logits (``-inf`` at 0, ``+inf`` at 1 and
        above), the thresholds themselves for probabilities.
    """
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if score_type == "probabilities":
        return thresholds.copy()
    with np.errstate(divide="ignore"):
        return np.where(thresholds >= 1, np.inf, logit(np.minimum(thresholds, 1)))


def score_thresholds_to_probability(score_thresholds, score_type):
    """Convert thresholds in score units back to probability units."""
    score_thresholds = np.asarray(score_thresholds, dtype=np.float64)
    if score_type == "probabilities":
        return score_thresholds.copy()
    # A threshold of +inf means "never predicted" and stays +inf, so that it
    # is not confused with a threshold of exactly 1.0.
    return np.where(np.isposinf(score_thresholds), np.inf, expit(score_thresholds))


def round_up_to_dtype(score_thresholds, dtype):
    """Return the smallest values of ``dtype`` that are >= each threshold.

    For any score ``s`` of that dtype, ``s >= t`` is true exactly when
    ``s >= round_up_to_dtype(t, dtype)`` does, so float32 scores are compared
    in float32 with no float64 copy and no change in the decision.
    """
    score_thresholds = np.asarray(score_thresholds, dtype=np.float64)
    dtype = np.dtype(dtype)
    if dtype == np.float64:
        return score_thresholds
    rounded = score_thresholds.astype(dtype)
    too_low = rounded.astype(np.float64) < score_thresholds
    rounded[too_low] = np.nextafter(rounded[too_low], dtype.type(np.inf))
    return rounded


def probabilities_from_scores(matrix, score_type, problem):
    """Return probabilities: sigmoid per column, or softmax for multi-class."""
    if score_type == "probabilities":
        return matrix
    if problem == "multiclass":
        return np.exp(log_softmax(matrix, axis=1))
    return expit(matrix)


def log_probabilities_from_scores(matrix, score_type, problem):
    """Return multi-class log-probabilities from probabilities or logits."""
    if score_type == "logits":
        return log_softmax(matrix, axis=1)
    with np.errstate(divide="ignore"):
        return np.log(matrix)
