"""Heatmap: one row per bucket (Prometheus `le` buckets, de-accumulated) or per series, one column
per time step, coloured by the panel's scheme (Oranges by default) with its exponent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.colors import PowerNorm

from tools.preview import theme
from tools.preview.draw.common import Canvas, field_config, fit, no_data, style_axes
from tools.preview.draw.timeseries import time_ticks
from tools.preview.frames import PanelData, Series
from tools.preview.layout import Rect
from tools.preview.units import format_value


def _bucket_label(series: Series, unit: str | None) -> str:
    """A bucket's upper bound in the panel's unit; any other series by its name."""
    bound = series.labels.get("le")
    if bound is None:
        return series.name
    return "+Inf" if bound in ("+Inf", "inf") else format_value(float(bound), unit)


def draw(canvas: Canvas, box: Rect, panel: Mapping[str, Any], data: PanelData) -> None:
    series = [s for s in data.series if s.numbers()]
    if not series:
        no_data(canvas, box)
        return
    options = panel.get("options") or {}
    color = options.get("color") or {}
    unit = field_config(panel, "").get("unit")
    times = series[0].times
    grid = np.array(
        [[np.nan if v is None else v for v in s.values][: len(times)] for s in series], dtype=float
    )
    show_legend = (options.get("legend") or {}).get("show", True)
    legend_h = 22 if show_legend else 0
    left = 70
    ax = canvas.axes(Rect(box.x + left, box.y + 4, box.w - left - 8, box.h - 24 - legend_h))
    style_axes(ax)
    ax.grid(False)
    scheme = str(color.get("scheme") or "Oranges")
    cmap = mpl.colormaps.get(scheme, mpl.colormaps["Oranges"])
    if not color.get("reverse"):
        cmap = cmap.reversed()  # the dark theme runs a scheme from dark (few) to bright (many)
    if color.get("mode") == "opacity":
        cmap = mpl.colors.LinearSegmentedColormap.from_list(
            "opacity", [theme.PANEL, theme.color(color.get("fill"), theme.NAMED["orange"])]
        )
    hidden = (options.get("filterValues") or {}).get("le")
    if hidden is not None:
        grid = np.where(grid <= float(hidden), np.nan, grid)  # Grafana hides cells at or below it
    finite = grid[np.isfinite(grid)]
    top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    norm = PowerNorm(gamma=float(color.get("exponent", 0.5)), vmin=0, vmax=top)
    step = (times[1] - times[0]) if len(times) > 1 else 60
    edges_x = np.append(np.array(times, dtype=float) - step / 2, times[-1] + step / 2)
    edges_y = np.arange(len(series) + 1)
    gap = float(options.get("cellGap", 1))
    ax.pcolormesh(
        edges_x,
        edges_y,
        np.ma.masked_invalid(grid),
        cmap=cmap,
        norm=norm,
        edgecolors=theme.PANEL,
        linewidth=gap * 0.5,
    )
    every = max(1, len(series) // max(1, (box.h - 40) // 16))
    ax.set_yticks(
        [i + 0.5 for i in range(0, len(series), every)],
        [fit(_bucket_label(series[i], unit), left, 10) for i in range(0, len(series), every)],
    )
    xt, fmt = time_ticks(times[0], times[-1], box.w)
    ax.set_xlim(edges_x[0], edges_x[-1])
    ax.set_xticks(xt, [datetime.fromtimestamp(t, UTC).strftime(fmt) for t in xt])
    if show_legend:
        bar = canvas.axes(Rect(box.x + left, box.bottom - 12, min(240, box.w - left - 8), 8))
        bar.imshow(
            np.linspace(0, 1, 128).reshape(1, -1),
            cmap=cmap,
            aspect="auto",
            norm=PowerNorm(gamma=float(color.get("exponent", 0.5)), vmin=0, vmax=1),
        )
        bar.axis("off")
        canvas.text(box.x + left - 4, box.bottom - 8, "0", 10, theme.TEXT_SECONDARY, ha="right", va="center")
        canvas.text(
            box.x + left + min(240, box.w - left - 8) + 4,
            box.bottom - 8,
            f"{top:.3g}",
            10,
            theme.TEXT_SECONDARY,
            va="center",
        )
