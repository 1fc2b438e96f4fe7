"""Split-conformal prediction sets for multi-class problems.

A calibration set of ``n`` labelled samples, held out from training, gives a
threshold ``qhat`` on a nonconformity score, and the prediction set of a new
sample is made of the classes whose score is at most ``qhat``. The threshold
is the ``ceil((n + 1)(1 - alpha))``-th smallest calibration score. When the
calibration and test samples are exchangeable, the true class of a test
sample then has a score at most ``qhat`` with probability at least
``1 - alpha``, whatever the model. Angelopoulos and Bates, "A gentle
introduction to conformal prediction and distribution-free uncertainty
quantification" (2021), describe both scores offered here:

- LAC, the score ``1 - p_y`` of the true class ``y``. The set is every class
  of probability at least ``1 - qhat``.
- APS, the probability mass of the classes ranked at or above the true class
  when the classes are sorted by decreasing probability. The set is the top
  classes, up to the point where their mass reaches ``qhat``.

The functions take probabilities, for instance the output of a softmax, and
return ``scipy.sparse.csr_matrix`` 0/1 indicators of dtype int64 with columns
in the order of the probability columns.
"""

import math
import numbers
import warnings

import numpy as np
from sklearn.utils import check_random_state

from ._top_k import _check_score_matrix, _csr_from_row_masks, _row_chunks
from .exceptions import SmallCalibrationSetWarning


def calibrate_lac(P_cal, y_cal_index, alpha):
    """Compute the LAC threshold from calibration probabilities.

    The score of a calibration sample is ``1 - P_cal[i, y_cal_index[i]]``,
    and ``qhat`` is the ``ceil((n + 1)(1 - alpha))``-th smallest of the
    ``n`` scores: the empirical quantile at level
    ``ceil((n + 1)(1 - alpha)) / n`` that rounds up to an observed score.

    For exchangeable calibration and test samples, the set
    ``lac_sets(P, qhat)`` of a test sample contains its true class with
    probability at least ``1 - alpha``. When the scores have no ties, as with
    continuous probabilities, that probability is also at most
    ``1 - alpha + 1 / (n + 1)``.

    Parameters
    ----------
    P_cal : ndarray of shape (n_samples, n_classes)
        Class probabilities of the calibration samples, float32 or float64.
        The samples must not have been used to train the model.
    y_cal_index : array-like of shape (n_samples,)
        Column index in ``P_cal`` of each sample's true class.
    alpha : float
        Target miscoverage rate, in (0, 1).

    Returns
    -------
    qhat : float
        The threshold on ``1 - p``. When ``ceil((n + 1)(1 - alpha))`` exceeds
        ``n``, that is with fewer than ``1 / alpha - 1`` calibration samples,
        it is ``inf`` so that every set contains every class, and a
        :class:`~sklabel.exceptions.SmallCalibrationSetWarning` is issued.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._conformal import calibrate_lac, lac_sets
    >>> P_cal = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4],
    ...                   [0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
    >>> qhat = calibrate_lac(P_cal, [0, 1, 2, 1, 1], alpha=0.4)
    >>> round(qhat, 2)
    0.6
    >>> lac_sets(np.array([[0.5, 0.45, 0.05]]), qhat).toarray()
    array([[1, 1, 0]])
    """
    P_cal, y_cal_index = _check_calibration(P_cal, y_cal_index)
    alpha = _check_alpha(alpha)
    true_probability = P_cal[np.arange(len(P_cal)), y_cal_index]
    scores = 1.0 - true_probability.astype(np.float64)
    qhat = _conformal_quantile(scores, alpha)
    if math.isinf(qhat):
        warnings.warn(
            _too_few_samples_message(len(scores), alpha),
            SmallCalibrationSetWarning,
            stacklevel=2,
        )
    return qhat


