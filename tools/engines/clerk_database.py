"""The Clerk database the way production runs it, on the throwaway PostgreSQL server.

PostgreSQL 14 defaults are simulated in every database this creates: schema `public` belongs to
the bootstrap superuser and PUBLIC may CREATE in it (the Debian server is newer, where the database
owner owns `public` and PUBLIC may not). Around the monitored database:

- `pulumi_admin`: the non-superuser the PostgreSQL provider connects as (CREATEROLE; owns the
  database and its tables);
- `clerk_app`: an application role that relies on PUBLIC's defaults (CONNECT, USAGE and CREATE on
  schema public, TEMPORARY, EXECUTE) plus its own table privileges;
- `purge_sites()`: a SECURITY DEFINER maintenance function owned by the admin that deletes rows
  (EXECUTE is PUBLIC's by default);
- `billing`: another team's database on the same server, reachable through PUBLIC's CONNECT;
- `session_watchdog`: a login in `pg_signal_backend` and `pg_read_all_stats`, for the watchdog.

`access_snapshot()` lists every privilege, membership and role setting on the server except those
of one role: a lifecycle step that changes it has touched somebody else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from tools.engines.postgres import SITES_SCHEMA, SUPERUSER, PostgresServer

ADMIN = "pulumi_admin"
ADMIN_PASSWORD = "test-only-admin-password-3c1d"
APP = "clerk_app"
APP_PASSWORD = "test-only-app-password-8e2f"
OTHER_DATABASE = "billing"
WATCHDOG = "session_watchdog"
WATCHDOG_PASSWORD = "test-only-watchdog-password-0d4a"
SITES_ROWS = 3
# The one-off prerequisite on PostgreSQL 14 (schema public owned by the bootstrap superuser): let the
# admin grant USAGE on it. Nothing else about the schema changes.
# Sessions' temporary schemas come and go with the sessions: not part of anyone's privileges.
NOT_TEMP = r"WHERE nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'"
PREREQUISITE = f"GRANT USAGE ON SCHEMA public TO {ADMIN} WITH GRANT OPTION"


def _identifier(name: str) -> sql.Identifier:
    return sql.Identifier(name)


@dataclass(frozen=True)
class ClerkDatabase:
    server: PostgresServer
    name: str

    def as_admin(self, dbname: str | None = None) -> psycopg.Connection:
        return self.server.connect_as(ADMIN, ADMIN_PASSWORD, dbname or self.name, autocommit=True)

    def as_app(self) -> psycopg.Connection:
        return self.server.connect_as(APP, APP_PASSWORD, self.name, autocommit=True)

    def as_superuser(self, dbname: str | None = None) -> psycopg.Connection:
        return self.server.connect(dbname or self.name)

    def as_watchdog(self) -> psycopg.Connection:
        """A login that may see and end other roles' sessions, and nothing else."""
        return self.server.connect_as(WATCHDOG, WATCHDOG_PASSWORD, "postgres", autocommit=True)

    def app_works(self) -> None:
        """What the application does every day, relying on PUBLIC's defaults; raises if it cannot."""
        with self.as_app() as app:
            (before,) = app.execute("SELECT count(*) FROM sites").fetchone()
            with app.transaction():
                app.execute("INSERT INTO sites (subdomain) VALUES ('app-check')")
                app.execute("UPDATE sites SET current_stage = 'ocr' WHERE subdomain = 'app-check'")
                app.execute("DELETE FROM sites WHERE subdomain = 'app-check'")
            app.execute("CREATE TABLE public.app_migration_check (id int)")  # PUBLIC's CREATE (PG14)
            app.execute("DROP TABLE public.app_migration_check")
            app.execute("CREATE TEMPORARY TABLE app_scratch (id int)")  # PUBLIC's TEMPORARY
            assert app.execute("SELECT pg_try_advisory_lock(72707369)").fetchone() == (True,)
            app.execute("SELECT pg_advisory_unlock(72707369)")
            assert app.execute("SELECT count(*) FROM sites").fetchone() == (before,)

    def access_snapshot(self, *excluding: str) -> dict[str, Any]:
        """Every ACL entry, membership and role setting on the server, except those of `excluding`."""
        skip = list(excluding)
        snapshot: dict[str, Any] = {}
        with self.as_superuser("postgres") as conn:
            databases = [
                r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1")
            ]
            snapshot["databases"] = _acl_rows(conn, DATABASE_ACLS, skip)
            snapshot["memberships"] = conn.execute(MEMBERSHIPS, [skip, skip]).fetchall()
            snapshot["role_settings"] = conn.execute(ROLE_SETTINGS, [skip]).fetchall()
            snapshot["roles"] = conn.execute(ROLES, [skip]).fetchall()
        for database in databases:
            with self.as_superuser(database) as conn:
                snapshot[database] = {
                    "schemas": _acl_rows(conn, SCHEMA_ACLS, skip),
                    "relations": _acl_rows(conn, RELATION_ACLS, skip),
                    "functions": _acl_rows(conn, FUNCTION_ACLS, skip),
                    "owners": conn.execute(SCHEMA_OWNERS).fetchall(),
                }
        return snapshot


