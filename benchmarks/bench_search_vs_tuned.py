"""Speed and exactness of find_thresholds against TunedThresholdClassifierCV.

Measures two methods side by side in one run, on 1,000,000 binary
validation scores from a realistic score model. 30% of the samples are
positive. The decision score of a negative is drawn from N(0, 1) and that
of a positive from N(1.5, 1), so that the classes overlap. The methods are:

- ``sklabel.find_thresholds(y, scores, objective="f1", scores="logits")``,
  the exact search over every distinct score;
- scikit-learn's ``TunedThresholdClassifierCV(scoring="f1")``, wrapping a
  ``FrozenEstimator`` whose ``decision_function`` returns the precomputed
  score of each row (the features are the row indices). scikit-learn 1.9
  tunes a frozen model with one split whose training and validation parts
  are both the whole data, and ``refit=False``.

It prints both times and their ratio (target: sklabel at least 50 times
faster), and the validation F1 of both thresholds (target: sklabel's at
least scikit-learn's). It then replaces 10 scores by -1000 or +1000.
sklabel's F1 still equals the brute-force optimum over every distinct score,
computed with ``sklearn.metrics.confusion_matrix_at_thresholds``. The
outliers stretch scikit-learn's grid of 100 thresholds between the minimum
and the maximum score, so it misses that optimum.

Run from the repository root::

    python benchmarks/bench_search_vs_tuned.py            # 1,000,000 scores
    python benchmarks/bench_search_vs_tuned.py --quick    # 100,000 scores
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import confusion_matrix_at_thresholds, f1_score
from sklearn.model_selection import TunedThresholdClassifierCV

from sklabel._find_thresholds import find_thresholds


class PrecomputedScores(ClassifierMixin, BaseEstimator):
    """Classifier whose decision score for row ``i`` is ``scores[i]``.

    ``X`` contains the row index in its only column.
    """

    def __init__(self, scores=None):
        self.scores = scores

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def decision_function(self, X):
        return self.scores[np.asarray(X)[:, 0].astype(np.intp)]


def make_scores(n_samples, seed=0):
    """Return labels and decision scores from two overlapping normals."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n_samples) < 0.3).astype(np.int64)
    scores = rng.normal(size=n_samples) + 1.5 * y
    return y, scores


def sklabel_threshold(y, scores):
    result = find_thresholds(y, scores, objective="f1", scores="logits")
    return result.score_thresholds[0]


def sklearn_threshold(y, scores):
    rows = np.arange(y.size)
    frozen = FrozenEstimator(PrecomputedScores(scores).fit(rows[:, None], y))
    tuned = TunedThresholdClassifierCV(
        frozen, scoring="f1", response_method="decision_function",
        cv=[(rows, rows)], refit=False,
    )
    tuned.fit(rows[:, None], y)
    return tuned.best_threshold_


def brute_force_f1(y, scores):
    """Return the best F1 over every distinct score, by an independent count."""
    _, fps, fns, tps, _ = confusion_matrix_at_thresholds(y, scores)
    return float(np.max(2 * tps / (2 * tps + fps + fns)))


def f1_at(y, scores, threshold):
    return f1_score(y, scores >= threshold)


def time_both(y, scores, rounds):
    """Return the fastest time and the threshold of each method, in turns."""
    methods = {"sklabel": sklabel_threshold, "scikit-learn": sklearn_threshold}
    best = dict.fromkeys(methods, np.inf)
    thresholds = {}
    for _ in range(rounds):
        for name, method in methods.items():
            start = time.perf_counter()
            thresholds[name] = method(y, scores)
            best[name] = min(best[name], time.perf_counter() - start)
    return best, thresholds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="run on 100,000 scores, to check that it works")
    parser.add_argument("--rounds", type=int, default=2,
                        help="number of timing rounds (the fastest is kept)")
    args = parser.parse_args()

    n_samples = 100_000 if args.quick else 1_000_000
    y, scores = make_scores(n_samples)
    print(f"{n_samples:,} binary validation scores, {y.mean():.0%} positive")

    times, thresholds = time_both(y, scores, args.rounds)
    ours = f1_at(y, scores, thresholds["sklabel"])
    theirs = f1_at(y, scores, thresholds["scikit-learn"])
    ours_time, theirs_time = times["sklabel"], times["scikit-learn"]
    print(f"find_thresholds:            {ours_time:8.3f} s, F1 {ours:.6f}")
    print(f"TunedThresholdClassifierCV: {theirs_time:8.3f} s, F1 {theirs:.6f}")
    print(f"speed ratio: {theirs_time / ours_time:.0f}x (target >= 50)")
    print(f"F1 sklabel - scikit-learn: {ours - theirs:+.2e} (target >= 0)")

    # Ten outliers stretch scikit-learn's grid of 100 thresholds.
    rng = np.random.default_rng(1)
    outliers = rng.choice(n_samples, 10, replace=False)
    scores = scores.copy()
    scores[outliers] = np.where(np.arange(10) % 2 == 0, -1000.0, 1000.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = f1_at(y, scores, sklabel_threshold(y, scores))
        theirs = f1_at(y, scores, sklearn_threshold(y, scores))
    optimum = brute_force_f1(y, scores)
    print("with 10 scores replaced by -1000 or +1000:")
    print(f"  brute-force best F1:        {optimum:.6f}")
    print(f"  find_thresholds F1:         {ours:.6f} "
          f"(difference {ours - optimum:+.1e})")
    print(f"  TunedThresholdClassifierCV: {theirs:.6f}")


if __name__ == "__main__":
    main()
