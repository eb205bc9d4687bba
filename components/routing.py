"""The one notification policy tree of a Grafana org, built from settings and the packs' routes.

Pure data (`PolicyNode`), so the same tree is rendered to Grafana's NotificationPolicy inputs
and, in the tests, to Alertmanager's route form for `amtool config routes test`.
"""

from __future__ import annotations

from typing import Iterable

from components.specs import SEVERITIES, Pack, PolicyNode
from settings import Problem, Settings, SettingsError

MAINTENANCE_MUTE_TIMING = "planned-maintenance"


def _severity_timing(settings: Settings, severity: str) -> dict:
    t = settings.routing.timings[severity]
    return dict(group_wait=t.group_wait, group_interval=t.group_interval, repeat_interval=t.repeat_interval)


def _fan_out(matchers, receivers: tuple[str, ...], timing: dict, mute: tuple[str, ...]) -> list[PolicyNode]:
    """One route per receiver; all but the last `continue` so the alert reaches every one."""
    return [
        PolicyNode(receiver=r, matchers=matchers, continue_=i < len(receivers) - 1, mute_timings=mute, **timing)
        for i, r in enumerate(receivers)
    ]


def _team_node(settings: Settings, pack: Pack, mute: tuple[str, ...]) -> list[PolicyNode]:
    nodes = []
    for route in pack.routes:
        matchers = (("team", "=", route.team),) + tuple((k, "=", v) for k, v in sorted(route.matchers.items()))
        children: list[PolicyNode] = []
        for severity in SEVERITIES:
            receivers = route.receivers_by_severity.get(severity)
            if receivers:
                children += _fan_out(
                    (("severity", "=", severity),), receivers, _severity_timing(settings, severity), mute
                )
        nodes.append(PolicyNode(receiver=None, matchers=matchers, children=tuple(children)))
    return nodes


def check_receivers(settings: Settings, packs: Iterable[Pack]) -> None:
    """Every receiver a pack routes to must be defined for this stack (unless all goes to one)."""
    if settings.routing.send_all_to:
        return
    defined = {r.name for r in settings.receivers}
    problems = []
    for pack in packs:
        for route in pack.routes:
            for severity, receivers in route.receivers_by_severity.items():
                for name in receivers:
                    if name not in defined:
                        problems.append(
                            Problem(
                                f"observability:receivers.{name}",
                                f"is routed to by team '{route.team}' ({severity}) but not defined",
                                f"pulumi config set --path 'observability:receivers.{name}.type' slack "
                                f"--stack {settings.stack} (and its channel/secret)",
                            )
                        )
    if problems:
        raise SettingsError(settings.stack, sorted(set(problems), key=lambda p: (p.key, p.message)))


def build_policy_tree(settings: Settings, packs: Iterable[Pack]) -> PolicyNode:
    """Root -> one route per team -> one route per severity (fanned out with `continue`).

    Where the stack sends everything to one channel (staging), the tree is root -> one
    route per severity to that receiver, so the per-severity timings still apply.
    """
    packs = tuple(packs)
    check_receivers(settings, packs)
    mute = (MAINTENANCE_MUTE_TIMING,) if settings.routing.maintenance else ()
    routing = settings.routing
    if routing.send_all_to:
        children = tuple(
            PolicyNode(
                receiver=routing.send_all_to,
                matchers=(("severity", "=", severity),),
                mute_timings=mute,
                **_severity_timing(settings, severity),
            )
            for severity in SEVERITIES
        )
        receiver = routing.send_all_to
    else:
        children = tuple(node for pack in packs for node in _team_node(settings, pack, mute))
        receiver = routing.default_receiver
    info = settings.routing.timings["info"]
    return PolicyNode(
        receiver=receiver,
        group_by=routing.group_by,
        group_wait=info.group_wait,
        group_interval=info.group_interval,
        repeat_interval=info.repeat_interval,
        children=children,
    )


def reachable_receivers(tree: PolicyNode) -> set[str]:
    return {node.receiver for node in tree.walk() if node.receiver}
