"""Stat: the reduced value in the panel's unit and decimals, coloured by thresholds or value
mappings (colorMode background fills the tile, value colours the text), a sparkline for graphMode
area, and the names when there is more than one value. Grafana paints the background mode as a
gentle gradient of the colour; it is drawn here in the colour itself."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from tools.preview import theme
from tools.preview.draw.common import Canvas, display, fit, fit_size, no_data
from tools.preview.draw.values import single_values
from tools.preview.frames import PanelData
from tools.preview.layout import Rect


def grid(count: int, box: Rect, orientation: str) -> list[Rect]:
    """Tiles for `count` values: side by side when the panel is wide, stacked when it is tall."""
    horizontal = orientation == "horizontal" or (orientation != "vertical" and box.w >= box.h)
    if horizontal:
        cols = min(count, max(1, math.ceil(math.sqrt(count * box.w / max(1, box.h)))))
    else:
        cols = max(1, min(count, round(math.sqrt(count * box.w / max(1, box.h)))))
    rows = math.ceil(count / cols)
    gap = 4
    w = (box.w - gap * (cols - 1)) / cols
    h = (box.h - gap * (rows - 1)) / rows
    return [
        Rect(
            round(box.x + (i % cols) * (w + gap)), round(box.y + (i // cols) * (h + gap)), round(w), round(h)
        )
        for i in range(count)
    ]


def draw(canvas: Canvas, box: Rect, panel: Mapping[str, Any], data: PanelData) -> None:
    values = single_values(panel, data)
    if not values:
        no_data(canvas, box)
        return
    options = panel.get("options") or {}
    color_mode = options.get("colorMode", "value")
    graph = options.get("graphMode", "area")
    text_mode = options.get("textMode", "auto")
    for value, tile in zip(values, grid(len(values), box, options.get("orientation", "auto")), strict=True):
        text, color = display(value.value, value.config)
        if value.value is None:
            color = theme.TEXT
        if color_mode == "background" and not theme.is_transparent(color) and value.value is not None:
            canvas.rect(tile, color)
            fg = "#ffffff"
        else:
            fg = color if color_mode == "value" and not theme.is_transparent(color) else theme.TEXT
        show_name = text_mode in ("name", "value_and_name") or (text_mode == "auto" and len(values) > 1)
        if graph == "area" and value.spark is not None and len(value.spark.numbers()) > 1:
            _sparkline(canvas, tile, value.spark, fg if color_mode == "background" else color)
        if show_name:
            name_size = min(14, max(9, tile.h * 0.16))
            canvas.text(
                tile.x + tile.w / 2,
                tile.y + tile.h * 0.22,
                fit(value.name, tile.w - 8, name_size),
                name_size,
                fg,
                ha="center",
                va="center",
            )
        size = fit_size(text, tile.w * 0.85, tile.h * (0.42 if show_name else 0.55), 64)
        canvas.text(
            tile.x + tile.w / 2,
            tile.y + tile.h * (0.58 if show_name else 0.5),
            text,
            size,
            fg,
            ha="center",
            va="center",
        )


def _sparkline(canvas: Canvas, tile: Rect, series: Any, color: str) -> None:
    ys = np.array([np.nan if v is None else v for v in series.values], dtype=float)
    finite = ys[np.isfinite(ys)]
    if finite.size < 2:
        return
    lo, hi = float(finite.min()), float(finite.max())
    span = (hi - lo) or 1.0
    top, height = tile.y + tile.h * 0.62, tile.h * 0.36
    xs = np.linspace(tile.x, tile.right, len(ys))
    py = top + height - (ys - lo) / span * height
    canvas.ax.fill_between(xs, py, tile.bottom, color=color, alpha=0.18, linewidth=0)
    canvas.ax.plot(xs, py, color=color, linewidth=1.2, alpha=0.8)
