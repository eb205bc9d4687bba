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
- Routing: every severity to Slack `#upstream-alerts` (no pager rotation named in the seed).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import heatmap, timeseries

from dashboards.common import dashboard, new_dashboard, prom, threshold_lines, thresholds
from model.pack import AlertSpec, Pack, PackContext, TeamRoute

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

RI = "$__rate_interval"
RESPONSES = "django_http_responses_total_by_status_total"


def _rate(metric: str, window: str = RI, by: str = "", selector: str = "") -> str:
    grouping = f" by ({by}) " if by else ""
    return f"sum{grouping}(rate({metric}{selector}[{window}]))"


def _quantile(q: float, bucket: str, by: str = "", window: str = RI) -> str:
    labels = f"le, {by}" if by else "le"
    return f"histogram_quantile({q}, sum by ({labels}) (rate({bucket}[{window}])))"


TOP_ERRORS = _rate(
    "django_http_responses_total_by_view_status_total", by="view", selector='{status=~"[45].."}'
)


def error_percent(status_regex: str, window: str = RI) -> str:
    errors = _rate(RESPONSES, window, selector='{status=~"' + status_regex + '"}')
    return f"100 * {errors}\n/ ({_rate(RESPONSES, window)} > 0)"


def task_success_percent(window: str = RI) -> str:
    completed = _rate("upstream_background_job_completed_total", window)
    failed = _rate("upstream_background_job_failed_total", window)
    return f"100 * {completed}\n/ (({completed} + {failed}) > 0)"


def _series(
    ctx: PackContext, panel_id: int, title: str, description: str, unit: str, *targets
) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .span(12)
        .height(8)
        .unit(unit)
        .min(0)
        .line_width(2)
    )
    for i, (expr, legend) in enumerate(targets):
        panel = panel.with_target(prom(ctx, expr, legend, "ABCDEFGH"[i]))
    return panel


def _dashboard(title: str, uid: str, tags: list[str], description: str, panels: list) -> dash.Dashboard:
    builder = new_dashboard(title, uid, description, tags, "now-1h", refresh="30s")
    for panel in panels:
        builder = builder.with_panel(panel)
    return builder


def api_performance(ctx: PackContext) -> dash.Dashboard:
    latency = "django_http_requests_latency_seconds_by_view_method_bucket"
    panels = [
        _series(
            ctx,
            1,
            "HTTP request rate by method",
            "Requests per second by HTTP method.",
            "reqps",
            (_rate("django_http_requests_total_by_method_total", by="method"), "{{method}}"),
        ),
        _series(
            ctx,
            2,
            "Request latency p50 / p95 / p99",
            "Latency percentiles over all views.",
            "s",
            (_quantile(0.5, latency), "p50"),
            (_quantile(0.95, latency), "p95"),
            (_quantile(0.99, latency), "p99"),
        ),
        _series(
            ctx,
            3,
            "Top 10 slowest endpoints (p95)",
            "The ten views with the highest p95 latency.",
            "s",
            (f"topk(10, {_quantile(0.95, latency, by='view')})", "{{view}}"),
        ),
        _series(
            ctx,
            4,
            "Request volume by endpoint",
            "Requests per second by view.",
            "reqps",
            (_rate("django_http_requests_total_by_view_method_total", by="view"), "{{view}}"),
        ),
        _series(
            ctx,
            5,
            "API rate limit hits",
            "Requests rejected by the API rate limiter, per second.",
            "reqps",
            (f"rate(upstream_api_rate_limit_hit_total[{RI}])", "__auto"),
        ),
        _series(
            ctx,
            6,
            "API calls by customer",
            "API endpoint calls per second by customer.",
            "reqps",
            (_rate("upstream_api_endpoint_calls_total", by="customer_id"), "{{customer_id}}"),
        ),
    ]
    return _dashboard(
        "Upstream API Performance",
        API_UID,
        ["upstream", "api", "performance"],
        "Request rates, latency distribution, slow endpoints and rate limiting.",
        panels,
    )


