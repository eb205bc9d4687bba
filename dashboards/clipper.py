"""Clipper (API, search, webhooks, background jobs): SLO and background-job dashboards and alerts.

Source: seeds/002 (Clipper monitoring stack). Decisions where the document is silent or leaves a
choice open:

- Metrics: HTTP requests are the document's `http_requests_total{method,endpoint,status}` and
  `http_request_duration_seconds{method,endpoint}` (histogram) of the backend, scraped as job
  `clipper-backend` (the service name of its logs). `endpoint` is the Gin route template, so a
  detail endpoint ends in a path parameter (`/api/v1/clips/:id`) and a list endpoint is any other
  GET `/api/` route except search. Search latency is the same histogram on `/api/v1/search*`.
  The document names no webhook metric; `webhook_deliveries_total{status="success"|"failed"}` is
  assumed (`WEBHOOK_DELIVERIES`, one constant to change). Background jobs use the document's
  `job_execution_total{job_name,status}`, `job_execution_duration_seconds{job_name}` (histogram),
  `job_last_success_timestamp_seconds{job_name}`, `job_items_processed_total{job_name,status}`
  and `job_queue_size{job_name}`.
- SLIs: availability is uptime, the mean of `up` of the backend (99.5% = at most 3.6 h down in 30
  days, as the document says); the error rate is 5xx responses over all responses (< 0.5%); the
  error budget is the error-rate SLO's, 0.5% of requests over 30 days.
- Dashboards: every rate uses `$__rate_interval` (the project's dashboard lint). The compliance
  stats are the mean of the SLI over the picked range (default the last 30 days, the SLO window):
  a time-weighted mean, close to but not exactly the request-weighted ratio. Budget remaining is
  always over the fixed 30 days, as a 5m-step subquery of the error ratio. The burn-rate panel shows
  the burn rate at `$__rate_interval` with the alert thresholds as lines; the alerts themselves
  compare it over their literal windows (1h and 5m, 6h and 30m).
- Alerts (literal windows; one spec per condition, a threshold per severity):
  * SLO (`category="slo"`, routed to the SLO PagerDuty service and #incidents): availability
    (1h uptime < 99.5%), error rate (5m > 0.5%), p95 latency of list (> 100 ms), detail (> 50 ms)
    and search (> 200 ms) endpoints over 5m, each for 5m.
  * Error budget (`category="error-budget"`, #incidents only), multi-window burn rates on the 30-day
    budget. A burn rate b spends b * w / 30d of the budget in a window w, so
        fast:   10% in 1h  -> b = 0.10 * 720h / 1h = 72   (errors > 72 * 0.5% = 36% of requests)
        medium: 25% in 6h  -> b = 0.25 * 720h / 6h = 30   (errors > 30 * 0.5% = 15% of requests)
    Each fires only while both its long window (1h / 6h) and its short window (5m / 30m) burn above
    the rate: the long window proves the budget was really spent, the short one that it still is
    (so the alert resolves minutes after recovery). Grafana compares one value, so the query returns
    min(long, short) as `(long < short) or short` (both sides carry no labels after `sum`).
    Fast is critical, medium warning; both only inform #incidents (the SLO alerts page).
  * Background jobs: the document's nine alerts are six conditions, each a threshold per
    severity: failure rate (warning > 5% for 10m; critical > 50% for 5m, over a 10m window, so a
    job running every few minutes has executions in it), staleness (no success for 2h warning,
    24h critical), p95 duration (300 s warning, 600 s critical), queue growth (> 50% over 10m,
    warning), queue size (> 1000, critical), item failure rate (> 20%, warning). Jobs with no
    executions in a window give no data, which is OK (the staleness alert covers silent jobs).
    Jobs run as rarely as every 6 hours (`reputation_tasks`), so the 2h staleness warning fires for
    them too; the document accepts that note.
- Routing: Clipper has no team route of its own. Document 002 defines the organisation's severity
  routing (stack config `routing.severityReceivers`), which catches every team=clipper alert after the
  special routes; see components/routing.py.
"""

from __future__ import annotations

from collections.abc import Callable

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import gauge, stat, timeseries
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm

