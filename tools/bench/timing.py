"""Timing on a shared, noisy machine: interleave what is compared, repeat, keep medians.

Two things compared are run in pairs (A B, then B A, ...) so that a burst of load from elsewhere
hits both; the figure is the median over pairs. The first pair is a warm-up and is discarded.
Queries are measured twice: the client's wall time, and the CPU time the PostgreSQL backend spent
on them, which the other jobs of a shared machine do not inflate (they only make it wait).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Cost:
    """One run of a query: the client's wall time and the CPU time of the PostgreSQL backend that
    ran it (parse, plan, execute, send), both in ms. On a shared machine the wall time also
    measures the neighbours; the backend's CPU time is the query's own cost."""

    wall_ms: float
    cpu_ms: float


class BackendClock:
    """CPU time of one PostgreSQL backend, from /proc/<pid>/schedstat (nanoseconds on CPU; the
    server runs on this machine). The backend is idle between queries, so the figure read after
    a query has returned is up to date."""

    def __init__(self, conn) -> None:
        (pid,) = conn.execute("SELECT pg_backend_pid()").fetchone()
        self._path = Path(f"/proc/{pid}/schedstat")
        if not self._path.exists():
            raise RuntimeError(f"{self._path} is missing: the kernel does not report per-task CPU time")

    def ns(self) -> int:
        return int(self._path.read_text().split()[0])

    def cost(self, run: Callable[[], object]) -> Cost:
        cpu = self.ns()
        wall = timed_ms(run)
        return Cost(wall, (self.ns() - cpu) / 1e6)


def rounds_for(estimate_ms: float, budget_ms: float, least: int, most: int) -> int:
    """Enough rounds that a query's repetitions add up to `budget_ms` (short queries are noisier,
    so they get more), within [least, most]."""
    return max(least, min(most, math.ceil(budget_ms / max(estimate_ms, 1e-3))))


def paired(
    a: Callable[[], object], b: Callable[[], object], rounds: int, clock: BackendClock
) -> tuple[list[Cost], list[Cost]]:
    """`rounds` measurements of each, alternating which goes first; one warm-up pair discarded."""
    costs_a: list[Cost] = []
    costs_b: list[Cost] = []
    for i in range(rounds + 1):
        if i % 2:
            cb, ca = clock.cost(b), clock.cost(a)
        else:
            ca, cb = clock.cost(a), clock.cost(b)
        if i:
            costs_a.append(ca)
            costs_b.append(cb)
    return costs_a, costs_b


def at_or_below(ours_ms: float, baseline_ms: float) -> bool:
    """Ours is no slower than the baseline beyond the fixed slack."""
    return ours_ms <= baseline_ms + max(RELATIVE_SLACK * baseline_ms, ABSOLUTE_SLACK_MS)
