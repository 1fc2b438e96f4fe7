"""Time and memory of decoding and fitting thresholds on sparse (CSR) scores.

Decoding: on a float32 CSR score matrix of 1,000,000 rows and 100,000
classes with 20 stored scores per row (absent entries mean "not scored"),
measures side by side in one run

- ``S.data.sum()``, one read of the stored scores, as the unit of time;
- the one-line baseline ``S.data >= thresholds[S.indices]`` turned into a CSR
  matrix with ``eliminate_zeros``;
- ``sparse_threshold_indicator`` alone, with ``min_labels=1, max_labels=5``,
  and ``sparse_top_k_indicator`` with ``k=5``;

and prints each time, its ratio to the unit and to the baseline, and the
tracemalloc peak of each call divided by the stored bytes
(``S.data.nbytes + S.indices.nbytes``).

Fitting: on 200,000 rows and 1,000 classes with 10 stored scores per row,
times ``search_thresholds_sparse`` against ``search_thresholds`` on the same
scores densified (absent entries set below every stored score), and prints
the time per class and both peaks.

Run from the repository root::

    python benchmarks/bench_sparse_scores.py           # full size
    python benchmarks/bench_sparse_scores.py --quick   # a tenth of the rows
"""

import argparse

import numpy as np
import scipy.sparse as sp
from _measure import fastest_times, peak_memory

from sklabel._search import search_thresholds
from sklabel._sparse_scores import (
    search_thresholds_sparse,
    sparse_threshold_indicator,
    sparse_top_k_indicator,
)


def make_sparse_scores(n_samples, n_classes, per_row, seed=0):
    """Return float32 CSR scores with ``per_row`` distinct sorted columns a row."""
    rng = np.random.default_rng(seed)
    band = n_classes // per_row
    columns = rng.integers(0, band, size=(n_samples, per_row), dtype=np.int32)
    columns += np.arange(per_row, dtype=np.int32) * band
    return sp.csr_matrix(
        (
            rng.random(n_samples * per_row, dtype=np.float32),
            columns.ravel(),
            np.arange(0, n_samples * per_row + 1, per_row),
        ),
        shape=(n_samples, n_classes),
    )




def baseline_threshold(scores, thresholds):
    positive = (scores.data >= thresholds[scores.indices]).astype(np.int64)
    # eliminate_zeros works in place, so the index arrays are copied to leave
    # the scores' own arrays intact.
    indicator = sp.csr_matrix(
        (positive, scores.indices.copy(), scores.indptr.copy()), shape=scores.shape
    )
    indicator.eliminate_zeros()
    return indicator


def bench_decoding(n_samples, repeats):
    scores = make_sparse_scores(n_samples, 100_000, 20)
    thresholds = np.full(scores.shape[1], 0.9, dtype=np.float32)
    stored_bytes = scores.data.nbytes + scores.indices.nbytes
    functions = {
        "S.data.sum()": scores.data.sum,
        "baseline data >= t": lambda: baseline_threshold(scores, thresholds),
        "threshold": lambda: sparse_threshold_indicator(scores, thresholds),
        "threshold, min 1, max 5": lambda: sparse_threshold_indicator(
            scores, thresholds, min_labels=1, max_labels=5
        ),
        "top-k, k=5": lambda: sparse_top_k_indicator(scores, 5),
    }
    expected = baseline_threshold(scores, thresholds)
    assert (functions["threshold"]() != expected).nnz == 0

    times = fastest_times(functions, repeats)
    unit = times["S.data.sum()"]
    baseline = times["baseline data >= t"]
    print(f"\nDecoding {scores.shape[0]:,} x {scores.shape[1]:,} CSR, "
          f"{scores.nnz:,} stored float32 scores "
          f"({stored_bytes / 2**20:.0f} MiB of data and indices)")
    print(f"{'method':26} {'time (s)':>9} {'/ sum':>7} {'/ baseline':>11} "
          f"{'peak / stored':>14}")
    for name, seconds in times.items():
        peak = peak_memory(functions[name]) / stored_bytes
        print(f"{name:26} {seconds:9.4f} {seconds / unit:7.2f} "
              f"{seconds / baseline:11.3f} {peak:14.3f}")


def bench_search(n_samples, repeats):
    n_classes, per_row = 1_000, 10
    scores = make_sparse_scores(n_samples, n_classes, per_row, seed=1)
    rng = np.random.default_rng(2)
    # Each row is truly positive for the class of its highest stored score
    # with probability 0.8, and for one random class otherwise.
    best_column = scores.indices.reshape(n_samples, per_row)[
        np.arange(n_samples), scores.data.reshape(n_samples, per_row).argmax(axis=1)
    ]
    random_column = rng.integers(0, n_classes, size=n_samples)
    true_column = np.where(rng.random(n_samples) < 0.8, best_column, random_column)
    truth = sp.csr_matrix(
        (np.ones(n_samples, dtype=np.int8), (np.arange(n_samples), true_column)),
        shape=scores.shape,
    )
    dense = scores.toarray()
    dense[dense == 0] = -1.0

    functions = {
        "search_thresholds_sparse": lambda: search_thresholds_sparse(
            truth, scores, "f1"
        ),
        "search_thresholds, dense": lambda: search_thresholds(truth, dense, "f1"),
    }
    times = fastest_times(functions, repeats)
    stored_bytes = scores.data.nbytes + scores.indices.nbytes
    print(f"\nF1 thresholds on {n_samples:,} x {n_classes:,}, {per_row} stored "
          f"scores per row (dense float32 copy: {dense.nbytes / 2**20:.0f} MiB)")
    print(f"{'method':26} {'time (s)':>9} {'ms / class':>11} {'peak MiB':>9} "
          f"{'peak / stored':>14}")
    for name, seconds in times.items():
        peak = peak_memory(functions[name])
        print(f"{name:26} {seconds:9.3f} {1000 * seconds / n_classes:11.3f} "
              f"{peak / 2**20:9.1f} {peak / stored_bytes:14.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="use a tenth of the rows, as a smoke test")
    parser.add_argument("--repeats", type=int, default=3,
                        help="rounds per method; the fastest counts (default 3)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    bench_decoding(1_000_000 // scale, args.repeats)
    bench_search(200_000 // scale, args.repeats)


if __name__ == "__main__":
    main()
