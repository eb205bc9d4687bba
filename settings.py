"""Stack configuration -> validated, frozen settings.

Everything the program needs from `Pulumi.<stack>.yaml` is read here, once, and checked as a
whole before any resource is registered. Every problem names the config key and the command
that fixes it; all problems are reported together so a user fixes them in one pass.
Secrets are read with `get_secret` only and stay `pulumi.Output`s from here on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pulumi

from model.durations import parse_duration
from model.vocabulary import ALERT_CATEGORIES, SEVERITIES

NAMESPACE = "observability"

PAGING_RECEIVER_TYPES = frozenset({"pagerduty"})
RECEIVER_TYPES = ("slack", "pagerduty", "email", "webhook")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
SECURE_SSL_MODES = ("require", "verify-ca", "verify-full")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
RECEIVER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}$")
SECRET_KEY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,62}$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")


@dataclass(frozen=True)
class Problem:
    key: str  # full config key, e.g. "observability:postgres.sslmode"
    message: str
    fix: str  # the command (or edit) that fixes it


class SettingsError(Exception):
    """Every problem found in a stack's configuration, reported at once."""

    def __init__(self, stack: str, problems: list[Problem]):
        self.stack = stack
        self.problems = problems
        lines = [f"stack '{stack}': {len(problems)} configuration problem(s); nothing was changed."]
        for p in problems:
            lines.append(f"  - {p.key}: {p.message}\n      fix: {p.fix}")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class GrafanaSettings:
    url: str
    org_id: int
    auth: pulumi.Output[str] = field(repr=False)


@dataclass(frozen=True)
class PostgresSettings:
    host: str
    port: int
    database: str
    schema: str
    sslmode: str
    admin_user: str
    admin_password: pulumi.Output[str] = field(repr=False)
    readonly_role: str = "grafana_readonly"
    tables: tuple[str, ...] = ("sites",)
    connection_limit: int = 10
    statement_timeout_s: int = 30
    idle_in_transaction_timeout_s: int = 60
    lock_timeout_s: int = 5
    query_timeout_s: int = 30
    max_open_connections: int = 5
    version: int = 14


@dataclass(frozen=True)
class HttpDataSourceSettings:
    url: str
    timeout_s: int
    tls_skip_verify: bool


@dataclass(frozen=True)
class LokiSettings(HttpDataSourceSettings):
    max_lines: int = 5000


@dataclass(frozen=True)
class PrometheusSettings(HttpDataSourceSettings):
    scrape_interval: str = "30s"


@dataclass(frozen=True)
class KubernetesSecretSettings:
    namespace: str
    name: str
    context: str | None


@dataclass(frozen=True)
class Receiver:
    """A contact point. Its secret (token, key, URL) is an Output; the rest is plain config."""

    name: str
    type: str
    channel: str | None = None  # slack
    addresses: tuple[str, ...] = ()  # email
    secret: pulumi.Output[str] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Timing:
    group_wait: str
    group_interval: str
    repeat_interval: str


@dataclass(frozen=True)
class MaintenanceWindow:
    weekdays: tuple[str, ...]
    start: str
    end: str
    location: str


@dataclass(frozen=True)
class RoutingSettings:
    default_receiver: str
    send_all_to: str | None  # staging: every alert to one channel
    group_by: tuple[str, ...]
    timings: Mapping[str, Timing]  # by severity
    maintenance: tuple[MaintenanceWindow, ...]
    # The organisation's severity routing: alerts of a team without its own route for that severity.
    severity_receivers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Special routes, matched before any team route: receivers by `category` label value.
    category_receivers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    stack: str
    environment: str
    paging: bool  # False: no paging receiver may exist (staging never pages)
    protect: bool  # protect stateful resources from `pulumi destroy` / replacement
    grafana: GrafanaSettings
    postgres: PostgresSettings
    loki: LokiSettings
    prometheus: PrometheusSettings
    kubernetes_secret: KubernetesSecretSettings | None
    runbook_base_url: str
    receivers: tuple[Receiver, ...]
    routing: RoutingSettings
    pack_options: Mapping[str, Mapping[str, Any]]


