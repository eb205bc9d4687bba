"""A `sites` table as the Clerk pipeline's database holds it, on a throwaway PostgreSQL.

Rows are written either in random physical order (a table whose rows are updated in place for
months ends up so: each new row version lands wherever there is room) or in `updated_at` order (a
freshly loaded or clustered table). Indexes come from sql/recommended_indexes.sql.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from tools.bench.sql_files import recommended_indexes, statement
from tools.engines.postgres import SITES_SCHEMA, PostgresServer

ACTIVE = 3000  # unfinished sites at any time
LAYOUTS = {"random": "random()", "time-ordered": "updated"}  # physical order -> ORDER BY of the load


def load(server: PostgresServer, dbname: str, rows: int, now: datetime, layout: str) -> dict[str, Any]:
    """A fresh database with `rows` sites written in `layout` order, vacuumed and analysed."""
    server.create_database(dbname)
    start = time.perf_counter()
    with server.connect(dbname) as conn:
        conn.execute(SITES_SCHEMA)
        conn.execute("SELECT setseed(0.42)")
        conn.execute(
            statement("sites_load.sql").replace("{physical_order}", LAYOUTS[layout]),
            {"rows": rows, "active": ACTIVE, "now": now},
        )
        conn.execute("VACUUM ANALYZE sites")
        loaded = time.perf_counter() - start
        return {"load_s": loaded, **table_stats(conn, now)}


def table_stats(conn, now: datetime) -> dict[str, Any]:
    row = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE current_stage <> 'completed'),"
        " count(*) FILTER (WHERE updated_at > %(now)s::timestamptz - interval '24 hours'),"
        " count(*) FILTER (WHERE current_stage <> 'completed'"
        "   AND updated_at < %(now)s::timestamptz - interval '2 hours'),"
        " (SELECT correlation FROM pg_stats WHERE tablename = 'sites' AND attname = 'updated_at'),"
        " pg_total_relation_size('sites'), pg_relation_size('sites')"
        " FROM sites",
        {"now": now},
    ).fetchone()
    keys = ("rows", "active", "in_24h", "stuck", "correlation", "total_bytes", "heap_bytes")
    return dict(zip(keys, row, strict=True))


def create_recommended_indexes(conn) -> float:
    """Seconds to build them all, then VACUUM ANALYZE (the visibility map index-only scans read)."""
    start = time.perf_counter()
    for ddl in recommended_indexes():
        conn.execute(ddl)
    built = time.perf_counter() - start
    conn.execute("VACUUM ANALYZE sites")
    return built


def index_bytes(conn) -> dict[str, int]:
    return dict(
        conn.execute(
            "SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes"
            " WHERE relname = 'sites' AND indexrelname <> 'sites_pkey' ORDER BY 1"
        ).fetchall()
    )


def scan_nodes(conn, text: str) -> list[str]:
    """Scan nodes of the query's plan, e.g. "Index Only Scan(sites_updated_at_idx)"."""
    plan = conn.execute("EXPLAIN (FORMAT JSON) " + text).fetchone()[0][0]
    found: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if "Scan" in node["Node Type"] and node.get("Relation Name", "sites") == "sites":
            kind = node["Node Type"] + (f"({node['Index Name']})" if "Index Name" in node else "")
            if kind not in found:
                found.append(kind)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return found
