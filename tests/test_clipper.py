"""Clipper's pack: error budgets and burn-rate windows, job schedules, dashboards (uids, ids, PromQL).

Every Clipper rule is proven under `promtool test rules` from the scenarios the pack declares,
stories included (tests/test_alert_proofs.py runs them for every registered pack); here: that the
stories the pack promises are declared, and the numbers they rest on.
"""

from __future__ import annotations

import dataclasses

import promql_parser
import pytest

from dashboards import clipper
from model.durations import parse_duration
from model.panels import panels
from tests.contexts import pack_context
from tools.engines import promtool as pt

PACK = clipper.build(pack_context(stack="prod"))
SPECS = {s.name: s for s in PACK.alerts}
DAY = 86400


def test_burn_windows_are_the_sre_workbooks():
    """Share of the 30-day budget each window spends before alerting: 2% in 1h, 5% in 6h (page),
    10% in 1d and in 3d (ticket)."""
    windows = {(w.long, w.short): (round(w.share, 4), w.severity) for w in clipper.BURN_WINDOWS}
    assert windows == {
        ("1h", "5m"): (0.02, "critical"),
        ("6h", "30m"): (0.05, "critical"),
        ("1d", "2h"): (0.10, "warning"),
        ("3d", "6h"): (0.10, "warning"),
    }


def test_every_budgeted_slo_alerts_on_every_window_it_can_reach():
    budgets = {slo.key: slo.budget for slo in clipper.BUDGETED_SLOS}
    assert budgets == {"availability": 0.005, "error_rate": 0.005, "webhook_delivery": 0.1}
    expected = {
        "clipper_slo_availability_1h": 14.4,
        "clipper_slo_availability_6h": 6,
        "clipper_budget_availability_1d": 3,
        "clipper_budget_availability_3d": 1,
        "clipper_slo_error_rate_1h": 14.4,
        "clipper_slo_error_rate_6h": 6,
        "clipper_budget_error_rate_1d": 3,
        "clipper_budget_error_rate_3d": 1,
        # a 10% budget burns at most 10x: no 14.4x alert for webhooks
        "clipper_slo_webhook_delivery_6h": 6,
        "clipper_budget_webhook_delivery_1d": 3,
        "clipper_budget_webhook_delivery_3d": 1,
    }
    burns = {
        n: s
        for n, s in SPECS.items()
        if (s.dashboard_uid, s.panel_id) == (clipper.SLO_UID, clipper.P_BURN_RATE)
    }
    assert {n: next(iter(s.thresholds.values())) for n, s in burns.items()} == expected
    for name, spec in burns.items():
        page = name.startswith("clipper_slo_")
        assert dict(spec.thresholds).keys() == {"critical" if page else "warning"}, name
        # the routes the organisation's policy tree matches (components/routing.py)
        assert spec.labels == {"category": "slo" if page else "error-budget"}, name
        assert spec.comparator == ">" and spec.for_ == "0s", name
        window = next(w for w in clipper.BURN_WINDOWS if name.endswith(f"_{w.long}"))
        assert f"[{window.long}]" in spec.query and f"[{window.short}]" in spec.query, name
    # the old single-threshold availability and error-rate alerts are gone
    assert not {"clipper_slo_availability", "clipper_slo_error_rate"} & SPECS.keys()


def test_the_numbers_the_stories_rest_on():
    """One missed scrape (30 s) is a 1.7x burn over 1h but 20x over 5m; a full outage needs 4.3
    minutes to reach 14.4x over 1h (so it pages within 5)."""
    budget = clipper.AVAILABILITY_SLO
    scrapes_per_hour = 3600 // 30
    assert round((1 / scrapes_per_hour) / (1 - budget), 2) == 1.67
    assert round((1 / 10) / (1 - budget), 1) == 20.0
    fast = clipper.BURN_WINDOWS[0]
    assert fast.rate * (1 - budget) * 60 == pytest.approx(4.32)


def _stories(name: str) -> set[str]:
    return {story.title for story in PACK.scenarios[name].stories}


