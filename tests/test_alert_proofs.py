"""Every alert of every registered pack is proven on a real engine, or this fails.

The packs come from the registry (`dashboards.PACKS`), built with every pack option on (so
optional alerts are included) and with each stack's own options; a new team's alerts are checked
the moment its pack is registered:

- a Prometheus alert needs a scenario in its pack (`Pack.scenarios`, keyed by alert name), which
  promtool then runs on both sides of every threshold: silent on the safe side, silent before
  `for` has passed, firing after it (tools/engines/promtool.py);
- a SQL alert needs rows on both sides of its threshold, run on PostgreSQL by
  tests/test_clerk_sql.py (`tests.clerk_sites.SQL_ALERT_CASES`, keyed by alert name);
- an alert on any other data source has no proof harness yet: it fails here, named.
"""

from __future__ import annotations

import dataclasses

import pytest

import dashboards
from model.pack import AlertSpec, Pack, PackContext
from model.scenarios import Gauge, Scenario
from tests.clerk_sites import SQL_ALERT_CASES
from tests.contexts import every_option_on, packs, stack_context
from tests.plans import STACKS
from tests.specs import alert_spec
from tools.engines import promtool as pt

CONTEXTS = {"every-option-on": every_option_on, **{s: (lambda s=s: stack_context(s)) for s in STACKS}}


def unproven(registered: tuple[Pack, ...]) -> list[str]:
    """Every alert without a proof, as `team/alert: what is missing`."""
    missing = []
    for pack in registered:
        for spec in pack.alerts:
            where = f"{pack.team}/{spec.name}"
            if spec.datasource == "prometheus":
                if spec.name not in pack.scenarios:
                    missing.append(f"{where}: no scenario in the pack (Pack.scenarios)")
            elif spec.datasource == "postgres":
                sides = {case.fires for case in SQL_ALERT_CASES.get(spec.name, ())}
                if sides != {True, False}:
                    missing.append(f"{where}: needs a silent and a firing case in SQL_ALERT_CASES")
            else:
                missing.append(f"{where}: no proof harness for {spec.datasource} alerts")
    return missing


@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
def test_every_alert_of_every_registered_pack_has_a_proof(context):
    registered = packs(context())
    assert {p.team for p in registered} == {b(context()).team for b in dashboards.PACKS}
    missing = unproven(registered)
    assert not missing, "alerts without a proof:\n" + "\n".join(missing)


def test_no_proof_without_its_alert():
    """A scenario or SQL case for an alert that no longer exists is stale: it proves nothing."""
    registered = packs(every_option_on())
    for pack in registered:
        prometheus = {a.name for a in pack.alerts if pt.is_prometheus(a)}
        assert set(pack.scenarios) <= prometheus, f"{pack.team}: scenarios without an alert"
    sql = {a.name for p in registered for a in p.alerts if a.datasource == "postgres"}
    assert set(SQL_ALERT_CASES) <= sql, "SQL cases without an alert"


def registered_prometheus_alerts() -> tuple[list[tuple[str, AlertSpec]], dict[str, Scenario]]:
    registered = packs(every_option_on())
    alerts = [(p.team, a) for p in registered for a in p.alerts if pt.is_prometheus(a)]
    names = [a.name for _, a in alerts]
    assert len(names) == len(set(names)), "alert names are unique across the organisation"
    return alerts, {name: s for p in registered for name, s in p.scenarios.items()}


def test_promtool_proves_every_prometheus_alert(tmp_path):
    alerts, scenarios = registered_prometheus_alerts()
    rules = pt.rules_document(alerts)
    tests, cases = pt.tests_document(alerts, scenarios)
    result = pt.run_promtool(tmp_path, rules, pt.rules_document(alerts, templates=False), tests)
    assert result.ok, result.output
    rule_uids = {a.rule_uid(s) for _, a in alerts for s in pt.severities(a)}
    assert {c.rule_uid for c in cases} == rule_uids
    for uid in rule_uids:
        kinds = {(c.name, c.fires) for c in cases if c.rule_uid == uid}
        assert {("silent-below", False), ("fires", True)} <= kinds, uid
    on_no_data = {a.rule_uid(s) for _, a in alerts for s in pt.severities(a) if a.no_data_state == "Alerting"}
    assert on_no_data, "no registered rule alerts on no data: the availability rule should"
    assert on_no_data == {c.rule_uid for c in cases if c.name == "fires-on-no-data"}
    print(f"promtool: {len(cases)} cases over {len(rule_uids)} rules")  # shown with -s


# --- the checks can fail ------------------------------------------------------------------------


def _new_team(alerts: tuple[AlertSpec, ...], scenarios=None):
    def build(ctx: PackContext) -> Pack:
        return Pack("newteam", "newteam", "New team", (), alerts, (), scenarios=scenarios or {})

    return build


def _spec(**overrides) -> AlertSpec:
    base = dict(
        name="newteam_queue_high", title="Queue high", query="max(queue_size)", runbook_anchor="queue-high"
    )
    return alert_spec(**{"thresholds": {"warning": 10}, **base, **overrides})


def test_a_newly_registered_team_without_proofs_fails(monkeypatch):
    alerts = (
        _spec(),
        _spec(name="newteam_sql", datasource="postgres", query="SELECT 1 AS v", value_column="v"),
        _spec(name="newteam_logs", datasource="loki", query='count_over_time({job="x"}[5m])'),
    )
    monkeypatch.setattr(dashboards, "PACKS", (*dashboards.PACKS, _new_team(alerts)))
    with pytest.raises(AssertionError) as failure:
        test_every_alert_of_every_registered_pack_has_a_proof(every_option_on)
    for name in ("newteam_queue_high: no scenario", "newteam_sql: needs a silent", "newteam_logs: no proof"):
        assert name in str(failure.value)


def test_a_new_teams_scenario_is_run_by_promtool(monkeypatch, tmp_path):
    """Registering the team is enough: its scenario joins the promtool run (a wrong one fails it)."""
    wrong = Scenario((Gauge("unrelated_metric"),))  # drives a series the query does not read
    monkeypatch.setattr(
        dashboards, "PACKS", (*dashboards.PACKS, _new_team((_spec(),), {"newteam_queue_high": wrong}))
    )
    test_every_alert_of_every_registered_pack_has_a_proof(
        every_option_on
    )  # declared: the registry is satisfied
    with pytest.raises(AssertionError, match="newteam-queue-high"):
        test_promtool_proves_every_prometheus_alert(tmp_path)
    right = dataclasses.replace(wrong, series=(Gauge("queue_size"),))
    monkeypatch.setattr(
        dashboards, "PACKS", (*dashboards.PACKS[:-1], _new_team((_spec(),), {"newteam_queue_high": right}))
    )
    (tmp_path / "again").mkdir()
    test_promtool_proves_every_prometheus_alert(tmp_path / "again")
