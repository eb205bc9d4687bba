"""Per-role PostgreSQL settings the PostgreSQL provider has no input for (`ALTER ROLE ... SET`).

pulumi-postgresql's Role sets `statement_timeout` and `idle_in_transaction_session_timeout` but
not `default_transaction_read_only` or `lock_timeout`. `RoleSettings` sets exactly the listed
parameters on one role and, on delete, RESETs exactly those: it never touches another role or a
parameter it did not set. The setting names and values are plain inputs, so the offline plan shows
them. The admin password arrives as a secret input at run time; the provider object itself holds
nothing (it is pickled into the state by reference to this module).

Before it sets anything it checks that the admin may grant what the role's Grants will grant
(`grantable`): a GRANT by a role without that right is only a warning in PostgreSQL (tested), so
the Grant would change nothing and, as the provider's source reads its grants back, show the same
diff on every preview (not run through the provider). Failing here names the fix instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic as dynamic

# The parameters this resource may set: user-settable ones that narrow what a session does.
ALLOWED_PARAMETERS = frozenset({"default_transaction_read_only", "lock_timeout"})


def _connect(props: Mapping[str, Any]):
    import psycopg  # imported where it runs: the offline plan never connects

    return psycopg.connect(
        host=props["host"],
        port=int(props["port"]),
        dbname=props["database"],
        user=props["user"],
        password=props["password"],
        sslmode=props["sslmode"],
        connect_timeout=15,
        autocommit=True,
    )


def _apply(conn, role_name: str, set_: Mapping[str, str], reset: list[str]) -> None:
    from psycopg import errors, sql

    role = sql.Identifier(role_name)
    for name in sorted(reset):
        with contextlib.suppress(errors.UndefinedObject):  # the role is gone: nothing to reset
            conn.execute(sql.SQL("ALTER ROLE {} RESET {}").format(role, sql.Identifier(name)))
    for name, value in sorted(set_.items()):
        conn.execute(
            sql.SQL("ALTER ROLE {} SET {} = {}").format(role, sql.Identifier(name), sql.Literal(value))
        )


def missing_grant_rights(conn, grantable: Mapping[str, Any]) -> list[str]:
    """What the connected admin may not grant, each with the one-off command that fixes it."""
    database, schema = grantable["database"], grantable["schema"]
    checks = [
        (
            "has_database_privilege(%s, 'CONNECT WITH GRANT OPTION')",
            database,
            f"CONNECT ON DATABASE {database}",
        ),
        ("has_schema_privilege(%s, 'USAGE WITH GRANT OPTION')", schema, f"USAGE ON SCHEMA {schema}"),
    ]
    for table in grantable["tables"]:
        checks.append(
            (
                "has_table_privilege(%s, 'SELECT WITH GRANT OPTION')",
                f'"{schema}"."{table}"',
                f"SELECT ON {schema}.{table}",
            )
        )
    missing = []
    for function, target, privilege in checks:
        (granted,) = conn.execute(f"SELECT {function}", [target]).fetchone()
        if not granted:
            missing.append(f"GRANT {privilege} TO {grantable['admin']} WITH GRANT OPTION;")
    return missing


def _check_grantable(conn, props: Mapping[str, Any]) -> None:
    missing = missing_grant_rights(conn, props["grantable"])
    if missing:
        raise RuntimeError(
            f"{props['user']} may not grant what role {props['role']} needs, so PostgreSQL would only warn "
            "and change nothing. As the owner of these objects (on PostgreSQL 14 the owner of schema "
            "public is the bootstrap superuser), run once in database "
            f"{props['grantable']['database']}: " + " ".join(missing)
        )


def _check(settings: Mapping[str, str]) -> None:
    unknown = set(settings) - ALLOWED_PARAMETERS
    if unknown:
        raise ValueError(f"RoleSettings manages only {sorted(ALLOWED_PARAMETERS)}, not {sorted(unknown)}")


class RoleSettingsProvider(dynamic.ResourceProvider):
    """ALTER ROLE <role> SET/RESET for the listed parameters, as the admin the inputs name."""

    # The provider captures nothing, so its serialised form is a plain reference to this class
    # (deterministic, readable in the plan); it would turn secret if it ever captured a secret.
    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        _check(props["settings"])
        with _connect(props) as conn:
            _check_grantable(conn, props)
            _apply(conn, props["role"], props["settings"], reset=[])
        return dynamic.CreateResult(id_=props["role"], outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        # Connection details count too: delete and update use the ones kept in the state, so a
        # rotated admin password must reach it (an update that re-applies the same settings).
        keys = (set(olds) | set(news)) - {"__provider"}
        changed = sorted(k for k in keys if olds.get(k) != news.get(k))
        return dynamic.DiffResult(
            changes=bool(changed),
            replaces=["role"] if "role" in changed else [],
            delete_before_replace=True,
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        _check(news["settings"])
        dropped = [k for k in olds["settings"] if k not in news["settings"]]
        with _connect(news) as conn:
            _check_grantable(conn, news)
            _apply(conn, news["role"], news["settings"], reset=dropped)
        return dynamic.UpdateResult(outs=news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        with _connect(props) as conn:
            _apply(conn, props["role"], {}, reset=list(props["settings"]))


class RoleSettings(dynamic.Resource):
    """`ALTER ROLE role SET name = value` for each of `settings`; RESET on delete."""

    def __init__(
        self,
        name: str,
        *,
        role: pulumi.Input[str],
        settings: Mapping[str, str],
        grantable: Mapping[str, Any],
        host: str,
        port: int,
        database: str,
        user: str,
        password: pulumi.Input[str],
        sslmode: str,
        opts: pulumi.ResourceOptions | None = None,
    ):
        _check(settings)
        props = {
            "role": role,
            "settings": dict(settings),
            "grantable": {**grantable, "admin": user},
            "host": host,
            "port": port,
            "database": database,
            "user": user,
            "password": pulumi.Output.secret(password),
            "sslmode": sslmode,
        }
        secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=["password"])
        super().__init__(
            RoleSettingsProvider(), name, props, pulumi.ResourceOptions.merge(secret_outputs, opts)
        )
