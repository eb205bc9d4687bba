"""Clipper (API, search, webhooks, background jobs): SLO and background-job dashboards and alerts.

Source: seeds/002 (Clipper monitoring stack). Decisions where the document is silent, leaves a
choice open, or asks for something this plan does differently:

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
- SLOs with an error budget (`BUDGETED_SLOS`, over 30 days):
  * availability 99.5% ("max 3.6 hours downtime/month"). The document defines it as uptime, a
    share of time, so the SLI is the share of the backend's scrapes that succeeded (`up`; a failed
    scrape is a bad event, each target weighted by its scrapes). Not the request metrics: a backend
    that is down records no requests, so its own counters cannot see its downtime, and the share of
    requests answered without a 5xx is already the error-rate SLO.
  * error rate below 0.5% of requests: 5xx responses over all responses.
  * webhook delivery above 90%: deliveries not `success` over all deliveries (a 10% budget).
  The latency SLOs (p95 below 100 ms list, 50 ms detail, 200 ms search) are percentile targets
  without a stated budget; they keep the document's threshold alerts (p95 over 5m, for 5m). A
  budget form ("95% of requests within 100 ms") would count requests under the bound from a
  histogram bucket: 100 ms and 50 ms are buckets of Go's defaults, 200 ms is not.
- Burn-rate alerts per budgeted SLO, as in the Google SRE workbook ("Alerting on SLOs",
  multiwindow, multi-burn-rate; `BURN_WINDOWS`). A burn rate b spends b * w / 30d of the budget
  in a window w. An alert fires only while its long and its short window both burn above its rate
  (the long one proves the budget was spent, the short one that it still is, so the alert resolves
  minutes after recovery); Grafana compares one value, so the query returns min(long, short) as
  `(long < short) or short` (neither side has labels after `sum`).
  * page (critical, `category="slo"`: the SLO PagerDuty service and #incidents): 14.4x over 1h and
    5m (2% of the budget in an hour), 6x over 6h and 30m (5% in 6 hours);
  * ticket (warning, `category="error-budget"`: #incidents, informational, as the document routes
    error-budget alerts): 3x over 1d and 2h (10% in a day), 1x over 3d and 6h (10% in 3 days).
  What this means, each proven by a story in promtool (`SCENARIOS`): one failed scrape of the only
  backend instance (30 s scrapes) is 1 of 120 scrapes in the hour, a 1.7x burn, and does not page
  (its 5m window alone burns 20x; the 1h window vetoes it), nor does a 1-minute burst of 5xx; a
  full outage pages within 5 minutes (14.4x over 1h is 7.2% of the hour: 4.3 minutes of failed
  scrapes, read at the next evaluation); a slow burn (2% failing, 4x) raises the ticket and never
  pages. A 90% SLO burns at most 10x (every delivery failing), so webhooks have no 14.4x alert.
  The document asked for "availability SLO breach (< 99.5%)" and "error rate SLO breach
  (> 0.5%)" as threshold alerts, and for "error budget fast burn (> 10% in 1 hour)" and "medium
  burn (> 25% in 6 hours)": the first two paged on a single missed scrape or a minute of errors,
  the burn rates 72 and 30 let a full outage (200x) run 43 minutes of an hour before paging. The
  workbook's windows replace all four; the document's error-budget alerts are the ticket level.
  These queries read raw series over up to 3 days at every evaluation; where that gets costly,
  recording rules per window are the remedy (this program provisions none).
- Dashboards: every rate uses `$__rate_interval` (the project's dashboard lint). The compliance
  stats are the mean of the SLI over the picked range (default the last 30 days, the SLO window):
  a time-weighted mean, close to but not exactly the event-weighted ratio. Budget remaining is
  always over the fixed 30 days, as a 5m-step subquery of the bad-event ratio. The burn-rate
  panel shows each SLO's burn rate at `$__rate_interval` with the alert rates as lines; the alerts
  compare it over their literal windows.
- Background jobs: each job's schedule is declared once, in `JOB_SCHEDULES` (the document's
  "Available Jobs"), and its staleness thresholds follow from it: the warning (the document's
  BackgroundJobNotRunning) fires once a run has been missed, no success for the schedule plus
  `RUN_GRACE` (10 minutes: the document's critical run duration, since the timestamp is set when
  a run ends); the critical (BackgroundJobCriticallyStale) after the document's 24 h. The
  document's single 2 h warning fired for 4 of every 6 hours of `reputation_tasks` (every 6 h) and
  waited 24 missed runs of `hot_score_refresh`. `embedding_generation` runs "as configured": it,
  and any job the table does not declare, keeps the document's 2 h. The age reads
  `max_over_time(...[1d])` of the timestamp: a restarted backend exports 0 until a job's next
  success, which would otherwise read as 56 years stale and page on every deploy.
  The other job alerts are the document's, each a threshold per severity: failure rate (warning
  > 5% for 10m; critical > 50% for 5m, over a 10m window), p95 duration (300 s warning, 600 s
  critical), queue growth (> 50% over 10m, warning), queue size (> 1000, critical), item failure
  rate (> 20%, warning). Jobs with no executions in a window give no data, which is OK (the
  staleness alerts cover silent jobs).
- The Background Jobs dashboard has the uid `background-jobs`, as the document links it
  (`/d/background-jobs`). It was `clipper-background-jobs`: Grafana keeps no redirect for a
  changed uid, so bookmarks of `/d/clipper-background-jobs` must be updated; alert links follow.
- Alert names: the document names its nine background-job alerts (`BackgroundJobFailing`,
  `BackgroundJobCriticalFailureRate`, `BackgroundJobNotRunning`, `BackgroundJobCriticallyStale`,
  `BackgroundJobHighDuration`, `BackgroundJobCriticalDuration`, `BackgroundJobQueueGrowing`,
  `BackgroundJobCriticalQueueSize`, `BackgroundJobHighItemFailureRate`): each is the title of its
  rule (one spec's warning or critical variant), what notifications and silences show; the
  staleness rules of a scheduled job add the job (`BackgroundJobNotRunning (clip_sync)`), since
  Grafana wants rule titles unique in a folder, so `alertname=~"BackgroundJobNotRunning.*"` finds
  them all. Its SLO
  alerts are described, not named ("Availability SLO breach", ...): their titles are those
  descriptions with the service's name.
- Routing: Clipper has no team route of its own. Document 002 defines the organisation's severity
  routing (stack config `routing.severityReceivers`), which catches every team=clipper alert after
  the special routes; see components/routing.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
from dashboards.kit.targets import ds_ref, prom, ref_id, with_prom_targets
from model.durations import format_duration, parse_duration
from model.pack import AlertSpec, Pack, PackContext
from model.scenarios import (
    Age,
    Expect,
    Gauge,
    Growth,
    Histogram,
    Linear,
    Runs,
    Scenario,
    Steps,
    Story,
    share,
)

PromQL = Callable[[str], str]  # a query for a window (RATE_INTERVAL on panels, literal in alerts)

TEAM = "clipper"
FOLDER_UID = "clipper"
SLO_UID = "clipper-slo"
JOBS_UID = "background-jobs"  # the document's link: /d/background-jobs

# --- SLOs (seeds/002): one set of numbers for panels and alerts ---
AVAILABILITY_SLO = 0.995  # share of scrapes of the backend that succeed
ERROR_RATE_SLO = 0.005  # share of requests answered 5xx
LIST_P95_SLO = 0.100  # seconds
DETAIL_P95_SLO = 0.050  # seconds
SEARCH_P95_SLO = 0.200  # seconds
WEBHOOK_SUCCESS_SLO = 0.90  # share of deliveries that succeed
BUDGET_WINDOW = "30d"  # the error budgets' window


@dataclass(frozen=True)
class BurnWindow:
    """One multiwindow burn-rate condition (SRE workbook): `rate` times the budget's pace over
    both windows. `share` is the part of the 30-day budget it spends in the long window."""

    long: str
    short: str
    rate: float
    severity: str  # critical pages (category slo), warning is a ticket (category error-budget)

    @property
    def share(self) -> float:
        return self.rate * parse_duration(self.long) / parse_duration(BUDGET_WINDOW)


BURN_WINDOWS = (
    BurnWindow("1h", "5m", 14.4, "critical"),  # 2% of the budget in an hour
    BurnWindow("6h", "30m", 6, "critical"),  # 5% in 6 hours
    BurnWindow("1d", "2h", 3, "warning"),  # 10% in a day
    BurnWindow("3d", "6h", 1, "warning"),  # 10% in 3 days
)

# --- background jobs (seeds/002) ---
JOB_SCHEDULES = {  # job_name -> how often it runs ("Available Jobs"); None: as configured
    "hot_score_refresh": "5m",
    "trending_score_refresh": "1h",
    "clip_sync": "15m",
    "reputation_tasks": "6h",
    "webhook_retry": "1m",
    "embedding_generation": None,
}
RUN_GRACE = "10m"  # at most this much past a run's slot (the document's critical run duration)
UNSCHEDULED_STALE_S = 2 * 3600  # the document's warning, for jobs without a fixed schedule
JOB_STALE_CRITICAL_S = 24 * 3600
STALENESS_LOOKBACK = "1d"  # >= the critical age: the last success before a restart stays visible
JOB_FAILURE_WARNING = 0.05
JOB_FAILURE_CRITICAL = 0.50
JOB_P95_WARNING_S = 300
JOB_P95_CRITICAL_S = 600
QUEUE_GROWTH_WARNING = 0.50  # growth over QUEUE_GROWTH_WINDOW, as a ratio of the earlier size
QUEUE_GROWTH_WINDOW = "10m"
QUEUE_SIZE_CRITICAL = 1000
ITEM_FAILURE_WARNING = 0.20


def stale_after_s(job: str) -> int:
    """Seconds without a success after which `job` has missed a run (the warning threshold)."""
    every = JOB_SCHEDULES[job]
    if every is None:
        return UNSCHEDULED_STALE_S
    return parse_duration(every) + min(parse_duration(every), parse_duration(RUN_GRACE))


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
SCHEDULED = tuple(job for job, every in JOB_SCHEDULES.items() if every is not None)
UNSCHEDULED = f'job_name!~"{"|".join(SCHEDULED)}"'  # jobs without a fixed schedule, or undeclared


# --- PromQL, shared by panels (window "$__rate_interval") and alerts (literal windows) ---
def availability(window: str) -> str:
    """Share of the backend's scrapes that succeeded in the window (every target by its scrapes)."""
    up = f"up{{{BACKEND}}}[{window}]"
    return f"sum(sum_over_time({up})) / sum(count_over_time({up}))"