def lac_sets(P, qhat):
    """Build LAC prediction sets: every class with ``1 - p <= qhat``.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_classes)
        Class probabilities of the test samples, float32 or float64.
    qhat : float
        Threshold returned by :func:`calibrate_lac`.

    Returns
    -------
    indicator : csr_matrix of shape (n_samples, n_classes) and dtype int64
        1 for the classes in each sample's set. A set can be empty when no
        class is probable enough.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._conformal import lac_sets
    >>> lac_sets(np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]]), 0.7).toarray()
    array([[1, 1, 0],
           [0, 0, 1]])
    """
    P = _check_score_matrix(P, probabilities=True)
    qhat = _check_qhat(qhat)

    def chunk_masks():
        for start, stop in _row_chunks(*P.shape):
            # The score is computed in float64 exactly as in calibrate_lac,
            # so a calibration sample's class has the same score here.
            yield 1.0 - P[start:stop].astype(np.float64) <= qhat

    return _csr_from_row_masks(chunk_masks(), P.shape)


def calibrate_aps(P_cal, y_cal_index, alpha, *, randomized=False, random_state=None):
    """Compute the APS threshold from calibration probabilities.

    Each calibration sample's classes are sorted by decreasing probability,
    with the lower column index first among equal probabilities. Its score
    is the probability mass of the classes ranked at or above its true class.
    The randomized score replaces the true class's own probability ``p_y``
    by ``u * p_y``, with ``u`` drawn uniformly in [0, 1] for each sample.
    ``qhat`` is the ``ceil((n + 1)(1 - alpha))``-th smallest score.

    For exchangeable calibration and test samples, the set
    ``aps_sets(P, qhat, randomized=randomized)`` of a test sample contains
    its true class with probability at least ``1 - alpha``. The
    non-randomized sets also keep the class whose probability crosses
    ``qhat``, so they are never empty when ``qhat > 0``, and their coverage is
    usually above the target. The randomized sets cover the true class with
    probability at most ``1 - alpha + 1 / (n + 1)`` too, over the data and the
    draws of ``u``, when the scores have no ties. They are smaller on
    average, but can be empty.

    Parameters
    ----------
    P_cal : ndarray of shape (n_samples, n_classes)
        Class probabilities of the calibration samples, float32 or float64,
        each row summing to 1. The samples must not have been used to train
        the model.
    y_cal_index : array-like of shape (n_samples,)
        Column index in ``P_cal`` of each sample's true class.
    alpha : float
        Target miscoverage rate, in (0, 1).
    randomized : bool, default=False
        Whether to use the randomized score. Pass the same value to
        :func:`aps_sets`.
    random_state : int, RandomState instance or None, default=None
        Seed or generator of the uniform draws, used only when ``randomized``
        is True.

    Returns
    -------
    qhat : float
        The threshold on the cumulative probability mass. It is ``inf``, so
        every set contains every class, when ``ceil((n + 1)(1 - alpha))``
        exceeds ``n``, and a :class:`~sklabel.exceptions.SmallCalibrationSetWarning` is
        then issued.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._conformal import aps_sets, calibrate_aps
    >>> P_cal = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4],
    ...                   [0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
    >>> qhat = calibrate_aps(P_cal, [0, 1, 2, 1, 1], alpha=0.4)
    >>> round(qhat, 2)
    0.8
    >>> aps_sets(np.array([[0.5, 0.45, 0.05], [0.95, 0.03, 0.02]]), qhat).toarray()
    array([[1, 1, 0],
           [1, 0, 0]])
    """
    P_cal, y_cal_index = _check_calibration(P_cal, y_cal_index)
    alpha = _check_alpha(alpha)
    uniform = _uniform_draws(len(P_cal), randomized, random_state)

    scores = np.empty(len(P_cal))
    for start, stop in _row_chunks(*P_cal.shape):
        order, position_scores = _aps_position_scores(
            P_cal[start:stop], None if uniform is None else uniform[start:stop]
        )
        true_position = np.argmax(order == y_cal_index[start:stop, np.newaxis], axis=1)
        scores[start:stop] = position_scores[np.arange(stop - start), true_position]
    qhat = _conformal_quantile(scores, alpha)
    if math.isinf(qhat):
        warnings.warn(
            _too_few_samples_message(len(scores), alpha),
            SmallCalibrationSetWarning,
            stacklevel=2,
        )
    return qhat


