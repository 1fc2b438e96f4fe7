"""Time and memory of multi-label threshold decoding on a large dense matrix.

Measures, side by side in one run, on a float32 score matrix of 100,000 rows
and 1,000 classes where about 1% of the scores are at or above the threshold:

- ``P.sum()``, one read of the matrix, as the unit of time;
- ``scipy.sparse.csr_matrix(P >= thresholds)``, the obvious way to build the
  indicator;
- ``sklabel._rules.threshold_indicator(P, thresholds)``, the rule alone;
- ``ProbabilityDecoder.transform(P)`` for probabilities and for logits, which
  adds reading and checking the scores to the rule.

It prints each time, the ratios to ``P.sum()`` and to the scipy baseline
(targets: at most 4 and at most 1/3), and the tracemalloc peak of each
decoding call divided by ``P.nbytes`` (target: under 0.25). The same figures
are printed for an F-contiguous copy of the matrix. Every timing is the
fastest of several rounds, and the methods take turns within a round, so
that load on a shared machine affects them alike.

Run from the repository root::

    python benchmarks/bench_transform.py            # 100,000 x 1,000
    python benchmarks/bench_transform.py --quick     # 10,000 x 200 smoke run
    python benchmarks/bench_transform.py --sweep-chunks

``--sweep-chunks`` also times the rule with chunks of 64K to 4M scores, the
measurement behind ``sklabel._rules.CHUNK_ELEMENTS``. ``--fit-memory`` also
prints the tracemalloc peak of ``ProbabilityDecoder(objective="f1").fit`` and
of ``sklabel._search.search_thresholds`` alone, for several numbers of rows
and classes, to show how the memory of learning thresholds grows.
"""

import argparse
from functools import partial

import numpy as np
import scipy.sparse as sp
from _measure import fastest_times, peak_memory
from scipy.special import logit

import sklabel._rules as rules
from sklabel import ProbabilityDecoder
from sklabel._search import search_thresholds

THRESHOLD = 0.5


def make_scores(n_samples, n_classes, positive_rate, seed=0):
    """Return float32 probabilities with ``positive_rate`` of them >= 0.5."""
    rng = np.random.default_rng(seed)
    scores = rng.random((n_samples, n_classes), dtype=np.float32)
    scores *= np.float32(0.5)
    positive = rng.random((n_samples, n_classes)) < positive_rate
    scores[positive] += np.float32(0.5)
    return scores




def decoders_for(scores):
    """Return decoders fitted for probabilities and for logits."""
    n_classes = scores.shape[1]
    classes = [f"class_{index}" for index in range(n_classes)]
    settings = {"classes": classes, "problem": "multilabel", "threshold": THRESHOLD}
    probability_decoder = ProbabilityDecoder(scores="probabilities", **settings)
    logit_decoder = ProbabilityDecoder(scores="logits", **settings)
    first_rows = scores[:2]
    return probability_decoder.fit(first_rows), logit_decoder.fit(first_rows)


def check_same_output(scores, logits, thresholds, decoders):
    """Raise AssertionError unless every method gives the baseline's indicator."""
    expected = sp.csr_matrix(scores >= thresholds)
    outputs = [
        rules.threshold_indicator(scores, thresholds),
        decoders[0].transform(scores),
        decoders[1].transform(logits),
    ]
    for output in outputs:
        assert (output != expected).nnz == 0, "decoding differs from the baseline"


