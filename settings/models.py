"""The declared schema of `observability:*`: one pydantic model per section, frozen, extra keys refused.

Attribute names are snake_case, stack-file keys camelCase (the alias). Durations are given back in
Prometheus' canonical form; `*_s` properties give seconds where a consumer wants a number. Secrets
are never fields (a stack file cannot set them in plain text): the loader attaches them as private
attributes, read through `auth`, `admin_password` and a receiver's `secret`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator
from pydantic.alias_generators import to_camel

from model.vocabulary import SEVERITIES
from settings.values import (
    PG_MAX_SECONDS,
    Clock,
    Database,
    DisplayName,
    Doc,
    Email,
    Flag,
    Host,
    KubernetesName,
    LabelName,
    Reason,
    ReceiverName,
    Role,
    Schema,
    SecretKey,
    SlackChannel,
    StackName,
    Table,
    TimeZone,
    Url,
    Weekday,
    duration,
    integer,
    invalid,
    seconds_of,
    unique,
)

_DAY = 86400


class Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_default=True,
        hide_input_in_errors=True,
    )


# --- environment -----------------------------------------------------------------------------


class EnvironmentSettings(Section):
    name: StackName = Field(
        description="this stack's name (`prod` is production; any other stack behaves like staging)",
        examples=["prod"],
    )
    paging: Flag = Field(
        description="may alerts page? Only in prod: other stacks never declare a paging receiver",
        examples=[False],
    )
    protect: Flag | None = Field(
        None,
        description="protect stateful resources (default: true in prod, false elsewhere)",
        examples=[True],
    )
    allow_paging_outside_prod: Reason | None = Field(
        None,
        description="the deliberate override that lets a stack other than prod page: why (shown in plans)",
        examples=["load test of the paging path (OPS-123)"],
    )


# --- Grafana ---------------------------------------------------------------------------------


class GrafanaSettings(Section):
    url: Url = Field(
        description="the Grafana the provider talks to (https in prod)",
        examples=["https://grafana.example.com"],
    )
    org_id: integer(1, 2**31 - 1) = Field(
        1, description="the org this stack owns; above 1 only with `authType: basic`", examples=[1]
    )
    auth_type: Literal["serviceAccountToken", "basic"] = Field(
        "serviceAccountToken",
        description="what secret `grafanaAuth` holds: a service-account token (one org's) or `user:password`",
        examples=["serviceAccountToken"],
    )
    _auth: Any = PrivateAttr(None)

    @property
    def auth(self) -> pulumi.Output[str]:
        return self._auth


# --- PostgreSQL ------------------------------------------------------------------------------

PgTimeout = duration(1, PG_MAX_SECONDS, "PostgreSQL takes whole milliseconds up to 2147483647")

with warnings.catch_warnings():
    # `schema` is the stack file's key; the deprecated BaseModel.schema() is never used here.
    warnings.filterwarnings("ignore", message='Field name "schema"')

    class PostgresSettings(Section):
        host: Host = Field(description="the monitored database's host", examples=["db.example.internal"])
        port: integer(1, 65535) = Field(5432, description="its port", examples=[5432])
        database: Database = Field(description="the database Grafana reads", examples=["clerk"])
        schema: Schema = Field("public", description="the schema of the tables", examples=["public"])
        sslmode: Literal["disable", "require", "verify-ca", "verify-full"] = Field(
            description="TLS to the database, as both the provider and Grafana's driver accept it "
            "(`require` or stricter in prod)",
            examples=["require"],
        )
        admin_user: Role = Field(
            description="the role the PostgreSQL provider connects as (password: `postgresAdminPassword`)",
            examples=["pulumi_admin"],
        )
        readonly_role: Role = Field(
            "grafana_readonly",
            description="the role Grafana logs in as; not adminUser",
            examples=["grafana_readonly"],
        )
        tables: Annotated[tuple[Table, ...], Field(min_length=1), unique("table")] | None = Field(
            None,
            description="optional restriction of the SELECT grants, which come from the tables the packs "
            "declare; it may only leave tables out",
            examples=[["sites"]],
        )
        connection_limit: integer(1, 100) = Field(
            10, description="connections the role may open", examples=[10]
        )
        statement_timeout: PgTimeout = Field(
            "30s", description="the role's `statement_timeout`", examples=["30s"]
        )
        idle_in_transaction_timeout: PgTimeout = Field(
            "60s", description="the role's `idle_in_transaction_session_timeout`", examples=["60s"]
        )
        lock_timeout: PgTimeout = Field("5s", description="the role's `lock_timeout`", examples=["5s"])
        max_open_connections: integer(1, 100) = Field(
            5, description="Grafana's pool size; at most connectionLimit", examples=[5]
        )
        version: integer(14, 18) = Field(
            14,
            description="PostgreSQL major version (14+: the Clerk queries bucket hours with `date_bin`)",
            examples=[14],
        )
        revoke_public_create: Flag = Field(
            True,
            description="PUBLIC keeps only USAGE on the schema (PostgreSQL 14 lets every role CREATE there)",
            examples=[True],
        )
        datasource_name: DisplayName = Field(
            "civic-db", description="the Grafana data source's name", examples=["civic-db"]
        )
        _admin_password: Any = PrivateAttr(None)

        @property
        def admin_password(self) -> pulumi.Output[str]:
            return self._admin_password

        @property
        def statement_timeout_s(self) -> int:
            return seconds_of(self.statement_timeout)

        @property
        def idle_in_transaction_timeout_s(self) -> int:
            return seconds_of(self.idle_in_transaction_timeout)

        @property
        def lock_timeout_s(self) -> int:
            return seconds_of(self.lock_timeout)


# --- Loki and Prometheus ---------------------------------------------------------------------

HttpTimeout = duration(1, 3600, "Grafana's data source timeout, in seconds")


class LokiSettings(Section):
    url: Url = Field(
        description="Loki's URL (https in prod)", examples=["https://loki.example.internal:3100"]
    )
    timeout: HttpTimeout = Field("30s", description="query timeout", examples=["30s"])
    max_lines: integer(1, 100000) = Field(5000, description="most log lines per query", examples=[5000])
    tls_skip_verify: Flag = Field(
        False, description="skip TLS verification (never in prod)", examples=[False]
    )

    @property
    def timeout_s(self) -> int:
        return seconds_of(self.timeout)


class PrometheusSettings(Section):
    url: Url = Field(
        description="Prometheus' URL (https in prod)", examples=["https://prometheus.example.internal:9090"]
    )
    timeout: HttpTimeout = Field("30s", description="query timeout", examples=["30s"])
    scrape_interval: duration(1, 3600, "Grafana's minimum step") = Field(
        "30s", description="Prometheus' scrape interval (Grafana's minimum step)", examples=["30s"]
    )
    tls_skip_verify: Flag = Field(
        False, description="skip TLS verification (never in prod)", examples=[False]
    )

    @property
    def timeout_s(self) -> int:
        return seconds_of(self.timeout)


class KubernetesSecretSettings(Section):
    enabled: Flag = Field(
        False, description="publish the role's connection as a Kubernetes Secret", examples=[True]
    )
    context: (
        Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,252}$"), Doc("kubeconfig context", "")]
        | None
    ) = Field(None, description="the kubeconfig context", examples=["prod"])
    namespace: KubernetesName | None = Field(None, description="the Secret's namespace", examples=["grafana"])
    name: KubernetesName | None = Field(None, description="the Secret's name", examples=["civic-db-readonly"])


# --- receivers -------------------------------------------------------------------------------


class ReceiverBase(Section):
    """A contact point. Its secret (token, key, URL) is an Output; the rest is plain config."""

    _name: str = PrivateAttr("")
    _secret: Any = PrivateAttr(None)

    @property
    def name(self) -> str:
        return self._name

    @property
    def secret(self) -> pulumi.Output[str] | None:
        return self._secret

    @property
    def pages(self) -> bool:
        return False


class SlackReceiver(ReceiverBase):
    type: Literal["slack"]
    channel: SlackChannel = Field(description="the channel", examples=["#alerts"])


class EmailReceiver(ReceiverBase):
    type: Literal["email"]
    addresses: Annotated[tuple[Email, ...], Field(min_length=1), unique("address")] = Field(
        description="the recipients", examples=[["oncall@example.com"]]
    )


class PagerDutyReceiver(ReceiverBase):
    type: Literal["pagerduty"]
    secret_key: SecretKey = Field(
        alias="secret",
        description="config key of its integration key (pagerduty...)",
        examples=["pagerdutyClerkKey"],
    )

    @field_validator("secret_key")
    @classmethod
    def _named_for_pagerduty(cls, value: str) -> str:
        if not value.startswith("pagerduty"):
            raise invalid("must name a PagerDuty secret key: pagerduty<Service>, like pagerdutyClerkKey")
        return value

    @property
    def pages(self) -> bool:
        return True


class WebhookReceiver(ReceiverBase):
    type: Literal["webhook"]
    secret_key: SecretKey = Field(
        alias="secret", description="config key of its URL (webhook...)", examples=["webhookOpsUrl"]
    )
    paging: Flag = Field(
        False, description="the webhook pages someone (refused outside prod)", examples=[False]
    )

    @field_validator("secret_key")
    @classmethod
    def _named_for_webhooks(cls, value: str) -> str:
        if not value.startswith("webhook"):
            raise invalid("must name a webhook secret key: webhook<Name>, like webhookOpsUrl")
        return value

    @property
    def pages(self) -> bool:
        return self.paging


Receiver = Annotated[
    SlackReceiver | EmailReceiver | PagerDutyReceiver | WebhookReceiver, Field(discriminator="type")
]
RECEIVER_MODELS: dict[str, type[ReceiverBase]] = {
    "slack": SlackReceiver,
    "email": EmailReceiver,
    "pagerduty": PagerDutyReceiver,
    "webhook": WebhookReceiver,
}

# --- routing ---------------------------------------------------------------------------------

ReceiverList = Annotated[tuple[ReceiverName, ...], Field(min_length=1), unique("receiver")]
TimingDuration = duration(1, 365 * _DAY, "Grafana takes any positive duration; capped at a year")


def _timing(severity: str, wait: str, interval: str, repeat: str) -> type[Section]:
    class Timing(Section):
        group_wait: TimingDuration = Field(
            wait, description=f"{severity}: wait before the first notification", examples=[wait]
        )
        group_interval: TimingDuration = Field(
            interval, description=f"{severity}: wait before notifying of changes", examples=[interval]
        )
        repeat_interval: TimingDuration = Field(
            repeat, description=f"{severity}: repeat while firing", examples=[repeat]
        )

    Timing.__name__ = Timing.__qualname__ = f"{severity.title()}Timing"
    return Timing


CriticalTiming = _timing("critical", "30s", "5m", "1h")
WarningTiming = _timing("warning", "1m", "10m", "4h")
InfoTiming = _timing("info", "5m", "30m", "1d")


class Timings(Section):
    critical: CriticalTiming = Field(default_factory=CriticalTiming)
    warning: WarningTiming = Field(default_factory=WarningTiming)
    info: InfoTiming = Field(default_factory=InfoTiming)

    def of(self, severity: str) -> Section:
        return getattr(self, severity)


class MaintenanceWindow(Section):
    weekdays: Annotated[tuple[Weekday, ...], Field(min_length=1), unique("weekday")] = Field(
        description="days of the window", examples=[["sunday"]]
    )
    start: Clock = Field(description="start, HH:MM", examples=["02:00"])
    end: Clock = Field(description="end, HH:MM, after start", examples=["04:00"])
    location: TimeZone = Field("UTC", description="time zone", examples=["UTC"])


class SeverityReceivers(Section):
    critical: ReceiverList | None = Field(None, examples=[["pagerduty-oncall"]])
    warning: ReceiverList | None = Field(None, examples=[["slack-alerts"]])
    info: ReceiverList | None = Field(None, examples=[["slack-monitoring"]])


class CategoryReceivers(Section):
    security: ReceiverList | None = Field(None, examples=[["pagerduty-security"]])
    slo: ReceiverList | None = Field(None, examples=[["pagerduty-slo"]])
    error_budget: ReceiverList | None = Field(None, alias="error-budget", examples=[["slack-incidents"]])


class OrgRoles(Section):
    """Receivers of the organisation's roles that packs route to."""

    oncall: ReceiverList | None = Field(None, examples=[["pagerduty-oncall"]])


