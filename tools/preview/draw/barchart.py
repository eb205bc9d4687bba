"""Bar chart: a bar per category (the x field's values), horizontal or vertical, coloured by the
value mappings of the colour-by field or the palette, with the value shown in the panel's unit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tools.preview import theme
from tools.preview.draw.common import (
    Canvas,
    custom,
    field_config,
    mapping,
    nice_ticks,
    no_data,
    pt,
    series_color,
    style_axes,
)
from tools.preview.draw.timeseries import value_ticks_text
from tools.preview.frames import PanelData
from tools.preview.layout import Rect
from tools.preview.units import format_value


def draw(canvas: Canvas, box: Rect, panel: Mapping[str, Any], data: PanelData) -> None:
    table = next((t for t in data.tables if t.rows), None)
    if table is None:
        no_data(canvas, box)
        return
    options = panel.get("options") or {}
    x_field = options.get("xField") or next(
        (c for c in table.columns if isinstance(table.rows[0][table.columns.index(c)], str)), table.columns[0]
    )
    numeric = [
        c
        for c in table.columns
        if c != x_field and all(isinstance(v, int | float) or v is None for v in table.column(c))
    ]
    if not numeric:
        no_data(canvas, box, "Bar charts require a string or time field")
        return
    categories = [str(v) for v in table.column(x_field)]
    horizontal = options.get("orientation") == "horizontal"
    label_w = max(len(c) for c in categories) * 7 + 12 if horizontal else 50
    ax = canvas.axes(Rect(box.x + label_w, box.y + 4, box.w - label_w - 8, box.h - 24))
    style_axes(ax)
    color_field = field_config(panel, options.get("colorByField") or "")
    group = options.get("groupWidth", 0.7)
    bar_share = options.get("barWidth", 0.97) * group / len(numeric)
    top = 0.0
    for j, column in enumerate(numeric):
        config = field_config(panel, column)
        values = [float(v or 0) for v in table.column(column)]
        top = max(top, *values)
        colors = []
        for category in categories:
            mapped = mapping(category, color_field) if options.get("colorByField") else None
            colors.append(mapped[1] if mapped and mapped[1] else series_color(config, j))
        positions = [i - group / 2 + bar_share * (j + 0.5) for i in range(len(categories))]
        alpha = max(0.25, custom(config, "fillOpacity", 80) / 100)
        if horizontal:
            ax.barh(
                positions, values, height=bar_share, color=colors, alpha=alpha, edgecolor=colors, linewidth=1
            )
        else:
            ax.bar(
                positions, values, width=bar_share, color=colors, alpha=alpha, edgecolor=colors, linewidth=1
            )
        if options.get("showValue", "auto") != "never":
            for p, v in zip(positions, values, strict=True):
                text = format_value(v, config.get("unit"), config.get("decimals"))
                if horizontal:
                    ax.text(v, p, " " + text, va="center", ha="left", fontsize=pt(11), color=theme.TEXT)
                else:
                    ax.text(p, v, text, va="bottom", ha="center", fontsize=pt(11), color=theme.TEXT)
    defaults = field_config(panel, numeric[0])
    ticks = nice_ticks(0, top * 1.15 or 1, max(2, (box.w if horizontal else box.h) // 120))
    value_labels = value_ticks_text(ticks, defaults.get("unit"))
    if horizontal:
        ax.set_yticks(range(len(categories)), categories)
        ax.invert_yaxis()
        ax.set_xlim(0, ticks[-1])
        ax.set_xticks(ticks, value_labels)
        ax.grid(False, axis="y")
    else:
        ax.set_xticks(range(len(categories)), categories)
        ax.set_ylim(0, ticks[-1])
        ax.set_yticks(ticks, value_labels)
        ax.grid(False, axis="x")