def aps_sets(P, qhat, *, randomized=False, random_state=None):
    """Build APS prediction sets: the top classes up to a mass of ``qhat``.

    Each row's classes are sorted by decreasing probability, with the lower
    column index first among equal probabilities. A class is in the
    non-randomized set when the mass of the classes ranked at or above it is
    at most ``qhat``, or when the mass ranked strictly above it is below
    ``qhat``, which adds the class that crosses ``qhat``. A class is in the
    randomized set when the mass strictly above it plus ``u`` times its own
    probability is at most ``qhat``, with one uniform draw ``u`` per row.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_classes)
        Class probabilities of the test samples, float32 or float64, each row
        summing to 1. The sums are not checked, because coverage holds for any
        scores, but the sets are meaningful only for distributions.
    qhat : float
        Threshold returned by :func:`calibrate_aps` with the same
        ``randomized``.
    randomized : bool, default=False
        Whether to build the randomized sets.
    random_state : int, RandomState instance or None, default=None
        Seed or generator of the uniform draws, used only when ``randomized``
        is True. The draws must be independent of those made in calibration,
        so do not pass the seed that :func:`calibrate_aps` used.

    Returns
    -------
    indicator : csr_matrix of shape (n_samples, n_classes) and dtype int64
        1 for the classes in each sample's set, in the column order of ``P``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabel._conformal import aps_sets
    >>> P = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    >>> aps_sets(P, 0.75).toarray()
    array([[1, 1, 0],
           [0, 0, 1]])
    """
    P = _check_score_matrix(P, probabilities=True)
    qhat = _check_qhat(qhat)
    uniform = _uniform_draws(len(P), randomized, random_state)

    def chunk_masks():
        for start, stop in _row_chunks(*P.shape):
            chunk = P[start:stop]
            draws = None if uniform is None else uniform[start:stop]
            order, position_scores = _aps_position_scores(chunk, draws)
            in_set = position_scores <= qhat
            if draws is None:
                in_set |= _mass_above(position_scores) < qhat
            mask = np.zeros(chunk.shape, dtype=bool)
            np.put_along_axis(mask, order, in_set, axis=1)
            yield mask

    return _csr_from_row_masks(chunk_masks(), P.shape)


def _aps_position_scores(chunk, uniform):
    """Return the class order of each row and the APS score at each rank.

    ``order[i, r]`` is the column ranked ``r``-th in row ``i`` by decreasing
    probability, with the lower column first among equal probabilities.
    ``scores[i, r]`` is the mass of the classes ranked ``0, ..., r``, or, when
    ``uniform`` is given, the mass ranked ``0, ..., r - 1`` plus
    ``uniform[i]`` times the probability at rank ``r``. Calibration and test
    sets both use this function, so equal rows get bit-identical scores.
    """
    order = np.argsort(-chunk, axis=1, kind="stable")
    descending = np.take_along_axis(chunk, order, axis=1).astype(np.float64)
    cumulative = np.cumsum(descending, axis=1)
    if uniform is None:
        return order, cumulative
    return order, _mass_above(cumulative) + uniform[:, np.newaxis] * descending


def _mass_above(cumulative):
    """Return the mass ranked strictly above each rank, given the inclusive one.

    Shifting the cumulative sums by one rank gives the same float64 values as
    the inclusive sums of the rank before, with no subtraction.
    """
    above = np.zeros_like(cumulative)
    above[:, 1:] = cumulative[:, :-1]
    return above


def _conformal_quantile(scores, alpha):
    """Return the ``ceil((n + 1)(1 - alpha))``-th smallest score, or inf.

    ``numpy.quantile(scores, level, method="higher")`` with
    ``level = ceil((n + 1)(1 - alpha)) / n`` is not used, because it
    interpolates on ``(n - 1) * level`` and returns the next larger score
    whenever the rank is below ``n``, which loosens the upper coverage bound.
    """
    n = len(scores)
    rank = math.ceil((n + 1) * (1 - alpha))
    if rank > n:
        return math.inf
    return float(np.partition(scores, rank - 1)[rank - 1])


