"""The rule builder (components/alert_rules.py) on every kind of alert spec: each query carries the
fields Grafana's rule editor stores beside it, and every duration is sent in one spelling,
Prometheus' canonical form.

The durations are not checked against Grafana itself: as the grafana provider's source reads, it
gives a rule's `for` back in Go's form (`24h0m0s`) and compares it by value, so any spelling of the
same duration previews without a change."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.alert_rules import model_json_fields, rule, rule_groups
from model.durations import canonical
from model.pack import AlertSpec
from tests.contexts import pack_context
from tests.helpers import of_type
from tests.plans import STACKS, plan_of
from tests.specs import alert_spec

RULES = "grafana:alerting/ruleGroup:RuleGroup"
QUERIES = {
    "postgres": "SELECT 1 AS v",
    "prometheus": "max(queue_size)",
    "loki": 'sum(count_over_time({job="x"} |= "error" [5m]))',
}


def _spec(datasource: str, **overrides: Any) -> AlertSpec:
    sql_value = {"value_column": "v"} if datasource == "postgres" else {}
    return alert_spec(datasource=datasource, query=QUERIES[datasource], **sql_value, **overrides)


def _query(datasource: str, **overrides: Any) -> dict[str, Any]:
    (query, _reduce, _threshold) = rule(_spec(datasource, **overrides), "warning", "t", pack_context())[
        "datas"
    ]
    return query


def test_a_loki_rule_query_carries_the_models_query_type():
    query = _query("loki")
    assert query["model"]["queryType"] == "instant"
    assert query["query_type"] == "instant"  # Grafana copies it here on save; the provider reads it back


@pytest.mark.parametrize("datasource", ["postgres", "prometheus"])
def test_other_rule_queries_have_no_query_type_to_copy(datasource):
    query = _query(datasource)
    assert "queryType" not in query["model"] and "query_type" not in query


@pytest.mark.parametrize("stack", STACKS)
def test_every_planned_rule_entry_carries_its_models_query_type(stack):
    entries = [
        d for g in of_type(plan_of(stack).plan, RULES) for r in g["inputs"]["rules"] for d in r["datas"]
    ]
    assert entries
    for entry in entries:
        assert entry.get("queryType") == json.loads(entry["model"]).get("queryType"), entry["refId"]


def test_model_json_fields_keeps_the_query_type():
    inputs = model_json_fields(rule(_spec("loki"), "warning", "t", pack_context()))
    assert inputs["datas"][0]["query_type"] == "instant"
    assert json.loads(inputs["datas"][0]["model"])["queryType"] == "instant"


# --- durations as Grafana gives them back ---------------------------------------------------------


@given(seconds=st.integers(min_value=0, max_value=30 * 86400))
def test_rule_for_is_a_fixed_point_of_grafanas_canonical_form(seconds):
    """However a spec writes `for` (here as plain seconds), the rule sends the same duration in the
    canonical form."""
    spec = _spec("prometheus", for_=f"{seconds}s", for_by_severity={"critical": f"{seconds}s"})
    spec = AlertSpec(**{**spec.__dict__, "thresholds": {"warning": 5, "critical": 10}})
    for severity in ("warning", "critical"):
        sent = rule(spec, severity, "t", pack_context())["for_"]
        assert canonical(sent) == sent
        assert canonical(sent) == canonical(f"{seconds}s")


def test_rule_for_examples():
    assert rule(_spec("prometheus", for_="120m"), "warning", "t", pack_context())["for_"] == "2h"
    assert rule(_spec("prometheus", for_="24h"), "warning", "t", pack_context())["for_"] == "1d"


def test_one_interval_however_written_is_one_group_named_canonically():
    specs = [_spec("prometheus", name="a", every="60s"), _spec("prometheus", name="b", every="1m")]
    groups = rule_groups(specs, "t", pack_context())
    assert list(groups) == ["t-every-1m"]
    interval, rules = groups["t-every-1m"]
    assert interval == 60 and len(rules) == 2


@pytest.mark.parametrize("stack", STACKS)
def test_planned_rule_durations_are_canonical(stack):
    for group in of_type(plan_of(stack).plan, RULES):
        inputs = group["inputs"]
        assert isinstance(inputs["intervalSeconds"], int) and inputs["intervalSeconds"] > 0
        for planned in inputs["rules"]:
            assert canonical(planned["for"]) == planned["for"], planned["uid"]