class TeamRoles(Section):
    """Receivers of one team's roles."""

    team_channel: ReceiverList | None = Field(None, alias="team-channel", examples=[["slack-alerts"]])
    team_pager: ReceiverList | None = Field(None, alias="team-pager", examples=[["pagerduty-clerk"]])


def _mapping(model: BaseModel) -> dict[str, tuple[str, ...]]:
    """A receivers-by-key model as {stack-file key: receivers}, unset keys left out."""
    return {
        (info.alias or name): value
        for name, info in type(model).model_fields.items()
        if (value := getattr(model, name)) is not None
    }


class RoutingSettings(Section):
    default_receiver: ReceiverName = Field(
        description="the root of the policy tree", examples=["slack-alerts"]
    )
    send_all_to: ReceiverName | None = Field(
        None,
        description="one receiver for every alert (required where the stack does not page)",
        examples=["slack-staging"],
    )
    group_by: Annotated[tuple[LabelName, ...], Field(min_length=1), unique("label")] = Field(
        ("alertname", "team", "severity"),
        description="labels alerts are grouped by",
        examples=[["alertname", "team", "severity"]],
    )
    timings: Timings = Field(
        default_factory=Timings, description="group wait / interval / repeat per severity"
    )
    maintenance: tuple[MaintenanceWindow, ...] = Field(
        (), description="planned maintenance windows: a mute timing for every route but security's"
    )
    severity_receivers: SeverityReceivers = Field(
        default_factory=SeverityReceivers,
        description="the organisation's receivers per severity, for teams without their own",
    )
    category_receivers: CategoryReceivers = Field(
        default_factory=CategoryReceivers,
        description="receivers for alerts labelled `category`, matched before every team route",
    )
    roles: OrgRoles = Field(
        default_factory=OrgRoles, description="receivers of the organisation's roles that packs route to"
    )
    teams: dict[str, TeamRoles] = Field(
        default_factory=dict, description="receivers of each team's roles that its pack routes to"
    )

    def severity_map(self) -> dict[str, tuple[str, ...]]:
        return _mapping(self.severity_receivers)

    def category_map(self) -> dict[str, tuple[str, ...]]:
        return _mapping(self.category_receivers)

    def receivers_of(self, team: str, role: str) -> tuple[str, ...]:
        """The receivers a role stands for in this stack: a team's own role or the organisation's."""
        own = _mapping(self.teams[team]) if team in self.teams else {}
        return own.get(role) or _mapping(self.roles).get(role) or ()

    @property
    def severity_receivers_map(self) -> Mapping[str, tuple[str, ...]]:
        return {s: r for s, r in self.severity_map().items() if s in SEVERITIES}


