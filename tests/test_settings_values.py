"""Settings values checked as the systems that consume them check them, some against the real one."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from settings.problems import looks_like_secret
from settings.values import (
    PG_MAX_MS,
    PG_RESERVED,
    Clock,
    DisplayName,
    Email,
    KubernetesName,
    LabelName,
    ReceiverName,
    Role,
    SecretKey,
    SlackChannel,
    SlackGroupId,
    SlackUserId,
    StackName,
    Table,
    TimeZone,
    Url,
    duration,
)

pytest_plugins = ["tools.engines.postgres"]


def ok(annotation, value):
    return TypeAdapter(annotation).validate_python(value)


def refused(annotation, value) -> str:
    with pytest.raises(ValidationError) as err:
        TypeAdapter(annotation).validate_python(value)
    return err.value.errors()[0]["msg"]


def test_reserved_words_are_postgresqls_own(postgres_server):
    """The plain-identifier rule refuses exactly what PostgreSQL reserves (categories R and T)."""
    with postgres_server.connect() as conn:
        words = {
            row[0] for row in conn.execute("SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')")
        }
    assert words == PG_RESERVED


def test_postgres_timeouts_fit_its_integer_milliseconds(postgres_server):
    """The longest statementTimeout accepted is one PostgreSQL takes; one second more it refuses."""
    longest = duration(1, PG_MAX_MS // 1000, "test")
    assert ok(longest, "24d20h31m23s") == "24d20h31m23s"
    assert "2147483647" in refused(duration(1, PG_MAX_MS // 1000, "2147483647"), "30d")
    with postgres_server.connect() as conn:
        conn.execute(
            f"SET statement_timeout = {24 * 86400 * 1000 + 20 * 3600 * 1000 + 31 * 60 * 1000 + 23 * 1000}"
        )
        with pytest.raises(Exception, match="exceeds integer range|outside the valid range"):
            conn.execute(f"SET statement_timeout = {(24 * 86400 + 20 * 3600 + 31 * 60 + 24) * 1000}")


def test_durations_come_back_canonical():
    assert ok(duration(1, 10**9, "x"), "24h") == "1d"
    assert ok(duration(1, 10**9, "x"), "90m") == "1h30m"
    assert "duration" in refused(duration(1, 10**9, "x"), "30")
    assert "from 1s" in refused(duration(1, 10**9, "x"), "0s")


def test_time_zones_are_iana_with_a_suggestion():
    assert ok(TimeZone, "Europe/Zurich") == "Europe/Zurich"
    assert "did you mean Europe/Zurich" in refused(TimeZone, "Europe/Zürich")
    assert "did you mean Europe/Berlin" in refused(TimeZone, "Europe/Berln")


def test_label_names_follow_prometheus():
    assert ok(LabelName, "alertname") == "alertname"
    for bad in ("alert-name", "1x", "", "é"):
        refused(LabelName, bad)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://grafana.example.com", "http"),
        ("https://grafana.example.com:0", "port"),
        ("https://grafana.example.com:65536", "port"),
        ("https://grafana.example.com:http", "port"),
        ("https://grafana .example.com", "spaces"),
        ("https://grafana.example.com/\n", "control"),
        ("https://bücher.example", "xn--bcher-kva.example"),
        ("https://user:pw@grafana.example.com", "credentials"),
        ("https://-bad-.example.com", "host"),
        ("https://", "host"),
        ("https://grafana.example.com/?x=1", "query"),
    ],
)
def test_urls(url, reason):
    assert reason in refused(Url, url)


def test_good_urls_pass_without_their_trailing_slash():
    assert ok(Url, "https://grafana.example.com/") == "https://grafana.example.com"
    assert ok(Url, "http://[::1]:3000") == "http://[::1]:3000"
    assert ok(Url, "https://xn--bcher-kva.example") == "https://xn--bcher-kva.example"


def test_identifiers_are_plain_and_never_system_objects():
    assert ok(Role, "grafana_readonly") == "grafana_readonly"
    assert "lower case" in refused(Role, "Grafana")
    assert "reserved" in refused(Role, "user")
    assert "reserves" in refused(Role, "pg_monitor")
    assert "system" in refused(Table, "pg_authid")
    assert "plain" in refused(Table, "sites; drop table x")
    assert "plain" in refused(Table, "a" * 64)


def test_clock_times_in_quotes():
    assert ok(Clock, "24:00") == "24:00"
    assert "quotes" in refused(Clock, 120)
    refused(Clock, "25:00")
    refused(Clock, "0\u0662:00")  # Arabic-Indic digits match Python's \d; a clock is ASCII


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        (LabelName, "team"),
        (Role, "grafana_readonly"),
        (Clock, "02:00"),
        (ReceiverName, "slack-alerts"),
        (SlackChannel, "#alerts"),
        (SlackGroupId, "S0123ABCD"),
        (SlackUserId, "U0123ABCD"),
        (Email, "oncall@example.com"),
        (SecretKey, "pagerdutyClerkKey"),
        (KubernetesName, "grafana"),
        (DisplayName, "Clerk"),
        (StackName, "prod"),
    ],
)
def test_a_trailing_newline_is_refused(annotation, value):
    """A YAML block scalar or a quoted "\\n" ends in a newline, which a regex's `$` lets through."""
    assert ok(annotation, value) == value
    refused(annotation, value + "\n")


@pytest.mark.parametrize(
    "value",
    [
        "0123456789abcdef0123456789abcdef",
        "https://hooks.slack.com/services/T/B/x",
        "xoxb-1-2-abc",
        "glsa_abc123",
    ],
)
def test_pasted_secrets_are_recognised(value):
    assert looks_like_secret(value)


@pytest.mark.parametrize("value", ["pagerdutyClerkKey", "slack-alerts", "#alerts", "grafana_readonly", "30s"])
def test_key_names_are_not_taken_for_secrets(value):
    assert not looks_like_secret(value)
