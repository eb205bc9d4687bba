"""PromQL rules, on promql_parser's syntax tree once Grafana variables are substituted."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import promql_parser

from tools.lint.registry import rule
from tools.lint.variables import VARIABLE

PROMQL_PARSE = rule(
    "promql-parse",
    "promql",
    "PromQL parses with promql_parser once Grafana variables are substituted",
    "a query that does not parse shows an error instead of the panel, or an alert that never fires",
)
PROMQL_RATE_INTERVAL = rule(
    "promql-rate-interval",
    "promql",
    "in dashboards, `rate`/`irate`/`increase` take `[$__rate_interval]`",
    "a fixed range shorter than four scrapes shows gaps, a longer one hides spikes at every zoom",
)
PROMQL_COUNTER = rule(
    "promql-counter",
    "promql",
    "a `*_total` counter appears only inside `rate`/`irate`/`increase`",
    "a raw counter only grows and resets on restarts: its value means nothing on a graph",
)

RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})
RATE_SENTINEL_S = 4242  # $__rate_interval becomes this many seconds, so its ranges are recognisable


def _in_string(text: str, pos: int) -> bool:
    quotes = 0
    i = 0
    while i < pos:
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            quotes += 1
        i += 1
    return quotes % 2 == 1


def substitute_promql(expr: str) -> str:
    """Replace Grafana variables with values PromQL accepts where they stand."""
    expr = re.sub(r"\$\{?__rate_interval\}?(?!_)", f"{RATE_SENTINEL_S}s", expr)
    expr = re.sub(r"\$\{?__(interval|range|auto)\}?(?!_)", "5m", expr)
    expr = re.sub(r"\$\{?__(interval_ms|range_ms|range_s|rate_interval_ms)\}?", "300", expr)

    def value(m: re.Match) -> str:
        before = expr[: m.start()].rstrip()
        after = expr[m.end() :]
        if _in_string(expr, m.start()):
            return "value"
        if before.endswith(("[", ":")) and not before.endswith("::"):
            return "5m"
        if (
            (before and (before[-1].isalnum() or before[-1] == "_"))
            or after[:1].isalnum()
            or after[:1] in "{_"
        ):
            return "var"
        return "1"

    return VARIABLE.sub(value, expr)


# --- PromQL ---


def lint_promql(expr: str, in_dashboard: bool) -> list[tuple[str, str]]:
    """(rule, message) pairs for one PromQL expression."""
    try:
        ast = promql_parser.parse(substitute_promql(expr))
    except Exception as err:  # promql_parser raises ValueError or its own error types
        return [(PROMQL_PARSE, f"does not parse: {str(err).splitlines()[0] if str(err) else err!r}")]
    problems: list[tuple[str, str]] = []
    stack: list[str | None] = []

    def pre(node: Any) -> None:
        func = node.func.name if isinstance(node, promql_parser.Call) else None
        if func in RATE_FUNCTIONS and in_dashboard:
            arg = node.args[0] if node.args else None
            rng = getattr(arg, "range", None)
            if rng is not None and rng != timedelta(seconds=RATE_SENTINEL_S):
                problems.append(
                    (
                        PROMQL_RATE_INTERVAL,
                        f"{func}() over [{promql_parser.display_duration(rng)}]"
                        " instead of [$__rate_interval]",
                    )
                )
        if isinstance(node, promql_parser.VectorSelector):
            name = node.name or next(
                (
                    m.value
                    for m in node.matchers.matchers
                    if m.name == "__name__" and str(m.op) == "MatchOp.Equal"
                ),
                None,
            )
            if name and name.endswith("_total") and not RATE_FUNCTIONS.intersection(f for f in stack if f):
                problems.append((PROMQL_COUNTER, f"counter {name} outside rate()/irate()/increase()"))
        stack.append(func)

    def post(node: Any) -> None:
        stack.pop()

    promql_parser.walk(ast, pre, post)
    return problems
