"""The three Prometheus service packs (media clustering, upstream, prisma migration).

- every PromQL expression (panels, variables, alerts) parses with promql_parser;
- every Prometheus-backed rule, translated to its Prometheus form, passes `promtool check rules`
  and `promtool test rules`: silent just below the threshold, silent before `for` has passed,
  firing once the condition has held longer than `for` (tools/engines/promtool.py);
- the packs' content (panels, alert links, thresholds, severities) and their place in the
  offline plan of both stacks (folders, dashboards, rule groups, routing; staging never pages).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import promql_parser
import pytest

from dashboards import media_clustering, prisma_migration, upstream
from model.datasources import UIDS
from model.pack import AlertSpec, Pack, PackContext
from model.panels import panels
from tests.conftest import plan_of
from tests.helpers import of_type, policy_nodes
from tools.engines import promtool as pt

RUNBOOKS = "https://runbooks.example.com"
BUILDERS = (media_clustering.build, upstream.build, prisma_migration.build)
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
    return PackContext(
        stack="test",
        grafana_url="https://grafana.example.com",
        datasource_uids=dict(UIDS),
        runbook_base_url=RUNBOOKS,
        options={"media": {"backlog": backlog}},
    )


def packs(backlog: bool = True) -> tuple[Pack, ...]:
    ctx = context(backlog)
    return tuple(build(ctx) for build in BUILDERS)


def team_alerts(backlog: bool = True) -> list[tuple[str, AlertSpec]]:
    return [(p.team, a) for p in packs(backlog) for a in p.alerts]


# --- PromQL parses ------------------------------------------------------------------------


def substitute(expr: str) -> str:
    """Grafana variables -> values PromQL accepts where they stand (all ours are durations,
    step milliseconds, or inside label matcher strings)."""
    expr = re.sub(r"\$\{?__(rate_interval|interval|range)\}?(?![\w])", "5m", expr)
    expr = re.sub(r"\$\{?__(interval_ms|range_ms|range_s)\}?", "300", expr)
    expr = re.sub(r"\$\{?(module|environment)\}?", "value", expr)
    assert "$" not in expr, f"unsubstituted variable in {expr}"
    return expr


def dashboard_promql(model: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for panel in panels(model):
        for target in panel.get("targets", []):
            if "expr" in target:
                yield f"{model['uid']} panel {panel['id']}", target["expr"]
    for variable in model.get("templating", {}).get("list", []):
        query = variable.get("query")
        if variable.get("type") == "query":
            text = query if isinstance(query, str) else query.get("query", "")
            match = re.fullmatch(r"label_values\((.+),\s*\w+\)", text.strip())
            assert match, (
                f"{model['uid']} variable {variable['name']}: {text} is not label_values(selector, label)"
            )
            yield f"{model['uid']} variable {variable['name']}", match.group(1)


def all_promql() -> list[tuple[str, str]]:
    exprs = []
    for backlog in (False, True):
        for pack in packs(backlog):
            for d in pack.dashboards:
                exprs += list(dashboard_promql(d.model))
            exprs += [(f"alert {a.name}", a.query) for a in pack.alerts]
            exprs += [
                (f"rule {a.rule_uid(s)}", pt.expression(a, s)) for a in pack.alerts for s in pt.severities(a)
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


SCENARIOS: dict[str, pt.Scenario] = {}


def _scenario(uids: tuple[str, ...], scenario: pt.Scenario) -> None:
    for uid in uids:
        SCENARIOS[uid] = scenario


# Media clustering: failed jobs per minute (level = failures/min).
_scenario(
    ("media-cluster-failures-crit", "media-cluster-failures-warn"),
    pt.Scenario(
        (
            pt.counter("cluster_jobs_total", {"instance": "w1", "outcome": "failed"}),
            pt.counter("cluster_jobs_total", {"instance": "w1", "outcome": "success"}, lambda _: 30),
        )
    ),
)
# p95 of cluster_job_duration_seconds on one backend (level = seconds).
_scenario(
    ("media-cluster-latency-p95-crit", "media-cluster-latency-p95-warn"),
    pt.Scenario(
        (pt.histogram("cluster_job_duration_seconds", {"instance": "w1", "backend": "faiss"}, 0.95),),
        labels={"backend": "faiss"},
    ),
)
# Failed feedback operations per minute (level 0: none, 1: one failure a minute).
_scenario(
    ("media-cluster-feedback-failures-crit",),
    pt.Scenario(
        (
            pt.counter("cluster_feedback_operations_total", {"operation": "merge", "outcome": "failed"}),
            pt.counter(
                "cluster_feedback_operations_total", {"operation": "split", "outcome": "success"}, lambda _: 5
            ),
        )
    ),
)
# Noise points of the last run (level = count), the same on every run.
_scenario(
    ("media-cluster-noise-high-warn",),
    pt.Scenario((pt.gauge("cluster_last_noise_count", {"instance": "w1"}),)),
)
# Successful jobs per 5 minutes (level), while jobs are pending in the stream (uploads active).
# Safe: one success a minute (5 per 5m); firing: none at all.
_scenario(
    ("media-cluster-stalled-crit",),
    pt.Scenario(
        (
            pt.counter(
                "cluster_jobs_total", {"instance": "w1", "outcome": "success"}, lambda level: level / 5
            ),
            pt.constant("media_cluster_pending_jobs", {"instance": "exporter"}, 20),
        ),
        levels=lambda _comparator, threshold: (5 * threshold, 0.0),
    ),
)
_scenario(
    ("media-cluster-pending-jobs-crit", "media-cluster-pending-jobs-warn"),
    pt.Scenario((pt.gauge("media_cluster_pending_jobs", {"instance": "exporter"}),)),
)
_scenario(
    ("media-cluster-stream-lag-warn",),
    pt.Scenario((pt.gauge("media_cluster_stream_lag_seconds", {"instance": "exporter"}),)),
)
# Upstream: level percent of 100 responses a minute are 5xx, the rest 200.
_scenario(
    ("upstream-5xx-error-percent-crit", "upstream-5xx-error-percent-warn"),
    pt.Scenario(
        (
            pt.counter("django_http_responses_total_by_status_total", {"status": "500"}),
            pt.counter(
                "django_http_responses_total_by_status_total", {"status": "200"}, lambda level: 100 - level
            ),
        )
    ),
)
# Level percent of 100 finished tasks a minute complete, the rest fail.
_scenario(
    ("upstream-task-success-rate-crit", "upstream-task-success-rate-warn"),
    pt.Scenario(
        (
            pt.counter("upstream_background_job_completed_total", {"job_type": "ingest"}),
            pt.counter(
                "upstream_background_job_failed_total", {"job_type": "ingest"}, lambda level: 100 - level
            ),
        )
    ),
)
# Prisma: 1000 shadow queries a minute in module auth; level percent of them mismatch / fail.
_PRISMA_QUERIES = pt.counter(
    "db_query_total", {"source": "prisma", "module": "auth", "queryName": "getUser"}, lambda _: 1000
)
_SQL_QUERIES = pt.counter(
    "db_query_total", {"source": "sql", "module": "auth", "queryName": "getUser"}, lambda _: 1000
)
_scenario(
    ("prisma-mismatch-rate-crit", "prisma-mismatch-rate-warn"),
    pt.Scenario(
        (
            pt.counter(
                "shadow_mismatch_total",
                {"module": "auth", "queryName": "getUser", "field": "email"},
                lambda lv: 10 * lv,
            ),
            _PRISMA_QUERIES,
            _SQL_QUERIES,
        ),
        labels={"module": "auth"},
    ),
)
# SQL p95 stays at 100 ms; Prisma's p95 is level percent above it.
_scenario(
    ("prisma-latency-regression-crit", "prisma-latency-regression-warn"),
    pt.Scenario(
        (
            pt.histogram("db_sql_latency_ms", {"module": "auth"}, 0.95, lambda _: 100.0),
            pt.histogram(
                "db_prisma_latency_ms", {"module": "auth"}, 0.95, lambda level: 100.0 * (1 + level / 100)
            ),
        ),
        labels={"module": "auth"},
    ),
)
_scenario(
    ("prisma-error-rate-spike-crit",),
    pt.Scenario(
        (
            pt.counter(
                "db_prisma_errors_total",
                {"module": "auth", "queryName": "getUser", "errorType": "timeout"},
                lambda level: 10 * level,
            ),
            _PRISMA_QUERIES,
        ),
        labels={"module": "auth"},
    ),
)


def prometheus_rule_uids(alerts) -> set[str]:
    return {a.rule_uid(s) for _team, a in alerts if pt.is_prometheus(a) for s in pt.severities(a)}


def test_every_prometheus_rule_has_a_scenario():
    """A new alert without a promtool scenario fails here; a scenario without a rule too."""
    uids = prometheus_rule_uids(team_alerts(backlog=True))
    assert uids - set(SCENARIOS) == set(), "rules without a promtool scenario"
    assert set(SCENARIOS) - uids == set(), "scenarios for rules that no longer exist"


def test_prod_rules_are_a_subset_of_the_tested_ones():
    assert prometheus_rule_uids(team_alerts(backlog=False)) <= prometheus_rule_uids(team_alerts(backlog=True))


@pytest.mark.skipif(pt.PROMTOOL is None, reason="promtool is not installed (Debian package prometheus)")
def test_promtool_fires_above_threshold_after_for_only(tmp_path):
    alerts = team_alerts(backlog=True)
    rules = pt.rules_document(alerts)
    test_rules = pt.rules_document(alerts, templates=False)
    tests, cases = pt.tests_document(alerts, SCENARIOS)
    result = pt.run_promtool(tmp_path, rules, test_rules, tests)
    assert result.ok, result.output
    covered = {c.rule_uid for c in cases}
    assert covered == prometheus_rule_uids(alerts)
    for uid in covered:
        names = {c.name for c in cases if c.rule_uid == uid}
        assert {"silent-below", "fires"} <= names, uid
    print(f"promtool: {len(cases)} cases over {len(covered)} rules")  # shown with -s


@pytest.mark.skipif(pt.PROMTOOL is None, reason="promtool is not installed (Debian package prometheus)")
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
    if pt.PROMTOOL is None:
        pytest.skip("promtool is not installed")
    team, spec = next((t, a) for t, a in team_alerts() if a.name == "media_cluster_failures")
    broken = AlertSpec(**{**spec.__dict__, "thresholds": {k: v * 2 for k, v in spec.thresholds.items()}})
    tests, _cases = pt.tests_document([(team, spec)], SCENARIOS)  # scenarios for the real thresholds
    result = pt.run_promtool(
        tmp_path,
        pt.rules_document([(team, broken)]),
        pt.rules_document([(team, broken)], templates=False),
        tests,
    )
    assert not result.ok
    assert "media-cluster-failures" in result.output


# --- Pack content -------------------------------------------------------------------------


@pytest.mark.parametrize("backlog", [False, True])
def test_panels_have_ids_titles_descriptions_units(backlog):
    for pack in packs(backlog):
        for d in pack.dashboards:
            ids = [p["id"] for p in panels(d.model)]
            assert len(ids) == len(set(ids)), f"{d.uid}: duplicate panel ids"
            for p in panels(d.model):
                assert p.get("title"), f"{d.uid} panel {p['id']}"
                if p["type"] != "row":
                    assert p.get("description"), f"{d.uid} panel {p['id']} has no description"
                    if p["type"] != "table":
                        assert p["fieldConfig"]["defaults"].get("unit"), (
                            f"{d.uid} panel {p['id']} has no unit"
                        )


@pytest.mark.parametrize("backlog", [False, True])
def test_alerts_link_to_their_panels_and_are_explicit(backlog):
    for pack in packs(backlog):
        models = {d.uid: d.model for d in pack.dashboards}
        for alert in pack.alerts:
            assert alert.summary and alert.description
            assert alert.runbook_url.startswith(f"{RUNBOOKS}/{pack.team}#"), alert.name
            assert alert.dashboard_uid in models, alert.name
            assert alert.panel_id in {p["id"] for p in panels(models[alert.dashboard_uid])}, alert.name
            assert alert.no_data_state and alert.exec_err_state
            assert alert.datasource == "prometheus"
            levels = alert.thresholds
            if {"warning", "critical"} <= set(levels):
                if alert.comparator == ">":
                    assert levels["warning"] < levels["critical"], alert.name
                else:
                    assert levels["warning"] > levels["critical"], alert.name


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
def test_plan_holds_the_three_packs(stack):
    result = plan_of(stack)
    folders = {
        r["inputs"]["uid"]: r["inputs"]["title"] for r in of_type(result.plan, "grafana:oss/folder:Folder")
    }
    assert set(FOLDERS.values()) <= set(folders)
    assert folders["migrations"] == "Migrations"
    assert set(result.dashboards) >= DASHBOARDS
    groups = {r["inputs"]["name"]: r["inputs"] for r in of_type(result.plan, RULES)}
    for team, folder in FOLDERS.items():
        group = groups[f"{team}-every-1m"]
        assert group["folderUid"] == folder
        assert all(rule["labels"]["team"] == team for rule in group["rules"])
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
    "clipper-error-budget-fast-burn-crit": ("critical", "2m", "gt", [72.0]),
    "clipper-error-budget-medium-burn-warn": ("warning", "15m", "gt", [30.0]),
    "clipper-job-duration-crit": ("critical", "10m", "gt", [600]),
    "clipper-job-duration-warn": ("warning", "10m", "gt", [300]),
    "clipper-job-failure-rate-crit": ("critical", "5m", "gt", [0.5]),
    "clipper-job-failure-rate-warn": ("warning", "10m", "gt", [0.05]),
    "clipper-job-item-failures-warn": ("warning", "10m", "gt", [0.2]),
    "clipper-job-queue-growing-warn": ("warning", "5m", "gt", [0.5]),
    "clipper-job-queue-size-crit": ("critical", "5m", "gt", [1000]),
    "clipper-job-stale-crit": ("critical", "5m", "gt", [86400]),
    "clipper-job-stale-warn": ("warning", "5m", "gt", [7200]),
    "clipper-slo-availability-crit": ("critical", "5m", "lt", [0.995]),
    "clipper-slo-error-rate-crit": ("critical", "5m", "gt", [0.005]),
    "clipper-slo-latency-detail-crit": ("critical", "5m", "gt", [0.05]),
    "clipper-slo-latency-list-crit": ("critical", "5m", "gt", [0.1]),
    "clipper-slo-latency-search-crit": ("critical", "5m", "gt", [0.2]),
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
    node = next(
        n
        for n in policy_nodes(policy)
        if {"label": "team", "match": "=", "value": team} in n.get("matchers", [])
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
        "info": ["slack-backend-monitoring"],
    }
    assert set(_team_receivers(policy, "upstream")) == {"critical", "warning", "info"}
    assert {r for rs in _team_receivers(policy, "upstream").values() for r in rs} == {"slack-upstream"}
    names = {r["inputs"]["name"] for r in of_type(prod.plan, CONTACT)}
    assert {
        "slack-media",
        "pagerduty-media",
        "slack-upstream",
        "slack-backend-monitoring",
        "pagerduty-oncall",
    } <= names


def test_staging_never_pages_the_three_teams(staging):
    assert not any("pagerduties" in cp["inputs"] for cp in of_type(staging.plan, CONTACT))
    policy = next(iter(of_type(staging.plan, POLICY)))["inputs"]
    assert {n["contactPoint"] for n in policy_nodes(policy) if "contactPoint" in n} == {"slack-staging"}
    critical = [
        r["uid"]
        for g in of_type(staging.plan, RULES)
        if g["inputs"]["name"] in {f"{t}-every-1m" for t in FOLDERS}
        for r in g["inputs"]["rules"]
        if r["labels"]["severity"] == "critical"
    ]
    assert critical, "staging still evaluates the critical rules (they only never page)"
