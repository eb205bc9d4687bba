"""Upstream Healthcare Platform (Django + Celery): four Prometheus dashboards and two alerts.

Source: seeds/003 (quick-023 plan: API performance, database, Celery tasks, error rates).
Decisions where the seed is wrong about Grafana or leaves a choice open:

- Model: the seed wraps each dashboard as `{"dashboard": {...}}`, the HTTP API's envelope;
  Grafana's dashboard model is the inner object, which is what this pack produces. Provisioning
  files and docker-compose mounts are replaced by this program.
- Rates use `$__rate_interval` (the seed's fixed `[5m]` breaks at long ranges and short scrape
  intervals). Percentiles are `histogram_quantile(q, sum by (le, ...) (rate(..._bucket[...])))`:
  the seed's `histogram_quantile(0.95, x_bucket)` without rate() and without `sum by (le)` gives
  the quantile of counts since process start, per instance.
- Ratios: the seed's `/ (rate(started) + 0.001)` distorts every ratio (and invents 0% when idle).
  The denominator is filtered with `> 0` instead: no traffic means no point (a gap), never a
  division by zero and never a fake value.
- Task success rate: completed / (completed + failed), the share of finished tasks that
  succeeded. The seed's completed / started mixes tasks still in flight into the denominator (a
  burst of long tasks reads as failures).
- Error percentage: the seed's panel shows 4xx+5xx over all responses with the 5% SLO as a red
  line; the 5xx share (what the SLO alert watches) is drawn on the same panel.
- Layout: two columns (w=12), no row panels (the seed counts 6/6/8/8 panels per dashboard);
  refresh 30s, last hour; the seed's tags.
- Alerts (the seed names the SLO but no rule, so these are this pack's choices):
  5xx error percentage over 5m above the 5% SLO is critical, above 2% a warning, for 5m.
  Background task success rate over 15m below 95% is a warning, below 90% critical, for 10m.
- Routing: every severity to Slack `#upstream-alerts`; the seed names no pager rotation, so
  critical also pages the organisation's on-call (the `oncall` role), as the organisation's
  routing (seed 002) has it for a team without its own rotation.
- Alert names: the seed names no alert (it defines none), so rule titles are this pack's own.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import heatmap, timeseries

from dashboards.kit.alerts import TWO_DECIMALS, alert_factory
from dashboards.kit.dashboard import PanelFunction, dashboard, new_dashboard, with_panels
from dashboards.kit.panels import default_heatmap, default_timeseries, threshold_lines, thresholds
from dashboards.kit.promql import RATE_INTERVAL, quantile, rate_sum, ratio_where_traffic
from dashboards.kit.targets import prom, with_prom_targets
from model.pack import Pack, PackContext, TeamRoute
from model.scenarios import Counter, Linear, Scenario

TEAM = "upstream"
FOLDER_UID = "upstream"
API_UID = "upstream-api-performance"
DATABASE_UID = "upstream-database-metrics"
CELERY_UID = "upstream-celery-tasks"
ERRORS_UID = "upstream-error-rates"

ERROR_SLO_PERCENT = 5.0  # Phase 5 SLO: the red line and the critical alert
ERROR_WARNING_PERCENT = 2.0
TASK_SUCCESS_WARNING_BELOW = 95.0
TASK_SUCCESS_CRITICAL_BELOW = 90.0

# Panel ids, pinned for the alerts' links.
PANEL_TASK_SUCCESS = 7
PANEL_ERROR_PERCENT = 3

RESPONSES = "django_http_responses_total_by_status_total"
LATENCY = "django_http_requests_latency_seconds_by_view_method_bucket"
ERRORS_4XX_5XX = f'{RESPONSES}{{status=~"[45].."}}'


# --- PromQL, shared by panels (RATE_INTERVAL) and alerts (literal windows) ---
def error_percent(status_regex: str, window: str = RATE_INTERVAL) -> str:
    errors = rate_sum(RESPONSES + '{status=~"' + status_regex + '"}', window)
    return ratio_where_traffic(f"100 * {errors}", rate_sum(RESPONSES, window))


def task_success_percent(window: str = RATE_INTERVAL) -> str:
    completed = rate_sum("upstream_background_job_completed_total", window)
    failed = rate_sum("upstream_background_job_failed_total", window)
    return ratio_where_traffic(f"100 * {completed}", f"({completed} + {failed})")


TOP_ERRORS = rate_sum('django_http_responses_total_by_view_status_total{status=~"[45].."}', by=("view",))


def _series(
    panel_id: int, title: str, description: str, unit: str, *targets: tuple[str, str]
) -> PanelFunction:
    """A panel function: the seed's two-column time series of one or more (expr, legend) targets."""

    def panel(ctx: PackContext) -> timeseries.Panel:
        return with_prom_targets(
            default_timeseries(panel_id, title, description).unit(unit).min(0).line_width(2), ctx, targets
        )

    return panel