from dashboards.kit.alerts import (
    ONE_DECIMAL,
    RATIO_AS_PERCENT,
    SECONDS_AS_DURATION,
    WHOLE_NUMBER,
    alert_factory,
)
from dashboards.kit.dashboard import PanelFunction, dashboard, include_all, new_dashboard, with_rows
from dashboards.kit.panels import (
    default_gauge,
    default_stat,
    default_timeseries,
    table_legend,
    threshold_lines,
    thresholds,
)
from dashboards.kit.promql import RATE_INTERVAL, quantile, rate_sum
from dashboards.kit.targets import ds_ref, prom, ref_id
from model.pack import AlertSpec, Pack, PackContext
from model.scenarios import Age, Gauge, Growth, Histogram, Scenario, share

PromQL = Callable[[str], str]  # a query for a window (RATE_INTERVAL on panels, literal in alerts)

TEAM = "clipper"
FOLDER_UID = "clipper"
SLO_UID = "clipper-slo"
JOBS_UID = "clipper-background-jobs"

# --- SLOs (seeds/002): one set of numbers for panels and alerts ---
AVAILABILITY_SLO = 0.995  # ratio of time up
ERROR_RATE_SLO = 0.005  # ratio of requests answered 5xx
LIST_P95_SLO = 0.100  # seconds
DETAIL_P95_SLO = 0.050  # seconds
SEARCH_P95_SLO = 0.200  # seconds
WEBHOOK_SUCCESS_SLO = 0.90  # ratio of deliveries that succeed
BUDGET_WINDOW_HOURS = 30 * 24  # the error budget's window: 30 days
FAST_BURN = 0.10 * BUDGET_WINDOW_HOURS / 1  # 10% of the budget in 1h -> 72
MEDIUM_BURN = 0.25 * BUDGET_WINDOW_HOURS / 6  # 25% of the budget in 6h -> 30

# --- background jobs (seeds/002) ---
JOB_FAILURE_WARNING = 0.05
JOB_FAILURE_CRITICAL = 0.50
JOB_STALE_WARNING_S = 2 * 3600
JOB_STALE_CRITICAL_S = 24 * 3600
JOB_P95_WARNING_S = 300
JOB_P95_CRITICAL_S = 600
QUEUE_GROWTH_WARNING = 0.50  # growth over QUEUE_GROWTH_WINDOW, as a ratio of the earlier size
QUEUE_GROWTH_WINDOW = "10m"
QUEUE_SIZE_CRITICAL = 1000
ITEM_FAILURE_WARNING = 0.20

# --- selectors ---
BACKEND = 'job="clipper-backend"'
ERRORS = f'{BACKEND}, status=~"5.."'
PARAM = ".*/:[^/]+"  # a route template ending in a path parameter
SEARCH = "/api/v1/search.*"
LIST = f'{BACKEND}, method="GET", endpoint=~"/api/.+", endpoint!~"{PARAM}", endpoint!~"{SEARCH}"'
DETAIL = f'{BACKEND}, method="GET", endpoint=~"/api/{PARAM}"'
SEARCH_ENDPOINTS = f'{BACKEND}, endpoint=~"{SEARCH}"'
WEBHOOK_DELIVERIES = "webhook_deliveries_total"
JOB = 'job_name=~"$job_name"'  # dashboards only


# --- PromQL, shared by panels (window "$__rate_interval") and alerts (literal windows) ---
def availability(window: str) -> str:
    return f"avg(avg_over_time(up{{{BACKEND}}}[{window}]))"


def error_ratio(window: str) -> str:
    errors = rate_sum(f"http_requests_total{{{ERRORS}}}", window)
    return f"{errors} / {rate_sum(f'http_requests_total{{{BACKEND}}}', window)}"


def burn_rate(window: str) -> str:
    return f"({error_ratio(window)}) / {ERROR_RATE_SLO}"


def budget_remaining() -> str:
    """Share of the 30-day budget left: 1 - (mean error ratio over 30 days, sampled every 5m) / SLO."""
    return f"1 - avg_over_time(({error_ratio(RATE_INTERVAL)})[30d:5m]) / {ERROR_RATE_SLO}"


def multi_window_burn(long: str, short: str) -> str:
    """min(burn over long, burn over short): above a rate only while both windows are."""
    return f"(({burn_rate(long)}) < ({burn_rate(short)})) or ({burn_rate(short)})"


def p95(selector: str, window: str) -> str:
    return quantile(0.95, f"http_request_duration_seconds_bucket{{{selector}}}", window)


def webhook_success(window: str) -> str:
    success = rate_sum(f'{WEBHOOK_DELIVERIES}{{status="success"}}', window)
    return f"{success} / {rate_sum(WEBHOOK_DELIVERIES, window)}"


