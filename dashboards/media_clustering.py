"""Media clustering (Redis Streams workers): "Media Clustering – Pipeline Health" and its alerts.

Source: seeds/001 (observability dashboards & alerts). Decisions where the seed leaves a choice
open or contradicts itself:

- One number per threshold, below: panel thresholds and alert rules read the same constants, and
  each alert is one spec with a threshold per severity (warning and critical never copied).
- Failure rate: failed jobs (`outcome!="success"`) per minute over 5m, warning above 1/min,
  critical above 3/min, each held for 5m. The seed's alert policy pages at 1/min; its metrics
  table (warn 1, critical 3) is the better-defined source, so 1/min is a warning (Slack) and
  3/min pages.
- Latency: p95 of `cluster_job_duration_seconds` per backend over 5m, warning above 5s,
  critical above 8s, each for 10m (the alert policies' 10 minutes, not the table's 5).
- Feedback: any increase of failed merge/split operations in 10m is critical at once (`for` 0):
  a data-integrity event. The seed's "auto-page if 2 failures within 10m" is subsumed: the
  first failure already pages.
- Noise: "> 30 for 3 consecutive runs" is `min_over_time(cluster_last_noise_count[15m]) > 30`
  with an assumed run interval of `NOISE_RUN_INTERVAL` (5m): the gauge holds the last run's
  count, so its minimum over three run intervals exceeds 30 only if every run in them did.
  Adjust `NOISE_RUN_INTERVAL` if the worker schedule changes.
- Stalled pipeline ("growth stops for 10 min during active uploads"): successful jobs grew by
  less than 1 in 5m, held for 5m (10 minutes without a success), while uploads are active. The
  inventory has no upload counter, so "uploads active" is: work is waiting in the stream
  (`media_cluster_pending_jobs > 0`, legacy exporter, where it runs) or jobs are being attempted
  and failing (`increase(cluster_jobs_total{outcome!="success"}[5m]) > 0`). A quiet night (no
  uploads, nothing pending) does not alert. Where the legacy exporter is absent (prod) only the
  second signal exists, so a complete stall without attempts is not detectable from these
  metrics; the failure-rate alert and the Redis CLI drill cover that. Critical: uploads are not
  being clustered.
- Backlog: the legacy exporter's row (pending jobs, stream lag) and its two alerts exist only
  where the pack option `media.backlog` is on (staging). Pending jobs: warning above 100,
  critical above 250 (for 5m). Stream lag: the seed's policy (> 30s for 5m, Slack warning) is
  the alert; the table's 10s warning is the panel's yellow step.
- Stat tiles: "successful vs failed jobs" and "cumulative merge/split successes" are totals over
  the picked range, summed from per-step increments of `rate(...[$__rate_interval])`
  (`dashboards.kit.promql.per_step`), so the range follows the time picker.
- Logs: every panel links to the logs of its own time range in Explore (Loki, `${__from}` to
  `${__to}`), filtered by the logger the runbook names (`logger="sploot-cluster.queue"`, a JSON
  field of the service's lines; a line filter on it runs before the parser). The feedback panels
  link to the whole `sploot-cluster` stream: the seed names no logger for merge/split. No metric
  of the inventory carries `pet_id`, so no panel can filter by it: the logs view shows each line's
  `pet_id` field to find the affected pet (runbook: "identify affected pet via logs").
- Quick links (seed's runbook): the Prometheus console (`<prometheus.url>/graph`, the stack's
  Prometheus setting) and the Loki log search of the service's stream (Explore, last hour), at
  the top of the dashboard. The seed's URLs are its staging hosts; the stack's settings replace them.
- Routing: critical -> Slack and PagerDuty (the media rotation), warning and info -> Slack. The
  p95 latency warning tags @oncall in Slack ("Slack warning (tag @oncall)"): its rules carry
  `MENTION_ONCALL`, and a route matched before the team's general one sends its warning to the
  `team-channel-mention` role (the stack's Slack receiver that mentions the on-call user group;
  the group id is stack config). No other alert mentions anyone.
- Alert names: the seed describes its alert policies by metric and threshold and names none, so
  rule titles are descriptive ("Media clustering failures", ...), with the severity appended to
  the variants of one spec.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import gauge, stat, timeseries
from grafana_foundation_sdk.models import common as cm

from dashboards.kit.alerts import ONE_DECIMAL, SECONDS_AS_DURATION, WHOLE_NUMBER, alert_factory
from dashboards.kit.dashboard import PanelFunction, dashboard, new_dashboard, with_rows
from dashboards.kit.links import explore_url, logs_link, quick_link
from dashboards.kit.panels import (
    default_gauge,
    default_stat,
    default_timeseries,
    threshold_lines,
    thresholds,
)
from dashboards.kit.promql import RATE_INTERVAL, per_step, quantile, rate_sum
from dashboards.kit.targets import prom
from model.pack import AlertSpec, Pack, PackContext, PackOption, TeamRoute
from model.scenarios import Constant, Counter, Gauge, Histogram, Linear, Scenario, fixed

TEAM = "media"
FOLDER_UID = "media-clustering"
DASHBOARD_UID = "media-cluster-observability"

# Panel ids are pinned: alert rules link to them.
ROW_OUTCOMES, PANEL_SUCCESS, PANEL_FAILED, PANEL_NOISE = 1, 2, 3, 4
ROW_THROUGHPUT, PANEL_THROUGHPUT, PANEL_LATENCY = 5, 6, 7
ROW_FEEDBACK, PANEL_FEEDBACK, PANEL_FEEDBACK_SUCCESS = 8, 9, 10
ROW_BACKLOG, PANEL_PENDING, PANEL_LAG = 11, 12, 13

# Thresholds (seed 001 metrics inventory); panels and alerts share them.
FAILURES_PER_MIN_WARNING = 1.0
FAILURES_PER_MIN_CRITICAL = 3.0
P95_WARNING_SECONDS = 5.0
P95_CRITICAL_SECONDS = 8.0
P95_TARGET_SECONDS = 3.0  # panel: green below
NOISE_TYPICAL = 15  # gauge yellow from here
NOISE_WARNING = 30  # alert and gauge red above
NOISE_RUN_INTERVAL_MINUTES = 5  # assumed clustering run interval
NOISE_RUNS = 3
PENDING_WARNING = 100
PENDING_CRITICAL = 250
PENDING_TARGET = 50
LAG_YELLOW_SECONDS = 10.0
LAG_WARNING_SECONDS = 30.0
STALLED_MIN_SUCCESSES = 1  # fewer successes than this in STALLED_WINDOW means "stopped growing"

# The label of the alerts whose Slack warning tags the on-call (seed 001: the p95 latency warning).
MENTION_ONCALL = {"mention": "oncall"}

JOBS = "cluster_jobs_total"
SUCCESS = f'{JOBS}{{outcome="success"}}'
FAILED = f'{JOBS}{{outcome!="success"}}'
FEEDBACK = "cluster_feedback_operations_total"
DURATION_BUCKET = "cluster_job_duration_seconds_bucket"


# --- PromQL, shared by panels (RATE_INTERVAL) and alerts (literal windows) ---
def failures_per_min(window: str) -> str:
    return f"{rate_sum(FAILED, window)} * 60"


def successes_per_min(window: str) -> str:
    return f"{rate_sum(SUCCESS, window)} * 60"


def latency_quantile(q: float, window: str) -> str:
    return quantile(q, DURATION_BUCKET, window, by=("backend",))


NOISE_ALERT = f"max(min_over_time(cluster_last_noise_count[{NOISE_RUN_INTERVAL_MINUTES * NOISE_RUNS}m]))"
FEEDBACK_FAILURES = f'sum(increase({FEEDBACK}{{outcome!="success"}}[10m]))'
PENDING = "max(media_cluster_pending_jobs)"
LAG = "max(media_cluster_stream_lag_seconds)"
STALLED = (
    f"(sum(increase({SUCCESS}[5m])) or vector(0))\n"
    "and on ()\n"
    f"(sum(media_cluster_pending_jobs) > 0 or sum(increase({FAILED}[5m])) > 0)"
)


# Logs of the service (seed 001): one stream, the logger a JSON field of its lines.
SERVICE_LOGS = '{service="sploot-cluster"}'
QUEUE_LOGGER = "sploot-cluster.queue"
QUEUE_LOGS = f'{SERVICE_LOGS} |= "{QUEUE_LOGGER}" | json | logger="{QUEUE_LOGGER}"'


def _with_logs(panel: PanelFunction, expr: str = QUEUE_LOGS) -> PanelFunction:
    """`panel` with a data link to the logs of its time range."""
    return lambda ctx: panel(ctx).data_links([logs_link(ctx, "Logs of this time range", expr)])


def _quick_links(builder: dash.Dashboard, ctx: PackContext) -> dash.Dashboard:
    """The runbook's quick links: Prometheus console and Loki log search."""
    if ctx.prometheus_url:
        builder = builder.link(
            quick_link(
                "Prometheus console",
                f"{ctx.prometheus_url.rstrip('/')}/graph",
                "This environment's Prometheus: query the cluster_* metrics directly",
            )
        )
    return builder.link(
        quick_link(
            "Loki log search",
            explore_url(ctx, SERVICE_LOGS, "now-1h", "now"),
            "The sploot-cluster logs of the last hour in Explore",
        )
    )


