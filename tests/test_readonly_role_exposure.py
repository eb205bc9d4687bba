"""What PostgreSQL cannot enforce per role, and the operator commands that close each exposure.

The role's defaults are only defaults: a session may SET them back. Some privileges belong to
PUBLIC (every role) and are not this program's to change. Each case below shows the exposure on
PostgreSQL 14 defaults with the role as the prod plan declares it, runs the command the README
gives the operator, shows it closed, and checks that the application still works. The README
quotes these commands; `test_the_readme_gives_every_command` keeps the two the same.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from tests.plans import plan_of
from tests.readonly_role import PASSWORD, DeclaredRole, connect_as_role, create
from tools.engines.clerk_database import APP, OTHER_DATABASE, ClerkDatabase, clerk_database

pytest_plugins = ["tools.engines.postgres"]

README = Path(__file__).resolve().parent.parent / "README.md"
ROLE = "grafana_readonly"
# How the README writes the names that differ per installation.
README_NAMES = {"app": "<app_role>", "other_database": "<other_database>", "function": "<function>"}
TEST_NAMES = {"app": APP, "other_database": OTHER_DATABASE, "function": "purge_sites()"}


@dataclass(frozen=True)
class Exposure:
    name: str
    command: str  # what the operator runs; {app}, {other_database}, {function} per installation
    run_as: str  # "superuser" (owner of PostgreSQL 14's schema public, of pg_catalog) or "admin"
    database: str  # where the command runs
    probe: Callable[[ClerkDatabase], object]  # as the role: succeeds while the exposure is open

    def rendered(self, names: dict[str, str]) -> str:
        return self.command.format(**names)


def in_read_write_transaction(statement: str) -> Callable[[ClerkDatabase], object]:
    """The session lifts its own default, writes, and rolls back (the test keeps the data)."""

    def probe(db: ClerkDatabase) -> object:
        with connect_as_role(db, ROLE) as conn:
            conn.execute("BEGIN READ WRITE")
            try:
                cursor = conn.execute(statement)
                return cursor.fetchall() if cursor.description else None
            finally:
                conn.execute("ROLLBACK")

    return probe


def as_role(statement: str) -> Callable[[ClerkDatabase], object]:
    def probe(db: ClerkDatabase) -> object:
        with connect_as_role(db, ROLE) as conn:
            return conn.execute(statement).fetchall()

    return probe


def connect_to_other_database(db: ClerkDatabase) -> object:
    with db.server.connect_as(ROLE, PASSWORD, OTHER_DATABASE, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_class").fetchone()


ADVISORY_LOCKS = """DO $$ DECLARE f regprocedure; BEGIN
  FOR f IN SELECT oid::regprocedure FROM pg_proc
           WHERE proname ~ '^pg_(try_)?advisory_(xact_)?lock(_shared)?$' LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO {app}', f);
  END LOOP;
