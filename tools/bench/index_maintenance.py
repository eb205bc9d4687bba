"""What the recommended indexes cost the pipeline that writes `sites`: insert and update throughput.

The pipeline registers a site (one INSERT) and moves it through its stages (single-row UPDATEs by
id that set the stage, `updated_at` and a job counter). Both are timed as batches of single-row
statements inside a transaction that is rolled back (then VACUUM), so the table measured next is
the same table, and measured as the CPU time of the PostgreSQL backend that ran them (the work
the indexes add; the client's wall time on a shared machine would mostly measure other jobs).
Every UPDATE changes `updated_at`, an indexed column, so none is a HOT update once any index
covers it: that, and the width of the covering index, is the cost reported.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from tools.bench import timing

BATCH = 3000  # statements per timed batch


def _inserts(now: datetime) -> list[tuple[Any, ...]]:
    return [(f"new-{i}.civic.band", now, now + timedelta(seconds=i)) for i in range(BATCH)]


def _updates(ids: list[int], now: datetime) -> list[tuple[Any, ...]]:
    stages = ("ocr", "compilation", "extraction", "deploy", "completed")
    return [(stages[i % len(stages)], now + timedelta(seconds=i), site) for i, site in enumerate(ids)]


def _batch_cpu_ms(conn, clock: timing.BackendClock, statement: str, params: list[tuple[Any, ...]]) -> float:
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cost = clock.cost(lambda: cur.executemany(statement, params))
    finally:
        conn.rollback()
        conn.autocommit = True
    conn.execute("VACUUM sites")
    return cost.cpu_ms


def throughput(conn, now: datetime, rounds: int = 5) -> dict[str, float]:
    """Rows per CPU-second of the backend for each workload, median of `rounds` batches."""
    clock = timing.BackendClock(conn)
    (max_id,) = conn.execute("SELECT max(id) FROM sites").fetchone()
    rng = random.Random(42)
    insert = (
        "INSERT INTO sites (subdomain, current_stage, started_at, updated_at) VALUES (%s, 'fetch', %s, %s)"
    )
    update = "UPDATE sites SET current_stage = %s, updated_at = %s, ocr_total = ocr_total + 1 WHERE id = %s"
    results: dict[str, list[float]] = {"insert": [], "update": []}
    for _ in range(rounds):
        results["insert"].append(_batch_cpu_ms(conn, clock, insert, _inserts(now)))
        ids = [rng.randint(1, max_id) for _ in range(BATCH)]
        results["update"].append(_batch_cpu_ms(conn, clock, update, _updates(ids, now)))
    return {kind: BATCH / (timing.median(times) / 1000) for kind, times in results.items()}
