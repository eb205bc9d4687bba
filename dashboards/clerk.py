"""Clerk pipeline (civic sites): the "Clerk Pipeline" dashboard, its three alerts and their routing.

Source: seeds/000 (Clerk pipeline monitoring design). Decisions where the seed is wrong about
Grafana or leaves a choice open:

- Time: SQL uses the PostgreSQL data source's macros (`$__timeFilter(col)`, `$__timeTo()`,
  `$__timeGroupAlias(col, 1h)`) instead of `NOW() - INTERVAL '$__range'`. `$__range` is not a SQL
  macro, and NOW()-based windows ignore the picked end time, so a range in the past showed the
  wrong rows. "Stuck" is measured against the end of the range (`$__timeTo()`).
- Stuck: one definition (`STUCK`) for the Stuck Sites stat, the list of stuck sites and the alert
  `clerk_stuck_sites_critical`: not completed (`<>` also drops sites that never started, NULL
  stage) and idle for more than `STUCK_AFTER` before the end of the range, however long ago it
  stalled. The panel has no lower bound either, so it shows what pages: with the seed's
  "updated inside the range" a site stuck for 30 h read 0 (green) on the default 24 h view while
  the alert paged for it. The cut-off is computed on the literal
  (`updated_at < $__timeTo()::timestamptz - INTERVAL ...`), never on the column, so the partial
  index reads the stuck entries only. For a `timestamp` (without time zone) column PostgreSQL reads
  the column in the session's time zone, which Grafana expects to be UTC (tested with both types).
- Time picker: default the last 24 hours; Grafana's own quick ranges already offer the seed's
  1 h, 6 h, 24 h, 7 d and a custom range, so none are configured.
- Refresh: Grafana has one refresh per dashboard, not one per panel; 1m, the seed's fastest
  metric panel and the alert evaluation interval. The Loki panels are on-demand in the seed;
  live tail in Explore covers that.
- Variables: `subdomain` filters every panel (seed: "used in all panels"); `stage` filters rows 2-3
  where it means something (failure rate, time in stage, logs); completions are always stage
  "completed", so that panel ignores it. Both have the custom all value `.*`: without one Grafana
  sends All as every option (36k quoted subdomains per panel at 10^6 sites, a 36k-way regex in
  Loki). SQL reads the selection through `${var:regex}` (see `selected`), so All is no condition
  at all, and Loki's `=~` takes the same `.*`, which also keeps log lines that lack the field.
  The `subdomain` dropdown lists the seed's variable query, the sites updated in the range (so a
  completed site's run can be traced), and every site stuck at the range's end (so each site the
  Stuck Sites stat counts can be picked); two index-only scans joined by UNION ALL (Grafana
  removes duplicate options and sorts them). It refreshes on time range change, which includes dashboard load.
- Run (`run_id`): the seed's `label_values({job="clerk", subdomain=~"$subdomain"}, run_id)` lists
  nothing: `job` is the only stream label, `run_id` a field of the JSON line. Grafana 11.6's Loki
  variable editor offers label names and label values only (LokiVariableQueryType), both answered
  by Loki's label API, which accepts a bare stream selector and refuses a pipeline ("only label
  matchers is supported"), so no Loki variable query of 11.6 can list a parsed field, and the
  `sites` table has no run id. The runs are listed where a parsed field can be read: Pipeline Run
  Trace shows every run of the selected sites (with Run at `.*`), grouped by run, and its Run
  column links to this dashboard with `var-run_id` set; log lines link the same way (derived
  fields). The variable is a text box holding that run (`.*`, every run, by default), so a value
  arriving by link or typed is kept (a dropdown with no options falls back to All).
- Series names: the failure-rate query returns one long result (time, metric, value) ordered by
  time; Grafana names each series exactly after the `metric` column, which lets per-stage colour
  overrides match. Completions fill empty hours with NULL, shown as gaps (worker downtime).
- State words: the Stuck Sites stat and the Health Score gauge show the layout's words (HEALTHY,
  WARNING, CRITICAL; HEALTHY, DEGRADED, UNHEALTHY) beside the number, in their threshold colours:
  a value mapping replaces the number it maps, so the value is duplicated as a "State" field
  (calculateField) and only that field maps to words.
- Alerts have no time picker; Grafana expands the same macros over the rule's relative range
  (`lookback`), so alert and panel share one SQL definition and tests pin "now". Rule titles are
  the seed's alert names (`clerk_stuck_sites_critical`, `clerk_health_degraded`,
  `clerk_ocr_failures_high`), what notifications and silences show; the specs keep their names,
  so rule uids are unchanged. Health uses the seed's 24h of started sites, OCR failure rate the
  last hour.
- Loki: every query has a line filter before `| json`, so Loki only parses candidate lines.
  Recent Errors and Run Trace are tables of parsed fields (extracted from the log labels); a
  column exists only when a line of the result has that field, so Job ID is absent when no line
  carries one. Recent Errors keeps the raw line as a JSON-view column (inspect shows it whole, the
  seed's "click row -> expands JSON") and follows the picked range rather than a fixed last hour,
  so a past incident can be read.
- Stuck sites list: the seed's "click stuck sites -> populate subdomain variable" cannot be a click
  on a count; a table lists the stuck sites (subdomain, stage, idle for, last update) and each
  row links to this dashboard with `var-subdomain` set and the same time range.
- Left out, not expressible in Grafana: the trace table cannot compute durations between
  consecutive lines (stage changes show as the Stage column's colour blocks instead).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import barchart, gauge, logs, piechart, stat, table, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models import loki as loki_models
from grafana_foundation_sdk.models import piechart as pie_models

from dashboards.kit.alerts import alert_factory
from dashboards.kit.dashboard import ALL, dashboard, include_all, new_dashboard, with_rows
from dashboards.kit.panels import (
    FULL_WIDTH,
    default_barchart,
    default_gauge,
    default_logs,
    default_piechart,
    default_stat,
    default_table,
    default_timeseries,
    fixed_color,
    table_legend,
    thresholds,
    transform,
)
from dashboards.kit.targets import ds_ref, loki, sql
from model.pack import DerivedField, Pack, PackContext, TeamRoute

TEAM = "clerk"
DASHBOARD_UID = "clerk-pipeline"

# Panel ids are pinned: alert rules link to them, so they never follow layout order.
ROW_HEALTH, PANEL_STUCK, PANEL_HEALTH, PANEL_STAGES = 1, 2, 3, 4
ROW_TRENDS, PANEL_COMPLETIONS, PANEL_FAILURE_RATE, PANEL_TIME_IN_STAGE = 5, 6, 7, 8
ROW_DEBUG, PANEL_ERRORS, PANEL_LOG_SEARCH, PANEL_TRACE = 9, 10, 11, 12
PANEL_STUCK_LIST = 13

# One set of numbers drives panel colours and alert conditions, so they cannot drift apart.
STUCK_AFTER_HOURS = 2  # idle time after which an unfinished site counts as stuck
STUCK_AFTER = f"{STUCK_AFTER_HOURS} hours"
STUCK_WARNING_FROM = 5  # stat turns yellow
STUCK_CRITICAL_ABOVE = 10  # page; stat red from the next whole site
HEALTH_DEGRADED_BELOW = 85.0  # percent; warn, gauge red below
HEALTH_HEALTHY_FROM = 95.0  # percent; gauge green
# The layout's state words, one per colour step of the two panels (lower bound, word, colour).
STUCK_STATES = (
    (None, "HEALTHY", "green"),
    (STUCK_WARNING_FROM, "WARNING", "yellow"),
    (STUCK_CRITICAL_ABOVE + 1, "CRITICAL", "red"),
)
HEALTH_STATES = (
    (None, "UNHEALTHY", "red"),
    (HEALTH_DEGRADED_BELOW, "DEGRADED", "yellow"),
    (HEALTH_HEALTHY_FROM, "HEALTHY", "green"),
)
OCR_FAILURE_ABOVE = 20.0  # percent of OCR jobs failed in the last hour

STAGES = ("fetch", "ocr", "compilation", "extraction", "deploy", "completed")
# Stages with atomic job counters (<stage>_total / <stage>_failed columns).
COUNTED_STAGES = ("ocr", "compilation", "extraction", "deploy")
# The same colour for a stage in every panel.
STAGE_COLORS = {
    "fetch": "blue",
    "ocr": "purple",
    "compilation": "orange",
    "extraction": "yellow",
    "deploy": "light-blue",
    "completed": "green",
}


def selected(column: str, variable: str) -> str:
    """`column` holds one of the variable's selected values; true without a condition for All.

    Grafana inserts a custom all value as written whatever the format, so All arrives as `.*`, the
    planner folds `'.*' = '.*'` to true and drops the test. A selection arrives regex-escaped, e.g.
    `(a\\.b|c)`, and is matched anchored. The value sits in a `$$...$$` string: the regex format
    escapes every `$`, so no value can close the string early and add SQL; `'` needs no escaping.
    """
    value = f"$$${{{variable}:regex}}$$"
    return f"({value} = '{ALL}' OR {column} ~ ('^(' || {value} || ')$'))"


IN_SUBDOMAIN = selected("subdomain", "subdomain")
IN_RANGE = "$__timeFilter(updated_at)"
UNFINISHED = "current_stage <> 'completed'"
# The moment before which an unfinished site's last update makes it stuck: a constant, so the bare
# column meets it and the partial index on unfinished sites reads the stuck entries only.
STUCK_CUTOFF = f"$__timeTo()::timestamptz - INTERVAL '{STUCK_AFTER}'"
# The one definition of a stuck site: the stat, the list and the alert all read it.
STUCK = f"{UNFINISHED}\n  AND updated_at < {STUCK_CUTOFF}"

# Loki: a line filter first, then the parser; variables match parsed fields as regexes.
LOGS = '{job="clerk"}'
LOG_ERRORS = (
    LOGS + ' |~ `"level":\\s*"(error|warning)"` | json | level=~"error|warning"'
    ' | subdomain=~"$subdomain" | stage=~"$stage"'
)
# The formatted line keeps subdomain="..." and run_id="..." so the derived fields below match it.
LOG_SEARCH = (
    LOGS + ' |= "subdomain" | json | subdomain=~"$subdomain" | stage=~"$stage" | run_id=~"$run_id"'
    ' | line_format `[{{.level}}] {{.stage}}: {{.message}} subdomain="{{.subdomain}}" run_id="{{.run_id}}"`'
)
LOG_TRACE = LOGS + ' |= "run_id" | json | subdomain=~"$subdomain" | run_id=~"$run_id" | stage != ""'


def _derived_field(name: str) -> DerivedField:
    """A click on a log line's value filters this dashboard to it.

    The regex reads both the raw JSON line (`"run_id": "x"`, in Explore) and the Log Search format
    (`run_id="x"`); the seed's `run_id="([^"]+)"` matched neither JSON nor a parsed line.
    """
    return DerivedField(
        name=name,
        matcher_regex=rf'\b{name}"?\s*[=:]\s*"([^"]+)"',
        url=f"/d/{DASHBOARD_UID}?var-{name}=${{__value.raw}}",
    )


def _where(head: str, *conditions: str) -> str:
    return head + "\nWHERE " + "\n  AND ".join(conditions)


def _failure_rate(total: str, failed: str) -> str:
    return f"ROUND(100.0 * SUM({failed}) / NULLIF(SUM({total}), 0), 1)"


def stuck_sql(*filters: str) -> str:
    """How many sites are stuck at the end of the time range (`filters`: the panel's selection)."""
    return _where("SELECT COUNT(*) AS stuck_count\nFROM sites", STUCK, *filters)


# The stuck sites themselves, longest idle first: what the count counts, one row per site.
STUCK_SITES_LIMIT = 500
STUCK_SITES_SQL = (
    _where(
        "SELECT subdomain, current_stage AS stage,\n"
        "       date_part('epoch', $__timeTo()::timestamptz - updated_at) AS idle_for,\n"
        "       updated_at AS last_update\n"
        "FROM sites",
        STUCK,
        IN_SUBDOMAIN,
    )
    + f"\nORDER BY updated_at, subdomain\nLIMIT {STUCK_SITES_LIMIT}"
)


def health_sql(*filters: str) -> str:
    """Percent of sites started in the range that are completed or still moving."""
    head = (
        "SELECT ROUND(100.0 * COUNT(*) FILTER (\n"
        "    WHERE current_stage = 'completed'\n"
        f"       OR updated_at >= {STUCK_CUTOFF}\n"
        ") / NULLIF(COUNT(*), 0), 1) AS health_score\n"
        "FROM sites"
    )
    return _where(head, "current_stage IS NOT NULL", "$__timeFilter(started_at)", *filters)


STAGES_SQL = (
    _where(
        "SELECT current_stage AS stage, COUNT(*) AS sites\nFROM sites",
        "current_stage IS NOT NULL",
        IN_RANGE,
        IN_SUBDOMAIN,
    )
    + "\nGROUP BY current_stage\nORDER BY sites DESC, stage"
)

# Hourly buckets are summed first with date_bin on the epoch (hashed as timestamps; PostgreSQL 14+),
# which are the macro's own buckets in every session time zone, and the macro then formats ~25 rows
# instead of computing its numeric floor(extract(epoch ...)) for every site and sorting on it.
_HOUR = "date_bin('1 hour', updated_at, '1970-01-01 00:00:00+00') AS hour"

COMPLETIONS_SQL = (
    "SELECT $__timeGroupAlias(hour, 1h, NULL), SUM(sites) AS completions\nFROM (\n    "
    + _where(
        f"SELECT {_HOUR}, COUNT(*) AS sites\nFROM sites",
        "current_stage = 'completed'",
        IN_RANGE,
        IN_SUBDOMAIN,
    ).replace("\n", "\n    ")
    + "\n    GROUP BY 1\n) AS h\nGROUP BY 1\nORDER BY 1"
)

# Per hour: the eight counters summed over the hour's sites, then unpivoted to one row per stage
# (a site with no jobs in a stage adds zero to both sums, so this equals per-site unpivoting).
_SUMS = ",\n".join(
    f"       SUM({s}_total) AS {s}_total, SUM({s}_failed) AS {s}_failed" for s in COUNTED_STAGES
)
_COUNTERS = ",\n".join(f"    ('{s}', h.{s}_total, h.{s}_failed)" for s in COUNTED_STAGES)
FAILURE_RATE_SQL = (
    "SELECT $__timeGroupAlias(h.hour, 1h), c.stage AS metric,\n"
    "       ROUND(100.0 * c.failed / NULLIF(c.total, 0), 1) AS failure_rate\nFROM (\n    "
    + _where(f"SELECT {_HOUR},\n{_SUMS}\nFROM sites", IN_RANGE, IN_SUBDOMAIN).replace("\n", "\n    ")
    + "\n    GROUP BY 1\n) AS h\n"
    + _where(
        f"CROSS JOIN LATERAL (VALUES\n{_COUNTERS}\n) AS c(stage, total, failed)",
        "c.total > 0",
        selected("c.stage", "stage"),
    )
    + "\nORDER BY 1, 2"
)

# date_part gives double precision seconds: EXTRACT returns numeric since PostgreSQL 14, and
# averaging 36k numerics costs more than the rest of the query.
TIME_IN_STAGE_SQL = (
    _where(
        "SELECT current_stage AS stage,\n"
        "       AVG(date_part('epoch', updated_at - started_at)) / 3600 AS avg_hours\n"
        "FROM sites",
        "started_at IS NOT NULL",
        "current_stage IS NOT NULL",
        selected("current_stage", "stage"),
        IN_RANGE,
        IN_SUBDOMAIN,
    )
    + "\nGROUP BY current_stage\nORDER BY avg_hours DESC, stage"
)

# The seed's dropdown (sites updated in the range) and every site stuck at the range's end, which
# the Stuck Sites stat counts however long ago it stalled. Each part is an index-only scan given the
# indexes it needs: `sites (updated_at) INCLUDE (subdomain)` and the partial
# `sites (updated_at) INCLUDE (subdomain) WHERE current_stage <> 'completed'`. Grafana removes
# duplicate options and sorts them itself (metricNamesToVariableValues), so neither DISTINCT nor
# ORDER BY is spent on 36k rows here:
# UNION ALL costs 6 ms in PostgreSQL at 10^6 rows, UNION 29 ms, the seed's DISTINCT ... ORDER BY 69.
SUBDOMAINS_SQL = (
    _where("SELECT subdomain\nFROM sites", IN_RANGE)
    + "\nUNION ALL\n"
    + _where("SELECT subdomain\nFROM sites", STUCK)
)

OCR_FAILURE_SQL = _where(
    f"SELECT {_failure_rate('ocr_total', 'ocr_failed')} AS failure_rate\nFROM sites", IN_RANGE
)


def _stage_overrides(panel, stages=STAGES):
    """Fixed colour per stage, matched by series or row name."""
    for stage in stages:
        panel = panel.override_by_name(stage, [fixed_color(STAGE_COLORS[stage])])
    return panel


def _stage_mapping() -> dm.ValueMap:
    return dm.ValueMap(
        options={s: dm.ValueMappingResult(color=c, index=i) for i, (s, c) in enumerate(STAGE_COLORS.items())}
    )


def state_mappings(states, resolution: float) -> list[dict]:
    """The layout's state words as range mappings, one per colour step.

    `states` are (lower bound or None, word, colour) in ascending order; each range ends one
    `resolution` (the value's precision) below the next step, so no value matches two words. An
    open end is left out, not null: @grafana/schema documents a null bound as infinite, but Grafana
    11.6 compares it as 0 (`isNaN(null)` is false in getValueMappingResult), so `to: null` would
    never match (tests/test_clerk_dashboard.py runs Grafana's own code on these).
    """
    mappings = []
    for i, (lower, word, color) in enumerate(states):
        upper = states[i + 1][0] - resolution if i + 1 < len(states) else None
        bounds = {k: v for k, v in (("from", lower), ("to", upper)) if v is not None}
        mappings.append(
            {"type": "range", "options": {**bounds, "result": {"text": word, "color": color, "index": i}}}
        )
    return mappings


STATE = "State"  # the duplicated value field the state words are shown for


def with_state(panel, value_field: str, states, resolution: float):
    """`value_field` shown twice: as the number, and as its state word (both in the step's colour)."""
    return panel.with_transformation(
        transform(
            "calculateField",
            {"mode": "reduceRow", "reduce": {"reducer": "sum", "include": [value_field]}, "alias": STATE},
        )
    ).override_by_name(
        STATE, [dm.DynamicConfigValue(id_val="mappings", value=state_mappings(states, resolution))]
    )


def _log_table(fields: dict[str, str]) -> list[dm.DataTransformerConfig]:
    """Columns from parsed log fields: `| json` puts them in the labels of each line."""
    return [
        transform("extractFields", {"source": "labels", "format": "auto", "replace": False}),
        transform("filterFieldsByName", {"include": {"names": list(fields)}}),
        transform(
            "organize",
            {
                "indexByName": {name: i for i, name in enumerate(fields)},
                "renameByName": fields,
            },
        ),
    ]


# --- At-a-glance health ---
def _stuck_thresholds() -> dash.ThresholdsConfig:
    return thresholds(STUCK_STATES[0][2], [(lower, color) for lower, _, color in STUCK_STATES[1:]])


def stuck_sites(ctx: PackContext) -> stat.Panel:
    panel = (
        default_stat(
            PANEL_STUCK,
            "Stuck Sites",
            f"Unfinished sites idle for more than {STUCK_AFTER} at the end of the time range, however "
            f"long ago they stalled: the count the alert pages on above {STUCK_CRITICAL_ABOVE}. "
            "Stuck Site List below names them.",
        )
        .with_target(sql(ctx, stuck_sql(IN_SUBDOMAIN)))
        .unit("none")
        .decimals(0)
        .thresholds(_stuck_thresholds())
        .color_mode(cm.BigValueColorMode.BACKGROUND)
        .graph_mode(cm.BigValueGraphMode.NONE)
        .orientation(cm.VizOrientation.HORIZONTAL)
    )
    return with_state(panel, "stuck_count", STUCK_STATES, resolution=1)


def stuck_site_list(ctx: PackContext) -> table.Panel:
    return (
        default_table(
            PANEL_STUCK_LIST,
            "Stuck Site List",
            "The sites Stuck Sites counts, longest idle first. Click a row to filter the dashboard to "
            "that site (runbook step 2), then read Recent Errors.",
            span=FULL_WIDTH,
            height=8,
        )
        .with_target(sql(ctx, STUCK_SITES_SQL))
        .data_links(
            [
                dash.DashboardLink("Filter the dashboard to this site").url(
                    f"/d/{DASHBOARD_UID}?${{__url_time_range}}"
                    "&var-subdomain=${__data.fields.subdomain:percentencode}"
                )
            ]
        )
        .override_by_name("subdomain", [_display_name("Subdomain")])
        .override_by_name(
            "stage",
            [
                _display_name("Stage"),
                dm.DynamicConfigValue(id_val="mappings", value=[_stage_mapping()]),
                dm.DynamicConfigValue(id_val="custom.cellOptions", value=cm.TableColorTextCellOptions()),
            ],
        )
        .override_by_name(
            "idle_for",
            [
                _display_name("Idle for"),
                dm.DynamicConfigValue(id_val="unit", value="dtdurations"),
                dm.DynamicConfigValue(id_val="decimals", value=1),  # two units: "1 day, 6 hours"
            ],
        )
        .override_by_name(
            "last_update",
            [_display_name("Last update"), dm.DynamicConfigValue(id_val="unit", value="dateTimeAsIso")],
        )
    )


def _display_name(name: str) -> dm.DynamicConfigValue:
    return dm.DynamicConfigValue(id_val="displayName", value=name)


def health_score(ctx: PackContext) -> gauge.Panel:
    panel = (
        default_gauge(
            PANEL_HEALTH,
            "Health Score",
            "Percent of sites started in the time range that are completed or updated within "
            f"{STUCK_AFTER} of its end. Warns below {HEALTH_DEGRADED_BELOW:g}%.",
        )
        .with_target(sql(ctx, health_sql(IN_SUBDOMAIN)))
        .unit("percent")
        .decimals(1)
        .max(100)
        .thresholds(
            thresholds(HEALTH_STATES[0][2], [(lower, color) for lower, _, color in HEALTH_STATES[1:]])
        )
    )
    return with_state(panel, "health_score", HEALTH_STATES, resolution=0.1)


def stage_distribution(ctx: PackContext) -> piechart.Panel:
    return _stage_overrides(
        default_piechart(
            PANEL_STAGES,
            "Stage Distribution",
            "Sites by current stage, last updated in the time range. A large wedge is the bottleneck; "
            "click a slice to filter the dashboard to that stage.",
        )
        .with_target(sql(ctx, STAGES_SQL))
        .unit("none")
        .reduce_options(common_builders.ReduceDataOptions().values(True).calcs([]).fields("/^sites$/"))
        .display_labels([pie_models.PieChartLabels.PERCENT])
        .legend(
            piechart.PieChartLegendOptions()
            .show_legend(True)
            .display_mode(cm.LegendDisplayMode.TABLE)
            .placement(cm.LegendPlacement.RIGHT)
            .values([pie_models.PieChartLegendValues.VALUE, pie_models.PieChartLegendValues.PERCENT])
        )
        .data_links(
            [
                dash.DashboardLink("Filter the dashboard to this stage").url(
                    f"/d/{DASHBOARD_UID}?${{__url_time_range}}&${{subdomain:queryparam}}"
                    "&var-stage=${__data.fields.stage}"
                )
            ]
        )
    )


# --- Trends ---
def completions_per_hour(ctx: PackContext) -> timeseries.Panel:
    return (
        default_timeseries(
            PANEL_COMPLETIONS,
            "Completions per Hour",
            'Sites that reached "completed", by hour of their last update. Gaps are hours '
            "without a completion (worker downtime).",
            span=FULL_WIDTH,
        )
        .with_target(sql(ctx, COMPLETIONS_SQL, fmt="time_series"))
        .unit("none")
        .decimals(0)
        .min(0)
        .axis_label("Completions")
        .fill_opacity(20)
        .line_width(2)
        .span_nulls(False)
    )


def failure_rate_by_stage(ctx: PackContext) -> timeseries.Panel:
    return _stage_overrides(
        default_timeseries(
            PANEL_FAILURE_RATE,
            "Failure Rate by Stage",
            "Failed jobs as a percent of all jobs per stage, by hour of the sites' last update. "
            f"OCR above {OCR_FAILURE_ABOVE:g}% over the last hour alerts.",
            span=FULL_WIDTH,
        )
        .with_target(sql(ctx, FAILURE_RATE_SQL, fmt="time_series"))
        .unit("percent")
        .min(0)
        .max(100)
        .line_width(2)
        .legend(table_legend(cm.LegendPlacement.BOTTOM, ["min", "max", "mean"])),
        COUNTED_STAGES,
    )


def avg_time_in_stage(ctx: PackContext) -> barchart.Panel:
    return (
        default_barchart(
            PANEL_TIME_IN_STAGE,
            "Avg Time in Stage",
            "Average hours from start to last update of the sites now in each stage. "
            "Spot slowdowns (OCR normally takes about 2 h).",
        )
        .with_target(sql(ctx, TIME_IN_STAGE_SQL))
        .unit("h")
        .decimals(1)
        .orientation(cm.VizOrientation.HORIZONTAL)
        .x_field("stage")
        .color_by_field("stage")
        .override_by_name("stage", [dm.DynamicConfigValue(id_val="mappings", value=[_stage_mapping()])])
        .show_value(cm.VisibilityMode.ALWAYS)
        .axis_label("Hours")
    )


# --- Debugging ---
LOG_LINE = "Log line"  # the raw JSON line of a Loki result (its `Line` field)


def recent_errors(ctx: PackContext) -> table.Panel:
    return (
        default_table(
            PANEL_ERRORS,
            "Recent Errors",
            "The 50 newest error and warning lines of the time range for the selected sites and "
            "stages. Inspect a Log line cell for the whole JSON line.",
            span=FULL_WIDTH,
            height=9,
        )
        .with_target(loki(ctx, LOG_ERRORS, max_lines=50))
        .transformations(
            _log_table(
                {
                    "Time": "Time",
                    "subdomain": "Subdomain",
                    "stage": "Stage",
                    "message": "Message",
                    "job_id": "Job ID",
                    "Line": LOG_LINE,
                }
            )
        )
        .sort_by([common_builders.TableSortByFieldState().display_name("Time").desc(True)])
        .override_by_name(
            LOG_LINE,
            [
                dm.DynamicConfigValue(id_val="custom.cellOptions", value=cm.TableJsonViewCellOptions()),
                dm.DynamicConfigValue(id_val="custom.inspect", value=True),
            ],
        )
    )


def log_search(ctx: PackContext) -> logs.Panel:
    return (
        default_logs(
            PANEL_LOG_SEARCH,
            "Log Search",
            "Every log line of the selected sites, stages and run; expand a line for all its "
            "fields. Use Explore's live tail for real time.",
        )
        .with_target(loki(ctx, LOG_SEARCH))
        .show_time(True)
        .show_labels(True)
        .wrap_log_message(True)
        .dedup_strategy(cm.LogsDedupStrategy.NONE)
        .enable_log_details(True)
        .sort_order(cm.LogsSortOrder.DESCENDING)
    )


def run_trace(ctx: PackContext) -> table.Panel:
    return (
        default_table(
            PANEL_TRACE,
            "Pipeline Run Trace",
            "The runs of the selected sites, each run's lines together and oldest first through fetch, "
            "ocr, compilation, extraction and deploy; a change of colour in Stage is a stage change. "
            "Click a Run to trace that run alone.",
            span=FULL_WIDTH,
            height=10,
        )
        .with_target(loki(ctx, LOG_TRACE).direction(loki_models.LokiQueryDirection.FORWARD))
        .transformations(
            [
                *_log_table(
                    {
                        "run_id": "Run",
                        "Time": "Time",
                        "stage": "Stage",
                        "message": "Message",
                        "job_id": "Job ID",
                    }
                ),
                # Lines arrive oldest first; Grafana's sort is stable, so sorting by run groups each
                # run's lines and keeps them in time order (the transformation sorts by one field).
                transform("sortBy", {"fields": {}, "sort": [{"field": "Run", "desc": True}]}),
            ]
        )
        .show_header(True)
        .override_by_name(
            "Stage",
            [
                dm.DynamicConfigValue(id_val="mappings", value=[_stage_mapping()]),
                dm.DynamicConfigValue(
                    id_val="custom.cellOptions", value=cm.TableColoredBackgroundCellOptions()
                ),
            ],
        )
        .override_by_name(
            "Run",
            [
                dm.DynamicConfigValue(
                    id_val="links",
                    value=[
                        {
                            "title": "Trace this run",
                            "url": f"/d/{DASHBOARD_UID}?${{__url_time_range}}&${{subdomain:queryparam}}"
                            "&var-run_id=${__data.fields.run_id:percentencode}",
                        }
                    ],
                )
            ],
        )
    )


def _variables(ctx: PackContext) -> list:
    subdomain = include_all(
        dash.QueryVariable("subdomain")
        .label("Subdomain")
        .description("Sites updated in the time range and sites stuck at its end; type any other.")
        .datasource(ds_ref(ctx, "postgres"))
        .query(SUBDOMAINS_SQL)
        .allow_custom_value(True)
        .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dm.VariableSort.ALPHABETICAL_ASC)
    )
    stage = include_all(dash.CustomVariable("stage").label("Stage").values(",".join(STAGES)))
    run_id = (
        dash.TextBoxVariable("run_id")
        .label("Run")
        .description(
            "One pipeline run, set by a click on a Run in Pipeline Run Trace or on a log line's run_id; "
            ".* for every run of the selected sites."
        )
        .default_value(ALL)
        .current(dm.VariableOption(selected=True, text=ALL, value=ALL))
    )
    return [subdomain, stage, run_id]


