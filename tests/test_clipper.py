"""Clipper's pack: dashboards (ids, units, PromQL) and every alert rule under `promtool test rules`.

Every Clipper rule (SLO, error-budget burn, background jobs; one per severity) is translated to its
Prometheus rule form by tools/engines/promtool.py and driven with synthetic series: silent just on
the safe side of its threshold, silent before `for` has passed, firing after it.
"""

from __future__ import annotations

import promql_parser
import pytest

from dashboards import clipper
from model.pack import PackContext
from model.panels import panels
from tools.engines import promtool as pt

CTX = PackContext(
    stack="prod",
    grafana_url="https://grafana.example.com",
    datasource_uids={"postgres": "civic-db", "loki": "loki", "prometheus": "prometheus"},
    runbook_base_url="https://runbooks.example.com",
)
PACK = clipper.build(CTX)
BACKEND = {"job": "clipper-backend"}
JOB = {"job_name": "clip_sync"}


def _split(metric: str, labels, bad: str, good: str, scale: float = 1.0, per_minute: float = 100):
    """Two counters whose `bad` share of the total is level * scale."""
    return (
        pt.counter(metric, {**labels, "status": bad}, lambda lv: per_minute * lv * scale),
        pt.counter(metric, {**labels, "status": good}, lambda lv: per_minute * (1 - lv * scale)),
    )


def _since(metric: str, labels) -> pt.Generator:
    """A timestamp gauge whose age (time() - value) is the level."""

    def generate(segments):
        parts, start = [], 0
        for level, count in segments:
            parts.append(f"{pt._num(start * pt.SAMPLE_SECONDS - level)}+{pt.SAMPLE_SECONDS}x{count - 1}")
            start += count
        return [pt.InputSeries(pt._selector(metric, labels), " ".join(parts))]

    return generate


def _growing(metric: str, labels) -> pt.Generator:
    """A gauge growing by the level (a ratio) every 10 samples, i.e. every 10 minutes."""

    def generate(segments):
        values, current = [], 100.0
        for level, count in segments:
            for _ in range(count):
                values.append(pt._num(current))
                current *= (1 + level) ** 0.1
        return [pt.InputSeries(pt._selector(metric, labels), " ".join(values))]

    return generate


def _http_latency(endpoint: str) -> pt.Scenario:
    labels = {**BACKEND, "method": "GET", "endpoint": endpoint}
    return pt.Scenario((pt.histogram("http_request_duration_seconds", labels, 0.95),))


_error_rate = pt.Scenario(_split("http_requests_total", BACKEND, "500", "200"))
_burn = pt.Scenario(_split("http_requests_total", BACKEND, "500", "200", scale=clipper.ERROR_RATE_SLO))
_failures = pt.Scenario(_split("job_execution_total", JOB, "failed", "success", per_minute=10), JOB)
SCENARIOS = {
    "clipper-slo-availability-crit": pt.Scenario((pt.gauge("up", BACKEND),)),
    "clipper-slo-error-rate-crit": _error_rate,
    "clipper-slo-latency-list-crit": _http_latency("/api/v1/clips"),
    "clipper-slo-latency-detail-crit": _http_latency("/api/v1/clips/:id"),
    "clipper-slo-latency-search-crit": _http_latency("/api/v1/search"),
    "clipper-error-budget-fast-burn-crit": _burn,
    "clipper-error-budget-medium-burn-warn": _burn,
    "clipper-job-failure-rate-crit": _failures,
    "clipper-job-failure-rate-warn": _failures,
    "clipper-job-stale-crit": pt.Scenario((_since("job_last_success_timestamp_seconds", JOB),), JOB),
    "clipper-job-stale-warn": pt.Scenario((_since("job_last_success_timestamp_seconds", JOB),), JOB),
    "clipper-job-duration-crit": pt.Scenario(
        (pt.histogram("job_execution_duration_seconds", JOB, 0.95),), JOB
    ),
    "clipper-job-duration-warn": pt.Scenario(
        (pt.histogram("job_execution_duration_seconds", JOB, 0.95),), JOB
    ),
    # growth over 10m jumps from 45% to 900%, so it crosses 50% within a minute of the switch
    "clipper-job-queue-growing-warn": pt.Scenario(
        (_growing("job_queue_size", JOB),), JOB, lambda c, t: (0.45, 9.0)
    ),
    "clipper-job-queue-size-crit": pt.Scenario((pt.gauge("job_queue_size", JOB),), JOB),
    "clipper-job-item-failures-warn": pt.Scenario(
        _split("job_items_processed_total", JOB, "failed", "success", per_minute=10), JOB
    ),
}


