"""Prisma migration (shadow mode, SQL vs Prisma): the "Prisma Migration" dashboard and its alerts.

Source: seeds/004 (Grafana dashboard configuration for the Prisma migration). Decisions where
the seed is wrong or leaves a choice open:

- Latency regression severities: the seed's table has them inverted (critical at > 20%, warning
  at > 50%), which would page for the smaller regression and only notify for the larger one.
  Built as meant: warning above 20%, critical above 50%. Regression is p95 Prisma latency over
  p95 SQL latency minus one, in percent, per module, over 5m, held for 10m.
- Mismatch rate: shadow mismatches per Prisma query in shadow mode, in percent, per module:
  `shadow_mismatch_total / db_query_total{source="prisma"}`. `shadow_mismatch_total` counts
  mismatching fields, so a query differing in two fields counts twice: the rate is an upper
  bound, which errs towards alerting. Warning above 0.01%, critical above 0.1%, for 5m.
- Error-rate spike (the seed gives no number): Prisma errors per Prisma query above 1% for 5m
  per module is critical. The SQL path runs the same queries, so its error rate, drawn beside
  Prisma's on the same panel, is the baseline a spike is read against.
- Ratios divide by `(... > 0)`: no Prisma traffic means no value, never a division by zero.
- Variables: `$module` lists `label_values(db_query_total, module)`; `$environment` lists the
  `environment` label of the same metric (an external label per Prometheus); both multi-value with
  All as `.*`, so series without the label still match when All is picked.
- Annotations: deployments (blue), incidents (red) and rollbacks (orange) are Grafana annotations
  found by tag (`deployment`, `incident`, `rollback`), as the seed's API example posts them.
- Panels: "Latency Heatmaps" is the Prisma latency distribution (the path under evaluation);
  SQL's p95 is on the comparison panel. "Top Mismatches by Query" ranks queries by their current
  mismatch rate (per minute), "Total DB Queries" is the total over the picked range.
  `shadow_sample_rate` is read as a ratio 0-1 (shown as percent). `migration_progress_total` is a
  gauge (the seed lists it under gauges) despite its `_total` name.
- Folder "Migrations" (uid `migrations`), as the seed's provisioning example names it.
- Routing: critical -> PagerDuty on-call and Slack `#backend-monitoring`; warning -> Slack
  `#backend-monitoring`; info -> e-mail ("Email for info": the `team-email` role, the team's
  on-call list, engineering-oncall@ in the seed) and Slack `#backend-monitoring`.
- Alert names: the seed's table describes its alerts by condition ("Mismatch rate > 0.1%", ...)
  and names none, so rule titles are descriptive, with the severity appended to the variants of
  one spec.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, heatmap, stat, table, timeseries
from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models import prometheus as pm

from dashboards.kit.alerts import ONE_DECIMAL, THREE_DECIMALS, TWO_DECIMALS, alert_factory
from dashboards.kit.dashboard import dashboard, include_all, new_dashboard, tag_annotation, with_panels
from dashboards.kit.panels import (
    default_bargauge,
    default_heatmap,
    default_stat,
    default_table,
    default_timeseries,
    threshold_lines,
    thresholds,
)
from dashboards.kit.promql import RATE_INTERVAL, per_step, quantile, rate_sum, ratio_where_traffic, selector
from dashboards.kit.targets import ds_ref, prom
from model.pack import Pack, PackContext, TeamRoute
from model.scenarios import Counter, Histogram, Linear, Scenario, fixed

TEAM = "prisma"
FOLDER_UID = "migrations"
DASHBOARD_UID = "prisma-migration"

(
    PANEL_MISMATCH,
    PANEL_LATENCY,
    PANEL_ERRORS,
    PANEL_QUERIES,
    PANEL_PROGRESS,
    PANEL_TOP_MISMATCHES,
    PANEL_FLAGS,
    PANEL_HEATMAP,
    PANEL_SAMPLE_RATE,
    PANEL_TOTAL_QUERIES,
    PANEL_MISMATCH_TREND,
) = range(1, 12)

MISMATCH_WARNING_PERCENT = 0.01
MISMATCH_CRITICAL_PERCENT = 0.1
LATENCY_REGRESSION_WARNING_PERCENT = 20.0
LATENCY_REGRESSION_CRITICAL_PERCENT = 50.0
PRISMA_ERROR_CRITICAL_PERCENT = 1.0

DASH_FILTER = 'module=~"$module", environment=~"$environment"'


# --- PromQL, shared by panels (RATE_INTERVAL, dashboard filter) and alerts (literal windows) ---
def _sel(metric: str, extra: str = "", dashboard_filter: bool = True) -> str:
    return selector(metric, extra, DASH_FILTER if dashboard_filter else "")


def _per_query_percent(counter: str, source: str, window: str, by: str, dashboard_filter: bool) -> str:
    counted = rate_sum(_sel(counter, "", dashboard_filter), window, by=(by,))
    queries = rate_sum(_sel("db_query_total", f'source="{source}"', dashboard_filter), window, by=(by,))
    return ratio_where_traffic(f"100 * {counted}", queries)


def mismatch_percent(window: str, by: str = "module", dashboard_filter: bool = True) -> str:
    return _per_query_percent("shadow_mismatch_total", "prisma", window, by, dashboard_filter)


def p95(metric: str, window: str, dashboard_filter: bool = True) -> str:
    return quantile(0.95, _sel(metric + "_bucket", "", dashboard_filter), window, by=("module",))


def latency_regression_percent(window: str, dashboard_filter: bool = True) -> str:
    prisma = p95("db_prisma_latency_ms", window, dashboard_filter=dashboard_filter)
    sql = p95("db_sql_latency_ms", window, dashboard_filter=dashboard_filter)
    return f"100 * (\n  {prisma}\n/\n  ({sql} > 0)\n- 1)"


def error_percent(source: str, window: str, dashboard_filter: bool = True) -> str:
    return _per_query_percent(f"db_{source}_errors_total", source, window, "module", dashboard_filter)


MISMATCH_STEPS = thresholds(
    "transparent", [(MISMATCH_WARNING_PERCENT, "yellow"), (MISMATCH_CRITICAL_PERCENT, "red")]
)


def _over_time(panel_id: int, title: str, description: str, unit: str, span: int = 12) -> timeseries.Panel:
    return default_timeseries(panel_id, title, description, span).unit(unit).line_width(2)


# --- Panels, in the dashboard's order ---
def mismatch_rate(ctx: PackContext) -> timeseries.Panel:
    return (
        _over_time(
            PANEL_MISMATCH,
            "Shadow Mode Mismatch Rate",
            "Mismatching fields per Prisma shadow query, percent, by module. Warns above "
            f"{MISMATCH_WARNING_PERCENT:g}%, critical above {MISMATCH_CRITICAL_PERCENT:g}% "
            "(consider rollback).",
            "percent",
        )
        .with_target(prom(ctx, mismatch_percent(RATE_INTERVAL), "{{module}}"))
        .min(0)
        .thresholds(MISMATCH_STEPS)
        .thresholds_style(threshold_lines("dashed"))
    )


def latency_comparison(ctx: PackContext) -> timeseries.Panel:
    return (
        _over_time(
            PANEL_LATENCY,
            "SQL vs Prisma Latency Comparison",
            "p95 latency of the SQL and Prisma paths per module (ms, left axis) and Prisma's regression "
            "over SQL (percent, right axis). Regression warns above "
            f"{LATENCY_REGRESSION_WARNING_PERCENT:g}%, "
            f"critical above {LATENCY_REGRESSION_CRITICAL_PERCENT:g}%.",
            "ms",
        )
        .with_target(prom(ctx, p95("db_sql_latency_ms", RATE_INTERVAL), "SQL p95 {{module}}", "A"))
        .with_target(prom(ctx, p95("db_prisma_latency_ms", RATE_INTERVAL), "Prisma p95 {{module}}", "B"))
        .with_target(prom(ctx, latency_regression_percent(RATE_INTERVAL), "regression % {{module}}", "C"))
        .override_by_query(
            "C",
            [
                dm.DynamicConfigValue(id_val="unit", value="percent"),
                dm.DynamicConfigValue(id_val="custom.axisPlacement", value="right"),
                dm.DynamicConfigValue(id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]}),
            ],
        )
    )


def error_rate_by_source(ctx: PackContext) -> timeseries.Panel:
    return (
        _over_time(
            PANEL_ERRORS,
            "Error Rate by Source",
            "Errors per query of each path, percent, by module. SQL is the baseline; Prisma above "
            f"{PRISMA_ERROR_CRITICAL_PERCENT:g}% pages.",
            "percent",
        )
        .with_target(prom(ctx, error_percent("sql", RATE_INTERVAL), "SQL {{module}}", "A"))
        .with_target(prom(ctx, error_percent("prisma", RATE_INTERVAL), "Prisma {{module}}", "B"))
        .min(0)
        .thresholds(thresholds("transparent", [(PRISMA_ERROR_CRITICAL_PERCENT, "red")]))
        .thresholds_style(threshold_lines("dashed"))
    )


def query_count(ctx: PackContext) -> timeseries.Panel:
    return (
        _over_time(
            PANEL_QUERIES, "Query Count by Source", "Queries per second by source (sql, prisma).", "ops"
        )
        .with_target(prom(ctx, rate_sum(_sel("db_query_total"), by=("source",)), "{{source}}"))
        .min(0)
    )


def migration_progress(ctx: PackContext) -> bargauge.Panel:
    return (
        default_bargauge(
            PANEL_PROGRESS,
            "Migration Progress by Module",
            "Queries per module and migration status (migration_progress_total gauge).",
        )
        .with_target(
            prom(
                ctx,
                'sum by (module, status) (migration_progress_total{module=~"$module"})',
                "{{module}} {{status}}",
            )
        )
        .unit("none")
        .orientation(cm.VizOrientation.HORIZONTAL)
        .display_mode(cm.BarGaugeDisplayMode.GRADIENT)
        .thresholds(thresholds("blue"))
    )


def top_mismatches(ctx: PackContext) -> table.Panel:
    return (
        default_table(
            PANEL_TOP_MISMATCHES,
            "Top Mismatches by Query",
            "The ten queries with the most mismatching fields per minute now, by module and query.",
        )
        .with_target(
            prom(
                ctx,
                f"topk(10, {rate_sum(_sel('shadow_mismatch_total'), by=('module', 'queryName'))} * 60)",
                "{{module}} {{queryName}}",
            )
            .instant()
            .format(pm.PromQueryFormat.TABLE)
        )
        .unit("none")
    )


def feature_flags(ctx: PackContext) -> stat.Panel:
    return (
        default_stat(
            PANEL_FLAGS,
            "Feature Flag Status",
            "Which Prisma module flags are enabled (feature_flag_enabled).",
            height=8,
        )
        .with_target(prom(ctx, "max by (flag) (feature_flag_enabled)", "{{flag}}"))
        .unit("none")
        .mappings(
            [
                dm.ValueMap(
                    options={
                        "0": dm.ValueMappingResult(text="Disabled", color="text", index=0),
                        "1": dm.ValueMappingResult(text="Enabled", color="green", index=1),
                    }
                )
            ]
        )
        .thresholds(thresholds("text"))
        .color_mode(cm.BigValueColorMode.BACKGROUND)
        .graph_mode(cm.BigValueGraphMode.NONE)
    )


def latency_heatmap(ctx: PackContext) -> heatmap.Panel:
    return (
        default_heatmap(
            PANEL_HEATMAP,
            "Latency Heatmaps",
            "Distribution of Prisma query latency (histogram buckets) over time.",
            span=16,
        )
        .with_target(
            prom(ctx, rate_sum(_sel("db_prisma_latency_ms_bucket"), by=("le",)), "{{le}}").format(
                pm.PromQueryFormat.HEATMAP
            )
        )
        .calculate(False)
        .unit("ms")
    )


def sample_rate(ctx: PackContext) -> stat.Panel:
    return (
        default_stat(
            PANEL_SAMPLE_RATE,
            "Shadow Mode Sample Rate",
            "Share of queries currently run in shadow mode (shadow_sample_rate, 0-1).",
            span=12,
            height=5,
        )
        .with_target(prom(ctx, "max(shadow_sample_rate)", "sample rate"))
        .unit("percentunit")
        .thresholds(thresholds("blue"))
        .graph_mode(cm.BigValueGraphMode.NONE)
    )


def total_queries(ctx: PackContext) -> stat.Panel:
    return (
        default_stat(
            PANEL_TOTAL_QUERIES,
            "Total DB Queries",
            "Database queries of both paths in the picked time range.",
            span=12,
            height=5,
            calc="sum",
        )
        .with_target(prom(ctx, per_step(rate_sum(_sel("db_query_total"))), "queries"))
        .unit("short")
        .thresholds(thresholds("blue"))
        .graph_mode(cm.BigValueGraphMode.AREA)
    )


def mismatch_trend(ctx: PackContext) -> timeseries.Panel:
    return (
        _over_time(
            PANEL_MISMATCH_TREND,
            "Mismatch Rate Trend (24h)",
            "Overall shadow mismatch rate over the last 24 hours (15m minimum resolution), whatever the "
            "picked range.",
            "percent",
            span=24,
        )
        .with_target(prom(ctx, mismatch_percent(RATE_INTERVAL, by="environment"), "{{environment}}"))
        .time_from("24h")
        .interval("15m")
        .min(0)
        .thresholds(MISMATCH_STEPS)
        .thresholds_style(threshold_lines("dashed"))
    )


def _variables(ctx: PackContext) -> list:
    module = include_all(
        dash.QueryVariable("module")
        .label("Module")
        .description("Migrated modules (auth, teams, projects, tasks, reporting).")
        .datasource(ds_ref(ctx, "prometheus"))
        .query("label_values(db_query_total, module)")
        .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dm.VariableSort.ALPHABETICAL_ASC)
    )
    environment = include_all(
        dash.QueryVariable("environment")
        .label("Environment")
        .description("production, staging, development (the environment label of the metrics).")
        .datasource(ds_ref(ctx, "prometheus"))
        .query("label_values(db_query_total, environment)")
        .refresh(dm.VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(dm.VariableSort.ALPHABETICAL_ASC)
    )
    return [module, environment]


def _dashboard(ctx: PackContext) -> dash.Dashboard:
    builder = (
        new_dashboard(
            "Prisma Migration",
            DASHBOARD_UID,
            "Shadow-mode validation of the SQL to Prisma migration: mismatches, latency, errors, progress.",
            ["prisma", "migration", "shadow-mode"],
            "now-1h",
        )
        .variables(_variables(ctx))
        .annotations(
            [
                tag_annotation("Deployments", ["deployment"], "blue"),
                tag_annotation("Incidents", ["incident"], "red"),
                tag_annotation("Rollbacks", ["rollback"], "orange"),
            ]
        )
    )
    panels = (
        mismatch_rate,
        latency_comparison,
        error_rate_by_source,
        query_count,
        migration_progress,
        top_mismatches,
        feature_flags,
        latency_heatmap,
        sample_rate,
        total_queries,
        mismatch_trend,
    )
    return with_panels(builder, ctx, panels)


# --- Alerts (no dashboard filter: they watch every module and environment) ---
alert = alert_factory(
    datasource="prometheus",
    every="1m",
    dashboard_uid=DASHBOARD_UID,
    labels={"service": "prisma-migration"},
    no_data_state="OK",
    no_data_reason="the ratios are empty without Prisma traffic (denominator > 0): no queries, no ratio",
)

ALERTS = (
    alert(
        name="prisma_mismatch_rate",
        title="Prisma shadow mismatch rate high",
        query=mismatch_percent("5m", dashboard_filter=False),
        comparator=">",
        thresholds={"critical": MISMATCH_CRITICAL_PERCENT, "warning": MISMATCH_WARNING_PERCENT},
        for_="5m",
        summary=f"Prisma shadow mismatch rate {THREE_DECIMALS}% in {{{{ $labels.module }}}}",
        description=(
            f"Shadow mode found mismatches in {THREE_DECIMALS}% of Prisma queries of module "
            f"{{{{ $labels.module }}}} (warning above {MISMATCH_WARNING_PERCENT:g}%, critical above "
            f"{MISMATCH_CRITICAL_PERCENT:g}%). Check Top Mismatches by Query; critical: consider rolling "
            "back the module's flag."
        ),
        runbook_anchor="mismatch-rate",
        panel_id=PANEL_MISMATCH,
    ),
    alert(
        name="prisma_latency_regression",
        title="Prisma latency regression",
        query=latency_regression_percent("5m", dashboard_filter=False),
        comparator=">",
        thresholds={
            "critical": LATENCY_REGRESSION_CRITICAL_PERCENT,
            "warning": LATENCY_REGRESSION_WARNING_PERCENT,
        },
        for_="10m",
        summary=f"Prisma p95 latency {ONE_DECIMAL}% above SQL in {{{{ $labels.module }}}}",
        description=(
            f"Prisma's p95 latency in module {{{{ $labels.module }}}} is {ONE_DECIMAL}% above SQL's "
            f"(warning above {LATENCY_REGRESSION_WARNING_PERCENT:g}%, critical above "
            f"{LATENCY_REGRESSION_CRITICAL_PERCENT:g}%, for 10m). Compare the slow queries in the "
            "heatmap."
        ),
        runbook_anchor="latency-regression",
        panel_id=PANEL_LATENCY,
    ),
    alert(
        name="prisma_error_rate_spike",
        title="Prisma error rate spike",
        query=error_percent("prisma", "5m", dashboard_filter=False),
        comparator=">",
        thresholds={"critical": PRISMA_ERROR_CRITICAL_PERCENT},
        for_="5m",
        summary=f"Prisma errors at {TWO_DECIMALS}% of queries in {{{{ $labels.module }}}}",
        description=(
            f"{TWO_DECIMALS}% of Prisma queries in module {{{{ $labels.module }}}} fail "
            "(critical above "
            f"{PRISMA_ERROR_CRITICAL_PERCENT:g}%). Compare with the SQL baseline and check the logs by "
            "errorType."
        ),
        runbook_anchor="error-rate-spike",
        panel_id=PANEL_ERRORS,
    ),
)


# --- Proofs: how each alert's query is driven to a level (tools/engines/promtool.py) ---
# 1000 queries a minute on each path in module auth; the level is a percent of the Prisma ones.
_AUTH = {"module": "auth"}
_QUERY = {**_AUTH, "queryName": "getUser"}
_PRISMA_QUERIES = Counter("db_query_total", {**_QUERY, "source": "prisma"}, fixed(1000))
_SQL_QUERIES = Counter("db_query_total", {**_QUERY, "source": "sql"}, fixed(1000))
SCENARIOS = {
    "prisma_mismatch_rate": Scenario(
        (
            Counter("shadow_mismatch_total", {**_QUERY, "field": "email"}, Linear(10)),
            _PRISMA_QUERIES,
            _SQL_QUERIES,
        ),
        labels=_AUTH,
    ),
    # SQL's p95 stays at 100 ms; Prisma's is the level percent above it.
    "prisma_latency_regression": Scenario(
        (
            Histogram("db_sql_latency_ms", _AUTH, 0.95, fixed(100.0)),
            Histogram("db_prisma_latency_ms", _AUTH, 0.95, Linear(1, 100.0)),
        ),
        labels=_AUTH,
    ),
    "prisma_error_rate_spike": Scenario(
        (Counter("db_prisma_errors_total", {**_QUERY, "errorType": "timeout"}, Linear(10)), _PRISMA_QUERIES),
        labels=_AUTH,
    ),
}


def build(ctx: PackContext) -> Pack:
    return Pack(
        team=TEAM,
        folder_uid=FOLDER_UID,
        folder_title="Migrations",
        dashboards=(dashboard(_dashboard(ctx)),),
        alerts=ALERTS,
        scenarios=SCENARIOS,
        routes=(
            TeamRoute(
                team=TEAM,
                roles_by_severity={
                    "critical": ("oncall", "team-channel"),
                    "warning": ("team-channel",),
                    "info": ("team-channel", "team-email"),  # seed 004: "Email for info"
                },
            ),
        ),
    )
