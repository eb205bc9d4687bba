"""The read-only role exactly as the prod plan declares it, on PostgreSQL 14 defaults with a
non-superuser admin: it reads `sites` and nothing else, writes nothing anywhere by default, and
its timeouts are in effect. See tests/readonly_role.py for how the plan becomes SQL."""

from __future__ import annotations

import base64
import contextlib
import pickletools
import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors, sql

from components.role_settings import RoleSettingsProvider, missing_grant_rights
from settings import SettingsError
from tests.plans import plan_of
from tests.readonly_role import (
    DYNAMIC,
    PASSWORD,
    DeclaredRole,
    assert_read_only,
    connect_as_role,
    create,
    destroy,
    execute_as_admin,
    grant_sql,
    revoke_sql,
    role_attributes,
    role_defaults,
    role_sql,
    settings_props,
)
from tools.engines.clerk_database import (
    ADMIN,
    PREREQUISITE,
    SITES_ROWS,
    SITES_SCHEMA,
    ClerkDatabase,
    clerk_database,
)
from tools.plan import SECRET, read_stack_config, render_plan

pytest_plugins = ["tools.engines.postgres"]


@pytest.fixture(scope="module")
def declared() -> DeclaredRole:
    return DeclaredRole.from_plan(plan_of("prod").plan["resources"])


@pytest.fixture(scope="module")
def db(postgres_server, declared) -> Iterator[ClerkDatabase]:
    (database,) = {g["database"] for g in declared.grants}
    with clerk_database(postgres_server, database, other_roles=(declared.name,)) as db:
        db.app_works()
        create(db, declared)
        yield db


def test_the_plan_declares_the_seeds_role(declared):
    assert declared.name == "grafana_readonly"
    assert declared.settings["database"] == "clerk"
    assert declared.role["statementTimeout"] == 30_000  # the seed's query timeout


