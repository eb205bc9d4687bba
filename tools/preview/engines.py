"""The engine harnesses the previews share with the tests (one import site, so they move in one place)."""

from __future__ import annotations

from collections.abc import Callable

from tools.engines import EngineMissing, grafana_sql
from tools.engines.postgres import SITES_SCHEMA, PostgresServer, _Cluster, find_bin_dir

__all__ = ["SITES_SCHEMA", "EngineMissing", "PostgresServer", "grafana_sql", "start_postgres"]


def start_postgres() -> tuple[PostgresServer, Callable[[], None]]:
    """A throwaway PostgreSQL (Debian's binaries, temp dir, free port) and the function that stops it."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise EngineMissing(
            "PostgreSQL server binaries not installed (/usr/lib/postgresql/*/bin): run `make system-deps`"
        )
    cluster = _Cluster(bin_dir)
    try:
        server = cluster.start()
    except Exception:
        cluster.stop()
        raise
    return server, cluster.stop