END $$;"""

EXPOSURES = [
    Exposure(
        "CREATE in schema public (PostgreSQL 14 grants it to PUBLIC)",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT CREATE ON SCHEMA public TO {app};",
        "superuser",
        "clerk",
        in_read_write_transaction("CREATE TABLE public.mine (id int)"),
    ),
    Exposure(
        "temporary tables (PUBLIC has TEMPORARY on every database)",
        "REVOKE TEMPORARY ON DATABASE clerk FROM PUBLIC; GRANT TEMPORARY ON DATABASE clerk TO {app};",
        "admin",
        "clerk",
        in_read_write_transaction("CREATE TEMPORARY TABLE mine (id int)"),
    ),
    Exposure(
        "writes through SECURITY DEFINER functions (PUBLIC may EXECUTE every new function)",
        "REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC; GRANT EXECUTE ON FUNCTION {function} TO {app};",
        "admin",
        "clerk",
        in_read_write_transaction("SELECT purge_sites()"),
    ),
    Exposure(
        "large objects (a read-only transaction still creates them)",
        "REVOKE EXECUTE ON FUNCTION lo_create(oid), lo_creat(integer), lo_from_bytea(oid, bytea) "
        "FROM PUBLIC;",
        "superuser",
        "clerk",
        as_role("SELECT lo_from_bytea(0, 'written by the read-only role')"),
    ),
    Exposure(
        "advisory locks, e.g. the migration tool's (EXECUTE is PUBLIC's)",
        ADVISORY_LOCKS,
        "superuser",
        "clerk",
        as_role("SELECT pg_try_advisory_lock(72707369)"),
    ),
    Exposure(
        "other databases on the server (PUBLIC has CONNECT on every database)",
        "REVOKE CONNECT ON DATABASE {other_database} FROM PUBLIC;",
        "superuser",
        "postgres",
        connect_to_other_database,
    ),
]

# The watchdog for what SET can lift: terminate the role's sessions past the limits.
WATCHDOG = """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE usename = 'grafana_readonly'
  AND ((state = 'active' AND now() - query_start > interval '{statement}')
    OR (state = 'idle in transaction' AND now() - state_change > interval '{idle}'));"""


@pytest.fixture(scope="module")
def db(postgres_server) -> Iterator[ClerkDatabase]:
    declared = DeclaredRole.from_plan(plan_of("prod").plan["resources"])
    assert declared.name == ROLE
    with clerk_database(postgres_server, "clerk", other_roles=(ROLE,)) as db:
        create(db, declared)
        yield db


def run_command(db: ClerkDatabase, exposure: Exposure) -> None:
    connect = db.as_superuser if exposure.run_as == "superuser" else db.as_admin
    with connect(exposure.database) as conn:
        conn.execute(exposure.rendered(TEST_NAMES))


@pytest.mark.parametrize("exposure", EXPOSURES, ids=[e.name.split(" (")[0] for e in EXPOSURES])
def test_the_operator_command_closes_it(db, exposure):
    exposure.probe(db)  # open: the role can, despite its defaults
    run_command(db, exposure)
    with pytest.raises((errors.InsufficientPrivilege, psycopg.OperationalError)):
        exposure.probe(db)
    db.app_works()


def test_set_lifts_the_defaults_inside_a_session(db):
    """No per-role setting is out of a session's reach: the defaults are defence in depth only."""
    with connect_as_role(db, ROLE) as conn:
        conn.execute("SELECT set_config('statement_timeout', '0', false)")
        conn.execute("SET default_transaction_read_only = off")
        conn.execute("SET idle_in_transaction_session_timeout = 0")
        conn.execute("SET lock_timeout = 0")
        assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)
        assert conn.execute("SHOW transaction_read_only").fetchone() == ("off",)
        with pytest.raises(errors.InsufficientPrivilege):  # the grants still hold
            conn.execute("INSERT INTO sites (subdomain) VALUES ('evil')")


def test_the_watchdog_ends_a_session_that_lifted_its_timeouts(db):
    failure: list[BaseException] = []

    def long_query() -> None:
        try:
            with connect_as_role(db, ROLE) as conn:
                conn.execute("SET statement_timeout = 0")
                conn.execute("SELECT pg_sleep(30)")
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            failure.append(err)

    worker = threading.Thread(target=long_query)
    worker.start()
    time.sleep(0.5)
    with db.as_watchdog() as watchdog:
        (terminated,) = watchdog.execute(
            WATCHDOG.format(statement="200 milliseconds", idle="1 second")
        ).fetchall()
    worker.join(timeout=10)
    assert terminated == (True,)
    assert failure and isinstance(failure[0], psycopg.OperationalError)
    db.app_works()


def test_the_readme_gives_every_command():
    readme = README.read_text()
    for exposure in EXPOSURES:
        assert exposure.rendered(README_NAMES) in readme, exposure.name
    assert WATCHDOG.format(statement="30s", idle="60s") in readme
