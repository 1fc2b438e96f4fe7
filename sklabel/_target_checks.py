"""Warnings for validation data that decodes, but probably not as meant.

Two mistakes pass every input check and give silently wrong labels. The
first is score columns in another order than ``classes_``, for example from
a model trained on integer targets whose names sort the other way. The
second is a one-hot multi-class target such as Keras's ``to_categorical``
output, which reads as multi-label.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

from .exceptions import ProblemInferenceWarning, ScoreOrderWarning

# A binary model whose ROC AUC on its own validation data is below this is
# far worse than chance: much more likely scored for the other class.
SWAPPED_AUC = 0.3


# The warnings point at the caller of ProbabilityDecoder.fit: above this
# module are the decoder's check, fit, and scikit-learn's _fit_context wrapper.
_STACKLEVEL = 5


def warn_if_binary_scores_swapped(column, indicator, classes, sample_weight):
    """Warn when the score of classes_[1] ranks its own samples last."""
    positive = indicator[:, 1].toarray().ravel()
    if positive.min() == positive.max():
        return
    auc = roc_auc_score(positive, column, sample_weight=sample_weight)
    if auc < SWAPPED_AUC:
        negative, positive_name = np.asarray(classes).tolist()
        warnings.warn(
            f"The scores are read as the score of classes_[1] "
            f"({positive_name!r}), but on the validation data they rank "
            f"{positive_name!r} samples below {negative!r} ones (ROC AUC "
            f"{auc:.3f}). They are probably the score of {negative!r}: check "
            "that the model and the decoder order the classes the same way, "
            "for example by passing classes=[...] in the model's classes_ "
            "order.",
            ScoreOrderWarning,
            stacklevel=_STACKLEVEL,
        )


def warn_if_multiclass_scores_swapped(index, indicator, classes):
    """Warn when the arg-max is right less often than half of chance."""
    accuracy = float(np.mean(index == indicator.indices))
    n_classes = len(classes)
    if accuracy < 0.5 / n_classes:
        warnings.warn(
            f"The arg-max of the validation scores matches y on {accuracy:.1%} "
            f"of the samples, below half of chance for {n_classes} classes. "
            "The score columns are probably in another order than classes_ "
            f"({np.asarray(classes)[:10].tolist()}): pass classes=[...] in "
            "the model's classes_ order.",
            ScoreOrderWarning,
            stacklevel=_STACKLEVEL,
        )


def warn_if_one_label_per_row(indicator):
    """Warn when an indicator target has exactly one label in every row."""
    if indicator.shape[0] < 2:
        return
    if sp.issparse(indicator):
        counts = np.diff(indicator.indptr)
    else:
        counts = np.count_nonzero(indicator, axis=1)
    if (counts == 1).all():
        warnings.warn(
            "y is a 0/1 indicator matrix with exactly one label in every row, "
            "as a one-hot multi-class target is, but problem='auto' reads an "
            "indicator as multi-label, so rows may get no label or several. "
            "Pass problem='multiclass' for one-hot targets (Keras "
            "to_categorical output, say), or problem='multilabel' to silence "
            "this warning.",
            ProblemInferenceWarning,
            stacklevel=_STACKLEVEL,
        )