def job_ratio(metric: str, window: str, selector: str = "", status: str = "failed") -> str:
    sel = f", {selector}" if selector else ""
    matching = rate_sum(f'{metric}{{status="{status}"{sel}}}', window, by=("job_name",))
    return f"{matching} / {rate_sum(f'{metric}{{{selector}}}', window, by=('job_name',))}"


def job_p(q: float, window: str, selector: str = "") -> str:
    return quantile(q, f"job_execution_duration_seconds_bucket{{{selector}}}", window, by=("job_name", "le"))


def job_staleness(selector: str = "") -> str:
    return f"time() - max by (job_name) (job_last_success_timestamp_seconds{{{selector}}})"


def queue_size(selector: str = "") -> str:
    return f"max by (job_name) (job_queue_size{{{selector}}})"


def queue_growth(selector: str = "") -> str:
    """Growth over QUEUE_GROWTH_WINDOW as a ratio of the earlier size (an empty queue counts as 1)."""
    earlier = f"max by (job_name) (job_queue_size{{{selector}}} offset {QUEUE_GROWTH_WINDOW})"
    return f"({queue_size(selector)} - {earlier}) / clamp_min({earlier}, 1)"


# --- panel ids (pinned: alerts link to them) ---
# SLO dashboard
ROW_COMPLIANCE, P_AVAILABILITY, P_ERROR_RATE, P_LIST_P95, P_DETAIL_P95, P_SEARCH_P95, P_WEBHOOK = range(1, 8)
ROW_BUDGET, P_BUDGET_REMAINING, P_BURN_RATE = 8, 9, 10
ROW_TRENDS, P_ERROR_TREND, P_LATENCY_TREND, P_SEARCH_TREND, P_WEBHOOK_TREND, P_UPTIME_TREND = range(11, 17)
# Background jobs dashboard
ROW_EXEC, P_EXECUTIONS, P_SUCCESS_RATE, P_FAILURE_RATE, P_SINCE_SUCCESS = 1, 2, 3, 4, 5
ROW_DURATION, P_DURATION_P50, P_DURATION_P95 = 6, 7, 8
ROW_QUEUE, P_QUEUE_SIZE, P_QUEUE_GROWTH = 9, 10, 11
ROW_ITEMS, P_ITEMS, P_ITEM_FAILURE = 12, 13, 14


# --- Panel defaults of these dashboards ---
def _compliance(
    panel_id: int, title: str, description: str, expr: PromQL, unit: str, steps, base: str
) -> PanelFunction:
    """A compliance tile: the mean of the SLI over the picked range, coloured against the SLO."""

    def panel(ctx: PackContext) -> stat.Panel:
        return (
            default_stat(panel_id, title, description, span=4, height=5, calc="mean")
            .with_target(prom(ctx, expr(RATE_INTERVAL), legend=title))
            .unit(unit)
            .decimals(3 if unit == "percentunit" else 0)
            .thresholds(thresholds(base, steps))
            .color_mode(cm.BigValueColorMode.BACKGROUND)
            .graph_mode(cm.BigValueGraphMode.AREA)
        )

    return panel


def _series(
    panel_id: int, title: str, description: str, targets, unit: str, lines=(), base="green", span: int = 12
) -> PanelFunction:
    """A time series of (expr, legend) targets with a mean/max legend; `lines` are threshold steps."""

    def panel(ctx: PackContext) -> timeseries.Panel:
        built = (
            default_timeseries(panel_id, title, description, span)
            .unit(unit)
            .line_width(2)
            .fill_opacity(10)
            .legend(table_legend(cm.LegendPlacement.BOTTOM, ["mean", "max"]))
        )
        for i, (expr, legend) in enumerate(targets):
            built = built.with_target(prom(ctx, expr, legend=legend, ref_id=ref_id(i)))
        if lines:
            built = built.thresholds(thresholds(base, lines)).thresholds_style(threshold_lines())
        return built

    return panel