def _dashboard(ctx: PackContext) -> dash.Dashboard:
    builder = new_dashboard(
        "Clerk Pipeline",
        DASHBOARD_UID,
        "Clerk pipeline: health at a glance, trends, and log drill-down per site and run.",
        ["clerk", "pipeline"],
        "now-24h",
    ).variables(_variables(ctx))
    rows = (
        (ROW_HEALTH, "At-a-glance health", (stuck_sites, health_score, stage_distribution, stuck_site_list)),
        (ROW_TRENDS, "Trends", (completions_per_hour, failure_rate_by_stage, avg_time_in_stage)),
        (ROW_DEBUG, "Debugging", (recent_errors, log_search, run_trace)),
    )
    return with_rows(builder, ctx, rows)


alert = alert_factory(
    datasource="postgres",
    every="1m",
    dashboard_uid=DASHBOARD_UID,
    no_data_state="OK",
    no_data_reason=(
        "an aggregate over sites always returns its row; NULL (no site or job in the window) means "
        "nothing to judge, and an unreachable database is an error (exec_err_state), not no data"
    ),
)

ALERTS = (
    alert(
        name="clerk_stuck_sites",
        title="clerk_stuck_sites_critical",
        query=stuck_sql(),
        value_column="stuck_count",
        comparator=">",
        thresholds={"critical": STUCK_CRITICAL_ABOVE},
        for_="15m",
        lookback=f"{STUCK_AFTER_HOURS}h",
        summary="Clerk Pipeline Alert: Stuck Sites Critical",
        description=(
            f"{{{{ $values.B.Value }}}} sites have been stuck for more than {STUCK_AFTER} "
            f"(threshold: {STUCK_CRITICAL_ABOVE}). Stuck Site List names them; click one and read "
            "Recent Errors; if recoverable, run `clerk reconcile-pipeline`."
        ),
        runbook_anchor="stuck-sites",
        panel_id=PANEL_STUCK,
    ),
    alert(
        name="clerk_health_degraded",
        title="clerk_health_degraded",
        query=health_sql(),
        value_column="health_score",
        comparator="<",
        thresholds={"warning": HEALTH_DEGRADED_BELOW},
        for_="10m",
        lookback="24h",
        summary="Clerk Pipeline Alert: Health Degraded",
        description=(
            "Pipeline health score is {{ $values.B.Value }}% "
            f"(threshold: {HEALTH_DEGRADED_BELOW:g}%). Check Stage Distribution for the bottleneck "
            "stage, then its failure rate and logs."
        ),
        runbook_anchor="health-degraded",
        panel_id=PANEL_HEALTH,
    ),
    alert(
        name="clerk_ocr_failures_high",
        title="clerk_ocr_failures_high",
        query=OCR_FAILURE_SQL,
        value_column="failure_rate",
        comparator=">",
        thresholds={"warning": OCR_FAILURE_ABOVE},
        for_="15m",
        every="5m",
        lookback="1h",
        summary="Clerk Pipeline Alert: High OCR Failure Rate",
        description=(
            f"OCR failure rate is {{{{ $values.B.Value }}}}% in the last hour (threshold: "
            f"{OCR_FAILURE_ABOVE:g}%). This may indicate a batch of corrupted PDFs, OCR service "
            "issues or a Tesseract configuration problem."
        ),
        runbook_anchor="ocr-failures-high",
        panel_id=PANEL_FAILURE_RATE,
    ),
)


def build(ctx: PackContext) -> Pack:
    return Pack(
        team=TEAM,
        folder_uid="clerk",
        folder_title="Clerk Pipeline",
        dashboards=(dashboard(_dashboard(ctx)),),
        alerts=ALERTS,
        routes=(
            TeamRoute(
                team=TEAM,
                roles_by_severity={
                    "critical": ("team-channel", "team-pager"),
                    "warning": ("team-channel",),
                },
            ),
        ),
        loki_derived_fields=(_derived_field("run_id"), _derived_field("subdomain")),
        tables=("sites",),  # every SQL panel, variable and alert reads `sites` only
    )
