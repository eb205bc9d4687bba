"""Table: the panel's transformations applied, columns hidden by `custom.hidden` overrides left out,
a header and the first rows that fit, cells in their unit, value mappings and colour-text cells."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tools.preview import theme, transform
from tools.preview.draw.common import Canvas, custom, field_config, fit, mapping, no_data, threshold_color
from tools.preview.frames import PanelData, Table
from tools.preview.layout import Rect
from tools.preview.units import format_value

ROW_HEIGHT = {"sm": 26, "md": 36, "lg": 44}
TIME_COLUMNS = {"Time", "time"}


def cell_text(column: str, value: Any, config: Mapping[str, Any]) -> tuple[str, str]:
    mapped = mapping(value, config)
    if mapped and (mapped[0] or mapped[1]):
        text = mapped[0] if mapped[0] is not None else str(value)
        return text, mapped[1] or theme.TEXT
    if column in TIME_COLUMNS and isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S"), theme.TEXT
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), theme.TEXT
    if isinstance(value, int | float) and not isinstance(value, bool):
        color = (
            threshold_color(value, config)
            if custom(config, "cellOptions", {}).get("type") == "color-text"
            else theme.TEXT
        )
        return format_value(value, config.get("unit"), config.get("decimals")), color
    return ("" if value is None else str(value)), theme.TEXT


def prepared(panel: Mapping[str, Any], data: PanelData) -> Table | None:
    """The frame the table shows (frameIndex), transformed, sorted as the panel asks."""
    tables = [t for t in data.tables if t.rows]
    if not tables:
        return None
    options = panel.get("options") or {}
    table = tables[min(int(options.get("frameIndex", 0)), len(tables) - 1)]
    table = transform.apply(table, panel.get("transformations") or [])
    for sort in (options.get("sortBy") or [])[:1]:
        if sort.get("displayName") in table.columns:
            i = table.columns.index(sort["displayName"])
            table = Table(
                table.columns,
                sorted(table.rows, key=lambda r: (r[i] is None, r[i]), reverse=bool(sort.get("desc"))),
            )
    return table


def visible_columns(panel: Mapping[str, Any], table: Table) -> list[str]:
    """The columns a table shows: all but those an override hides (`custom.hidden`) and the raw
    labels object of a log frame."""
    return [c for c in table.columns if c != "labels" and not custom(field_config(panel, c), "hidden", False)]


def draw(canvas: Canvas, box: Rect, panel: Mapping[str, Any], data: PanelData) -> None:
    table = prepared(panel, data)
    if table is None:
        no_data(canvas, box)
        return
    configs = {c: field_config(panel, c) for c in table.columns}
    columns = visible_columns(panel, table)
    options = panel.get("options") or {}
    row_h = ROW_HEIGHT.get(options.get("cellHeight", "sm"), 26)
    texts = [[cell_text(c, row[table.columns.index(c)], configs[c]) for c in columns] for row in table.rows]
    widths = []
    for j, column in enumerate(columns):
        fixed = custom(configs[column], "width")
        longest = max([len(column)] + [len(r[j][0]) for r in texts[:50]])
        widths.append(float(fixed) if fixed else min(longest, 80) * 7.2 + 16)
    scale = (
        box.w / sum(widths)
        if sum(widths) > box.w or not any(custom(configs[c], "width") for c in columns)
        else 1
    )
    widths = [w * scale for w in widths]
    y = box.y
    if options.get("showHeader", True):
        canvas.rect(Rect(box.x, y, box.w, row_h), "#1f2228")
        x = box.x
        for column, width in zip(columns, widths, strict=True):
            canvas.text(
                x + 8, y + row_h / 2, fit(column, width - 12, 12), 12, theme.NAMED["blue"], va="center"
            )
            x += width
        y += row_h
    for row in texts:
        if y + row_h > box.bottom:
            break
        x = box.x
        for (text, color), width in zip(row, widths, strict=True):
            canvas.text(x + 8, y + row_h / 2, fit(text, width - 12, 12), 12, color, va="center")
            x += width
        canvas.ax.plot([box.x, box.right], [y + row_h, y + row_h], color=theme.GRID, linewidth=0.8)
        y += row_h