# Effective ACLs: a NULL ACL means the defaults (acldefault); the first GRANT on an object writes
# them out, which changes nobody's rights. Sessions' temporary schemas and tables are left out.
DATABASE_ACLS = (
    "SELECT datname, coalesce(datacl, acldefault('d', datdba))::text[] FROM pg_database ORDER BY 1"
)
SCHEMA_ACLS = f"""SELECT nspname, coalesce(nspacl, acldefault('n', nspowner))::text[]
FROM pg_namespace {NOT_TEMP} ORDER BY 1"""
RELATION_ACLS = """SELECT c.oid::regclass::text,
  coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))::text[]
FROM pg_class c WHERE c.relpersistence <> 't' ORDER BY 1"""
FUNCTION_ACLS = """SELECT p.oid::regprocedure::text, coalesce(p.proacl, acldefault('f', p.proowner))::text[]
FROM pg_proc p ORDER BY 1"""
SCHEMA_OWNERS = f"SELECT nspname, nspowner::regrole::text FROM pg_namespace {NOT_TEMP} ORDER BY 1"
MEMBERSHIPS = """SELECT r.rolname, m.rolname FROM pg_auth_members a
JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
WHERE NOT (r.rolname = ANY(%s) OR m.rolname = ANY(%s)) ORDER BY 1, 2"""
ROLE_SETTINGS = """SELECT r.rolname, s.setdatabase, s.setconfig FROM pg_db_role_setting s
LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE NOT coalesce(r.rolname = ANY(%s), false) ORDER BY 1, 2"""
ROLES = """SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit
FROM pg_roles WHERE NOT rolname = ANY(%s) ORDER BY 1"""


def _acl_rows(conn: psycopg.Connection, query: str, skip: list[str]) -> list[tuple[str, list[str]]]:
    """(object, effective ACL entries) with the entries granted to the `skip` roles left out. A
    NULL ACL means the defaults; the first GRANT writes them out, which changes nobody's rights."""
    rows = []
    for name, acl in conn.execute(query):
        entries = [str(e) for e in (acl or []) if str(e).split("=", 1)[0] not in skip]
        rows.append((name, sorted(entries)))
    return rows


def _simulate_postgres14(conn: psycopg.Connection) -> None:
    """Schema public as PostgreSQL 14 creates it: the bootstrap superuser's, PUBLIC may CREATE."""
    conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(_identifier(SUPERUSER)))
    conn.execute("GRANT USAGE, CREATE ON SCHEMA public TO PUBLIC")


def _drop_roles(conn: psycopg.Connection, roles: list[str]) -> None:
    for role in roles:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(_identifier(role)))


@contextmanager
def clerk_database(
    server: PostgresServer, name: str, *, other_roles: tuple[str, ...] = (), prerequisite: bool = True
) -> Iterator[ClerkDatabase]:
    """Create the database, its admin, its application and `billing`; drop them all afterwards.

    `other_roles` are roles the caller will create (the read-only role): dropped before and after.
    `prerequisite=False` leaves out the one-off GRANT ... WITH GRANT OPTION on schema public.
    """
    with server.connect() as cluster:
        _teardown(cluster, name, other_roles)
        cluster.execute(
            sql.SQL("CREATE ROLE {} LOGIN CREATEROLE PASSWORD {}").format(
                _identifier(ADMIN), sql.Literal(ADMIN_PASSWORD)
            )
        )
        cluster.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(_identifier(APP), sql.Literal(APP_PASSWORD))
        )
        cluster.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE pg_signal_backend, pg_read_all_stats").format(
                _identifier(WATCHDOG), sql.Literal(WATCHDOG_PASSWORD)
            )
        )
        cluster.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(_identifier(name), _identifier(ADMIN)))
        cluster.execute(sql.SQL("CREATE DATABASE {}").format(_identifier(OTHER_DATABASE)))
    for database in (name, OTHER_DATABASE, "postgres"):
        with server.connect(database) as conn:
            _simulate_postgres14(conn)
    with server.connect(OTHER_DATABASE) as billing:
        billing.execute("CREATE TABLE invoices (id int PRIMARY KEY, amount numeric)")
    db = ClerkDatabase(server, name)
    with db.as_admin() as admin:
        admin.execute(SITES_SCHEMA)
        admin.execute(
            "INSERT INTO sites (subdomain) SELECT 'site-' || n FROM generate_series(1, %s) n", [SITES_ROWS]
        )
        admin.execute("CREATE TABLE users_secret (id serial PRIMARY KEY, email text)")
        admin.execute("INSERT INTO users_secret (email) VALUES ('someone@example.com')")
        admin.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON sites TO {}").format(_identifier(APP)))
        admin.execute(sql.SQL("GRANT USAGE ON SEQUENCE sites_id_seq TO {}").format(_identifier(APP)))
        admin.execute(
            "CREATE FUNCTION purge_sites() RETURNS bigint LANGUAGE sql SECURITY DEFINER "
            "SET search_path = public AS $$ WITH gone AS (DELETE FROM sites RETURNING 1) "
            "SELECT count(*) FROM gone $$"
        )
    if prerequisite:
        with db.as_superuser() as conn:
            conn.execute(PREREQUISITE)
    try:
        yield db
    finally:
        with server.connect() as cluster:
            _teardown(cluster, name, other_roles)


def _teardown(cluster: psycopg.Connection, name: str, other_roles: tuple[str, ...]) -> None:
    for database in (name, OTHER_DATABASE):
        cluster.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(_identifier(database)))
    _drop_roles(cluster, [*other_roles, APP, ADMIN, WATCHDOG])
