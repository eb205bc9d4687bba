"""The Clerk dashboard's model: what an on-call engineer clicks and reads, as Grafana would show it.

The SQL behind these panels is proven on PostgreSQL in tests/test_clerk_sql.py; here the model
itself: the links a row opens, the state words a value shows, the columns a log table keeps.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from dashboards import clerk
from model.panels import panels
from tests.contexts import pack_context
from tools.grafana_checks import frames


@pytest.fixture(scope="module")
def model():
    (dashboard,) = clerk.build(pack_context()).dashboards
    return dashboard.model


def panel(model, title: str) -> dict:
    (found,) = [p for p in panels(model) if p.get("title") == title]
    return found


def override(panel_model: dict, field: str) -> dict[str, object]:
    """The properties a panel's by-name override sets on `field`."""
    (found,) = [
        o
        for o in panel_model["fieldConfig"]["overrides"]
        if o["matcher"] == {"id": "byName", "options": field}
    ]
    return {p["id"]: p["value"] for p in found["properties"]}


def transformation(panel_model: dict, kind: str) -> dict:
    (found,) = [t for t in panel_model.get("transformations", []) if t["id"] == kind]
    return found["options"]


def follow(url: str, row: dict[str, str], time_range: str = "from=now-24h&to=now") -> tuple[str, dict]:
    """A data link as Grafana opens it: `${__url_time_range}` and `${__data.fields.x:percentencode}`
    (`${subdomain:queryparam}` as at All) filled in; returns the path and the query parameters."""
    url = url.replace("${__url_time_range}", time_range).replace(
        "${subdomain:queryparam}", "var-subdomain=All"
    )
    for name, value in row.items():
        url = url.replace(f"${{__data.fields.{name}:percentencode}}", quote(value, safe=""))
    assert "${" not in url, url
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)


# --- the stuck sites: a list whose rows open the dashboard on that site ----------------------------


def test_stuck_site_list_rows_open_the_dashboard_on_their_site(model):
    listed = panel(model, "Stuck Site List")
    (link,) = listed["fieldConfig"]["defaults"]["links"]
    path, query = follow(
        link["url"], {"subdomain": "o'hare.civic.band"}, "from=1768737600000&to=1768824000000"
    )
    assert path == f"/d/{clerk.DASHBOARD_UID}"
    assert query == {
        "var-subdomain": ["o'hare.civic.band"],
        "from": ["1768737600000"],
        "to": ["1768824000000"],
    }


def test_stuck_site_list_columns_read_as_the_layout_names_them(model):
    listed = panel(model, "Stuck Site List")
    names = {
        field: override(listed, field)["displayName"]
        for field in ("subdomain", "stage", "idle_for", "last_update")
    }
    assert names == {
        "subdomain": "Subdomain",
        "stage": "Stage",
        "idle_for": "Idle for",
        "last_update": "Last update",
    }
    # As Grafana's display code shows the seconds the query returns (@grafana/data 11.6):
    idle = {"color": {"mode": "fixed"}, **override(listed, "idle_for")}
    shown = frames.display(idle, [30 * 3600, 2.5 * 3600, 58227])
    assert [text for text, _ in shown] == ["1 day, 6 hours", "2 hours, 30 minutes", "16 hours, 10 minutes"]


def test_stuck_site_list_sits_under_the_stat_it_explains(model):
    by_title = {p["title"]: p for p in panels(model)}
    stat, listed = by_title["Stuck Sites"], by_title["Stuck Site List"]
    assert listed["gridPos"]["y"] > stat["gridPos"]["y"]
    rows = [p for p in panels(model) if p["type"] == "row"]
    assert rows[0]["title"] == "At-a-glance health"
    assert rows[0]["gridPos"]["y"] < listed["gridPos"]["y"] < rows[1]["gridPos"]["y"]


# --- state words: the layout's HEALTHY / WARNING / CRITICAL, DEGRADED, ... in their colours ---------
# Computed by Grafana's own display code (@grafana/data 11.6, tools/grafana_checks/frames.py).


def field_config(panel_model: dict, field: str) -> dict:
    """The config Grafana gives `field`: the panel's defaults, then its by-name override (the stat
    and gauge plugins colour by thresholds by default)."""
    config = {"color": {"mode": "thresholds"}, **panel_model["fieldConfig"]["defaults"]}
    for o in panel_model["fieldConfig"]["overrides"]:
        if o["matcher"] == {"id": "byName", "options": field}:
            config.update({p["id"]: p["value"] for p in o["properties"]})
    return config


STATE_CASES = [
    (
        "Stuck Sites",
        "stuck_count",
        {0: "HEALTHY", 4: "HEALTHY", 5: "WARNING", 10: "WARNING", 11: "CRITICAL", 500: "CRITICAL"},
    ),
    (
        "Health Score",
        "health_score",
        {
            0.0: "UNHEALTHY",
            84.9: "UNHEALTHY",
            85.0: "DEGRADED",
            94.9: "DEGRADED",
            95.0: "HEALTHY",
            100.0: "HEALTHY",
        },
    ),
]


