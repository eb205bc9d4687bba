"""Synthetic series for every metric the dashboards read, written as OpenMetrics for promtool.

The metrics, and the labels each needs, are read from the dashboards' PromQL (selectors, their
matchers, the `by (...)` labels of aggregations and the `{{label}}` of legends), so a new panel
gets data without anyone listing its metric. Label values come from a small vocabulary of
realistic values, plus every value a matcher asks for; a metric read inside rate()/increase() is a
counter, one ending in `_bucket` a histogram with realistic buckets, the rest gauges. Shapes are a
daily wave with noise from a fixed seed, so the pictures look like production and never change.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import promql_parser

COUNTER_FUNCTIONS = {"rate", "irate", "increase"}
FINE_WINDOW = 26 * 3600  # seconds of data at the scrape interval before "now" (24 h ranges + rate windows)
COARSE_STEP = 600  # beyond that, for metrics of long-range dashboards, one sample every 10 minutes
MAX_SERIES_PER_METRIC = 400

VOCABULARY: dict[str, tuple[str, ...]] = {
    "status": ("success", "failed"),
    "outcome": ("success", "failed", "timeout"),
    "job_name": ("daily-digest", "search-reindex", "thumbnail-sweep"),
    "backend": ("hdbscan", "kmeans"),
    "operation": ("merge", "split"),
    "module": ("billing", "claims", "users"),
    "environment": ("production", "staging"),
    "source": ("sql", "prisma"),
    "queryName": ("findClaims", "getUser", "listInvoices", "updateClaim"),
    "flag": ("prisma_billing", "prisma_claims", "prisma_users"),
    "method": ("GET", "POST"),
    "endpoint": ("/api/v1/clips", "/api/v1/clips/:id", "/api/v1/search", "/api/v1/users/:id"),
    "view": ("claims.list", "claims.detail", "reports.generate", "customers.list", "health"),
    "customer_id": ("acme", "globex", "initech", "umbrella"),
    "job_type": ("ingest_claims", "send_alerts", "generate_report", "refresh_scores"),
    "error_type": ("TimeoutError", "ValidationError", "ConnectionError"),
    "channel_type": ("email", "slack", "sms"),
    "check_type": ("missing_fields", "duplicate_claim", "schema_drift"),
    "instance": ("10.0.0.11:8000", "10.0.0.12:8000"),
}
# Per metric, where a label means something else than in the vocabulary.
METRIC_VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    "http_requests_total": {"status": ("200", "201", "404", "500", "503")},
    "django_http_responses_total_by_status_total": {
        "status": ("200", "302", "400", "404", "429", "500", "502")
    },
    "django_http_responses_total_by_view_status_total": {"status": ("200", "404", "500")},
    "migration_progress_total": {"status": ("migrated", "shadow", "pending")},
    "upstream_claim_records_ingested_total": {"status": ("accepted", "rejected", "duplicate")},
}
FAILING = re.compile(r"^(failed|timeout|rejected|[45]\d\d|\w+Error)$")
# Metrics that count exceptions, and how rare they are next to the traffic they belong to.
RARE = {"mismatch": 0.0002, "error": 0.005, "failed": 0.01, "rate_limit": 0.01}
SECOND_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
MS_BUCKETS = (1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)


@dataclass
class MetricUse:
    """Everything the dashboards ask of one metric name."""

    name: str
    labels: set[str] = field(default_factory=set)
    wanted: dict[str, set[str]] = field(default_factory=dict)  # label -> values equality matchers name
    counter: bool = False
    longest_range: int = 0  # seconds: the longest range a panel reading it shows


def _read(ast: object, legend: str) -> tuple[list[tuple[object, bool]], set[str]]:
    """The selectors of one expression (and whether each sits inside rate()), and its grouping labels."""
    grouping: set[str] = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", legend or ""))
    selectors: list[tuple[object, bool]] = []
    functions: list[str | None] = []

    def pre(node: object) -> None:
        if isinstance(node, promql_parser.AggregateExpr) and node.modifier is not None:
            grouping.update(node.modifier.labels)
        if isinstance(node, promql_parser.VectorSelector):
            selectors.append((node, bool(COUNTER_FUNCTIONS.intersection(f for f in functions if f))))
        functions.append(node.func.name if isinstance(node, promql_parser.Call) else None)

    def post(node: object) -> None:
        functions.pop()

    promql_parser.walk(ast, pre, post)
    return selectors, grouping


def discover(queries: Iterable[tuple[str, str, int]]) -> dict[str, MetricUse]:
    """(PromQL with variables substituted, legend format, range in seconds) -> the metrics they read."""
    uses: dict[str, MetricUse] = {}
    for expr, legend, span in queries:
        try:
            ast = promql_parser.parse(expr)
        except Exception:  # noqa: BLE001, S112 - the panel shows the parse error itself
            continue
        selectors, grouping = _read(ast, legend)
        for node, in_rate in selectors:
            use = uses.setdefault(node.name, MetricUse(node.name))
            use.counter = use.counter or in_rate
            use.longest_range = max(use.longest_range, span)
            use.labels.update(g for g in grouping if g not in ("le", "__name__"))
            for matcher in node.matchers.matchers:
                if matcher.name == "__name__":
                    continue
                use.labels.add(matcher.name)
                if str(matcher.op) == "MatchOp.Equal":
                    use.wanted.setdefault(matcher.name, set()).add(matcher.value)
    return uses


def label_values(use: MetricUse, label: str) -> list[str]:
    """The vocabulary's values and every value a matcher names; a label known only from an
    equality matcher (`job="clipper-backend"`) gets exactly the values asked for."""
    default = () if label in use.wanted else (f"{label}-a", f"{label}-b")
    vocabulary = METRIC_VOCABULARY.get(use.name, {}).get(label) or VOCABULARY.get(label) or default
    return sorted(set(vocabulary) | use.wanted.get(label, set()))


def label_sets(use: MetricUse) -> list[dict[str, str]]:
    labels = sorted(use.labels)
    combos = itertools.product(*(label_values(use, label) for label in labels))
    return [
        dict(zip(labels, combo, strict=True)) for combo in itertools.islice(combos, MAX_SERIES_PER_METRIC)
    ]


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")


def _wave(t: float, phase: float) -> float:
    """A daily cycle between 0.55 and 1.45, busiest in the afternoon."""
    return 1 + 0.45 * math.sin(2 * math.pi * (t / 86400 - 0.4) + phase)


def share(metric: str, labels: Mapping[str, str]) -> float:
    """How much of the traffic a series carries: failures and mismatches are rare, 5xx rarer."""
    factor = 1.0
    if any(re.fullmatch(r"5\d\d", v) for v in labels.values()):
        factor *= 0.002
    elif any(FAILING.match(v) for v in labels.values()):
        factor *= 0.02
    for pattern, rarity in RARE.items():
        if pattern in metric:
            factor *= rarity
            break
    return factor


@dataclass(frozen=True)
class SeriesPlan:
    metric: str
    labels: Mapping[str, str]
    kind: str  # counter | histogram | gauge
    level: float  # per-second rate of a counter, value of a gauge
    phase: float


def plan_series(uses: Mapping[str, MetricUse]) -> list[SeriesPlan]:
    out = []
    for name in sorted(uses):
        use = uses[name]
        kind = "histogram" if name.endswith("_bucket") else ("counter" if use.counter else "gauge")
        for labels in label_sets(use):
            rng = random.Random(_seed(name, *sorted(f"{k}={v}" for k, v in labels.items())))
            level = rng.uniform(2, 20) * share(name, labels)
            out.append(SeriesPlan(name, labels, kind, level, rng.uniform(-0.6, 0.6)))
    return out


def _gauge_value(plan: SeriesPlan, t: float, noise: float) -> float:
    name = plan.metric
    if name == "up":
        return 0.0 if int(t // 60) % 2879 == 17 else 1.0  # a missed scrape about every two days
    if name.endswith("_timestamp_seconds"):
        period = 600 + 300 * plan.phase  # a job succeeding every 5 to 15 minutes
        return math.floor(t / period) * period
    if name == "feature_flag_enabled":
        return 1.0 if plan.level > 6 else 0.0
    if name.endswith("_sample_rate"):
        return 0.1
    if "progress" in name:
        return round(plan.level * 100 * (1 + t / 86400 / 60))
    if name.endswith(("_count", "_size", "_active")) or "noise" in name:
        return max(0.0, round(plan.level * 3 * _wave(t, plan.phase) + noise))
    return plan.level * _wave(t, plan.phase) * (1 + 0.1 * noise)


def _buckets(name: str) -> tuple[float, ...]:
    return MS_BUCKETS if name.endswith("_ms") or "_ms_" in name else SECOND_BUCKETS


def _latency_cdf(le: float, median: float) -> float:
    """Log-normal latency (sigma 0.8) below `le`."""
    return 0.5 * (1 + math.erf(math.log(le / median) / (0.8 * math.sqrt(2))))


def timestamps(use_range: int, scrape: int, now: int) -> list[int]:
    fine_start = now - FINE_WINDOW
    coarse = (
        list(range(now - use_range - 3 * 3600, fine_start, COARSE_STEP))
        if use_range > FINE_WINDOW - 7200
        else []
    )
    fine_start += (now - fine_start) % scrape
    return coarse + list(range(fine_start, now + 1, scrape))


def openmetrics(uses: Mapping[str, MetricUse], scrape: int, now: int) -> Iterator[str]:
    """The OpenMetrics text, series after series, samples in time order, `# EOF` last."""
    for plan in plan_series(uses):
        times = timestamps(uses[plan.metric].longest_range, scrape, now)
        rng = random.Random(
            _seed("samples", plan.metric, *sorted(f"{k}={v}" for k, v in plan.labels.items()))
        )
        if plan.kind == "histogram":
            base = plan.metric.removesuffix("_bucket")
            median = (12.0 if _buckets(base) is MS_BUCKETS else 0.02) * (1 + plan.level / 20)
            totals, total, last = [], 0.0, None
            for t in times:
                step = 0 if last is None else t - last
                total += plan.level * _wave(t, plan.phase) * (1 + 0.2 * rng.uniform(-1, 1)) * step
                totals.append(total)
                last = t
            for le in (*_buckets(base), math.inf):
                share = 1.0 if le == math.inf else _latency_cdf(le, median)
                labels = {**plan.labels, "le": "+Inf" if le == math.inf else f"{le:g}"}
                selector = _selector(plan.metric, labels)
                for t, value in zip(times, totals, strict=True):
                    yield f"{selector} {value * share:.3f} {t}\n"
            continue
        selector = _selector(plan.metric, plan.labels)
        total, last = 0.0, None
        for t in times:
            noise = rng.uniform(-1, 1)
            if plan.kind == "counter":
                if last is not None:
                    total += plan.level * _wave(t, plan.phase) * (1 + 0.2 * noise) * (t - last)
                last = t
                yield f"{selector} {total:.3f} {t}\n"
            else:
                yield f"{selector} {_gauge_value(plan, t, noise):.10g} {t}\n"
    yield "# EOF\n"


def _selector(metric: str, labels: Mapping[str, str]) -> str:
    if not labels:
        return metric
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return f"{metric}{{{inner}}}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