def unavailability(window: str) -> str:
    return f"1 - {availability(window)}"


def error_ratio(window: str) -> str:
    errors = rate_sum(f"http_requests_total{{{ERRORS}}}", window)
    return f"{errors} / {rate_sum(f'http_requests_total{{{BACKEND}}}', window)}"


def webhook_success(window: str) -> str:
    success = rate_sum(f'{WEBHOOK_DELIVERIES}{{status="success"}}', window)
    return f"{success} / {rate_sum(WEBHOOK_DELIVERIES, window)}"


def webhook_failure(window: str) -> str:
    return f"1 - {webhook_success(window)}"


def p95(selector: str, window: str) -> str:
    return quantile(0.95, f"http_request_duration_seconds_bucket{{{selector}}}", window)


def job_ratio(metric: str, window: str, selector: str = "", status: str = "failed") -> str:
    sel = f", {selector}" if selector else ""
    matching = rate_sum(f'{metric}{{status="{status}"{sel}}}', window, by=("job_name",))
    return f"{matching} / {rate_sum(f'{metric}{{{selector}}}', window, by=('job_name',))}"


def job_p(q: float, window: str, selector: str = "") -> str:
    return quantile(q, f"job_execution_duration_seconds_bucket{{{selector}}}", window, by=("job_name", "le"))


