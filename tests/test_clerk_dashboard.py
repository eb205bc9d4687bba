"""The Clerk dashboard's model: what an on-call engineer clicks and reads, as Grafana would show it.

The SQL behind these panels is proven on PostgreSQL in tests/test_clerk_sql.py; here the model
itself: the links a row opens, the state words a value shows, the columns a log table keeps.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest

from dashboards import clerk
from model.panels import panels
from tests.contexts import pack_context


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
    assert override(listed, "idle_for")["unit"] == "dtdurations"  # seconds as "1 day, 6 hours"


def test_stuck_site_list_sits_under_the_stat_it_explains(model):
    by_title = {p["title"]: p for p in panels(model)}
    stat, listed = by_title["Stuck Sites"], by_title["Stuck Site List"]
    assert listed["gridPos"]["y"] > stat["gridPos"]["y"]
    rows = [p for p in panels(model) if p["type"] == "row"]
    assert rows[0]["title"] == "At-a-glance health"
    assert rows[0]["gridPos"]["y"] < listed["gridPos"]["y"] < rows[1]["gridPos"]["y"]


# --- state words: the layout's HEALTHY / WARNING / CRITICAL, DEGRADED, ... in their colours ---------


def mapped(mappings: list[dict], value: float) -> tuple[str, str] | None:
    """Grafana's range mapping: the first whose from <= value <= to (a missing bound is open)."""
    for mapping in sorted(mappings, key=lambda m: m["options"]["result"]["index"]):
        assert mapping["type"] == "range"
        low, high = mapping["options"].get("from"), mapping["options"].get("to")
        if (low is None or value >= low) and (high is None or value <= high):
            result = mapping["options"]["result"]
            return result["text"], result["color"]
    return None


def threshold_colour(panel_model: dict, value: float) -> str:
    steps = panel_model["fieldConfig"]["defaults"]["thresholds"]["steps"]
    return [s["color"] for s in steps if s["value"] is None or value >= s["value"]][-1]


@pytest.mark.parametrize(
    ("title", "value_field", "cases"),
    [
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
    ],
)
def test_health_panels_show_the_state_word_beside_the_number(model, title, value_field, cases):
    shown = panel(model, title)
    # The number is shown twice: as itself (no mapping) and as the State field, which maps to words.
    duplicate = transformation(shown, "calculateField")
    assert duplicate == {
        "mode": "reduceRow",
        "reduce": {"reducer": "sum", "include": [value_field]},
        "alias": clerk.STATE,
    }
    assert override(shown, value_field) == {"mappings": []}
    mappings = shown["fieldConfig"]["defaults"]["mappings"]
    for value, word in cases.items():
        # the word, in the colour the thresholds give the number at the same value
        assert mapped(mappings, value) == (word, threshold_colour(shown, value)), value


def test_the_stuck_words_change_where_the_alert_does(model):
    mappings = panel(model, "Stuck Sites")["fieldConfig"]["defaults"]["mappings"]
    assert mapped(mappings, clerk.STUCK_CRITICAL_ABOVE)[0] == "WARNING"  # the alert's "> 10" is silent
    assert mapped(mappings, clerk.STUCK_CRITICAL_ABOVE + 1)[0] == "CRITICAL"
    health = panel(model, "Health Score")["fieldConfig"]["defaults"]["mappings"]
    assert mapped(health, clerk.HEALTH_DEGRADED_BELOW)[0] == "DEGRADED"  # "< 85" warns below
    assert mapped(health, clerk.HEALTH_DEGRADED_BELOW - 0.1)[0] == "UNHEALTHY"


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
