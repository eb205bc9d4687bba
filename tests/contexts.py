"""The one way tests build a PackContext: what a pack may know of its environment.

- `pack_context()`: a neutral test environment (example URLs, the catalogue's pinned uids);
- `stack_context(stack)`: the context the program builds from a stack file's plain settings;
- `every_option_on()`: every boolean pack option switched on, so every optional alert exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboards import PACK_OPTIONS, build_packs
from model.datasources import UIDS
from model.pack import Pack, PackContext
from tools.plan import read_stack_config

GRAFANA_URL = "https://grafana.example.com"
RUNBOOKS = "https://runbooks.example.com"
PROMETHEUS_URL = "https://prometheus.example.com:9090"


def pack_context(
    stack: str = "test",
    options: Mapping[str, Mapping[str, Any]] | None = None,
    datasource_uids: Mapping[str, str] | None = None,
) -> PackContext:
    return PackContext(
        stack=stack,
        grafana_url=GRAFANA_URL,
        datasource_uids=dict(datasource_uids or UIDS),
        runbook_base_url=RUNBOOKS,
        options={team: dict(values) for team, values in (options or {}).items()},
        prometheus_url=PROMETHEUS_URL,
    )


def stack_context(stack: str) -> PackContext:
    """The PackContext the program builds, from the stack file's plain settings."""
    raw = read_stack_config(stack)
    return PackContext(
        stack=stack,
        grafana_url=raw["observability:grafana"]["url"],
        datasource_uids=dict(UIDS),
        runbook_base_url=raw["observability:runbookBaseUrl"],
        options=raw.get("observability:packs") or {},
        prometheus_url=raw["observability:prometheus"]["url"],
    )


def every_option_on() -> PackContext:
    """Every boolean option every pack declares set to true (optional rows and alerts included)."""
    options = {
        team: {name: True for name, option in declared.items() if isinstance(option.default, bool)}
        for team, declared in PACK_OPTIONS.items()
    }
    return pack_context(options=options)


def every_option_off() -> PackContext:
    options = {
        team: {name: False for name, option in declared.items() if isinstance(option.default, bool)}
        for team, declared in PACK_OPTIONS.items()
    }
    return pack_context(options=options)


def packs(ctx: PackContext | None = None) -> tuple[Pack, ...]:
    """Every registered pack (dashboards.PACKS), built in `ctx` (default: every option on)."""
    return build_packs(ctx or every_option_on())
