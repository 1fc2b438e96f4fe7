"""Measure the throughput of expected-F1 decoding against a plain 0.5 cut.

For 100 and 1,000 labels, the script builds one matrix of sparse-looking
multi-label probabilities and times, on that same matrix:

- ``expected_f1_indicator(P)``, the exact expected-F1 decoder;
- ``scipy.sparse.csr_matrix(P >= 0.5)``, a plain cut at 0.5, for scale.

Each row has a Poisson(2) number of likely labels with logits drawn from
N(1, 2) and unlikely ones with logits from N(-6, 1.5), so most probabilities
are near 0 but a row's expected number of true labels is several. The two
methods run alternately, and the best of the repeats of each is kept, because
the machine may be shared and noisy. The script prints rows per second of
each method and their ratio.

Run it from the repository root::

    python benchmarks/bench_expected_f1.py           # full run
    python benchmarks/bench_expected_f1.py --quick   # small smoke run
"""

import argparse
import time

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from sklabel._expected_f1 import expected_f1_indicator


def make_probabilities(n_rows, n_labels, rng):
    """Return sparse-looking multi-label probabilities of shape (n_rows, n_labels)."""
    logits = rng.normal(-6.0, 1.5, size=(n_rows, n_labels))
    n_likely = np.minimum(rng.poisson(2.0, size=n_rows), n_labels)
    rows = np.repeat(np.arange(n_rows), n_likely)
    columns = np.concatenate(
        [rng.choice(n_labels, size=count, replace=False) for count in n_likely]
    )
    logits[rows, columns] = rng.normal(1.0, 2.0, size=len(rows))
    return expit(logits)


def time_call(function, P):
    """Return the wall time of one call and its output."""
    start = time.perf_counter()
    output = function(P)
    return time.perf_counter() - start, output


def cut_at_half(P):
    """Return the CSR indicator of ``P >= 0.5``."""
    return sp.csr_matrix(P >= 0.5)


def run(n_labels, n_rows, repeats, rng):
    """Time both methods on one matrix and print rows per second and ratio."""
    P = make_probabilities(n_rows, n_labels, rng)
    f1_times, cut_times = [], []
    for _ in range(repeats):
        f1_time, decoded = time_call(expected_f1_indicator, P)
        cut_time, cut = time_call(cut_at_half, P)
        f1_times.append(f1_time)
        cut_times.append(cut_time)

    f1_rate = n_rows / min(f1_times)
    cut_rate = n_rows / min(cut_times)
    print(
        f"{n_labels:>6} labels, {n_rows:>6} rows: "
        f"expected F1 {f1_rate:>10,.0f} rows/s, 0.5 cut {cut_rate:>10,.0f} rows/s, "
        f"cut / expected F1 = {cut_rate / f1_rate:.1f}; mean set size "
        f"{decoded.sum() / n_rows:.2f} (expected F1) vs {cut.sum() / n_rows:.2f} (cut)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="run a small smoke test with few rows"
    )
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    repeats = 1 if args.quick else 3
    for n_labels, n_rows in ((100, 20_000), (1_000, 4_000)):
        if args.quick:
            n_rows //= 20
        run(n_labels, n_rows, repeats, rng)


if __name__ == "__main__":
    main()