# --- Upstream API Performance ---
request_rate = _series(
    1,
    "HTTP request rate by method",
    "Requests per second by HTTP method.",
    "reqps",
    (rate_sum("django_http_requests_total_by_method_total", by=("method",)), "{{method}}"),
)
request_latency = _series(
    2,
    "Request latency p50 / p95 / p99",
    "Latency percentiles over all views.",
    "s",
    (quantile(0.5, LATENCY), "p50"),
    (quantile(0.95, LATENCY), "p95"),
    (quantile(0.99, LATENCY), "p99"),
)
slowest_endpoints = _series(
    3,
    "Top 10 slowest endpoints (p95)",
    "The ten views with the highest p95 latency.",
    "s",
    (f"topk(10, {quantile(0.95, LATENCY, by=('view',))})", "{{view}}"),
)
request_volume = _series(
    4,
    "Request volume by endpoint",
    "Requests per second by view.",
    "reqps",
    (rate_sum("django_http_requests_total_by_view_method_total", by=("view",)), "{{view}}"),
)
rate_limit_hits = _series(
    5,
    "API rate limit hits",
    "Requests rejected by the API rate limiter, per second.",
    "reqps",
    (f"rate(upstream_api_rate_limit_hit_total[{RATE_INTERVAL}])", "__auto"),
)
calls_by_customer = _series(
    6,
    "API calls by customer",
    "API endpoint calls per second by customer.",
    "reqps",
    (rate_sum("upstream_api_endpoint_calls_total", by=("customer_id",)), "{{customer_id}}"),
)

# --- Upstream Database Metrics ---
query_rate = _series(
    1,
    "Database query rate",
    "Queries per second (django-prometheus).",
    "ops",
    (f"rate(django_db_query_total[{RATE_INTERVAL}])", "__auto"),
)
query_duration = _series(
    2,
    "Query duration p95",
    "95th percentile query duration.",
    "s",
    (quantile(0.95, "django_db_query_duration_seconds_bucket"), "p95"),
)
active_connections = _series(
    3,
    "Active connections",
    "Open database connections; watch for pool exhaustion.",
    "short",
    ("django_db_connections_active", "__auto"),
)
connection_errors = _series(
    4,
    "Connection errors",
    "Database errors per second.",
    "ops",
    (f"rate(django_db_errors_total[{RATE_INTERVAL}])", "__auto"),
)
claims_ingested = _series(
    5,
    "Claim records ingested by status",
    "Claim records ingested per second by status.",
    "ops",
    (rate_sum("upstream_claim_records_ingested_total", by=("status",)), "{{status}}"),
)
ingestion_time = _series(
    6,
    "Ingestion processing time p95",
    "95th percentile of ingestion processing time.",
    "s",
    (quantile(0.95, "upstream_ingestion_processing_seconds_bucket"), "p95"),
)

# --- Upstream Celery Task Monitoring ---
tasks_started = _series(
    1,
    "Tasks started by job type",
    "Background jobs started per second by job type.",
    "ops",
    (rate_sum("upstream_background_job_started_total", by=("job_type",)), "{{job_type}}"),
)
tasks_completed_vs_failed = _series(
    2,
    "Tasks completed vs failed",
    "Background jobs completed and failed per second.",
    "ops",
    (rate_sum("upstream_background_job_completed_total"), "completed"),
    (rate_sum("upstream_background_job_failed_total"), "failed"),
)
task_duration = _series(
    3,
    "Task duration p95 by job type",
    "95th percentile task duration per job type.",
    "s",
    (quantile(0.95, "upstream_background_job_duration_seconds_bucket", by=("job_type",)), "{{job_type}}"),
)
task_errors = _series(
    4,
    "Task errors by type",
    "Failed background jobs per second by error type.",
    "ops",
    (rate_sum("upstream_background_job_failed_total", by=("error_type",)), "{{error_type}}"),
)
alert_deliveries = _series(
    5,
    "Alert deliveries by channel",
    "Alerts delivered per second by channel type.",
    "ops",
    (rate_sum("upstream_alert_delivered_total", by=("channel_type",)), "{{channel_type}}"),
)
report_generation_time = _series(
    6,
    "Report generation time p95",
    "95th percentile report generation time.",
    "s",
    (quantile(0.95, "upstream_report_generation_seconds_bucket"), "p95"),
)
_task_success = _series(
    PANEL_TASK_SUCCESS,
    "Task success rate",
    "Share of finished background tasks that completed: completed / (completed + failed). "
    f"Gaps mean no task finished. Warns below {TASK_SUCCESS_WARNING_BELOW:g}%, critical below "
    f"{TASK_SUCCESS_CRITICAL_BELOW:g}% (15m).",
    "percent",
    (task_success_percent(), "success %"),
)


