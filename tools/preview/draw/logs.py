"""Logs: newest (or oldest) lines first, each with its time and a level colour bar, as Grafana's
logs panel shows them; the lines are wrapped or cut to the panel's width."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tools.preview import theme
from tools.preview.draw.common import CHAR_WIDTH, Canvas, fit, no_data
from tools.preview.frames import PanelData
from tools.preview.layout import Rect

LEVEL_COLORS = {
    "critical": theme.NAMED["purple"],
    "error": theme.NAMED["red"],
    "warning": theme.NAMED["yellow"],
    "warn": theme.NAMED["yellow"],
    "info": theme.NAMED["green"],
    "debug": theme.NAMED["blue"],
}
LINE = 17
SIZE = 11.5


def level_of(labels: Mapping[str, str], line: str) -> str:
    level = (labels.get("level") or labels.get("detected_level") or "").lower()
    if level:
        return level
    lowered = line.lower()
    return next((k for k in LEVEL_COLORS if k in lowered), "unknown")


def draw(canvas: Canvas, box: Rect, panel: Mapping[str, Any], data: PanelData) -> None:
    if not data.logs:
        no_data(canvas, box)
        return
    options = panel.get("options") or {}
    ordered = sorted(
        data.logs,
        key=lambda entry: entry.time,
        reverse=options.get("sortOrder", "Descending") == "Descending",
    )
    y = box.y + LINE / 2
    time_w = 150 if options.get("showTime", True) else 0
    text_w = box.w - time_w - 12
    chars = max(10, int(text_w / (SIZE * CHAR_WIDTH)))
    for entry in ordered:
        if y > box.bottom - LINE / 2:
            break
        level = level_of(entry.labels, entry.line)
        color = LEVEL_COLORS.get(level, theme.TEXT_DISABLED)
        pieces = (
            textwrap.wrap(entry.line, chars)
            if options.get("wrapLogMessage")
            else [fit(entry.line, text_w, SIZE)]
        )
        height = LINE * max(1, len(pieces))
        canvas.ax.plot(
            [box.x + 2, box.x + 2],
            [y - LINE / 2 + 2, y - LINE / 2 + height - 2],
            color=color,
            linewidth=3,
            solid_capstyle="butt",
        )
        if time_w:
            moment = datetime.fromtimestamp(entry.time, UTC).strftime("%Y-%m-%d %H:%M:%S")
            canvas.text(box.x + 10, y, moment, SIZE, theme.TEXT_SECONDARY, va="center")
        for piece in pieces or [""]:
            if y > box.bottom - LINE / 2:
                break
            canvas.text(box.x + 10 + time_w, y, piece, SIZE, theme.TEXT, va="center")
            y += LINE