def job_staleness(selector: str = "") -> str:
    """Seconds since each job's last success (the newest timestamp of the last day: see docstring)."""
    last = f"max_over_time(job_last_success_timestamp_seconds{{{selector}}}[{STALENESS_LOOKBACK}])"
    return f"time() - max by (job_name) ({last})"


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
P_JOB_STALENESS = 15


@dataclass(frozen=True)
class BudgetedSlo:
    """An SLO with an error budget: its bad-event ratio over a window, and how it burns."""

    key: str  # in alert names and runbook anchors
    title: str
    objective: float
    bad_ratio: PromQL
    budget_text: str  # who may fail, after "at most <budget>", for alert texts

    @property
    def budget(self) -> float:
        return round(1 - self.objective, 9)

    def burn(self, window: str) -> str:
        """The bad-event ratio as a multiple of the budget's pace (1: spent in exactly 30 days)."""
        return f"({self.bad_ratio(window)}) / {self.budget:g}"

    def multi_window_burn(self, window: BurnWindow) -> str:
        """min(burn over long, burn over short): above a rate only while both windows are."""
        long, short = self.burn(window.long), self.burn(window.short)
        return f"(({long}) < ({short})) or ({short})"

    def windows(self) -> tuple[BurnWindow, ...]:
        """The burn windows this SLO can reach: a budget b burns at most 1/b times its pace."""
        return tuple(w for w in BURN_WINDOWS if w.rate * self.budget < 1)


