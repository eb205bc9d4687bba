"""The dashboard lint: zero findings over every pack's dashboards, and each rule proven to fire."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from model.datasources import UIDS
from model.panels import panels
from tests.plans import STACKS, plan_of
from tools import lint
from tools import plan as plan_tool

KINDS = {uid: kind for kind, uid in UIDS.items()}
PROM = {"type": "prometheus", "uid": UIDS["prometheus"]}
LOKI = {"type": "loki", "uid": UIDS["loki"]}
PG = {"type": "grafana-postgresql-datasource", "uid": UIDS["postgres"]}


def panel(
    pid: int, kind: str, ds: dict, target: dict, x: int = 0, y: int = 1, unit: str | None = "none"
) -> dict:
    p = {
        "id": pid,
        "type": kind,
        "title": f"Panel {pid} for $job",
        "description": "What it shows and what to do about it.",
        "datasource": ds,
        "gridPos": {"x": x, "y": y, "w": 12, "h": 8},
        "targets": [{"refId": "A", "datasource": ds, **target}],
    }
    if unit:
        p["fieldConfig"] = {"defaults": {"unit": unit}, "overrides": []}
    return p


def good() -> dict[str, Any]:
    """A small dashboard that uses every query language correctly; the lint finds nothing."""
    collapsed = {
        "id": 20,
        "type": "row",
        "title": "Details",
        "collapsed": True,
        "gridPos": {"x": 0, "y": 18, "w": 24, "h": 1},
        "panels": [
            panel(
                21,
                "table",
                PG,
                {"rawSql": "SELECT name FROM sites WHERE $__timeFilter(updated_at)"},
                y=19,
                unit=None,
            ),
            panel(
                22,
                "logs",
                LOKI,
                {"expr": '{job="$job"} |= "error" | json | level="error"'},
                x=12,
                y=19,
                unit=None,
            ),
        ],
    }
    return {
        "uid": "lint-example",
        "title": "Lint example",
        "panels": [
            {
                "id": 1,
                "type": "row",
                "title": "Overview",
                "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1},
                "panels": [],
            },
            panel(
                2,
                "timeseries",
                PROM,
                {"expr": 'sum by (code) (rate(http_requests_total{job="$job"}[$__rate_interval]))'},
                unit="reqps",
            ),
            panel(
                3, "stat", PG, {"rawSql": "SELECT COUNT(*) FROM sites WHERE $__timeFilter(updated_at)"}, x=12
            ),
            panel(
                4,
                "timeseries",
                LOKI,
                {"expr": 'sum(count_over_time({job="$job"} |~ `level=(error|warn)` | logfmt [$__interval]))'},
                y=9,
                unit="short",
            ),
            panel(5, "gauge", PROM, {"expr": 'up{job=~"${job:regex}"} == 1'}, x=12, y=9, unit="percentunit"),
            {
                "id": 6,
                "type": "text",
                "title": "Notes",
                "description": "Read me.",
                "gridPos": {"x": 0, "y": 17, "w": 24, "h": 1},
                "options": {"content": "hello"},
            },
            collapsed,
        ],
        "templating": {
            "list": [
                {"name": "job", "type": "query", "datasource": PROM, "query": "label_values(up, job)"},
            ]
        },
    }


def run(model: dict) -> list[lint.Finding]:
    return lint.lint_dashboard(model, KINDS)


def rules(model: dict) -> set[str]:
    return {f.rule for f in run(model)}


# --- the real dashboards ---


@pytest.mark.parametrize("stack", STACKS)
def test_every_dashboard_and_alert_of_every_pack_is_clean(stack):
    result = plan_of(stack)
    assert result.dashboards, "the plan holds no dashboard to lint"
    findings = lint.lint_plan(result)
    assert findings == [], "\n".join(map(str, findings))


@pytest.mark.parametrize("stack", STACKS)
def test_lint_sees_the_provisioned_data_sources(stack):
    assert lint.provisioned_datasources(plan_of(stack).plan) == KINDS


def test_repository_exclusions_are_well_formed():
    exclusions, invalid = lint.load_exclusions()
    assert invalid == []
    assert all(e.reason for e in exclusions)


# --- each rule fires on a broken example ---


def test_the_good_example_is_clean():
    assert run(good()) == []


def mutate(path_fn):
    model = good()
    path_fn(model)
    return model


def p(model: dict, pid: int) -> dict:
    for item in panels(model):
        if item["id"] == pid:
            return item
    raise KeyError(pid)


def set_target(pid: int, **fields):
    return lambda m: p(m, pid)["targets"][0].update(fields)


CASES = {
    "uid-length": lambda m: m.update(uid="x" * 41),
    "panel-title": lambda m: p(m, 2).update(title=" "),
    "panel-description": lambda m: p(m, 3).pop("description"),
    "panel-unit": lambda m: p(m, 2)["fieldConfig"]["defaults"].update(unit="requests/s"),
    "panel-targets": lambda m: p(m, 3).update(targets=[]),
    "datasource-uid": lambda m: p(m, 3).update(datasource={"type": "prometheus", "uid": "prom-old"}),
    "promql-parse": set_target(2, expr="sum(rate(http_requests_total[$__rate_interval])"),
    "promql-rate-interval": set_target(2, expr='sum(rate(http_requests_total{job="$job"}[5m]))'),
    "promql-counter": set_target(5, expr='http_requests_total{job="$job"}'),
    "logql-syntax": set_target(22, expr='{job="$job" |= "error"'),
    "logql-filter-order": set_target(22, expr='{job="$job"} | json |= "error"'),
    "sql-time-macro": set_target(3, rawSql="SELECT COUNT(*) FROM sites"),
    "sql-now-interval": set_target(
        3, rawSql="SELECT COUNT(*) FROM sites WHERE $__timeFilter(t) AND t > NOW() - INTERVAL '1 hour'"
    ),
    "variable-undefined": lambda m: p(m, 4).update(title="Errors of $service"),
    "variable-unused": lambda m: m["templating"]["list"].append(
        {"name": "env", "type": "custom", "query": "a,b"}
    ),
    "variable-all-value": lambda m: m["templating"]["list"][0].update(multi=True, includeAll=True),
    "panel-id-unique": lambda m: p(m, 22).update(id=3),
    "grid-position": lambda m: p(m, 3)["gridPos"].update(x=16),
    "grid-overlap": lambda m: p(m, 5)["gridPos"].update(y=5),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_fires_on_a_broken_dashboard(rule):
    findings = run(mutate(CASES[rule]))
    assert {f.rule for f in findings} == {rule}, findings
    assert all(f.dashboard for f in findings)


def test_every_registered_rule_has_a_failing_example():
    assert set(lint.RULES) - {"exclusion-invalid", "exclusion-stale"} == set(CASES)


def test_docs_table_is_the_registry():
    """docs/lint.md's table is `python -m tools.lint --rules --markdown`, rule for rule."""
    docs = (plan_tool.ROOT / "docs" / "lint.md").read_text()
    table = [line for line in docs.splitlines() if line.startswith("|")]
    assert "\n".join(table) == lint.markdown_table()
    assert all(r.checks and r.why for r in lint.RULES.values())


