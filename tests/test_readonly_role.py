"""The read-only role exactly as the program declares it, on a real PostgreSQL: it reads `sites` only.

The role and its grants come from the prod offline plan (`plan_of("prod")`) and are translated to
the SQL the PostgreSQL provider runs. The translator refuses inputs it does not know, so a new
privilege in the program cannot slip past these tests unexamined.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg import errors, sql

from tests.plans import plan_of
from tools.plan import SECRET

if TYPE_CHECKING:
    from tools.engines.postgres import PostgresServer

pytest_plugins = ["tools.engines.postgres"]

ROLE = "postgresql:index/role:Role"
GRANT = "postgresql:index/grant:Grant"
PASSWORD = "test-only-password-5b7e"  # stands in for the generated one, "[secret]" in the plan
SITES_ROWS = 3

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
# Role inputs the provider applies as per-role settings (ALTER ROLE ... SET).
ROLE_SETTINGS = {
    "statementTimeout": "statement_timeout",
    "idleInTransactionSessionTimeout": "idle_in_transaction_session_timeout",
}
GRANT_TARGETS = {"database": "DATABASE", "schema": "SCHEMA"}


def role_sql(inputs: dict[str, Any]) -> list[sql.Composed]:
    """What the provider runs for a postgresql.Role."""
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


def grant_sql(inputs: dict[str, Any]) -> list[sql.Composed]:
    """What the provider runs for a postgresql.Grant: revoke everything, grant exactly the list."""
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
    return [
        sql.SQL("REVOKE ALL ON {} FROM {}").format(target, grantee),
        sql.SQL("GRANT {} ON {} TO {}{}").format(
            sql.SQL(", ").join(sql.SQL(p) for p in inputs["privileges"]),
            target,
            grantee,
            sql.SQL(" WITH GRANT OPTION" if inputs.get("withGrantOption") else ""),
        ),
    ]


@dataclass(frozen=True)
class ReadOnlyRole:
    server: PostgresServer
    name: str
    database: str
    connection_limit: int
    statement_timeout_ms: int

    def connect(self, **kwargs) -> psycopg.Connection:
        return self.server.connect_as(self.name, PASSWORD, self.database, autocommit=True, **kwargs)


@pytest.fixture(scope="module")
def plan_resources() -> list[dict[str, Any]]:
    return plan_of("prod").plan["resources"]


@pytest.fixture(scope="module")
def readonly(postgres_server, plan_resources) -> Iterator[ReadOnlyRole]:
    declared = {r["type"] for r in plan_resources if r["type"].startswith("postgresql:")}
    assert declared == {ROLE, GRANT}, f"translate these PostgreSQL resources too: {declared - {ROLE, GRANT}}"
    (role,) = [r["inputs"] for r in plan_resources if r["type"] == ROLE]
    grants = [r["inputs"] for r in plan_resources if r["type"] == GRANT]
    (database,) = {g["database"] for g in grants}

    postgres_server.create_database(database)
    with postgres_server.connect(database) as admin:
        admin.execute("CREATE TABLE sites (id serial PRIMARY KEY, subdomain text NOT NULL)")
        admin.execute(
            "INSERT INTO sites (subdomain) SELECT 'site-' || n FROM generate_series(1, %s) n", [SITES_ROWS]
        )
        admin.execute("CREATE TABLE users_secret (id serial PRIMARY KEY, email text)")
        admin.execute("INSERT INTO users_secret (email) VALUES ('someone@example.com')")
        with postgres_server.connect() as cluster:
            cluster.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role["name"])))
            for statement in role_sql(role):
                cluster.execute(statement)
        admin.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")  # what PostgreSQL 14 starts with
        for grant in grants:
            for statement in grant_sql(grant):
                admin.execute(statement)
    yield ReadOnlyRole(
        server=postgres_server,
        name=role["name"],
        database=database,
        connection_limit=role["connectionLimit"],
        statement_timeout_ms=role["statementTimeout"],
    )
    with postgres_server.connect() as cluster:
        cluster.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))
        cluster.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role["name"])))


def test_the_plan_declares_the_seeds_role(readonly):
    assert readonly.name == "grafana_readonly"
    assert readonly.database == "clerk"
    assert readonly.statement_timeout_ms == 30_000  # the seed's query timeout


def test_logs_in_with_its_password_only(readonly, postgres_server):
    with readonly.connect() as conn:
        assert conn.execute("SELECT current_user").fetchone() == (readonly.name,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        postgres_server.connect_as(readonly.name, "wrong-" + PASSWORD, readonly.database)


def test_reads_sites(readonly):
    with readonly.connect() as conn:
        assert conn.execute("SELECT COUNT(*) FROM sites").fetchone() == (SITES_ROWS,)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO sites (subdomain) VALUES ('evil')",
        "UPDATE sites SET subdomain = 'evil'",
        "DELETE FROM sites",
        "TRUNCATE sites",
        "SELECT * FROM users_secret",
        "CREATE TABLE public.mine (id int)",
        "CREATE SCHEMA mine",
    ],
)
def test_may_do_nothing_else(readonly, statement):
    with readonly.connect() as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement)


def test_statement_timeout_is_the_plans(readonly):
    with readonly.connect() as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("30s",)


@contextlib.contextmanager
def role_statement_timeout(readonly: ReadOnlyRole, milliseconds: int) -> Iterator[None]:
    with readonly.server.connect() as admin:
        alter = sql.SQL("ALTER ROLE {} SET statement_timeout = {}")
        admin.execute(alter.format(sql.Identifier(readonly.name), sql.Literal(milliseconds)))
        try:
            yield
        finally:
            admin.execute(
                alter.format(sql.Identifier(readonly.name), sql.Literal(readonly.statement_timeout_ms))
            )


def test_statement_timeout_cancels_a_long_query(readonly):
    """The same role-level setting, scaled down to 200 ms so the suite does not sleep 31 s; the
    plan's 30 s is what test_statement_timeout_is_the_plans reads back."""
    with role_statement_timeout(readonly, 200), readonly.connect() as conn:
        with pytest.raises(errors.QueryCanceled, match="statement timeout"):
            conn.execute("SELECT pg_sleep(1)")
        assert conn.execute("SELECT 1").fetchone() == (1,)  # the session survives for the next query


def test_connection_limit(readonly):
    with contextlib.ExitStack() as stack:
        for _ in range(readonly.connection_limit):
            stack.enter_context(readonly.connect())
        with pytest.raises(psycopg.OperationalError, match="too many connections for role"):
            readonly.connect()


def test_cannot_create_tables_under_postgres14_defaults(readonly):
    """The fixture granted CREATE to PUBLIC before applying the plan, as PostgreSQL 14 starts."""
    with readonly.connect() as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute("CREATE TABLE public.mine (id int)")
