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
from pydantic import Field, PrivateAttr

from model.durations import parse_duration
from settings.alerting import Receiver, ReceiverBase, RoutingSettings
from settings.section import Section
from settings.values import (
    PG_MAX_SECONDS,
    Database,
    DisplayName,
    Doc,
    Flag,
    Host,
    KubernetesName,
    Reason,
    ReceiverName,
    Role,
    Schema,
    StackName,
    Table,
    Url,
    duration,
    integer,
    unique,
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
            "30s",
            description="the role's default limit per query; this is the query timeout",
            examples=["30s"],
        )
        idle_in_transaction_timeout: PgTimeout = Field(
            "60s", description="the role's default limit for an open transaction left idle", examples=["60s"]
        )
        lock_timeout: PgTimeout = Field(
            "5s",
            description="the role's default limit for waiting on a lock, e.g. behind a migration",
            examples=["5s"],
        )
        max_open_connections: integer(1, 100) = Field(
            5, description="Grafana's pool size; at most connectionLimit", examples=[5]
        )
        version: integer(14, 18) = Field(
            14,
            description="PostgreSQL major version (14+: the Clerk queries bucket hours with `date_bin`)",
            examples=[14],
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
            return parse_duration(self.statement_timeout)

        @property
        def idle_in_transaction_timeout_s(self) -> int:
            return parse_duration(self.idle_in_transaction_timeout)

        @property
        def lock_timeout_s(self) -> int:
            return parse_duration(self.lock_timeout)


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
        return parse_duration(self.timeout)


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
        return parse_duration(self.timeout)


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
        description="base of every alert's `runbook_url` (`<runbookBaseUrl>/<team>#<anchor>`): where the "
        "runbooks are published (see Runbooks)",
        examples=["https://civic.github.io/observability"],
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
