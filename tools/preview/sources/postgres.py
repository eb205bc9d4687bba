"""SQL panels on a real PostgreSQL: the demo day seeded, queries expanded as Grafana's backend does.

The server is the test suite's harness (Debian's binaries, a temp dir, a free port); queries run
as a read-only role over TCP with password login, the way Grafana connects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import psycopg

from tools.preview.engines import SITES_SCHEMA, PostgresServer, grafana_sql, start_postgres
from tools.preview.frames import PanelData, Series, Table
from tools.preview.sources.demo import Site, sites
from tools.preview.timing import TimeRange
from tools.preview.variables import ALL, current, template_variables

DATABASE = "clerk"
ROLE, PASSWORD = "grafana_preview", "preview-only-password"  # a throwaway server's own role


class PostgresSource:
    """One seeded server for a whole preview run; `close()` stops it."""

    def __init__(self) -> None:
        self.server, self._stop = start_postgres()
        try:
            self._seed(self.server, sites())
            self.conn = self.server.connect_as(ROLE, PASSWORD, DATABASE, autocommit=True)
        except Exception:
            self._stop()
            raise

    @staticmethod
    def _seed(server: PostgresServer, rows: list[Site]) -> None:
        server.create_database(DATABASE)
        with server.connect(DATABASE) as admin:
            admin.execute(SITES_SCHEMA)
            with admin.cursor() as cur:
                for site in rows:
                    row = site.row()
                    columns = ", ".join(row)
                    cur.execute(
                        f"INSERT INTO sites ({columns}) VALUES ({', '.join(['%s'] * len(row))})",  # noqa: S608
                        list(row.values()),
                    )
            admin.execute("ANALYZE sites")
            admin.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
            admin.execute(f"GRANT CONNECT ON DATABASE {DATABASE} TO {ROLE}")
            admin.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
            admin.execute(f"GRANT SELECT ON sites TO {ROLE}")
            admin.execute(f"ALTER ROLE {ROLE} SET statement_timeout = '30s'")

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self._stop()

    def query(
        self, model: Mapping[str, Any], target: Mapping[str, Any], rng: TimeRange, interval: int
    ) -> PanelData:
        variables = [
            grafana_sql.Variable.from_model(
                v, _selection(v), grafana_sql.custom_options(v) if v.get("type") == "custom" else ()
            )
            for v in template_variables(model)
        ]
        try:
            from datetime import timedelta

            text = grafana_sql.render(
                target["rawSql"], rng.start, rng.end, variables, timedelta(seconds=interval)
            )
            with self.conn.cursor() as cur:
                cur.execute(text)
                columns = [c.name for c in cur.description or []]
                rows = [[_plain(v) for v in row] for row in cur.fetchall()]
        except (psycopg.Error, ValueError, NotImplementedError) as err:
            return PanelData(errors=[str(err).strip().splitlines()[0]])
        if target.get("format") == "time_series":
            return PanelData(series=to_series(columns, rows))
        return PanelData(tables=[Table(columns, rows)])


def _selection(variable: Mapping[str, Any]) -> str | list[str]:
    values = current(variable)
    if ALL in values:
        return grafana_sql.ALL
    return values if variable.get("multi") else values[0]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def to_series(columns: list[str], rows: list[list[Any]]) -> list[Series]:
    """Grafana's SQL time series format: a `time` column, value columns, an optional `metric` column
    whose values name the series (long to wide)."""
    if "time" not in columns:
        raise ValueError("time series format without a time column")
    t = columns.index("time")
    m = columns.index("metric") if "metric" in columns else None
    values = [i for i, c in enumerate(columns) if i not in (t, m)]
    series: dict[str, Series] = {}
    for row in rows:
        moment = row[t].timestamp() if hasattr(row[t], "timestamp") else float(row[t])
        for i in values:
            name = (
                str(row[m])
                if m is not None and len(values) == 1
                else (f"{row[m]} {columns[i]}" if m is not None else columns[i])
            )
            value = row[i]
            s = series.setdefault(name, Series(name, [], []))
            s.times.append(moment)
            s.values.append(
                None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
            )
    return list(series.values())
