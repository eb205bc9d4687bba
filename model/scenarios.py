"""The vocabulary of alert proofs: synthetic series that drive an alert's query to a chosen level.

A pack declares, beside its alerts and keyed by the alert's name, one `Scenario` per Prometheus
alert: the series its query reads, each a generator described as plain data, and the labels of the
query's result series. The proof harness (tools/engines/promtool.py) turns a scenario into
`promtool test rules` input around every threshold of the alert: silent on the safe side, silent
before `for` has passed, firing after it. Nothing here runs anything; it is data a harness reads.

Where a threshold sweep cannot show what matters (a single missed scrape must not page, a job
is silent on its own schedule), a scenario adds `stories`: series given sample by sample and the
times at which each of the alert's rules must fire or stay silent.

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


# --- Stories: one named timeline, and what an alert must do along it ---------------------------


@dataclass(frozen=True)
class Steps:
    """A series given sample by sample at the story's interval: runs of `(value, samples)` in
    order, the whole pattern `repeat` times. A counter's values are its increase per sample."""

    metric: str
    labels: Mapping[str, str]
    runs: tuple[tuple[float, int], ...]
    repeat: int = 1
    counter: bool = False


@dataclass(frozen=True)
class Runs:
    """A last-success timestamp gauge (seconds since the epoch) of a scheduled job: set to the
    clock at each successful run, every `every` (a duration) from `first`, and holding its value
    in between; the runs numbered in `missed` (0 is the first) do not succeed. Sampled at the
    story's interval until `until`."""

    metric: str
    labels: Mapping[str, str]
    every: str
    until: str
    first: str = "0s"
    missed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Expect:
    """At `at` after the story starts, the rule of `severity` fires (with the scenario's result
    labels and `labels`) or is silent."""

    at: str
    severity: str
    fires: bool
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Story:
    """A named timeline (an outage, one missed scrape, a slow burn, a job's normal cadence) and
    what the alert must do along it: the behaviour a threshold sweep cannot show."""

    title: str
    series: tuple[Steps | Runs, ...]
    expect: tuple[Expect, ...]
    interval: str = "1m"  # spacing of the samples (a scrape interval)


@dataclass(frozen=True)
class Scenario:
    """How to drive one alert's query to a level.

    `labels` are those of the query's result series (beside the rule's own labels). `levels`
    pins the (safe, firing) pair where 5% on either side of the threshold does not suit the query
    (e.g. a query that cannot be held at a fraction); otherwise the harness derives it. `stories`
    are timelines the alert must get right beyond its threshold (see `Story`).
    """

    series: tuple[Series, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    levels: tuple[float, float] | None = None
    stories: tuple[Story, ...] = ()
    # Sample spacing (whole minutes): coarser for queries over days, whose ranges it keeps small.
    sample_every: str = "1m"


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
