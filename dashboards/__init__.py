"""Service packs: one module per team. A new team is one module and one line in PACKS."""

from __future__ import annotations

from collections.abc import Callable

from components.specs import Pack, PackContext
from dashboards import clerk, clipper, media_clustering, prisma_migration, upstream

PACKS: tuple[Callable[[PackContext], Pack], ...] = (
    clerk.build,
    clipper.build,
    media_clustering.build,
    upstream.build,
    prisma_migration.build,
)


def build_packs(ctx: PackContext) -> tuple[Pack, ...]:
    return tuple(build(ctx) for build in PACKS)
