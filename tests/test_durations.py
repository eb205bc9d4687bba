"""Durations in Prometheus' canonical form, the form Grafana stores and gives back."""

from __future__ import annotations

import random

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from model.durations import canonical, format_duration, parse_duration
from tools.engines.prometheus import PrometheusServer


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


def test_the_canonical_form_is_prometheus_own(tmp_path):
    """format_duration against Prometheus' own model.Duration.String(), by the real server: each
    value is handed to Prometheus in seconds (a scrape interval) and read back as it writes it."""
    rng = random.Random(20261201)
    day = 86400
    edges = {1, 59, 60, 61, 90, 3599, 3600, 5400, day - 1, day, day + 3600, 6 * day, 7 * day}
    edges |= {8 * day, 14 * day, 364 * day, 365 * day, 366 * day, 371 * day, 372 * day, 730 * day, 737 * day}
    seconds = sorted(edges | {rng.randrange(1, 3 * 365 * day) for _ in range(120)})
    jobs = [
        {"job_name": f"d{s}", "scrape_interval": f"{s}s", "scrape_timeout": "1s",
         "static_configs": [{"targets": ["127.0.0.1:9"]}]}
        for s in seconds
    ]  # fmt: skip
    server = PrometheusServer(tmp_path, yaml.safe_dump({"scrape_configs": jobs}))
    try:  # the config as Prometheus writes it back, each duration through model.Duration.String()
        read = yaml.safe_load(server.api("status/config")["yaml"])
    finally:
        server.close()
    written = {job["job_name"]: job["scrape_interval"] for job in read["scrape_configs"]}
    assert {f"d{s}": format_duration(s) for s in seconds} == written
