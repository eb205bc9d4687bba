"""The one rule builder: an AlertSpec becomes Grafana-managed rules, one per severity.

Each rule is query (A) -> reduce (B) -> threshold (C); C is the condition. The team and
severity labels, the runbook and the panel link are added here for every pack alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from itertools import groupby
from typing import Any

from model.durations import parse_duration
from model.pack import AlertSpec, PackContext
from model.vocabulary import SEVERITIES

EXPRESSION_DATASOURCE = "__expr__"
_EVALUATOR = {">": "gt", "<": "lt"}


def _query_model(spec: AlertSpec) -> dict[str, Any]:
    base = {"refId": "A", "intervalMs": 1000, "maxDataPoints": 43200}
    if spec.datasource == "postgres":
        return {**base, "editorMode": "code", "format": "table", "rawQuery": True, "rawSql": spec.query}
    if spec.datasource == "prometheus":
        return {**base, "expr": spec.query, "instant": True, "range": False}
    return {**base, "expr": spec.query, "queryType": "instant"}


def rule(spec: AlertSpec, severity: str, team: str, ctx: PackContext) -> dict[str, Any]:
    """Inputs of one `RuleGroupRule` (snake_case keys as the Pulumi SDK takes them)."""
    threshold = spec.thresholds[severity]
    lookback = parse_duration(spec.lookback)
    reduce_settings = {"mode": "dropNN"}
    return {
        "uid": spec.rule_uid(severity),
        "name": spec.rule_title(severity),
        "condition": "C",
        "for_": spec.for_duration(severity),
        "no_data_state": spec.no_data_state,
        "exec_err_state": spec.exec_err_state,
        "labels": {**spec.labels, "team": team, "severity": severity},
        "annotations": {
            "summary": spec.summary,
            "description": spec.description,
            "runbook_url": spec.runbook_url,
            "dashboard_url": ctx.panel_url(spec.dashboard_uid, spec.panel_id),
            "__dashboardUid__": spec.dashboard_uid,
            "__panelId__": str(spec.panel_id),
        },
        "datas": [
            {
                "ref_id": "A",
                "datasource_uid": ctx.datasource_uids[spec.datasource],
                "relative_time_range": {"from_": lookback, "to": 0},
                "model": _query_model(spec),
            },
            {
                "ref_id": "B",
                "datasource_uid": EXPRESSION_DATASOURCE,
                "relative_time_range": {"from_": 0, "to": 0},
                "model": {
                    "refId": "B",
                    "type": "reduce",
                    "expression": "A",
                    "reducer": spec.reducer,
                    "settings": reduce_settings,
                },
            },
            {
                "ref_id": "C",
                "datasource_uid": EXPRESSION_DATASOURCE,
                "relative_time_range": {"from_": 0, "to": 0},
                "model": {
                    "refId": "C",
                    "type": "threshold",
                    "expression": "B",
                    "conditions": [
                        {"evaluator": {"type": _EVALUATOR[spec.comparator], "params": [threshold]}}
                    ],
                },
            },
        ],
    }


def rule_groups(
    alerts: Iterable[AlertSpec], team: str, ctx: PackContext
) -> Mapping[str, tuple[int, list[dict]]]:
    """Rules grouped by evaluation interval: {group name: (interval seconds, rules)}.

    Grafana evaluates a group on one interval, so alerts with different `every` need
    different groups. Names and order are deterministic.
    """
    ordered = sorted(alerts, key=lambda a: (parse_duration(a.every), a.name))
    groups = {}
    for every, specs in groupby(ordered, key=lambda a: a.every):
        rules = [rule(s, sev, team, ctx) for s in specs for sev in SEVERITIES if sev in s.thresholds]
        groups[f"{team}-every-{every}"] = (parse_duration(every), rules)
    return groups


def model_json_fields(rule_inputs: dict[str, Any]) -> dict[str, Any]:
    """The provider takes each query model as a JSON string; encode them deterministically."""
    datas = [{**d, "model": json.dumps(d["model"], sort_keys=True)} for d in rule_inputs["datas"]]
    return {**rule_inputs, "datas": datas}
