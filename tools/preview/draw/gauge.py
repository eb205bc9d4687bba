"""Gauge: an arc filled to the value between min and max, the threshold ring outside it, the value
in the middle in the panel's unit and colour."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.patches import Wedge

from tools.preview import theme
from tools.preview.draw.common import Canvas, display, fit, fit_size, no_data
from tools.preview.draw.stat import grid
from tools.preview.draw.values import single_values
from tools.preview.frames import PanelData
from tools.preview.layout import Rect

START, SWEEP = 225.0, 270.0  # degrees, counter-clockwise from east; the arc runs clockwise


def limits(config: Mapping[str, Any], value: float | None) -> tuple[float, float]:
    unit = config.get("unit")
    lo = config.get("min", 0.0)
    default_hi = {"percent": 100.0, "percentunit": 1.0}.get(unit)
    steps = [
        s["value"] for s in (config.get("thresholds") or {}).get("steps", []) if s.get("value") is not None
    ]
    hi = config.get("max", default_hi if default_hi is not None else max([value or 0, *steps, 1]) * 1.2)
    return float(lo), float(hi) if hi > lo else float(lo) + 1


def draw(canvas: Canvas, box: Rect, panel: Mapping[str, Any], data: PanelData) -> None:
    values = single_values(panel, data)
    if not values:
        no_data(canvas, box)
        return
    options = panel.get("options") or {}
    for value, tile in zip(values, grid(len(values), box, options.get("orientation", "auto")), strict=True):
        name_h = 18 if len(values) > 1 else 0
        if name_h:
            canvas.text(
                tile.x + tile.w / 2,
                tile.y + 8,
                fit(value.name, tile.w, 12),
                12,
                theme.TEXT,
                ha="center",
                va="center",
            )
        ax = canvas.axes(Rect(tile.x, tile.y + name_h, tile.w, tile.h - name_h))
        ax.set_xlim(-1.1, 1.1)
        ax.set_ylim(-0.85, 1.1)
        ax.set_aspect("equal")
        ax.axis("off")
        text, color = display(value.value, value.config)
        lo, hi = limits(value.config, value.value)

        def angle(v: float, lo: float = lo, hi: float = hi) -> float:
            share = min(1.0, max(0.0, (v - lo) / (hi - lo)))
            return START - SWEEP * share

        if options.get("showThresholdMarkers", True):
            steps = (value.config.get("thresholds") or {}).get("steps") or []
            bounds = [lo] + [s["value"] for s in steps[1:]] + [hi]
            for step, a, b in zip(steps, bounds, bounds[1:], strict=False):
                if b > a:
                    ax.add_patch(
                        Wedge(
                            (0, 0), 1.0, angle(b), angle(a), width=0.06, color=theme.color(step.get("color"))
                        )
                    )
        ax.add_patch(Wedge((0, 0), 0.9, START - SWEEP, START, width=0.22, color="#2c3036"))
        if value.value is not None:
            ax.add_patch(Wedge((0, 0), 0.9, angle(value.value), START, width=0.22, color=color))
        radius = min(tile.w / 2.2, (tile.h - name_h) / 1.95)  # px: the arc's outer radius as drawn
        size = fit_size(text, radius * 1.1, radius * 0.4, 48)
        ax.text(
            0,
            0.05,
            text,
            ha="center",
            va="center",
            fontsize=size * 72 / 100,
            color=color if value.value is not None else theme.TEXT,
        )
