"""SQL rules: the query follows the dashboard's time picker."""

from __future__ import annotations

import re

from tools.lint.registry import rule

SQL_TIME_MACRO = rule(
    "sql-time-macro",
    "sql",
    "SQL uses a Grafana time macro (`$__timeFilter`, `$__timeFrom()`, ...)",
    "without one the query ignores the picked time range and scans the whole table",
)
SQL_NOW_INTERVAL = rule(
    "sql-now-interval",
    "sql",
    "no `NOW() - INTERVAL ...` (or CURRENT_TIMESTAMP/CURRENT_DATE) window",
    "a fixed window from now ignores the time picker's range and its end",
)

SQL_TIME_MACROS = re.compile(
    r"\$__(timeFilter|timeFrom|timeTo|timeGroup|timeGroupAlias|unixEpochFilter|unixEpochFrom|unixEpochTo"
    r"|unixEpochGroup|unixEpochGroupAlias|unixEpochNanoFilter|unixEpochNanoFrom|unixEpochNanoTo)\b"
)
SQL_NOW_WINDOW = re.compile(
    r"\b(now\s*\(\s*\)|current_timestamp|current_date|localtimestamp|clock_timestamp\s*\(\s*\))\s*[-+]\s*"
    r"(interval\b|'\s*\d)",
    re.IGNORECASE,
)


def lint_sql(sql: str) -> list[tuple[str, str]]:
    problems = []
    if not SQL_TIME_MACROS.search(sql):
        problems.append(
            (
                SQL_TIME_MACRO,
                "no Grafana time macro ($__timeFilter(col), $__timeFrom(), ...): "
                "the query ignores the time range",
            )
        )
    m = SQL_NOW_WINDOW.search(sql)
    if m:
        problems.append(
            (
                SQL_NOW_INTERVAL,
                f"'{m.group(0)}...' is a fixed window from now; use "
                "$__timeFilter(col) or $__timeFrom()/$__timeTo()",
            )
        )
    return problems
