"""One environment (stack): providers, the read-only role, data sources, every team, routing."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.datasources import DataSources
from components.notifications import Notifications
from components.postgres_role import ReadOnlyRole, RoleSpec
from components.providers import create_providers
from components.team import TeamMonitoring
from model.datasources import UIDS
from model.pack import Pack, PackContext
from model.policy import PolicyNode
from settings import Settings


def pack_context(settings: Settings) -> PackContext:
    return PackContext(
        stack=settings.stack,
        grafana_url=settings.grafana.url,
        datasource_uids=dict(UIDS),
        runbook_base_url=settings.runbook_base_url,
        options=settings.pack_options,
        prometheus_url=settings.prometheus.url,
    )


class ObservabilityEnvironment(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        settings: Settings,
        ctx: PackContext,
        packs: Sequence[Pack],
        tree: PolicyNode,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("observability:index:Environment", name, None, opts)
        providers = create_providers(settings, parent=self)
        role = ReadOnlyRole(
            f"{name}-readonly",
            RoleSpec.from_settings(settings),
            providers.postgresql,
            providers.random,
            providers.kubernetes,
            pulumi.ResourceOptions(parent=self),
        )
        datasources = DataSources(
            f"{name}-datasources",
            settings,
            providers,
            readonly_role=role.role_name,
            readonly_password=role.password,
            readonly_grants=role.grants,
            derived_fields=tuple(f for p in packs for f in p.loki_derived_fields),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.teams = {
            pack.team: TeamMonitoring(
                f"{name}-{pack.team}",
                pack,
                ctx,
                providers,
                protect=settings.protect,
                depends_on=[datasources],
                opts=pulumi.ResourceOptions(parent=self),
            )
            for pack in packs
        }
        templates = {k: v for p in packs for k, v in p.message_templates.items()}
        Notifications(
            f"{name}-notifications", settings, tree, templates, providers, pulumi.ResourceOptions(parent=self)
        )
        self.datasource_uids = datasources.uids
        self.role_name = role.role_name
        self.register_outputs({"datasources": datasources.uids, "teams": sorted(self.teams)})