# --- Clipper SLO Compliance: compliance row ---
availability_compliance = _compliance(
    P_AVAILABILITY,
    "Availability",
    f"Share of time the backend was up, averaged over the range. SLO {AVAILABILITY_SLO:.1%}.",
    availability,
    "percentunit",
    [(AVAILABILITY_SLO, "green")],
    "red",
)
error_rate_compliance = _compliance(
    P_ERROR_RATE,
    "Error rate",
    f"5xx responses over all responses, averaged over the range. SLO < {ERROR_RATE_SLO:.1%}.",
    error_ratio,
    "percentunit",
    [(ERROR_RATE_SLO, "red")],
    "green",
)
list_latency_compliance = _compliance(
    P_LIST_P95,
    "Latency p95, list endpoints",
    f"95th percentile of GET list endpoints in the range. SLO < {LIST_P95_SLO * 1000:g} ms.",
    lambda window: p95(LIST, window),
    "s",
    [(LIST_P95_SLO, "red")],
    "green",
)
detail_latency_compliance = _compliance(
    P_DETAIL_P95,
    "Latency p95, detail endpoints",
    "95th percentile of GET detail endpoints "
    "(routes ending in a path parameter), averaged over the range. "
    f"SLO < {DETAIL_P95_SLO * 1000:g} ms.",
    lambda window: p95(DETAIL, window),
    "s",
    [(DETAIL_P95_SLO, "red")],
    "green",
)
search_latency_compliance = _compliance(
    P_SEARCH_P95,
    "Search p95",
    f"95th percentile of hybrid search requests averaged over the range. SLO < {SEARCH_P95_SLO * 1000:g} ms.",
    lambda window: p95(SEARCH_ENDPOINTS, window),
    "s",
    [(SEARCH_P95_SLO, "red")],
    "green",
)
webhook_compliance = _compliance(
    P_WEBHOOK,
    "Webhook delivery success",
    "Successful webhook deliveries over all attempts, "
    f"averaged over the range. SLO > {WEBHOOK_SUCCESS_SLO:.0%}.",
    webhook_success,
    "percentunit",
    [(WEBHOOK_SUCCESS_SLO, "green")],
    "red",
)


# --- Clipper SLO Compliance: error budget row ---
def budget_remaining_gauge(ctx: PackContext) -> gauge.Panel:
    return (
        default_gauge(
            P_BUDGET_REMAINING,
            "Error budget remaining (30d)",
            f"Share of the 30-day error budget ({ERROR_RATE_SLO:.1%} of requests) not yet spent. "
            "Always the last 30 days, whatever the picked range.",
            height=8,
        )
        .with_target(prom(ctx, budget_remaining(), legend="remaining").instant())
        .unit("percentunit")
        .decimals(1)
        .max(1)
        .thresholds(thresholds("red", [(0.25, "yellow"), (0.5, "green")]))
    )


burn_rate_series = _series(
    P_BURN_RATE,
    "Error budget burn rate",
    "Error rate as a multiple of the SLO's "
    f"({ERROR_RATE_SLO:.1%}). 1 spends the budget in exactly 30 days; alerts fire at "
    f"{FAST_BURN:g} over both 1h and 5m (fast) and {MEDIUM_BURN:g} over both 6h and 30m (medium).",
    [(burn_rate(RATE_INTERVAL), "burn rate")],
    "none",
    [(MEDIUM_BURN, "orange"), (FAST_BURN, "red")],
    span=16,
)

# --- Clipper SLO Compliance: trends row ---
error_rate_trend = _series(
    P_ERROR_TREND,
    "Error rate over time",
    f"5xx share of responses. SLO < {ERROR_RATE_SLO:.1%}.",
    [(error_ratio(RATE_INTERVAL), "error rate")],
    "percentunit",
    [(ERROR_RATE_SLO, "red")],
)
latency_trend = _series(
    P_LATENCY_TREND,
    "Latency p95 by endpoint class",
    f"List SLO < {LIST_P95_SLO * 1000:g} ms, detail SLO < {DETAIL_P95_SLO * 1000:g} ms.",
    [(p95(LIST, RATE_INTERVAL), "list"), (p95(DETAIL, RATE_INTERVAL), "detail")],
    "s",
    [(DETAIL_P95_SLO, "orange"), (LIST_P95_SLO, "red")],
)
search_latency_trend = _series(
    P_SEARCH_TREND,
    "Search latency p95",
    f"Hybrid search p95. SLO < {SEARCH_P95_SLO * 1000:g} ms.",
    [(p95(SEARCH_ENDPOINTS, RATE_INTERVAL), "search p95")],
    "s",
    [(SEARCH_P95_SLO, "red")],
)
webhook_success_trend = _series(
    P_WEBHOOK_TREND,
    "Webhook delivery success over time",
    f"SLO > {WEBHOOK_SUCCESS_SLO:.0%}.",
    [(webhook_success(RATE_INTERVAL), "success")],
    "percentunit",
    [(WEBHOOK_SUCCESS_SLO, "green")],
    base="red",
)
uptime_trend = _series(
    P_UPTIME_TREND,
    "Backend up",
    f"Share of backend targets up. SLO {AVAILABILITY_SLO:.1%} over 30 days.",
    [(availability(RATE_INTERVAL), "up")],
    "percentunit",
    span=24,
)