DEFAULT_TIMINGS = {
    "critical": {"groupWait": "30s", "groupInterval": "5m", "repeatInterval": "1h"},
    "warning": {"groupWait": "1m", "groupInterval": "10m", "repeatInterval": "4h"},
    "info": {"groupWait": "5m", "groupInterval": "30m", "repeatInterval": "24h"},
}


class _Reader:
    """Reads one namespace of stack config, collecting problems instead of raising."""

    def __init__(self, config: pulumi.Config, stack: str):
        self.config = config
        self.stack = stack
        self.problems: list[Problem] = []

    def key(self, path: str) -> str:
        return f"{NAMESPACE}:{path}"

    def set_cmd(self, path: str, example: Any, secret: bool = False) -> str:
        flag = "--secret " if secret else ""
        path_flag = "--path " if "." in path or "[" in path else ""
        return f"pulumi config set {flag}{path_flag}'{self.key(path)}' {example} --stack {self.stack}"

    def problem(self, path: str, message: str, example: Any, secret: bool = False) -> None:
        self.problems.append(Problem(self.key(path), message, self.set_cmd(path, example, secret)))

    def unwanted(self, path: str, message: str) -> None:
        """A problem whose fix is to remove the key."""
        fix = f"pulumi config rm --path '{self.key(path)}' --stack {self.stack}"
        self.problems.append(Problem(self.key(path), message, fix))

    def obj(self, name: str, required: bool = True) -> dict[str, Any]:
        try:
            value = self.config.get_object(name)
        except (pulumi.ConfigTypeError, json.JSONDecodeError, ValueError):
            self.problem(name, "is not a valid YAML/JSON object", "'{...}'")
            return {}
        if value is None:
            if required:
                self.problem(
                    name, f"is missing (a mapping; see Pulumi.{self.stack}.yaml in the README)", "'{...}'"
                )
            return {}
        if not isinstance(value, dict):
            self.problem(name, f"must be a mapping, got {type(value).__name__}", "'{...}'")
            return {}
        return value

    def field(
        self,
        section: dict[str, Any],
        path: str,
        name: str,
        check: Callable[[Any], Any],
        example: Any,
        default: Any = ...,
    ) -> Any:
        """Read `section[name]`, convert/validate with `check` (raises ValueError with a reason)."""
        full = f"{path}.{name}" if path else name
        if name not in section or section[name] is None:
            if default is ...:
                self.problem(full, "is missing", example)
                return None
            return default
        try:
            return check(section[name])
        except (ValueError, TypeError) as err:
            reason = str(err) or "is not valid"
            self.problem(full, f"{reason} (got {section[name]!r})", example)
            return None

    def secret(self, name: str, example: str) -> pulumi.Output[str] | None:
        value = self.config.get_secret(name)
        if value is None:
            self.problem(name, "secret is missing", example, secret=True)
        elif value is not None and not pulumi.runtime.is_config_secret(self.key(name)):
            self.problem(name, "is stored in plain text; set it again as a secret", example, secret=True)
        return value


# --- value checks: each returns the converted value or raises ValueError(reason) ---


def url(value: Any) -> str:
    parsed = urlparse(value) if isinstance(value, str) else None
    if not parsed or parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError("must be an http(s) URL with a host")
    if parsed.username or parsed.password:
        raise ValueError("must not embed credentials; they belong in secrets")
    return value.rstrip("/")


def https_url(value: Any) -> str:
    checked = url(value)
    if urlparse(checked).scheme != "https":
        raise ValueError("must be https in an environment that requires TLS")
    return checked


def duration(value: Any) -> str:
    try:
        seconds = parse_duration(value)
    except ValueError:
        raise ValueError("must be a duration like 30s, 15m or 1h") from None
    if seconds <= 0:
        raise ValueError("must be longer than 0s")
    return value


def seconds(value: Any) -> int:
    return parse_duration(duration(value))