def task_success_rate(ctx: PackContext) -> timeseries.Panel:
    return (
        _task_success(ctx)
        .max(100)
        .thresholds(
            thresholds(
                "red", [(TASK_SUCCESS_CRITICAL_BELOW, "yellow"), (TASK_SUCCESS_WARNING_BELOW, "green")]
            )
        )
        .thresholds_style(threshold_lines("dashed"))
    )


alert_failures_by_type = _series(
    8,
    "Alert failures by type",
    "Failed alert deliveries per second by error type.",
    "ops",
    (rate_sum("upstream_alert_failed_total", by=("error_type",)), "{{error_type}}"),
)

# --- Upstream Error Rates ---
client_errors = _series(
    1,
    "4xx error rate by status",
    "Client error responses per second by status code.",
    "reqps",
    (rate_sum(f'{RESPONSES}{{status=~"4.."}}', by=("status",)), "{{status}}"),
)
server_errors = _series(
    2,
    "5xx error rate by status",
    "Server error responses per second by status code.",
    "reqps",
    (rate_sum(f'{RESPONSES}{{status=~"5.."}}', by=("status",)), "{{status}}"),
)
_error_percentage = _series(
    PANEL_ERROR_PERCENT,
    "Overall error percentage",
    "4xx+5xx responses as a percent of all responses, and the 5xx share alone. The red line is "
    f"the {ERROR_SLO_PERCENT:g}% SLO; 5xx above it pages. Gaps mean no traffic.",
    "percent",
    (error_percent("[45].."), "4xx+5xx %"),
    (error_percent("5.."), "5xx %"),
)


def error_percentage(ctx: PackContext) -> timeseries.Panel:
    return (
        _error_percentage(ctx)
        .thresholds(thresholds("transparent", [(ERROR_SLO_PERCENT, "red")]))
        .thresholds_style(threshold_lines("line"))
    )


def error_heatmap(ctx: PackContext) -> heatmap.Panel:
    return (
        default_heatmap(
            4,
            "Error rate heatmap",
            "Density of 4xx/5xx response rates per status code over time; deploy-time spikes stand out.",
        )
        .with_target(prom(ctx, rate_sum(ERRORS_4XX_5XX, by=("status",)), "{{status}}"))
        .calculate(True)
        .unit("reqps")
    )


data_quality_failures = _series(
    5,
    "Data quality check failures",
    "Failed data quality checks per second by check type.",
    "ops",
    (rate_sum("upstream_data_quality_check_failed_total", by=("check_type",)), "{{check_type}}"),
)
alert_failures_by_channel = _series(
    6,
    "Alert failures by channel",
    "Failed alert deliveries per second by channel type.",
    "ops",
    (rate_sum("upstream_alert_failed_total", by=("channel_type",)), "{{channel_type}}"),
)
top_error_endpoints = _series(
    7,
    "Top 10 error endpoints",
    "The ten views with the most 4xx/5xx responses per second.",
    "reqps",
    (f"topk(10, {TOP_ERRORS})", "{{view}}"),
)
data_quality_by_customer = _series(
    8,
    "Data quality failures by customer",
    "Failed data quality checks per second by customer.",
    "ops",
    (rate_sum("upstream_data_quality_check_failed_total", by=("customer_id",)), "{{customer_id}}"),
)


# --- The four dashboards: two columns, no rows (the seed's layout) ---
def _dashboard(
    ctx: PackContext,
    title: str,
    uid: str,
    tags: list[str],
    description: str,
    panels: tuple[PanelFunction, ...],
) -> dash.Dashboard:
    return with_panels(new_dashboard(title, uid, description, tags, "now-1h", refresh="30s"), ctx, panels)


def api_performance(ctx: PackContext) -> dash.Dashboard:
    return _dashboard(
        ctx,
        "Upstream API Performance",
        API_UID,
        ["upstream", "api", "performance"],
        "Request rates, latency distribution, slow endpoints and rate limiting.",
        (
            request_rate,
            request_latency,
            slowest_endpoints,
            request_volume,
            rate_limit_hits,
            calls_by_customer,
        ),
    )


def database_metrics(ctx: PackContext) -> dash.Dashboard:
    return _dashboard(
        ctx,
        "Upstream Database Metrics",
        DATABASE_UID,
        ["upstream", "database", "postgresql"],
        "Query volume and duration, connection pool, ingestion load.",
        (query_rate, query_duration, active_connections, connection_errors, claims_ingested, ingestion_time),
    )