# --- Panel defaults of this dashboard ---
def _total(panel_id: int, title: str, description: str) -> stat.Panel:
    """A stat tile of the total over the time range (sum of `per_step` increments)."""
    return (
        default_stat(panel_id, title, description, calc="sum")
        .unit("short")
        .decimals(0)
        .graph_mode(cm.BigValueGraphMode.NONE)
        .color_mode(cm.BigValueColorMode.VALUE)
    )


def _over_time(panel_id: int, title: str, description: str, span: int = 12) -> timeseries.Panel:
    return default_timeseries(panel_id, title, description, span).min(0)


# --- Outcomes overview ---
def successful_jobs(ctx: PackContext) -> stat.Panel:
    return (
        _total(
            PANEL_SUCCESS,
            "Successful jobs",
            "Clustering jobs that succeeded in the time range (all instances).",
        )
        .with_target(prom(ctx, per_step(rate_sum(SUCCESS)), "success"))
        .thresholds(thresholds("green"))
    )


def failed_jobs(ctx: PackContext) -> stat.Panel:
    return (
        _total(
            PANEL_FAILED,
            "Failed jobs",
            "Clustering jobs that failed (any outcome but success, exceptions included) in the time range. "
            "0 in steady state.",
        )
        .with_target(prom(ctx, per_step(rate_sum(FAILED)), "failed"))
        .thresholds(thresholds("green", [(1, "red")]))
    )


