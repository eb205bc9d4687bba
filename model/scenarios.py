"""The vocabulary of alert proofs: synthetic series that drive an alert's query to a chosen level.

A pack declares, beside its alerts and keyed by the alert's name, one `Scenario` per Prometheus
alert: the series its query reads, each a generator described as plain data, and the labels of the
query's result series. The proof harness (tools/engines/promtool.py) turns a scenario into
`promtool test rules` input around every threshold of the alert: silent on the safe side, silent
before `for` has passed, firing after it. Nothing here runs anything; it is data a harness reads.

Every level is mapped to a series value by a `Linear` map (`offset + scale * level`), so a
scenario says e.g. "the failed counter grows by the level per minute while the success counter
grows by 100 - level" without code.

SQL alerts are proven on a real PostgreSQL instead (rows on both sides of each threshold; see
tests/test_clerk_sql.py, whose cases are keyed by alert name in the same way).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Linear:
    """`offset + scale * level`: how a series value follows the scenario's level."""

    scale: float = 1.0
    offset: float = 0.0

    def __call__(self, level: float) -> float:
        return self.offset + self.scale * level


IDENTITY = Linear()


def fixed(value: float) -> Linear:
    """A value that ignores the level."""
    return Linear(scale=0.0, offset=value)


@dataclass(frozen=True)
class Gauge:
    """A gauge whose sample value is `value(level)`."""

    metric: str
    labels: Mapping[str, str] = field(default_factory=dict)
    value: Linear = IDENTITY


@dataclass(frozen=True)
class Constant:
    """A gauge that ignores the level (background a query needs, e.g. "uploads are active")."""

    metric: str
    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True)
class Counter:
    """A counter growing by `per_minute(level)` per minute (so `rate(x[w]) * 60` is that value)."""

    metric: str
    labels: Mapping[str, str] = field(default_factory=dict)
    per_minute: Linear = IDENTITY


@dataclass(frozen=True)
class Histogram:
    """A histogram (`<metric>_bucket`) whose `quantile` is exactly `value(level)` (positive)."""

    metric: str
    labels: Mapping[str, str]
    quantile: float
    value: Linear = IDENTITY
    per_minute: float = 100  # observations per minute


@dataclass(frozen=True)
class Age:
    """A timestamp gauge (seconds since the epoch) whose age, `time() - value`, is the level."""

    metric: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Growth:
    """A gauge that grows by the level (a ratio) every `every_samples` samples, from `start`."""

    metric: str
    labels: Mapping[str, str] = field(default_factory=dict)
    start: float = 100.0
    every_samples: int = 10


Series = Gauge | Constant | Counter | Histogram | Age | Growth


@dataclass(frozen=True)
class Scenario:
    """How to drive one alert's query to a level.

    `labels` are those of the query's result series (beside the rule's own labels). `levels`
    pins the (safe, firing) pair where 5% on either side of the threshold does not suit the query
    (e.g. a query that cannot be held at a fraction); otherwise the harness derives it.
    """

    series: tuple[Series, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    levels: tuple[float, float] | None = None


def share(
    metric: str,
    labels: Mapping[str, str],
    bad: str,
    good: str,
    per_minute: float = 100,
    scale: float = 1.0,
    label: str = "status",
) -> tuple[Counter, Counter]:
    """Two counters of one metric whose `bad` share of the total is `level * scale`."""
    return (
        Counter(metric, {**labels, label: bad}, Linear(per_minute * scale)),
        Counter(metric, {**labels, label: good}, Linear(-per_minute * scale, per_minute)),
    )
