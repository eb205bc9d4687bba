"""Timing on a shared, noisy machine: interleave what is compared, repeat, keep medians.

Two things compared are run in pairs (A B, then B A, ...) so that a burst of load from elsewhere
hits both; the figure is the median over pairs. The first pair is a warm-up and is discarded.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence

# The smallest difference a comparison of two queries takes as real: 10% of the baseline or
# 0.05 ms, whichever is larger (below that, client round trips and timer noise dominate).
RELATIVE_SLACK = 0.10
ABSOLUTE_SLACK_MS = 0.05


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed_ms(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000


def rounds_for(estimate_ms: float, budget_ms: float, least: int, most: int) -> int:
    """Enough rounds that a query's repetitions add up to `budget_ms` (short queries are noisier,
    so they get more), within [least, most]."""
    return max(least, min(most, math.ceil(budget_ms / max(estimate_ms, 1e-3))))


def paired(a: Callable[[], object], b: Callable[[], object], rounds: int) -> tuple[list[float], list[float]]:
    """`rounds` timings of each, alternating which goes first; one warm-up pair discarded."""
    times_a: list[float] = []
    times_b: list[float] = []
    for i in range(rounds + 1):
        if i % 2:
            tb, ta = timed_ms(b), timed_ms(a)
        else:
            ta, tb = timed_ms(a), timed_ms(b)
        if i:
            times_a.append(ta)
            times_b.append(tb)
    return times_a, times_b


def at_or_below(ours_ms: float, baseline_ms: float) -> bool:
    """Ours is no slower than the baseline beyond the fixed slack."""
    return ours_ms <= baseline_ms + max(RELATIVE_SLACK * baseline_ms, ABSOLUTE_SLACK_MS)
