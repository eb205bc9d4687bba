"""One team's Grafana content: its folder, its dashboards and its alert rule groups."""

from __future__ import annotations

import pulumi
import pulumiverse_grafana as grafana

# Each class from its own module: the first attribute read on `pulumiverse_grafana.oss` executes
# every module of that namespace, most of which this program never uses.
from pulumiverse_grafana.oss.dashboard import Dashboard
from pulumiverse_grafana.oss.folder import Folder

from components.alert_rules import model_json_fields, rule_groups
from components.providers import Providers
from model.pack import Pack, PackContext
from model.serialise import to_json


class TeamMonitoring(pulumi.ComponentResource):
    folder_uid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        pack: Pack,
        ctx: PackContext,
        providers: Providers,
        protect: bool,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("observability:grafana:TeamMonitoring", name, None, opts)
        folder = Folder(
            f"{name}-folder",
            uid=pack.folder_uid,
            title=pack.folder_title,
            prevent_destroy_if_not_empty=True,
            opts=pulumi.ResourceOptions(provider=providers.grafana, parent=self, protect=protect),
        )
        content = pulumi.ResourceOptions(provider=providers.grafana, parent=self, depends_on=depends_on)
        dashboards = {
            d.uid: Dashboard(
                f"{name}-dashboard-{d.uid}",
                folder=folder.uid,
                config_json=to_json(d.model),
                overwrite=True,  # this program owns these dashboards; UI edits are reverted
                message="Managed by the observability Pulumi program",
                opts=content,
            )
            for d in pack.dashboards
        }
        groups = [
            grafana.alerting.RuleGroup(
                f"{name}-rules-{group_name}",
                name=group_name,
                folder_uid=folder.uid,
                interval_seconds=interval,
                rules=[model_json_fields(r) for r in rules],
                opts=pulumi.ResourceOptions(
                    provider=providers.grafana, parent=self, depends_on=depends_on + list(dashboards.values())
                ),
            )
            for group_name, (interval, rules) in rule_groups(pack.alerts, pack.team, ctx).items()
        ]
        self.folder_uid = folder.uid
        self.dashboard_uids = {uid: d.uid for uid, d in dashboards.items()}
        self.rule_groups = groups
        self.register_outputs({"folder": folder.uid, "dashboards": list(dashboards)})
