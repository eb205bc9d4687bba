"""Service packs: one module per team. A new team is one module and one line in PACKS."""

from __future__ import annotations

from typing import Callable

from components.specs import Pack, PackContext
from dashboards import clerk

PACKS: tuple[Callable[[PackContext], Pack], ...] = (clerk.build,)


def build_packs(ctx: PackContext) -> tuple[Pack, ...]:
    return tuple(build(ctx) for build in PACKS)