def test_the_promised_stories_are_declared():
    for key in ("availability", "error_rate"):
        for long in ("1h", "6h"):
            titles = _stories(f"clipper_slo_{key}_{long}")
            assert any("does not page" in t and "slow" in t for t in titles), (key, long)
            assert any("does not page" in t and "slow" not in t for t in titles), (key, long)
        assert any("pages within 5 minutes" in t for t in _stories(f"clipper_slo_{key}_1h"))
        for long in ("1d", "3d"):
            assert _stories(f"clipper_budget_{key}_{long}") == {"a slow 4x burn raises the ticket"}
    assert "one missed scrape does not page" in _stories("clipper_slo_availability_1h")


def test_job_schedules_from_the_document():
    assert clipper.JOB_SCHEDULES == {
        "hot_score_refresh": "5m",
        "trending_score_refresh": "1h",
        "clip_sync": "15m",
        "reputation_tasks": "6h",
        "webhook_retry": "1m",
        "embedding_generation": None,
    }
    # a run missed: its schedule plus one more slot, at most 10 minutes more
    assert clipper.stale_after_s("reputation_tasks") == 6 * 3600 + 600
    assert clipper.stale_after_s("hot_score_refresh") == 10 * 60
    assert clipper.stale_after_s("webhook_retry") == 2 * 60
    assert clipper.stale_after_s("embedding_generation") == 2 * 3600  # the document's 2 h


def test_staleness_rule_per_scheduled_job_and_one_for_the_rest():
    scheduled = [job for job, every in clipper.JOB_SCHEDULES.items() if every]
    for job in scheduled:
        spec = SPECS[f"clipper_late_{job}"]
        assert dict(spec.thresholds) == {"warning": clipper.stale_after_s(job), "critical": DAY}
        assert f'job_name="{job}"' in spec.query
        titles = _stories(spec.name)
        assert any("silent on its schedule" in t for t in titles), job
        assert any("stops running" in t for t in titles), job
        # the warning is always below the time between two runs plus a whole slot
        assert clipper.stale_after_s(job) <= 2 * parse_duration(clipper.JOB_SCHEDULES[job])
    assert any("misses one run" in t for t in _stories("clipper_late_reputation_tasks"))
    rest = SPECS["clipper_job_stale"]
    assert dict(rest.thresholds) == {"warning": 7200, "critical": DAY}
    assert rest.query.count("job_name!~") == 1 and all(job in rest.query for job in scheduled)
    assert "embedding_generation" not in rest.query
    for spec in (rest, *(SPECS[f"clipper_late_{job}"] for job in scheduled)):
        assert f"[{clipper.STALENESS_LOOKBACK}]" in spec.query  # a restart's zero does not read as stale
        assert parse_duration(clipper.STALENESS_LOOKBACK) >= DAY


