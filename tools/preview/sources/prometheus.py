"""Prometheus panels on a real Prometheus server: Debian's binary on loopback, with the synthetic
series (tools.preview.sources.synthetic) backfilled by `promtool tsdb create-blocks-from openmetrics`.

Backfilled blocks are kept in a cache directory keyed by a hash of the series' plan, so a warm run
only copies them and starts the server. Queries go over the HTTP API as Grafana sends them:
range queries with the step Grafana picks, instant queries for instant targets.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tools.engines.prometheus import PrometheusServer, binary
from tools.preview.frames import PanelData, Series, Table
from tools.preview.sources import synthetic
from tools.preview.timing import NOW, TimeRange

KEEP = 6  # cached block sets
CONFIG = "global:\n  scrape_interval: {scrape}s\n  evaluation_interval: {scrape}s\n"


def backfill(uses: Mapping[str, synthetic.MetricUse], scrape: int, cache: Path) -> Path:
    """TSDB blocks of the synthetic series, built once per distinct plan and kept under `cache`."""
    plan = {
        "generator": hashlib.sha256(Path(synthetic.__file__).read_bytes()).hexdigest(),
        "now": NOW.isoformat(),
        "scrape": scrape,
        "metrics": {
            n: [
                sorted(u.labels),
                {k: sorted(v) for k, v in sorted(u.wanted.items())},
                u.counter,
                u.longest_range,
            ]
            for n, u in sorted(uses.items())
        },
    }
    key = hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()[:16]
    blocks = cache / f"blocks-{key}"
    if blocks.is_dir():
        return blocks
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="preview-om-", dir=cache) as tmp:
        source = Path(tmp) / "series.om"
        with source.open("w") as out:
            out.writelines(synthetic.openmetrics(uses, scrape, int(NOW.timestamp())))
        built = Path(tmp) / "blocks"
        proc = subprocess.run(
            [binary("promtool"), "tsdb", "create-blocks-from", "openmetrics", "--quiet",
             "--max-block-duration=744h", str(source), str(built)],
            capture_output=True, text=True,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"promtool create-blocks-from openmetrics failed:\n{proc.stderr.strip()}")
        for stale in sorted(cache.glob("blocks-*"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
            shutil.rmtree(stale, ignore_errors=True)  # keep a few plans: both stacks, base and head
        built.rename(blocks)
    return blocks


class PrometheusSource:
    """A Prometheus server with the backfilled blocks, on a free loopback port; `close()` stops it."""

    def __init__(self, uses: Mapping[str, synthetic.MetricUse], scrape: int, cache: Path) -> None:
        self.scrape = scrape
        blocks = backfill(uses, scrape, cache)
        root = Path(tempfile.mkdtemp(prefix="preview-prometheus-"))
        shutil.copytree(blocks, root / "data")
        retention = ["--storage.tsdb.retention.time=100y"]
        self.server = PrometheusServer(root, CONFIG.format(scrape=scrape), retention)
        self.api = self.server.api

    def close(self) -> None:
        self.server.close()

    def query(self, expr: str, target: Mapping[str, Any], rng: TimeRange, step: int) -> PanelData:
        legend = target.get("legendFormat") or ""
        try:
            if target.get("instant") and not target.get("range"):
                data = self.api("query", {"query": expr, "time": f"{rng.end.timestamp():.0f}"})
            else:
                start = math.floor(rng.start.timestamp() / step) * step
                end = math.floor(rng.end.timestamp() / step) * step
                data = self.api(
                    "query_range", {"query": expr, "start": str(start), "end": str(end), "step": str(step)}
                )
        except ValueError as err:
            return PanelData(errors=[str(err)])
        results = data.get("result") or []
        if data.get("resultType") == "vector":
            if target.get("format") == "table":
                return PanelData(tables=[instant_table(results)])
            return PanelData(
                series=[
                    Series(
                        legend_name(legend, r["metric"], expr),
                        [float(r["value"][0])],
                        [_number(r["value"][1])],
                        r["metric"],
                    )
                    for r in results
                ]
            )
        series = [
            Series(
                legend_name(legend, r["metric"], expr),
                [float(t) for t, _ in r["values"]],
                [_number(v) for _, v in r["values"]],
                r["metric"],
            )
            for r in results
        ]
        if target.get("format") == "heatmap":
            series = heatmap_buckets(series)
        return PanelData(series=series)


def _number(text: str) -> float | None:
    value = float(text)
    return None if math.isnan(value) else value


def legend_name(legend: str, labels: Mapping[str, str], expr: str) -> str:
    """Grafana's legend: `{{label}}` filled in; `__auto` or empty: the series' labels (or the query)."""
    if legend and legend != "__auto":
        return re.sub(r"\{\{\s*(.+?)\s*\}\}", lambda m: labels.get(m.group(1), ""), legend)
    name = labels.get("__name__", "")
    rest = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    if not name and not rest:
        return expr
    return f"{name}{{{rest}}}" if rest else name


def instant_table(results: list[Mapping[str, Any]]) -> Table:
    """An instant query in table format: Time, one column per label, Value."""
    labels = sorted({k for r in results for k in r["metric"] if k != "__name__"})
    rows = [
        [float(r["value"][0]), *(r["metric"].get(k, "") for k in labels), _number(r["value"][1])]
        for r in results
    ]
    return Table(["Time", *labels, "Value"], rows)


def heatmap_buckets(series: list[Series]) -> list[Series]:
    """Format "heatmap": buckets sorted by `le` and de-accumulated, each named by its upper bound."""

    def bound(s: Series) -> float:
        return float(s.labels.get("le", "inf").replace("+Inf", "inf"))

    ordered = sorted(series, key=bound)
    out, previous = [], None
    for s in ordered:
        values = list(s.values)
        if previous is not None:
            values = [
                None if v is None or p is None else max(0.0, v - p)
                for v, p in zip(s.values, previous, strict=False)
            ]
        previous = s.values
        out.append(Series(s.labels.get("le", s.name), s.times, values, s.labels))
    return out
