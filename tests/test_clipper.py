"""Clipper's pack: the document's thresholds and burn-rate arithmetic, dashboards (ids, units, PromQL).

Every Clipper rule is proven under `promtool test rules` from the scenarios the pack declares
(tests/test_alert_proofs.py runs them for every registered pack).
"""

from __future__ import annotations

import promql_parser
import pytest

from dashboards import clipper
from model.panels import panels
from tests.contexts import pack_context

PACK = clipper.build(pack_context(stack="prod"))


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