def _slo_dashboard(ctx: PackContext) -> dash.Dashboard:
    builder = new_dashboard(
        "Clipper SLO Compliance",
        SLO_UID,
        "Clipper's SLOs: availability, error rate, latency, search, webhooks, error budget.",
        ["clipper", "slo"],
        "now-30d",
    )
    rows = (
        (
            ROW_COMPLIANCE,
            "SLO compliance (mean over the picked range)",
            (
                availability_compliance,
                error_rate_compliance,
                list_latency_compliance,
                detail_latency_compliance,
                search_latency_compliance,
                webhook_compliance,
            ),
        ),
        (ROW_BUDGET, "Error budget", (budget_remaining_gauge, burn_rate_series)),
        (
            ROW_TRENDS,
            "Trends",
            (error_rate_trend, latency_trend, search_latency_trend, webhook_success_trend, uptime_trend),
        ),
    )
    return with_rows(builder, ctx, rows)


# --- Clipper Background Jobs ---
executions_by_status = _series(
    P_EXECUTIONS,
    "Executions by status",
    "Job runs per second by job and outcome.",
    [(rate_sum(f"job_execution_total{{{JOB}}}", by=("job_name", "status")), "{{job_name}} {{status}}")],
    "ops",
)
job_success_rate = _series(
    P_SUCCESS_RATE,
    "Success rate",
    "Successful runs over all runs, by job.",
    [(job_ratio("job_execution_total", RATE_INTERVAL, JOB, status="success"), "{{job_name}}")],
    "percentunit",
)
job_failure_rate = _series(
    P_FAILURE_RATE,
    "Failure rate",
    f"Failed runs over all runs. Warns above "
    f"{JOB_FAILURE_WARNING:.0%}, pages above {JOB_FAILURE_CRITICAL:.0%}.",
    [(job_ratio("job_execution_total", RATE_INTERVAL, JOB), "{{job_name}}")],
    "percentunit",
    [(JOB_FAILURE_WARNING, "orange"), (JOB_FAILURE_CRITICAL, "red")],
)
time_since_success = _series(
    P_SINCE_SUCCESS,
    "Time since last success",
    "Seconds since each job last succeeded. "
    f"Warns after {JOB_STALE_WARNING_S // 3600} h, "
    f"pages after {JOB_STALE_CRITICAL_S // 3600} h.",
    [(job_staleness(JOB), "{{job_name}}")],
    "s",
    [(JOB_STALE_WARNING_S, "orange"), (JOB_STALE_CRITICAL_S, "red")],
)
duration_p50 = _series(
    P_DURATION_P50,
    "Duration p50",
    "Median run duration by job.",
    [(job_p(0.5, RATE_INTERVAL, JOB), "{{job_name}}")],
    "s",
)
duration_p95 = _series(
    P_DURATION_P95,
    "Duration p95",
    f"95th percentile run duration. Warns above {JOB_P95_WARNING_S} s, pages above {JOB_P95_CRITICAL_S} s.",
    [(job_p(0.95, RATE_INTERVAL, JOB), "{{job_name}}")],
    "s",
    [(JOB_P95_WARNING_S, "orange"), (JOB_P95_CRITICAL_S, "red")],
)
queue_size_series = _series(
    P_QUEUE_SIZE,
    "Queue size",
    f"Items waiting per job. Pages above {QUEUE_SIZE_CRITICAL}.",
    [(queue_size(JOB), "{{job_name}}")],
    "short",
    [(QUEUE_SIZE_CRITICAL, "red")],
)
queue_growth_series = _series(
    P_QUEUE_GROWTH,
    "Queue growth",
    f"Growth over the last {QUEUE_GROWTH_WINDOW} as a share "
    f"of the earlier size. Warns above {QUEUE_GROWTH_WARNING:.0%}.",
    [(queue_growth(JOB), "{{job_name}}")],
    "percentunit",
    [(QUEUE_GROWTH_WARNING, "orange")],
)
items_by_status = _series(
    P_ITEMS,
    "Items processed by status",
    "Items per second by job and outcome (success, failed, skipped).",
    [(rate_sum(f"job_items_processed_total{{{JOB}}}", by=("job_name", "status")), "{{job_name}} {{status}}")],
    "ops",
)
item_failure_rate = _series(
    P_ITEM_FAILURE,
    "Item failure rate",
    f"Failed items over all items. Warns above {ITEM_FAILURE_WARNING:.0%}.",
    [(job_ratio("job_items_processed_total", RATE_INTERVAL, JOB), "{{job_name}}")],
    "percentunit",
    [(ITEM_FAILURE_WARNING, "orange")],
)


