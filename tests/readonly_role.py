"""The read-only role as a plan declares it, applied to a real PostgreSQL, and the probes run as it.

The translator turns the plan's Role and Grant inputs into the SQL pulumi-postgresql runs for them
(create, update, delete), executed as the non-superuser admin; RoleSettings is applied by the
program's own dynamic provider. It refuses inputs it does not know, so a new privilege in the
program cannot slip past these tests unexamined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors, sql

from components.role_settings import RoleSettingsProvider
from tools.engines.clerk_database import ADMIN, ADMIN_PASSWORD, ClerkDatabase
from tools.plan import SECRET

ROLE = "postgresql:index/role:Role"
GRANT = "postgresql:index/grant:Grant"
DYNAMIC = "pulumi-python:dynamic:Resource"
PASSWORD = "test-only-password-5b7e"  # stands in for the generated one, "[secret]" in the plan

# Role inputs -> CREATE ROLE options (False gives the NO... form).
ROLE_FLAGS = {
    "login": "LOGIN",
    "superuser": "SUPERUSER",
    "createDatabase": "CREATEDB",
    "createRole": "CREATEROLE",
    "inherit": "INHERIT",
    "replication": "REPLICATION",
    "bypassRowLevelSecurity": "BYPASSRLS",
}
# Role inputs the provider applies as per-role settings (ALTER ROLE ... SET), in milliseconds.
ROLE_SETTINGS = {
    "statementTimeout": "statement_timeout",
    "idleInTransactionSessionTimeout": "idle_in_transaction_session_timeout",
}
GRANT_TARGETS = {"database": "DATABASE", "schema": "SCHEMA"}
WRITE_DENIED = (errors.InsufficientPrivilege, errors.ReadOnlySqlTransaction)


@dataclass(frozen=True)
class DeclaredRole:
    """The role's resources as one stack's plan declares them."""

    role: dict[str, Any]
    grants: list[dict[str, Any]]
    settings: dict[str, Any]

    @classmethod
    def from_plan(cls, resources: list[dict[str, Any]]) -> DeclaredRole:
        declared = {r["type"] for r in resources if r["type"].startswith("postgresql:")}
        assert declared == {ROLE, GRANT}, (
            f"translate these PostgreSQL resources too: {declared - {ROLE, GRANT}}"
        )
        (role,) = [r["inputs"] for r in resources if r["type"] == ROLE]
        grants = [r["inputs"] for r in resources if r["type"] == GRANT]
        (settings,) = [
            r["inputs"] for r in resources if r["type"] == DYNAMIC and r["name"].endswith("-settings")
        ]
        return cls(role, grants, settings)

    @property
    def name(self) -> str:
        return self.role["name"]

    def renamed(self, name: str) -> DeclaredRole:
        grants = [{**g, "role": name} for g in self.grants]
        return DeclaredRole({**self.role, "name": name}, grants, {**self.settings, "role": name})


def role_sql(inputs: dict[str, Any]) -> list[sql.Composed]:
    """What the provider runs to create a postgresql.Role."""
    name = sql.Identifier(inputs["name"])
    options: list[sql.Composable] = []
    settings: list[sql.Composed] = []
    for key, value in inputs.items():
        if key == "name":
            continue
        if key in ROLE_FLAGS:
            options.append(sql.SQL(("" if value else "NO") + ROLE_FLAGS[key]))
        elif key == "connectionLimit":
            options.append(sql.SQL("CONNECTION LIMIT {}").format(sql.Literal(int(value))))
        elif key == "password":
            assert value == SECRET, "the role's password must reach the engine marked secret"
            options.append(sql.SQL("PASSWORD {}").format(sql.Literal(PASSWORD)))
        elif key in ROLE_SETTINGS:
            setting = sql.Identifier(ROLE_SETTINGS[key])
            settings.append(
                sql.SQL("ALTER ROLE {} SET {} = {}").format(name, setting, sql.Literal(int(value)))
            )
        else:
            raise AssertionError(
                f"the test does not know Role input {key!r}: translate it before trusting it"
            )
    return [sql.SQL("CREATE ROLE {} {}").format(name, sql.SQL(" ").join(options)), *settings]


def drop_role_sql(inputs: dict[str, Any]) -> list[sql.Composed]:
    """What the provider runs to delete a postgresql.Role (in the admin's database): it becomes a
    member of the role for the moment it reassigns and drops what the role owns."""
    name = sql.Identifier(inputs["name"])
    return [
        sql.SQL("GRANT {} TO CURRENT_USER").format(name),
        sql.SQL("REASSIGN OWNED BY {} TO CURRENT_USER").format(name),
        sql.SQL("DROP OWNED BY {}").format(name),
        sql.SQL("REVOKE {} FROM CURRENT_USER").format(name),
        sql.SQL("DROP ROLE {}").format(name),
    ]


def _grant_target(inputs: dict[str, Any]) -> tuple[sql.Composable, sql.Composable]:
    known = {"database", "role", "schema", "objectType", "objects", "privileges", "withGrantOption"}
    assert set(inputs) <= known, f"the test does not know Grant inputs {set(inputs) - known}"
    kind, objects = inputs["objectType"], inputs.get("objects", [])
    if kind in GRANT_TARGETS:
        assert not objects, f"{kind} grants name no objects"
        target_name = inputs["database"] if kind == "database" else inputs["schema"]
        target = sql.SQL(f"{GRANT_TARGETS[kind]} {{}}").format(sql.Identifier(target_name))
    elif kind == "table" and objects:
        target = sql.SQL("TABLE {}").format(
            sql.SQL(", ").join(sql.Identifier(inputs["schema"], obj) for obj in objects)
        )
    elif kind == "table":
        target = sql.SQL("ALL TABLES IN SCHEMA {}").format(sql.Identifier(inputs["schema"]))
    else:
        raise AssertionError(f"the test does not know grants on {kind!r}")
    grantee = sql.SQL("PUBLIC") if inputs["role"] == "public" else sql.Identifier(inputs["role"])
    return target, grantee


def grant_sql(inputs: dict[str, Any]) -> list[sql.Composed]:
    """What the provider runs to create or update a postgresql.Grant: revoke all, grant the list."""
    target, grantee = _grant_target(inputs)
    return [
        *revoke_sql(inputs),
        sql.SQL("GRANT {} ON {} TO {}{}").format(
            sql.SQL(", ").join(sql.SQL(p) for p in inputs["privileges"]),
            target,
            grantee,
            sql.SQL(" WITH GRANT OPTION" if inputs.get("withGrantOption") else ""),
        ),
    ]


def revoke_sql(inputs: dict[str, Any]) -> list[sql.Composed]:
    """What the provider runs to delete a postgresql.Grant."""
    target, grantee = _grant_target(inputs)
    return [sql.SQL("REVOKE ALL PRIVILEGES ON {} FROM {}").format(target, grantee)]


def settings_props(db: ClerkDatabase, settings: dict[str, Any]) -> dict[str, Any]:
    """The RoleSettings inputs as the engine hands them to the provider, pointed at the test server."""
    assert settings["password"] == SECRET and settings["user"] == ADMIN
    props = {k: v for k, v in settings.items() if k != "__provider"}
    return {
        **props,
        "host": db.server.host,
        "port": db.server.port,
        "password": ADMIN_PASSWORD,
        "sslmode": "disable",
    }


def execute_as_admin(db: ClerkDatabase, statements: list[sql.Composed]) -> list[str]:
    """Run as the admin; returns PostgreSQL's warnings (a GRANT without the right only warns)."""
    notices: list[str] = []
    with db.as_admin() as admin:
        admin.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        for statement in statements:
            admin.execute(statement)
    return notices


def create(db: ClerkDatabase, declared: DeclaredRole) -> None:
    """`pulumi up` of a fresh stack, in the engine's order: role, settings, grants."""
    execute_as_admin(db, role_sql(declared.role))
    RoleSettingsProvider().create(settings_props(db, declared.settings))
    warnings = execute_as_admin(db, [s for g in declared.grants for s in grant_sql(g)])
    assert not warnings, f"a grant changed nothing: {warnings}"


def destroy(db: ClerkDatabase, declared: DeclaredRole) -> None:
    """`pulumi destroy` in the engine's order: grants, settings, role."""
    execute_as_admin(db, [s for g in declared.grants for s in revoke_sql(g)])
    RoleSettingsProvider().delete(declared.name, settings_props(db, declared.settings))
    execute_as_admin(db, drop_role_sql(declared.role))


# --- probes, run as the role -------------------------------------------------------------------

DENIED_STATEMENTS = [
    "INSERT INTO sites (subdomain) VALUES ('evil')",
    "UPDATE sites SET subdomain = 'evil'",
    "DELETE FROM sites",
    "TRUNCATE sites",
    "SELECT * FROM users_secret",
    "CREATE TABLE public.mine (id int)",
    "CREATE SCHEMA mine",
    "CREATE TEMPORARY TABLE mine (id int)",
    "SELECT purge_sites()",
    "CREATE FUNCTION mine() RETURNS int LANGUAGE sql AS 'SELECT 1'",
]


def connect_as_role(db: ClerkDatabase, role: str, **kwargs) -> psycopg.Connection:
    return db.server.connect_as(role, PASSWORD, db.name, autocommit=True, **kwargs)


def assert_read_only(db: ClerkDatabase, role: str, tables: list[str]) -> None:
    """SELECT on the declared tables works; every write, DDL, temporary table and write through the
    SECURITY DEFINER function is denied. (Large objects are not: see the exposure tests.)"""
    with connect_as_role(db, role) as conn:
        for table in tables:
            conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        (rows,) = conn.execute("SELECT count(*) FROM sites").fetchone()
        assert conn.execute("SHOW transaction_read_only").fetchone() == ("on",)
        allowed = []
        for statement in DENIED_STATEMENTS:
            try:
                conn.execute(statement)
                allowed.append(statement)
            except WRITE_DENIED:
                pass
        assert not allowed, f"{role} may: {allowed}"
        assert conn.execute("SELECT count(*) FROM sites").fetchone() == (rows,)


def role_defaults(db: ClerkDatabase, role: str) -> dict[str, str]:
    names = [
        "default_transaction_read_only",
        "statement_timeout",
        "idle_in_transaction_session_timeout",
        "lock_timeout",
    ]
    with connect_as_role(db, role) as conn:
        return {n: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(n))).fetchone()[0] for n in names}


def role_attributes(db: ClerkDatabase, role: str) -> dict[str, Any]:
    with db.as_superuser() as conn:
        cur = conn.execute(
            "SELECT rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, "
            "rolconnlimit, rolcanlogin FROM pg_roles WHERE rolname = %s",
            [role],
        )
        row = cur.fetchone()
        return dict(zip([c.name for c in cur.description], row, strict=True)) if row else {}