def test_other_document_thresholds():
    jobs = {
        "clipper_job_failure_rate": {"warning": 0.05, "critical": 0.5},
        "clipper_job_duration": {"warning": 300, "critical": 600},
        "clipper_job_queue_growing": {"warning": 0.5},
        "clipper_job_queue_size": {"critical": 1000},
        "clipper_job_item_failures": {"warning": 0.2},
    }
    for name, thresholds in jobs.items():
        assert dict(SPECS[name].thresholds) == thresholds, name
    assert SPECS["clipper_job_failure_rate"].for_duration("warning") == "10m"
    latency = {n: dict(s.thresholds) for n, s in SPECS.items() if n.startswith("clipper_slo_latency_")}
    assert latency == {
        "clipper_slo_latency_list": {"critical": 0.1},
        "clipper_slo_latency_detail": {"critical": 0.05},
        "clipper_slo_latency_search": {"critical": 0.2},
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


def _panel(uid: str, panel_id: int) -> dict:
    board = next(d for d in PACK.dashboards if d.uid == uid)
    return next(p for p in panels(board.model) if p["id"] == panel_id)


def test_burn_rate_panel_shows_every_slo_and_the_alert_rates():
    panel = _panel(clipper.SLO_UID, clipper.P_BURN_RATE)
    assert [t["legendFormat"] for t in panel["targets"]] == [s.title for s in clipper.BUDGETED_SLOS]
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [s["value"] for s in steps[1:]] == [1, 3, 6, 14.4]
    assert panel["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "line"
    remaining = _panel(clipper.SLO_UID, clipper.P_BUDGET_REMAINING)
    assert len(remaining["targets"]) == len(clipper.BUDGETED_SLOS)


def test_staleness_tiles_colour_each_job_by_its_own_schedule():
    panel = _panel(clipper.JOBS_UID, clipper.P_JOB_STALENESS)
    overrides = {
        o["matcher"]["options"]: o["properties"][0]["value"]["steps"]
        for o in panel["fieldConfig"]["overrides"]
    }
    scheduled = [job for job, every in clipper.JOB_SCHEDULES.items() if every]
    assert set(overrides) == set(scheduled)
    for job, steps in overrides.items():
        assert [s["value"] for s in steps[1:]] == [clipper.stale_after_s(job), DAY], job
        assert SPECS[f"clipper_late_{job}"].panel_id == clipper.P_JOB_STALENESS
    default = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [s["value"] for s in default[1:]] == [clipper.UNSCHEDULED_STALE_S, DAY]


def test_pack_shape():
    assert PACK.folder_uid == "clipper" and PACK.team == "clipper"
    # the document links the Background Jobs dashboard at /d/background-jobs
    assert {d.uid for d in PACK.dashboards} == {"clipper-slo", "background-jobs"}
    panel_ids = {d.uid: {p["id"] for p in panels(d.model)} for d in PACK.dashboards}
    for spec in PACK.alerts:
        assert spec.panel_id in panel_ids[spec.dashboard_uid], spec.name
    uids = [spec.rule_uid(s) for spec in PACK.alerts for s in spec.thresholds]
    assert len(uids) == len(set(uids)), "a rule uid cut at 40 characters lost its severity"


def _run(tmp_path, spec, scenario) -> pt.PromtoolResult:
    tmp_path.mkdir()
    alerts = [("clipper", spec)]
    tests, _cases = pt.tests_document(alerts, {spec.name: scenario})
    return pt.run_promtool(
        tmp_path, pt.rules_document(alerts), pt.rules_document(alerts, templates=False), tests
    )


def test_a_story_that_expects_the_wrong_thing_fails(tmp_path):
    """The stories are not vacuous: claiming that one missed scrape pages fails under promtool."""
    spec = SPECS["clipper_slo_availability_1h"]
    scenario = PACK.scenarios[spec.name]
    missed = next(s for s in scenario.stories if s.title == "one missed scrape does not page")
    alone = dataclasses.replace(scenario, stories=(missed,))
    assert _run(tmp_path / "right", spec, alone).ok
    wrong = dataclasses.replace(
        missed, expect=tuple(dataclasses.replace(e, fires=True) for e in missed.expect)
    )
    result = _run(tmp_path / "wrong", spec, dataclasses.replace(scenario, stories=(wrong,)))
    assert not result.ok and "one missed scrape does not page" in result.output


def test_coarse_samples_still_catch_a_wrong_threshold(tmp_path):
    """A ticket's level proof, sampled every 5 minutes, fails for a rule at twice its rate."""
    spec = SPECS["clipper_budget_error_rate_1d"]
    scenario = dataclasses.replace(PACK.scenarios[spec.name], stories=())
    assert scenario.sample_every == "5m"
    assert _run(tmp_path / "right", spec, scenario).ok
    doubled = dataclasses.replace(spec, thresholds={"warning": 6})
    tests, _cases = pt.tests_document([("clipper", spec)], {spec.name: scenario})
    alerts = [("clipper", doubled)]
    (tmp_path / "doubled").mkdir()
    result = pt.run_promtool(
        tmp_path / "doubled", pt.rules_document(alerts), pt.rules_document(alerts, templates=False), tests
    )
    assert not result.ok and "clipper-budget-error-rate-1d-warn" in result.output