BUDGETED_SLOS = (
    BudgetedSlo(
        "availability",
        "Availability",
        AVAILABILITY_SLO,
        unavailability,
        "of the backend's scrapes may fail",
    ),
    BudgetedSlo(
        "error_rate", "Error rate", 1 - ERROR_RATE_SLO, error_ratio, "of requests may fail with a 5xx"
    ),
    BudgetedSlo(
        "webhook_delivery",
        "Webhook delivery",
        WEBHOOK_SUCCESS_SLO,
        webhook_failure,
        "of webhook deliveries may fail",
    ),
)


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
        built = with_prom_targets(
            default_timeseries(panel_id, title, description, span)
            .unit(unit)
            .line_width(2)
            .fill_opacity(10)
            .legend(table_legend(cm.LegendPlacement.BOTTOM, ["mean", "max"])),
            ctx,
            targets,
        )
        if lines:
            built = built.thresholds(thresholds(base, lines)).thresholds_style(threshold_lines())
        return built

    return panel


# --- Clipper SLO Compliance: compliance row ---
availability_compliance = _compliance(
    P_AVAILABILITY,
    "Availability",
    "Share of the backend's scrapes that succeeded (uptime), averaged over the range. "
    f"SLO {AVAILABILITY_SLO:.1%}.",
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
def budget_remaining(slo: BudgetedSlo) -> str:
    """Share of the 30-day budget left: 1 - (mean bad ratio over 30 days, sampled every 5m) / budget."""
    return f"1 - avg_over_time(({slo.bad_ratio(RATE_INTERVAL)})[{BUDGET_WINDOW}:5m]) / {slo.budget:g}"


def budget_remaining_gauge(ctx: PackContext) -> gauge.Panel:
    budgets = ", ".join(f"{slo.title.lower()} {slo.budget:.1%}" for slo in BUDGETED_SLOS)
    panel = default_gauge(
        P_BUDGET_REMAINING,
        "Error budget remaining (30d)",
        f"Share of each SLO's 30-day error budget not yet spent ({budgets} of events may be bad). "
        "Always the last 30 days, whatever the picked range.",
        height=8,
    )
    for i, slo in enumerate(BUDGETED_SLOS):
        panel = panel.with_target(
            prom(ctx, budget_remaining(slo), legend=slo.title, ref_id=ref_id(i)).instant()
        )
    return (
        panel.unit("percentunit")
        .decimals(1)
        .max(1)
        .thresholds(thresholds("red", [(0.25, "yellow"), (0.5, "green")]))
    )


BURN_COLOURS = {"1h": "dark-red", "6h": "red", "1d": "orange", "3d": "yellow"}
burn_rate_series = _series(
    P_BURN_RATE,
    "Error budget burn rate",
    "Each budgeted SLO's bad events as a multiple of its budget's pace: 1 spends the budget in "
    "exactly 30 days. Lines at the alert rates; an alert fires when both its windows burn above its "
    "line: "
    + "; ".join(
        f"{w.rate:g}x over {w.long} and {w.short} ({'pages' if w.severity == 'critical' else 'ticket'})"
        for w in BURN_WINDOWS
    )
    + ".",
    [(slo.burn(RATE_INTERVAL), slo.title) for slo in BUDGETED_SLOS],
    "none",
    sorted((w.rate, BURN_COLOURS[w.long]) for w in BURN_WINDOWS),
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
    f"Share of the backend's scrapes that succeeded. SLO {AVAILABILITY_SLO:.1%} over 30 days.",
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


def _schedule_text() -> str:
    return ", ".join(
        f"{job} every {every}" if every else f"{job} as configured" for job, every in JOB_SCHEDULES.items()
    )


def _staleness_steps(warning_s: int) -> list[tuple[float, str]]:
    return [(warning_s, "orange"), (JOB_STALE_CRITICAL_S, "red")]


def job_staleness_stat(ctx: PackContext) -> stat.Panel:
    """One tile per job, coloured by that job's own thresholds (its schedule, see JOB_SCHEDULES)."""
    panel = (
        default_stat(
            P_JOB_STALENESS,
            "Since last success, against each job's schedule",
            f"Time since each job last succeeded. Orange once a run is missed: its schedule plus "
            f"{RUN_GRACE} ({_schedule_text()}; {UNSCHEDULED_STALE_S // 3600} h for jobs without a "
            f"fixed schedule), red after {JOB_STALE_CRITICAL_S // 3600} h. The staleness alerts use "
            "the same thresholds.",
            span=24,
            height=5,
        )
        .with_target(prom(ctx, job_staleness(JOB), legend="{{job_name}}"))
        .unit("s")
        .thresholds(thresholds("green", _staleness_steps(UNSCHEDULED_STALE_S)))
        .color_mode(cm.BigValueColorMode.BACKGROUND)
        .graph_mode(cm.BigValueGraphMode.NONE)
    )
    for job in SCHEDULED:
        steps = thresholds("green", _staleness_steps(stale_after_s(job))).build()
        panel = panel.override_by_name(job, [dm.DynamicConfigValue(id_val="thresholds", value=steps)])
    return panel


time_since_success = _series(
    P_SINCE_SUCCESS,
    "Time since last success",
    "Seconds since each job last succeeded (the newest success timestamp of the last day, so a "
    f"restart does not reset it). Each job's warning follows its schedule (see the tiles above); "
    f"every job pages after {JOB_STALE_CRITICAL_S // 3600} h.",
    [(job_staleness(JOB), "{{job_name}}")],
    "s",
    [(JOB_STALE_CRITICAL_S, "red")],
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
            (
                job_staleness_stat,
                executions_by_status,
                job_success_rate,
                job_failure_rate,
                time_since_success,
            ),
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
        "a backend that is gone fires clipper_slo_availability_1h, which alerts on no data"
    ),
)


def _burn_name(slo: BudgetedSlo, window: BurnWindow) -> str:
    """clipper_slo_<slo>_<long> pages, clipper_budget_<slo>_<long> is a ticket."""
    return f"clipper_{'slo' if window.severity == 'critical' else 'budget'}_{slo.key}_{window.long}"


def _burn_alert(slo: BudgetedSlo, window: BurnWindow) -> AlertSpec:
    """One multiwindow burn-rate alert: a page (category slo) or a ticket (category error-budget)."""
    page = window.severity == "critical"
    name = _burn_name(slo, window)
    targets_gone = {}
    if slo.key == "availability":
        first = _burn_name(slo, BURN_WINDOWS[0])
        targets_gone = (
            dict(
                no_data_state="Alerting",
                no_data_reason="no `up` samples in the short window means the backend's targets are "
                "gone: unavailable, not quiet",
            )
            if name == first
            else dict(
                no_data_reason=f"no `up` samples means the backend's targets are gone; {first} alerts "
                "on that (one page for one cause)"
            )
        )
    return alert(
        name=name,
        runbook_anchor=f"slo-{slo.key.replace('_', '-')}" if page else "error-budget-burn",
        dashboard_uid=SLO_UID,
        panel_id=P_BURN_RATE,
        title=f"Clipper {slo.title.lower()} budget burn {window.rate:g}x over {window.long}",
        query=slo.multi_window_burn(window),
        comparator=">",
        thresholds={window.severity: window.rate},
        for_="0s",  # the short window already demands that it still burns
        lookback=window.long,
        labels={"category": "slo" if page else "error-budget"},
        summary=f"Clipper {slo.title.lower()} SLO: "
        + ("the error budget is burning fast" if page else "the error budget is burning steadily"),
        description=f"{slo.title} is spending its error budget at {ONE_DECIMAL}x its pace over both "
        f"{window.long} and {window.short} (alert at {window.rate:g}x: {window.share:.0%} of the 30-day "
        f"budget in {window.long}). SLO {slo.objective:.1%}: at most {slo.budget:.1%} {slo.budget_text} "
        "in 30 days.",
        **targets_gone,
    )


def _slo_alerts() -> tuple[AlertSpec, ...]:
    latency = tuple(
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
            labels={"category": "slo"},
            summary=f"Clipper {kind} endpoints p95 latency above its SLO",
            description=f"p95 latency of {kind} endpoints is {SECONDS_AS_DURATION} over 5m (SLO < "
            f"{target * 1000:g} ms).",
        )
        for kind, selector, target, panel, _example in LATENCY_SLOS
    )
    burns = tuple(_burn_alert(slo, window) for slo in BUDGETED_SLOS for window in slo.windows())
    return burns + latency


