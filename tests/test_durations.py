"""Durations in Prometheus' canonical form, the form Grafana stores and gives back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.durations import canonical, format_duration, parse_duration


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("24h", "1d"),  # what Grafana gives back for a policy's repeat interval of 24h
        ("90m", "1h30m"),
        ("7d", "1w"),
        ("8d", "8d"),  # weeks only when exact, as Prometheus writes them
        ("365d", "1y"),
        ("1h0m", "1h"),
        ("300s", "5m"),
        ("4h", "4h"),
    ],
)
def test_canonical_form(written, stored):
    assert canonical(written) == stored


@given(st.integers(min_value=0, max_value=10 * 365 * 86400))
def test_canonical_is_a_fixed_point(seconds):
    text = format_duration(seconds)
    assert parse_duration(text) == seconds
    assert canonical(text) == text


@pytest.mark.parametrize("bad", ["", "1", "h", "1.5h", "-1m", "1m1h", " 1m", "1ms"])
def test_malformed_durations_are_refused(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)
