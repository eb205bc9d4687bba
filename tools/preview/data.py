"""Each panel's data: its targets sent to the engine of their data source, with Grafana's variables.

`Engines` starts what the dashboards need (PostgreSQL when a panel reads SQL, Prometheus when one
reads PromQL), once for a whole run, and stops them on exit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.panels import panels
from tools.preview.frames import PanelData
from tools.preview.layout import grid_rect
from tools.preview.sources import demo, synthetic
from tools.preview.timing import interval_seconds, panel_range
from tools.preview.variables import builtins, interpolate_promql

SQL_TYPES = {"grafana-postgresql-datasource", "postgres"}
DEFAULT_SCRAPE = 15  # Grafana's default minimum interval for Prometheus


def panel_walk(model: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    return panels(model)


def datasource_type(panel: Mapping[str, Any], target: Mapping[str, Any]) -> str | None:
    for ref in (target.get("datasource"), panel.get("datasource")):
        if isinstance(ref, Mapping) and ref.get("type") and ref.get("type") != "datasource":
            return ref["type"]
    return None


@dataclass(frozen=True)
class DataSourceSettings:
    """What the stack's data sources tell the queries: Prometheus' scrape interval, Loki's line limit."""

    scrape_interval: int = DEFAULT_SCRAPE
    loki_max_lines: int = 1000

    @classmethod
    def from_plan(cls, plan: Mapping[str, Any]) -> DataSourceSettings:
        from tools.preview.timing import seconds

        scrape, max_lines = DEFAULT_SCRAPE, 1000
        for resource in plan.get("resources", []):
            if resource["type"] != "grafana:oss/dataSource:DataSource":
                continue
            inputs = resource["inputs"]
            import json

            data = inputs.get("jsonDataEncoded")
            data = json.loads(data) if isinstance(data, str) else (data or {})
            if inputs.get("type") == "prometheus" and data.get("timeInterval"):
                scrape = seconds(data["timeInterval"])
            if inputs.get("type") == "loki" and data.get("maxLines"):
                max_lines = int(data["maxLines"])
        return cls(scrape, max_lines)


def prometheus_queries(models: Iterable[Mapping[str, Any]], scrape: int) -> list[tuple[str, str, int]]:
    """(PromQL as sent, legend format, range in seconds) of every Prometheus target of every panel."""
    out = []
    for model in models:
        for panel in panel_walk(model):
            rng = panel_range(model, panel)
            interval = interval_seconds(rng, grid_rect(panel.get("gridPos") or {}).w, scrape)
            for target in panel.get("targets") or []:
                if datasource_type(panel, target) == "prometheus" and target.get("expr"):
                    expr = interpolate_promql(target["expr"], model, builtins(rng, interval, scrape))
                    out.append((expr, target.get("legendFormat") or "", rng.seconds))
    return out


class Engines(AbstractContextManager):
    def __init__(self, models: list[Mapping[str, Any]], settings: DataSourceSettings, cache: Path) -> None:
        self.settings = settings
        self.models = models
        self.cache = cache
        self.postgres = None
        self.prometheus = None
        self.loki = None

    def __enter__(self) -> Engines:
        from tools.preview.sources.loki import LokiSource
        from tools.preview.sources.postgres import PostgresSource
        from tools.preview.sources.prometheus import PrometheusSource

        kinds = {
            datasource_type(p, t) for m in self.models for p in panel_walk(m) for t in p.get("targets") or []
        }

        def start_prometheus() -> PrometheusSource:
            queries = prometheus_queries(self.models, self.settings.scrape_interval)
            uses = synthetic.discover(queries)
            return PrometheusSource(uses, self.settings.scrape_interval, self.cache / "prometheus")

        # Both servers start side by side: most of a warm run is waiting for them.
        failures: list[BaseException] = []
        with ThreadPoolExecutor(max_workers=2) as pool:
            postgres = pool.submit(PostgresSource) if kinds & SQL_TYPES else None
            prometheus = pool.submit(start_prometheus) if "prometheus" in kinds else None
            for name, future in (("postgres", postgres), ("prometheus", prometheus)):
                if future is None:
                    continue
                try:
                    setattr(self, name, future.result())
                except BaseException as err:  # noqa: BLE001 - stop what did start, then raise the first
                    failures.append(err)
        if failures:
            self.__exit__(None, None, None)
            raise failures[0]
        if "loki" in kinds:
            self.loki = LokiSource(demo.log_lines(demo.sites()), self.settings.loki_max_lines)
        return self

    def __exit__(self, *exc: object) -> None:
        for engine in (self.prometheus, self.postgres):
            if engine is not None:
                engine.close()
        self.prometheus = self.postgres = None

    def panel_data(self, model: Mapping[str, Any], panel: Mapping[str, Any]) -> PanelData:
        """Every target's result merged; errors collected, never raised."""
        rng = panel_range(model, panel)
        scrape = self.settings.scrape_interval
        width = grid_rect(panel.get("gridPos") or {}).w
        out = PanelData()
        for target in panel.get("targets") or []:
            if target.get("hide"):
                continue
            kind = datasource_type(panel, target)
            if kind in SQL_TYPES and self.postgres is not None:
                result = self.postgres.query(model, target, rng, interval_seconds(rng, width, 60))
            elif kind == "prometheus" and self.prometheus is not None:
                interval = interval_seconds(rng, width, scrape)
                expr = interpolate_promql(target.get("expr", ""), model, builtins(rng, interval, scrape))
                result = self.prometheus.query(expr, target, rng, interval)
            elif kind == "loki" and self.loki is not None:
                expr = interpolate_promql(target.get("expr", ""), model, builtins(rng, 60, 60))
                result = self.loki.query(expr, target, rng.start, rng.end)
            else:
                result = PanelData(errors=[f"data source type {kind!r} is not pictured"])
            for s in result.series:
                s.ref_id = target.get("refId", "A")
            out.series += result.series
            out.tables += result.tables
            out.logs += result.logs
            out.errors += [f"{target.get('refId', '?')}: {e}" for e in result.errors]
            out.sample = out.sample or result.sample
        return out
