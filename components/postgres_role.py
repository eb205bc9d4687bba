"""The least-privilege PostgreSQL role Grafana logs in as.

LOGIN with a generated password, a connection limit and a statement timeout; CONNECT on the
database, USAGE on the schema, SELECT on exactly the configured tables, and nothing else.
Optionally the connection details are published as a Kubernetes Secret.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pulumi_postgresql as postgresql
import pulumi_random as random

from components.providers import Providers
from settings import Settings


class ReadOnlyRole(pulumi.ComponentResource):
    password: pulumi.Output[str]
    role_name: pulumi.Output[str]

    def __init__(
        self, name: str, settings: Settings, providers: Providers, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("observability:postgres:ReadOnlyRole", name, None, opts)
        pg = settings.postgres
        # The password is generated, never typed; random stores it as a secret in state.
        password = random.RandomPassword(
            f"{name}-password",
            length=32,
            special=False,  # keeps it safe inside connection strings and the Kubernetes secret
            opts=pulumi.ResourceOptions(provider=providers.random, parent=self, protect=settings.protect),
        )
        # Marked explicitly: the mark must not depend on the provider schema's secret outputs.
        secret_password = pulumi.Output.secret(password.result)
        pg_opts = dict(provider=providers.postgresql, parent=self)
        role = postgresql.Role(
            f"{name}-role",
            name=pg.readonly_role,
            login=True,
            password=secret_password,
            connection_limit=pg.connection_limit,
            statement_timeout=pg.statement_timeout_s * 1000,
            inherit=False,
            create_database=False,
            create_role=False,
            superuser=False,
            replication=False,
            opts=pulumi.ResourceOptions(
                **pg_opts,
                protect=settings.protect,
                retain_on_delete=settings.protect,  # dropping it would break Grafana mid-incident
            ),
        )
        after_role = pulumi.ResourceOptions(**pg_opts, depends_on=[role])
        grants = [
            postgresql.Grant(
                f"{name}-connect",
                role=role.name,
                database=pg.database,
                object_type="database",
                privileges=["CONNECT"],
                opts=after_role,
            ),
            postgresql.Grant(
                f"{name}-usage",
                role=role.name,
                database=pg.database,
                schema=pg.schema,
                object_type="schema",
                privileges=["USAGE"],
                opts=after_role,
            ),
            postgresql.Grant(
                f"{name}-select",
                role=role.name,
                database=pg.database,
                schema=pg.schema,
                object_type="table",
                objects=list(pg.tables),  # never empty: an empty list would mean every table
                privileges=["SELECT"],
                opts=after_role,
            ),
        ]
        if pg.revoke_public_create:
            # Up to PostgreSQL 14, PUBLIC (so this role too) may CREATE in the schema. A Grant
            # sets exactly the listed privileges: PUBLIC keeps USAGE and loses CREATE.
            grants.append(
                postgresql.Grant(
                    f"{name}-public-schema",
                    role="public",
                    database=pg.database,
                    schema=pg.schema,
                    object_type="schema",
                    privileges=["USAGE"],
                    opts=after_role,
                )
            )
        if settings.kubernetes_secret and providers.kubernetes:
            ks = settings.kubernetes_secret
            k8s.core.v1.Secret(
                f"{name}-k8s-secret",
                metadata={
                    "name": ks.name,
                    "namespace": ks.namespace,
                    "labels": {"app.kubernetes.io/managed-by": "pulumi"},
                },
                type="Opaque",
                string_data={
                    "host": pg.host,
                    "port": str(pg.port),
                    "database": pg.database,
                    "user": pg.readonly_role,
                    "password": secret_password,
                },
                opts=pulumi.ResourceOptions(provider=providers.kubernetes, parent=self, depends_on=grants),
            )
        self.password = secret_password
        self.role_name = role.name
        self.grants = grants
        self.register_outputs({"role": role.name, "tables": list(pg.tables)})