def _too_few_samples_message(n_samples, alpha):
    """Return the warning text for a calibration set too small for ``alpha``."""
    rank = math.ceil((n_samples + 1) * (1 - alpha))
    return (
        f"The calibration set has {n_samples} samples, too few for "
        f"alpha={alpha}. The conformal quantile needs the score of rank "
        f"ceil((n + 1)(1 - alpha)) = {rank}, so qhat is inf and every prediction "
        f"set contains every class. Use at least {_min_calibration_size(alpha)} "
        "calibration samples or a larger alpha."
    )


def _min_calibration_size(alpha):
    """Return the smallest ``n`` with ``ceil((n + 1)(1 - alpha)) <= n``."""
    n = max(1, math.floor(1 / alpha) - 1)
    while math.ceil((n + 1) * (1 - alpha)) > n:
        n += 1
    return n


def _uniform_draws(n_samples, randomized, random_state):
    """Return one uniform draw in [0, 1) per sample, or None if not randomized.

    All draws are made at once, so they do not depend on the chunk size.
    """
    if not isinstance(randomized, (bool, np.bool_)):
        raise TypeError(
            f"randomized must be True or False, got {randomized!r}. Pass a bool."
        )
    if not randomized:
        return None
    return check_random_state(random_state).uniform(size=n_samples)


def _check_calibration(P_cal, y_cal_index):
    """Return the checked calibration probabilities and class indices."""
    P_cal = _check_score_matrix(P_cal, probabilities=True, name="P_cal")
    n_samples, n_classes = P_cal.shape
    if n_samples == 0:
        raise ValueError(
            "P_cal has no samples. Pass at least one calibration sample, and "
            "enough of them for alpha (about 1 / alpha)."
        )

    y_cal_index = np.asarray(y_cal_index)
    if y_cal_index.dtype == bool or not np.issubdtype(y_cal_index.dtype, np.integer):
        raise TypeError(
            "y_cal_index must contain integer column indices, got dtype "
            f"{y_cal_index.dtype}. Map class names to their column in P_cal, "
            "for example with np.searchsorted(classes, y)."
        )
    if y_cal_index.shape != (n_samples,):
        raise ValueError(
            f"y_cal_index has shape {y_cal_index.shape}, but P_cal has "
            f"{n_samples} rows. Pass one true class index per calibration sample."
        )
    out_of_range = (y_cal_index < 0) | (y_cal_index >= n_classes)
    if out_of_range.any():
        bad = y_cal_index[out_of_range][0]
        raise ValueError(
            f"y_cal_index contains {bad}, outside the {n_classes} columns of "
            f"P_cal (valid indices are 0 to {n_classes - 1}). Pass the column "
            "index of each true class."
        )
    return P_cal, y_cal_index


def _check_alpha(alpha):
    """Return ``alpha`` as a float, or raise unless it is in (0, 1)."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(
            f"alpha must be a real number, got {alpha!r} of type "
            f"{type(alpha).__name__}. Pass a miscoverage rate such as 0.1."
        )
    if not 0 < alpha < 1:
        raise ValueError(
            f"alpha must be in (0, 1), got {alpha}. Pass a miscoverage rate "
            "such as 0.1 for sets that cover the true class 90% of the time."
        )
    return float(alpha)


def _check_qhat(qhat):
    """Return ``qhat`` as a float, or raise if it is not a number."""
    if isinstance(qhat, bool) or not isinstance(qhat, numbers.Real):
        raise TypeError(
            f"qhat must be a real number, got {qhat!r} of type "
            f"{type(qhat).__name__}. Pass the value returned by the "
            "calibration function."
        )
    if math.isnan(qhat):
        raise ValueError(
            "qhat is NaN. Pass the value returned by the calibration function."
        )
    return float(qhat)
