"""Grafana's own data library (@grafana/data 11.6, `frames.cjs`) run on data frames.

What a panel does to its query's result before it is drawn, computed by Grafana's code rather than
by a copy of it: the panel's transformations (calculateField, organize, sortBy, ...) and how a
field's config (unit, decimals, thresholds, value mappings) displays a value, with its colour.
Transformations that live in Grafana's app rather than in @grafana/data (extractFields) are not
available here; a test states their output as its input frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tools.grafana_checks import HERE, node_modules, run_script

RUNNER = HERE / "frames.cjs"


@dataclass(frozen=True)
class Field:
    name: str
    display_name: str
    type: str
    values: list[Any]


@dataclass(frozen=True)
class Frame:
    name: str | None
    fields: list[Field]

    def columns(self) -> list[str]:
        return [f.display_name for f in self.fields]

    def column(self, display_name: str) -> list[Any]:
        (found,) = [f for f in self.fields if f.display_name == display_name]
        return found.values


def frame(name: str, **columns: tuple[str, Sequence[Any]]) -> dict[str, Any]:
    """An input frame: `frame("A", count=("number", [12]))`."""
    return {
        "name": name,
        "fields": [{"name": k, "type": t, "values": list(v)} for k, (t, v) in columns.items()],
    }


def _run(payload: Mapping[str, Any]) -> dict[str, Any]:
    node_modules()
    return run_script(RUNNER, payload)


def transform(
    transformations: Sequence[Mapping[str, Any]], frames: Sequence[Mapping[str, Any]]
) -> list[Frame]:
    """The frames after the transformations, as Grafana's transformDataFrame returns them."""
    out = _run({"transformations": list(transformations), "frames": list(frames)})
    return [
        Frame(f["name"], [Field(x["name"], x["displayName"], x["type"], x["values"]) for x in f["fields"]])
        for f in out["frames"]
    ]


def display(
    config: Mapping[str, Any], values: Sequence[Any], field_type: str = "number"
) -> list[tuple[str, str]]:
    """(text, colour) of each value as Grafana's display processor shows it under `config`."""
    out = _run({"display": [{"type": field_type, "config": dict(config), "values": list(values)}]})
    return [(v["text"], v["color"]) for v in out["display"][0]]
