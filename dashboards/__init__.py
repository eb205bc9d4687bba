"""Service packs: one module per team. A new team is one module and one line in PACKS."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dashboards import clerk, clipper, media_clustering, prisma_migration, upstream
from model.pack import Pack, PackContext, PackOption

PACKS: tuple[Callable[[PackContext], Pack], ...] = (
    clerk.build,
    clipper.build,
    media_clustering.build,
    upstream.build,
    prisma_migration.build,
)


# The options each team's pack reads (`observability:packs.<team>.<option>`), validated by settings.
PACK_OPTIONS: Mapping[str, Mapping[str, PackOption]] = {media_clustering.TEAM: media_clustering.OPTIONS}


def build_packs(ctx: PackContext) -> tuple[Pack, ...]:
    return tuple(build(ctx) for build in PACKS)