@pytest.mark.parametrize(("title", "value_field", "cases"), STATE_CASES)
def test_grafana_shows_each_value_with_its_state_word_in_the_thresholds_colour(
    model, title, value_field, cases
):
    shown = panel(model, title)
    values = list(cases)
    (result,) = frames.transform(
        shown["transformations"], [frames.frame("A", **{value_field: ("number", values)})]
    )
    assert result.columns() == [value_field, clerk.STATE]  # the number, then its duplicate
    numbers = frames.display(field_config(shown, value_field), result.column(value_field))
    words = frames.display(field_config(shown, clerk.STATE), result.column(clerk.STATE))
    assert [text for text, _ in words] == list(cases.values())
    assert [colour for _, colour in words] == [colour for _, colour in numbers]  # the thresholds' colour
    assert [float(text) for text, _ in numbers] == values  # the number itself is not mapped
    assert "mappings" not in shown["fieldConfig"]["defaults"]


def test_the_stuck_words_change_where_the_alert_does(model):
    stuck = field_config(panel(model, "Stuck Sites"), clerk.STATE)
    silent, paging = clerk.STUCK_CRITICAL_ABOVE, clerk.STUCK_CRITICAL_ABOVE + 1  # the alert is "> 10"
    assert [text for text, _ in frames.display(stuck, [silent, paging])] == ["WARNING", "CRITICAL"]
    health = field_config(panel(model, "Health Score"), clerk.STATE)
    warns = round(clerk.HEALTH_DEGRADED_BELOW - 0.1, 1)  # "< 85" warns below
    assert [text for text, _ in frames.display(health, [clerk.HEALTH_DEGRADED_BELOW, warns])] == [
        "DEGRADED",
        "UNHEALTHY",
    ]


# --- row 3: the log tables -----------------------------------------------------------------------


def kept_columns(panel_model: dict) -> list[str]:
    """The columns a log table keeps, in order, under their shown names."""
    keep = transformation(panel_model, "filterFieldsByName")["include"]["names"]
    organize = transformation(panel_model, "organize")
    order = sorted(keep, key=organize["indexByName"].get)
    return [organize["renameByName"].get(name, name) for name in order]


def test_recent_errors_keeps_the_whole_json_line_to_expand(model):
    errors = panel(model, "Recent Errors")
    assert kept_columns(errors) == ["Time", "Subdomain", "Stage", "Message", "Job ID", clerk.LOG_LINE]
    assert transformation(errors, "organize")["renameByName"]["Line"] == clerk.LOG_LINE  # Loki's raw line
    line = override(errors, clerk.LOG_LINE)
    assert line["custom.cellOptions"] == {"type": "json-view"}
    assert line["custom.inspect"] is True  # a click opens the whole line, formatted
    (target,) = errors["targets"]
    assert "line_format" not in target["expr"]  # the Line field stays the original JSON


def test_job_id_column_exists_only_when_a_line_has_one(model):
    """Columns are extracted from the parsed fields present in the result and then picked by name:
    a result without `job_id` has no such field, so Job ID is not shown at all."""
    errors = panel(model, "Recent Errors")
    extract = transformation(errors, "extractFields")
    assert extract["source"] == "labels" and extract["replace"] is False
    assert "job_id" in transformation(errors, "filterFieldsByName")["include"]["names"]
    kinds = [t["id"] for t in errors["transformations"]]
    assert kinds.index("extractFields") < kinds.index("filterFieldsByName")


def test_run_trace_groups_lines_by_run_in_time_order(model):
    trace = panel(model, "Pipeline Run Trace")
    (target,) = trace["targets"]
    assert target["direction"] == "forward"  # oldest line first
    kinds = [t["id"] for t in trace["transformations"]]
    assert kinds[-1] == "sortBy"  # after the columns are renamed; Grafana's sort is stable
    assert transformation(trace, "sortBy")["sort"] == [{"field": "Run", "desc": True}]
    assert not trace.get("options", {}).get("sortBy")  # a table sort would undo the grouping
    assert kept_columns(trace)[:2] == ["Run", "Time"]
    stage = override(trace, "Stage")
    assert stage["custom.cellOptions"]["type"] == "color-background"  # a stage change is a colour change
    (stage_colours,) = stage["mappings"]
    assert {k: v["color"] for k, v in stage_colours["options"].items()} == clerk.STAGE_COLORS


def test_a_run_in_the_trace_opens_that_run(model):
    trace = panel(model, "Pipeline Run Trace")
    (link,) = override(trace, "Run")["links"]
    path, query = follow(link["url"], {"run_id": "2026-01-19T10:00:00/alpha"})
    assert path == f"/d/{clerk.DASHBOARD_UID}"
    assert query["var-run_id"] == ["2026-01-19T10:00:00/alpha"]
    assert query["var-subdomain"] == ["All"]  # the selected sites are kept


