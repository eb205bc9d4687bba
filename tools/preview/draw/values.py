"""The single values a stat, gauge or bar gauge shows: each numeric field reduced by the panel's
calculation (reduceOptions), or every row when the panel asks for all values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.preview.draw.common import display_name, field_config, reducer
from tools.preview.frames import PanelData, Series, reduce


@dataclass
class Value:
    name: str
    value: float | None
    config: dict[str, Any]
    spark: Series | None = None


def _numeric(values: list[Any]) -> bool:
    return any(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def single_values(panel: Mapping[str, Any], data: PanelData) -> list[Value]:
    reduce_options = (panel.get("options") or {}).get("reduceOptions") or {}
    pattern = reduce_options.get("fields") or ""
    wanted = re.compile(pattern.strip("/")) if pattern.startswith("/") else None
    calc = reducer(panel)
    out: list[Value] = []
    for s in data.series:
        config = field_config(panel, s.name, s.ref_id)
        out.append(Value(display_name(config, s.name), reduce(s.numbers(), calc), config, s))
    for table in data.tables:
        columns = [c for c in table.columns if c != "Time"]
        numeric = [
            c for c in columns if _numeric(table.column(c)) and (wanted is None or wanted.fullmatch(c))
        ]
        labels = [c for c in columns if c not in numeric and not _numeric(table.column(c))]
        if reduce_options.get("values"):
            for row in table.rows:
                for column in numeric:
                    name = " ".join(str(row[table.columns.index(c)]) for c in labels) or column
                    raw = row[table.columns.index(column)]
                    out.append(Value(name, None if raw is None else float(raw), field_config(panel, name)))
            continue
        for column in numeric:
            config = field_config(panel, column)
            values = [float(v) for v in table.column(column) if isinstance(v, int | float)]
            out.append(Value(display_name(config, column), reduce(values, calc), config))
    return out
