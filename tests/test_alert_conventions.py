"""Alert conventions over every pack: labels, annotations, panel links, states, uids, thresholds.

Checked twice: on the packs' AlertSpecs (plain data, before any engine) and on the rules the
offline plan registers (what Grafana receives), so neither the specs nor the builder can drift.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlparse

import pytest

from dashboards import build_packs
from model.durations import parse_duration
from model.pack import AlertSpec, Pack
from model.panels import panels
from model.vocabulary import SEVERITIES
from tests.contexts import stack_context
from tests.helpers import of_type
from tests.plans import STACKS, plan_of
from tests.specs import alert_spec

RULES = "grafana:alerting/ruleGroup:RuleGroup"
NO_DATA_STATES = {"OK", "NoData", "Alerting"}
ERROR_STATES = {"OK", "Error", "Alerting"}
UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")  # Grafana's uid alphabet and limit
ANCHOR = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # a section id of the team's runbook page, not a URL


def packs(stack: str) -> tuple[Pack, ...]:
    return build_packs(stack_context(stack))


def specs(stack: str) -> list[tuple[Pack, AlertSpec]]:
    return [(p, a) for p in packs(stack) for a in p.alerts]


def panel_ids(model: dict[str, Any]) -> set[int]:
    return {panel.get("id") for panel in panels(model)}


def plan_rules(stack: str) -> list[tuple[str, dict[str, Any]]]:
    """(folder uid, rule inputs) of every rule the plan registers."""
    return [
        (g["inputs"]["folderUid"], r)
        for g in of_type(plan_of(stack).plan, RULES)
        for r in g["inputs"]["rules"]
    ]


def is_url(text: str) -> bool:
    parsed = urlparse(text or "")
    return parsed.scheme in ("http", "https") and bool(parsed.hostname)


@pytest.fixture(params=STACKS)
def stack(request) -> str:
    return request.param


def test_every_stack_has_alerts(stack):
    assert specs(stack)
    assert plan_rules(stack)


# --- the specs ---


def test_severities_team_summary_and_runbook(stack):
    for pack, spec in specs(stack):
        where = f"{pack.team}/{spec.name}"
        assert spec.thresholds and set(spec.thresholds) <= set(SEVERITIES), where
        assert pack.team and re.match(r"^[a-z0-9][a-z0-9_-]*$", pack.team), where
        assert spec.labels.get("team", pack.team) == pack.team, f"{where} overrides its team label"
        assert "severity" not in spec.labels, f"{where}: severity comes from the thresholds"
        assert spec.summary.strip() and spec.description.strip(), where
        assert ANCHOR.match(spec.runbook_anchor), f"{where}: runbook anchor {spec.runbook_anchor!r}"


def test_panel_links_point_to_existing_panels(stack):
    dashboards = {d.uid: d.model for p in packs(stack) for d in p.dashboards}
    for pack, spec in specs(stack):
        where = f"{pack.team}/{spec.name}"
        assert spec.dashboard_uid in dashboards, f"{where}: no dashboard {spec.dashboard_uid}"
        assert spec.panel_id in panel_ids(dashboards[spec.dashboard_uid]), (
            f"{where}: no panel {spec.panel_id}"
        )


def test_no_data_and_error_states_are_valid(stack):
    for pack, spec in specs(stack):
        assert spec.no_data_state in NO_DATA_STATES, f"{pack.team}/{spec.name}"
        assert spec.exec_err_state in ERROR_STATES, f"{pack.team}/{spec.name}"


TARGET_HEALTH = re.compile(r"\bup\s*\{")  # a query over Prometheus' scrape health of targets


def test_no_data_state_chosen_per_rule_with_its_reason(stack):
    """An empty result means something different per query: a quiet system (OK) or, for a rule
    about targets being there at all, that they are gone (Alerting). Each spec records why."""
    for pack, spec in specs(stack):
        where = f"{pack.team}/{spec.name}"
        assert spec.no_data_reason.strip(), (
            f"{where}: no reason recorded for no_data_state {spec.no_data_state}"
        )
        if spec.datasource == "prometheus" and TARGET_HEALTH.search(spec.query):
            # here, or in the one rule of the same targets its reason names (one page for one cause)
            covered = any(
                other.name in spec.no_data_reason
                and other.no_data_state == "Alerting"
                and TARGET_HEALTH.search(other.query)
                for _, other in specs(stack)
            )
            assert spec.no_data_state == "Alerting" or covered, (
                f"{where}: its targets disappearing must alert"
            )


def test_the_availability_rule_alerts_on_no_data(stack):
    (rule,) = [r for _, r in plan_rules(stack) if r["uid"] == "clipper-slo-availability-1h-crit"]
    assert rule["noDataState"] == "Alerting"
    others = {
        r["noDataState"] for _, r in plan_rules(stack) if r["uid"] != "clipper-slo-availability-1h-crit"
    }
    assert others == {"OK"}


def test_warning_fires_before_critical(stack):
    """For ">" each lower severity has a lower threshold; for "<" a higher one."""
    order = ("info", "warning", "critical")
    for pack, spec in specs(stack):
        levels = [spec.thresholds[s] for s in order if s in spec.thresholds]
        ascending = levels == sorted(levels) and len(set(levels)) == len(levels)
        descending = levels == sorted(levels, reverse=True) and len(set(levels)) == len(levels)
        assert ascending if spec.comparator == ">" else descending, (
            f"{pack.team}/{spec.name}: {spec.comparator} {dict(spec.thresholds)}"
        )


def test_rule_uids_are_deterministic_short_and_unique_across_the_org(stack):
    first = [a.rule_uid(s) for _, a in specs(stack) for s in a.thresholds]
    assert first == [a.rule_uid(s) for _, a in specs(stack) for s in a.thresholds]
    assert _spec().rule_uid("warning") == "x-high-warn"  # derived from the name, nothing random
    assert all(UID.match(uid) for uid in first), [u for u in first if not UID.match(u)]
    duplicates = sorted({u for u in first if first.count(u) > 1})
    assert not duplicates, f"rule uids used twice: {duplicates}"


def test_alert_names_are_unique(stack):
    names = [a.name for _, a in specs(stack)]
    assert len(names) == len(set(names))


# --- the rules Grafana receives ---


def test_planned_rules_carry_the_conventions(stack):
    dashboards = plan_of(stack).dashboards
    for _folder, rule in plan_rules(stack):
        where = rule["uid"]
        labels, notes = rule["labels"], rule["annotations"]
        assert labels["severity"] in SEVERITIES, where
        assert labels.get("team"), where
        assert notes.get("summary", "").strip(), where
        assert is_url(notes.get("runbook_url")), where
        uid, panel = notes.get("__dashboardUid__"), notes.get("__panelId__")
        assert uid in dashboards, f"{where}: links to missing dashboard {uid}"
        assert panel and int(panel) in panel_ids(dashboards[uid]), f"{where}: links to missing panel {panel}"
        assert rule.get("noDataState") in NO_DATA_STATES, f"{where}: no-data state not explicit"
        assert rule.get("execErrState") in ERROR_STATES, f"{where}: error state not explicit"
        assert rule.get("for"), f"{where}: `for` not explicit"


def test_planned_rule_uids_unique_and_titles_unique_per_folder(stack):
    rules = plan_rules(stack)
    uids = [r["uid"] for _, r in rules]
    assert len(uids) == len(set(uids))
    assert all(UID.match(u) for u in uids)
    titles = [(folder, r["name"]) for folder, r in rules]
    assert len(titles) == len(set(titles)), "Grafana requires unique rule titles in a folder"


def test_planned_rules_are_the_specs(stack):
    """What Grafana receives is what each spec says: the tests that evaluate specs (promtool, SQL)
    then also hold for the rules, `for`, comparator, threshold and lookback included."""
    evaluators = {">": "gt", "<": "lt"}
    expected = {
        a.rule_uid(s): (a.for_duration(s), evaluators[a.comparator], [t], parse_duration(a.lookback))
        for _, a in specs(stack)
        for s, t in a.thresholds.items()
    }
    planned = {}
    for _, rule in plan_rules(stack):
        evaluator = json.loads(rule["datas"][-1]["model"])["conditions"][0]["evaluator"]
        lookback = rule["datas"][0]["relativeTimeRange"]["from"]
        planned[rule["uid"]] = (rule["for"], evaluator["type"], evaluator["params"], lookback)
    assert planned == expected


def test_planned_runbook_links_follow_one_pattern(stack):
    """Packs name an anchor; every rule's runbook_url is `<runbookBaseUrl>/<team>#<anchor>`."""
    base = stack_context(stack).runbook_base_url
    expected = {
        a.rule_uid(s): f"{base}/{pack.team}#{a.runbook_anchor}"
        for pack, a in specs(stack)
        for s in a.thresholds
    }
    planned = {rule["uid"]: rule["annotations"]["runbook_url"] for _, rule in plan_rules(stack)}
    assert planned == expected


