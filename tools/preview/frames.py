"""What a panel's queries return, in the shapes the drawers read (a small subset of Grafana's data frames)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Series:
    """One time series: epoch seconds and values (None where Grafana would show a gap)."""

    name: str
    times: list[float]
    values: list[float | None]
    labels: dict[str, str] = field(default_factory=dict)
    ref_id: str = "A"  # the query it came from (overrides can match it: byFrameRefID)

    def numbers(self) -> list[float]:
        return [v for v in self.values if v is not None and not math.isnan(v)]


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]

    def column(self, name: str) -> list[Any]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


@dataclass
class LogLine:
    time: float
    line: str
    labels: dict[str, str]


@dataclass
class PanelData:
    series: list[Series] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    logs: list[LogLine] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sample: bool = False  # drawn from a fixture, not from a query result (Loki)

    @property
    def empty(self) -> bool:
        has_series = any(s.numbers() for s in self.series)
        has_rows = any(t.rows for t in self.tables)
        return not (has_series or has_rows or self.logs)


def reduce(values: list[float], calc: str) -> float | None:
    """Grafana's standard reducers (fieldReducers) over a field's non-null values."""
    if calc == "count":
        return float(len(values))
    if not values:
        return None
    if calc in ("lastNotNull", "last"):
        return values[-1]
    if calc in ("firstNotNull", "first"):
        return values[0]
    if calc == "mean":
        return sum(values) / len(values)
    if calc == "sum":
        return sum(values)
    if calc == "max":
        return max(values)
    if calc == "min":
        return min(values)
    if calc == "range":
        return max(values) - min(values)
    if calc == "delta":
        return sum(max(0.0, b - a) for a, b in zip(values, values[1:], strict=False))
    if calc == "diff":
        return values[-1] - values[0]
    raise ValueError(f"reducer {calc!r} is not reproduced")


CALC_NAMES = {
    "lastNotNull": "Last *",
    "last": "Last",
    "firstNotNull": "First *",
    "first": "First",
    "mean": "Mean",
    "sum": "Total",
    "max": "Max",
    "min": "Min",
    "count": "Count",
    "range": "Range",
    "delta": "Delta",
    "diff": "Difference",
}