def test_a_finding_of_an_unregistered_rule_is_refused():
    with pytest.raises(ValueError, match="unregistered"):
        lint.Finding("d", "", "no-such-rule", "x")


def test_the_lint_does_not_import_the_plan():
    import subprocess
    import sys

    code = "import sys, tools.lint, tools.lint.__main__; print('tools.plan' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "unit, kind, fires",
    [
        (None, "timeseries", True),  # a graph of numbers must say what they are
        ("", "stat", True),
        ("bytes", "bargauge", False),
        ("suffix: sites", "stat", False),  # Grafana's custom units
        (None, "table", False),  # exempt: many columns of their own kinds
        (None, "logs", False),
        ("furlongs", "table", True),  # an exempt panel that sets a unit sets a real one
    ],
)
def test_unit_rule(unit, kind, fires):
    model = good()
    target = p(model, 3)
    target["type"] = kind
    target["fieldConfig"]["defaults"].pop("unit")
    if unit is not None:
        target["fieldConfig"]["defaults"]["unit"] = unit
    assert ("panel-unit" in rules(model)) is fires


def test_rows_need_no_description_targets_or_unit_but_need_a_title():
    model = good()
    assert rules(model) == set()
    p(model, 1)["title"] = ""
    assert rules(model) == {"panel-title"}


def test_target_data_source_is_checked_too():
    model = good()
    p(model, 2)["targets"][0]["datasource"] = {"type": "prometheus", "uid": "nope"}
    finding = next(f for f in run(model) if f.rule == "datasource-uid")
    assert finding.panel.startswith("2 ") and "'nope'" in finding.message


def test_variable_data_source_is_checked():
    model = good()
    model["templating"]["list"][0]["datasource"] = {"type": "prometheus", "uid": "gone"}
    assert {(f.panel, f.rule) for f in run(model)} == {("variable job", "datasource-uid")}


def test_variable_used_only_by_another_variable_counts_as_used():
    model = good()
    model["templating"]["list"].append(
        {
            "name": "instance",
            "type": "query",
            "datasource": PROM,
            "query": 'label_values(up{job="$job"}, instance)',
        }
    )
    p(model, 5)["targets"][0]["expr"] = 'up{job="$job", instance="$instance"} == 1'
    assert run(model) == []


