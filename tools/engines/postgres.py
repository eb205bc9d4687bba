"""A throwaway PostgreSQL server for the test session: the Debian binaries, a temp dir, a free port.

Register in tests/conftest.py with `pytest_plugins = ["tools.engines.postgres"]`, then ask for the
`postgres_server` fixture. The server listens on 127.0.0.1 (password auth, scram-sha-256) and on a
unix socket in its temp dir (trust, for the superuser that sets tests up). PostgreSQL refuses to run
as root, so as root the server runs as the `postgres` OS user. Missing server binaries fail the
tests rather than skip them: they are the proof, and `make system-deps` installs them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tools.engines import free_port

SUPERUSER = "postgres"

# The Clerk pipeline's `sites` table (document 000), shared by the SQL tests, the benchmark and the previews.
SITES_SCHEMA = (Path(__file__).parent / "sql" / "sites.sql").read_text()


def find_bin_dir() -> Path | None:
    """The newest installed server's bin dir (/usr/lib/postgresql/<major>/bin)."""
    dirs = [Path(d) for d in glob.glob("/usr/lib/postgresql/*/bin") if Path(d, "initdb").exists()]
    return max(dirs, key=lambda d: int(d.parent.name), default=None)


@dataclass(frozen=True)
class PostgresServer:
    port: int
    socket_dir: str
    host: str = "127.0.0.1"

    def connect(self, dbname: str = "postgres", **kwargs) -> psycopg.Connection:
        """Superuser connection over the unix socket (trust), autocommit."""
        return psycopg.connect(
            host=self.socket_dir, port=self.port, user=SUPERUSER, dbname=dbname, autocommit=True, **kwargs
        )

    def connect_as(self, user: str, password: str, dbname: str, **kwargs) -> psycopg.Connection:
        """Password login over TCP, the way Grafana connects."""
        return psycopg.connect(
            host=self.host, port=self.port, user=user, password=password, dbname=dbname, **kwargs
        )

    def create_database(self, name: str) -> None:
        """A fresh, empty database (dropped first if a previous test left one)."""
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class _Cluster:
    """initdb + pg_ctl in a temp dir, run as a non-root OS user when we are root."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="pgtest-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.run_as = SUPERUSER if os.geteuid() == 0 else None
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}{log}")

    def start(self) -> PostgresServer:
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth-local=trust",
            "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        port = free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c timezone=UTC"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return PostgresServer(port=port, socket_dir=str(self.root))

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


NOT_INSTALLED = "PostgreSQL server binaries not installed (/usr/lib/postgresql/*/bin): run `make system-deps`"


@contextmanager
def running_server() -> Iterator[PostgresServer]:
    """A throwaway cluster for the duration of the block (tests and the benchmark)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError(NOT_INSTALLED)
    cluster = _Cluster(bin_dir)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if find_bin_dir() is None:
        pytest.fail(NOT_INSTALLED)
    with running_server() as server:
        yield server
