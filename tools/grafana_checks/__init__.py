"""The plan's dashboards and queries checked against Grafana's own published artifacts.

- every dashboard type-checked against `@grafana/schema` (Grafana 11.6) with the TypeScript
  compiler, excess-property checks on (see check.mjs for what is typed as what); the only keys
  left out are listed, with their reasons, in exceptions.py;
- every LogQL expression (panel targets, variables, alert rules) parsed with Grafana's grammar
  `@grafana/lezer-logql`, every PromQL expression with `@prometheus-io/lezer-promql` and with
  `promtool check rules`, after Grafana's variable substitution (interpolate.py).

The npm packages are pinned by package-lock.json and installed by `make grafana-deps` (`npm ci`,
npm's cache outside the repository). Nothing here skips: a missing tool is an error naming the
command that installs it.

    python -m tools.grafana_checks --stack prod     # `make check-grafana STACK=prod`
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from model.datasources import kind_of_plugin
from model.durations import parse_duration
from model.panels import panels
from tools.grafana_checks.exceptions import SCHEMA_EXCEPTIONS, SchemaException
from tools.grafana_checks.interpolate import TimeContext, dashboard_range_s, interpolate, variable_query

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "check.mjs"
PACKAGES = (
    "@grafana/schema",
    "@grafana/lezer-logql",
    "@prometheus-io/lezer-promql",
    "typescript",
    "@grafana/data",
)
INSTALL = "make grafana-deps"
RULE_DATA = "grafana:alerting/ruleGroup:RuleGroup"
DATA_SOURCE = "grafana:oss/dataSource:DataSource"


class ChecksUnavailable(Exception):
    """A tool the checks need is not installed."""


@dataclass(frozen=True)
class Query:
    where: str  # "<dashboard uid> / <panel> / target A", "<uid> / variable x", "alert:<rule uid> / A"
    language: str  # "promql" or "logql"
    expr: str  # as Grafana sends it (variables substituted)


@dataclass(frozen=True)
class Finding:
    check: str  # "schema", "logql", "promql", "promtool", "stale-exception"
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: [{self.check}] {self.message}"


@dataclass
class Report:
    dashboards: int = 0
    queries: dict[str, int] = field(default_factory=dict)  # language -> number parsed
    versions: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> str:
        """One line per check: what ran, on how much, with which version, and what it found."""
        found: dict[str, int] = {}
        for f in self.findings:
            found[f.check] = found.get(f.check, 0) + 1
        v = self.versions

        def result(*checks: str) -> str:
            n = sum(found.get(c, 0) for c in checks)
            return "no findings" if not n else f"{n} finding(s)"

        return "\n".join(
            [
                f"  @grafana/schema {v.get('@grafana/schema')} (TypeScript {v.get('typescript')}): "
                f"{self.dashboards} dashboards type-checked, {result('schema', 'stale-exception')}",
                f"  @grafana/lezer-logql {v.get('@grafana/lezer-logql')}: "
                f"{self.queries.get('logql', 0)} LogQL expressions parsed, {result('logql')}",
                f"  @prometheus-io/lezer-promql {v.get('@prometheus-io/lezer-promql')} and promtool: "
                f"{self.queries.get('promql', 0)} PromQL expressions parsed, {result('promql', 'promtool')}",
            ]
        )


# --- collecting what Grafana would run -------------------------------------------------------


def _language(ref: Any, fallback: str | None = None) -> str | None:
    kind = kind_of_plugin(ref.get("type")) if isinstance(ref, Mapping) else None
    return kind.language if kind else fallback


def _scrape_s(plan: Mapping[str, Any]) -> float:
    """The Prometheus data source's scrape interval (timeInterval), which Grafana's intervals respect."""
    for r in plan["resources"]:
        if r["type"] == DATA_SOURCE and r["inputs"].get("type") == "prometheus":
            data = json.loads(r["inputs"].get("jsonDataEncoded") or "{}")
            if data.get("timeInterval"):
                return float(parse_duration(data["timeInterval"]))
    return 15.0


def dashboard_queries(model: Mapping[str, Any], scrape_s: float = 15.0) -> Iterator[Query]:
    """PromQL and LogQL of a dashboard's panel targets and variables, as Grafana sends them."""
    uid = model.get("uid")
    variables = (model.get("templating") or {}).get("list") or []
    time = TimeContext(dashboard_range_s(model), scrape_s)
    for panel in panels(model):
        panel_language = _language(panel.get("datasource"))
        for target in panel.get("targets") or []:
            language = _language(target.get("datasource"), panel_language)
            if language in ("promql", "logql") and target.get("expr"):
                where = f"{uid} / {panel.get('id')} {panel.get('title')} / target {target.get('refId')}"
                yield Query(where, language, interpolate(target["expr"], variables, time))
    for variable in variables:
        language = _language(variable.get("datasource"))
        query = variable.get("query")
        if isinstance(query, Mapping):
            query = query.get("query") or query.get("expr")
        if language in ("promql", "logql") and isinstance(query, str):
            others = [v for v in variables if v.get("name") != variable.get("name")]
            expr = interpolate(variable_query(query), others, time)
            if expr.strip():
                yield Query(f"{uid} / variable {variable.get('name')}", language, expr)