def test_builtins_are_defined_and_unknown_underscore_names_are_not():
    model = good()
    p(model, 2)["title"] = "Rate over ${__range} from $__from (${__url_time_range})"
    assert run(model) == []
    p(model, 2)["title"] = "Rate over $__rnage"
    assert rules(model) == {"variable-undefined"}


def test_duplicate_id_inside_a_collapsed_row_is_found():
    model = good()
    p(model, 22)["id"] = 21
    finding = next(f for f in run(model) if f.rule == "panel-id-unique")
    assert "21" in finding.message


def test_collapsed_row_children_do_not_collide_with_top_level_panels():
    """Grafana keeps a collapsed row's panels at their expanded positions; only siblings can overlap."""
    model = good()
    p(model, 21)["gridPos"].update(x=0, y=1)  # where panel 2 is, but hidden in the row
    assert run(model) == []
    p(model, 22)["gridPos"].update(x=6, y=1)
    assert rules(model) == {"grid-overlap"}


# --- query rules, case by case ---


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("sum(rate(x_total[$__rate_interval]))", set()),
        ("increase(x_total[${__rate_interval}]) > 0", set()),
        ("max_over_time(rate(x_total[$__rate_interval])[1h:])", set()),
        ('histogram_quantile(0.9, sum by (le) (rate(d_bucket{a="$v"}[$__rate_interval])))', set()),
        ("x_bytes / on(job) group_left y_bytes", set()),
        ("irate(x_total[$__interval])", {"promql-rate-interval"}),
        ("rate(x_total[1m])", {"promql-rate-interval"}),
        ("x_total", {"promql-counter"}),
        ("sum(x_total) by (job)", {"promql-counter"}),
        ('{__name__="x_total"}', {"promql-counter"}),
        ("delta(x_total[$__rate_interval])", {"promql-counter"}),
        ("rate(x_total[$__rate_interval]", {"promql-parse"}),
        ("sum by (job (up)", {"promql-parse"}),
    ],
)
def test_promql_rules(expr, expected):
    assert {rule for rule, _ in lint.lint_promql(expr, in_dashboard=True)} == expected


def test_alert_promql_needs_no_rate_interval_but_keeps_the_other_rules():
    assert lint.lint_promql("rate(x_total[5m]) > 1", in_dashboard=False) == []
    assert [r for r, _ in lint.lint_promql("x_total > 1", in_dashboard=False)] == ["promql-counter"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ('{job="clerk"} |= "error" | json | level="error"', set()),
        ('{job="clerk"} |~ `"level":\\s*"error"` | json | stage != ""', set()),
        ('{job="clerk"} != "debug" | logfmt', set()),
        ('{job="clerk"} |= "a" or "b" | json', set()),
        ('sum by (s) (count_over_time({job="clerk"} |= "x" | json [$__interval]))', set()),
        ('{job="clerk"} |= "a" | json | line_format "{{.msg}}" |= "b"', set()),
        ('{job="clerk"}', set()),  # no parser, nothing to order
        ('{job="clerk"} | json', {"logql-filter-order"}),
        ('{job="clerk"} | logfmt | level="error"', {"logql-filter-order"}),
        ('{job="clerk"} |= "x" | json |= "y"', {"logql-filter-order"}),
        ('{job="clerk"} | pattern `<ip> <_>` != "z"', {"logql-filter-order"}),
        ('sum(rate({job="clerk"} | unpack [5m]))', {"logql-filter-order"}),
        ('{job="clerk"} |= "unterminated', {"logql-syntax"}),
        ('job="clerk" |= "x"', {"logql-syntax"}),
        ('{} |= "x"', {"logql-syntax"}),
    ],
)
def test_logql_rules(query, expected):
    assert {rule for rule, _ in lint.lint_logql(query)} == expected


@pytest.mark.parametrize(
    "sql, expected",
    [
        (
            "SELECT $__timeGroupAlias(t, $__interval), count(*) FROM s WHERE $__timeFilter(t) GROUP BY 1",
            set(),
        ),
        ("SELECT count(*) FROM s WHERE t + INTERVAL '2 hours' < $__timeTo()", set()),
        ("SELECT count(*) FROM s", {"sql-time-macro"}),
        ("SELECT count(*) FROM s WHERE t > now() - interval '1 day'", {"sql-time-macro", "sql-now-interval"}),
        (
            "SELECT 1 FROM s WHERE $__timeFilter(t) AND t > CURRENT_TIMESTAMP - INTERVAL '$__range'",
            {"sql-now-interval"},
        ),
    ],
)
def test_sql_rules(sql, expected):
    assert {rule for rule, _ in lint.lint_sql(sql)} == expected


