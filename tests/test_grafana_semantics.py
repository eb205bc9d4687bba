"""What Grafana does with the values this program sends: it must store them as sent (no diff on the
next preview) and act on them as the documents intend."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from components.notifications import _integration
from model.durations import canonical
from tests.helpers import of_type, policy_nodes
from tests.plans import STACKS, plan_of
from tools.engines.alertmanager import render_template

POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy"
DURATION_FIELDS = ("groupWait", "groupInterval", "repeatInterval")


@pytest.mark.parametrize("stack", STACKS)
def test_policy_durations_are_what_grafana_gives_back(stack):
    """Grafana keeps a policy's timings as Prometheus durations and gives them back in their
    canonical form (`24h` as `1d`), which the provider stores as it reads it; anything else would
    show as a change on every preview. That reading of Grafana and the provider is not run here:
    the test checks the plan sends nothing but `model.durations.canonical`'s form, whose examples
    are in tests/test_durations.py."""
    (policy,) = of_type(plan_of(stack).plan, POLICY)
    sent = [node[f] for node in policy_nodes(policy["inputs"]) for f in DURATION_FIELDS if node.get(f)]
    assert sent, "the tree sets no timing at all"
    assert [canonical(d) for d in sent] == sent


@pytest.mark.parametrize("severity", ["critical", "warning", "info"])
def test_pagerduty_pages_with_the_alerts_own_severity(severity):
    """Rendered by Alertmanager's template engine, as Grafana renders contact point fields."""
    _kind, settings = _integration(SimpleNamespace(type="pagerduty", secret=None, name="pd"))
    alerts = [{"alertname": "x", "severity": severity, "team": "clerk", "instance": str(i)} for i in range(2)]
    assert render_template(settings["severity"], alerts) == severity


def _effective_group_by(policy_inputs):
    """(node, group_by in effect) for every route, inheriting the parent's grouping."""

    def walk(node, inherited):
        group_by = node.get("groupBies", inherited)
        yield node, group_by
        for child in node.get("policies", []):
            yield from walk(child, group_by)

    yield from walk(policy_inputs, policy_inputs.get("groupBies"))


@pytest.mark.parametrize("stack", STACKS)
def test_every_route_groups_by_severity(stack):
    """So a notification's alerts share one severity, and PagerDuty's `.CommonLabels.severity` is set."""
    (policy,) = of_type(plan_of(stack).plan, POLICY)
    ungrouped = [n.get("matchers") for n, g in _effective_group_by(policy["inputs"]) if "severity" not in g]
    assert ungrouped == []
