"""The tables the packs declare are the tables their SQL reads: on a real PostgreSQL, a role granted
SELECT on exactly the declared tables (as `settings.bind_packs` derives the grants) runs every SQL
panel, variable and alert query of every pack, and reads nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import sql

import settings
from components.environment import pack_context
from dashboards import PACK_OPTIONS, build_packs
from model.datasources import CATALOGUE
from model.panels import panels
from tests.helpers import load_with
from tools.engines.grafana_sql import ALL, Variable, custom_options, render
from tools.engines.postgres import SITES_SCHEMA, PostgresServer

pytest_plugins = ["tools.engines.postgres"]

PROBE, PASSWORD = "grafana_probe", "probe-password-1"
END = datetime(2026, 1, 1, tzinfo=UTC)
START = END - timedelta(hours=24)


def sql_queries(packs) -> list[tuple[str, str]]:
    """(where, query text as PostgreSQL receives it) of every SQL query of every pack."""
    postgres = CATALOGUE["postgres"]
    found = []
    for pack in packs:
        for board in pack.dashboards:
            variables = [
                Variable.from_model(
                    v,
                    ALL if v.get("includeAll") else "",
                    custom_options(v) if v.get("type") == "custom" else [],
                )
                for v in board.model.get("templating", {}).get("list", [])
            ]
            for v in board.model.get("templating", {}).get("list", []):
                if (v.get("datasource") or {}).get("type") == postgres.plugin_type and v.get("query"):
                    query = v["query"] if isinstance(v["query"], str) else v["query"].get("rawSql", "")
                    found.append((f"{board.uid} variable {v['name']}", render(query, START, END, variables)))
            for panel in panels(board.model):
                for target in panel.get("targets") or []:
                    if target.get("rawSql"):
                        found.append(
                            (
                                f"{board.uid} panel {panel.get('title')}",
                                render(target["rawSql"], START, END, variables),
                            )
                        )
        for alert in pack.alerts:
            if alert.datasource == "postgres":
                found.append((f"alert {alert.name}", render(alert.query, START, END)))
    return found


@pytest.fixture(scope="module")
def probe(postgres_server: PostgresServer):
    loaded = load_with("prod")
    packs = build_packs(pack_context(loaded))
    granted = settings.bind_packs(loaded, packs).postgres.tables
    postgres_server.create_database("pack_tables")
    with postgres_server.connect("pack_tables") as admin:
        admin.execute(SITES_SCHEMA)
        admin.execute("CREATE TABLE other_teams_data (secret text)")
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(PROBE)))
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(PROBE), sql.Literal(PASSWORD))
        )
        admin.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(PROBE)))
        for table in granted:
            admin.execute(
                sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(table), sql.Identifier(PROBE))
            )
    with postgres_server.connect_as(PROBE, PASSWORD, "pack_tables", autocommit=True) as conn:
        yield conn, packs, granted


def test_the_grants_are_the_declared_tables(probe):
    _conn, packs, granted = probe
    assert granted == ("sites",)
    assert {t for p in packs for t in p.tables} == {"sites"}


def test_every_sql_query_of_every_pack_runs_on_the_declared_tables(probe):
    conn, packs, _granted = probe
    queries = sql_queries(packs)
    assert len(queries) >= 10  # the Clerk dashboard's panels, its variable and its three alerts
    for where, text in queries:
        try:
            conn.execute(text).fetchall()
        except psycopg.Error as err:
            raise AssertionError(f"{where}: {err}") from err


def test_the_probe_reads_nothing_else(probe):
    conn, _packs, _granted = probe
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM other_teams_data").fetchall()


def test_pack_options_are_loaded_for_every_declaring_pack():
    assert set(load_with("prod").pack_options) == set(PACK_OPTIONS)
