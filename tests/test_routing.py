"""The organisation's notification policy tree, judged by Alertmanager's own router (amtool).

The tree is the plan's NotificationPolicy inputs (what Grafana receives), rendered to an
Alertmanager config. Every case: prod routes it to exactly the intended receivers, in route order
(`amtool config routes test --verify.receivers`); staging routes it to non-paging receivers only.
"""

from __future__ import annotations

import pytest

from components.routing import MAX_POLICY_DEPTH
from model.durations import parse_duration
from tests.helpers import of_type, one, policy_nodes
from tests.plans import plan_of
from tools.engines.alertmanager import AmConfig, alertmanager_config

POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy"
CONTACT = "grafana:alerting/contactPoint:ContactPoint"
MUTE = "grafana:alerting/muteTiming:MuteTiming"

# The organisation's severity routing (seeds/002), for teams without a route of their own.
ORG = {
    "critical": ("pagerduty-oncall", "slack-incidents", "email-oncall"),
    "warning": ("slack-alerts", "email-oncall"),
    "info": ("slack-monitoring",),
}
SLO = ("pagerduty-slo", "slack-incidents")
# Critical SLO breaches also e-mail the on-call rotation (seeds/002, "Alert Routing").
SLO_CRITICAL = (*SLO, "email-oncall")
SECURITY = ("pagerduty-security", "slack-security")
ERROR_BUDGET = ("slack-incidents",)
CLERK = {"critical": ("slack-alerts", "pagerduty-clerk"), "warning": ("slack-alerts",), "info": ORG["info"]}


# What each team's documents ask for in prod, written out (the packs name roles; prod's stack file
# maps them: a wrong role or mapping shows here as a wrong receiver).
TEAMS = {
    "media": {
        "critical": ("slack-media", "pagerduty-media"),
        "warning": ("slack-media",),
        "info": ("slack-media",),
    },
    # No rotation of its own: critical pages the organisation's on-call (seeds/002).
    "upstream": {**{s: ("slack-upstream",) for s in ORG}, "critical": ("pagerduty-oncall", "slack-upstream")},
    "prisma": {
        "critical": ("pagerduty-oncall", "slack-backend-monitoring"),
        "warning": ("slack-backend-monitoring",),
        # seeds/004: "Email for info" (the team's on-call list), beside its channel
        "info": ("slack-backend-monitoring", "email-backend-oncall"),
    },
}


def team_expected(team: str, severity: str) -> tuple[str, ...]:
    """A team's own receivers for a severity it routes, else the organisation's."""
    return TEAMS.get(team, {}).get(severity) or ORG[severity]


# (id, labels, intended prod receivers in route order)
CASES = [
    # every severity of every team
    *[(f"clerk-{s}", {"team": "clerk", "severity": s, "alertname": "ClerkX"}, CLERK[s]) for s in ORG],
    *[
        (f"clipper-{s}", {"team": "clipper", "severity": s, "alertname": "BackgroundJobFailing"}, ORG[s])
        for s in ORG
    ],
    *[
        (f"{t}-{s}", {"team": t, "severity": s, "alertname": "X"}, ("team", t, s))
        for t in ("media", "upstream", "prisma")
        for s in ORG
    ],
    *[(f"unrouted-team-{s}", {"team": "platform", "severity": s, "alertname": "X"}, ORG[s]) for s in ORG],
    *[(f"no-team-{s}", {"severity": s, "alertname": "X"}, ORG[s]) for s in ORG],
    # special routes win over team routes, whatever the team and severity
    ("slo-clipper-critical", {"team": "clipper", "severity": "critical", "category": "slo"}, SLO_CRITICAL),
    ("slo-clipper-warning", {"team": "clipper", "severity": "warning", "category": "slo"}, SLO),
    ("slo-clerk-critical", {"team": "clerk", "severity": "critical", "category": "slo"}, SLO_CRITICAL),
    ("slo-media-info", {"team": "media", "severity": "info", "category": "slo"}, SLO),
    ("security-clerk-critical", {"team": "clerk", "severity": "critical", "category": "security"}, SECURITY),
    (
        "security-clipper-warning",
        {"team": "clipper", "severity": "warning", "category": "security"},
        SECURITY,
    ),
    ("security-no-team-info", {"severity": "info", "category": "security"}, SECURITY),
    (
        "error-budget-critical",
        {"team": "clipper", "severity": "critical", "category": "error-budget"},
        ERROR_BUDGET,
    ),
    (
        "error-budget-warning",
        {"team": "clipper", "severity": "warning", "category": "error-budget"},
        ERROR_BUDGET,
    ),
    (
        "error-budget-clerk",
        {"team": "clerk", "severity": "critical", "category": "error-budget"},
        ERROR_BUDGET,
    ),
    # Media's p95 latency warning tags @oncall (seeds/001): its rules carry mention=oncall; only the
    # warning goes to the mentioning receiver, its critical pages as every media critical does
    (
        "media-mention-warning",
        {"team": "media", "severity": "warning", "mention": "oncall", "alertname": "X"},
        ("slack-media-oncall",),
    ),
    (
        "media-mention-critical",
        {"team": "media", "severity": "critical", "mention": "oncall", "alertname": "X"},
        ("team", "media", "critical"),
    ),
    (
        "media-mention-info",
        {"team": "media", "severity": "info", "mention": "oncall", "alertname": "X"},
        ("team", "media", "info"),
    ),
    (
        "mention-other-team",
        {"team": "upstream", "severity": "warning", "mention": "oncall", "alertname": "X"},
        ("team", "upstream", "warning"),
    ),
    # an unknown category is no special route; a missing severity reaches the root's default
    (
        "unknown-category",
        {"team": "clerk", "severity": "critical", "category": "capacity"},
        CLERK["critical"],
    ),
    ("slo-label-not-category", {"team": "clipper", "severity": "critical", "slo": "true"}, ORG["critical"]),
    ("no-severity", {"team": "platform", "alertname": "X"}, ("slack-alerts",)),
    ("clerk-no-severity", {"team": "clerk", "alertname": "X"}, ("slack-alerts",)),
]


