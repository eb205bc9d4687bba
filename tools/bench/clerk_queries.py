"""The Clerk dashboard's SQL as one refresh sends it, read from the built pack (never copied).

One refresh: the query variables first (their options feed the panels), then every SQL panel with
the variables' selection, over the dashboard's default range (24 h ending now). The alerts run over
their own relative range. Grafana's macros and variable formats are expanded by
tools.engines.grafana_sql exactly as Grafana does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dashboards import clerk
from model.datasources import UIDS
from model.pack import PackContext
from model.panels import panels
from tools.bench.sql_files import SeedQuery
from tools.engines.grafana_sql import ALL, Variable, custom_options, expand_macros, parse_interval, render

RANGE = timedelta(hours=24)  # the dashboard's default time range


@dataclass(frozen=True)
class Query:
    key: str  # "panel <title>", "variable <name>" or "alert <name>": what a seed file names
    kind: str  # "panel" | "variable" | "alert"
    template: str  # as the pack builds it, macros and variables unexpanded
    lookback: timedelta | None = None  # alerts: their relative range

    @property
    def label(self) -> str:
        return self.key.split(" ", 1)[1] if self.kind == "panel" else self.key


@dataclass(frozen=True)
class ClerkSql:
    queries: list[Query]
    variables: list[dict[str, Any]]  # the dashboard's templating list, as built

    def refresh(self) -> list[Query]:
        return [q for q in self.queries if q.kind != "alert"]

    def alerts(self) -> list[Query]:
        return [q for q in self.queries if q.kind == "alert"]


def clerk_sql() -> ClerkSql:
    ctx = PackContext(
        stack="bench",
        grafana_url="https://grafana.bench",
        datasource_uids=dict(UIDS),
        runbook_base_url="https://runbooks.bench",
    )
    pack = clerk.build(ctx)
    (board,) = pack.dashboards
    variables = board.model.get("templating", {}).get("list", [])
    queries: list[Query] = []
    for var in variables:
        if var.get("type") == "query" and "postgres" in (var.get("datasource") or {}).get("type", ""):
            text = var["query"] if isinstance(var["query"], str) else var["query"].get("rawSql", "")
            queries.append(Query(f"variable {var['name']}", "variable", text))
    for panel in panels(board.model):
        for target in panel.get("targets", []) or []:
            if "rawSql" in target:
                queries.append(Query(f"panel {panel['title']}", "panel", target["rawSql"]))
    for spec in pack.alerts:
        if spec.datasource == "postgres":
            queries.append(Query(f"alert {spec.name}", "alert", spec.query, parse_interval(spec.lookback)))
    return ClerkSql(queries, variables)


def baseline(query: Query, seeds: list[SeedQuery]) -> SeedQuery | None:
    return next((s for s in seeds if query.key in s.targets), None)


def rendered(conn, sql: ClerkSql, now: datetime, selection: dict[str, str] | None = None) -> dict[str, str]:
    """key -> SQL text as Grafana sends it; `selection` maps a variable to "first" (its first
    option, the one-site debugging case); every other variable is All."""
    selection = selection or {}
    start, end = now - RANGE, now
    texts = {q.key: expand_macros(q.template, start, end) for q in sql.queries if q.kind == "variable"}
    options = {
        key.split(" ", 1)[1]: [r[0] for r in conn.execute(text).fetchall()] for key, text in texts.items()
    }
    state = []
    for var in sql.variables:
        name = var["name"]
        opts = options.get(name) or (custom_options(var) if var.get("type") == "custom" else [])
        current = [opts[0]] if selection.get(name) == "first" and opts else ALL
        state.append(Variable.from_model(var, current, opts))
    for q in sql.queries:
        if q.kind == "panel":
            texts[q.key] = render(q.template, start, end, state)
        elif q.kind == "alert":
            texts[q.key] = expand_macros(q.template, now - q.lookback, now)
    return texts
