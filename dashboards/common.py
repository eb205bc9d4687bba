"""Shared building blocks for every pack's dashboards (grafana-foundation-sdk builders).

Packs build panels from these helpers so that data source references, query targets,
threshold steps and serialisation are written once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import loki as loki_builders
from grafana_foundation_sdk.builders import prometheus as prom_builders
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm

from model.datasources import CATALOGUE
from model.pack import Dashboard, PackContext


def ds_ref(ctx: PackContext, key: str) -> dm.DataSourceRef:
    """Reference to one of the environment's pinned data sources."""
    return dm.DataSourceRef(type_val=CATALOGUE[key].plugin_type, uid=ctx.datasource_uids[key])


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


def loki(
    ctx: PackContext, expr: str, ref_id: str = "A", max_lines: int | None = None
) -> loki_builders.Dataquery:
    query = loki_builders.Dataquery().expr(expr).ref_id(ref_id).datasource(ds_ref(ctx, "loki"))
    if max_lines is not None:
        query = query.max_lines(max_lines)
    return query


def thresholds(base: str, steps: Sequence[tuple[float, str]] = ()) -> dash.ThresholdsConfig:
    """Absolute threshold steps: `base` colour below the first step, then (value, colour)."""
    return (
        dash.ThresholdsConfig()
        .mode(dm.ThresholdsMode.ABSOLUTE)
        .steps([dm.Threshold(value=None, color=base)] + [dm.Threshold(value=v, color=c) for v, c in steps])
    )


def render(builder: dash.Dashboard) -> dict[str, Any]:
    """Serialise a dashboard to plain, deterministic JSON: no `id`, no `version`, sorted keys."""
    model = json.loads(json.dumps(builder.build(), cls=JSONEncoder, sort_keys=True))
    model.pop("id", None)
    model.pop("version", None)
    return model


def dashboard(builder: dash.Dashboard) -> Dashboard:
    model = render(builder)
    return Dashboard(uid=model["uid"], title=model["title"], model=model)


def fixed_color(color: str) -> dm.DynamicConfigValue:
    """Override property pinning a field (or pie slice, by its row name) to one colour."""
    return dm.DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": color})


def transform(transformation_id: str, options: dict[str, Any]) -> dm.DataTransformerConfig:
    """One panel transformation, e.g. transform("organize", {"renameByName": {...}})."""
    return dm.DataTransformerConfig(id_val=transformation_id, options=options)


# --- Generic helpers for Prometheus packs (media, upstream, prisma) ---

# Grafana's built-in annotation data source (annotations stored in Grafana, found by tag).
GRAFANA_ANNOTATIONS = dm.DataSourceRef(type_val="grafana", uid="-- Grafana --")


def threshold_lines(style: str = "line") -> common_builders.GraphThresholdsStyleConfig:
    """Draw a time series panel's threshold steps as lines ("line", "dashed", "area", ...)."""
    return common_builders.GraphThresholdsStyleConfig().mode(cm.GraphThresholdsStyleMode(style))


def tag_annotation(name: str, tags: Sequence[str], color: str) -> dash.AnnotationQuery:
    """Annotations stored in Grafana (e.g. posted by a deploy script) that carry any of `tags`."""
    return (
        dash.AnnotationQuery()
        .name(name)
        .datasource(GRAFANA_ANNOTATIONS)
        .enable(True)
        .icon_color(color)
        .target(dash.AnnotationTarget().type("tags").tags(list(tags)).limit(100).match_any(True))
    )


def per_step(expr: str) -> str:
    """A per-second rate turned into the increase over each query step.

    Summing these points (stat/bar reduce "sum") gives the total over the time range while the
    rate itself keeps `$__rate_interval`: `sum(rate(x[$__rate_interval]))` * step seconds.
    """
    return f"({expr}) * $__interval_ms / 1000"


# The custom all value of every variable that offers All: matches anything in PromQL, LogQL and (see
# clerk.selected) SQL, so All is not sent as the list of every option (lint rule variable-all-value).
ALL = ".*"


def include_all(variable: cogbuilder.Builder, multi: bool = True) -> cogbuilder.Builder:
    """A variable that offers All, selected by default, sent as ALL."""
    return (
        variable.multi(multi)
        .include_all(True)
        .all_value(ALL)
        .current(dm.VariableOption(selected=True, text="All", value="$__all"))
    )


def new_dashboard(
    title: str, uid: str, description: str, tags: list[str], time_from: str, refresh: str = "1m"
) -> dash.Dashboard:
    """Every pack's dashboard header: the range up to now, local time, shared crosshair."""
    return (
        dash.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(tags)
        .time(time_from, "now")
        .refresh(refresh)
        .timezone("browser")
        .tooltip(dm.DashboardCursorSync.CROSSHAIR)
    )


def with_rows(builder: dash.Dashboard, rows: Sequence[tuple[int, str, Sequence[Any]]]) -> dash.Dashboard:
    """Each row (pinned id, title) followed by its panels."""
    for row_id, title, panels in rows:
        builder = builder.with_row(dash.Row(title).id(row_id))
        for panel in panels:
            builder = builder.with_panel(panel)
    return builder
