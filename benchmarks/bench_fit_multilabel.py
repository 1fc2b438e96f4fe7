"""Time and memory of the exact per-class threshold search on a large matrix.

Measures, side by side in one run, on a float32 score matrix ``P`` of
100,000 rows and 1,000 classes (uniform scores, labels drawn with
probability equal to the score):

- ``np.argsort(P, axis=0)``, one sort of every column, as the unit of time;
- ``sklabel._search.search_thresholds(Y, P, "f1")``, the exact search of the
  best F1 cut of every class;
- ``ProbabilityDecoder(objective="f1").fit(P, Y)``, the same search behind
  the estimator, with its input checks and fallbacks.

It prints the times, their ratios to the sort (target: at most 1.5) and the
tracemalloc peaks divided by ``P.nbytes`` (target: under 1).
Every timing is the fastest of ``--rounds`` rounds, and the two methods take
turns within a round, so that load on a shared machine affects them alike.
``--profile`` also reports which share of the search time the column sorts
take, from a cProfile run on the first 100 classes.

Run from the repository root::

    python benchmarks/bench_fit_multilabel.py            # 100,000 x 1,000
    python benchmarks/bench_fit_multilabel.py --quick    # 10,000 x 100 smoke run
    python benchmarks/bench_fit_multilabel.py --profile
"""

import argparse
import cProfile
import pstats

import numpy as np
from _measure import fastest_times, peak_memory

from sklabel import ProbabilityDecoder
from sklabel._search import search_thresholds


def make_problem(n_samples, n_classes, seed=0):
    """Return float32 scores and a uint8 indicator drawn from them."""
    rng = np.random.default_rng(seed)
    scores = rng.random((n_samples, n_classes), dtype=np.float32)
    labels = (rng.random((n_samples, n_classes), dtype=np.float32) < scores)
    return scores, labels.astype(np.uint8)




def sort_share(scores, labels, n_classes=100):
    """Return the share of the search time spent in ``ndarray.sort`` calls."""
    profile = cProfile.Profile()
    profile.runcall(search_thresholds, labels[:, :n_classes], scores[:, :n_classes],
                    "f1")
    stats = pstats.Stats(profile)
    total = stats.total_tt
    sort_time = sum(
        row[2] for key, row in stats.stats.items()
        if key[2] == "<method 'sort' of 'numpy.ndarray' objects>"
    )
    return sort_time / total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="run on 10,000 x 100 scores, to check that it works")
    parser.add_argument("--rounds", type=int, default=2,
                        help="number of timing rounds (the fastest is kept)")
    parser.add_argument("--profile", action="store_true",
                        help="also report the share of the search time in sorts")
    args = parser.parse_args()

    n_samples, n_classes = (10_000, 100) if args.quick else (100_000, 1_000)
    scores, labels = make_problem(n_samples, n_classes)
    print(f"scores: {n_samples:,} x {n_classes:,} float32 "
          f"({scores.nbytes / 2**20:.0f} MiB)")

    decoder = ProbabilityDecoder(
        classes=np.arange(n_classes),
        problem="multilabel",
        scores="probabilities",
        objective="f1",
    )
    times = fastest_times(
        {
            "argsort": lambda: np.argsort(scores, axis=0),
            "search": lambda: search_thresholds(labels, scores, "f1"),
            "decoder": lambda: decoder.fit(scores, labels),
        },
        args.rounds,
    )
    peak = peak_memory(lambda: search_thresholds(labels, scores, "f1"))
    decoder_peak = peak_memory(lambda: decoder.fit(scores, labels))

    print(f"np.argsort(P, axis=0):   {times['argsort']:8.2f} s")
    print(f"search_thresholds (F1):  {times['search']:8.2f} s")
    print(f"time ratio search / argsort: {times['search'] / times['argsort']:.3f} "
          "(target <= 1.5)")
    print(f"peak memory / P.nbytes:      {peak / scores.nbytes:.3f} (target < 1)")
    print(f"ProbabilityDecoder.fit (F1): {times['decoder']:8.2f} s")
    print(f"time ratio decoder fit / argsort: "
          f"{times['decoder'] / times['argsort']:.3f} (target <= 1.5)")
    print(f"decoder fit peak memory / P.nbytes: "
          f"{decoder_peak / scores.nbytes:.3f} (target < 1)")
    if args.quick:
        print("The targets apply to the full size. The memory budget of a block "
              "is fixed, so on a small matrix it exceeds P.nbytes.")
    if args.profile:
        share = sort_share(scores, labels)
        print(f"share of the search time in column sorts: {share:.0%}")


if __name__ == "__main__":
    main()
