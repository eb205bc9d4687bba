"""The least-privilege PostgreSQL role Grafana logs in as, inside a database other teams own.

What the role gets: LOGIN with a generated password, NOINHERIT, no CREATEDB/CREATEROLE/REPLICATION,
a connection limit; CONNECT on the database, USAGE on the schema, SELECT on exactly the configured
tables; and, as defence in depth, role defaults `default_transaction_read_only = on` (no temporary
tables, DDL or writes through SECURITY DEFINER functions; large objects are still created, see the
README), `statement_timeout`, `idle_in_transaction_session_timeout` and `lock_timeout`. These
defaults are only defaults: a session may SET them back (README, "What PostgreSQL cannot enforce
per role").

The lifecycle touches `grafana_readonly` only. Every Grant names that role, and, as the source of
pulumi-postgresql reads (the tests run that SQL themselves, not the provider), its create, update
and delete of a Grant revoke and grant for the Grant's role alone. PUBLIC's privileges (CREATE on
schema `public` under PostgreSQL 14 defaults, CONNECT on databases, EXECUTE on functions) are
deliberately not managed: managing them would need the admin to own other teams' objects, and
removing such a Grant revokes from every application that relies on PUBLIC. The operator closes
them once, by hand, with the commands in the README.

In protected stacks (prod) the role, its grants and its settings are protected and retained on
delete: a destroy or rename must not cut Grafana off mid-incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi
import pulumi_postgresql as postgresql
import pulumi_random as random

from components.role_settings import RoleSettings
from settings import KubernetesSecretSettings, Settings

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class RoleSpec:
    """The few values the role needs; `from_settings` reads them from a stack's settings."""

    host: str
    port: int
    database: str
    schema: str
    sslmode: str
    admin_user: str
    admin_password: pulumi.Input[str]
    role: str
    tables: tuple[str, ...]
    connection_limit: int
    statement_timeout_s: int
    idle_in_transaction_timeout_s: int
    lock_timeout_s: int
    protect: bool
    kubernetes_secret: KubernetesSecretSettings | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RoleSpec:
        pg = settings.postgres
        return cls(
            host=pg.host,
            port=pg.port,
            database=pg.database,
            schema=pg.schema,
            sslmode=pg.sslmode,
            admin_user=pg.admin_user,
            admin_password=pg.admin_password,
            role=pg.readonly_role,
            tables=tuple(pg.tables),
            connection_limit=pg.connection_limit,
            statement_timeout_s=pg.statement_timeout_s,
            idle_in_transaction_timeout_s=pg.idle_in_transaction_timeout_s,
            lock_timeout_s=pg.lock_timeout_s,
            protect=settings.protect,
            kubernetes_secret=settings.kubernetes_secret,
        )

    def session_defaults(self) -> dict[str, str]:
        """Role defaults the provider's Role has no input for (set by RoleSettings)."""
        return {"default_transaction_read_only": "on", "lock_timeout": f"{self.lock_timeout_s}s"}


def session_defaults(
    name: str, spec: RoleSpec, role: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> RoleSettings:
    """The role's defaults the PostgreSQL provider has no input for, set as the admin."""
    return RoleSettings(
        name,
        role=role,
        settings=spec.session_defaults(),
        grantable={"database": spec.database, "schema": spec.schema, "tables": list(spec.tables)},
        host=spec.host,
        port=spec.port,
        database=spec.database,
        user=spec.admin_user,
        password=spec.admin_password,
        sslmode=spec.sslmode,
        opts=opts,
    )


class ReadOnlyRole(pulumi.ComponentResource):
    password: pulumi.Output[str]
    role_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        spec: RoleSpec,
        postgresql_provider: postgresql.Provider,
        random_provider: random.Provider,
        kubernetes_provider: k8s.Provider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("observability:postgres:ReadOnlyRole", name, None, opts)
        # The password is generated, never typed; random stores it as a secret in state.
        password = random.RandomPassword(
            f"{name}-password",
            length=32,
            special=False,  # keeps it safe inside connection strings and the Kubernetes secret
            opts=pulumi.ResourceOptions(provider=random_provider, parent=self, protect=spec.protect),
        )
        # Marked explicitly: the mark must not depend on the provider schema's secret outputs.
        secret_password = pulumi.Output.secret(password.result)
        # Dropping the role or revoking its grants would break Grafana mid-incident.
        kept = dict(parent=self, protect=spec.protect, retain_on_delete=spec.protect)
        role = postgresql.Role(
            f"{name}-role",
            name=spec.role,
            login=True,
            password=secret_password,
            connection_limit=spec.connection_limit,
            statement_timeout=spec.statement_timeout_s * 1000,
            idle_in_transaction_session_timeout=spec.idle_in_transaction_timeout_s * 1000,
            inherit=False,
            create_database=False,
            create_role=False,
            superuser=False,
            replication=False,
            opts=pulumi.ResourceOptions(provider=postgresql_provider, **kept),
        )
        # Sets the role defaults, after checking that the admin may grant what the Grants grant.
        role_settings = session_defaults(
            f"{name}-settings", spec, role.name, pulumi.ResourceOptions(depends_on=[role], **kept)
        )
        after_role = pulumi.ResourceOptions(
            provider=postgresql_provider, depends_on=[role, role_settings], **kept
        )
        grants = [
            postgresql.Grant(
                f"{name}-connect",
                role=role.name,
                database=spec.database,
                object_type="database",
                privileges=["CONNECT"],
                opts=after_role,
            ),
            postgresql.Grant(
                f"{name}-usage",
                role=role.name,
                database=spec.database,
                schema=spec.schema,
                object_type="schema",
                privileges=["USAGE"],
                opts=after_role,
            ),
            postgresql.Grant(
                f"{name}-select",
                role=role.name,
                database=spec.database,
                schema=spec.schema,
                object_type="table",
                objects=list(spec.tables),  # never empty: an empty list would mean every table
                privileges=["SELECT"],
                opts=after_role,
            ),
        ]
        if spec.kubernetes_secret and kubernetes_provider:
            from components.kubernetes import secret_class  # loaded only by a stack that publishes it

            Secret = secret_class()
            ks = spec.kubernetes_secret
            Secret(
                f"{name}-k8s-secret",
                metadata={
                    "name": ks.name,
                    "namespace": ks.namespace,
                    "labels": {"app.kubernetes.io/managed-by": "pulumi"},
                },
                type="Opaque",
                string_data={
                    "host": spec.host,
                    "port": str(spec.port),
                    "database": spec.database,
                    "user": role.name,  # the role's output: the Secret follows the role it describes
                    "password": secret_password,
                },
                opts=pulumi.ResourceOptions(provider=kubernetes_provider, parent=self, depends_on=grants),
            )
        self.password = secret_password
        self.role_name = role.name
        self.grants = grants
        self.register_outputs({"role": role.name, "tables": list(spec.tables)})
