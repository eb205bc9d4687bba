"""A dashboard model and its panels' data -> one PNG, laid out as Grafana lays it out.

The page: the dashboard's title, time range and variables on top; each panel at its grid place
with its frame, title (an "i" when it has a description), content drawn by the drawer of its type,
and what Grafana shows when there is nothing to draw ("No data", or the error). Loki panels carry a
"sample lines" badge: their lines come from a fixture. `outline` marks panels (by id) with a
coloured frame, for before/after pictures.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure

from tools.preview import theme
from tools.preview.draw import DRAWERS
from tools.preview.draw.common import DPI, Canvas, fit
from tools.preview.frames import PanelData
from tools.preview.layout import HEADER, PADDING, WIDTH, Placed, Rect, picture_size, place
from tools.preview.timing import NOW, dashboard_range
from tools.preview.variables import ALL, current, template_variables

TITLE_H = 32
TITLE_CHAR_WIDTH = 0.64  # titles run wider than average text (capitals)
BODY_PAD = 8


@dataclass
class Finding:
    """A panel Grafana would show without data: the query failed or returned nothing."""

    dashboard: str
    panel: str
    problem: str

    def __str__(self) -> str:
        return f"{self.dashboard}: panel {self.panel!r}: {self.problem}"


@dataclass
class Picture:
    uid: str
    png: bytes
    rects: dict[int, Rect]  # panel id -> where it is drawn
    findings: list[Finding] = field(default_factory=list)


def _header(canvas: Canvas, model: Mapping[str, Any]) -> None:
    x, y = PADDING, PADDING
    canvas.text(x, y + 14, model.get("title") or model.get("uid", ""), 20, theme.TEXT, va="center")
    rng = dashboard_range(model)
    right = f"{rng.label()}   UTC   now = {NOW:%Y-%m-%d %H:%M}"
    canvas.text(PADDING + WIDTH, y + 14, right, 12, theme.TEXT_SECONDARY, ha="right", va="center")
    vx = x
    for variable in template_variables(model):
        if variable.get("hide") == 2:
            continue
        values = current(variable)
        shown = "All" if ALL in values else " + ".join(values)
        label = variable.get("label") or variable["name"]
        width = (len(label) + len(shown)) * 7 + 34
        canvas.rect(Rect(vx, y + 34, len(label) * 7 + 14, 24), "#22252b", theme.BORDER)
        canvas.text(vx + 7, y + 46, label, 12, theme.TEXT, va="center")
        canvas.rect(
            Rect(vx + len(label) * 7 + 14, y + 34, len(shown) * 7 + 20, 24), theme.CANVAS, theme.BORDER
        )
        canvas.text(vx + len(label) * 7 + 24, y + 46, shown, 12, theme.TEXT, va="center")
        vx += width + 8


def _row(canvas: Canvas, placed: Placed) -> None:
    panel, rect = placed.panel, placed.rect
    collapsed = bool(panel.get("collapsed"))
    chevron = "▸" if collapsed else "▾"
    title = panel.get("title") or ""
    if collapsed:
        count = len(panel.get("panels") or [])
        title += f"  ({count} panel{'s' if count != 1 else ''})"
    canvas.text(rect.x, rect.y + rect.h / 2, f"{chevron} {title}", 15, theme.TEXT, va="center")


def _frame(canvas: Canvas, placed: Placed, data: PanelData, changed: bool) -> Rect:
    panel, rect = placed.panel, placed.rect
    transparent = panel.get("transparent")
    canvas.rect(rect, "none" if transparent else theme.PANEL, None if transparent else theme.BORDER)
    x = rect.x + 8
    if data.errors:
        canvas.ax.add_patch(_corner(rect))
        canvas.text(rect.x + 6, rect.y + 9, "!", 11, "#ffffff", va="center", fontweight="bold")
        x += 10
    title = panel.get("title") or ""
    badge = "sample lines" if data.sample else ""
    room = rect.w - 24 - (len(badge) * 7 + 16 if badge else 0)
    canvas.text(x, rect.y + TITLE_H / 2, fit(title, room, 14), 14, theme.TEXT, va="center")
    if panel.get("description"):
        _info(canvas, x + min(len(title) * 14 * TITLE_CHAR_WIDTH, room) + 12, rect.y + TITLE_H / 2)
    if badge:
        bw = len(badge) * 7 + 10
        canvas.rect(Rect(rect.right - bw - 8, rect.y + 7, bw, 18), "#1e2a3d", theme.SAMPLE_BADGE)
        canvas.text(
            rect.right - 8 - bw / 2, rect.y + 16, badge, 11, theme.SAMPLE_BADGE, ha="center", va="center"
        )
    if changed:
        canvas.rect(
            Rect(rect.x - 3, rect.y - 3, rect.w + 6, rect.h + 6), "none", theme.CHANGED, width=3, zorder=10
        )
    return Rect(rect.x + BODY_PAD, rect.y + TITLE_H, rect.w - 2 * BODY_PAD, rect.h - TITLE_H - BODY_PAD)


def _info(canvas: Canvas, x: float, y: float) -> None:
    """The "i" Grafana puts after the title of a panel with a description."""
    from matplotlib.patches import Circle

    canvas.ax.add_patch(Circle((x, y), 6.5, facecolor="none", edgecolor=theme.TEXT_SECONDARY, linewidth=1))
    canvas.text(x, y + 0.5, "i", 10, theme.TEXT_SECONDARY, ha="center", va="center")


def _corner(rect: Rect) -> Any:
    from matplotlib.patches import Polygon

    return Polygon(
        [(rect.x, rect.y), (rect.x + 22, rect.y), (rect.x, rect.y + 22)], closed=True, color=theme.ERROR
    )


def _error_text(canvas: Canvas, box: Rect, errors: list[str]) -> None:
    import textwrap

    lines = []
    for error in errors:
        lines += textwrap.wrap(error, max(20, int(box.w / 7))) or [""]
    visible = lines[: max(1, box.h // 16)]
    top = box.y + box.h / 2 - 8 * (len(visible) - 1)
    for i, line in enumerate(visible):
        canvas.text(box.x + box.w / 2, top + 16 * i, line, 12, theme.ERROR, ha="center", va="center")


def render(
    model: Mapping[str, Any],
    data_of: Callable[[Mapping[str, Any]], PanelData],
    outline: Collection[int] = (),
) -> Picture:
    """Draw `model`; `data_of(panel)` gives each panel's data (errors inside it, never raised)."""
    theme.configure()
    placed = place(model)
    width, height = picture_size(placed)
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=theme.CANVAS)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_autoscale_on(False)
    ax.axis("off")
    canvas = Canvas(figure, ax, width, height)
    _header(canvas, model)
    uid = str(model.get("uid"))
    picture = Picture(uid, b"", {})
    for item in placed:
        panel = item.panel
        picture.rects[int(panel.get("id", 0))] = item.rect
        if panel.get("type") == "row":
            _row(canvas, item)
            continue
        data = data_of(panel)
        body = _frame(canvas, item, data, int(panel.get("id", 0)) in outline)
        title = panel.get("title") or str(panel.get("id"))
        if data.errors:
            _error_text(canvas, body, data.errors)
            picture.findings += [Finding(uid, title, f"query error: {e}") for e in data.errors]
            continue
        drawer = DRAWERS.get(panel.get("type"))
        if drawer is None:
            _error_text(canvas, body, [f"Panel plugin not found: {panel.get('type')}"])
            picture.findings.append(Finding(uid, title, f"panel type {panel.get('type')!r} is not pictured"))
            continue
        if data.empty:
            picture.findings.append(Finding(uid, title, "No data"))
        try:
            drawer(canvas, body, panel, data)
        except (ValueError, KeyError, TypeError) as err:  # what Grafana would show as a panel error
            _error_text(canvas, body, [f"{type(err).__name__}: {err}"])
            picture.findings.append(Finding(uid, title, f"cannot be drawn: {err}"))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor=theme.CANVAS, metadata={"Software": None})
    picture.png = buffer.getvalue()
    return picture


__all__ = ["Finding", "Picture", "render", "HEADER"]
