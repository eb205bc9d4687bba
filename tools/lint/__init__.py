"""Dashboard and alert-query lint, in the spirit of grafana/dashboard-linter.

Runs over plain dashboard models (Grafana JSON) and alert queries; no engine, no Grafana, and
nothing of the offline plan (tools/plan.py calls the lint, never the other way round). A finding
is (dashboard uid, panel, rule, message). The only way to silence one is an entry in
`lint-exclusions.yaml` with a reason; an entry that silences nothing is itself a finding.

One module per concern, each registering its rules (id, what it checks, why) in `registry`:
panels.py (dashboard, panels, data sources, grid), variables.py, promql.py, logql.py, sql.py,
alerts.py (alert queries), exclusions.py. `python -m tools.lint --rules` lists them; docs/lint.md
holds the same table.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tools.lint.alerts import lint_alert_rule
from tools.lint.exclusions import EXCLUSIONS, Exclusion, apply_exclusions, load_exclusions
from tools.lint.logql import lint_logql
from tools.lint.panels import kind_key, lint_dashboard
from tools.lint.promql import lint_promql, substitute_promql
from tools.lint.registry import RULES, Finding, Rule, markdown_table
from tools.lint.sql import lint_sql
from tools.lint.variables import variable_names

__all__ = [
    "EXCLUSIONS",
    "RULES",
    "Exclusion",
    "Finding",
    "Rule",
    "apply_exclusions",
    "lint_alert_rule",
    "lint_dashboard",
    "lint_logql",
    "lint_models",
    "lint_plan",
    "lint_promql",
    "lint_sql",
    "load_exclusions",
    "markdown_table",
    "provisioned_datasources",
    "report",
    "substitute_promql",
    "variable_names",
]

RULE_GROUP = "grafana:alerting/ruleGroup:RuleGroup"
DATA_SOURCE = "grafana:oss/dataSource:DataSource"


def lint_models(
    dashboards: Iterable[Mapping[str, Any]],
    datasources: Mapping[str, str],
    alert_rules: Iterable[Mapping[str, Any]] = (),
    exclusions_path: Path | None = EXCLUSIONS,
) -> list[Finding]:
    findings = [f for model in dashboards for f in lint_dashboard(model, datasources)]
    findings += [f for rule in alert_rules for f in lint_alert_rule(rule, datasources)]
    if exclusions_path is None:
        return sorted(findings)
    exclusions, invalid = load_exclusions(exclusions_path)
    return apply_exclusions(findings, exclusions, exclusions_path.name) + invalid


def provisioned_datasources(plan: Mapping[str, Any]) -> dict[str, str]:
    """uid -> kind of every data source the plan provisions."""
    return {
        r["inputs"]["uid"]: kind_key(r["inputs"].get("type")) or r["inputs"].get("type")
        for r in plan["resources"]
        if r["type"] == DATA_SOURCE
    }


def alert_rules(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        rule for r in plan["resources"] if r["type"] == RULE_GROUP for rule in r["inputs"].get("rules") or []
    ]


def lint_plan(result: Any, exclusions_path: Path | None = EXCLUSIONS) -> list[Finding]:
    """Lint a rendered plan (anything with `.plan` and `.dashboards`, e.g. tools.plan.PlanResult):
    its dashboards and alert rules against its own data sources."""
    return lint_models(
        result.dashboards.values(),
        provisioned_datasources(result.plan),
        alert_rules(result.plan),
        exclusions_path,
    )


def summary(result: Any, findings: list[Finding]) -> str:
    """What the lint ran on and found, for the plan's summary (printed even when clean)."""
    rules = len(alert_rules(result.plan))
    counts = f"{len(RULES)} rules over {len(result.dashboards)} dashboards and {rules} alert rules"
    return f"  dashboard lint: {counts}, " + (f"{len(findings)} finding(s)" if findings else "no findings")


def report(findings: list[Finding], stream: Any = None) -> None:
    stream = stream or sys.stderr
    for f in findings:
        print(f"lint: {f}", file=stream)
    if findings:
        print(
            f"lint: {len(findings)} finding(s); fix them or add a reasoned entry to lint-exclusions.yaml",
            file=stream,
        )
