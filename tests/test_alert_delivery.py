"""Every alert rule of every registered pack reaches who it must, judged by Alertmanager's router.

For each stack, each rule of the plan is routed with its real labels (the rule's labels plus the
`alertname` Grafana gives it: its title) through the plan's policy tree with
`amtool config routes test`. The promises (seeds/002, DESIGN.md):

- prod: every critical alert reaches a paging receiver (PagerDuty), except error-budget alerts,
  which are informational (#incidents only) and never page; every alert reaches Slack;
- staging: nothing pages; every alert reaches Slack.

The rules come from the plan, which builds every pack in `dashboards.PACKS`; the test checks that
no registered pack's alert is missing from it, so a new pack is covered without touching this file.
Planted route changes show that the check fails when a promise is broken.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from dashboards import PACKS
from tests.contexts import stack_context
from tests.helpers import of_type, one, policy_nodes
from tests.plans import STACKS, plan_of
from tools.engines.alertmanager import AmConfig, alertmanager_config

POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy"
CONTACT = "grafana:alerting/contactPoint:ContactPoint"
MUTE = "grafana:alerting/muteTiming:MuteTiming"
RULE_GROUP = "grafana:alerting/ruleGroup:RuleGroup"
PAGING_KINDS = ("pagerduties",)
INFORMATIONAL_CATEGORY = "error-budget"


def rule_label_sets(plan: Mapping[str, Any]) -> list[dict[str, str]]:
    """The labels each rule's alerts carry when Grafana routes them (its labels and alertname)."""
    return [
        {**rule.get("labels", {}), "alertname": rule["name"]}
        for group in of_type(plan, RULE_GROUP)
        for rule in group["inputs"]["rules"]
    ]


def receiver_kinds(plan: Mapping[str, Any]) -> dict[str, str]:
    """{contact point name: its integration kind (slacks, pagerduties, emails, webhooks)}."""
    kinds = {}
    for cp in of_type(plan, CONTACT):
        inputs = cp["inputs"]
        kinds[inputs["name"]] = next(
            k for k in ("slacks", "pagerduties", "emails", "webhooks") if k in inputs
        )
    return kinds


def delivery_violations(
    stack: str, policy: Mapping[str, Any], mutes, kinds: Mapping[str, str], labels: list[dict[str, str]]
) -> Iterator[str]:
    """One message per broken promise: the alert, what it reached, what it should have."""
    with AmConfig(alertmanager_config(policy, mutes)) as am:
        for alert in labels:
            reached = am.routes(alert)
            paging = [r for r in reached if kinds.get(r) in PAGING_KINDS]
            name = f"{stack}: {alert['alertname']} ({alert.get('team')}, {alert.get('severity')})"
            if not any(kinds.get(r) == "slacks" for r in reached):
                yield f"{name} reaches no Slack receiver: {reached}"
            if stack != "prod":
                if paging:
                    yield f"{name} pages outside prod: {paging}"
                continue
            informational = alert.get("category") == INFORMATIONAL_CATEGORY
            if informational and paging:
                yield f"{name} is an error-budget alert (informational) but pages: {paging}"
            if alert.get("severity") == "critical" and not informational and not paging:
                yield f"{name} is critical and pages nobody: {reached}"


def _stack_inputs(stack: str):
    plan = plan_of(stack).plan
    policy = one(plan, POLICY)["inputs"]
    mutes = [m["inputs"] for m in of_type(plan, MUTE)]
    return plan, policy, mutes


@pytest.mark.parametrize("stack", STACKS)
def test_every_rule_of_every_registered_pack_is_in_the_plan(stack):
    plan = plan_of(stack).plan
    routed = {(a["team"], a["alertname"]) for a in rule_label_sets(plan)}
    ctx = stack_context(stack)
    expected = {
        (pack.team, spec.rule_title(severity))
        for pack in (build(ctx) for build in PACKS)
        for spec in pack.alerts
        for severity in spec.thresholds
    }
    assert expected and routed == expected
    assert {team for team, _ in routed} == {build(ctx).team for build in PACKS if build(ctx).alerts}


@pytest.mark.parametrize("stack", STACKS)
def test_every_alert_reaches_slack_criticals_page_in_prod_and_nothing_pages_elsewhere(stack):
    plan, policy, mutes = _stack_inputs(stack)
    labels = rule_label_sets(plan)
    assert len(labels) >= 30
    assert not list(delivery_violations(stack, policy, mutes, receiver_kinds(plan), labels))


def test_prod_has_critical_error_budget_and_category_alerts_to_judge():
    """The prod promises are exercised, not vacuous: criticals, error-budget and SLO alerts exist."""
    labels = rule_label_sets(plan_of("prod").plan)
    assert sum(a.get("severity") == "critical" for a in labels) >= 10
    assert any(a.get("category") == INFORMATIONAL_CATEGORY for a in labels)
    assert any(a.get("category") == "slo" and a.get("severity") == "critical" for a in labels)


def _without(policy: Mapping[str, Any], team: str, receiver: str) -> dict[str, Any]:
    """A copy of the tree where `team`'s routes no longer reach `receiver` (a planted mistake)."""
    planted = copy.deepcopy(policy)
    for node in policy_nodes(planted):
        if any(m["label"] == "team" and m["value"] == team for m in node.get("matchers", [])):
            node["policies"] = [c for c in node["policies"] if c.get("contactPoint") != receiver]
            for child in node["policies"]:  # the last receiver of a severity must not continue
                child.pop("continue", None)
    return planted


def test_planted_route_change_is_caught_upstream_critical_paging_nobody():
    plan, policy, mutes = _stack_inputs("prod")
    labels = [a for a in rule_label_sets(plan) if a["team"] == "upstream"]
    planted = _without(policy, "upstream", "pagerduty-oncall")
    found = list(delivery_violations("prod", planted, mutes, receiver_kinds(plan), labels))
    criticals = [a for a in labels if a["severity"] == "critical"]
    assert criticals and len(found) == len(criticals)
    assert all("is critical and pages nobody" in f for f in found)


def test_planted_route_change_is_caught_error_budget_paging():
    plan, policy, mutes = _stack_inputs("prod")
    planted = copy.deepcopy(policy)
    budget = next(
        p
        for p in planted["policies"]
        if {"label": "category", "match": "=", "value": "error-budget"} in p["matchers"]
    )
    for leaf in budget["policies"]:
        leaf["contactPoint"] = "pagerduty-slo"
    labels = [a for a in rule_label_sets(plan) if a.get("category") == INFORMATIONAL_CATEGORY]
    found = list(delivery_violations("prod", planted, mutes, receiver_kinds(plan), labels))
    assert labels and any("informational" in f for f in found)


def test_planted_receiver_change_is_caught_staging_paging():
    plan, policy, mutes = _stack_inputs("staging")
    kinds = {name: "pagerduties" for name in receiver_kinds(plan)}  # its one channel made a pager
    found = list(delivery_violations("staging", policy, mutes, kinds, rule_label_sets(plan)[:3]))
    assert len(found) == 6 and all("Slack" in f or "pages outside prod" in f for f in found)
