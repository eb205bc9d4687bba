"""Pie chart: a wedge per value (pie or donut) in its override or palette colour, the labels the
panel displays on the wedges, and the legend (list or table, with value and percent)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tools.preview import theme
from tools.preview.draw.common import Canvas, fit, no_data, series_color
from tools.preview.draw.values import single_values
from tools.preview.frames import PanelData
from tools.preview.layout import Rect
from tools.preview.units import format_value


def draw(canvas: Canvas, box: Rect, panel: Mapping[str, Any], data: PanelData) -> None:
    values = [v for v in single_values(panel, data) if v.value]
    if not values:
        no_data(canvas, box)
        return
    options = panel.get("options") or {}
    legend = options.get("legend") or {}
    total = sum(v.value for v in values)
    colors = [series_color(v.config, i) for i, v in enumerate(values)]
    pie_box = box
    legend_box = None
    if legend.get("showLegend", True):
        if legend.get("placement", "right") == "right":
            width = min(box.w // 2, 240)
            pie_box, legend_box = (
                Rect(box.x, box.y, box.w - width, box.h),
                Rect(box.right - width, box.y, width, box.h),
            )
        else:
            height = min(box.h // 3, 18 * len(values))
            pie_box, legend_box = (
                Rect(box.x, box.y, box.w, box.h - height),
                Rect(box.x, box.bottom - height, box.w, height),
            )
    ax = canvas.axes(pie_box)
    ax.set_aspect("equal")
    ax.axis("off")
    labels = options.get("displayLabels") or []
    donut = options.get("pieType") == "donut"

    def label(v: Any) -> str:
        parts = []
        if "name" in labels:
            parts.append(v.name)
        if "value" in labels:
            parts.append(format_value(v.value, v.config.get("unit"), v.config.get("decimals")))
        if "percent" in labels:
            parts.append(f"{100 * v.value / total:.0f}%")
        return "\n".join(parts)

    wedges, texts = ax.pie(
        [v.value for v in values], colors=colors, startangle=90, counterclock=False,
        labels=[label(v) if v.value / total >= 0.04 else "" for v in values], labeldistance=0.68,
        wedgeprops={"linewidth": 1, "edgecolor": theme.PANEL, "width": 0.45 if donut else 1},
        textprops={"color": "#ffffff", "fontsize": 7.5, "ha": "center", "va": "center"},
    )  # fmt: skip
    if legend_box is None:
        return
    shown = legend.get("values") or []
    table = legend.get("displayMode") == "table"
    y = legend_box.y + 9
    if table and shown:
        headers = {"value": "Value", "percent": "Percent"}
        for j, key in enumerate(reversed(shown)):
            canvas.text(
                legend_box.right - 4 - 62 * j,
                y,
                headers.get(key, key),
                11,
                theme.NAMED["blue"],
                ha="right",
                va="center",
            )
        y += 18
    for v, color in zip(values, colors, strict=True):
        if y > legend_box.bottom:
            break
        canvas.ax.plot(
            [legend_box.x, legend_box.x + 12], [y, y], color=color, linewidth=3, solid_capstyle="butt"
        )
        canvas.text(
            legend_box.x + 18,
            y,
            fit(v.name, legend_box.w - 62 * len(shown) - 22, 11),
            11,
            theme.TEXT,
            va="center",
        )
        cells = {
            "value": format_value(v.value, v.config.get("unit"), v.config.get("decimals")),
            "percent": f"{100 * v.value / total:.0f}%",
        }
        for j, key in enumerate(reversed(shown)):
            canvas.text(
                legend_box.right - 4 - 62 * j, y, cells.get(key, ""), 11, theme.TEXT, ha="right", va="center"
            )
        y += 18
