"""The transformations the packs' table panels use, applied as Grafana applies them, in order:
extractFields (a labels object into columns), filterFieldsByName, organize (exclude, order, rename),
sortBy (one field, stable); merge/reduce not included: an unknown transformation is an error on
the panel, not a guess."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tools.preview.frames import Table


def extract_fields(table: Table, options: Mapping[str, Any]) -> Table:
    source = options.get("source")
    if source not in table.columns:
        return table
    i = table.columns.index(source)
    keys: list[str] = []
    for row in table.rows:
        for key in row[i] or {}:
            if key not in keys and key not in table.columns:
                keys.append(key)
    keep = [c for c in table.columns if not (options.get("replace") and c == source)]
    rows = []
    for row in table.rows:
        base = [v for c, v in zip(table.columns, row, strict=True) if c in keep]
        rows.append(base + [(row[i] or {}).get(k) for k in keys])
    return Table(keep + keys, rows)


def filter_by_name(table: Table, options: Mapping[str, Any]) -> Table:
    include = (options.get("include") or {}).get("names")
    exclude = set((options.get("exclude") or {}).get("names") or [])
    keep = [c for c in table.columns if (include is None or c in include) and c not in exclude]
    return _select(table, keep)


def organize(table: Table, options: Mapping[str, Any]) -> Table:
    excluded = {k for k, v in (options.get("excludeByName") or {}).items() if v}
    order = options.get("indexByName") or {}
    kept = [c for c in table.columns if c not in excluded]
    keep = sorted(kept, key=lambda c: order.get(c, len(order) + kept.index(c)))
    renamed = _select(table, keep)
    names = options.get("renameByName") or {}
    return Table([names.get(c) or c for c in renamed.columns], renamed.rows)


def sort_by(table: Table, options: Mapping[str, Any]) -> Table:
    """Grafana's sortBy: the first sort entry only, a stable sort (rows equal in that field keep
    their order); empty values after the others, so first when descending (the comparer reversed)."""
    sort = options.get("sort") or []
    if not sort or sort[0].get("field") not in table.columns:
        return table
    i, desc = table.columns.index(sort[0]["field"]), bool(sort[0].get("desc"))
    present = sorted((r for r in table.rows if r[i] is not None), key=lambda r: r[i], reverse=desc)
    empty = [r for r in table.rows if r[i] is None]
    return Table(table.columns, empty + present if desc else present + empty)


def _select(table: Table, columns: list[str]) -> Table:
    index = [table.columns.index(c) for c in columns]
    return Table(columns, [[row[i] for i in index] for row in table.rows])


TRANSFORMS = {
    "extractFields": extract_fields,
    "filterFieldsByName": filter_by_name,
    "organize": organize,
    "sortBy": sort_by,
}


def apply(table: Table, transformations: list[Mapping[str, Any]]) -> Table:
    for step in transformations or []:
        if step.get("disabled"):
            continue
        transform = TRANSFORMS.get(step.get("id"))
        if transform is None:
            raise ValueError(f"transformation {step.get('id')!r} is not reproduced")
        table = transform(table, step.get("options") or {})
    return table