def test_run_variable_is_the_run_the_links_set(model):
    (run_id,) = [v for v in model["templating"]["list"] if v["name"] == "run_id"]
    assert run_id["type"] == "textbox"
    assert run_id["query"] == run_id["current"]["value"] == clerk.ALL
    for title in ("Log Search", "Pipeline Run Trace"):
        (target,) = panel(model, title)["targets"]
        assert 'run_id=~"$run_id"' in target["expr"]
    derived = {f.name: f.url for f in clerk.build(pack_context()).loki_derived_fields}
    assert derived["run_id"] == f"/d/{clerk.DASHBOARD_UID}?var-run_id=${{__value.raw}}"


# --- the log tables through Grafana's own transformations (@grafana/data 11.6) -------------------


def log_frame(rows: list[dict[str, str]]) -> dict:
    """A Loki log frame after `extractFields` (labels -> one column per parsed field present in any
    row, in order of first appearance; that transformation is in Grafana's app, not in
    @grafana/data): Time, Line, then the fields."""
    keys = list(dict.fromkeys(k for row in rows for k in row if k not in ("Time", "Line")))
    columns = {
        "Time": ("time", [row["Time"] for row in rows]),
        "Line": ("string", [row["Line"] for row in rows]),
    }
    columns |= {key: ("string", [row.get(key) for row in rows]) for key in keys}
    return frames.frame("A", **columns)


def after_extract(panel_model: dict) -> list[dict]:
    kinds = [t["id"] for t in panel_model["transformations"]]
    assert kinds[0] == "extractFields"
    return panel_model["transformations"][1:]


def error_line(t: int, **fields: str) -> dict:
    return {"Time": t, "Line": json.dumps({"level": "error", **fields}), **fields, "level": "error"}


def test_grafana_keeps_the_error_columns_and_the_json_line(model):
    errors = panel(model, "Recent Errors")
    rows = [
        error_line(1_000, subdomain="alpha.civic.band", stage="ocr", message="tesseract died", job_id="j-1"),
        error_line(2_000, subdomain="beta.civic.band", stage="deploy", message="S3 timeout"),
    ]
    (result,) = frames.transform(after_extract(errors), [log_frame(rows)])
    assert result.columns() == ["Time", "Subdomain", "Stage", "Message", "Job ID", clerk.LOG_LINE]
    assert json.loads(result.column(clerk.LOG_LINE)[0])["job_id"] == "j-1"
    # No line with a job id: no Job ID column at all.
    (without,) = frames.transform(after_extract(errors), [log_frame(rows[1:])])
    assert without.columns() == ["Time", "Subdomain", "Stage", "Message", clerk.LOG_LINE]


def test_grafana_groups_the_trace_by_run_in_time_order(model):
    trace = panel(model, "Pipeline Run Trace")
    # Two runs interleaved in time, as Loki returns them (forward: oldest first).
    lines = [
        (1, "run-a", "fetch"),
        (2, "run-b", "fetch"),
        (3, "run-a", "ocr"),
        (4, "run-b", "ocr"),
        (5, "run-a", "ocr"),
        (6, "run-a", "compilation"),
        (7, "run-b", "compilation"),
    ]
    rows = [
        {
            "Time": t,
            "Line": "{}",
            "subdomain": "alpha.civic.band",
            "run_id": run,
            "stage": stage,
            "message": f"m{t}",
        }
        for t, run, stage in lines
    ]
    (result,) = frames.transform(after_extract(trace), [log_frame(rows)])
    assert result.columns() == ["Run", "Time", "Stage", "Message"]
    assert list(zip(result.column("Run"), result.column("Time"), result.column("Stage"), strict=True)) == [
        ("run-b", 2, "fetch"),
        ("run-b", 4, "ocr"),
        ("run-b", 7, "compilation"),
        ("run-a", 1, "fetch"),
        ("run-a", 3, "ocr"),
        ("run-a", 5, "ocr"),
        ("run-a", 6, "compilation"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        '{"level": "info", "subdomain": "alpha.civic.band", "run_id": "r-42", "stage": "ocr"}',  # raw JSON
        '[info] ocr: Spawned 12 OCR jobs subdomain="alpha.civic.band" run_id="r-42"',  # Log Search's format
    ],
)
def test_log_lines_link_to_their_run_and_site(line):
    """The derived fields still find the values the Run and Subdomain variables take (the regexes
    use only constructs JavaScript reads the same way: \\b, \\s, classes)."""
    fields = {f.name: f for f in clerk.build(pack_context()).loki_derived_fields}
    found = {name: re.search(f.matcher_regex, line).group(1) for name, f in fields.items()}
    assert found == {"run_id": "r-42", "subdomain": "alpha.civic.band"}
