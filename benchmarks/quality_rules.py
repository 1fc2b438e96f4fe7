"""Decision-rule quality on real data: rules chosen on training data only.

Multi-label (yeast, emotions from the benchmark data folder): a
one-vs-rest ``LogisticRegression`` on standardised features gives 5-fold
out-of-fold scores on the training split (``KFold(5, shuffle=True,
random_state=0)``). Every rule is fitted on those scores only, and
the model is refitted on the whole training split. The table reports the
test split's samples-F1 and macro-F1 for the 0.5 cut, learned per-class
thresholds, "at least one label", expected-F1 decoding, and ``rule="auto"``
chosen for each average.

Multi-class (``load_digits``, ``load_wine``): conformal LAC and APS sets over
20 random train/calibration/test splits, with mean coverage and set size for
alpha 0.05, 0.1 and 0.2; the reject rule's accuracy on accepted rows at 90%
coverage; and top-2 accuracy.

Run from the repository root::

    python benchmarks/quality_rules.py [--data-dir DIR] [--quick]
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold, cross_val_predict, train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabel import ProbabilityDecoder
from sklabel.exceptions import SklabelWarning

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
ALPHAS = (0.05, 0.1, 0.2)


def multilabel_scores(path):
    data = np.load(path, allow_pickle=False)
    model = make_pipeline(
        StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=1000))
    )
    folds = KFold(n_splits=5, shuffle=True, random_state=0)
    oof = cross_val_predict(
        model, data["X_train"], data["Y_train"], cv=folds, method="predict_proba"
    )
    test = model.fit(data["X_train"], data["Y_train"]).predict_proba(data["X_test"])
    return oof, data["Y_train"], test, data["Y_test"]


def multilabel_rows(oof, Y_train, test, Y_test):
    n_classes = Y_train.shape[1]
    candidates = {
        "0.5 cut": ProbabilityDecoder(problem="multilabel", classes=range(n_classes)),
        "per-class F1 thresholds": ProbabilityDecoder(objective="f1"),
        "per-class thresholds + at least one": ProbabilityDecoder(
            objective="f1", min_labels=1
        ),
        "expected F1": ProbabilityDecoder(rule="expected_f1"),
        "auto (samples F1)": ProbabilityDecoder(rule="auto", average="samples"),
        "auto (macro F1)": ProbabilityDecoder(rule="auto", average="macro"),
    }
    rows = []
    for name, decoder in candidates.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SklabelWarning)
            decoder.fit(oof, None if name == "0.5 cut" else Y_train)
        predicted = decoder.transform(test)
        samples = f1_score(Y_test, predicted, average="samples", zero_division=1.0)
        macro = f1_score(Y_test, predicted, average="macro", zero_division=0.0)
        chosen = ""
        if decoder.rule == "auto":
            chosen = max(decoder.rule_scores_, key=decoder.rule_scores_.get)
        rows.append((name, samples, macro, chosen))
    return rows


def multiclass_conformal(loader, n_splits):
    X, y = loader(return_X_y=True)
    results = {(rule, alpha): [] for rule in ("lac", "aps") for alpha in ALPHAS}
    reject, top2 = [], []
    for split in range(n_splits):
        X_fit, X_rest, y_fit, y_rest = train_test_split(
            X, y, train_size=0.5, stratify=y, random_state=split
        )
        X_cal, X_test, y_cal, y_test = train_test_split(
            X_rest, y_rest, train_size=0.5, stratify=y_rest, random_state=split
        )
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        model.fit(X_fit, y_fit)
        cal, test = model.predict_proba(X_cal), model.predict_proba(X_test)
        for rule, alpha in results:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SklabelWarning)
                decoder = ProbabilityDecoder(rule=rule, alpha=alpha).fit(cal, y_cal)
            sets = decoder.decode(test)
            covered = np.mean([label in labels for label, labels in zip(y_test, sets)])
            size = np.mean([len(labels) for labels in sets])
            results[rule, alpha].append((covered, size))
        rejecting = ProbabilityDecoder(rule="reject", coverage=0.9).fit(cal, y_cal)
        names = rejecting.decode(test)
        accepted = np.array([name is not None for name in names])
        reject.append(
            (accepted.mean(), np.mean(names[accepted].astype(int) == y_test[accepted]))
        )
        top_two = ProbabilityDecoder(rule="top_k", k=2).fit(cal, y_cal).decode(test)
        top2.append(
            np.mean([label in labels for label, labels in zip(y_test, top_two)])
        )
    return results, reject, top2


def print_multilabel(name, rows):
    print(f"\n{name}: test split, rules fitted on out-of-fold training scores")
    print("| rule | samples-F1 | macro-F1 | auto's choice |")
    print("| --- | ---: | ---: | --- |")
    for rule, samples, macro, chosen in rows:
        print(f"| {rule} | {samples:.3f} | {macro:.3f} | {chosen} |")


def print_multiclass(name, results, reject, top2):
    print(f"\n{name}: {len(top2)} random splits (train / calibration / test)")
    print("| rule | alpha | mean coverage | target | mean set size |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for (rule, alpha), values in results.items():
        coverage, size = np.mean(values, axis=0)
        print(f"| {rule} | {alpha} | {coverage:.3f} | {1 - alpha:.2f} | {size:.2f} |")
    accepted, accuracy = np.mean(reject, axis=0)
    print(
        f"reject at 90% calibration coverage: {accepted:.3f} of test rows "
        f"accepted, accuracy on them {accuracy:.3f}"
    )
    print(f"top-2 accuracy: {np.mean(top2):.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--quick", action="store_true", help="3 multi-class splits instead of 20"
    )
    args = parser.parse_args()
    start = time.perf_counter()

    for name in ("yeast", "emotions"):
        path = args.data_dir / f"{name}.npz"
        if not path.exists():
            print(f"\n{name}: skipped, {path} not found")
            continue
        print_multilabel(name, multilabel_rows(*multilabel_scores(path)))

    n_splits = 3 if args.quick else 20
    for name, loader in (("digits", load_digits), ("wine", load_wine)):
        print_multiclass(name, *multiclass_conformal(loader, n_splits))
    print(f"\ntotal time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
