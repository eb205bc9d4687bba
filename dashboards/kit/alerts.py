"""An alert factory per pack: the pack's defaults written once, each alert only what is its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from model.pack import AlertSpec


def alert_factory(**defaults: Any) -> Callable[..., AlertSpec]:
    """`alert = alert_factory(datasource="prometheus", every="1m", ...)`, then `alert(name=..., ...)`.

    An alert's own fields win over the defaults; `labels` are merged (the pack's, then the alert's).
    """

    def alert(**fields: Any) -> AlertSpec:
        labels = {**defaults.get("labels", {}), **fields.pop("labels", {})}
        return AlertSpec(**{**defaults, **fields, "labels": labels})

    return alert
