"""Time series: lines or bars per series, fill, stacking, threshold lines/areas, the legend with the
calcs the panel asks for, a y axis in the panel's unit and a time x axis (UTC)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np

from tools.preview import theme
from tools.preview.draw.common import (
    Canvas,
    custom,
    display_name,
    field_config,
    fit,
    nice_ticks,
    no_data,
    pt,
    series_color,
    style_axes,
    tick_decimals,
)
from tools.preview.frames import CALC_NAMES, PanelData, Series, reduce
from tools.preview.layout import Rect
from tools.preview.units import format_value

LEGEND_ROW = 18
# Units whose ticks below 1000 are written as plain numbers, so the tick step gives the decimals
# (time units switch to smaller units below 1 and keep Grafana's automatic decimals).
FIXED_DECIMAL_UNITS = {
    None,
    "none",
    "percent",
    "percentunit",
    "short",
    "h",
    "ops",
    "opm",
    "reqps",
    "rps",
    "wps",
    "cps",
}
AXIS_LEFT = 64
AXIS_BOTTOM = 20
TIME_STEPS = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)


def time_ticks(start: float, end: float, width: int) -> tuple[list[float], str]:
    """Tick positions every nice step (about one per 110 px) and their strftime format."""
    wanted = max(2, width // 110)
    step = next((s for s in TIME_STEPS if (end - start) / s <= wanted), TIME_STEPS[-1])
    first = math.ceil(start / step) * step
    fmt = "%m/%d" if step >= 86400 else ("%m/%d %H:%M" if end - start > 86400 * 2 else "%H:%M")
    return list(np.arange(first, end + 1, step)), fmt


def value_ticks_text(ticks: list[float], unit: str | None) -> list[str]:
    """Tick labels with one number of decimals, enough to tell the ticks apart (as Grafana's axis)."""
    scale = 100 if unit == "percentunit" else 1
    unscaled = max((abs(t) for t in ticks), default=0) < 1000 and unit in FIXED_DECIMAL_UNITS
    decimals = tick_decimals([t * scale for t in ticks]) if unscaled else None
    return [format_value(t, unit, decimals) for t in ticks]


def _stack(series: list[Series], mode: str) -> list[list[float]]:
    """Cumulative values per series (normal) or shares of the total (percent)."""
    arrays = [np.array([np.nan if v is None else v for v in s.values], dtype=float) for s in series]
    total = np.zeros_like(arrays[0]) if arrays else None
    out = []
    sums = np.nansum(np.vstack(arrays), axis=0) if arrays else None
    for values in arrays:
        total = total + np.nan_to_num(values)
        out.append(list(total / np.where(sums == 0, 1, sums)) if mode == "percent" else list(total))
    return out


def draw(canvas: Canvas, box: Rect, panel: Mapping[str, Any], data: PanelData) -> None:
    series = [s for s in data.series if s.times]
    if not any(s.numbers() for s in series):
        no_data(canvas, box)
        return
    options = panel.get("options") or {}
    legend = options.get("legend") or {}
    show_legend = legend.get("showLegend", True) and legend.get("displayMode") != "hidden"
    placement = legend.get("placement", "bottom")
    calcs = legend.get("calcs") or []
    configs = [field_config(panel, s.name, s.ref_id) for s in series]
    shown = [i for i, c in enumerate(configs) if not custom(c, "hideFrom", {}).get("viz")]
    series, configs = [series[i] for i in shown], [configs[i] for i in shown]

    plot = box
    legend_box = None
    if show_legend:
        if placement == "right":
            width = min(box.w // 3, 260)
            plot = Rect(box.x, box.y, box.w - width, box.h)
            legend_box = Rect(box.right - width + 8, box.y, width - 8, box.h)
        else:
            rows = min(
                len(series) + (1 if legend.get("displayMode") == "table" else 0),
                max(2, int(box.h * 0.45) // LEGEND_ROW),
            )
            if legend.get("displayMode") != "table":
                rows = min(rows, _list_rows(series, calcs, box.w))
            height = rows * LEGEND_ROW + 4
            plot = Rect(box.x, box.y, box.w, box.h - height)
            legend_box = Rect(box.x, plot.bottom + 4, box.w, height - 4)
    right = [i for i, c in enumerate(configs) if custom(c, "axisPlacement") == "right"]
    inner = Rect(
        plot.x + AXIS_LEFT,
        plot.y + 4,
        plot.w - AXIS_LEFT - (AXIS_LEFT if right else 4),
        plot.h - AXIS_BOTTOM - 4,
    )
    ax = canvas.axes(inner)
    style_axes(ax)
    defaults = field_config(panel, "")
    stacking = (custom(defaults, "stacking") or {}).get("mode", "none")
    start = min(s.times[0] for s in series)
    end = max(s.times[-1] for s in series)
    left = [i for i in range(len(series)) if i not in right]
    axes = [(ax, left, defaults)]
    if right:
        twin = ax.twinx()
        style_axes(twin)
        twin.grid(False)
        axes.append((twin, right, configs[right[0]]))
    for target, indices, config in axes:
        if not indices:
            target.set_yticks([])
            continue
        _plot(target, [series[i] for i in indices], [configs[i] for i in indices], indices, stacking)
        _scale(target, [series[i] for i in indices], config, stacking, start, end, plot.h)
    xt, fmt = time_ticks(start, end, plot.w)
    ax.set_xlim(start, end)
    ax.set_xticks(xt, [datetime.fromtimestamp(t, UTC).strftime(fmt) for t in xt])
    if custom(defaults, "axisLabel"):
        ax.set_ylabel(custom(defaults, "axisLabel"), fontsize=pt(11), color=theme.TEXT_SECONDARY)
    if legend_box is not None:
        draw_legend(canvas, legend_box, series, configs, legend, defaults.get("unit"))


def _values(s: Series) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in s.values], dtype=float)


def _plot(ax: Any, series: list[Series], configs: list[dict], indices: list[int], stacking: str) -> None:
    """Lines (or bars, points), fill and stacking, each series in its palette or override colour."""
    stacked = _stack(series, stacking) if stacking in ("normal", "percent") else None
    for j, (s, config, i) in enumerate(zip(series, configs, indices, strict=True)):
        color = series_color(config, i)
        xs = np.array(s.times, dtype=float)
        ys = np.array(stacked[j], dtype=float) if stacked else _values(s)
        base = np.array(stacked[j - 1]) if stacked and j > 0 else np.zeros_like(ys)
        width = custom(config, "lineWidth", 1)
        fill = custom(config, "fillOpacity", 0) / 100
        style = custom(config, "drawStyle", "line")
        dashed = (custom(config, "lineStyle") or {}).get("fill") in ("dash", "dot")
        if style == "bars":
            step = (xs[1] - xs[0]) if len(xs) > 1 else 60
            ax.bar(
                xs, ys - base, bottom=base, width=step * 0.8, color=color, alpha=max(fill, 0.8), linewidth=0
            )
            continue
        ax.plot(xs, ys, color=color, linewidth=width * 1.2, linestyle=(0, (4, 4)) if dashed else "-")
        if style == "points" or custom(config, "showPoints") == "always":
            ax.plot(xs, ys, "o", color=color, markersize=2.5)
        if fill:
            ax.fill_between(xs, base, ys, color=color, alpha=fill, linewidth=0)


def _scale(
    ax: Any,
    series: list[Series],
    config: Mapping[str, Any],
    stacking: str,
    start: float,
    end: float,
    height: int,
) -> None:
    """The y axis of one side: min/max from the field config or the data, threshold lines/areas,
    ticks in the side's unit."""
    if stacking in ("normal", "percent"):
        arrays = [np.array(v, dtype=float) for v in _stack(series, stacking)]
    else:
        arrays = [_values(s) for s in series]
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays]) if arrays else np.array([])
    lo = config.get("min", min(0.0, float(finite.min())) if finite.size else 0.0)
    hi = config.get("max", float(finite.max()) if finite.size else 1.0)
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    hi_soft = hi if "max" in config else hi + (hi - lo) * 0.05
    _thresholds(ax, config, start, end, lo, hi_soft)
    ticks = nice_ticks(lo, hi_soft, max(2, height // 45))
    ax.set_ylim(lo, max(hi_soft, ticks[-1] if ticks else hi_soft))
    ax.set_yticks(
        ticks, value_ticks_text(ticks, "percentunit" if stacking == "percent" else config.get("unit"))
    )


def _thresholds(ax: Any, config: Mapping[str, Any], start: float, end: float, lo: float, hi: float) -> None:
    """custom.thresholdsStyle.mode: line, dashed, area, line+area, dashed+area (off by default)."""
    mode = (custom(config, "thresholdsStyle") or {}).get("mode", "off")
    steps = (config.get("thresholds") or {}).get("steps") or []
    if mode == "off" or len(steps) < 1:
        return
    if "area" in mode:
        bounds = [lo] + [s["value"] for s in steps[1:]] + [hi]
        for step, (a, b) in zip(steps, zip(bounds, bounds[1:], strict=False), strict=False):
            color = theme.color(step.get("color"))
            if not theme.is_transparent(color) and b > a:
                ax.axhspan(a, b, color=color, alpha=0.12, linewidth=0)
    if "line" in mode or "dashed" in mode:
        for step in steps[1:]:
            color = theme.color(step.get("color"))
            if lo <= step["value"] <= hi and not theme.is_transparent(color):
                ax.axhline(
                    step["value"],
                    color=color,
                    linewidth=1.2,
                    linestyle=(0, (5, 4)) if "dashed" in mode else "-",
                )


def _list_rows(series: list[Series], calcs: list[str], width: int) -> int:
    used, rows = 0, 1
    for s in series:
        item = 24 + len(s.name) * 7 + len(calcs) * 90
        if used + item > width and used:
            rows += 1
            used = 0
        used += item
    return rows


def draw_legend(
    canvas: Canvas,
    box: Rect,
    series: list[Series],
    configs: list[dict],
    legend: Mapping[str, Any],
    unit: str | None,
) -> None:
    calcs = legend.get("calcs") or []
    table = legend.get("displayMode") == "table"
    y = box.y + LEGEND_ROW / 2
    if table:
        name_w = box.w - 90 * len(calcs)
        for j, calc in enumerate(calcs):
            canvas.text(
                box.x + name_w + 90 * (j + 1) - 6,
                y,
                CALC_NAMES.get(calc, calc),
                11,
                theme.NAMED["blue"],
                ha="right",
                va="center",
            )
        y += LEGEND_ROW
    x = box.x
    for i, (s, config) in enumerate(zip(series, configs, strict=True)):
        if y > box.bottom:
            break
        values = s.numbers()
        cfg_unit, decimals = config.get("unit", unit), config.get("decimals")
        stats = [format_value(reduce(values, c), cfg_unit, decimals) if values else "No data" for c in calcs]
        name = display_name(config, s.name)
        color = series_color(config, i)
        if table:
            canvas.ax.plot([box.x, box.x + 14], [y, y], color=color, linewidth=3, solid_capstyle="butt")
            canvas.text(
                box.x + 20, y, fit(name, box.w - 90 * len(calcs) - 24, 11), 11, theme.TEXT, va="center"
            )
            for j, text in enumerate(stats):
                canvas.text(
                    box.x + box.w - 90 * (len(calcs) - 1 - j) - 6,
                    y,
                    text,
                    11,
                    theme.TEXT,
                    ha="right",
                    va="center",
                )
            y += LEGEND_ROW
            continue
        label = name + "".join(f"  {CALC_NAMES.get(c, c)}: {t}" for c, t in zip(calcs, stats, strict=True))
        item_w = 24 + len(label) * 6.6
        if x + item_w > box.right and x > box.x:
            x, y = box.x, y + LEGEND_ROW
            if y > box.bottom:
                break
        canvas.ax.plot([x, x + 14], [y, y], color=color, linewidth=3, solid_capstyle="butt")
        canvas.text(x + 20, y, fit(label, box.right - x - 20, 11), 11, theme.TEXT, va="center")
        x += item_w + 12
