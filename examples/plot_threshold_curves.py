"""
=============================================
Per-class thresholds on a multi-label dataset
=============================================

A model that scores 14 labels is rarely best cut at 0.5 for all of them:
rare labels get low scores, and a cut at 0.5 misses most of their positives.
This example uses the yeast gene-function dataset (Elisseeff and Weston,
NIPS 2001), in the train and test split published by the MULAN library. It
learns one threshold per label on validation data, draws the F1 score of
each label against its threshold, and compares macro-F1 on the test set
with a cut at 0.5.
"""

# %%
# Load the data
# -------------
# The yeast data ships as a NumPy archive in the ``shared/data`` folder next
# to the repository. It has 1,500 training and 917 test samples, 103 features
# and 14 labels; each gene has 4.2 labels on average.
from pathlib import Path

import numpy as np


def find_yeast():
    """Return the path of yeast.npz, looked up from the working directory."""
    start = Path.cwd().resolve()
    for folder in (start, *start.parents):
        path = folder / "shared" / "data" / "yeast.npz"
        if path.exists():
            return path
    raise FileNotFoundError(
        "yeast.npz was not found in shared/data/ above the working directory; "
        "run this example from the sklabel repository, next to shared/."
    )


data = np.load(find_yeast())
X_train, Y_train = data["X_train"], data["Y_train"]
X_test, Y_test = data["X_test"], data["Y_test"]
label_names = data["label_names"]
print("positives per label in the training set:", Y_train.sum(axis=0))

# %%
# Score a validation set
# ----------------------
# Thresholds must be learned on scores of samples that the model did not
# train on, or they fit the model's over-confidence on its own training
# data. We keep a third of the training set aside for validation, fit one
# logistic regression per label on the rest, and score the validation set.
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

X_fit, X_valid, Y_fit, Y_valid = train_test_split(
    X_train, Y_train, test_size=1 / 3, random_state=0
)
model = make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression()))
model.fit(X_fit, Y_fit)
valid_scores = model.predict_proba(X_valid)

# %%
# Learn one threshold per label
# -----------------------------
# ``objective="f1"`` makes ``fit`` search, for each label, the cut of the
# validation scores with the highest F1. The search is exact: every distinct
# validation score is a candidate.
from sklabel import ProbabilityDecoder

decoder = ProbabilityDecoder(classes=label_names, objective="f1")
decoder.fit(valid_scores, Y_valid)
for name, threshold in zip(label_names, decoder.thresholds_):
    print(f"{name:>8}: threshold {threshold:.3f}")

# %%
# Draw the threshold curves
# -------------------------
# Each panel shows the F1 of one label on the validation set against its
# threshold, with the learned threshold marked. A broad plateau around the
# mark means the threshold is stable. A narrow peak, as for Class9 and
# Class14, which have 23 and 4 positive validation samples, means that the
# threshold rests on those few samples.
from sklabel import ThresholdCurveDisplay

display = ThresholdCurveDisplay.from_decoder(decoder, valid_scores, Y_valid)
display.figure_.suptitle("F1 against the threshold, yeast validation set")

# %%
# Compare with a cut at 0.5 on the test set
# -----------------------------------------
# The test set was used neither to train the model nor to learn the
# thresholds, so this comparison is fair.
from sklearn.metrics import f1_score

test_scores = model.predict_proba(X_test)
fixed = ProbabilityDecoder(classes=label_names, problem="multilabel")
fixed.fit(test_scores[:1])
for name, rule in (("cut at 0.5", fixed), ("learned thresholds", decoder)):
    predicted = rule.transform(test_scores)
    print(f"{name:>18}: macro-F1 {f1_score(Y_test, predicted, average='macro'):.3f}")

# %%
# The learned thresholds are mostly below 0.5, so they predict more labels,
# and the gain in macro-F1 comes from the labels whose scores rarely reach
# 0.5. Learning thresholds on a single split leaves them noisy for rare
# labels; :class:`sklabel.DecodedClassifier` learns them on out-of-fold
# scores of the whole training set instead.
