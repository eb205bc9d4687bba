"""Dashboard variables at their defaults, and Grafana's built-in variables, substituted into queries.

Every template variable is taken at its saved current value; "All" is the variable's custom all
value (`.*` in this project's dashboards, see the README's decisions), or `.*` when it has none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tools.preview.timing import TimeRange, format_interval

ALL = "$__all"
_VARIABLE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^\}]+))?\}")


def current(variable: Mapping[str, Any]) -> list[str]:
    """The variable's saved selection as a list (["$__all"] for All)."""
    value = (variable.get("current") or {}).get("value")
    if value is None:
        value = variable.get("query", "") if variable.get("type") in ("constant", "textbox") else ALL
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def template_variables(model: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((model.get("templating") or {}).get("list") or [])


def regex_escape(value: str) -> str:
    return re.sub(r"([\\^$*+?.()|\[\]{}/])", r"\\\1", value)


def prometheus_value(variable: Mapping[str, Any]) -> str:
    """What the Prometheus data source inserts for the variable: a regex for multi/All selections."""
    values = current(variable)
    if ALL in values:
        return variable.get("allValue") or ".*"
    if variable.get("multi") or variable.get("includeAll"):
        escaped = [regex_escape(v) for v in values]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    return values[0] if values else ""


def go_duration(seconds: int) -> str:
    """Go's time.Duration.String() for whole seconds: 120 -> "2m0s", 3630 -> "1h0m30s", 45 -> "45s"."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def builtins(rng: TimeRange, interval: int, scrape_interval: int) -> dict[str, str]:
    """$__interval, $__rate_interval, $__range and their _ms/_s forms, as Grafana's Prometheus
    backend writes them: the interval in its largest unit, the rate interval
    (max(interval + scrape, 4 x scrape)) as a Go duration, the range in seconds."""
    rate = max(interval + scrape_interval, 4 * scrape_interval)
    return {
        "__interval": format_interval(interval),
        "__interval_ms": str(interval * 1000),
        "__rate_interval": go_duration(rate),
        "__rate_interval_ms": str(rate * 1000),
        "__range": f"{rng.seconds}s",
        "__range_s": str(rng.seconds),
        "__range_ms": str(rng.seconds * 1000),
    }


def interpolate_promql(expr: str, model: Mapping[str, Any], values: Mapping[str, str]) -> str:
    """Built-ins first, then template variables; an unknown name is left as written (Grafana does too)."""
    by_name = {v["name"]: prometheus_value(v) for v in template_variables(model)}
    by_name.update(values)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        return by_name.get(name, match.group(0))

    return _VARIABLE.sub(replace, expr)


def loki_value(variable: Mapping[str, Any]) -> str:
    return prometheus_value(variable)