def int_between(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            else:
                raise ValueError(f"must be a whole number from {low} to {high}")
        if not low <= value <= high:
            raise ValueError(f"must be from {low} to {high}")
        return value

    return check


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


def one_of(options: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError("must be one of " + ", ".join(options))
        return value

    return check


def identifier(value: Any) -> str:
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise ValueError("must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)")
    return value


def hostname(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$", value):
        raise ValueError("must be a host name or IP address, without scheme or port")
    return value


def table_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of table names")
    tables = tuple(identifier(t) for t in value)
    if len(set(tables)) != len(tables):
        raise ValueError("must not list a table twice")
    return tables


def slack_channel(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^#[a-z0-9][a-z0-9._-]{0,79}$", value):
        raise ValueError("must be a Slack channel like #alerts (lower case, no spaces)")
    return value


def email_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of e-mail addresses")
    for address in value:
        if not isinstance(address, str) or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", address):
            raise ValueError(f"{address!r} is not an e-mail address")
    return tuple(value)


def clock(value: Any) -> str:
    if not isinstance(value, str) or not CLOCK.match(value):
        raise ValueError("must be a 24-hour time HH:MM")
    return value


def weekday_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or any(d not in WEEKDAYS for d in value):
        raise ValueError("must be a non-empty list of weekday names (monday..sunday)")
    return tuple(value)


def label_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError("must be a non-empty list of label names")
    return tuple(value)


# --- sections ---


def _environment(r: _Reader) -> tuple[str, bool, bool]:
    env = r.obj("environment")
    name = r.field(env, "environment", "name", one_of(("staging", "prod")), "prod")
    paging = r.field(env, "environment", "paging", boolean, "false")
    protect = r.field(env, "environment", "protect", boolean, "true", default=name == "prod")
    if name and name != r.stack:
        r.problem("environment.name", f"is '{name}' but this is stack '{r.stack}'", r.stack)
    return name, bool(paging), bool(protect)


def _grafana(r: _Reader, tls_required: bool) -> GrafanaSettings | None:
    section = r.obj("grafana")
    check = https_url if tls_required else url
    grafana_url = r.field(section, "grafana", "url", check, "https://grafana.example.com")
    org_id = r.field(section, "grafana", "orgId", int_between(1, 10**9), "1", default=1)
    auth = r.secret("grafanaAuth", "<service-account-token>")
    if None in (grafana_url, org_id, auth):
        return None
    return GrafanaSettings(url=grafana_url, org_id=org_id, auth=auth)


def _postgres(r: _Reader, tls_required: bool) -> PostgresSettings | None:
    s = r.obj("postgres")
    p = "postgres"
    values = dict(
        host=r.field(s, p, "host", hostname, "db.example.internal"),
        port=r.field(s, p, "port", int_between(1, 65535), "5432", default=5432),
        database=r.field(s, p, "database", identifier, "clerk"),
        schema=r.field(s, p, "schema", identifier, "public", default="public"),
        sslmode=r.field(s, p, "sslmode", one_of(SSL_MODES), "require"),
        admin_user=r.field(s, p, "adminUser", identifier, "pulumi_admin"),
        readonly_role=r.field(
            s, p, "readonlyRole", identifier, "grafana_readonly", default="grafana_readonly"
        ),
        tables=r.field(s, p, "tables", table_list, "'[\"sites\"]'", default=("sites",)),
        connection_limit=r.field(s, p, "connectionLimit", int_between(1, 100), "10", default=10),
        statement_timeout_s=r.field(s, p, "statementTimeout", seconds, "30s", default=30),
        idle_in_transaction_timeout_s=r.field(s, p, "idleInTransactionTimeout", seconds, "60s", default=60),
        lock_timeout_s=r.field(s, p, "lockTimeout", seconds, "5s", default=5),
        query_timeout_s=r.field(s, p, "queryTimeout", seconds, "30s", default=30),
        max_open_connections=r.field(s, p, "maxOpenConnections", int_between(1, 100), "5", default=5),
        version=r.field(s, p, "version", int_between(14, 18), "14", default=14),
    )
    if "revokePublicCreate" in s:
        r.unwanted(
            f"{p}.revokePublicCreate",
            "PUBLIC's privileges on the schema are no longer managed by this program (README: "
            "'What the role cannot be stopped from'); forget the old grant first with "
            "`pulumi state delete` as the README shows, then remove the key",
        )
    if tls_required and values["sslmode"] is not None and values["sslmode"] not in SECURE_SSL_MODES:
        r.problem(
            f"{p}.sslmode", "must encrypt (require, verify-ca or verify-full) in this environment", "require"
        )
    pool, limit = values["max_open_connections"], values["connection_limit"]
    if None not in (pool, limit) and pool > limit:
        r.problem(f"{p}.maxOpenConnections", "must not exceed postgres.connectionLimit", limit)
    password = r.secret("postgresAdminPassword", "<admin-password>")
    if None in values.values() or password is None:
        return None
    return PostgresSettings(admin_password=password, **values)


def _http_source(r: _Reader, name: str, tls_required: bool, example: str) -> dict[str, Any]:
    s = r.obj(name)
    values = dict(
        url=r.field(s, name, "url", https_url if tls_required else url, example),
        timeout_s=r.field(s, name, "timeout", seconds, "30s", default=30),
        tls_skip_verify=r.field(s, name, "tlsSkipVerify", boolean, "false", default=False),
    )
    if tls_required and values["tls_skip_verify"]:
        r.problem(f"{name}.tlsSkipVerify", "must be false in this environment (TLS is verified)", "false")
    return {**values, "section": s}


def _loki(r: _Reader, tls_required: bool) -> LokiSettings | None:
    v = _http_source(r, "loki", tls_required, "https://loki.example.internal")
    max_lines = r.field(v.pop("section"), "loki", "maxLines", int_between(1, 100000), "5000", default=5000)
    if None in v.values() or max_lines is None:
        return None
    return LokiSettings(max_lines=max_lines, **v)


def _prometheus(r: _Reader, tls_required: bool) -> PrometheusSettings | None:
    v = _http_source(r, "prometheus", tls_required, "https://prometheus.example.internal")
    scrape = r.field(v.pop("section"), "prometheus", "scrapeInterval", duration, "30s", default="30s")
    if None in v.values() or scrape is None:
        return None
    return PrometheusSettings(scrape_interval=scrape, **v)


def _kubernetes_secret(r: _Reader) -> KubernetesSecretSettings | None:
    s = r.obj("kubernetesSecret", required=False)
    if not s or not r.field(s, "kubernetesSecret", "enabled", boolean, "true", default=False):
        return None
    dns = one_of_pattern(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", "a Kubernetes name (lower-case DNS label)")
    namespace = r.field(s, "kubernetesSecret", "namespace", dns, "grafana")
    name = r.field(s, "kubernetesSecret", "name", dns, "civic-db-readonly")
    context = r.field(s, "kubernetesSecret", "context", str, "my-cluster", default=None)
    if None in (namespace, name):
        return None
    return KubernetesSecretSettings(namespace=namespace, name=name, context=context)


def one_of_pattern(pattern: str, what: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not re.match(pattern, value):
            raise ValueError(f"must be {what}")
        return value

    return check


def _receivers(r: _Reader, paging: bool) -> tuple[Receiver, ...]:
    section = r.obj("receivers")
    receivers = []
    # One bot token serves every Slack receiver: read it once, if any receiver is Slack.
    needs_slack_token = any(
        isinstance(spec, dict) and spec.get("type") == "slack" for spec in section.values()
    )
    slack_token = r.secret("slackToken", "<xoxb-bot-token>") if needs_slack_token else None
    for name, spec in sorted(section.items()):
        path = f"receivers.{name}"
        if not RECEIVER_NAME.match(name):
            r.problem(path, "receiver names are lower-case words joined by '-' (at most 39 chars)", "'{...}'")
            continue
        if not isinstance(spec, dict):
            r.problem(path, "must be a mapping with a 'type'", '\'{"type": "slack", "channel": "#alerts"}\'')
            continue
        kind = r.field(spec, path, "type", one_of(RECEIVER_TYPES), "slack")
        if kind is None:
            continue
        if kind in PAGING_RECEIVER_TYPES and not paging:
            r.unwanted(
                path, f"is a {kind} receiver, but this environment never pages (environment.paging is false)"
            )
            continue
        if kind == "slack":
            channel = r.field(spec, path, "channel", slack_channel, "'#alerts'")
            if channel:
                receivers.append(Receiver(name=name, type=kind, channel=channel, secret=slack_token))
        elif kind == "email":
            addresses = r.field(spec, path, "addresses", email_list, "'[\"oncall@example.com\"]'")
            if addresses:
                receivers.append(Receiver(name=name, type=kind, addresses=addresses))
        else:
            check = one_of_pattern(SECRET_KEY_NAME.pattern, "a config key name like pagerdutyClerkKey")
            key = r.field(spec, path, "secret", check, "pagerdutyClerkKey")
            if key:
                secret = r.secret(key, "<integration-key>" if kind == "pagerduty" else "<https-url>")
                receivers.append(Receiver(name=name, type=kind, secret=secret))
    if not section:
        r.problem("receivers", "must define at least one receiver", "'{\"slack-alerts\": {...}}'")
    return tuple(receivers)


def _routing(r: _Reader, receivers: tuple[Receiver, ...]) -> RoutingSettings | None:
    s = r.obj("routing")
    names = {x.name for x in receivers}

    def known(value: Any) -> str:
        if value not in names:
            raise ValueError("must name a receiver defined under observability:receivers")
        return value

    default = r.field(s, "routing", "defaultReceiver", known, "slack-alerts")
    send_all_to = r.field(s, "routing", "sendAllTo", known, "slack-staging", default=None)
    group_by = r.field(
        s,
        "routing",
        "groupBy",
        label_list,
        '\'["alertname","team","severity"]\'',
        default=("alertname", "team", "severity"),
    )
    raw_timings = s.get("timings") or {}
    if not isinstance(raw_timings, dict):
        r.problem("routing.timings", "must be a mapping of severity to timings", "'{...}'")
        raw_timings = {}
    timings = {}
    for severity in SEVERITIES:
        path = f"routing.timings.{severity}"
        own = raw_timings.get(severity) or {}
        if not isinstance(own, dict):
            r.problem(path, "must be a mapping of groupWait, groupInterval, repeatInterval", "'{...}'")
            own = {}
        t = {**DEFAULT_TIMINGS[severity], **own}
        values = [
            r.field(t, path, k, duration, "5m") for k in ("groupWait", "groupInterval", "repeatInterval")
        ]
        if None not in values:
            timings[severity] = Timing(*values)
    for extra in set(raw_timings) - set(SEVERITIES):
        r.problem(f"routing.timings.{extra}", "is not a severity (critical, warning, info)", "'{...}'")
    if {"critical", "warning"} <= set(timings) and parse_duration(
        timings["critical"].repeat_interval
    ) > parse_duration(timings["warning"].repeat_interval):
        r.problem("routing.timings.critical.repeatInterval", "must not be longer than warning's", "1h")
    windows = []
    maintenance = s.get("maintenance") or []
    if not isinstance(maintenance, list):
        r.problem("routing.maintenance", "must be a list of windows", "'[{...}]'")
        maintenance = []
    for i, w in enumerate(maintenance):
        path = f"routing.maintenance[{i}]"
        if not isinstance(w, dict):
            r.problem(path, "must be a mapping with weekdays, start, end", "'{...}'")
            continue
        days = r.field(w, path, "weekdays", weekday_list, "'[\"sunday\"]'")
        start = r.field(w, path, "start", clock, "02:00")
        end = r.field(w, path, "end", clock, "04:00")
        location = r.field(w, path, "location", str, "UTC", default="UTC")
        if start and end and start >= end:
            r.problem(f"{path}.end", "must be after start (split windows that cross midnight)", "04:00")
        elif None not in (days, start, end):
            windows.append(MaintenanceWindow(days, start, end, location))
    severity_receivers = _receiver_lists(r, s, "severityReceivers", SEVERITIES, known)
    category_receivers = _receiver_lists(r, s, "categoryReceivers", ALERT_CATEGORIES, known)
    if None in (default, group_by) or len(timings) != len(SEVERITIES):
        return None
    return RoutingSettings(
        default, send_all_to, group_by, timings, tuple(windows), severity_receivers, category_receivers
    )


def _receiver_lists(
    r: _Reader, section: dict[str, Any], name: str, keys: tuple[str, ...], known: Callable[[Any], str]
) -> dict[str, tuple[str, ...]]:
    """`routing.<name>`: {key: [receiver, ...]} with keys from `keys` and receivers defined for the stack."""
    raw = section.get(name) or {}
    path = f"routing.{name}"
    if not isinstance(raw, dict):
        r.problem(path, "must be a mapping of " + ", ".join(keys) + " to lists of receiver names", "'{...}'")
        return {}

    def receiver_list(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise ValueError("must be a non-empty list of receiver names")
        if len(set(value)) != len(value):
            raise ValueError("must not list a receiver twice")
        return tuple(known(v) for v in value)

    result = {}
    for key in raw:
        if key not in keys:
            r.problem(f"{path}.{key}", "is not one of " + ", ".join(keys), "'[\"slack-alerts\"]'")
            continue
        receivers = r.field(raw, path, key, receiver_list, "'[\"slack-alerts\"]'")
        if receivers:
            result[key] = receivers
    return {key: result[key] for key in keys if key in result}


def _pack_options(r: _Reader, schema: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """`packs.<team>.<option>` checked against the options the packs declare (PackOption, whose
    default gives the type); defaults filled in."""
    checks = {bool: boolean, int: int_between(0, 2**31 - 1), str: str}
    raw = r.obj("packs", required=False)
    for team in sorted(set(raw) - set(schema)):
        known = ", ".join(sorted(schema)) or "none"
        r.unwanted(f"packs.{team}", f"no pack reads options (packs with options: {known})")
    result = {}
    for team, options in sorted(schema.items()):
        given = raw.get(team) or {}
        if not isinstance(given, dict):
            r.problem(f"packs.{team}", "must be a mapping of option names to values", "'{...}'")
            given = {}
        for name in sorted(set(given) - set(options)):
            known = "; ".join(f"{o} ({options[o].help})" for o in sorted(options))
            r.unwanted(f"packs.{team}.{name}", f"is not an option of this pack: {known}")
        result[team] = {
            name: r.field(
                given,
                f"packs.{team}",
                name,
                checks[type(option.default)],
                json.dumps(option.default),
                option.default,
            )
            for name, option in options.items()
        }
    return result


def load(
    pack_schema: Mapping[str, Mapping[str, Any]],
    config: pulumi.Config | None = None,
    stack: str | None = None,
) -> Settings:
    """Read and validate the whole stack configuration; raise SettingsError listing every problem.

    `pack_schema` is what the packs declare (team -> option -> PackOption: dashboards.PACK_OPTIONS).
    """
    stack = stack or pulumi.get_stack()
    r = _Reader(config or pulumi.Config(NAMESPACE), stack)
    environment, paging, protect = _environment(r)
    tls_required = environment == "prod"
    grafana = _grafana(r, tls_required)
    postgres = _postgres(r, tls_required)
    loki = _loki(r, tls_required)
    prometheus = _prometheus(r, tls_required)
    k8s = _kubernetes_secret(r)
    runbooks = r.field(
        {"runbookBaseUrl": r.config.get("runbookBaseUrl")},
        "",
        "runbookBaseUrl",
        url,
        "https://runbooks.example.com",
    )  # a top-level scalar, not a section
    receivers = _receivers(r, paging)
    routing = _routing(r, receivers)
    if routing and not paging and routing.send_all_to is None:
        r.problem(
            "routing.sendAllTo",
            "is required where environment.paging is false (one channel for all)",
            "slack-staging",
        )
    pack_options = _pack_options(r, pack_schema)
    if r.problems:
        raise SettingsError(stack, r.problems)
    return Settings(
        stack=stack,
        environment=environment,
        paging=paging,
        protect=protect,
        grafana=grafana,
        postgres=postgres,
        loki=loki,
        prometheus=prometheus,
        kubernetes_secret=k8s,
        runbook_base_url=runbooks,
        receivers=receivers,
        routing=routing,
        pack_options=pack_options,
    )


def required_secrets(raw: Mapping[str, Any]) -> set[str]:
    """Secret keys (without namespace) that this stack's plain settings require.

    `raw` is the namespace's config as plain data (the stack file's values). Used by the
    offline plan to know which placeholders to supply, and by the README's setup list.
    """
    keys = {"grafanaAuth", "postgresAdminPassword"}
    receivers = raw.get("receivers")
    if isinstance(receivers, str):
        try:
            receivers = json.loads(receivers)
        except ValueError:
            receivers = None
    for spec in (receivers or {}).values() if isinstance(receivers, dict) else ():
        if not isinstance(spec, dict):
            continue
        if spec.get("type") == "slack":
            keys.add("slackToken")
        elif isinstance(spec.get("secret"), str) and SECRET_KEY_NAME.match(spec["secret"]):
            keys.add(spec["secret"])
    return keys
