"""Both stacks against Grafana's own published artifacts: @grafana/schema 11.6 with the TypeScript
compiler, Grafana's LogQL grammar, Prometheus' PromQL grammar and promtool. Nothing skips: a
missing tool fails with the command that installs it (`make grafana-deps`)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from model.panels import panels
from tests.plans import STACKS, plan_of
from tools import grafana_checks as gc
from tools.grafana_checks.exceptions import SchemaException
from tools.grafana_checks.interpolate import TimeContext, interpolate, variable_query


@pytest.mark.parametrize("stack", STACKS)
def test_every_dashboard_and_query_passes_grafanas_own_checks(stack: str) -> None:
    result = plan_of(stack)
    report = gc.check_plan(result)
    assert [str(f) for f in report.findings] == []
    assert report.dashboards == len(result.dashboards) > 0
    assert report.versions["@grafana/schema"].startswith("11.6.")
    # every query language the plan uses was parsed, dashboards and alert rules alike
    assert report.queries["promql"] > 50 and report.queries["logql"] >= 3
    wheres = [q.where for q in gc.rule_queries(result.plan)]
    assert any(w.startswith("alert:") for w in wheres)


def _first(model: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(p for p in panels(model) if p["type"] == kind and p.get("options"))


def test_planted_faults_are_each_caught() -> None:
    """A bad option key, a wrong enum value, an unknown dashboard key, and broken queries."""
    model = copy.deepcopy(plan_of("prod").dashboards["clipper-slo"])
    timeseries, stat = _first(model, "timeseries"), _first(model, "stat")
    timeseries["options"]["legend"]["showLegendd"] = True  # misspelt option key
    stat["options"]["colorMode"] = "rainbow"  # not a BigValueColorMode
    timeseries["fieldConfig"]["defaults"]["custom"]["drawStyle"] = "wiggle"  # not a GraphDrawStyle
    model["refreshEvery"] = "1m"  # not a dashboard key
    queries = [
        gc.Query("planted / promql", "promql", 'sum(rate(http_requests_total{job="a"}[5m])'),
        gc.Query("planted / logql", "logql", '{job="clerk"} |= "error" | json | level="error" |'),
        gc.Query("fine / promql", "promql", 'sum(rate(http_requests_total{job="a"}[5m]))'),
        gc.Query("fine / logql", "logql", '{job="clerk"} |= "error" | json'),
    ]
    stale = SchemaException("panels[*]", "noSuchKey", "excuses nothing")
    report = gc.check([model], queries, exceptions=(stale,))
    found = {(f.check, f.where.split(" / ")[-1] if f.check == "schema" else f.where) for f in report.findings}
    ts_path = _path(model, timeseries)
    assert ("schema", f"{ts_path}.options.legend.showLegendd") in found
    assert ("schema", f"{_path(model, stat)}.options.colorMode") in found
    assert ("schema", f"{ts_path}.fieldConfig.defaults.custom.drawStyle") in found
    assert ("schema", "refreshEvery") in found
    assert ("promql", "planted / promql") in found
    assert ("promtool", "planted / promql") in found
    assert ("logql", "planted / logql") in found
    assert ("stale-exception", "panels[*].noSuchKey") in found
    assert not {w for _, w in found if w.startswith("fine")}


def _path(model: dict[str, Any], panel: dict[str, Any]) -> str:
    for i, top in enumerate(model["panels"]):
        if top is panel:
            return f"panels[{i}]"
        for j, nested in enumerate(top.get("panels") or []):
            if nested is panel:
                return f"panels[{i}].panels[{j}]"
    raise AssertionError("panel not in model")


def test_an_exception_removes_only_its_key_and_a_stale_one_is_reported() -> None:
    model = {"uid": "x", "templating": {"list": [{"name": "a", "type": "custom", "auto": False}]}}
    used = SchemaException("templating.list[*]", "auto", "test")
    stale = SchemaException("panels[*]", "nothing", "test")
    cleaned, hit = gc.without_exceptions(model, [used, stale])
    assert cleaned["templating"]["list"][0] == {"name": "a", "type": "custom"}
    assert hit == {used}
    assert model["templating"]["list"][0]["auto"] is False  # the input is not changed


def test_missing_packages_fail_with_the_install_command(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(gc, "HERE", tmp_path)
    with pytest.raises(gc.ChecksUnavailable, match="make grafana-deps"):
        gc.node_modules()


def test_variables_are_substituted_as_grafana_sends_them() -> None:
    time = TimeContext(range_s=6 * 3600, scrape_s=30)
    # 6h over 1,000 points is 21.6 s, rounded to 20 s, raised to the 30 s scrape interval
    assert time.builtins()["__interval"] == "30s"
    assert time.builtins()["__rate_interval"] == "2m"  # max(30s + 30s, 4 x 30s)
    all_module = {"name": "module", "current": {"value": "$__all"}, "allValue": ".*", "includeAll": True}
    picked = {"name": "env", "current": {"value": ["a.b", "c"]}, "multi": True}
    expr = 'rate(x{module=~"$module", env=~"${env}"}[$__rate_interval])'
    assert interpolate(expr, [all_module, picked], time) == 'rate(x{module=~".*", env=~"(a\\\\.b|c)"}[2m])'
    assert variable_query("label_values(db_query_total, module)") == "db_query_total"
    assert variable_query('label_values({job="clerk"}, run_id)') == '{job="clerk"}'
    assert variable_query("label_values(module)") == ""