def test_every_clipper_rule_under_promtool(tmp_path):
    alerts = [(PACK.team, spec) for spec in PACK.alerts]
    assert all(pt.is_prometheus(spec) for _, spec in alerts)
    rule_uids = {spec.rule_uid(s) for _, spec in alerts for s in pt.severities(spec)}
    assert rule_uids == set(SCENARIOS), "one scenario per rule, no stale ones"
    tests, cases = pt.tests_document(alerts, SCENARIOS)
    result = pt.run_promtool(
        tmp_path, pt.rules_document(alerts), pt.rules_document(alerts, templates=False), tests
    )
    assert result.ok, result.output
    assert len(cases) == 48  # 16 rules x (silent below, silent before `for`, fires)
    assert {c.rule_uid for c in cases if c.fires} == rule_uids


def test_document_thresholds_and_burn_math():
    specs = {s.name: s for s in PACK.alerts}
    assert clipper.FAST_BURN == 72 and clipper.MEDIUM_BURN == 30
    assert specs["clipper_error_budget_fast_burn"].thresholds == {"critical": 72}
    assert specs["clipper_error_budget_medium_burn"].thresholds == {"warning": 30}
    for window in ("[1h]", "[5m]"):
        assert window in specs["clipper_error_budget_fast_burn"].query
    for window in ("[6h]", "[30m]"):
        assert window in specs["clipper_error_budget_medium_burn"].query
    jobs = {
        "clipper_job_failure_rate": {"warning": 0.05, "critical": 0.5},
        "clipper_job_stale": {"warning": 7200, "critical": 86400},
        "clipper_job_duration": {"warning": 300, "critical": 600},
        "clipper_job_queue_growing": {"warning": 0.5},
        "clipper_job_queue_size": {"critical": 1000},
        "clipper_job_item_failures": {"warning": 0.2},
    }
    for name, thresholds in jobs.items():
        assert dict(specs[name].thresholds) == thresholds, name
    assert specs["clipper_job_failure_rate"].for_duration("warning") == "10m"
    assert sum(len(s.thresholds) for n, s in specs.items() if n in jobs) == 9  # the document's nine alerts
    categories = {n: s.labels.get("category") for n, s in specs.items()}
    assert {n for n, c in categories.items() if c == "slo"} == {
        "clipper_slo_availability",
        "clipper_slo_error_rate",
        "clipper_slo_latency_list",
        "clipper_slo_latency_detail",
        "clipper_slo_latency_search",
    }
    assert {n for n, c in categories.items() if c == "error-budget"} == {
        "clipper_error_budget_fast_burn",
        "clipper_error_budget_medium_burn",
    }
    for spec in PACK.alerts:
        promql_parser.parse(spec.query)
        assert "$__" not in spec.query  # alerts use literal windows


@pytest.mark.parametrize("board", PACK.dashboards, ids=lambda d: d.uid)
def test_dashboard_panels(board):
    found = list(panels(board.model))
    ids = [p["id"] for p in found]
    assert len(ids) == len(set(ids))
    titles = [p["title"] for p in found if p["type"] != "row"]
    assert len(titles) == len(set(titles))
    for panel in found:
        if panel["type"] == "row":
            continue
        assert panel["description"], panel["title"]
        assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]
        for target in panel["targets"]:
            expr = target["expr"]
            assert "rate(" not in expr or "$__rate_interval" in expr, (panel["title"], expr)
            promql_parser.parse(expr.replace("$__rate_interval", "5m").replace('"$job_name"', '".*"'))


def test_pack_shape():
    assert PACK.folder_uid == "clipper" and PACK.team == "clipper"
    assert {d.uid for d in PACK.dashboards} == {"clipper-slo", "clipper-background-jobs"}
    panel_ids = {d.uid: {p["id"] for p in panels(d.model)} for d in PACK.dashboards}
    for spec in PACK.alerts:
        assert spec.panel_id in panel_ids[spec.dashboard_uid], spec.name
