"""The Pulumi program: settings -> packs -> validation -> resources -> outputs.

Everything that can fail on bad input (settings, packs, routing) runs before the first
resource is registered, so a bad configuration changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pulumi

import settings as settings_module
from components.environment import ObservabilityEnvironment, pack_context
from components.routing import build_policy_tree
from dashboards import PACK_OPTIONS, PACKS
from model.pack import Pack, PackContext


def main(packs: Sequence[Callable[[PackContext], Pack]] = PACKS) -> None:
    """`packs`: the pack builders to run (default: every registered team; the benchmark passes
    synthetic content)."""
    settings = settings_module.load(PACK_OPTIONS)
    ctx = pack_context(settings)
    packs = tuple(build(ctx) for build in packs)
    settings = settings_module.bind_packs(settings, packs)  # receiver roles and table grants
    tree = build_policy_tree(settings, packs)
    env = ObservabilityEnvironment("observability", settings, ctx, packs, tree)
    pulumi.export("grafanaUrl", settings.grafana.url)
    pulumi.export("datasourceUids", env.datasource_uids)
    pulumi.export("readonlyRole", env.role_name)
    pulumi.export(
        "dashboards",
        {d.uid: f"{settings.grafana.url}/d/{d.uid}" for p in packs for d in p.dashboards},
    )
    pulumi.export("folders", {team: t.folder_uid for team, t in env.teams.items()})