def test_logs_in_with_its_password_only(db, declared):
    with connect_as_role(db, declared.name) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (declared.name,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        db.server.connect_as(declared.name, "wrong-" + PASSWORD, db.name)


def test_reads_sites_and_cannot_write_anything(db, declared):
    with connect_as_role(db, declared.name) as conn:
        assert conn.execute("SELECT count(*) FROM sites").fetchone() == (SITES_ROWS,)
    assert_read_only(db, declared.name, ["sites"])


def test_the_security_definer_function_deletes_nothing(db, declared):
    """purge_sites() runs with its owner's rights, but inside the role's read-only transaction."""
    with connect_as_role(db, declared.name) as conn, pytest.raises(errors.ReadOnlySqlTransaction):
        conn.execute("SELECT purge_sites()")
    with db.as_admin() as admin:
        assert admin.execute("SELECT count(*) FROM sites").fetchone() == (SITES_ROWS,)


def test_role_attributes(db, declared):
    assert role_attributes(db, declared.name) == {
        "rolsuper": False,
        "rolinherit": False,
        "rolcreaterole": False,
        "rolcreatedb": False,
        "rolreplication": False,
        "rolbypassrls": False,
        "rolconnlimit": declared.role["connectionLimit"],
        "rolcanlogin": True,
    }


def test_role_defaults_are_the_plans(db, declared):
    assert declared.settings["settings"] == {"default_transaction_read_only": "on", "lock_timeout": "5s"}
    assert role_defaults(db, declared.name) == {
        "default_transaction_read_only": "on",
        "statement_timeout": "30s",
        "idle_in_transaction_session_timeout": "1min",
        "lock_timeout": "5s",
    }


@contextlib.contextmanager
def role_setting(db: ClerkDatabase, role: str, name: str, value: str) -> Iterator[None]:
    """The same role-level setting, scaled down so the suite does not wait for the real value."""
    alter = sql.SQL("ALTER ROLE {} SET {} = {}")
    with db.as_admin() as admin:
        (previous,) = admin.execute(
            "SELECT split_part(c, '=', 2) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole, "
            "unnest(s.setconfig) c WHERE r.rolname = %s AND split_part(c, '=', 1) = %s",
            [role, name],
        ).fetchone()
        admin.execute(alter.format(sql.Identifier(role), sql.Identifier(name), sql.Literal(value)))
        try:
            yield
        finally:
            admin.execute(alter.format(sql.Identifier(role), sql.Identifier(name), sql.Literal(previous)))


def test_statement_timeout_cancels_a_long_query(db, declared):
    with (
        role_setting(db, declared.name, "statement_timeout", "200ms"),
        connect_as_role(db, declared.name) as conn,
    ):
        with pytest.raises(errors.QueryCanceled, match="statement timeout"):
            conn.execute("SELECT pg_sleep(1)")
        assert conn.execute("SELECT 1").fetchone() == (1,)  # the session survives for the next query


def test_idle_in_transaction_timeout_ends_the_session(db, declared):
    setting = ("idle_in_transaction_session_timeout", "200ms")
    with role_setting(db, declared.name, *setting), connect_as_role(db, declared.name) as conn:
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM sites")
        time.sleep(0.6)
        with pytest.raises(errors.IdleInTransactionSessionTimeout):
            conn.execute("SELECT 1")


def test_lock_timeout_gives_up_behind_a_migration(db, declared):
    """A migration holding sites' exclusive lock makes Grafana's query fail fast, not queue."""
    with role_setting(db, declared.name, "lock_timeout", "200ms"), db.as_admin() as migration:
        migration.execute("BEGIN")
        migration.execute("LOCK TABLE sites IN ACCESS EXCLUSIVE MODE")
        with connect_as_role(db, declared.name) as conn, pytest.raises(errors.LockNotAvailable):
            conn.execute("SELECT count(*) FROM sites")
        migration.execute("ROLLBACK")


def test_connection_limit(db, declared):
    with contextlib.ExitStack() as stack:
        for _ in range(declared.role["connectionLimit"]):
            stack.enter_context(connect_as_role(db, declared.name))
        with pytest.raises(psycopg.OperationalError, match="too many connections for role"):
            connect_as_role(db, declared.name)


def test_the_application_still_works(db):
    db.app_works()


def test_grants_need_the_prerequisite_on_postgres14(declared, db):
    """Without the one-off GRANT ... WITH GRANT OPTION on schema public, PostgreSQL only warns and
    grants nothing (the provider would then show the Grant as a diff on every preview, as its source
    reads; that part is not run): RoleSettings refuses, naming the fix."""
    renamed = declared.renamed("grafana_readonly_check")
    (usage,) = [g for g in renamed.grants if g["objectType"] == "schema"]
    with db.as_superuser() as su:
        su.execute(f"REVOKE USAGE ON SCHEMA public FROM {ADMIN} CASCADE")  # and what it granted
    try:
        execute_as_admin(db, role_sql(renamed.role))
        warnings = execute_as_admin(db, grant_sql(usage))
        assert 'no privileges were granted for "public"' in warnings
        fix = f"GRANT USAGE ON SCHEMA public TO {ADMIN} WITH GRANT OPTION"
        with pytest.raises(RuntimeError, match=fix):
            RoleSettingsProvider().create(settings_props(db, renamed.settings))
    finally:
        with db.as_superuser() as su:
            su.execute(PREREQUISITE)
            su.execute("DROP ROLE IF EXISTS grafana_readonly_check")
        (usage,) = [g for g in declared.grants if g["objectType"] == "schema"]
        execute_as_admin(db, grant_sql(usage))
    assert_read_only(db, declared.name, ["sites"])
    db.app_works()


def test_destroy_in_an_unprotected_stack_leaves_nothing_behind(db, declared):
    """Last: drop everything with the SQL the provider's source runs, and the application carries on."""
    destroy(db, declared)
    assert role_attributes(db, declared.name) == {}
    db.app_works()


def test_a_stack_still_asking_to_manage_publics_grant_is_refused():
    """The old key would have the program drop the PUBLIC grant: refused, with the fix, before any
    resource is registered."""
    registered: list = []
    postgres = {**read_stack_config("staging")["observability:postgres"], "revokePublicCreate": True}
    with pytest.raises(SettingsError) as refused:
        render_plan("staging", config_overrides={"observability:postgres": postgres}, registered=registered)
    (problem,) = refused.value.problems
    assert problem.key == "observability:postgres.revokePublicCreate"
    assert "pulumi state delete" in problem.message
    assert (
        problem.fix == "pulumi config rm --path 'observability:postgres.revokePublicCreate' --stack staging"
    )
    assert not [r for r in registered if r["type"].startswith("postgresql:")]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_plan_shows_the_role_settings_and_no_secret(stack):
    """Names and values as plain inputs; the password marked secret; the dynamic provider serialised
    as a bare reference to its class (deterministic, nothing captured)."""
    (settings,) = [
        r
        for r in plan_of(stack).plan["resources"]
        if r["type"] == DYNAMIC and r["name"].endswith("-settings")
    ]
    inputs = settings["inputs"]
    assert inputs["settings"] == {"default_transaction_read_only": "on", "lock_timeout": "5s"}
    assert inputs["password"] == SECRET
    assert inputs["grantable"] == {
        "admin": "pulumi_admin",
        "database": "clerk",
        "schema": "public",
        "tables": ["sites"],
    }
    pickled = base64.b64decode(inputs["__provider"])
    strings = [arg for op, arg, _ in pickletools.genops(pickled) if isinstance(arg, str)]
    assert strings == ["components.role_settings", "RoleSettingsProvider"]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_engine_checks_the_admins_rights_before_any_grant_and_grants_before_the_data_source(stack):
    """The order the engine must keep: RoleSettings (which refuses, with the fix, an admin who may
    not grant; a GRANT without the right is only a warning) before every Grant, and every Grant
    before the data source Grafana connects with. plan.json keeps no order, the engine's requests
    do."""
    registrations: list = []
    render_plan(stack, on_register=registrations.append)
    waits = {r.name: {urn.rsplit("::", 1)[-1] for urn in r.dependencies} for r in registrations}
    kinds = {r.name: r.type for r in registrations}
    (role_settings,) = [n for n, t in kinds.items() if t == DYNAMIC]
    grants = [n for n, t in kinds.items() if t == "postgresql:index/grant:Grant"]
    (datasource,) = [
        n for n, t in kinds.items() if t == "grafana:oss/dataSource:DataSource" and "postgres" in n
    ]
    assert len(grants) == 3
    assert all(role_settings in waits[g] for g in grants), waits
    assert set(grants) <= waits[datasource], waits[datasource]


def test_from_postgres15_a_database_owned_by_the_admin_needs_no_prerequisite(db):
    """There the database owner owns schema public (pg_database_owner): nothing to run by hand."""
    with db.as_superuser("postgres") as su:
        su.execute("DROP DATABASE IF EXISTS clerk15")
        su.execute(f"CREATE DATABASE clerk15 OWNER {ADMIN}")
    grantable = {"admin": ADMIN, "database": "clerk15", "schema": "public", "tables": ["sites"]}
    try:
        with db.as_admin("clerk15") as admin:
            owner = admin.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'")
            assert owner.fetchone() == ("pg_database_owner",)
            admin.execute(SITES_SCHEMA)
            assert missing_grant_rights(admin, grantable) == []
    finally:
        with db.as_superuser("postgres") as su:
            su.execute("DROP DATABASE clerk15 WITH (FORCE)")


def test_an_upgrade_deleting_the_old_public_grant_changes_nothing_on_postgres14(db, declared):
    """Earlier versions declared Grant(role=public, schema=public, USAGE). If an upgrade deletes it
    before `pulumi state delete` forgets it, the provider revokes as the admin (the statement its
    source runs, executed here directly), who granted none of PUBLIC's privileges on the
    superuser's schema: nothing changes."""
    old_grant = {"role": "public", "database": "clerk", "schema": "public", "objectType": "schema"}
    before = db.access_snapshot(declared.name)
    execute_as_admin(db, revoke_sql({**old_grant, "privileges": ["USAGE"]}))
    assert db.access_snapshot(declared.name) == before
    db.app_works()