def measure(scores, repeats, label):
    """Print the times, ratios and memory of every method on ``scores``."""
    thresholds = np.full(scores.shape[1], THRESHOLD, dtype=np.float32)
    # float32 logits with the same decisions: logit is increasing and
    # logit(0.5) is 0. Clipping keeps them finite and moves no score across
    # 0.5.
    logits = logit(np.clip(scores, np.float32(1e-6), np.float32(1 - 1e-6)))
    decoders = decoders_for(scores)
    check_same_output(scores, logits, thresholds, decoders)

    functions = {
        "P.sum()": scores.sum,
        "csr_matrix(P >= t)": lambda: sp.csr_matrix(scores >= thresholds),
        "threshold_indicator": lambda: rules.threshold_indicator(scores, thresholds),
        "transform, probabilities": lambda: decoders[0].transform(scores),
        "transform, logits": lambda: decoders[1].transform(logits),
    }
    times = fastest_times(functions, repeats)
    unit = times["P.sum()"]
    baseline = times["csr_matrix(P >= t)"]
    density = rules.threshold_indicator(scores, thresholds).nnz / scores.size

    print(f"\n{label}: {scores.shape[0]:,} x {scores.shape[1]:,} float32, "
          f"{density:.2%} positive, P.nbytes = {scores.nbytes / 2**20:.0f} MiB")
    print(f"{'method':28} {'time (s)':>9} {'/ P.sum()':>10} "
          f"{'/ csr(P>=t)':>12} {'peak / P.nbytes':>16}")
    for name, seconds in times.items():
        memory = ""
        if name not in ("P.sum()", "csr_matrix(P >= t)"):
            memory = f"{peak_memory(functions[name]) / scores.nbytes:16.3f}"
        print(f"{name:28} {seconds:9.4f} {seconds / unit:10.2f} "
              f"{seconds / baseline:12.3f} {memory}")


def sweep_chunks(scores, repeats):
    """Print the time of the rule for several chunk sizes."""
    thresholds = np.full(scores.shape[1], THRESHOLD, dtype=np.float32)
    default = rules.CHUNK_ELEMENTS
    functions = {}
    for elements in (1 << 16, 1 << 18, 1 << 20, 1 << 22):
        rows = max(1, elements // scores.shape[1])
        functions[f"{elements:>9,} scores"] = (
            lambda rows=rows: rules.threshold_indicator(
                scores, thresholds, chunk_size=rows
            )
        )
    times = fastest_times(functions, repeats)
    print(f"\nthreshold_indicator by chunk size (default {default:,} scores):")
    for name, seconds in times.items():
        print(f"  chunks of {name}: {seconds:.4f} s")


def fit_memory():
    """Print the peak memory of learning F1 thresholds at several sizes."""
    rng = np.random.default_rng(1)
    print("\nPeak memory of learning F1 thresholds (float32 scores, 10% positive)")
    print(f"{'rows':>10} {'classes':>8} {'scores MiB':>11} "
          f"{'search_thresholds MiB':>22} {'decoder.fit MiB':>16}")
    for n_samples, n_classes in [(10_000, 20), (100_000, 20), (1_000_000, 20),
                                 (100_000, 200)]:
        scores = rng.random((n_samples, n_classes), dtype=np.float32)
        truth = rng.random((n_samples, n_classes)) < 0.1
        decoder = ProbabilityDecoder(
            classes=[f"class_{index}" for index in range(n_classes)],
            problem="multilabel", scores="probabilities", objective="f1",
        )
        search = peak_memory(partial(search_thresholds, truth, scores, "f1"))
        fit = peak_memory(partial(decoder.fit, scores, truth))
        print(f"{n_samples:>10,} {n_classes:>8,} {scores.nbytes / 2**20:11.1f} "
              f"{search / 2**20:22.1f} {fit / 2**20:16.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="run on a 10,000 x 200 matrix as a smoke test")
    parser.add_argument("--sweep-chunks", action="store_true",
                        help="also time the rule with several chunk sizes")
    parser.add_argument("--fit-memory", action="store_true",
                        help="also print the peak memory of learning thresholds")
    parser.add_argument("--repeats", type=int, default=7,
                        help="rounds per method; the fastest counts (default 7)")
    args = parser.parse_args()

    shape = (10_000, 200) if args.quick else (100_000, 1_000)
    scores = make_scores(*shape, positive_rate=0.01)
    measure(scores, args.repeats, "C-contiguous")
    measure(np.asfortranarray(scores), args.repeats, "F-contiguous")
    if args.sweep_chunks:
        sweep_chunks(scores, args.repeats)
    if args.fit_memory:
        fit_memory()


if __name__ == "__main__":
    main()
