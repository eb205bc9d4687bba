"""The one notification policy tree of a Grafana org, built from settings and the packs' routes.

Pure data (`PolicyNode`), so the same tree is rendered to Grafana's NotificationPolicy inputs
and, in the tests, to Alertmanager's route form for `amtool config routes test`.

Order of the routes under the root (the first match wins; nothing below `continue`s past its route):

1. Special routes, by the `category` alert label, in `settings.ALERT_CATEGORIES` order:
   `category="security"` (dedicated PagerDuty service + #security), `category="slo"` (dedicated
   PagerDuty service + #incidents; a critical SLO breach also e-mails the on-call rotation),
   `category="error-budget"` (#incidents only: informational, it never pages). They come before
   every team route, so an SLO breach of any team pages the SLO service and not also the team's
   rotation (one alert, one page), and an error-budget alert reaches #incidents and nothing else.
   One label with one value per alert makes the special routes mutually exclusive by construction;
   their order among themselves only documents priority. A rule opts in by carrying the label
   (e.g. `labels={"category": "slo"}` on its AlertSpec); receivers per category and severity come
   from stack config `routing.categoryReceivers`. A severity a category leaves out does not match
   its route (`severity=~` on the route) and is routed as if the alert had no category.
2. Team routes, one per `TeamRoute` of every pack (`team=<team>` plus the route's own matchers),
   in pack order. A pack names receiver roles; the stack maps them to receivers
   (`routing.teams.<team>`, `routing.roles`; checked by `settings.bind_packs`). A team overrides
   the organisation's severity routing only for the severities it lists; its other severities get
   the organisation's receivers inside the team route.
3. The organisation's severity routing (stack config `routing.severityReceivers`, from the Clipper
   document 002): critical -> PagerDuty on-call, Slack #incidents and the on-call e-mail; warning ->
   Slack #alerts and e-mail; info -> Slack #monitoring. It serves every team without a route of its
   own (Clipper, whose document defines this policy, uses it as is).
4. The root's default receiver: alerts without a severity label.

Inside every route, one child per severity and receiver: all but the last `continue`, so one alert
reaches every receiver of its severity. Each severity child carries that severity's group wait /
interval / repeat (critical repeats sooner than warning; checked in settings); the root groups by
`routing.groupBy` (alertname, team, severity) and every child inherits it.

Planned maintenance (`routing.maintenance`, empty unless a stack declares windows) mutes every
route except security's: a security event during a maintenance window is still a security event.
Critical alerts (pages) are muted only by windows that say so (`muteCritical: true`): the critical
routes carry their own mute timing, made of those windows alone, or none.

Escalation beyond the first page is PagerDuty's, not Grafana's: each PagerDuty service (on-call,
SLO, security, team rotations) carries an escalation policy (002: on-call engineer 0-15 min, on-call
lead 15-30 min, engineering manager 30-45 min, VP Engineering + CTO after 1 h). Grafana pages once
per alert group and repeats only at the severity's repeat interval; it does not escalate.

Where the stack sends everything to one channel (staging), the tree is root -> one route per
severity to that receiver, so no paging receiver is reachable and the per-severity timings still apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from model.pack import Pack, TeamRoute
from model.policy import PolicyNode
from model.vocabulary import ALERT_CATEGORIES, SEVERITIES
from settings import Settings

MAINTENANCE_MUTE_TIMING = "planned-maintenance"
# The windows that also mute critical alerts (`muteCritical: true`), on critical routes only.
CRITICAL_MAINTENANCE_MUTE_TIMING = "planned-maintenance-critical"
# Grafana allows a fixed nesting depth under the root policy.
MAX_POLICY_DEPTH = 4
CATEGORY_LABEL = "category"
# Categories that planned maintenance never mutes.
UNMUTED_CATEGORIES = frozenset({"security"})


def _severity_timing(settings: Settings, severity: str) -> dict:
    t = settings.routing.timings.of(severity)
    return dict(group_wait=t.group_wait, group_interval=t.group_interval, repeat_interval=t.repeat_interval)


def mute_timings(settings: Settings) -> dict[str, tuple]:
    """{mute timing name: its maintenance windows}, only for timings that have windows."""
    windows = settings.routing.maintenance
    timings = {
        MAINTENANCE_MUTE_TIMING: windows,
        CRITICAL_MAINTENANCE_MUTE_TIMING: tuple(w for w in windows if w.mute_critical),
    }
    return {name: ws for name, ws in timings.items() if ws}


def _mutes_by_severity(settings: Settings) -> dict[str, tuple[str, ...]]:
    """The mute timing each severity's routes carry: critical only where a window says so."""
    present = mute_timings(settings)
    general = (MAINTENANCE_MUTE_TIMING,) if MAINTENANCE_MUTE_TIMING in present else ()
    critical = (CRITICAL_MAINTENANCE_MUTE_TIMING,) if CRITICAL_MAINTENANCE_MUTE_TIMING in present else ()
    return {s: critical if s == "critical" else general for s in SEVERITIES}


