"""The one rule builder: an AlertSpec becomes Grafana-managed rules, one per severity.

Each rule is query (A) -> reduce (B) -> threshold (C); C is the condition. The team and
severity labels, the runbook link and the panel link are added here for every pack alike, as
layers over the packs' specs. Queries and expressions are built with the foundation SDK's
alerting, expr and dataquery builders (SQL has no SDK builder), then handed to the provider.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from itertools import groupby
from typing import Any

from grafana_foundation_sdk.builders import alerting, expr
from grafana_foundation_sdk.builders import loki as loki_builders
from grafana_foundation_sdk.builders import prometheus as prom_builders
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import alerting as am

from model.durations import canonical, parse_duration
from model.pack import AlertSpec, PackContext
from model.vocabulary import SEVERITIES

EXPRESSION_DATASOURCE = "__expr__"
_EVALUATOR = {">": "gt", "<": "lt"}
# What Grafana's rule editor stores beside every data query (not part of the SDK's dataqueries).
_RULE_QUERY_FIELDS = {"intervalMs": 1000, "maxDataPoints": 43200}


def _json(builder: cogbuilder.Builder) -> dict[str, Any]:
    return json.loads(json.dumps(builder.build(), cls=JSONEncoder))


def _sql_model(spec: AlertSpec) -> dict[str, Any]:
    """The SDK ships no SQL dataquery: this is the model Grafana's SQL editor saves in code mode."""
    return {"refId": "A", "editorMode": "code", "format": "table", "rawQuery": True, "rawSql": spec.query}


def _query_model(spec: AlertSpec) -> dict[str, Any]:
    """Query A as one instant value per series: Grafana evaluates the rule at one point in time."""
    if spec.datasource == "postgres":
        model = _sql_model(spec)
    elif spec.datasource == "prometheus":
        model = _json(prom_builders.Dataquery().ref_id("A").expr(spec.query).instant())
    else:
        model = _json(loki_builders.Dataquery().ref_id("A").expr(spec.query).query_type("instant"))
    return {**model, **_RULE_QUERY_FIELDS}


def _reduce(spec: AlertSpec) -> expr.TypeReduce:
    """B: each series of A reduced to one number (no-data points dropped, not counted as 0)."""
    return (
        expr.TypeReduce()
        .ref_id("B")
        .expression("A")
        .reducer(spec.reducer)
        .settings(expr.ExprTypeReduceSettings().mode("dropNN"))
    )


def _threshold(spec: AlertSpec, threshold: float) -> expr.TypeThreshold:
    """C, the condition: B compared with one severity's threshold."""
    evaluator = (
        expr.ExprTypeThresholdConditionsEvaluator().type(_EVALUATOR[spec.comparator]).params([threshold])
    )
    return (
        expr.TypeThreshold()
        .ref_id("C")
        .expression("B")
        .conditions([expr.ExprTypeThresholdConditions().evaluator(evaluator)])
    )


def _data(query: alerting.Query, model: Mapping[str, Any]) -> dict[str, Any]:
    """One rule data entry (built with the SDK) in the snake_case inputs the Pulumi provider takes.

    A model with its own `queryType` (Loki's "instant") gives the entry that query type too:
    Grafana copies it there on save and the provider reads it back, so leaving it empty would
    show as a change on every preview.
    """
    if model.get("queryType"):
        query = query.query_type(model["queryType"])
    built = _json(query)
    window = built["relativeTimeRange"]
    entry = {
        "ref_id": built["refId"],
        "datasource_uid": built["datasourceUid"],
        "relative_time_range": {"from_": window["from"], "to": window["to"]},
        "model": dict(model),
    }
    if "queryType" in built:
        entry["query_type"] = built["queryType"]
    return entry


def _expression(ref_id: str, builder: cogbuilder.Builder) -> dict[str, Any]:
    query = (
        alerting.Query(ref_id)
        .datasource_uid(EXPRESSION_DATASOURCE)
        .relative_time_range(am.RelativeTimeRange(from_val=0, to=0))
    )
    return _data(query, _json(builder))


def runbook_url(ctx: PackContext, team: str, spec: AlertSpec) -> str:
    """Every alert's runbook link, from one pattern: `<runbookBaseUrl>/<team>#<anchor>`.

    Packs name only the anchor (the section of their team's runbook page); the link is added here
    for every pack alike, as a layer, so the pattern changes in one place.
    """
    return f"{ctx.runbook_base_url}/{team}#{spec.runbook_anchor}"


def rule_labels(spec: AlertSpec, severity: str, team: str) -> dict[str, str]:
    """One rule's labels: the spec's own, then the team and severity the routes match on."""
    return {**spec.labels, "team": team, "severity": severity}


def rule(spec: AlertSpec, severity: str, team: str, ctx: PackContext) -> dict[str, Any]:
    """Inputs of one `RuleGroupRule` (snake_case keys as the Pulumi SDK takes them)."""
    threshold = spec.thresholds[severity]
    lookback = parse_duration(spec.lookback)
    return {
        "uid": spec.rule_uid(severity),
        "name": spec.rule_title(severity),
        "condition": "C",
        # One spelling per duration, in Prometheus' canonical form. The provider's source reads
        # `for` back in Go's form (`24h0m0s`) and compares it by value, so this is consistency in
        # the plan, not what removes a diff.
        "for_": canonical(spec.for_duration(severity)),
        "no_data_state": spec.no_data_state,
        "exec_err_state": spec.exec_err_state,
        "labels": rule_labels(spec, severity, team),
        "annotations": {
            "summary": spec.summary,
            "description": spec.description,
            "runbook_url": runbook_url(ctx, team, spec),
            "dashboard_url": ctx.panel_url(spec.dashboard_uid, spec.panel_id),
            "__dashboardUid__": spec.dashboard_uid,
            "__panelId__": str(spec.panel_id),
        },
        "datas": [
            _data(
                alerting.Query("A")
                .datasource_uid(ctx.datasource_uids[spec.datasource])
                .relative_time_range(am.RelativeTimeRange(from_val=lookback, to=0)),
                _query_model(spec),
            ),
            _expression("B", _reduce(spec)),
            _expression("C", _threshold(spec, threshold)),
        ],
    }


def rule_groups(
    alerts: Iterable[AlertSpec], team: str, ctx: PackContext
) -> Mapping[str, tuple[int, list[dict]]]:
    """Rules grouped by evaluation interval: {group name: (interval seconds, rules)}.

    Grafana evaluates a group on one interval, so alerts with different `every` need
    different groups; the same interval however written (`60s`, `1m`) is one group, named in
    the canonical form. Names and order are deterministic.
    """
    ordered = sorted(alerts, key=lambda a: (parse_duration(a.every), a.name))
    groups = {}
    for every, specs in groupby(ordered, key=lambda a: canonical(a.every)):
        rules = [rule(s, sev, team, ctx) for s in specs for sev in SEVERITIES if sev in s.thresholds]
        groups[f"{team}-every-{every}"] = (parse_duration(every), rules)
    return groups


def model_json_fields(rule_inputs: dict[str, Any]) -> dict[str, Any]:
    """The provider takes each query model as a JSON string; encode them deterministically."""
    datas = [{**d, "model": json.dumps(d["model"], sort_keys=True)} for d in rule_inputs["datas"]]
    return {**rule_inputs, "datas": datas}
