"""Grafana template variables: references to undefined ones, unused ones, All without a custom value."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from tools.lint.registry import rule

VARIABLE_UNDEFINED = rule(
    "variable-undefined",
    "variables",
    "every `$var`, `${var}`, `${var:fmt}`, `[[var]]` in queries, titles, repeats, data source uids "
    "and links is a templating variable or a Grafana built-in",
    "Grafana sends an undefined name as written: the query fails or silently matches nothing",
)
VARIABLE_UNUSED = rule(
    "variable-unused",
    "variables",
    "every templating variable (except ad hoc filters, applied implicitly) is used by a query, "
    "title, repeat, data source, link or another variable's query",
    "an unused dropdown misleads the reader into thinking it filters the panels",
)
VARIABLE_ALL_VALUE = rule(
    "variable-all-value",
    "variables",
    "a variable with Include All has a custom all value (e.g. `.*`)",
    "without one Grafana sends All as every option: at 36k options a 0.9 MB `IN` list in every SQL "
    "query and a 36k-way alternation in every PromQL/LogQL matcher",
)

_BUILTIN_NAMES = """
    __all __interval __interval_ms __rate_interval __rate_interval_ms __range __range_s __range_ms __auto
    __from __to __now __timezone __name __org __user __dashboard __url_time_range __url __data __field
    __series __value __cell __timeFilter __timeFrom __timeTo __timeGroup __timeGroupAlias
    __unixEpochFilter __unixEpochFrom __unixEpochTo __unixEpochGroup __unixEpochGroupAlias
    __unixEpochNanoFilter __unixEpochNanoFrom __unixEpochNanoTo __timeEpoch __schema __table __column
    timeFilter
"""
BUILTIN_VARIABLES = frozenset(_BUILTIN_NAMES.split())
# $name, ${name}, ${name:format}, ${name.path}, [[name]], [[name:format]]
VARIABLE = re.compile(
    r"\$\{(?P<b>[A-Za-z_][\w.]*)(?::[^}]*)?\}|\[\[(?P<s>[A-Za-z_][\w.]*)(?::[^\]]*)?\]\]|\$(?P<p>[A-Za-z_]\w*)"
)


def variable_names(text: str) -> list[str]:
    """Names of the variables referenced in `text` (dotted paths reduced to their root)."""
    names = []
    for m in VARIABLE.finditer(text or ""):
        name = m.group("b") or m.group("s") or m.group("p")
        names.append(name.split(".")[0])
    return names


class VariableUse:
    """The dashboard's variables and which of them the panels, links and other variables use."""

    def __init__(self, model: Mapping[str, Any], add: Callable[[str, str, str], None]) -> None:
        templating = (model.get("templating") or {}).get("list") or []
        self.variables = {v.get("name"): v for v in templating if v.get("name")}
        self.used: set[str] = set()
        self.add = add

    def use(self, where: str, text: Any) -> None:
        """Record the variables `text` references; report names that are not defined."""
        if not isinstance(text, str):
            return
        for name in variable_names(text):
            if name in self.variables:
                self.used.add(name)
            elif name not in BUILTIN_VARIABLES:
                self.add(
                    where, VARIABLE_UNDEFINED, f"${name} is not a dashboard variable or Grafana built-in"
                )

    def check_queries(self) -> None:
        """Variables may use each other (but not themselves) in their queries."""
        for name, var in self.variables.items():
            where = f"variable {name}"
            query = var.get("query")
            if isinstance(query, Mapping):
                query = query.get("query") or query.get("rawSql") or query.get("expr")
            if not isinstance(query, str):
                continue
            for other in variable_names(query):
                if other == name:
                    self.add(where, VARIABLE_UNDEFINED, f"${name} refers to itself")
                else:
                    self.use(where, f"${other}")

    def finish(self) -> None:
        """Once everything was walked: All without a custom value, and unused variables."""
        for name, var in self.variables.items():
            if var.get("includeAll") and not var.get("allValue"):
                self.add(
                    f"variable {name}",
                    VARIABLE_ALL_VALUE,
                    f"${name} includes All without a custom all value: All would be sent as every "
                    "option; set allValue (e.g. `.*`) and match it in the queries",
                )
            if name not in self.used and var.get("type") != "adhoc":
                self.add(
                    f"variable {name}",
                    VARIABLE_UNUSED,
                    f"${name} is defined but no query, title or link uses it",
                )
