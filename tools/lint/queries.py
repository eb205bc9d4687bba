"""One query, to the rules of its language (by the kind of its data source)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tools.lint.logql import lint_logql
from tools.lint.promql import lint_promql
from tools.lint.sql import lint_sql


def lint_query(kind: str, target: Mapping[str, Any], in_dashboard: bool) -> list[tuple[str, str]]:
    """(rule, message) pairs of a target or alert query whose data source is of `kind`."""
    if kind == "prometheus" and target.get("expr"):
        return lint_promql(target["expr"], in_dashboard)
    if kind == "loki" and target.get("expr"):
        return lint_logql(target["expr"])
    if kind == "postgres" and target.get("rawSql"):
        return lint_sql(target["rawSql"])
    return []
