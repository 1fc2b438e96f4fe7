"""Time DecodedClassifier.fit against the scikit-learn steps it is made of.

``DecodedClassifier(estimator, cv=5).fit(X, y)`` runs
``cross_val_predict`` for out-of-fold scores, fits a decoder on them, and
refits the estimator on all the data. This script times that call against
the same work written by hand, ``cross_val_predict(estimator, X, y, cv=5,
method="predict_proba")`` followed by ``clone(estimator).fit(X, y)``, on
synthetic binary, multi-class and multi-label data. The two are timed
alternately in one run, several times each, and the script prints the
median time of each and their ratio. A ratio near 1 means the decoder and
the target handling add little to the estimator's own cost (target: at most
1.2).

Both wall-clock time and the CPU time of this process are reported. On a
shared machine the CPU time is the steadier of the two, because it does not
count the time that other processes hold the cores. It is the right measure
only while everything runs in this process on one thread, so run with
``OPENBLAS_NUM_THREADS=1`` (the script fits with ``n_jobs=None``).

Run from the repository root::

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_classifier_fit.py
    python benchmarks/bench_classifier_fit.py --quick   # small smoke run
"""

import argparse
import statistics
import time
import warnings

from sklearn.base import clone
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier

from sklabel._classifier import DecodedClassifier

N_FOLDS = 5


def make_cases(n_samples, seed):
    """Return (name, estimator, X, y, splitter) for each kind of target."""
    X_binary, y_binary = make_classification(
        n_samples=n_samples, n_features=20, n_informative=10, random_state=seed
    )
    X_multi, y_multi = make_classification(
        n_samples=n_samples, n_features=20, n_informative=10, n_classes=5,
        random_state=seed,
    )
    X_label, Y_label = make_multilabel_classification(
        n_samples=n_samples, n_features=20, n_classes=10, random_state=seed
    )
    stratified = StratifiedKFold(N_FOLDS)
    return [
        ("binary", LogisticRegression(), X_binary, y_binary, stratified),
        ("multiclass", LogisticRegression(), X_multi, y_multi, stratified),
        (
            "multilabel",
            OneVsRestClassifier(LogisticRegression()),
            X_label,
            Y_label,
            KFold(N_FOLDS),
        ),
    ]


def fit_decoded(estimator, X, y, splitter):
    DecodedClassifier(estimator, cv=splitter).fit(X, y)


def fit_by_hand(estimator, X, y, splitter):
    cross_val_predict(clone(estimator), X, y, cv=splitter, method="predict_proba")
    clone(estimator).fit(X, y)


def timed(function, *args):
    """Return the (wall-clock, CPU) seconds that ``function(*args)`` took."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def run_case(name, estimator, X, y, splitter, repeats):
    decoded, by_hand = [], []
    for _ in range(repeats):
        decoded.append(timed(fit_decoded, estimator, X, y, splitter))
        by_hand.append(timed(fit_by_hand, estimator, X, y, splitter))
    row = f"{name:<11} {X.shape[0]:>8}"
    for column in (0, 1):
        decoded_median = statistics.median(times[column] for times in decoded)
        by_hand_median = statistics.median(times[column] for times in by_hand)
        row += (
            f" {decoded_median:>9.3f} {by_hand_median:>9.3f} "
            f"{decoded_median / by_hand_median:>6.2f}"
        )
    print(row)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true",
        help="run on 2,000 samples with 2 repeats, as a smoke test",
    )
    parser.add_argument(
        "--samples", type=int, default=20_000,
        help="number of samples per data set (default: 20000)",
    )
    parser.add_argument(
        "--repeats", type=int, default=5,
        help="timed runs of each method per case (default: 5)",
    )
    args = parser.parse_args()
    n_samples = 2_000 if args.quick else args.samples
    repeats = 2 if args.quick else args.repeats

    # LogisticRegression may stop at max_iter on these data; that costs the
    # same in both methods, so the warning is noise here.
    warnings.filterwarnings("ignore", message=".*failed to converge.*")
    print(f"{N_FOLDS}-fold fit, median of {repeats} alternating runs (seconds)")
    print(f"{'':<20} {'wall-clock':^26} {'CPU of this process':^26}")
    header = f"{'Decoded':>9} {'by hand':>9} {'ratio':>6}"
    print(f"{'target':<11} {'samples':>8} {header} {header}")
    for case in make_cases(n_samples, seed=0):
        run_case(*case, repeats=repeats)


if __name__ == "__main__":
    main()