def _job_name(ctx: PackContext):
    return include_all(
        dash.QueryVariable("job_name")
        .label("Job")
        .description("Background jobs that reported executions in the range.")
        .datasource(ds_ref(ctx, "prometheus"))
        .query("label_values(job_execution_total, job_name)")
        .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dm.VariableSort.ALPHABETICAL_ASC)
    )


def _jobs_dashboard(ctx: PackContext) -> dash.Dashboard:
    builder = new_dashboard(
        "Clipper Background Jobs",
        JOBS_UID,
        "Clipper's scheduled jobs: execution status, duration, staleness, queues and items.",
        ["clipper", "background-jobs"],
        "now-6h",
    ).variables([_job_name(ctx)])
    rows = (
        (
            ROW_EXEC,
            "Execution",
            (executions_by_status, job_success_rate, job_failure_rate, time_since_success),
        ),
        (ROW_DURATION, "Duration", (duration_p50, duration_p95)),
        (ROW_QUEUE, "Queues", (queue_size_series, queue_growth_series)),
        (ROW_ITEMS, "Items", (items_by_status, item_failure_rate)),
    )
    return with_rows(builder, ctx, rows)


# --- Alerts ---
# (kind, selector, p95 SLO, panel, an endpoint of the kind)
LATENCY_SLOS = (
    ("list", LIST, LIST_P95_SLO, P_LIST_P95, "/api/v1/clips"),
    ("detail", DETAIL, DETAIL_P95_SLO, P_DETAIL_P95, "/api/v1/clips/:id"),
    ("search", SEARCH_ENDPOINTS, SEARCH_P95_SLO, P_SEARCH_P95, "/api/v1/search"),
)
alert = alert_factory(
    datasource="prometheus",
    every="1m",
    no_data_state="OK",
    no_data_reason=(
        "empty without requests, deliveries or job runs in the window (no traffic is not an error); "
        "a backend that is gone fires the availability alert, which alerts on no data"
    ),
)


