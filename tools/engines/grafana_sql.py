"""Turn a dashboard's SQL into what Grafana sends to PostgreSQL, so tests run the real text.

Three steps, in Grafana's order:
1. the browser interpolates dashboard variables (templateSrv with the SQL data sources'
   `interpolateVariable`: a multi-value or include-All variable becomes single-quoted, comma-joined
   literals; All without a custom all value means every option; a custom all value is inserted as
   written, whatever the format; explicit formats such as `${var:regex}` as Grafana's registry has them);
2. the backend's global substitutions (sqleng `Interpolate`): `$__interval_ms`, `$__interval`,
   `$__unixEpochFrom()`, `$__unixEpochTo()`;
3. the PostgreSQL macro engine (pkg/tsdb/grafana-postgresql-datasource/macros.go): `$__name(args)`.
   An unknown macro is an error there, and here.

Alert rules run steps 2 and 3 only, over the rule's relative time range.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ALL = "$__all"  # the value Grafana stores when "All" is selected

# templateSrv's variable syntaxes: $var, [[var]] / [[var:fmt]], ${var} / ${var.field} / ${var:fmt}.
_VARIABLE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}")
# macros.go: sExpr = `\$` + `([_a-zA-Z0-9]+)` + `\(([^\)]*)\)`
_MACRO = re.compile(r"\$([_a-zA-Z0-9]+)\(([^\)]*)\)")
# Go's time.ParseDuration units; gtime.ParseInterval adds d and w (calendar M and y are not supported here).
_GO_UNITS = {
    "ns": timedelta(microseconds=0.001),
    "us": timedelta(microseconds=1),
    "µs": timedelta(microseconds=1),
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
}
_GO_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DAYS = re.compile(r"^(\d+)([dw])$")
_FORMAT_UNITS = (
    ("y", timedelta(days=365)),
    ("d", timedelta(days=1)),
    ("h", timedelta(hours=1)),
    ("m", timedelta(minutes=1)),
    ("s", timedelta(seconds=1)),
    ("ms", timedelta(milliseconds=1)),
)


@dataclass(frozen=True)
class Variable:
    """A dashboard variable's state: its current value and the options All stands for."""

    name: str
    current: str | Sequence[str]
    options: Sequence[str] = ()
    multi: bool = False
    include_all: bool = False
    all_value: str | None = None

    @classmethod
    def from_model(
        cls, model: Mapping[str, Any], current: str | Sequence[str], options: Sequence[str]
    ) -> Variable:
        """The variable as a dashboard model defines it (multi, includeAll, allValue)."""
        multi, include_all = bool(model.get("multi")), bool(model.get("includeAll"))
        return cls(model["name"], current, options, multi, include_all, model.get("allValue") or None)

    def is_all(self) -> bool:
        current = [self.current] if isinstance(self.current, str) else list(self.current)
        return ALL in current


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def escape_regex(value: str) -> str:
    """@grafana/data escapeRegex: a backslash before each of \\ ^ $ * + ? . ( ) | [ ] { } /."""
    return re.sub(r"([\\^$*+?.()|\[\]{}/])", r"\\\1", value)


# The explicit formats `${var:fmt}` of Grafana's format registry, applied to a value or a list.
_FORMATS = {
    "raw": lambda vs: ",".join(vs),
    "csv": lambda vs: ",".join(vs),
    "pipe": lambda vs: "|".join(vs),
    "sqlstring": lambda vs: ",".join(quote_literal(v) for v in vs),
    "singlequote": lambda vs: ",".join("'" + v.replace("'", "\\'") + "'" for v in vs),
    "doublequote": lambda vs: ",".join('"' + v.replace('"', '\\"') + '"' for v in vs),
    "regex": lambda vs: escape_regex(vs[0]) if len(vs) == 1 else "(" + "|".join(map(escape_regex, vs)) + ")",
}


def _format(variable: Variable, fmt: str | None) -> str:
    """templateSrv, then the format: `${var:fmt}`, or for a bare `$var` the SQL data source's
    interpolateVariable (a multi-value or include-All value quoted, a plain single value escaped).

    A custom all value is inserted as written whatever the format (only text and percentencode
    would format it); without one, All is the list of every option.
    """
    if fmt is not None and fmt not in _FORMATS:
        raise NotImplementedError(f"variable format {fmt!r} is not reproduced")
    if variable.is_all():
        if variable.all_value is not None:
            return variable.all_value
        values = list(variable.options)
    elif isinstance(variable.current, str):
        if fmt is None and not (variable.multi or variable.include_all):
            return variable.current.replace("'", "''")
        values = [variable.current]
    else:
        values = list(variable.current)
    return _FORMATS[fmt or "sqlstring"](values)


def interpolate_variables(text: str, variables: Sequence[Variable]) -> str:
    """Step 1. Names that are not variables (macros like `$__timeFilter`) stay as they are."""
    by_name = {v.name: v for v in variables}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        if name not in by_name:
            return match.group(0)
        if match.group(5):
            raise NotImplementedError(f"variable field paths are not reproduced: {match.group(0)}")
        return _format(by_name[name], match.group(3) or match.group(6))

    return _VARIABLE.sub(replace, text)


