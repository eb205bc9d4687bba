"""Contact points, message templates, the maintenance mute timing and the one policy tree.

The policy tree references contact points and the mute timing through their outputs, so the
engine creates them first and knows the tree depends on them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumiverse_grafana as grafana

from components.providers import Providers
from components.routing import mute_timings
from model.durations import canonical
from model.policy import PolicyNode
from settings import Receiver, Settings

DEFAULT_TEMPLATE = "observability.message"
# Every notification shows the summary, the value, the panel link and the runbook link.
DEFAULT_TEMPLATE_BODY = """\
{{ define "observability.message.title" -}}
[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] \
{{ .CommonLabels.alertname }} ({{ .CommonLabels.team }}, {{ .CommonLabels.severity }})
{{- end }}
{{ define "observability.message.text" -}}
{{ range .Alerts -}}
{{ .Annotations.summary }}
{{ .Annotations.description }}
Value: {{ .ValueString }}
Dashboard: {{ if .PanelURL }}{{ .PanelURL }}{{ else }}{{ .Annotations.dashboard_url }}{{ end }}
Runbook: {{ .Annotations.runbook_url }}
{{ end -}}
{{- end }}
"""


# The alert's own severity: critical, warning and info are all PagerDuty severities, so a warning
# sent to PagerDuty (e.g. a category route) pages at low urgency instead of as critical. Every route
# groups by severity, so a notification's alerts share one.
PAGERDUTY_SEVERITY = "{{ .CommonLabels.severity }}"


def _integration(receiver: Receiver) -> tuple[str, dict]:
    """(ContactPoint argument name, its settings) for one receiver."""
    title = f'{{{{ template "{DEFAULT_TEMPLATE}.title" . }}}}'
    body = f'{{{{ template "{DEFAULT_TEMPLATE}.text" . }}}}'
    if receiver.type == "slack":
        mentions = {
            "mention_groups": ",".join(receiver.mention_groups),
            "mention_users": ",".join(receiver.mention_users),
            "mention_channel": receiver.mention_channel or "",
        }
        return "slacks", {
            "token": receiver.secret,
            "recipient": receiver.channel,
            "title": title,
            "text": body,
            **{key: value for key, value in mentions.items() if value},
        }
    if receiver.type == "pagerduty":
        return "pagerduties", {
            "integration_key": receiver.secret,
            "summary": title,
            "severity": PAGERDUTY_SEVERITY,
        }
    if receiver.type == "email":
        return "emails", {"addresses": list(receiver.addresses), "subject": title, "message": body}
    return "webhooks", {"url": receiver.secret}


def _policy_args(node: PolicyNode, contact_points: Mapping[str, pulumi.Output[str]], mute) -> dict:
    args: dict = {}
    if node.receiver:
        args["contact_point"] = contact_points[node.receiver]
    if node.matchers:
        args["matchers"] = [
            {"label": label, "match": op, "value": value} for label, op, value in node.matchers
        ]
    if node.continue_:
        args["continue_"] = True
    if node.group_by is not None:
        args["group_bies"] = list(node.group_by)
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if getattr(node, key):
            args[key] = canonical(getattr(node, key))  # as Grafana gives it back: no diff on the next preview
    if node.mute_timings:
        args["mute_timings"] = [mute[name] for name in node.mute_timings]
    if node.children:
        args["policies"] = [_policy_args(c, contact_points, mute) for c in node.children]
    return args


class Notifications(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        settings: Settings,
        tree: PolicyNode,
        templates: Mapping[str, str],
        providers: Providers,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("observability:grafana:Notifications", name, None, opts)
        child = pulumi.ResourceOptions(provider=providers.grafana, parent=self)
        all_templates = {DEFAULT_TEMPLATE: DEFAULT_TEMPLATE_BODY, **templates}
        template_resources = [
            grafana.alerting.MessageTemplate(f"{name}-template-{key}", name=key, template=body, opts=child)
            for key, body in sorted(all_templates.items())
        ]
        used = {n.receiver for n in tree.walk() if n.receiver}
        contact_points = {}
        for receiver in settings.receivers:
            if receiver.name not in used:
                continue  # defined for the stack but not routed to: not provisioned
            kind, integration = _integration(receiver)
            contact_points[receiver.name] = grafana.alerting.ContactPoint(
                f"{name}-cp-{receiver.name}",
                name=receiver.name,
                opts=pulumi.ResourceOptions(
                    provider=providers.grafana, parent=self, depends_on=template_resources
                ),
                **{kind: [integration]},
            ).name
        mute = {
            timing: grafana.alerting.MuteTiming(
                f"{name}-mute-{timing}",
                name=timing,
                intervals=[
                    {
                        "weekdays": list(w.weekdays),
                        "times": [{"start": w.start, "end": w.end}],
                        "location": w.location,
                    }
                    for w in windows
                ],
                opts=child,
            ).name
            for timing, windows in mute_timings(settings).items()
        }
        root = _policy_args(tree, contact_points, mute)
        policy = grafana.alerting.NotificationPolicy(
            f"{name}-policy",
            contact_point=root["contact_point"],
            group_bies=root["group_bies"],
            group_wait=root.get("group_wait"),
            group_interval=root.get("group_interval"),
            repeat_interval=root.get("repeat_interval"),
            policies=root.get("policies", []),
            opts=child,
        )
        self.contact_points = contact_points
        self.policy = policy
        self.register_outputs({"contact_points": sorted(contact_points), "policy": policy.id})