def _slo_alerts() -> tuple[AlertSpec, ...]:
    slo = {"category": "slo"}
    budget = {"category": "error-budget"}
    return (
        alert(
            name="clipper_slo_availability",
            runbook_anchor="slo-availability",
            dashboard_uid=SLO_UID,
            panel_id=P_AVAILABILITY,
            title="Clipper availability SLO breach",
            query=availability("1h"),
            comparator="<",
            thresholds={"critical": AVAILABILITY_SLO},
            for_="5m",
            lookback="1h",
            labels=slo,
            no_data_state="Alerting",
            no_data_reason="no `up` series means the backend's targets are gone: unavailable, not quiet",
            summary="Clipper backend availability below its SLO",
            description=f"The backend was up {RATIO_AS_PERCENT} of the last hour (SLO "
            f"{AVAILABILITY_SLO:.1%}). Check the pods and recent deploys.",
        ),
        alert(
            name="clipper_slo_error_rate",
            runbook_anchor="slo-error-rate",
            dashboard_uid=SLO_UID,
            panel_id=P_ERROR_RATE,
            title="Clipper error rate SLO breach",
            query=error_ratio("5m"),
            comparator=">",
            thresholds={"critical": ERROR_RATE_SLO},
            for_="5m",
            lookback="10m",
            labels=slo,
            summary="Clipper 5xx error rate above its SLO",
            description=f"{RATIO_AS_PERCENT} of requests failed with 5xx over 5m (SLO < "
            f"{ERROR_RATE_SLO:.1%}).",
        ),
        *(
            alert(
                name=f"clipper_slo_latency_{kind}",
                runbook_anchor=f"slo-latency-{kind}",
                dashboard_uid=SLO_UID,
                panel_id=panel,
                title=f"Clipper {kind} latency SLO breach",
                query=p95(selector, "5m"),
                comparator=">",
                thresholds={"critical": target},
                for_="5m",
                lookback="10m",
                labels=slo,
                summary=f"Clipper {kind} endpoints p95 latency above its SLO",
                description=f"p95 latency of {kind} endpoints is {SECONDS_AS_DURATION} over 5m (SLO < "
                f"{target * 1000:g} ms).",
            )
            for kind, selector, target, panel, _example in LATENCY_SLOS
        ),
        alert(
            name="clipper_error_budget_fast_burn",
            runbook_anchor="error-budget-fast-burn",
            dashboard_uid=SLO_UID,
            panel_id=P_BURN_RATE,
            title="Clipper error budget fast burn",
            query=multi_window_burn("1h", "5m"),
            comparator=">",
            thresholds={"critical": FAST_BURN},
            for_="2m",
            lookback="10m",
            labels=budget,
            summary="Clipper is spending more than 10% of its 30-day error budget per hour",
            description=f"Burn rate {ONE_DECIMAL} over both 1h and 5m (threshold {FAST_BURN:g}: "
            "10% of the monthly budget in 1h).",
        ),
        alert(
            name="clipper_error_budget_medium_burn",
            runbook_anchor="error-budget-medium-burn",
            dashboard_uid=SLO_UID,
            panel_id=P_BURN_RATE,
            title="Clipper error budget medium burn",
            query=multi_window_burn("6h", "30m"),
            comparator=">",
            thresholds={"warning": MEDIUM_BURN},
            for_="15m",
            lookback="10m",
            labels=budget,
            summary="Clipper is spending more than 25% of its 30-day error budget per 6 hours",
            description=f"Burn rate {ONE_DECIMAL} over both 6h and 30m "
            f"(threshold {MEDIUM_BURN:g}: "
            "25% of the monthly budget in 6h).",
        ),
    )


def _job_alerts() -> tuple[AlertSpec, ...]:
    return (
        alert(
            name="clipper_job_failure_rate",
            runbook_anchor="job-failing",
            dashboard_uid=JOBS_UID,
            panel_id=P_FAILURE_RATE,
            title="Clipper background job failing",
            query=job_ratio("job_execution_total", "10m"),
            comparator=">",
            thresholds={"critical": JOB_FAILURE_CRITICAL, "warning": JOB_FAILURE_WARNING},
            for_="10m",
            for_by_severity={"critical": "5m"},
            lookback="10m",
            summary="Background job {{ $labels.job_name }} is failing",
            description=f"{RATIO_AS_PERCENT} of {{{{ $labels.job_name }}}} runs failed over 10m (warning > "
            f"{JOB_FAILURE_WARNING:.0%}, critical > {JOB_FAILURE_CRITICAL:.0%}).",
        ),
        alert(
            name="clipper_job_stale",
            runbook_anchor="job-stale",
            dashboard_uid=JOBS_UID,
            panel_id=P_SINCE_SUCCESS,
            title="Clipper background job not succeeding",
            query=job_staleness(),
            comparator=">",
            thresholds={"critical": JOB_STALE_CRITICAL_S, "warning": JOB_STALE_WARNING_S},
            for_="5m",
            lookback="5m",
            summary="Background job {{ $labels.job_name }} has not succeeded recently",
            description=f"{{{{ $labels.job_name }}}} last succeeded {SECONDS_AS_DURATION} ago (warning after "
            f"{JOB_STALE_WARNING_S // 3600} h, critical after {JOB_STALE_CRITICAL_S // 3600} h).",
        ),
        alert(
            name="clipper_job_duration",
            runbook_anchor="job-duration",
            dashboard_uid=JOBS_UID,
            panel_id=P_DURATION_P95,
            title="Clipper background job slow",
            query=job_p(0.95, "10m"),
            comparator=">",
            thresholds={"critical": JOB_P95_CRITICAL_S, "warning": JOB_P95_WARNING_S},
            for_="10m",
            lookback="10m",
            summary="Background job {{ $labels.job_name }} runs slowly",
            description=f"p95 duration of {{{{ $labels.job_name }}}} is {SECONDS_AS_DURATION} (warning > "
            f"{JOB_P95_WARNING_S} s, critical > {JOB_P95_CRITICAL_S} s).",
        ),
        alert(
            name="clipper_job_queue_growing",
            runbook_anchor="job-queue-growing",
            dashboard_uid=JOBS_UID,
            panel_id=P_QUEUE_GROWTH,
            title="Clipper background job queue growing",
            query=queue_growth(),
            comparator=">",
            thresholds={"warning": QUEUE_GROWTH_WARNING},
            for_="5m",
            lookback="5m",
            summary="Queue of {{ $labels.job_name }} is growing",
            description=f"The queue of {{{{ $labels.job_name }}}} grew by {RATIO_AS_PERCENT} over "
            f"{QUEUE_GROWTH_WINDOW} (threshold {QUEUE_GROWTH_WARNING:.0%}).",
        ),
        alert(
            name="clipper_job_queue_size",
            runbook_anchor="job-queue-size",
            dashboard_uid=JOBS_UID,
            panel_id=P_QUEUE_SIZE,
            title="Clipper background job queue too large",
            query=queue_size(),
            comparator=">",
            thresholds={"critical": QUEUE_SIZE_CRITICAL},
            for_="5m",
            lookback="5m",
            summary="Queue of {{ $labels.job_name }} is too large",
            description=f"{WHOLE_NUMBER} items wait in the queue of {{{{ $labels.job_name }}}} "
            f"(threshold {QUEUE_SIZE_CRITICAL}).",
        ),
        alert(
            name="clipper_job_item_failures",
            runbook_anchor="job-item-failures",
            dashboard_uid=JOBS_UID,
            panel_id=P_ITEM_FAILURE,
            title="Clipper background job item failures",
            query=job_ratio("job_items_processed_total", "10m"),
            comparator=">",
            thresholds={"warning": ITEM_FAILURE_WARNING},
            for_="10m",
            lookback="10m",
            summary="Background job {{ $labels.job_name }} fails many items",
            description=f"{RATIO_AS_PERCENT} of the items of {{{{ $labels.job_name }}}} failed over 10m "
            f"(threshold {ITEM_FAILURE_WARNING:.0%}).",
        ),
    )