# --- the whole file --------------------------------------------------------------------------


class StackSettings(Section):
    """Every section of `observability:*` (the schema the README's table is generated from)."""

    environment: EnvironmentSettings
    grafana: GrafanaSettings
    postgres: PostgresSettings
    loki: LokiSettings
    prometheus: PrometheusSettings
    kubernetes_secret: KubernetesSecretSettings | None = None
    runbook_base_url: Url = Field(
        description="base of every alert's `runbook_url`", examples=["https://runbooks.example.com"]
    )
    receivers: Annotated[dict[ReceiverName, Receiver], Field(min_length=1)] = Field(
        description="contact points by name: `type` slack (`channel`), email (`addresses`), "
        "pagerduty or webhook (`secret`: the config key holding its secret)"
    )
    routing: RoutingSettings
    packs: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="options the packs declare (`OPTIONS` in their module), typed by their default",
    )


@dataclass(frozen=True)
class Settings:
    """What the rest of the program receives: validated, frozen, secrets as Outputs."""

    stack: str
    environment: str
    paging: bool  # False: no paging receiver exists (every stack but prod, unless overridden)
    protect: bool  # protect stateful resources from `pulumi destroy` / replacement
    paging_override: str | None  # environment.allowPagingOutsideProd: why a non-prod stack may page
    grafana: GrafanaSettings
    postgres: PostgresSettings
    loki: LokiSettings
    prometheus: PrometheusSettings
    kubernetes_secret: KubernetesSecretSettings | None  # None unless enabled
    runbook_base_url: str
    receivers: tuple[ReceiverBase, ...]
    routing: RoutingSettings
    pack_options: Mapping[str, Mapping[str, Any]]

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"