def _staleness_alert(job: str | None) -> AlertSpec:
    """Per scheduled job (its schedule sets the warning), or `None`: every other job."""
    warning = stale_after_s(job) if job else UNSCHEDULED_STALE_S
    selector = f'job_name="{job}"' if job else UNSCHEDULED
    every = JOB_SCHEDULES[job] if job else None
    cadence = (
        f"runs every {every}, so a run was missed after {format_duration(warning)}"
        if every
        else f"has no fixed schedule: warning after {warning // 3600} h"
    )
    return alert(
        name=f"clipper_late_{job}" if job else "clipper_job_stale",
        runbook_anchor="job-stale",
        dashboard_uid=JOBS_UID,
        panel_id=P_JOB_STALENESS,
        title=f"Clipper background job {job} not running" if job else "Clipper background job not running",
        # The document's names; a job's own rules carry it too, as titles are unique in a folder.
        titles={
            "warning": f"BackgroundJobNotRunning ({job})" if job else "BackgroundJobNotRunning",
            "critical": f"BackgroundJobCriticallyStale ({job})" if job else "BackgroundJobCriticallyStale",
        },
        query=job_staleness(selector),
        comparator=">",
        thresholds={"critical": JOB_STALE_CRITICAL_S, "warning": warning},
        for_="1m",  # one more evaluation: a success just scraped late is not a missed run
        lookback="5m",
        summary="Background job {{ $labels.job_name }} has not succeeded recently",
        description=f"{{{{ $labels.job_name }}}} last succeeded {SECONDS_AS_DURATION} ago; it {cadence} "
        f"(critical after {JOB_STALE_CRITICAL_S // 3600} h).",
    )