def _fan_out(matchers, receivers: tuple[str, ...], timing: dict, mute: tuple[str, ...]) -> list[PolicyNode]:
    """One route per receiver; all but the last `continue` so the alert reaches every one."""
    return [
        PolicyNode(
            receiver=r, matchers=matchers, continue_=i < len(receivers) - 1, mute_timings=mute, **timing
        )
        for i, r in enumerate(receivers)
    ]


def _by_severity(
    settings: Settings, receivers: Mapping[str, tuple[str, ...]], mute: Mapping[str, tuple[str, ...]]
) -> tuple[PolicyNode, ...]:
    """Severity children (fanned out per receiver) for every severity that has receivers."""
    children: list[PolicyNode] = []
    for severity in SEVERITIES:
        if receivers.get(severity):
            children += _fan_out(
                (("severity", "=", severity),),
                receivers[severity],
                _severity_timing(settings, severity),
                mute.get(severity, ()),
            )
    return tuple(children)


def _category_nodes(settings: Settings, mute: Mapping[str, tuple[str, ...]]) -> list[PolicyNode]:
    nodes = []
    for category in ALERT_CATEGORIES:
        receivers = settings.routing.category_map().get(category)
        if not receivers:
            continue
        muted = {} if category in UNMUTED_CATEGORIES else mute
        matchers: tuple[tuple[str, str, str], ...] = ((CATEGORY_LABEL, "=", category),)
        listed = [s for s in SEVERITIES if s in receivers]
        if len(listed) < len(SEVERITIES):
            # Only the listed severities take the special route; the others fall through to the teams'.
            matchers += (("severity", "=~", "|".join(listed)),)
        children = _by_severity(settings, receivers, muted)
        nodes.append(PolicyNode(receiver=None, matchers=matchers, children=children))
    return nodes


def _team_node(settings: Settings, route: TeamRoute, mute: Mapping[str, tuple[str, ...]]) -> PolicyNode:
    matchers = (("team", "=", route.team),) + tuple((k, "=", v) for k, v in sorted(route.matchers.items()))
    own = {
        severity: tuple(r for role in roles for r in settings.routing.receivers_of(route.team, role))
        for severity, roles in route.roles_by_severity.items()
    }
    receivers = {**settings.routing.severity_map(), **own}
    return PolicyNode(receiver=None, matchers=matchers, children=_by_severity(settings, receivers, mute))


def build_policy_tree(settings: Settings, packs: Iterable[Pack]) -> PolicyNode:
    """Root -> special (category) routes -> team routes -> the organisation's severity routes.

    See the module docstring for the order and why; staging (`sendAllTo`) gets one route per
    severity to its one channel.
    """
    packs = tuple(packs)
    mute = _mutes_by_severity(settings)
    routing = settings.routing
    if routing.send_all_to:
        children = _by_severity(settings, {s: (routing.send_all_to,) for s in SEVERITIES}, mute)
        receiver = routing.send_all_to
    else:
        children = (
            *_category_nodes(settings, mute),
            *(_team_node(settings, route, mute) for pack in packs for route in pack.routes),
            *_by_severity(settings, routing.severity_map(), mute),
        )
        receiver = routing.default_receiver
    info = settings.routing.timings.info
    tree = PolicyNode(
        receiver=receiver,
        group_by=routing.group_by,
        group_wait=info.group_wait,
        group_interval=info.group_interval,
        repeat_interval=info.repeat_interval,
        children=children,
    )
    if _depth(tree) > MAX_POLICY_DEPTH:
        raise ValueError(f"policy tree deeper than Grafana's limit of {MAX_POLICY_DEPTH} nested levels")
    return tree


def _depth(node: PolicyNode) -> int:
    """Nested levels under `node` (0 for a leaf)."""
    return max((1 + _depth(child) for child in node.children), default=0)
