"""
==========================================
Decode scores into names: a first example
==========================================

A fitted classifier returns scores, not names. This example fits
:class:`~sklearn.linear_model.LogisticRegression` on two datasets bundled with
scikit-learn, gives its ``predict_proba`` scores to
:class:`sklabel.ProbabilityDecoder`, and reads the decoded class names with
scikit-learn's own reports.
"""

# %%
# Binary: breast cancer
# ---------------------
# We train on the class names ("benign", "malignant"), so the model's
# ``classes_`` and the decoder's learned ``classes_`` are the same sorted
# names. ``predict_proba`` returns two columns, and the decoder cuts the second
# one (the score of ``malignant``) at the threshold, 0.5 by default.
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay, classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabel import ProbabilityDecoder

cancer = load_breast_cancer()
names = cancer.target_names[cancer.target]
X_train, X_test, y_train, y_test = train_test_split(
    cancer.data, names, stratify=names, random_state=0
)
model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)

decoder = ProbabilityDecoder().fit(model.predict_proba(X_train), y_train)
decoded = decoder.decode(model.predict_proba(X_test))
print("classes_:", decoder.classes_)
print("first decoded names:", decoded[:6])
print(classification_report(y_test, decoded))

# %%
# Multi-class: wine
# -----------------
# Three cultivars. The decoder learns the sorted class names from ``y``, which
# is the column order of ``predict_proba``, and takes the arg-max of each row.
wine = load_wine()
names = wine.target_names[wine.target]
X_train, X_test, y_train, y_test = train_test_split(
    wine.data, names, stratify=names, random_state=0
)
model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)

decoder = ProbabilityDecoder().fit(model.predict_proba(X_train), y_train)
decoded = decoder.decode(model.predict_proba(X_test))
print("problem_:", decoder.problem_, "| scores_:", decoder.scores_)
print("first decoded names:", decoded[:6])
print(classification_report(y_test, decoded))

# %%
# The confusion matrix, labelled with the decoded names. The same decoder
# reads logits too: ``decision_function`` gives the same names here, because
# the arg-max of the logits is the arg-max of their softmax.
display = ConfusionMatrixDisplay.from_predictions(
    y_test, decoded, labels=decoder.classes_
)
display.ax_.set_title("Wine cultivars, decoded from predict_proba")
print(display.confusion_matrix)
figure_path = "wine_confusion_matrix.png"
plt.savefig(figure_path)
print(f"confusion matrix drawn to {figure_path}")

logit_decoder = ProbabilityDecoder(scores="logits").fit(
    model.decision_function(X_train), y_train
)
same = np.array_equal(logit_decoder.decode(model.decision_function(X_test)), decoded)
print("logits give the same names:", same)