def _expected(expected) -> tuple[str, ...]:
    if expected and expected[0] == "team":
        return team_expected(expected[1], expected[2])
    return expected


def _config(stack: str):
    plan = plan_of(stack).plan
    policy = one(plan, POLICY)["inputs"]
    return alertmanager_config(policy, [m["inputs"] for m in of_type(plan, MUTE)])


@pytest.fixture(scope="module")
def prod_am():
    with AmConfig(_config("prod")) as am:
        yield am


@pytest.fixture(scope="module")
def staging_am():
    with AmConfig(_config("staging")) as am:
        yield am


def test_table_covers_every_severity_special_route_and_team():
    assert len(CASES) >= 30
    assert len({c[0] for c in CASES}) == len(CASES)
    labels = [c[1] for c in CASES]
    assert {x.get("severity") for x in labels} >= {"critical", "warning", "info"}
    assert {x.get("category") for x in labels} >= {"slo", "security", "error-budget"}
    assert {x.get("team") for x in labels} >= {"clerk", "clipper", "media", "upstream", "prisma"}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_alertmanager_accepts_the_tree(stack):
    with AmConfig(_config(stack)) as am:
        assert "SUCCESS" in am.check()


@pytest.mark.parametrize("case_id, labels, expected", CASES, ids=[c[0] for c in CASES])
def test_prod_routes_each_label_set_to_exactly_its_receivers(prod_am, case_id, labels, expected):
    want = _expected(expected)
    result = prod_am.verify(labels, want)
    assert result.returncode == 0, f"{case_id}: want {','.join(want)}, amtool: {result.stdout}{result.stderr}"


@pytest.mark.parametrize("case_id, labels, expected", CASES, ids=[c[0] for c in CASES])
def test_staging_reaches_no_paging_receiver(staging_am, case_id, labels, expected):
    contact_points = of_type(plan_of("staging").plan, CONTACT)
    non_paging = {cp["inputs"]["name"] for cp in contact_points if "pagerduties" not in cp["inputs"]}
    reached = staging_am.routes(labels)
    assert reached and set(reached) <= non_paging, f"{case_id}: staging reaches {reached}"


def test_prod_tree_shape_and_timings():
    policy = one(plan_of("prod").plan, POLICY)["inputs"]
    assert policy["groupBies"] == ["alertname", "team", "severity"]
    top = [tuple((m["label"], m["value"]) for m in p.get("matchers", [])) for p in policy["policies"]]
    specials = [i for i, m in enumerate(top) if m and m[0][0] == "category"]
    teams = [i for i, m in enumerate(top) if m and m[0][0] == "team"]
    assert specials == [0, 1, 2] and [top[i][0][1] for i in specials] == ["security", "slo", "error-budget"]
    assert teams and min(teams) > max(specials)  # special routes are matched before any team route

    def depth(node, d=0):
        return max([d] + [depth(c, d + 1) for c in node.get("policies", [])])

    assert depth(policy) <= MAX_POLICY_DEPTH
    repeats = {}
    for node in policy_nodes(policy):
        if "contactPoint" in node and node is not policy:
            severity = next(m["value"] for m in node["matchers"] if m["label"] == "severity")
            repeats.setdefault(severity, set()).add(parse_duration(node["repeatInterval"]))
            assert node["groupWait"] and node["groupInterval"]
    assert max(repeats["critical"]) < min(repeats["warning"]) < min(repeats["info"])


def test_every_prod_route_reaches_a_defined_contact_point():
    plan = plan_of("prod").plan
    names = {cp["inputs"]["name"] for cp in of_type(plan, CONTACT)}
    policy = one(plan, POLICY)["inputs"]
    assert {n["contactPoint"] for n in policy_nodes(policy) if "contactPoint" in n} <= names