def noise_count(ctx: PackContext) -> gauge.Panel:
    return (
        default_gauge(
            PANEL_NOISE,
            "Noise count (last run)",
            f"Noise points retained after the most recent clustering run (highest instance). Typically "
            f"below {NOISE_TYPICAL}; warns when above {NOISE_WARNING} for {NOISE_RUNS} consecutive runs.",
        )
        .with_target(prom(ctx, "max(cluster_last_noise_count)", "noise"))
        .unit("none")
        .decimals(0)
        .max(NOISE_WARNING * 2)
        .thresholds(thresholds("green", [(NOISE_TYPICAL, "yellow"), (NOISE_WARNING, "red")]))
    )


# --- Throughput & latency ---
def job_throughput(ctx: PackContext) -> timeseries.Panel:
    return (
        _over_time(
            PANEL_THROUGHPUT,
            "Job throughput",
            f"Successful and failed jobs per minute. Failures warn above "
            f"{FAILURES_PER_MIN_WARNING:g}/min and "
            f"page above {FAILURES_PER_MIN_CRITICAL:g}/min (5m rate). Successes flat at zero while work is "
            "waiting means the pipeline stalled.",
        )
        .with_target(prom(ctx, successes_per_min(RATE_INTERVAL), "success/min", "A"))
        .with_target(prom(ctx, failures_per_min(RATE_INTERVAL), "failures/min", "B"))
        .unit("opm")
        .thresholds(
            thresholds(
                "transparent", [(FAILURES_PER_MIN_WARNING, "yellow"), (FAILURES_PER_MIN_CRITICAL, "red")]
            )
        )
        .thresholds_style(threshold_lines("dashed"))
        .line_width(2)
    )


