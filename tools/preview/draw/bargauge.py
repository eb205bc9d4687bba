"""Bar gauge: one bar per value, filled to the value between min and max in its threshold colour
(gradient mode fades from a darker shade), the unfilled rest dimmed, name and value beside it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, to_rgb

from tools.preview import theme
from tools.preview.draw.common import Canvas, display, fit, no_data
from tools.preview.draw.values import single_values
from tools.preview.frames import PanelData
from tools.preview.layout import Rect


def draw(canvas: Canvas, box: Rect, panel: Mapping[str, Any], data: PanelData) -> None:
    values = single_values(panel, data)
    if not values:
        no_data(canvas, box)
        return
    options = panel.get("options") or {}
    finite = [v.value for v in values if v.value is not None]
    top = max(finite, default=1.0)
    row_h = box.h / len(values)
    name_w = min(box.w * 0.3, max(len(v.name) for v in values) * 7 + 8)
    value_w = 90
    for i, value in enumerate(values):
        y = box.y + i * row_h
        bar_h = max(4.0, min(row_h - 4, 40))
        cy = y + row_h / 2
        canvas.text(
            box.x + name_w - 8, cy, fit(value.name, name_w - 8, 12), 12, theme.TEXT, ha="right", va="center"
        )
        text, color = display(value.value, value.config)
        lo = float(value.config.get("min", 0))
        hi = float(value.config.get("max", top if top > lo else lo + 1))
        share = 0.0 if value.value is None else min(1.0, max(0.0, (value.value - lo) / ((hi - lo) or 1)))
        x0, width = box.x + name_w, box.w - name_w - value_w
        bar = Rect(round(x0), round(cy - bar_h / 2), round(width), round(bar_h))
        if options.get("showUnfilled", True):
            canvas.rect(bar, "#22252b")
        filled = round(width * share)
        if filled > 0:
            if options.get("displayMode") == "gradient":
                r, g, b = to_rgb(color)
                cmap = LinearSegmentedColormap.from_list("bar", [(r * 0.35, g * 0.35, b * 0.35), (r, g, b)])
                canvas.ax.imshow(
                    np.linspace(0, 1, 64).reshape(1, -1), cmap=cmap, aspect="auto", interpolation="bilinear",
                    extent=(bar.x, bar.x + filled, bar.bottom, bar.y), zorder=2,
                )  # fmt: skip
            else:
                canvas.rect(Rect(bar.x, bar.y, filled, bar.h), color, zorder=2)
        canvas.text(box.right - 4, cy, text, min(20, bar_h * 0.8), color, ha="right", va="center")
