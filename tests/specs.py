"""One way for tests to make an alert spec: every field set, each test overriding what it is about."""

from __future__ import annotations

from typing import Any

from model.pack import AlertSpec


def alert_spec(**overrides: Any) -> AlertSpec:
    base: dict[str, Any] = dict(
        name="x_high",
        title="X high",
        datasource="prometheus",
        query="up",
        comparator=">",
        thresholds={"warning": 5},
        for_="5m",
        every="1m",
        summary="s",
        description="d",
        runbook_anchor="x-high",
        dashboard_uid="d",
        panel_id=1,
    )
    return AlertSpec(**{**base, **overrides})
