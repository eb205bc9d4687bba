"""Default panels and the field-config pieces they share.

Each `default_<kind>()` returns the panel builder with what every panel of that kind carries here
(id, title, description, grid size, and the kind's reduction or markers); a pack's panel function
adds its query, unit and thresholds. Ids are pinned by the packs: alert rules link to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grafana_foundation_sdk.builders import (
    barchart,
    bargauge,
    gauge,
    heatmap,
    logs,
    piechart,
    stat,
    table,
    timeseries,
)
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm

FULL_WIDTH = 24


def _titled(panel, panel_id: int, title: str, description: str, span: int, height: int):
    return panel.id(panel_id).title(title).description(description).span(span).height(height)


def reduce(*calcs: str) -> common_builders.ReduceDataOptions:
    """How a single-value panel reduces each series (e.g. "lastNotNull", "sum", "mean")."""
    return common_builders.ReduceDataOptions().calcs(list(calcs))


def default_timeseries(
    panel_id: int, title: str, description: str, span: int = 12, height: int = 8
) -> timeseries.Panel:
    return _titled(timeseries.Panel(), panel_id, title, description, span, height)


def default_stat(
    panel_id: int, title: str, description: str, span: int = 8, height: int = 6, calc: str = "lastNotNull"
) -> stat.Panel:
    """A stat tile showing `calc` of its series (the last value unless said otherwise)."""
    return _titled(stat.Panel(), panel_id, title, description, span, height).reduce_options(reduce(calc))


def default_gauge(panel_id: int, title: str, description: str, span: int = 8, height: int = 6) -> gauge.Panel:
    """A gauge of the last value from 0, with its threshold steps marked on the arc."""
    return (
        _titled(gauge.Panel(), panel_id, title, description, span, height)
        .min(0)
        .show_threshold_markers(True)
        .reduce_options(reduce("lastNotNull"))
    )


def default_bargauge(
    panel_id: int, title: str, description: str, span: int = 12, height: int = 8
) -> bargauge.Panel:
    return _titled(bargauge.Panel(), panel_id, title, description, span, height).reduce_options(
        reduce("lastNotNull")
    )


def default_table(
    panel_id: int, title: str, description: str, span: int = 12, height: int = 8
) -> table.Panel:
    return _titled(table.Panel(), panel_id, title, description, span, height)


def default_heatmap(
    panel_id: int, title: str, description: str, span: int = 12, height: int = 8
) -> heatmap.Panel:
    return _titled(heatmap.Panel(), panel_id, title, description, span, height)


def default_piechart(
    panel_id: int, title: str, description: str, span: int = 8, height: int = 6
) -> piechart.Panel:
    return _titled(piechart.Panel(), panel_id, title, description, span, height)


def default_barchart(
    panel_id: int, title: str, description: str, span: int = FULL_WIDTH, height: int = 8
) -> barchart.Panel:
    return _titled(barchart.Panel(), panel_id, title, description, span, height)


def default_logs(
    panel_id: int, title: str, description: str, span: int = FULL_WIDTH, height: int = 12
) -> logs.Panel:
    return _titled(logs.Panel(), panel_id, title, description, span, height)


def thresholds(base: str, steps: Sequence[tuple[float, str]] = ()) -> dash.ThresholdsConfig:
    """Absolute threshold steps: `base` colour below the first step, then (value, colour)."""
    return (
        dash.ThresholdsConfig()
        .mode(dm.ThresholdsMode.ABSOLUTE)
        .steps([dm.Threshold(value=None, color=base)] + [dm.Threshold(value=v, color=c) for v, c in steps])
    )


def threshold_lines(style: str = "line") -> common_builders.GraphThresholdsStyleConfig:
    """Draw a time series panel's threshold steps as lines ("line", "dashed", "area", ...)."""
    return common_builders.GraphThresholdsStyleConfig().mode(cm.GraphThresholdsStyleMode(style))


def table_legend(placement: cm.LegendPlacement, calcs: Sequence[str]) -> common_builders.VizLegendOptions:
    """A legend as a table of per-series values (`calcs`, e.g. "mean", "max")."""
    return (
        common_builders.VizLegendOptions()
        .show_legend(True)
        .display_mode(cm.LegendDisplayMode.TABLE)
        .placement(placement)
        .calcs(list(calcs))
    )


def fixed_color(color: str) -> dm.DynamicConfigValue:
    """Override property pinning a field (or pie slice, by its row name) to one colour."""
    return dm.DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": color})


def transform(transformation_id: str, options: dict[str, Any]) -> dm.DataTransformerConfig:
    """One panel transformation, e.g. transform("organize", {"renameByName": {...}})."""
    return dm.DataTransformerConfig(id_val=transformation_id, options=options)
