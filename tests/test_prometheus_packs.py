"""Prometheus content of the registered packs, and the media, upstream and prisma packs in detail.

- every PromQL expression of every registered pack (panels, variables, alerts) parses with
  promql_parser; alert queries use literal windows;
- promtool proves every Prometheus alert from its pack's scenarios (tests/test_alert_proofs.py);
  here: the stalled alert's "uploads active" condition, and that the harness is not vacuous;
- the packs' content (panels, thresholds, severities) and their place in the offline plan of both
  stacks (folders, dashboards, rule groups, routing; staging never pages).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import promql_parser
import pytest

from dashboards import media_clustering, prisma_migration, upstream
from model.datasources import CATALOGUE
from model.pack import AlertSpec, Pack, PackContext
from model.panels import panels
from tests import contexts
from tests.helpers import of_type, policy_nodes
from tests.plans import plan_of
from tools.engines import promtool as pt

PROMETHEUS = CATALOGUE["prometheus"].plugin_type
FOLDERS = {"media": "media-clustering", "upstream": "upstream", "prisma": "migrations"}
DASHBOARDS = {
    "media-cluster-observability",
    "upstream-api-performance",
    "upstream-database-metrics",
    "upstream-celery-tasks",
    "upstream-error-rates",
    "prisma-migration",
}
RULES = "grafana:alerting/ruleGroup:RuleGroup"
CONTACT = "grafana:alerting/contactPoint:ContactPoint"
POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy"


def context(backlog: bool) -> PackContext:
    return contexts.pack_context(options={media_clustering.TEAM: {"backlog": backlog}})


def packs(options_on: bool = True) -> tuple[Pack, ...]:
    """Every registered pack, with every pack option on or off."""
    return contexts.packs(contexts.every_option_on() if options_on else contexts.every_option_off())


def team_alerts(options_on: bool = True) -> list[tuple[str, AlertSpec]]:
    """(team, alert) of every Prometheus alert of every registered pack."""
    return [(p.team, a) for p in packs(options_on) for a in p.alerts if pt.is_prometheus(a)]


def scenarios() -> dict:
    return {name: s for p in packs() for name, s in p.scenarios.items()}


# --- PromQL parses ------------------------------------------------------------------------


def substitute(expr: str) -> str:
    """Grafana variables -> values PromQL accepts where they stand (all ours are durations,
    step milliseconds, or inside label matcher strings)."""
    expr = re.sub(r"\$\{?__(rate_interval|interval|range)\}?(?![\w])", "5m", expr)
    expr = re.sub(r"\$\{?__(interval_ms|range_ms|range_s)\}?", "300", expr)
    expr = re.sub(r"\$\{?\w+(:\w+)?\}?", "value", expr)  # dashboard variables, inside matchers
    assert "$" not in expr, f"unsubstituted variable in {expr}"
    return expr


def _is_prometheus(item: Mapping[str, Any]) -> bool:
    return (item.get("datasource") or {}).get("type") == PROMETHEUS


def dashboard_promql(model: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for panel in panels(model):
        for target in panel.get("targets", []):
            if _is_prometheus(target):
                yield f"{model['uid']} panel {panel['id']}", target["expr"]
    for variable in model.get("templating", {}).get("list", []):
        query = variable.get("query")
        if variable.get("type") == "query" and _is_prometheus(variable):
            text = query if isinstance(query, str) else query.get("query", "")
            match = re.fullmatch(r"label_values\((.+),\s*\w+\)", text.strip())
            assert match, (
                f"{model['uid']} variable {variable['name']}: {text} is not label_values(selector, label)"
            )
            yield f"{model['uid']} variable {variable['name']}", match.group(1)


def all_promql() -> list[tuple[str, str]]:
    exprs = []
    for options_on in (False, True):
        for pack in packs(options_on):
            for d in pack.dashboards:
                exprs += list(dashboard_promql(d.model))
            alerts = [a for a in pack.alerts if pt.is_prometheus(a)]
            exprs += [(f"alert {a.name}", a.query) for a in alerts]
            exprs += [
                (f"rule {a.rule_uid(s)}", pt.expression(a, s)) for a in alerts for s in pt.severities(a)
            ]
    return exprs


@pytest.mark.parametrize(("where", "expr"), all_promql(), ids=lambda v: v if " " in str(v)[:40] else "")
def test_promql_parses(where, expr):
    try:
        promql_parser.parse(substitute(expr))
    except Exception as err:  # promql_parser raises its own error types
        pytest.fail(f"{where}: {expr!r} does not parse: {err}")


def test_alert_queries_use_literal_windows():
    """Grafana does not expand $__rate_interval in alert rules: alert PromQL has fixed ranges."""
    for _team, alert in team_alerts():
        assert "$" not in alert.query, alert.name


# --- promtool ---------------------------------------------------------------------------


def prometheus_rule_uids(alerts) -> set[str]:
    return {a.rule_uid(s) for _team, a in alerts for s in pt.severities(a)}


def test_rules_without_the_options_are_a_subset_of_the_proven_ones():
    without = prometheus_rule_uids(team_alerts(options_on=False))
    assert without <= prometheus_rule_uids(team_alerts(options_on=True))


def test_promtool_stalled_alert_needs_active_uploads(tmp_path):
    """No success for 30 minutes is a quiet night, not a stall, when nothing is pending or failing;
    failing attempts alone (no legacy exporter, as in prod) count as uploads being active."""
    team, spec = next((t, a) for t, a in team_alerts() if a.name == "media_cluster_stalled")
    uid = spec.rule_uid("critical")
    success = {"series": 'cluster_jobs_total{instance="w1",outcome="success"}', "values": "100x40"}
    quiet = [success, {"series": 'cluster_jobs_total{instance="w1",outcome="failed"}', "values": "3x40"}]
    failing = [success, {"series": 'cluster_jobs_total{instance="w1",outcome="failed"}', "values": "0+2x40"}]
    fired = [
        {"exp_labels": pt.rule_labels(spec, "critical", team), "exp_annotations": pt.static_annotations(spec)}
    ]
    tests = {
        "rule_files": ["test_rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "name": "quiet: nothing pending, nothing failing",
                "interval": "1m",
                "input_series": quiet,
                "alert_rule_test": [{"eval_time": "35m", "alertname": uid, "exp_alerts": []}],
            },
            {
                "name": "only failing attempts",
                "interval": "1m",
                "input_series": failing,
                "alert_rule_test": [{"eval_time": "35m", "alertname": uid, "exp_alerts": fired}],
            },
        ],
    }
    alerts = [(team, spec)]
    result = pt.run_promtool(
        tmp_path, pt.rules_document(alerts), pt.rules_document(alerts, templates=False), tests
    )
    assert result.ok, result.output


def test_promtool_catches_a_wrong_threshold(tmp_path):
    """The harness is not vacuous: a rule whose threshold is doubled fails its 'fires' case."""
    team, spec = next((t, a) for t, a in team_alerts() if a.name == "media_cluster_failures")
    broken = AlertSpec(**{**spec.__dict__, "thresholds": {k: v * 2 for k, v in spec.thresholds.items()}})
    tests, _cases = pt.tests_document([(team, spec)], scenarios())  # scenarios for the real thresholds
    result = pt.run_promtool(
        tmp_path,
        pt.rules_document([(team, broken)]),
        pt.rules_document([(team, broken)], templates=False),
        tests,
    )
    assert not result.ok
    assert "media-cluster-failures" in result.output


# --- Pack content -------------------------------------------------------------------------


@pytest.mark.parametrize("options_on", [False, True])
def test_panels_have_ids_titles_descriptions_units(options_on):
    for pack in packs(options_on):
        for d in pack.dashboards:
            ids = [p["id"] for p in panels(d.model)]
            assert len(ids) == len(set(ids)), f"{d.uid}: duplicate panel ids"
            for p in panels(d.model):
                assert p.get("title"), f"{d.uid} panel {p['id']}"
                if p["type"] != "row":
                    assert p.get("description"), f"{d.uid} panel {p['id']} has no description"
                    if p["type"] not in ("table", "logs"):  # rows of text, no unit
                        assert p["fieldConfig"]["defaults"].get("unit"), (
                            f"{d.uid} panel {p['id']} has no unit"
                        )


def test_media_backlog_row_follows_the_option():
    def contents(backlog: bool) -> tuple[set[str], set[str]]:
        pack = media_clustering.build(context(backlog))
        titles = {p["title"] for p in panels(pack.dashboards[0].model)}
        return titles, {a.name for a in pack.alerts}

    titles, alerts = contents(False)
    assert not any("Backlog" in t or "Pending" in t for t in titles)
    assert not {"media_cluster_pending_jobs", "media_cluster_stream_lag"} & alerts
    titles, alerts = contents(True)
    assert {"Backlog (legacy worker exporter)", "Pending jobs (Redis consumer group)"} <= titles
    assert {"media_cluster_pending_jobs", "media_cluster_stream_lag"} <= alerts


def test_media_dashboard_shape():
    model = media_clustering.build(context(False)).dashboards[0].model
    assert model["uid"] == "media-cluster-observability"
    assert model["title"] == "Media Clustering – Pipeline Health"
    rows = [p["title"] for p in model["panels"] if p["type"] == "row"]
    assert rows == ["Outcomes overview", "Throughput & latency", "Feedback activity"]
    latency = next(p for p in panels(model) if p["id"] == media_clustering.PANEL_LATENCY)
    exprs = [t["expr"] for t in latency["targets"]]
    assert any("histogram_quantile(0.5," in e for e in exprs) and any(
        "histogram_quantile(0.95," in e for e in exprs
    )


def test_upstream_dashboards_shape():
    pack = upstream.build(context(False))
    counts = {d.uid: len(d.model["panels"]) for d in pack.dashboards}
    assert counts == {
        "upstream-api-performance": 6,
        "upstream-database-metrics": 6,
        "upstream-celery-tasks": 8,
        "upstream-error-rates": 8,
    }
    for d in pack.dashboards:
        m = d.model
        assert "dashboard" not in m and m["refresh"] == "30s" and "upstream" in m["tags"]
        assert {p["gridPos"]["w"] for p in m["panels"]} == {12}
        for p in m["panels"]:
            for t in p["targets"]:
                assert "+ 0.001" not in t["expr"]
                assert "[5m]" not in t["expr"], f"{d.uid} panel {p['id']}: use $__rate_interval"
                if "histogram_quantile" in t["expr"]:
                    assert "sum by (le" in t["expr"]
    errors = next(d.model for d in pack.dashboards if d.uid == "upstream-error-rates")
    percent = next(p for p in errors["panels"] if p["id"] == upstream.PANEL_ERROR_PERCENT)
    steps = percent["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert {"color": "red", "value": 5.0} in steps
    assert percent["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "line"


def test_prisma_dashboard_shape():
    pack = prisma_migration.build(context(False))
    assert (pack.folder_uid, pack.folder_title) == ("migrations", "Migrations")
    model = pack.dashboards[0].model
    assert model["uid"] == "prisma-migration"
    assert len([p for p in panels(model) if p["type"] != "row"]) == 11
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert set(variables) == {"module", "environment"}
    assert "label_values" in json.dumps(variables["module"]["query"])
    annotations = {a["name"]: a for a in model["annotations"]["list"]}
    assert {n: (a["iconColor"], a["target"]["tags"]) for n, a in annotations.items()} == {
        "Deployments": ("blue", ["deployment"]),
        "Incidents": ("red", ["incident"]),
        "Rollbacks": ("orange", ["rollback"]),
    }


def test_prisma_latency_regression_severities_put_right():
    alert = next(
        a for a in prisma_migration.build(context(False)).alerts if a.name == "prisma_latency_regression"
    )
    assert dict(alert.thresholds) == {"warning": 20.0, "critical": 50.0}
    mismatch = next(
        a for a in prisma_migration.build(context(False)).alerts if a.name == "prisma_mismatch_rate"
    )
    assert dict(mismatch.thresholds) == {"warning": 0.01, "critical": 0.1}


# --- The offline plan -------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_plan_holds_every_registered_pack(stack):
    result = plan_of(stack)
    folders = {
        r["inputs"]["uid"]: r["inputs"]["title"] for r in of_type(result.plan, "grafana:oss/folder:Folder")
    }
    groups = {r["inputs"]["name"]: r["inputs"] for r in of_type(result.plan, RULES)}
    for pack in contexts.packs(contexts.stack_context(stack)):
        assert folders[pack.folder_uid] == pack.folder_title, pack.team
        assert {d.uid for d in pack.dashboards} <= set(result.dashboards), pack.team
        own = [g for name, g in groups.items() if name.startswith(f"{pack.team}-every-")]
        assert bool(own) == bool(pack.alerts), pack.team
        for group in own:
            assert group["folderUid"] == pack.folder_uid
            assert all(rule["labels"]["team"] == pack.team for rule in group["rules"])
    assert {team: folders.get(uid) for team, uid in FOLDERS.items()} == {
        "media": "Media Clustering",
        "upstream": "Upstream",
        "prisma": "Migrations",
    }
    assert set(result.dashboards) >= DASHBOARDS
    media_uids = {rule["uid"] for rule in groups["media-every-1m"]["rules"]}
    backlog = {"media-cluster-pending-jobs-crit", "media-cluster-stream-lag-warn"}
    assert (backlog <= media_uids) == (stack == "staging")  # legacy exporter: staging only
    media_panels = {p["title"] for p in panels(result.dashboards["media-cluster-observability"])}
    assert ("Stream lag (oldest pending job)" in media_panels) == (stack == "staging")


def _thresholds(rule: dict[str, Any]) -> tuple[str, str, str, list[float]]:
    evaluator = json.loads(rule["datas"][-1]["model"])["conditions"][0]["evaluator"]
    return rule["labels"]["severity"], rule["for"], evaluator["type"], evaluator["params"]


# Every rule of the plan, as the documents set them (severity, for, evaluator, threshold): a rule
# added, dropped or changed anywhere shows here, whatever the spec it was built from says.
PROD_RULES = {
    "clerk-health-degraded-warn": ("warning", "10m", "lt", [85.0]),
    "clerk-ocr-failures-high-warn": ("warning", "15m", "gt", [20.0]),
    "clerk-stuck-sites-crit": ("critical", "15m", "gt", [10]),
    "clipper-budget-availability-1d-warn": ("warning", "0s", "gt", [3]),
    "clipper-budget-availability-3d-warn": ("warning", "0s", "gt", [1]),
    "clipper-budget-error-rate-1d-warn": ("warning", "0s", "gt", [3]),
    "clipper-budget-error-rate-3d-warn": ("warning", "0s", "gt", [1]),
    "clipper-budget-webhook-delivery-1d-warn": ("warning", "0s", "gt", [3]),
    "clipper-budget-webhook-delivery-3d-warn": ("warning", "0s", "gt", [1]),
    "clipper-job-duration-crit": ("critical", "10m", "gt", [600]),
    "clipper-job-duration-warn": ("warning", "10m", "gt", [300]),
    "clipper-job-failure-rate-crit": ("critical", "5m", "gt", [0.5]),
    "clipper-job-failure-rate-warn": ("warning", "10m", "gt", [0.05]),
    "clipper-job-item-failures-warn": ("warning", "10m", "gt", [0.2]),
    "clipper-job-queue-growing-warn": ("warning", "5m", "gt", [0.5]),
    "clipper-job-queue-size-crit": ("critical", "5m", "gt", [1000]),
    "clipper-job-stale-crit": ("critical", "1m", "gt", [86400]),
    "clipper-job-stale-warn": ("warning", "1m", "gt", [7200]),
    "clipper-late-clip-sync-crit": ("critical", "1m", "gt", [86400]),
    "clipper-late-clip-sync-warn": ("warning", "1m", "gt", [1500]),
    "clipper-late-hot-score-refresh-crit": ("critical", "1m", "gt", [86400]),
    "clipper-late-hot-score-refresh-warn": ("warning", "1m", "gt", [600]),
    "clipper-late-reputation-tasks-crit": ("critical", "1m", "gt", [86400]),
    "clipper-late-reputation-tasks-warn": ("warning", "1m", "gt", [22200]),
    "clipper-late-trending-score-refresh-crit": ("critical", "1m", "gt", [86400]),
    "clipper-late-trending-score-refresh-warn": ("warning", "1m", "gt", [4200]),
    "clipper-late-webhook-retry-crit": ("critical", "1m", "gt", [86400]),
    "clipper-late-webhook-retry-warn": ("warning", "1m", "gt", [120]),
    "clipper-slo-availability-1h-crit": ("critical", "0s", "gt", [14.4]),
    "clipper-slo-availability-6h-crit": ("critical", "0s", "gt", [6]),
    "clipper-slo-error-rate-1h-crit": ("critical", "0s", "gt", [14.4]),
    "clipper-slo-error-rate-6h-crit": ("critical", "0s", "gt", [6]),
    "clipper-slo-latency-detail-crit": ("critical", "5m", "gt", [0.05]),
    "clipper-slo-latency-list-crit": ("critical", "5m", "gt", [0.1]),
    "clipper-slo-latency-search-crit": ("critical", "5m", "gt", [0.2]),
    "clipper-slo-webhook-delivery-6h-crit": ("critical", "0s", "gt", [6]),
    "media-cluster-failures-crit": ("critical", "5m", "gt", [3.0]),
    "media-cluster-failures-warn": ("warning", "5m", "gt", [1.0]),
    "media-cluster-feedback-failures-crit": ("critical", "0s", "gt", [0]),
    "media-cluster-latency-p95-crit": ("critical", "10m", "gt", [8.0]),
    "media-cluster-latency-p95-warn": ("warning", "10m", "gt", [5.0]),
    "media-cluster-noise-high-warn": ("warning", "0s", "gt", [30]),
    "media-cluster-stalled-crit": ("critical", "5m", "lt", [1]),
    "prisma-error-rate-spike-crit": ("critical", "5m", "gt", [1.0]),
    "prisma-latency-regression-crit": ("critical", "10m", "gt", [50.0]),
    "prisma-latency-regression-warn": ("warning", "10m", "gt", [20.0]),
    "prisma-mismatch-rate-crit": ("critical", "5m", "gt", [0.1]),
    "prisma-mismatch-rate-warn": ("warning", "5m", "gt", [0.01]),
    "upstream-5xx-error-percent-crit": ("critical", "5m", "gt", [5.0]),
    "upstream-5xx-error-percent-warn": ("warning", "5m", "gt", [2.0]),
    "upstream-task-success-rate-crit": ("critical", "10m", "lt", [90.0]),
    "upstream-task-success-rate-warn": ("warning", "10m", "lt", [95.0]),
}
STAGING_ONLY_RULES = {  # the legacy exporter's backlog (seed 001), where media.backlog is on
    "media-cluster-pending-jobs-warn": ("warning", "5m", "gt", [100]),
    "media-cluster-pending-jobs-crit": ("critical", "5m", "gt", [250]),
    "media-cluster-stream-lag-warn": ("warning", "5m", "gt", [30.0]),
}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_every_rule_threshold(stack):
    rules = {r["uid"]: r for g in of_type(plan_of(stack).plan, RULES) for r in g["inputs"]["rules"]}
    expected = PROD_RULES | (STAGING_ONLY_RULES if stack == "staging" else {})
    assert {uid: _thresholds(rule) for uid, rule in rules.items()} == expected


def _team_receivers(policy: dict[str, Any], team: str) -> dict[str, list[str]]:
    """Receivers per severity of the team's general route (matched on `team` alone)."""
    node = next(
        n
        for n in policy_nodes(policy)
        if n.get("matchers") == [{"label": "team", "match": "=", "value": team}]
    )
    by_severity: dict[str, list[str]] = {}
    for child in node.get("policies", []):
        severity = next(m["value"] for m in child["matchers"] if m["label"] == "severity")
        by_severity.setdefault(severity, []).append(child["contactPoint"])
    return by_severity