def rule_queries(plan: Mapping[str, Any]) -> Iterator[Query]:
    """PromQL and LogQL of every alert rule, as Grafana's rule evaluator sends them."""
    languages = {
        r["inputs"]["uid"]: _language({"type": r["inputs"].get("type")})
        for r in plan["resources"]
        if r["type"] == DATA_SOURCE
    }
    scrape_s = _scrape_s(plan)
    for group in (r for r in plan["resources"] if r["type"] == RULE_DATA):
        for rule in group["inputs"].get("rules") or []:
            for data in rule.get("datas") or []:
                language = languages.get(data.get("datasourceUid"))
                model = data.get("model")
                model = json.loads(model) if isinstance(model, str) else model or {}
                if language in ("promql", "logql") and model.get("expr"):
                    window = (data.get("relativeTimeRange") or {}).get("from") or 600
                    time = TimeContext(float(window), scrape_s)
                    where = f"alert:{rule.get('uid')} / {data.get('refId')}"
                    yield Query(where, language, interpolate(model["expr"], (), time))


# --- schema exceptions -----------------------------------------------------------------------


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def _glob(pattern: str) -> re.Pattern[str]:
    """A JSON path pattern: `[*]` is any index, `*` any key."""
    return re.compile(re.escape(pattern).replace(r"\[\*\]", r"\[\d+\]").replace(r"\*", r"[^.\[]+"))


def without_exceptions(
    model: Mapping[str, Any], exceptions: Iterable[SchemaException] = SCHEMA_EXCEPTIONS
) -> tuple[dict[str, Any], set[SchemaException]]:
    """A copy of `model` without the excepted keys, and the exceptions that removed something."""
    copy = json.loads(json.dumps(model))
    used: set[SchemaException] = set()
    patterns = [(e, _glob(e.path)) for e in exceptions]
    for path, value in list(_walk(copy)):
        if not isinstance(value, dict):
            continue
        for exception, pattern in patterns:
            if exception.key in value and pattern.fullmatch(path):
                del value[exception.key]
                used.add(exception)
    return copy, used


# --- running the tools -----------------------------------------------------------------------


def node_modules() -> Path:
    """The installed npm packages; ChecksUnavailable naming the install command if any is missing."""
    node = shutil.which("node")
    if node is None:
        raise ChecksUnavailable(f"node is not installed: run `{INSTALL}` (installs nodejs and npm as root)")
    modules = HERE / "node_modules"
    missing = [p for p in PACKAGES if not (modules / p / "package.json").exists()]
    if missing:
        raise ChecksUnavailable(f"{', '.join(missing)} not installed in {modules}: run `{INSTALL}`")
    return modules


def run_node(dashboards: list[dict[str, Any]], queries: list[Query]) -> dict[str, Any]:
    node_modules()
    payload = {
        "dashboards": [{"uid": d.get("uid"), "model": d} for d in dashboards],
        "logql": [{"where": q.where, "expr": q.expr} for q in queries if q.language == "logql"],
        "promql": [{"where": q.where, "expr": q.expr} for q in queries if q.language == "promql"],
    }
    return run_script(RUNNER, payload)


