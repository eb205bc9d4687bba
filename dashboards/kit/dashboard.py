"""The dashboard around the panels: header, rows, variables that offer All, rendering."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as dm

from dashboards.kit.targets import GRAFANA_ANNOTATIONS
from model.pack import Dashboard, PackContext

# The custom all value of every variable that offers All: matches anything in PromQL, LogQL and (see
# clerk.selected) SQL, so All is not sent as the list of every option (lint rule variable-all-value).
ALL = ".*"

# Grafana's data source for panels whose targets query several data sources.
MIXED = dm.DataSourceRef(type_val="datasource", uid="-- Mixed --")

PanelFunction = Callable[[PackContext], cogbuilder.Builder]


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


def with_panels(builder: dash.Dashboard, ctx: PackContext, panels: Sequence[PanelFunction]) -> dash.Dashboard:
    """The panels, in order, without rows (Grafana lays them out left to right, top to bottom)."""
    for panel in panels:
        builder = builder.with_panel(with_targets_data_source(panel(ctx)))
    return builder


def with_targets_data_source(panel: cogbuilder.Builder) -> cogbuilder.Builder:
    """Every panel with targets names its data source: the one its targets query.

    Targets alone are not enough: the older dashboard renderer, the panel editor and Explore fall
    back to the org's default data source for a panel without one. A panel whose targets query
    several data sources gets Grafana's "-- Mixed --" source.
    """
    model = panel.build()
    refs = {(t.datasource.type_val, t.datasource.uid): t.datasource for t in model.targets or []}
    if model.datasource is None and refs:
        panel = panel.datasource(next(iter(refs.values())) if len(refs) == 1 else MIXED)
    return panel


def with_rows(
    builder: dash.Dashboard, ctx: PackContext, rows: Sequence[tuple[int, str, Sequence[PanelFunction]]]
) -> dash.Dashboard:
    """Each row (pinned id, title) followed by its panels."""
    for row_id, title, panels in rows:
        builder = with_panels(builder.with_row(dash.Row(title).id(row_id)), ctx, panels)
    return builder


def include_all(variable: cogbuilder.Builder, multi: bool = True) -> cogbuilder.Builder:
    """A variable that offers All, selected by default, sent as ALL."""
    return (
        variable.multi(multi)
        .include_all(True)
        .all_value(ALL)
        .current(dm.VariableOption(selected=True, text="All", value="$__all"))
    )


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


def render(builder: dash.Dashboard) -> dict[str, Any]:
    """Serialise a dashboard to plain, deterministic JSON: no `id`, no `version`, sorted keys."""
    model = json.loads(json.dumps(builder.build(), cls=JSONEncoder, sort_keys=True))
    model.pop("id", None)
    model.pop("version", None)
    return model


def dashboard(builder: dash.Dashboard) -> Dashboard:
    """The pack-level record of a rendered dashboard."""
    model = render(builder)
    return Dashboard(uid=model["uid"], title=model["title"], model=model)