def celery_tasks(ctx: PackContext) -> dash.Dashboard:
    return _dashboard(
        ctx,
        "Upstream Celery Task Monitoring",
        CELERY_UID,
        ["upstream", "celery", "background-jobs"],
        "Background job execution, duration, errors and business tasks.",
        (
            tasks_started,
            tasks_completed_vs_failed,
            task_duration,
            task_errors,
            alert_deliveries,
            report_generation_time,
            task_success_rate,
            alert_failures_by_type,
        ),
    )


def error_rates(ctx: PackContext) -> dash.Dashboard:
    return _dashboard(
        ctx,
        "Upstream Error Rates",
        ERRORS_UID,
        ["upstream", "errors", "reliability"],
        "HTTP 4xx/5xx rates, error percentage against the SLO, business errors.",
        (
            client_errors,
            server_errors,
            error_percentage,
            error_heatmap,
            data_quality_failures,
            alert_failures_by_channel,
            top_error_endpoints,
            data_quality_by_customer,
        ),
    )


# --- Alerts ---
alert = alert_factory(
    datasource="prometheus",
    every="1m",
    lookback="15m",
    labels={"service": "upstream"},
    no_data_state="OK",
    no_data_reason="the ratios are empty without traffic (denominator > 0): no requests or tasks, no ratio",
)

ALERTS = (
    alert(
        name="upstream_5xx_error_percent",
        title="Upstream 5xx error percentage above SLO",
        query=error_percent("5..", "5m"),
        comparator=">",
        thresholds={"critical": ERROR_SLO_PERCENT, "warning": ERROR_WARNING_PERCENT},
        for_="5m",
        summary=f"Upstream: {TWO_DECIMALS}% of responses are 5xx",
        description=(
            f"5xx responses are {TWO_DECIMALS}% of all responses over 5 minutes (SLO: "
            f"{ERROR_SLO_PERCENT:g}%, warning above {ERROR_WARNING_PERCENT:g}%). Check the top error "
            "endpoints and recent deploys."
        ),
        runbook_anchor="5xx-error-slo",
        dashboard_uid=ERRORS_UID,
        panel_id=PANEL_ERROR_PERCENT,
    ),
    alert(
        name="upstream_task_success_rate",
        title="Upstream background task success rate low",
        query=task_success_percent("15m"),
        comparator="<",
        thresholds={"critical": TASK_SUCCESS_CRITICAL_BELOW, "warning": TASK_SUCCESS_WARNING_BELOW},
        for_="10m",
        summary=f"Upstream: background task success rate {TWO_DECIMALS}%",
        description=(
            f"Only {TWO_DECIMALS}% of finished background tasks completed over 15 minutes "
            f"(warning below {TASK_SUCCESS_WARNING_BELOW:g}%, critical below "
            f"{TASK_SUCCESS_CRITICAL_BELOW:g}%). Check task errors by type and the Celery workers."
        ),
        runbook_anchor="task-success-rate",
        dashboard_uid=CELERY_UID,
        panel_id=PANEL_TASK_SUCCESS,
    ),
)


# --- Proofs: how each alert's query is driven to a level (tools/engines/promtool.py) ---
_REST = Linear(-1, 100)  # 100 - level: the rest of 100 a minute
SCENARIOS = {
    # Level: percent of 100 responses a minute that are 5xx, the rest 200.
    "upstream_5xx_error_percent": Scenario(
        (Counter(RESPONSES, {"status": "500"}), Counter(RESPONSES, {"status": "200"}, _REST))
    ),
    # Level: percent of 100 finished tasks a minute that complete, the rest fail.
    "upstream_task_success_rate": Scenario(
        (
            Counter("upstream_background_job_completed_total", {"job_type": "ingest"}),
            Counter("upstream_background_job_failed_total", {"job_type": "ingest"}, _REST),
        )
    ),
}


def build(ctx: PackContext) -> Pack:
    return Pack(
        team=TEAM,
        folder_uid=FOLDER_UID,
        folder_title="Upstream",
        dashboards=tuple(
            dashboard(d(ctx)) for d in (api_performance, database_metrics, celery_tasks, error_rates)
        ),
        alerts=ALERTS,
        scenarios=SCENARIOS,
        routes=(
            TeamRoute(
                team=TEAM,
                roles_by_severity={
                    # No rotation of its own: critical pages the organisation's on-call (seed 002).
                    "critical": ("oncall", "team-channel"),
                    "warning": ("team-channel",),
                    "info": ("team-channel",),
                },
            ),
        ),
    )