def _job_alerts() -> tuple[AlertSpec, ...]:
    staleness = tuple(_staleness_alert(job) for job in SCHEDULED) + (_staleness_alert(None),)
    return staleness + (
        alert(
            name="clipper_job_failure_rate",
            runbook_anchor="job-failing",
            dashboard_uid=JOBS_UID,
            panel_id=P_FAILURE_RATE,
            title="Clipper background job failing",
            titles={"warning": "BackgroundJobFailing", "critical": "BackgroundJobCriticalFailureRate"},
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
            name="clipper_job_duration",
            runbook_anchor="job-duration",
            dashboard_uid=JOBS_UID,
            panel_id=P_DURATION_P95,
            title="Clipper background job slow",
            titles={"warning": "BackgroundJobHighDuration", "critical": "BackgroundJobCriticalDuration"},
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
            titles={"warning": "BackgroundJobQueueGrowing"},
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
            titles={"critical": "BackgroundJobCriticalQueueSize"},
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
            titles={"warning": "BackgroundJobHighItemFailureRate"},
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


# --- Proofs: how each alert's query is driven to a level, and stories (tools/engines/promtool.py) ---
_BACKEND = {"job": "clipper-backend"}
_JOB = {"job_name": "clip_sync"}
DAY_S = 86400
_SCRAPE = "30s"  # the backend's scrape interval in the stories (prod's prometheus.scrapeInterval)


def _level_scenario(slo: BudgetedSlo, window: BurnWindow) -> Scenario:
    """Level: the burn rate, i.e. the bad share in units of the budget. Windows of days are
    sampled every 5 minutes (their short windows still hold 24 samples or more)."""
    if slo.key == "availability":  # a fractional `up` is a share of failed scrapes
        series = (Gauge("up", _BACKEND, Linear(scale=-slo.budget, offset=1)),)
    elif slo.key == "error_rate":
        series = share("http_requests_total", _BACKEND, "500", "200", scale=slo.budget)
    else:
        series = share(WEBHOOK_DELIVERIES, {}, "failed", "success", scale=slo.budget)
    sample_every = "5m" if parse_duration(window.long) >= DAY_S else "1m"
    return Scenario(series, stories=_burn_stories(slo, window), sample_every=sample_every)


def _scrapes(*runs: tuple[float, int], repeat: int = 1) -> Steps:
    return Steps("up", _BACKEND, runs, repeat)


def _requests(ok_per_minute: tuple[tuple[float, int], ...], errors_per_minute: tuple[tuple[float, int], ...]):
    return (
        Steps("http_requests_total", {**_BACKEND, "status": "200"}, ok_per_minute, counter=True),
        Steps("http_requests_total", {**_BACKEND, "status": "500"}, errors_per_minute, counter=True),
    )


def _silent(*minutes: int, severity: str) -> tuple[Expect, ...]:
    return tuple(Expect(f"{m}m", severity, False) for m in minutes)


_6H = 12 * 60  # scrapes in 6 hours
# One failed scrape of the only instance after 6 h up: the 5m window burns 20x, the 1h one 1.7x.
ONE_MISSED_SCRAPE = (_scrapes((1, _6H), (0, 1), (1, 120)),)
# A restart: 2 minutes (4 scrapes) down after 6 h up.
A_RESTART = (_scrapes((1, _6H), (0, 4), (1, 120)),)
# A full outage after 70 minutes up: 14.4x over 1h needs 4.3 minutes of it.
OUTAGE = (_scrapes((1, 140), (0, 30)),)
# A slow burn: 1 scrape in 50 fails (2%, 4x the budget's pace), for 7 hours.
SLOW_SCRAPE_BURN = (_scrapes((1, 49), (0, 1), repeat=17),)
# Requests: 100 a minute; a minute of 5xx after 70 minutes; every request 5xx from minute 70; 2% 5xx.
ERROR_BURST = _requests(((100, 70), (0, 1), (100, 60)), ((0, 70), (100, 1), (0, 60)))
ERROR_OUTAGE = _requests(((100, 70), (0, 15)), ((0, 70), (100, 15)))
SLOW_ERROR_BURN = _requests(((98, 7 * 60),), ((2, 7 * 60),))

_PAGE_STORIES = {
    "availability": lambda severity, long: (
        Story(
            "one missed scrape does not page",
            ONE_MISSED_SCRAPE,
            _silent(361, 363, 366, 400, severity=severity),
            _SCRAPE,
        ),
        Story(
            "a 2-minute restart does not page",
            A_RESTART,
            _silent(362, 364, 366, 400, severity=severity),
            _SCRAPE,
        ),
        Story(
            "a slow 4x burn does not page",
            SLOW_SCRAPE_BURN,
            _silent(60, 180, 360, 419, severity=severity),
            _SCRAPE,
        ),
        *(
            (
                Story(
                    "a full outage pages within 5 minutes",
                    OUTAGE,
                    (Expect("73m", severity, False), Expect("75m", severity, True)),
                    _SCRAPE,
                ),
            )
            if long == "1h"
            else ()
        ),
    ),
    "error_rate": lambda severity, long: (
        Story("a minute of 5xx does not page", ERROR_BURST, _silent(71, 73, 76, 100, severity=severity)),
        Story("a slow 4x burn does not page", SLOW_ERROR_BURN, _silent(60, 180, 360, 419, severity=severity)),
        *(
            (
                Story(
                    "every request failing pages within 5 minutes",
                    ERROR_OUTAGE,
                    (Expect("73m", severity, False), Expect("75m", severity, True)),
                ),
            )
            if long == "1h"
            else ()
        ),
    ),
}
_TICKET_STORIES = {
    "availability": (SLOW_SCRAPE_BURN, _SCRAPE),
    "error_rate": (SLOW_ERROR_BURN, "1m"),
}


def _burn_stories(slo: BudgetedSlo, window: BurnWindow) -> tuple[Story, ...]:
    if slo.key not in _PAGE_STORIES:
        return ()
    if window.severity == "critical":
        return _PAGE_STORIES[slo.key](window.severity, window.long)
    series, interval = _TICKET_STORIES[slo.key]
    # Both ticket windows read 4x once the short one (at most 6h) has filled.
    return (
        Story("a slow 4x burn raises the ticket", series, (Expect("419m", window.severity, True),), interval),
    )


def _job_stories(job: str) -> tuple[Story, ...]:
    """Silent on its own schedule (just before each run, the age is at its largest); the warning
    fires once the job stops, within its threshold and two evaluations; a 6-hourly job's single
    missed run is caught before the next one and resolves with it."""
    every = parse_duration(JOB_SCHEDULES[job]) // 60
    warn = stale_after_s(job) // 60
    labels = {"job_name": job}
    metric = "job_last_success_timestamp_seconds"
    cycles = 3
    on_schedule = Story(
        f"{job} is silent on its schedule (every {JOB_SCHEDULES[job]})",
        (Runs(metric, labels, JOB_SCHEDULES[job], f"{cycles * every}m"),),
        tuple(
            Expect(f"{k * every - 1}m", severity, False, labels)
            for k in range(1, cycles + 1)
            for severity in ("warning", "critical")
        ),
    )
    # Runs 0 and 1 happen (the last at `every`); nothing after.
    last = every
    stops = Story(
        f"{job} stops running: warning within {format_duration(stale_after_s(job))} and 2 evaluations",
        (
            Runs(
                metric,
                labels,
                JOB_SCHEDULES[job],
                f"{last + warn + 5}m",
                missed=tuple(range(2, 2 + 2 * cycles)),
            ),
        ),
        (
            Expect(f"{last + warn}m", "warning", False, labels),
            Expect(f"{last + warn + 2}m", "warning", True, labels),
            Expect(f"{last + warn + 2}m", "critical", False, labels),
        ),
    )
    stories = [on_schedule, stops]
    if every > warn - every + 2:  # a single missed run is over the threshold before the next run
        stories.append(
            Story(
                f"{job} misses one run: warning before the next, resolved by it",
                (Runs(metric, labels, JOB_SCHEDULES[job], f"{3 * every + 5}m", missed=(2,)),),
                (
                    Expect(f"{every + warn + 2}m", "warning", True, labels),
                    Expect(f"{3 * every + 1}m", "warning", False, labels),
                ),
            )
        )
    return tuple(stories)


SCENARIOS = {
    **{
        _burn_name(slo, window): _level_scenario(slo, window)
        for slo in BUDGETED_SLOS
        for window in slo.windows()
    },
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
    "clipper_job_failure_rate": Scenario(
        share("job_execution_total", _JOB, "failed", "success", per_minute=10), _JOB
    ),
    **{
        f"clipper_late_{job}": Scenario(
            (Age("job_last_success_timestamp_seconds", {"job_name": job}),),
            {"job_name": job},
            stories=_job_stories(job),
        )
        for job in SCHEDULED
    },
    # Jobs without a fixed schedule; a scheduled job is left to its own rule.
    "clipper_job_stale": Scenario(
        (Age("job_last_success_timestamp_seconds", {"job_name": "embedding_generation"}),),
        {"job_name": "embedding_generation"},
        stories=(
            Story(
                "a scheduled job's staleness is its own rule's, not this one's",
                (
                    Runs(
                        "job_last_success_timestamp_seconds", _JOB, "15m", "200m", missed=tuple(range(1, 14))
                    ),
                ),
                _silent(150, 190, severity="warning"),
            ),
        ),
    ),
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