def job_latency(ctx: PackContext) -> timeseries.Panel:
    return (
        _over_time(
            PANEL_LATENCY,
            "Job latency p50 / p95 by backend",
            f"Processing latency quantiles per backend (faiss, hdbscan_cpu, ...). Target p95 < "
            f"{P95_TARGET_SECONDS:g}s; warns above {P95_WARNING_SECONDS:g}s and pages above "
            f"{P95_CRITICAL_SECONDS:g}s for 10 minutes. Compare p50 and p95 for tail-only impact.",
        )
        .with_target(prom(ctx, latency_quantile(0.5, RATE_INTERVAL), "p50 {{backend}}", "A"))
        .with_target(prom(ctx, latency_quantile(0.95, RATE_INTERVAL), "p95 {{backend}}", "B"))
        .unit("s")
        .thresholds(
            thresholds("transparent", [(P95_WARNING_SECONDS, "yellow"), (P95_CRITICAL_SECONDS, "red")])
        )
        .thresholds_style(threshold_lines("dashed"))
        .line_width(2)
    )


# --- Feedback activity ---
def feedback_operations(ctx: PackContext) -> timeseries.Panel:
    return (
        _over_time(
            PANEL_FEEDBACK,
            "Feedback operations by operation and outcome",
            "Merge and split feedback operations per minute, by operation and outcome. Any failed "
            "operation pages (data integrity).",
            span=16,
        )
        .with_target(
            prom(ctx, f"{rate_sum(FEEDBACK, by=('operation', 'outcome'))} * 60", "{{operation}} {{outcome}}")
        )
        .unit("opm")
        .line_width(2)
    )


def feedback_successes(ctx: PackContext) -> stat.Panel:
    return (
        _total(
            PANEL_FEEDBACK_SUCCESS,
            "Merge / split successes",
            "Successful merge and split operations in the time range.",
        )
        .with_target(
            prom(
                ctx,
                per_step(rate_sum(f'{FEEDBACK}{{outcome="success"}}', by=("operation",))),
                "{{operation}}",
            )
        )
        .thresholds(thresholds("blue"))
        .height(8)
    )


# --- Backlog (legacy worker exporter) ---
def pending_jobs(ctx: PackContext) -> timeseries.Panel:
    return (
        _over_time(
            PANEL_PENDING,
            "Pending jobs (Redis consumer group)",
            f"Pending entries of the cluster-workers consumer group (legacy worker exporter). Normal below "
            f"{PENDING_TARGET}; warns above {PENDING_WARNING}, pages above {PENDING_CRITICAL}. "
            "Drill: XPENDING / XINFO CONSUMERS.",
        )
        .with_target(prom(ctx, PENDING, "pending"))
        .unit("short")
        .thresholds(thresholds("green", [(PENDING_WARNING, "yellow"), (PENDING_CRITICAL, "red")]))
        .thresholds_style(threshold_lines("dashed"))
    )


def stream_lag(ctx: PackContext) -> timeseries.Panel:
    return (
        _over_time(
            PANEL_LAG,
            "Stream lag (oldest pending job)",
            f"Idle time of the oldest pending job. Normal below 5s; yellow from {LAG_YELLOW_SECONDS:g}s, "
            f"warns above {LAG_WARNING_SECONDS:g}s for 5 minutes.",
        )
        .with_target(prom(ctx, LAG, "lag"))
        .unit("s")
        .thresholds(thresholds("green", [(LAG_YELLOW_SECONDS, "yellow"), (LAG_WARNING_SECONDS, "red")]))
        .thresholds_style(threshold_lines("dashed"))
    )


def _dashboard(ctx: PackContext, backlog: bool) -> dash.Dashboard:
    builder = new_dashboard(
        "Media Clustering – Pipeline Health",
        DASHBOARD_UID,
        "Redis Streams clustering pipeline: outcomes, throughput and latency, feedback, backlog.",
        ["media", "clustering", "redis-streams"],
        "now-6h",
    )
    queue = [_with_logs(p) for p in (successful_jobs, failed_jobs, noise_count, job_throughput, job_latency)]
    feedback = [_with_logs(p, SERVICE_LOGS) for p in (feedback_operations, feedback_successes)]
    rows = [
        (ROW_OUTCOMES, "Outcomes overview", queue[:3]),
        (ROW_THROUGHPUT, "Throughput & latency", queue[3:]),
        (ROW_FEEDBACK, "Feedback activity", feedback),
    ]
    if backlog:
        rows.append(
            (
                ROW_BACKLOG,
                "Backlog (legacy worker exporter)",
                [_with_logs(p) for p in (pending_jobs, stream_lag)],
            )
        )
    return with_rows(_quick_links(builder, ctx), ctx, rows)


