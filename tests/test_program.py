"""The whole program on Pulumi's mock engine, per stack, with that stack's own config file."""

from __future__ import annotations

import json

from model.panels import panels
from tests.helpers import json_input, of_type, one, policy_nodes
from tests.plans import STACKS, plan_of
from tools.plan import MOCK_PASSWORD, SECRET, render_plan, to_json

DS = "grafana:oss/dataSource:DataSource"
ROLE = "postgresql:index/role:Role"
GRANT = "postgresql:index/grant:Grant"
DYNAMIC = "pulumi-python:dynamic:Resource"
POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy"
CONTACT = "grafana:alerting/contactPoint:ContactPoint"
RULES = "grafana:alerting/ruleGroup:RuleGroup"


def test_both_environments_exist():
    assert set(STACKS) == {"prod", "staging"}


def test_prod_holds_the_clerk_environment(prod):
    plan = prod.plan
    assert {r["inputs"]["uid"] for r in of_type(plan, DS)} == {"civic-db", "loki", "prometheus"}
    assert len(of_type(plan, ROLE)) == 1
    assert len(of_type(plan, GRANT)) == 3
    assert "clerk" in {r["inputs"]["uid"] for r in of_type(plan, "grafana:oss/folder:Folder")}
    assert "clerk-pipeline" in prod.dashboards
    assert len(of_type(plan, POLICY)) == 1
    assert {r["inputs"]["name"] for r in of_type(plan, CONTACT)} >= {"slack-alerts", "pagerduty-clerk"}
    clerk_groups = {
        r["inputs"]["name"]: r for r in of_type(plan, RULES) if r["inputs"]["name"].startswith("clerk")
    }
    assert {g["inputs"]["intervalSeconds"] for g in clerk_groups.values()} == {60, 300}


def test_postgres_data_source(stack_plan):
    ds = next(r for r in of_type(stack_plan.plan, DS) if r["inputs"]["uid"] == "civic-db")
    assert ds["inputs"]["type"] == "grafana-postgresql-datasource"
    assert ds["inputs"]["username"] == "grafana_readonly"
    assert ds["inputs"]["secureJsonDataEncoded"] == SECRET
    data = json_input(ds, "jsonDataEncoded")
    assert data["database"] == "clerk"
    assert data["maxOpenConns"] == 5
    assert data["postgresVersion"] >= 1400
    # Grafana's PostgreSQL driver (lib/pq) refuses prefer and allow: every stack requires TLS.
    assert data["sslmode"] == "require"
    assert ds["inputs"]["name"] == "civic-db"  # postgres.datasourceName's default


def test_loki_data_source_links_clerk_fields(stack_plan):
    loki = next(r for r in of_type(stack_plan.plan, DS) if r["inputs"]["uid"] == "loki")
    data = json_input(loki, "jsonDataEncoded")
    assert data["timeout"] == 30 and data["maxLines"] == 5000
    fields = {f["name"]: f for f in data["derivedFields"]}
    assert set(fields) == {"run_id", "subdomain"}
    assert fields["run_id"]["url"] == "/d/clerk-pipeline?var-run_id=${__value.raw}"
    assert fields["subdomain"]["url"] == "/d/clerk-pipeline?var-subdomain=${__value.raw}"


def test_readonly_role_and_exact_grants(stack_plan):
    role = one(stack_plan.plan, ROLE)["inputs"]
    assert role["name"] == "grafana_readonly"
    assert role["login"] is True
    assert role["password"] == SECRET
    assert role["statementTimeout"] == 30000
    assert role["connectionLimit"] >= 5
    assert not role["superuser"] and not role["createRole"] and not role["createDatabase"]
    grants = sorted(
        (
            g["inputs"]["role"],
            g["inputs"]["objectType"],
            tuple(g["inputs"]["privileges"]),
            tuple(g["inputs"].get("objects", [])),
        )
        for g in of_type(stack_plan.plan, GRANT)
    )
    assert grants == [
        ("grafana_readonly", "database", ("CONNECT",), ()),
        ("grafana_readonly", "schema", ("USAGE",), ()),
        ("grafana_readonly", "table", ("SELECT",), ("sites",)),
    ]  # PUBLIC's privileges are not this program's to change (README)


def test_every_resource_uses_an_explicit_provider(stack_plan):
    for r in stack_plan.plan["resources"]:
        if r["type"] == DYNAMIC:
            continue  # carries its own provider (`__provider`)
        if r["options"]["custom"] and not r["type"].startswith("pulumi:providers:"):
            assert r["options"]["provider"], f"{r['name']} would use a default provider"


