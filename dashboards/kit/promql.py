"""The PromQL idioms every Prometheus pack writes: one rate interval, rate sums, quantiles.

Panels pass `RATE_INTERVAL` (Grafana's `$__rate_interval`, at least four scrape intervals at any
zoom); alert rules pass literal windows (`"5m"`), since Grafana does not expand the variable there.
"""

from __future__ import annotations

from collections.abc import Sequence

RATE_INTERVAL = "$__rate_interval"


def selector(metric: str, *matchers: str) -> str:
    """`metric{m1, m2}`, or the bare metric without matchers (empty ones are dropped)."""
    present = [m for m in matchers if m]
    return f"{metric}{{{', '.join(present)}}}" if present else metric


def _by(labels: Sequence[str]) -> str:
    return f" by ({', '.join(labels)}) " if labels else ""


def rate_sum(series: str, window: str = RATE_INTERVAL, by: Sequence[str] = ()) -> str:
    """`sum [by (...)] (rate(series[window]))`: the per-second rate of a counter, aggregated."""
    return f"sum{_by(by)}(rate({series}[{window}]))"


def quantile(q: float, buckets: str, window: str = RATE_INTERVAL, by: Sequence[str] = ()) -> str:
    """The q-quantile of a histogram over its bucket rates, per `by` group.

    `buckets` is the `_bucket` series (a selector may narrow it). `le` leads the grouping unless
    `by` places it. Summing the rates by `le` first is what makes the quantile one of the
    whole group (the quantile of raw bucket counts would be since process start, per instance).
    """
    labels = tuple(by) if "le" in by else ("le", *by)
    return f"histogram_quantile({q:g}, sum by ({', '.join(labels)}) (rate({buckets}[{window}])))"


def per_step(expr: str) -> str:
    """A per-second rate turned into the increase over each query step.

    Summing these points (stat/bar reduce "sum") gives the total over the time range while the
    rate itself keeps `RATE_INTERVAL`: `sum(rate(x[$__rate_interval]))` * step seconds.
    """
    return f"({expr}) * $__interval_ms / 1000"


def ratio_where_traffic(numerator: str, denominator: str) -> str:
    """`numerator / (denominator > 0)`: no traffic is no point (a gap), never a division by zero."""
    return f"{numerator}\n/ ({denominator} > 0)"
