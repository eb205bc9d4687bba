"""An alert factory per pack: the pack's defaults written once, each alert only what is its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from model.pack import AlertSpec


def alert_factory(**defaults: Any) -> Callable[..., AlertSpec]:
    """`alert = alert_factory(datasource="prometheus", every="1m", ...)`, then `alert(name=..., ...)`.

    An alert's own fields win over the defaults; `labels` are merged (the pack's, then the alert's).
    """

    def alert(**fields: Any) -> AlertSpec:
        labels = {**defaults.get("labels", {}), **fields.pop("labels", {})}
        return AlertSpec(**{**defaults, **fields, "labels": labels})

    return alert


# The value a rule compares (reduction B), formatted in the unit its text uses. Grafana's
# annotation templates share Prometheus' template functions, so both render these alike.
RATIO_AS_PERCENT = "{{ humanizePercentage $values.B.Value }}"  # 0.005 -> "0.5%"
SECONDS_AS_DURATION = "{{ humanizeDuration $values.B.Value }}"  # 0.15 -> "150ms", 10800 -> "3h 0m 0s"
WHOLE_NUMBER = '{{ printf "%.0f" $values.B.Value }}'  # counts: 251.0 -> "251"
ONE_DECIMAL = '{{ printf "%.1f" $values.B.Value }}'  # rates, multiples: 3.1415 -> "3.1"
TWO_DECIMALS = '{{ printf "%.2f" $values.B.Value }}'  # a value already in percent: 5.2345 -> "5.23"
THREE_DECIMALS = '{{ printf "%.3f" $values.B.Value }}'  # small percentages: 0.01234 -> "0.012"