# --- the checks can fail ---


def _spec(**overrides: Any) -> AlertSpec:
    return alert_spec(**{"thresholds": {"warning": 5, "critical": 10}, **overrides})


def test_threshold_order_check_catches_inversions(monkeypatch):
    bad_pack = Pack("t", "t", "T", (), (_spec(thresholds={"warning": 10, "critical": 5}),), ())
    monkeypatch.setitem(globals(), "packs", lambda stack: (bad_pack,))
    with pytest.raises(AssertionError, match="x_high"):
        test_warning_fires_before_critical("prod")
    below = Pack("t", "t", "T", (), (_spec(comparator="<", thresholds={"warning": 5, "critical": 10}),), ())
    monkeypatch.setitem(globals(), "packs", lambda stack: (below,))
    with pytest.raises(AssertionError, match="x_high"):
        test_warning_fires_before_critical("prod")


def test_uid_check_catches_collisions_from_truncation(monkeypatch):
    long = "a_very_long_alert_name_that_is_cut_at_forty"
    pack = Pack("t", "t", "T", (), (_spec(name=long + "_one"), _spec(name=long + "_two")), ())
    monkeypatch.setitem(globals(), "packs", lambda stack: (pack,))
    with pytest.raises(AssertionError, match="used twice"):
        test_rule_uids_are_deterministic_short_and_unique_across_the_org("prod")