def test_prod_routes_the_three_teams(prod):
    policy = next(iter(of_type(prod.plan, POLICY)))["inputs"]
    assert _team_receivers(policy, "media") == {
        "critical": ["slack-media", "pagerduty-media"],
        "warning": ["slack-media"],
        "info": ["slack-media"],
    }
    assert _team_receivers(policy, "prisma") == {
        "critical": ["pagerduty-oncall", "slack-backend-monitoring"],
        "warning": ["slack-backend-monitoring"],
        "info": ["slack-backend-monitoring", "email-backend-oncall"],
    }
    assert _team_receivers(policy, "upstream") == {
        "critical": ["pagerduty-oncall", "slack-upstream"],
        "warning": ["slack-upstream"],
        "info": ["slack-upstream"],
    }
    names = {r["inputs"]["name"] for r in of_type(prod.plan, CONTACT)}
    assert {
        "slack-media",
        "pagerduty-media",
        "slack-upstream",
        "slack-backend-monitoring",
        "pagerduty-oncall",
    } <= names


def test_staging_never_pages(staging):
    assert not any("pagerduties" in cp["inputs"] for cp in of_type(staging.plan, CONTACT))
    policy = next(iter(of_type(staging.plan, POLICY)))["inputs"]
    assert {n["contactPoint"] for n in policy_nodes(policy) if "contactPoint" in n} == {"slack-staging"}
    critical = [
        r["uid"]
        for g in of_type(staging.plan, RULES)
        for r in g["inputs"]["rules"]
        if r["labels"]["severity"] == "critical"
    ]
    assert critical, "staging still evaluates the critical rules (they only never page)"


def test_promtool_no_data_case_fails_for_a_rule_that_stays_ok(tmp_path):
    """The no-data case is not vacuous: the availability rule with no_data_state OK stays silent."""
    team, spec = next(
        (p.team, a) for p in packs() for a in p.alerts if a.name == "clipper_slo_availability_1h"
    )
    assert spec.no_data_state == "Alerting"
    quiet = AlertSpec(**{**spec.__dict__, "no_data_state": "OK"})
    group, _case = pt.no_data_group(spec, "critical", team)
    tests = {"rule_files": ["test_rules.yml"], "evaluation_interval": "1m", "tests": [group]}
    ok = pt.run_promtool(
        tmp_path, pt.rules_document([(team, spec)]), pt.rules_document([(team, spec)], False), tests
    )
    assert ok.ok, ok.output
    (tmp_path / "quiet").mkdir()
    rules = pt.rules_document([(team, quiet)], templates=False)
    result = pt.run_promtool(tmp_path / "quiet", pt.rules_document([(team, quiet)]), rules, tests)
    assert not result.ok and "clipper-slo-availability-1h-crit" in result.output