def test_secrets_are_secret(stack_plan):
    text = to_json(stack_plan.plan) + "".join(to_json(d) for d in stack_plan.dashboards.values())
    assert "placeholder-secret" not in text and MOCK_PASSWORD not in text
    grafana = one(stack_plan.plan, "pulumi:providers:grafana")
    assert grafana["inputs"]["auth"] == SECRET
    # org_id is an integer input; the engine hands provider inputs over JSON-encoded.
    assert json.loads(grafana["inputs"]["orgId"]) == 1
    postgres = one(stack_plan.plan, "pulumi:providers:postgresql")
    assert postgres["inputs"]["password"] == SECRET
    for cp in of_type(stack_plan.plan, CONTACT):
        for kind in ("slacks", "pagerduties", "webhooks"):
            if kind in cp["inputs"]:
                assert cp["inputs"][kind] == SECRET, f"{cp['name']}.{kind} is not marked secret"


def test_staging_never_pages(staging):
    plan = staging.plan
    assert not any("pagerduties" in cp["inputs"] for cp in of_type(plan, CONTACT))
    policy = one(plan, POLICY)["inputs"]
    receivers = {node["contactPoint"] for node in policy_nodes(policy) if "contactPoint" in node}
    assert receivers == {"slack-staging"}


def test_prod_pages_for_critical_clerk_alerts(prod):
    policy = one(prod.plan, POLICY)["inputs"]
    clerk = next(
        p for p in policy["policies"] if {"label": "team", "match": "=", "value": "clerk"} in p["matchers"]
    )
    critical = [p for p in clerk["policies"] if p["matchers"][0]["value"] == "critical"]
    assert [p["contactPoint"] for p in critical] == ["slack-alerts", "pagerduty-clerk"]
    assert critical[0]["continue"] is True  # so the page also goes out
    warning = [p["contactPoint"] for p in clerk["policies"] if p["matchers"][0]["value"] == "warning"]
    assert warning == ["slack-alerts"]


def test_rules_carry_labels_links_and_states(stack_plan):
    for group in of_type(stack_plan.plan, RULES):
        for rule in group["inputs"]["rules"]:
            assert rule["labels"]["severity"] in ("critical", "warning", "info")
            assert rule["labels"]["team"]
            ann = rule["annotations"]
            assert ann["summary"] and ann["description"] and ann["runbook_url"].startswith("https://")
            assert ann["__dashboardUid__"] in stack_plan.dashboards
            panel_ids = {p["id"] for p in panels(stack_plan.dashboards[ann["__dashboardUid__"]])}
            assert int(ann["__panelId__"]) in panel_ids
            assert rule["noDataState"] and rule["execErrState"]
            assert len(rule["uid"]) <= 40
            assert json.loads(rule["datas"][-1]["model"])["type"] == "threshold"


def test_clerk_alert_thresholds(prod):
    rules = {r["uid"]: r for g in of_type(prod.plan, RULES) for r in g["inputs"]["rules"]}
    expected = {  # uid: (severity, for, evaluator, threshold)
        "clerk-stuck-sites-crit": ("critical", "15m", "gt", 10),
        "clerk-health-degraded-warn": ("warning", "10m", "lt", 85),
        "clerk-ocr-failures-high-warn": ("warning", "15m", "gt", 20),
    }
    for uid, (severity, for_, op, threshold) in expected.items():
        rule = rules[uid]
        evaluator = json.loads(rule["datas"][-1]["model"])["conditions"][0]["evaluator"]
        assert (rule["labels"]["severity"], rule["for"], evaluator["type"], evaluator["params"]) == (
            severity,
            for_,
            op,
            [threshold],
        )


def test_prod_protects_stateful_resources(prod):
    for r in [one(prod.plan, ROLE), *of_type(prod.plan, GRANT), one(prod.plan, DYNAMIC)]:
        assert r["options"]["protect"] and r["options"]["retainOnDelete"], r["name"]
    for r in of_type(prod.plan, DS) + of_type(prod.plan, "grafana:oss/folder:Folder"):
        assert r["options"]["protect"], r["name"]


def test_two_renders_are_byte_identical():
    for stack in STACKS:
        first, second = plan_of(stack), render_plan(stack)  # the first as the other tests saw it
        assert to_json(first.plan) == to_json(second.plan)
        assert {u: to_json(d) for u, d in first.dashboards.items()} == {
            u: to_json(d) for u, d in second.dashboards.items()
        }