def test_panel_link_check_catches_a_missing_panel(monkeypatch):
    from model.pack import Dashboard

    board = Dashboard("d", "D", {"uid": "d", "panels": [{"id": 1, "type": "row", "panels": [{"id": 2}]}]})
    ok = Pack("t", "t", "T", (board,), (_spec(panel_id=2),), ())
    monkeypatch.setitem(globals(), "packs", lambda stack: (ok,))
    test_panel_links_point_to_existing_panels("prod")  # nested in a row: found
    bad = Pack("t", "t", "T", (board,), (_spec(panel_id=3),), ())
    monkeypatch.setitem(globals(), "packs", lambda stack: (bad,))
    with pytest.raises(AssertionError, match="no panel 3"):
        test_panel_links_point_to_existing_panels("prod")


# Alert names the teams' documents give (seeds/000 "Alert Rules", seeds/002 background-job alerts):
# what people search for in notifications and silences, so they are the rules' titles (alertname).
# Documents 001, 003 and 004 name no alert; their packs' docstrings say so.
DOCUMENT_ALERT_NAMES = {
    ("clerk", "critical"): {"clerk_stuck_sites_critical"},
    ("clerk", "warning"): {"clerk_health_degraded", "clerk_ocr_failures_high"},
    ("clipper", "warning"): {
        "BackgroundJobFailing",
        "BackgroundJobNotRunning",
        "BackgroundJobHighDuration",
        "BackgroundJobQueueGrowing",
        "BackgroundJobHighItemFailureRate",
    },
    ("clipper", "critical"): {
        "BackgroundJobCriticalFailureRate",
        "BackgroundJobCriticallyStale",
        "BackgroundJobCriticalDuration",
        "BackgroundJobCriticalQueueSize",
    },
}


def test_rules_carry_the_alert_names_the_documents_give(stack):
    titles = {(r["labels"]["team"], r["labels"]["severity"], r["name"]) for _, r in plan_rules(stack)}
    for (team, severity), names in DOCUMENT_ALERT_NAMES.items():
        for name in names:
            assert (team, severity, name) in titles, f"{team} {severity} rule titled {name!r}"


def test_per_severity_titles_name_a_severity_the_spec_has(stack):
    for _pack, spec in specs(stack):
        assert set(spec.titles) <= set(spec.thresholds), spec.name