def parse_interval(text: str) -> timedelta:
    """gtime.ParseInterval: `5m`, `1h30m`, `500ms` (Go durations) and `1d`, `2w`."""
    days = _DAYS.match(text)
    if days:
        return timedelta(days=int(days.group(1)) * (7 if days.group(2) == "w" else 1))
    parts = _GO_DURATION.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"error parsing interval {text}")
    return sum((float(n) * _GO_UNITS[u] for n, u in parts), timedelta())


def format_interval(interval: timedelta) -> str:
    """gtime.FormatInterval: the largest whole unit, e.g. 90s -> "1m"."""
    for suffix, unit in _FORMAT_UNITS:
        if interval >= unit:
            return f"{interval // unit}{suffix}"
    return "1ms"


def rfc3339nano(moment: datetime) -> str:
    """Go's time.RFC3339Nano in UTC: fraction without trailing zeros, "Z"."""
    if moment.tzinfo is None:
        raise ValueError("time range bounds must be timezone-aware")
    utc = moment.astimezone(UTC)
    fraction = f"{utc.microsecond:06d}".rstrip("0")
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def _go_float(value: float) -> str:
    """fmt's %v for a float64 (whole numbers without a decimal point)."""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _check_fill(fill: str) -> None:
    """sqleng.SetupFillmode: NULL, previous, or a number. Filling itself happens after the query."""
    if fill not in ("NULL", "previous"):
        try:
            float(fill)
        except ValueError:
            raise ValueError(f"error parsing fill value {fill}") from None


def _unix(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def _unix_nano(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def _macro(name: str, args: list[str], start: datetime, end: datetime) -> str:
    """macros.go evaluateMacro, for the non-TimescaleDB engine.

    `args` is never empty (Go's strings.Split of "" is [""]), so, as in Grafana, a missing column
    yields broken SQL rather than an error here.
    """
    column = args[0]
    if name == "__time":
        return f'{column} AS "time"'
    if name == "__timeEpoch":
        return f'extract(epoch from {column}) as "time"'
    if name == "__timeFilter":
        return f"{column} BETWEEN '{rfc3339nano(start)}' AND '{rfc3339nano(end)}'"
    if name == "__timeFrom":
        return f"'{rfc3339nano(start)}'"
    if name == "__timeTo":
        return f"'{rfc3339nano(end)}'"
    if name in ("__timeGroup", "__unixEpochGroup"):
        if len(args) < 2:
            raise ValueError(f"macro {name} needs time column and interval and optional fill value")
        seconds = _go_float(parse_interval(args[1].strip("'")).total_seconds())
        if len(args) == 3:
            _check_fill(args[2])
        if name == "__timeGroup":
            return f"floor(extract(epoch from {column})/{seconds})*{seconds}"
        return f"floor(({column})/{seconds})*{seconds}"
    if name in ("__timeGroupAlias", "__unixEpochGroupAlias"):
        return _macro(name.removesuffix("Alias"), args, start, end) + ' AS "time"'
    if name == "__unixEpochFilter":
        return f"{column} >= {_unix(start)} AND {column} <= {_unix(end)}"
    if name == "__unixEpochNanoFilter":
        return f"{column} >= {_unix_nano(start)} AND {column} <= {_unix_nano(end)}"
    if name == "__unixEpochNanoFrom":
        return str(_unix_nano(start))
    if name == "__unixEpochNanoTo":
        return str(_unix_nano(end))
    raise ValueError(f'unknown macro "{name}"')


def expand_macros(
    text: str, start: datetime, end: datetime, interval: timedelta = timedelta(minutes=1)
) -> str:
    """Steps 2 and 3: what Grafana's backend does to a query before sending it to PostgreSQL."""
    text = text.replace("$__interval_ms", str(interval // timedelta(milliseconds=1)))
    text = text.replace("$__interval", format_interval(interval))
    text = text.replace("$__unixEpochFrom()", str(_unix(start)))
    text = text.replace("$__unixEpochTo()", str(_unix(end)))
    original = text

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        # Pre-5.3 compatibility: `$__timeGroup(...)` directly followed by "," gets `AS "time"`.
        # Like Grafana, this looks at the first occurrence of the same text in the query.
        if name == "__timeGroup":
            after = original.find(match.group(0)) + len(match.group(0))
            if original[after : after + 1] == ",":
                name = "__timeGroupAlias"
        args = [arg.strip(" ") for arg in match.group(2).split(",")]
        return _macro(name, args, start, end)

    return _MACRO.sub(replace, text)


def render(
    text: str,
    start: datetime,
    end: datetime,
    variables: Sequence[Variable] = (),
    interval: timedelta = timedelta(minutes=1),
) -> str:
    """All three steps: a panel query as PostgreSQL receives it."""
    return expand_macros(interpolate_variables(text, variables), start, end, interval)


def custom_options(model_variable: Mapping[str, object]) -> list[str]:
    """A custom variable's options from its dashboard model ("a,b,c" or "a : x, b : y")."""
    values = []
    for item in re.split(r"(?<!\\),", str(model_variable["query"])):
        value = item.split(" : ", 1)[-1].strip()
        if value:
            values.append(value)
    return values
