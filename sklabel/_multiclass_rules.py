"""Multi-class decision rules beyond the plain arg-max: reject and cost.

Every function takes an ``(n_samples, n_classes)`` score matrix in its own
units and returns column indices, plus a mask of accepted rows where rows can
be rejected.
"""

import numpy as np
from scipy.special import logsumexp

from ._link import round_up_to_dtype


def top_probability_accepted(matrix, score_type, reject_threshold):
    """Return the mask of rows whose top probability is ``>=`` the threshold.

    For probabilities the row maximum is compared directly. For logits the
    top softmax probability is ``exp(max(z) - logsumexp(z))``, so the row is
    compared in log space as ``max(z) - logsumexp(z) >= log(threshold)``,
    with no softmax over the matrix.
    """
    top = matrix.max(axis=1)
    if score_type == "probabilities":
        cut = round_up_to_dtype(np.asarray([reject_threshold]), matrix.dtype)[0]
        return top >= cut
    # Shift by the row maximum first: max(z) - logsumexp(z) computed directly
    # rounds to 0 when the logits are huge (1e17 and above) and tied.
    with np.errstate(over="ignore", invalid="ignore"):
        shifted = matrix - top[:, None]
    log_top = -logsumexp(shifted, axis=1)
    with np.errstate(divide="ignore"):
        return log_top >= np.log(reject_threshold)


def min_expected_cost_index(probabilities, cost_matrix):
    """Return each row's class of lowest expected cost.

    ``cost_matrix[i, j]`` is the cost of predicting class ``j`` when the true
    class is ``i``, so the expected cost of predicting ``j`` is
    ``sum_i p_i * cost_matrix[i, j]``. Ties go to the first class.
    """
    expected_cost = probabilities @ cost_matrix
    return np.argmin(expected_cost, axis=1)


def check_cost_matrix(cost_matrix, n_classes):
    """Validate a square, finite cost matrix and return it as float64."""
    matrix = np.asarray(cost_matrix, dtype=np.float64)
    if matrix.shape != (n_classes, n_classes):
        raise ValueError(
            f"cost_matrix has shape {matrix.shape}, but there are {n_classes} "
            f"classes; pass an ({n_classes}, {n_classes}) matrix whose entry "
            "[i, j] is the cost of predicting class j when the truth is i."
        )
    if not np.isfinite(matrix).all():
        raise ValueError(
            "cost_matrix contains NaN or infinite costs; use finite costs."
        )
    return matrix