# --- Alerts ---
alert = alert_factory(
    datasource="prometheus",
    every="1m",
    dashboard_uid=DASHBOARD_UID,
    labels={"service": "sploot-cluster"},
    no_data_state="OK",
    no_data_reason=(
        "no series: no job, run or exporter sample in the window, a quiet pipeline rather than the "
        "condition; the stalled alert covers work that stops while uploads are active"
    ),
)


def _alerts(backlog: bool) -> tuple[AlertSpec, ...]:
    alerts = [
        alert(
            name="media_cluster_failures",
            runbook_anchor="clustering-failures-spike",
            title="Media clustering failures",
            query=failures_per_min("5m"),
            comparator=">",
            thresholds={"critical": FAILURES_PER_MIN_CRITICAL, "warning": FAILURES_PER_MIN_WARNING},
            for_="5m",
            summary=f"Media clustering: {ONE_DECIMAL} failed jobs per minute",
            description=(
                f"Failed clustering jobs ran at {ONE_DECIMAL}/min over 5 minutes (warning above "
                f"{FAILURES_PER_MIN_WARNING:g}, critical above {FAILURES_PER_MIN_CRITICAL:g}). Check the "
                "sploot-cluster.queue logs and the stream backlog (XPENDING); requeue poisoned messages."
            ),
            panel_id=PANEL_THROUGHPUT,
        ),
        alert(
            name="media_cluster_latency_p95",
            runbook_anchor="latency-regression",
            title="Media clustering p95 latency high",
            query=latency_quantile(0.95, "5m"),
            comparator=">",
            thresholds={"critical": P95_CRITICAL_SECONDS, "warning": P95_WARNING_SECONDS},
            for_="10m",
            labels=MENTION_ONCALL,
            summary=f"Media clustering p95 latency {SECONDS_AS_DURATION} on {{{{ $labels.backend }}}}",
            description=(
                "p95 of cluster_job_duration_seconds on backend {{ $labels.backend }} is "
                f"{SECONDS_AS_DURATION} (warning above {P95_WARNING_SECONDS:g}s, critical above "
                f"{P95_CRITICAL_SECONDS:g}s, for 10m). Check for an unexpected CPU fallback and pod "
                "resources."
            ),
            panel_id=PANEL_LATENCY,
        ),
        alert(
            name="media_cluster_feedback_failures",
            runbook_anchor="feedback-failures",
            title="Media clustering feedback operation failed",
            query=FEEDBACK_FAILURES,
            comparator=">",
            thresholds={"critical": 0},
            for_="0s",
            summary=f"Media clustering: {WHOLE_NUMBER} failed merge/split operations in 10m",
            description=(
                "Merge/split feedback operations failed in the last 10 minutes: a data-integrity event. "
                "Find the affected pets in the sploot-cluster logs before retrying the operations."
            ),
            panel_id=PANEL_FEEDBACK,
        ),
        alert(
            name="media_cluster_noise_high",
            runbook_anchor="noise-count-surge",
            title="Media clustering noise count high",
            query=NOISE_ALERT,
            comparator=">",
            thresholds={"warning": NOISE_WARNING},
            for_="0s",
            summary=f"Media clustering noise count above {NOISE_WARNING} for {NOISE_RUNS} runs",
            description=(
                f"Every clustering run of the last {NOISE_RUNS * NOISE_RUN_INTERVAL_MINUTES} minutes "
                "kept more "
                f"than {NOISE_WARNING} noise points (lowest: {WHOLE_NUMBER}). Identify the pet "
                "in the "
                "logs and trigger a manual recluster."
            ),
            panel_id=PANEL_NOISE,
        ),
        alert(
            name="media_cluster_stalled",
            runbook_anchor="pipeline-stalled",
            title="Media clustering stalled during uploads",
            query=STALLED,
            comparator="<",
            thresholds={"critical": STALLED_MIN_SUCCESSES},
            for_="5m",
            no_data_reason="empty exactly when no work is pending or failing: a quiet night, by design",
            summary="Media clustering: no successful job for 10 minutes while work is waiting",
            description=(
                "Successful clustering jobs stopped growing for 10 minutes while jobs are pending in the "
                "stream or being attempted. Check the workers (kubectl top/describe), consumer group state "
                "(XINFO CONSUMERS) and the failure panel."
            ),
            panel_id=PANEL_THROUGHPUT,
        ),
    ]
    if backlog:
        alerts += [
            alert(
                name="media_cluster_pending_jobs",
                runbook_anchor="redis-backlog",
                title="Media clustering backlog high",
                query=PENDING,
                comparator=">",
                thresholds={"critical": PENDING_CRITICAL, "warning": PENDING_WARNING},
                for_="5m",
                summary=f"Media clustering: {WHOLE_NUMBER} pending jobs",
                description=(
                    f"The cluster-workers consumer group has {WHOLE_NUMBER} pending entries "
                    "(warning "
                    f"above {PENDING_WARNING}, critical above {PENDING_CRITICAL}). Inspect consumers; scale "
                    "workers or recover a stuck consumer."
                ),
                panel_id=PANEL_PENDING,
            ),
            alert(
                name="media_cluster_stream_lag",
                runbook_anchor="redis-backlog",
                title="Media clustering stream lag high",
                query=LAG,
                comparator=">",
                thresholds={"warning": LAG_WARNING_SECONDS},
                for_="5m",
                summary=f"Media clustering: oldest pending job idle {SECONDS_AS_DURATION}",
                description=(
                    f"The oldest pending job has been idle above {LAG_WARNING_SECONDS:g}s for 5 minutes. "
                    "Check consumer group state and worker health."
                ),
                panel_id=PANEL_LAG,
            ),
        ]
    return tuple(alerts)


