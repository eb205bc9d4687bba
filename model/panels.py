"""Walking a dashboard model's panels, as Grafana nests them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def panels(model: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every panel of a dashboard model, the panels of collapsed rows included (Grafana nests one level)."""
    for panel in model.get("panels") or []:
        yield panel
        yield from panel.get("panels") or []
