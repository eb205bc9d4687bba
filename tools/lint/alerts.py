"""Alert rule queries (as the plan holds them) get the query rules of their language.

Alert queries have no `$__rate_interval` (Grafana's rule evaluator has no panel width), so the
rate-interval rule does not apply; every other query rule does, with `dashboard` = "alert:<uid>".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tools.lint.panels import BUILTIN_DATASOURCES, DATASOURCE_UID, PANEL_TARGETS
from tools.lint.queries import lint_query
from tools.lint.registry import Finding


def lint_alert_rule(rule: Mapping[str, Any], datasources: Mapping[str, str]) -> list[Finding]:
    """Query findings of one RuleGroup rule (plan inputs: camelCase, models as JSON strings)."""
    where = f"alert:{rule.get('uid')}"
    findings = []
    for data in rule.get("datas") or []:
        ds_uid = data.get("datasourceUid")
        if ds_uid in BUILTIN_DATASOURCES:
            continue
        if ds_uid not in datasources:
            findings.append(
                Finding(where, "", DATASOURCE_UID, f"data source uid {ds_uid!r} is not provisioned")
            )
            continue
        model = data.get("model")
        model = json.loads(model) if isinstance(model, str) else model or {}
        if not any(model.get(k) for k in ("expr", "rawSql", "query")):
            findings.append(
                Finding(where, "", PANEL_TARGETS, f"query {data.get('refId', '?')}: has no query")
            )
        for rule_id, message in lint_query(datasources[ds_uid], model, in_dashboard=False):
            findings.append(Finding(where, "", rule_id, f"query {data.get('refId', '?')}: {message}"))
    return findings