# --- Proofs: how each alert's query is driven to a level (tools/engines/promtool.py) ---
_BACKEND = {"job": "clipper-backend"}
_JOB = {"job_name": "clip_sync"}
_BURN = Scenario(share("http_requests_total", _BACKEND, "500", "200", scale=ERROR_RATE_SLO))
SCENARIOS = {
    "clipper_slo_availability": Scenario((Gauge("up", _BACKEND),)),
    # Level: the 5xx share of 100 requests a minute.
    "clipper_slo_error_rate": Scenario(share("http_requests_total", _BACKEND, "500", "200")),
    **{
        f"clipper_slo_latency_{kind}": Scenario(
            (
                Histogram(
                    "http_request_duration_seconds", {**_BACKEND, "method": "GET", "endpoint": example}, 0.95
                ),
            )
        )
        for kind, _selector, _target, _panel, example in LATENCY_SLOS
    },
    # Level: the burn rate, i.e. the 5xx share in units of the SLO.
    "clipper_error_budget_fast_burn": _BURN,
    "clipper_error_budget_medium_burn": _BURN,
    "clipper_job_failure_rate": Scenario(
        share("job_execution_total", _JOB, "failed", "success", per_minute=10), _JOB
    ),
    "clipper_job_stale": Scenario((Age("job_last_success_timestamp_seconds", _JOB),), _JOB),
    "clipper_job_duration": Scenario((Histogram("job_execution_duration_seconds", _JOB, 0.95),), _JOB),
    # Growth over 10m jumps from 45% to 900%, so it crosses 50% within a minute of the switch.
    "clipper_job_queue_growing": Scenario((Growth("job_queue_size", _JOB),), _JOB, levels=(0.45, 9.0)),
    "clipper_job_queue_size": Scenario((Gauge("job_queue_size", _JOB),), _JOB),
    "clipper_job_item_failures": Scenario(
        share("job_items_processed_total", _JOB, "failed", "success", per_minute=10), _JOB
    ),
}


def build(ctx: PackContext) -> Pack:
    return Pack(
        team=TEAM,
        folder_uid=FOLDER_UID,
        folder_title="Clipper",
        dashboards=(dashboard(_slo_dashboard(ctx)), dashboard(_jobs_dashboard(ctx))),
        alerts=_slo_alerts() + _job_alerts(),
        scenarios=SCENARIOS,
        routes=(),  # the organisation's severity routing (routing.severityReceivers) serves Clipper
    )
