"""PromQL and LogQL as Grafana sends them: variables substituted the way Grafana substitutes them.

Grafana never sends `$__rate_interval` or `$job` to Prometheus or Loki; the grammars must judge
the text that is sent. Three steps, as Grafana 11.6 runs them:

1. the time built-ins of the query (`public/app/features/dashboard/... getIntervals`, the
   Prometheus and Loki data sources' `applyTemplateVariables`): `$__interval` is the time range
   over 1,000 points, rounded to Grafana's nice intervals and raised to the data source's scrape
   interval; `$__rate_interval` is max(`$__interval` + scrape interval, 4 x scrape interval);
   `$__range` is the range in seconds (`21600s`); the `_ms` / `_s` forms are plain numbers;
2. dashboard variables at their stored current value (what a dashboard shows on load); All with a
   custom all value is that value as written (here always `.*`), All without one is every option
   as a regex alternation; a multi-value or include-All variable's values are regex-escaped
   (`prometheusSpecialRegexEscape` / `lokiSpecialRegexEscape`), a plain single value only has
   backslashes and quotes escaped;
3. variable queries `label_values(<selector>, <label>)`, `label_names(<selector>)`,
   `query_result(<query>)` and `metrics(<regex>)` are Grafana's own functions, not PromQL: the
   selector or query inside is what reaches the data source, so that is what is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from model.durations import parse_duration

ALL = "$__all"
POINTS = 1000  # Grafana's default max data points for a panel (its width in pixels, about)
# @grafana/data rangeutil.roundInterval: (below this many ms, the interval becomes this many ms).
_ROUND_MS = ((15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000),
             (3500, 2000), (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000),
             (45000, 30000), (90000, 60000), (210000, 120000), (450000, 300000), (750000, 600000),
             (1050000, 900000), (1500000, 1200000), (2700000, 1800000), (5400000, 3600000),
             (9000000, 7200000), (16200000, 10800000), (32400000, 21600000), (86400000, 43200000),
             (604800000, 86400000), (1814400000, 604800000), (3628800000, 2592000000))  # fmt: skip
# $var, ${var}, ${var:fmt}, ${var.path}, [[var]], [[var:fmt]]
_VARIABLE = re.compile(
    r"\$\{(?P<b>\w+)(?:\.[^:}]*)?(?::(?P<bf>[^}]*))?\}|\[\[(?P<s>\w+)(?::(?P<sf>[^\]]*))?\]\]|\$(?P<p>\w+)"
)
_VARIABLE_FUNCTIONS = re.compile(
    r"^\s*(?:label_values\(\s*[\w.]+\s*\)|label_values\((?P<lv>.*),\s*[\w.]+\s*\)|label_names\((?P<ln>.*)\)|query_result\((?P<qr>.*)\)"
    r"|metrics\((?P<m>.*)\))\s*$",
    re.DOTALL,
)


@dataclass(frozen=True)
class TimeContext:
    """What Grafana knows when it runs a query: the time range and the data source's scrape interval."""

    range_s: float = 6 * 3600
    scrape_s: float = 15

    @property
    def interval_s(self) -> float:
        raw_ms = self.range_s * 1000 / POINTS
        nice_ms = next((v for below, v in _ROUND_MS if raw_ms < below), 31536000000)
        return max(nice_ms / 1000, self.scrape_s)

    @property
    def rate_interval_s(self) -> float:
        return max(self.interval_s + self.scrape_s, 4 * self.scrape_s)

    def builtins(self) -> dict[str, str]:
        return {
            "__interval": _duration(self.interval_s),
            "__interval_ms": str(int(self.interval_s * 1000)),
            "__rate_interval": _duration(self.rate_interval_s),
            "__rate_interval_ms": str(int(self.rate_interval_s * 1000)),
            "__range": f"{int(self.range_s)}s",
            "__range_s": str(int(self.range_s)),
            "__range_ms": str(int(self.range_s * 1000)),
            "__auto": _duration(self.interval_s),
        }


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{int(seconds * 1000)}ms"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def dashboard_range_s(model: Mapping[str, Any]) -> float:
    """The length of the dashboard's default time range (`now-6h` to `now` -> 21600)."""
    start = str((model.get("time") or {}).get("from") or "now-6h")
    match = re.fullmatch(r"now-(\d+[smhdwy])(?:/\w)?", start)
    return float(parse_duration(match.group(1))) if match else 6 * 3600.0


def _special_regex_escape(value: str) -> str:
    """Grafana's prometheusSpecialRegexEscape (Loki's lokiSpecialRegexEscape is the same)."""
    return re.sub(r"([$^*{}\[\]'+?.()|])", r"\\\\\1", value.replace("\\", "\\\\\\\\"))


def _regular_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _value(variable: Mapping[str, Any]) -> str:
    current = (variable.get("current") or {}).get("value")
    values = current if isinstance(current, list) else [current] if current is not None else []
    if ALL in values:
        if variable.get("allValue"):
            return str(variable["allValue"])
        values = [o.get("value") for o in variable.get("options") or [] if o.get("value") != ALL]
    values = [str(v) for v in values] or ["value"]
    if not (variable.get("multi") or variable.get("includeAll")):
        return _regular_escape(values[0])
    escaped = [_special_regex_escape(v) for v in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def interpolate(
    expr: str, variables: Sequence[Mapping[str, Any]] = (), time: TimeContext | None = None
) -> str:
    """The query text Grafana sends for `expr`. Unknown names are left as written (the
    dashboard lint reports them)."""
    builtins = (time or TimeContext()).builtins()
    by_name = {v.get("name"): v for v in variables}

    def replace(match: re.Match[str]) -> str:
        name = match.group("b") or match.group("s") or match.group("p")
        if name in builtins:
            return builtins[name]
        if name in by_name:
            return _value(by_name[name])
        return match.group(0)

    return _VARIABLE.sub(replace, expr)


def variable_query(query: str) -> str:
    """The part of a Prometheus or Loki variable query that reaches the data source."""
    match = _VARIABLE_FUNCTIONS.match(query)
    if not match:
        return query
    # label_values(label) and metrics(regex) send no query of the data source's language
    return next((g for g in (match.group("lv"), match.group("ln"), match.group("qr")) if g is not None), "")
