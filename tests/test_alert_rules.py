"""The rule builder (components/alert_rules.py) on every kind of alert spec: what the provider receives
is what Grafana stores and reads back, so a second preview shows no change."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.alert_rules import model_json_fields, rule
from model.pack import AlertSpec
from tests.contexts import pack_context
from tests.helpers import of_type
from tests.plans import STACKS, plan_of

RULES = "grafana:alerting/ruleGroup:RuleGroup"
QUERIES = {
    "postgres": "SELECT 1 AS v",
    "prometheus": "max(queue_size)",
    "loki": 'sum(count_over_time({job="x"} |= "error" [5m]))',
}


def _spec(datasource: str, **overrides: Any) -> AlertSpec:
    base = dict(
        name="x_high",
        title="X high",
        datasource=datasource,
        query=QUERIES[datasource],
        value_column="v" if datasource == "postgres" else None,
        comparator=">",
        thresholds={"warning": 5},
        for_="5m",
        every="1m",
        summary="s",
        description="d",
        runbook_anchor="x-high",
        dashboard_uid="d",
        panel_id=1,
    )
    return AlertSpec(**{**base, **overrides})


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
