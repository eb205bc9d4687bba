"""Query targets and data-source references, read from the one data-source catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from grafana_foundation_sdk.builders import loki as loki_builders
from grafana_foundation_sdk.builders import prometheus as prom_builders
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models import dashboard as dm

from model.datasources import CATALOGUE, DataSourceKey
from model.pack import PackContext

# Grafana's built-in annotation data source (annotations stored in Grafana, found by tag).
GRAFANA_ANNOTATIONS = dm.DataSourceRef(type_val="grafana", uid="-- Grafana --")


def ds_ref(ctx: PackContext, key: DataSourceKey) -> dm.DataSourceRef:
    """Reference to one of the environment's pinned data sources."""
    return dm.DataSourceRef(type_val=CATALOGUE[key].plugin_type, uid=ctx.datasource_uids[key])


def ref_id(index: int) -> str:
    """The ref id of a panel's `index`-th target: A, B, C, ..."""
    return chr(ord("A") + index)


class SqlDataquery(cogvariants.Dataquery):
    """A raw-SQL target for Grafana's PostgreSQL data source.

    The SDK ships no builder for SQL data sources; this emits the model Grafana's
    SQL query editor saves in code mode.
    """

    def __init__(self, raw_sql: str, fmt: str, ref_id: str, datasource: dm.DataSourceRef):
        self.raw_sql = raw_sql
        self.fmt = fmt
        self.ref_id = ref_id
        self.datasource = datasource

    def to_json(self) -> dict[str, Any]:
        return {
            "datasource": self.datasource.to_json(),
            "editorMode": "code",
            "format": self.fmt,
            "rawQuery": True,
            "rawSql": self.raw_sql,
            "refId": self.ref_id,
        }


class SqlTarget(cogbuilder.Builder[SqlDataquery]):
    def __init__(self, raw_sql: str, datasource: dm.DataSourceRef, fmt: str = "table", ref_id: str = "A"):
        self._query = SqlDataquery(raw_sql.strip(), fmt, ref_id, datasource)

    def build(self) -> SqlDataquery:
        return self._query


def sql(ctx: PackContext, raw_sql: str, fmt: str = "table", ref_id: str = "A") -> SqlTarget:
    """`fmt` is "table" or "time_series" (the latter needs a `time` column)."""
    return SqlTarget(raw_sql, ds_ref(ctx, "postgres"), fmt, ref_id)


def prom(ctx: PackContext, expr: str, legend: str = "__auto", ref_id: str = "A") -> prom_builders.Dataquery:
    return (
        prom_builders.Dataquery()
        .expr(expr)
        .legend_format(legend)
        .ref_id(ref_id)
        .datasource(ds_ref(ctx, "prometheus"))
    )


PanelBuilder = TypeVar("PanelBuilder", bound=cogbuilder.Builder)


def with_prom_targets(
    panel: PanelBuilder, ctx: PackContext, targets: Iterable[tuple[str, str]]
) -> PanelBuilder:
    """`panel` with one Prometheus target per (expr, legend), lettered A, B, C, ... in order."""
    for i, (expr, legend) in enumerate(targets):
        panel = panel.with_target(prom(ctx, expr, legend, ref_id(i)))
    return panel


def loki(
    ctx: PackContext, expr: str, ref_id: str = "A", max_lines: int | None = None
) -> loki_builders.Dataquery:
    query = loki_builders.Dataquery().expr(expr).ref_id(ref_id).datasource(ds_ref(ctx, "loki"))
    if max_lines is not None:
        query = query.max_lines(max_lines)
    return query
