"""Timing and memory helpers shared by the benchmark scripts.

The scripts run as ``python benchmarks/<name>.py``, which puts this folder on
``sys.path``, so they import it as ``_measure``.
"""

import time
import tracemalloc

import numpy as np


def fastest_times(functions, rounds):
    """Return the fastest time of each function, running them in turns.

    Taking turns within a round exposes every function to the same load on a
    shared machine, so their ratios stay meaningful when the seconds do not.
    """
    best = dict.fromkeys(functions, np.inf)
    for _ in range(rounds):
        for name, function in functions.items():
            start = time.perf_counter()
            result = function()
            best[name] = min(best[name], time.perf_counter() - start)
            del result
    return best


def peak_memory(function):
    """Return the tracemalloc peak, in bytes, of one call of ``function``."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak
