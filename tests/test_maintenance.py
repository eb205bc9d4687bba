"""Maintenance windows mute only what a stack declares, and critical pages only when a window says so.

Alertmanager's `amtool config routes test` ignores mute timings (they act at notification time),
so the proof is the policy tree Grafana receives: which routes carry which mute timing, and which
windows each mute timing holds. amtool still checks that the rendered config, with its time
intervals, is one Alertmanager accepts.
"""

from __future__ import annotations

import copy

import pytest

from components.routing import CRITICAL_MAINTENANCE_MUTE_TIMING, MAINTENANCE_MUTE_TIMING
from tests.helpers import of_type, one, policy_nodes
from tests.plans import STACKS, plan_of
from tools.engines.alertmanager import AmConfig, alertmanager_config
from tools.plan import read_stack_config, render_plan

POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy"
MUTE = "grafana:alerting/muteTiming:MuteTiming"
ROUTING = "observability:routing"

NIGHTLY = {"weekdays": ["sunday"], "start": "02:00", "end": "04:00", "location": "UTC"}
UPGRADE = {
    "weekdays": ["saturday"],
    "start": "22:00",
    "end": "23:30",
    "location": "UTC",
    "muteCritical": True,
}


def _leaves(policy):
    """(path of matchers down to the leaf, leaf) for every route that names a contact point."""

    def walk(node, path):
        here = path + [(m["label"], m["value"]) for m in node.get("matchers", [])]
        if "contactPoint" in node and "matchers" in node:
            yield here, node
        for child in node.get("policies", []):
            yield from walk(child, here)

    yield from walk(policy, [])


def _with_windows(stack: str, *windows: dict):
    routing = copy.deepcopy(read_stack_config(stack)[ROUTING])
    routing["maintenance"] = list(windows)
    plan = render_plan(stack, config_overrides={ROUTING: routing}).plan
    return one(plan, POLICY)["inputs"], {m["inputs"]["name"]: m["inputs"] for m in of_type(plan, MUTE)}


@pytest.mark.parametrize("stack", STACKS)
def test_no_stack_mutes_anything_nobody_asked_for(stack):
    plan = plan_of(stack).plan
    assert of_type(plan, MUTE) == []
    assert not any(n.get("muteTimings") for n in policy_nodes(one(plan, POLICY)["inputs"]))


def test_a_window_mutes_every_route_but_critical_and_security():
    policy, mutes = _with_windows("prod", NIGHTLY)
    assert list(mutes) == [MAINTENANCE_MUTE_TIMING]
    assert [i["weekdays"] for i in mutes[MAINTENANCE_MUTE_TIMING]["intervals"]] == [["sunday"]]
    leaves = list(_leaves(policy))
    assert len(leaves) > 20
    for path, leaf in leaves:
        labels = dict(path)
        unmuted = labels["severity"] == "critical" or labels.get("category") == "security"
        assert leaf.get("muteTimings", []) == ([] if unmuted else [MAINTENANCE_MUTE_TIMING]), path
    with AmConfig(alertmanager_config(policy, mutes.values())) as am:
        am.check()


def test_only_a_window_that_says_so_mutes_critical_pages():
    policy, mutes = _with_windows("prod", NIGHTLY, UPGRADE)
    assert sorted(mutes) == sorted([MAINTENANCE_MUTE_TIMING, CRITICAL_MAINTENANCE_MUTE_TIMING])
    assert [i["weekdays"] for i in mutes[MAINTENANCE_MUTE_TIMING]["intervals"]] == [["sunday"], ["saturday"]]
    # critical routes are muted by the window that says muteCritical, and by no other
    assert [i["weekdays"] for i in mutes[CRITICAL_MAINTENANCE_MUTE_TIMING]["intervals"]] == [["saturday"]]
    for path, leaf in _leaves(policy):
        labels = dict(path)
        if labels.get("category") == "security":
            expected = []
        elif labels["severity"] == "critical":
            expected = [CRITICAL_MAINTENANCE_MUTE_TIMING]
        else:
            expected = [MAINTENANCE_MUTE_TIMING]
        assert leaf.get("muteTimings", []) == expected, path
    with AmConfig(alertmanager_config(policy, mutes.values())) as am:
        am.check()


def test_staging_windows_mute_its_one_channel_but_critical():
    policy, mutes = _with_windows("staging", NIGHTLY)
    for path, leaf in _leaves(policy):
        critical = dict(path)["severity"] == "critical"
        assert leaf.get("muteTimings", []) == ([] if critical else [MAINTENANCE_MUTE_TIMING]), path