# --- Proofs: how each alert's query is driven to a level (tools/engines/promtool.py) ---
_WORKER = {"instance": "w1"}
_EXPORTER = {"instance": "exporter"}
SCENARIOS = {
    # Level: failed jobs per minute, beside 30 successes a minute.
    "media_cluster_failures": Scenario(
        (
            Counter(JOBS, {**_WORKER, "outcome": "failed"}),
            Counter(JOBS, {**_WORKER, "outcome": "success"}, fixed(30)),
        )
    ),
    # Level: p95 of cluster_job_duration_seconds on one backend, in seconds.
    "media_cluster_latency_p95": Scenario(
        (Histogram("cluster_job_duration_seconds", {**_WORKER, "backend": "faiss"}, 0.95),),
        labels={"backend": "faiss"},
    ),
    # Level: failed feedback operations per minute (0: none, 1: one a minute).
    "media_cluster_feedback_failures": Scenario(
        (
            Counter(FEEDBACK, {"operation": "merge", "outcome": "failed"}),
            Counter(FEEDBACK, {"operation": "split", "outcome": "success"}, fixed(5)),
        )
    ),
    # Level: noise points of the last run, the same on every run.
    "media_cluster_noise_high": Scenario((Gauge("cluster_last_noise_count", _WORKER),)),
    # Level: successful jobs per 5 minutes, while jobs are pending in the stream (uploads active).
    # Safe: one success a minute (5 per 5m); firing: none at all.
    "media_cluster_stalled": Scenario(
        (
            Counter(JOBS, {**_WORKER, "outcome": "success"}, Linear(1 / 5)),
            Constant("media_cluster_pending_jobs", _EXPORTER, 20),
        ),
        levels=(5.0 * STALLED_MIN_SUCCESSES, 0.0),
    ),
    "media_cluster_pending_jobs": Scenario((Gauge("media_cluster_pending_jobs", _EXPORTER),)),
    "media_cluster_stream_lag": Scenario((Gauge("media_cluster_stream_lag_seconds", _EXPORTER),)),
}


OPTIONS = {
    "backlog": PackOption(
        default=False,
        help="the legacy worker exporter runs here: show its backlog row and alert on it",
    ),
}


ROLES = {
    "critical": ("team-channel", "team-pager"),
    "warning": ("team-channel",),
    "info": ("team-channel",),
}


def build(ctx: PackContext) -> Pack:
    backlog = ctx.option(TEAM, "backlog", OPTIONS["backlog"].default)
    model = dashboard(_dashboard(ctx, backlog))
    return Pack(
        team=TEAM,
        folder_uid=FOLDER_UID,
        folder_title="Media Clustering",
        dashboards=(model,),
        alerts=_alerts(backlog),
        scenarios=SCENARIOS,
        routes=(
            TeamRoute(
                team=TEAM,
                matchers=MENTION_ONCALL,
                roles_by_severity={**ROLES, "warning": ("team-channel-mention",)},
            ),
            TeamRoute(team=TEAM, roles_by_severity=ROLES),
        ),
    )
