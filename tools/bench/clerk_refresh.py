"""Section 3: what the Clerk dashboard costs the monitored database, against the seed's own SQL.

Per size and layout: one full refresh (every variable and panel, All selected, last 24 h) timed
as a sequence, and every query of the pack timed in pairs against document 000's query for the
same panel (sql/seed/*.sql, each naming the section it comes from), with enough rounds for the
query's length. Each is measured as the CPU time of the PostgreSQL backend that ran it (what the
database spends; other jobs on a shared machine make it wait but do not add to it) and as the
client's wall time. A query passes when its median CPU time is at or below the seed's plus the
fixed slack of tools.bench.timing. EXPLAIN records which scan each query uses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tools.bench import clerk_db, index_maintenance, timing
from tools.bench.clerk_queries import ClerkSql, baseline, clerk_sql, rendered
from tools.bench.sql_files import seed_queries
from tools.engines.postgres import PostgresServer, running_server

REFRESH_TARGET_MS = 50.0  # one full refresh at 10^6 rows, random layout, indexed (backend CPU)
DROPDOWN_TARGET_MS = 20.0  # the subdomain variable's query at 10^6 rows
QUERY_BUDGET_MS = 1200.0  # per compared query and side: short queries get more rounds


def refresh_cost(conn, texts: dict[str, str], sql: ClerkSql, rounds: int) -> dict[str, Any]:
    """One refresh as Grafana sends it, `rounds` times (one warm-up discarded): medians of the
    total and of each query, in PostgreSQL's CPU time and in the client's wall time."""
    clock = timing.BackendClock(conn)
    keys = [q.key for q in sql.refresh()]
    totals: list[timing.Cost] = []
    per: dict[str, list[timing.Cost]] = {k: [] for k in keys}
    for i in range(rounds + 1):
        costs = [clock.cost(_query(conn, texts[key])) for key in keys]
        if i:
            totals.append(timing.Cost(sum(c.wall_ms for c in costs), sum(c.cpu_ms for c in costs)))
            for key, cost in zip(keys, costs, strict=True):
                per[key].append(cost)
    return {
        "cpu_ms": timing.median([t.cpu_ms for t in totals]),
        "wall_ms": timing.median([t.wall_ms for t in totals]),
        "wall_spread_ms": (min(t.wall_ms for t in totals), max(t.wall_ms for t in totals)),
        "rounds": rounds,
        "per_query_cpu_ms": {k: timing.median([c.cpu_ms for c in v]) for k, v in per.items()},
        "per_query_wall_ms": {k: timing.median([c.wall_ms for c in v]) for k, v in per.items()},
    }


def _query(conn, text: str) -> Callable[[], object]:
    return lambda: conn.execute(text).fetchall()


def compare_with_seed(
    conn, texts: dict[str, str], sql: ClerkSql, least: int, most: int
) -> list[dict[str, Any]]:
    """Every query of ours against its seed baseline, in pairs; judged on PostgreSQL's CPU time."""
    clock = timing.BackendClock(conn)
    seeds = seed_queries()
    rows = []
    for q in sql.queries:
        seed = baseline(q, seeds)
        ours = _query(conn, texts[q.key])
        row: dict[str, Any] = {"key": q.key, "kind": q.kind, "scans": clerk_db.scan_nodes(conn, texts[q.key])}
        if seed is None:  # reported as a query without a baseline: a gap, never a pass
            costs = [clock.cost(ours) for _ in range(least)]
            row |= {"seed": None, "ours_cpu_ms": timing.median([c.cpu_ms for c in costs])}
            rows.append(row)
            continue
        base = _query(conn, seed.sql)
        rounds = timing.rounds_for(
            max(timing.timed_ms(ours), timing.timed_ms(base)), QUERY_BUDGET_MS, least, most
        )
        ours_costs, base_costs = timing.paired(ours, base, rounds, clock)
        row |= {
            "seed": seed.file,
            "source": seed.source,
            "seed_scans": clerk_db.scan_nodes(conn, seed.sql),
            "rounds": rounds,
            "ours_cpu_ms": timing.median([c.cpu_ms for c in ours_costs]),
            "seed_cpu_ms": timing.median([c.cpu_ms for c in base_costs]),
            "ours_wall_ms": timing.median([c.wall_ms for c in ours_costs]),
            "seed_wall_ms": timing.median([c.wall_ms for c in base_costs]),
        }
        row["ok"] = timing.at_or_below(row["ours_cpu_ms"], row["seed_cpu_ms"])
        rows.append(row)
    return rows


def _measure_size(
    server: PostgresServer, size: int, layout: str, rounds: int, compare: bool, without_indexes: bool
) -> dict[str, Any]:
    sql = clerk_sql()
    now = datetime.now(UTC).replace(microsecond=0)
    dbname = f"bench_{size}_{layout.replace('-', '_')}"
    result: dict[str, Any] = {
        "size": size,
        "layout": layout,
        "table": clerk_db.load(server, dbname, size, now, layout),
    }
    with server.connect(dbname) as conn:
        conn.autocommit = True
        if without_indexes:
            texts = rendered(conn, sql, now)
            result["no_index"] = refresh_cost(conn, texts, sql, rounds=max(2, rounds // 5))
            result["writes_no_index"] = index_maintenance.throughput(conn, now)
        result["index_build_s"] = clerk_db.create_recommended_indexes(conn)
        result["index_bytes"] = clerk_db.index_bytes(conn)
        if without_indexes:
            result["writes_indexed"] = index_maintenance.throughput(conn, now)
        texts = rendered(conn, sql, now)
        result["refresh"] = refresh_cost(conn, texts, sql, rounds)
        result["one_site"] = refresh_cost(
            conn, rendered(conn, sql, now, {"subdomain": "first"}), sql, max(3, rounds // 3)
        )
        if compare:
            result["queries"] = compare_with_seed(conn, texts, sql, least=rounds, most=40 * rounds)
    with server.connect() as conn:
        conn.execute(f"DROP DATABASE {dbname} WITH (FORCE)")  # free the disk for the next one
    return result


def bench_clerk(sizes: list[int], rounds: int) -> dict[str, Any]:
    """Random layout at every size (compared with the seed); at the largest, the time-ordered
    layout too (refresh only) and the refresh without indexes."""
    runs = []
    with running_server() as server:
        with server.connect() as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            jit = conn.execute("SHOW jit").fetchone()[0]
        largest = max(sizes)
        for size in sorted(sizes):
            runs.append(
                _measure_size(server, size, "random", rounds, compare=True, without_indexes=size == largest)
            )
        runs.append(
            _measure_size(server, largest, "time-ordered", rounds, compare=False, without_indexes=False)
        )
    return {"server_version": version, "jit": jit, "runs": runs, "dropdown_key": _dropdown_key()}


def _dropdown_key() -> str:
    return next((q.key for q in clerk_sql().queries if q.key == "variable subdomain"), "")
