"""Time for every picture: a fixed "now", the dashboard's range, and Grafana's interval variables.

"now" is pinned so that two renders see the same data; the range comes from the dashboard
(`time.from`/`to`) or the panel's relative time (`timeFrom`, `timeShift`), and `$__interval` is
what Grafana computes from the range and the panel's width (rangeutil.calculateInterval), never
below the data source's scrape interval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 1, 19, 12, 0, tzinfo=UTC)

_RELATIVE = re.compile(r"^now(?:-(\d+)([smhdwMy]))?(?:/[smhdwMy])?$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}
_DURATION = re.compile(r"^(\d+)([smhdwMy])$")

# roundInterval of Grafana's rangeutil: (upper bound in ms, rounded interval in ms).
_ROUND = (
    (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000), (3500, 2000),
    (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000), (45000, 30000), (90000, 60000),
    (210000, 120000), (450000, 300000), (750000, 600000), (1050000, 900000), (1500000, 1200000),
    (2700000, 1800000), (5400000, 3600000), (9000000, 7200000), (16200000, 10800000),
    (32400000, 21600000), (86400000, 43200000), (604800000, 86400000), (1814400000, 604800000),
    (3628800000, 2592000000),
)  # fmt: skip


def seconds(text: str) -> int:
    """ "30s", "5m", "24h", "30d" -> seconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return int(match.group(1)) * _UNIT[match.group(2)]


def parse_relative(text: str) -> datetime:
    """ "now-6h" -> NOW minus 6 hours (rounding suffixes such as /d are ignored)."""
    match = _RELATIVE.match(text.strip())
    if not match:
        raise ValueError(f"time {text!r} is not a relative time this preview reproduces")
    if not match.group(1):
        return NOW
    return NOW - timedelta(seconds=int(match.group(1)) * _UNIT[match.group(2)])


def round_interval(ms: float) -> int:
    for bound, rounded in _ROUND:
        if ms < bound:
            return rounded
    return 31536000000


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    def label(self) -> str:
        return describe(self.seconds)


def describe(span: int) -> str:
    """Grafana's picker label for a relative range: "Last 6 hours", "Last 30 days"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if span % size == 0 and span >= size:
            count = span // size
            return f"Last {count} {unit}{'s' if count != 1 else ''}"
    return f"Last {span} seconds"


def dashboard_range(model: dict) -> TimeRange:
    time = model.get("time") or {"from": "now-6h", "to": "now"}
    return TimeRange(parse_relative(time["from"]), parse_relative(time["to"]))


def panel_range(model: dict, panel: dict) -> TimeRange:
    """The dashboard range, replaced by the panel's relative time and moved by its time shift."""
    rng = dashboard_range(model)
    if panel.get("timeFrom"):
        rng = TimeRange(rng.end - timedelta(seconds=seconds(panel["timeFrom"])), rng.end)
    if panel.get("timeShift"):
        shift = timedelta(seconds=seconds(panel["timeShift"]))
        rng = TimeRange(rng.start - shift, rng.end - shift)
    return rng


def interval_seconds(rng: TimeRange, max_data_points: int, min_interval: int) -> int:
    """calculateInterval: range / data points, rounded, at least the minimum interval."""
    ms = round_interval(rng.seconds * 1000 / max(1, max_data_points))
    return max(min_interval, max(1, ms // 1000))


def format_interval(seconds_: int) -> str:
    """Grafana's interval text: the largest whole unit ("1m", "5m", "1h", "30s")."""
    for suffix, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds_ % size == 0:
            return f"{seconds_ // size}{suffix}"
    return f"{seconds_}s"