def database_metrics(ctx: PackContext) -> dash.Dashboard:
    panels = [
        _series(
            ctx,
            1,
            "Database query rate",
            "Queries per second (django-prometheus).",
            "ops",
            (f"rate(django_db_query_total[{RI}])", "__auto"),
        ),
        _series(
            ctx,
            2,
            "Query duration p95",
            "95th percentile query duration.",
            "s",
            (_quantile(0.95, "django_db_query_duration_seconds_bucket"), "p95"),
        ),
        _series(
            ctx,
            3,
            "Active connections",
            "Open database connections; watch for pool exhaustion.",
            "short",
            ("django_db_connections_active", "__auto"),
        ),
        _series(
            ctx,
            4,
            "Connection errors",
            "Database errors per second.",
            "ops",
            (f"rate(django_db_errors_total[{RI}])", "__auto"),
        ),
        _series(
            ctx,
            5,
            "Claim records ingested by status",
            "Claim records ingested per second by status.",
            "ops",
            (_rate("upstream_claim_records_ingested_total", by="status"), "{{status}}"),
        ),
        _series(
            ctx,
            6,
            "Ingestion processing time p95",
            "95th percentile of ingestion processing time.",
            "s",
            (_quantile(0.95, "upstream_ingestion_processing_seconds_bucket"), "p95"),
        ),
    ]
    return _dashboard(
        "Upstream Database Metrics",
        DATABASE_UID,
        ["upstream", "database", "postgresql"],
        "Query volume and duration, connection pool, ingestion load.",
        panels,
    )


def celery_tasks(ctx: PackContext) -> dash.Dashboard:
    success = (
        _series(
            ctx,
            PANEL_TASK_SUCCESS,
            "Task success rate",
            "Share of finished background tasks that completed: completed / (completed + failed). "
            f"Gaps mean no task finished. Warns below {TASK_SUCCESS_WARNING_BELOW:g}%, critical below "
            f"{TASK_SUCCESS_CRITICAL_BELOW:g}% (15m).",
            "percent",
            (task_success_percent(), "success %"),
        )
        .max(100)
        .thresholds(
            thresholds(
                "red", [(TASK_SUCCESS_CRITICAL_BELOW, "yellow"), (TASK_SUCCESS_WARNING_BELOW, "green")]
            )
        )
        .thresholds_style(threshold_lines("dashed"))
    )
    panels = [
        _series(
            ctx,
            1,
            "Tasks started by job type",
            "Background jobs started per second by job type.",
            "ops",
            (_rate("upstream_background_job_started_total", by="job_type"), "{{job_type}}"),
        ),
        _series(
            ctx,
            2,
            "Tasks completed vs failed",
            "Background jobs completed and failed per second.",
            "ops",
            (_rate("upstream_background_job_completed_total"), "completed"),
            (_rate("upstream_background_job_failed_total"), "failed"),
        ),
        _series(
            ctx,
            3,
            "Task duration p95 by job type",
            "95th percentile task duration per job type.",
            "s",
            (
                _quantile(0.95, "upstream_background_job_duration_seconds_bucket", by="job_type"),
                "{{job_type}}",
            ),
        ),
        _series(
            ctx,
            4,
            "Task errors by type",
            "Failed background jobs per second by error type.",
            "ops",
            (_rate("upstream_background_job_failed_total", by="error_type"), "{{error_type}}"),
        ),
        _series(
            ctx,
            5,
            "Alert deliveries by channel",
            "Alerts delivered per second by channel type.",
            "ops",
            (_rate("upstream_alert_delivered_total", by="channel_type"), "{{channel_type}}"),
        ),
        _series(
            ctx,
            6,
            "Report generation time p95",
            "95th percentile report generation time.",
            "s",
            (_quantile(0.95, "upstream_report_generation_seconds_bucket"), "p95"),
        ),
        success,
        _series(
            ctx,
            8,
            "Alert failures by type",
            "Failed alert deliveries per second by error type.",
            "ops",
            (_rate("upstream_alert_failed_total", by="error_type"), "{{error_type}}"),
        ),
    ]
    return _dashboard(
        "Upstream Celery Task Monitoring",
        CELERY_UID,
        ["upstream", "celery", "background-jobs"],
        "Background job execution, duration, errors and business tasks.",
        panels,
    )


