"""The lint's rules, each registered once with what it checks and why, and the finding type.

A rule module registers its rules with `rule(...)` at import time; a Finding naming an
unregistered rule is a programming error. `python -m tools.lint --rules` prints this registry,
and docs/lint.md holds the same table (a test keeps the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str  # as findings and lint-exclusions.yaml name it
    concern: (
        str  # the module that owns it: dashboard, panels, grid, variables, promql, logql, sql, exclusions
    )
    checks: str
    why: str


RULES: dict[str, Rule] = {}


def rule(rule_id: str, concern: str, checks: str, why: str) -> str:
    """Register a rule; returns its id, for the module to name its findings with."""
    if rule_id in RULES:
        raise ValueError(f"lint rule {rule_id} registered twice")
    RULES[rule_id] = Rule(rule_id, concern, checks, why)
    return rule_id


@dataclass(frozen=True, order=True)
class Finding:
    dashboard: str  # dashboard uid, or "alert:<rule uid>"
    panel: str  # "<id> <title>", "variable <name>", or "" for the dashboard itself
    rule: str
    message: str

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"finding of unregistered lint rule {self.rule!r}")

    def __str__(self) -> str:
        where = f"{self.dashboard} / {self.panel}" if self.panel else self.dashboard
        return f"{where}: [{self.rule}] {self.message}"


def markdown_table() -> str:
    """The registry as the Markdown table docs/lint.md holds."""
    lines = ["| rule | concern | checks | why |", "|---|---|---|---|"]
    for r in sorted(RULES.values(), key=lambda r: (r.concern, r.id)):
        lines.append(f"| `{r.id}` | {r.concern} | {r.checks} | {r.why} |")
    return "\n".join(lines)
