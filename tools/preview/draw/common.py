"""What every drawer shares: the canvas in pixels, field config with overrides, thresholds, value
mappings, and text that fits its box."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tools.preview import theme
from tools.preview.layout import Rect
from tools.preview.units import format_value

DPI = 100
CHAR_WIDTH = 0.58  # average DejaVu Sans advance, in font sizes (px per px)


def pt(px: float) -> float:
    """Font size in points for a height in picture pixels."""
    return px * 72 / DPI


@dataclass
class Canvas:
    """The figure and a full-size axes whose data coordinates are picture pixels (origin top left)."""

    figure: Figure
    ax: Axes
    width: int
    height: int

    def axes(self, box: Rect) -> Axes:
        """A new matplotlib axes filling `box`."""
        ax = self.figure.add_axes(
            (box.x / self.width, 1 - box.bottom / self.height, box.w / self.width, box.h / self.height)
        )
        ax.set_facecolor("none")
        return ax

    def text(
        self, x: float, y: float, text: str, size: float, color: str = theme.TEXT, **kwargs: Any
    ) -> None:
        """Text at pixel (x, y); `size` in pixels."""
        self.ax.text(x, y, text, fontsize=pt(size), color=color, **kwargs)

    def rect(self, box: Rect, face: str, edge: str | None = None, width: float = 1, **kwargs: Any) -> None:
        from matplotlib.patches import Rectangle

        self.ax.add_patch(
            Rectangle(
                (box.x, box.y),
                box.w,
                box.h,
                facecolor=face,
                edgecolor=edge or "none",
                linewidth=width,
                **kwargs,
            )
        )


def fit(text: str, width_px: float, size_px: float) -> str:
    """`text`, cut with an ellipsis to about `width_px` at `size_px`."""
    room = max(1, int(width_px / (size_px * CHAR_WIDTH)))
    return text if len(text) <= room else text[: max(1, room - 1)] + "…"


def fit_size(text: str, box_w: float, box_h: float, largest: float) -> float:
    """The largest font size (px) at which `text` fits the box, at most `largest`."""
    by_width = box_w / max(1, len(text) * CHAR_WIDTH)
    return max(6.0, min(largest, by_width, box_h))


# --- field config ---------------------------------------------------------------------------


def _set(config: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        config = config.setdefault(key, {})
    config[keys[-1]] = value


def _matches(matcher: Mapping[str, Any], name: str, ref_id: str | None) -> bool:
    kind, option = matcher.get("id"), matcher.get("options")
    if kind == "byName":
        return option == name
    if kind == "byRegexp":
        return re.fullmatch(str(option).strip("/"), name) is not None
    if kind == "byFrameRefID":
        return option == ref_id
    return False


def field_config(panel: Mapping[str, Any], name: str, ref_id: str | None = None) -> dict[str, Any]:
    """The defaults with every matching override applied, as Grafana resolves a field's config."""
    config = copy.deepcopy((panel.get("fieldConfig") or {}).get("defaults") or {})
    for override in (panel.get("fieldConfig") or {}).get("overrides") or []:
        if _matches(override.get("matcher") or {}, name, ref_id):
            for prop in override.get("properties") or []:
                _set(config, prop["id"], prop.get("value"))
    return config


def custom(config: Mapping[str, Any], key: str, default: Any = None) -> Any:
    return (config.get("custom") or {}).get(key, default)


def threshold_color(value: float | None, config: Mapping[str, Any]) -> str:
    """The colour of the threshold step `value` falls in (the base step below the first value)."""
    steps = ((config.get("thresholds") or {}).get("steps")) or [{"color": "green", "value": None}]
    chosen = steps[0]
    if value is not None:
        mode = (config.get("thresholds") or {}).get("mode", "absolute")
        if mode == "percentage":
            lo, hi = config.get("min", 0), config.get("max", 100)
            value = 100 * (value - lo) / ((hi - lo) or 1)
        for step in steps[1:]:
            if step.get("value") is not None and value >= step["value"]:
                chosen = step
    return theme.color(chosen.get("color"), theme.NAMED["green"])


def mapping(value: Any, config: Mapping[str, Any]) -> tuple[str | None, str | None] | None:
    """(text, colour) of the first value mapping that matches `value`, or None."""
    for item in config.get("mappings") or []:
        kind, options = item.get("type"), item.get("options") or {}
        result = None
        if kind == "value":
            key = _mapping_key(value)
            result = options.get(key)
        elif kind == "range" and isinstance(value, int | float):
            lo, hi = options.get("from"), options.get("to")
            if (lo is None or value >= lo) and (hi is None or value <= hi):
                result = options.get("result")
        elif kind == "regex" and isinstance(value, str):
            if re.fullmatch(str(options.get("pattern", "")).strip("/"), value):
                result = options.get("result")
        elif kind == "special" and value is None and options.get("match") in ("null", "null+nan"):
            result = options.get("result")
        if result:
            color = theme.color(result["color"]) if result.get("color") else None
            return result.get("text"), color
    return None


def _mapping_key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def display(value: float | None, config: Mapping[str, Any]) -> tuple[str, str]:
    """(text, colour) of a number as a stat, gauge or cell shows it: mapping, else unit and thresholds."""
    mapped = mapping(value, config)
    color = threshold_color(value, config)
    text = format_value(value, config.get("unit"), config.get("decimals"))
    if mapped:
        text = mapped[0] if mapped[0] is not None else text
        color = mapped[1] or color
    if (config.get("color") or {}).get("mode") == "fixed":
        color = theme.color(config["color"].get("fixedColor"), color)
    return text, color


def series_color(config: Mapping[str, Any], index: int) -> str:
    """Fixed colour of an override, else the classic palette by series index."""
    color_cfg = config.get("color") or {}
    if color_cfg.get("mode") == "fixed" and color_cfg.get("fixedColor"):
        return theme.color(color_cfg["fixedColor"])
    if color_cfg.get("mode") == "thresholds":
        return threshold_color(None, config)
    return theme.series_color(index)


def display_name(config: Mapping[str, Any], name: str) -> str:
    return config.get("displayName") or name


def reducer(panel: Mapping[str, Any]) -> str:
    calcs = ((panel.get("options") or {}).get("reduceOptions") or {}).get("calcs") or ["lastNotNull"]
    return calcs[0]


def no_data(canvas: Canvas, box: Rect, text: str = "No data") -> None:
    canvas.text(
        box.x + box.w / 2, box.y + box.h / 2, text, 14, theme.TEXT_SECONDARY, ha="center", va="center"
    )


def style_axes(ax: Axes) -> None:
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0, labelsize=pt(11), colors=theme.TEXT_SECONDARY)
    ax.grid(True, color=theme.GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def nice_ticks(lo: float, hi: float, count: int) -> list[float]:
    """Ticks at 1, 2, 2.5 or 5 x 10^n covering [lo, hi], about `count` of them."""
    import math

    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(lo / step - 1e-9) * step
    ticks = []
    value = start
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def tick_decimals(ticks: Sequence[float]) -> int:
    """Enough decimals to tell the ticks apart (Grafana's axis does the same)."""
    import math

    if len(ticks) < 2:
        return 0
    step = abs(ticks[1] - ticks[0])
    return max(0, -math.floor(math.log10(step))) if step else 0