def error_rates(ctx: PackContext) -> dash.Dashboard:
    percent = (
        _series(
            ctx,
            PANEL_ERROR_PERCENT,
            "Overall error percentage",
            "4xx+5xx responses as a percent of all responses, and the 5xx share alone. The red line is "
            f"the {ERROR_SLO_PERCENT:g}% SLO; 5xx above it pages. Gaps mean no traffic.",
            "percent",
            (error_percent("[45].."), "4xx+5xx %"),
            (error_percent("5.."), "5xx %"),
        )
        .thresholds(thresholds("transparent", [(ERROR_SLO_PERCENT, "red")]))
        .thresholds_style(threshold_lines("line"))
    )
    heat = (
        heatmap.Panel()
        .id(4)
        .title("Error rate heatmap")
        .description(
            "Density of 4xx/5xx response rates per status code over time; deploy-time spikes stand out."
        )
        .span(12)
        .height(8)
        .with_target(prom(ctx, _rate(RESPONSES, by="status", selector='{status=~"[45].."}'), "{{status}}"))
        .calculate(True)
        .unit("reqps")
    )
    panels = [
        _series(
            ctx,
            1,
            "4xx error rate by status",
            "Client error responses per second by status code.",
            "reqps",
            (_rate(RESPONSES, by="status", selector='{status=~"4.."}'), "{{status}}"),
        ),
        _series(
            ctx,
            2,
            "5xx error rate by status",
            "Server error responses per second by status code.",
            "reqps",
            (_rate(RESPONSES, by="status", selector='{status=~"5.."}'), "{{status}}"),
        ),
        percent,
        heat,
        _series(
            ctx,
            5,
            "Data quality check failures",
            "Failed data quality checks per second by check type.",
            "ops",
            (_rate("upstream_data_quality_check_failed_total", by="check_type"), "{{check_type}}"),
        ),
        _series(
            ctx,
            6,
            "Alert failures by channel",
            "Failed alert deliveries per second by channel type.",
            "ops",
            (_rate("upstream_alert_failed_total", by="channel_type"), "{{channel_type}}"),
        ),
        _series(
            ctx,
            7,
            "Top 10 error endpoints",
            "The ten views with the most 4xx/5xx responses per second.",
            "reqps",
            (f"topk(10, {TOP_ERRORS})", "{{view}}"),
        ),
        _series(
            ctx,
            8,
            "Data quality failures by customer",
            "Failed data quality checks per second by customer.",
            "ops",
            (_rate("upstream_data_quality_check_failed_total", by="customer_id"), "{{customer_id}}"),
        ),
    ]
    return _dashboard(
        "Upstream Error Rates",
        ERRORS_UID,
        ["upstream", "errors", "reliability"],
        "HTTP 4xx/5xx rates, error percentage against the SLO, business errors.",
        panels,
    )


def _alerts(ctx: PackContext) -> tuple[AlertSpec, ...]:
    common = dict(
        datasource="prometheus",
        every="1m",
        lookback="15m",
        labels={"service": "upstream"},
    )
    return (
        AlertSpec(
            name="upstream_5xx_error_percent",
            title="Upstream 5xx error percentage above SLO",
            query=error_percent("5..", "5m"),
            comparator=">",
            thresholds={"critical": ERROR_SLO_PERCENT, "warning": ERROR_WARNING_PERCENT},
            for_="5m",
            summary="Upstream: {{ $values.B.Value }}% of responses are 5xx",
            description=(
                f"5xx responses are {{{{ $values.B.Value }}}}% of all responses over 5 minutes (SLO: "
                f"{ERROR_SLO_PERCENT:g}%, warning above {ERROR_WARNING_PERCENT:g}%). Check the top error "
                "endpoints and recent deploys."
            ),
            runbook_url=f"{ctx.runbook_base_url}/{TEAM}#5xx-error-slo",
            dashboard_uid=ERRORS_UID,
            panel_id=PANEL_ERROR_PERCENT,
            **common,
        ),
        AlertSpec(
            name="upstream_task_success_rate",
            title="Upstream background task success rate low",
            query=task_success_percent("15m"),
            comparator="<",
            thresholds={"critical": TASK_SUCCESS_CRITICAL_BELOW, "warning": TASK_SUCCESS_WARNING_BELOW},
            for_="10m",
            summary="Upstream: background task success rate {{ $values.B.Value }}%",
            description=(
                "Only {{ $values.B.Value }}% of finished background tasks completed over 15 minutes "
                f"(warning below {TASK_SUCCESS_WARNING_BELOW:g}%, critical below "
                f"{TASK_SUCCESS_CRITICAL_BELOW:g}%). Check task errors by type and the Celery workers."
            ),
            runbook_url=f"{ctx.runbook_base_url}/{TEAM}#task-success-rate",
            dashboard_uid=CELERY_UID,
            panel_id=PANEL_TASK_SUCCESS,
            **common,
        ),
    )


def build(ctx: PackContext) -> Pack:
    return Pack(
        team=TEAM,
        folder_uid=FOLDER_UID,
        folder_title="Upstream",
        dashboards=tuple(
            dashboard(d(ctx)) for d in (api_performance, database_metrics, celery_tasks, error_rates)
        ),
        alerts=_alerts(ctx),
        routes=(
            TeamRoute(
                team=TEAM,
                receivers_by_severity={
                    "critical": ("slack-upstream",),
                    "warning": ("slack-upstream",),
                    "info": ("slack-upstream",),
                },
            ),
        ),
    )