def test_alert_rule_queries_are_linted():
    def rule(ds_uid: str, model: dict) -> dict:
        return {
            "uid": "r-1",
            "datas": [
                {"refId": "A", "datasourceUid": ds_uid, "model": json.dumps(model)},
                {"refId": "B", "datasourceUid": "__expr__", "model": "{}"},
            ],
        }

    assert lint.lint_alert_rule(rule("prometheus", {"expr": "rate(x_total[5m]) > 1"}), KINDS) == []
    bad = lint.lint_alert_rule(rule("prometheus", {"expr": "rate(x_total[5m]"}), KINDS)
    assert [(f.dashboard, f.rule) for f in bad] == [("alert:r-1", "promql-parse")]
    assert [f.rule for f in lint.lint_alert_rule(rule("loki", {"expr": '{a="b"} | json'}), KINDS)] == [
        "logql-filter-order"
    ]
    assert [f.rule for f in lint.lint_alert_rule(rule("old-db", {"rawSql": "SELECT 1"}), KINDS)] == [
        "datasource-uid"
    ]


# --- exclusions ---


def write(tmp_path: Path, entries: Any) -> Path:
    path = tmp_path / "lint-exclusions.yaml"
    path.write_text(json.dumps({"exclusions": entries}))
    return path


def broken() -> dict:
    return mutate(CASES["panel-description"])


def test_exclusion_with_reason_silences_exactly_its_finding(tmp_path):
    path = write(
        tmp_path,
        [
            {
                "dashboard": "lint-example",
                "panel": 3,
                "rule": "panel-description",
                "reason": "a stat whose title says it all",
            }
        ],
    )
    assert lint.lint_models([broken()], KINDS, exclusions_path=path) == []
    other = mutate(CASES["panel-title"])
    assert {f.rule for f in lint.lint_models([other], KINDS, exclusions_path=path)} == {
        "panel-title",
        "exclusion-stale",
    }


def test_exclusion_matches_by_title_or_star(tmp_path):
    for panel_key in ("Panel 3 for $job", "*"):
        path = write(
            tmp_path,
            [{"dashboard": "lint-example", "panel": panel_key, "rule": "panel-description", "reason": "r"}],
        )
        assert lint.lint_models([broken()], KINDS, exclusions_path=path) == []


def test_stale_exclusion_is_a_finding(tmp_path):
    path = write(
        tmp_path, [{"dashboard": "lint-example", "panel": 2, "rule": "panel-unit", "reason": "was needed"}]
    )
    findings = lint.lint_models([good()], KINDS, exclusions_path=path)
    assert [f.rule for f in findings] == ["exclusion-stale"]


@pytest.mark.parametrize(
    "entry",
    [
        {"dashboard": "lint-example", "panel": 3, "rule": "panel-description"},
        {"dashboard": "lint-example", "panel": 3, "rule": "panel-description", "reason": "  "},
        "lint-example/3/panel-description",
    ],
)
def test_exclusion_without_reason_is_refused(tmp_path, entry):
    path = write(tmp_path, [entry])
    assert {f.rule for f in lint.lint_models([broken()], KINDS, exclusions_path=path)} == {
        "panel-description",
        "exclusion-invalid",
    }


# --- the hook in `make plan` ---


def test_plan_exits_4_and_prints_findings_on_lint_errors(monkeypatch, tmp_path, capsys):
    finding = lint.Finding("clerk-pipeline", "2 Stuck Sites", "panel-unit", "planted")
    monkeypatch.setattr(lint, "lint_plan", lambda result: [finding])
    assert plan_tool.main(["--stack", "staging", "--out", str(tmp_path)]) == 4
    assert "[panel-unit] planted" in capsys.readouterr().err


def test_plan_lints_what_it_renders(monkeypatch, tmp_path, capsys):
    real = plan_tool.render_plan

    def with_bad_dashboard(stack, *args, **kwargs):
        result = real(stack, *args, **kwargs)
        model = copy.deepcopy(next(iter(result.dashboards.values())))
        model["panels"][1]["datasource"] = {"type": "prometheus", "uid": "not-provisioned"}
        result.dashboards[model["uid"]] = model
        return result

    monkeypatch.setattr(plan_tool, "render_plan", with_bad_dashboard)
    assert plan_tool.main(["--stack", "staging", "--out", str(tmp_path)]) == 4
    assert "[datasource-uid]" in capsys.readouterr().err


def test_a_clean_plan_says_which_checks_ran(tmp_path, capsys):
    assert plan_tool.main(["--stack", "staging", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"dashboard lint: {len(lint.RULES)} rules over " in out and "no findings" in out
    assert "make check-grafana STACK=staging" in out


def test_alert_query_without_a_query_is_a_finding():
    rule = {
        "uid": "r",
        "datas": [{"refId": "A", "datasourceUid": UIDS["prometheus"], "model": '{"refId": "A"}'}],
    }
    findings = lint.lint_alert_rule(rule, KINDS)
    assert [(f.dashboard, f.rule) for f in findings] == [("alert:r", "panel-targets")]