def run_script(runner: Path, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Run one of this package's Node scripts on `payload` (a JSON file); its JSON answer."""
    with tempfile.TemporaryDirectory(prefix="grafana-checks-") as tmp:
        path = Path(tmp) / "input.json"
        path.write_text(json.dumps(payload))
        proc = subprocess.run(["node", str(runner), str(path)], capture_output=True, text=True, cwd=HERE)
    if proc.returncode != 0:
        raise ChecksUnavailable(f"node {runner.name} failed:\n{proc.stderr.strip()}")
    return json.loads(proc.stdout)


def run_promtool(queries: list[Query]) -> list[Finding]:
    """`promtool check rules` on one recording rule per PromQL expression (one group each, so an
    error names its group and so its query)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        raise ChecksUnavailable(
            "promtool is not installed: run `make system-deps` (Debian package prometheus)"
        )
    promql = [q for q in queries if q.language == "promql"]
    if not promql:
        return []
    groups = [
        {"name": f"q{i}", "rules": [{"record": "grafana_check:expression", "expr": q.expr}]}
        for i, q in enumerate(promql)
    ]
    with tempfile.TemporaryDirectory(prefix="grafana-checks-") as tmp:
        path = Path(tmp) / "rules.yaml"
        path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
        proc = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
    if proc.returncode == 0:
        return []
    findings = []
    for line in (proc.stdout + proc.stderr).splitlines():
        match = re.search(r'group "q(\d+)", rule \d+, "[^"]*": (.*)', line)
        if match:
            findings.append(Finding("promtool", promql[int(match.group(1))].where, match.group(2).strip()))
    return findings or [Finding("promtool", "rules", (proc.stdout + proc.stderr).strip())]


MAX_PASSES = 5  # the compiler elaborates one error per object literal: re-check without it


def _delete(model: Any, path: str) -> bool:
    """Remove the value at a JSON path ("panels[3].options.legend.x"); False if there is none."""
    steps = [int(s) if s.isdigit() else s for s in re.findall(r"[^.\[\]]+", path)]
    if not steps:
        return False
    for step in steps[:-1]:
        try:
            model = model[step]
        except (KeyError, IndexError, TypeError):
            return False
    try:
        del model[steps[-1]]
    except (KeyError, IndexError, TypeError):
        return False
    return True


def check_schemas(models: list[dict[str, Any]], first: dict[str, Any]) -> list[Finding]:
    """Schema findings of every dashboard (exceptions already removed), given the first run's.

    TypeScript reports one error per object literal (a nested one hides an excess key of its
    parent), so a dashboard with findings is checked again without the offending values, until
    nothing new is found."""
    findings: list[Finding] = []
    pending = {m.get("uid"): json.loads(json.dumps(m)) for m in models}
    result: dict[str, Any] | None = first
    for _ in range(MAX_PASSES):
        if not pending:
            break
        result = result or run_node(list(pending.values()), [])
        found, result = result["schema"], None
        findings += [Finding("schema", f"{f['dashboard']} / {f['path']}", f["message"]) for f in found]
        again = {}
        for f in found:
            model = pending.get(f["dashboard"])
            if model is not None and _delete(model, f["path"]):
                again[f["dashboard"]] = model
        pending = again
    return findings


def check(
    dashboards: Iterable[Mapping[str, Any]],
    queries: Iterable[Query],
    exceptions: Iterable[SchemaException] = SCHEMA_EXCEPTIONS,
) -> Report:
    """Run every check; findings after the exceptions, plus one per exception that excused nothing."""
    exceptions = tuple(exceptions)
    queries = list(queries)
    cleaned, used = [], set()
    for model in dashboards:
        model, hit = without_exceptions(model, exceptions)
        cleaned.append(model)
        used |= hit
    result = run_node(cleaned, queries)
    report = Report(len(cleaned), versions=result["versions"])
    for language in ("promql", "logql"):
        report.queries[language] = sum(q.language == language for q in queries)
    report.findings += check_schemas(cleaned, result)
    for language in ("logql", "promql"):
        report.findings += [
            Finding(language, f["where"], f"{f['message']} in {f['expr']!r}") for f in result[language]
        ]
    report.findings += run_promtool(queries)
    report.findings += [
        Finding("stale-exception", f"{e.path}.{e.key}", "excuses nothing in these dashboards; remove it")
        for e in exceptions
        if e not in used
    ]
    return report


def check_plan(result: Any) -> Report:
    """Check a tools.plan.PlanResult: its dashboards, their queries and its alert rules' queries."""
    scrape_s = _scrape_s(result.plan)
    models = [result.dashboards[uid] for uid in sorted(result.dashboards)]
    queries = [q for model in models for q in dashboard_queries(model, scrape_s)]
    queries += list(rule_queries(result.plan))
    return check(models, queries)
