"""Where each panel sits: Grafana's 24-column grid (react-grid-layout) in pixels.

A grid unit is 30 px high with 8 px between rows; the width is divided into 24 columns with 8 px
gutters, as Grafana does for a dashboard 1600 px wide. Rows are one unit high; the panels of a
collapsed row are not shown (Grafana hides them until the row is opened), an open row's panels
are laid out after it like any other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

COLUMNS = 24
CELL_HEIGHT = 30
MARGIN = 8
WIDTH = 1600  # the dashboard area, as on a laptop screen
PADDING = 16  # around the dashboard area
HEADER = 64  # dashboard title, time range and variables above the grid


@dataclass(frozen=True)
class Rect:
    """A rectangle in picture pixels, origin top left."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h


@dataclass(frozen=True)
class Placed:
    panel: Mapping[str, Any]
    rect: Rect


def column_width() -> float:
    return (WIDTH - MARGIN * (COLUMNS - 1)) / COLUMNS


def grid_rect(grid_pos: Mapping[str, int]) -> Rect:
    """calcGridItemPosition of react-grid-layout, shifted by the page padding and header."""
    col = column_width()
    x, y, w, h = (int(grid_pos.get(k, 0)) for k in ("x", "y", "w", "h"))
    return Rect(
        x=PADDING + round((col + MARGIN) * x),
        y=PADDING + HEADER + round((CELL_HEIGHT + MARGIN) * y),
        w=round(col * w + max(0, w - 1) * MARGIN),
        h=round(CELL_HEIGHT * h + max(0, h - 1) * MARGIN),
    )


def visible_panels(model: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The panels Grafana draws on load: top-level panels and rows (collapsed rows' children hidden)."""
    yield from model.get("panels") or []


def place(model: Mapping[str, Any]) -> list[Placed]:
    return [Placed(panel, grid_rect(panel.get("gridPos") or {})) for panel in visible_panels(model)]


def picture_size(placed: list[Placed]) -> tuple[int, int]:
    bottom = max((p.rect.bottom for p in placed), default=PADDING + HEADER)
    return WIDTH + 2 * PADDING, bottom + PADDING
