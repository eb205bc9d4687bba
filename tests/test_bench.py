"""The benchmark's own logic, without timing anything: what it compares, and how it judges.

A benchmark that can only say "met" is no benchmark: these prove each target can be reported
missed, that every Clerk query has its seed baseline (a new panel without one is reported as a gap),
and that the synthetic content does not collide with itself.
"""

from __future__ import annotations

import json
import subprocess
import sys

from model.datasources import UIDS
from model.pack import PackContext
from tools.bench import report, timing
from tools.bench.clerk_queries import baseline, clerk_sql
from tools.bench.sql_files import recommended_indexes, seed_queries
from tools.bench.synthetic import cloned_packs
from tools.engines.grafana_sql import expand_macros

pytest_plugins = ["tools.engines.postgres"]


def test_every_clerk_query_has_a_seed_baseline_that_names_its_source():
    seeds = seed_queries()
    for query in clerk_sql().queries:
        seed = baseline(query, seeds)
        assert seed is not None, f"{query.key}: no file in tools/bench/sql/seed/ says `-- for: {query.key}`"
        assert "document 000" in seed.source, f"{seed.file} must say where in document 000 it comes from"
        assert seed.sql.lstrip().upper().startswith("SELECT")


def test_every_seed_file_is_the_baseline_of_something_the_pack_builds():
    keys = {q.key for q in clerk_sql().queries}
    for seed in seed_queries():
        assert keys & set(seed.targets), f"{seed.file} names none of the pack's queries: {seed.targets}"


def test_the_recommended_indexes_are_the_ones_the_docs_recommend():
    doc = report.DOC.read_text()
    for ddl in recommended_indexes():
        name = ddl.split()[2]
        assert name in doc, f"docs/benchmarks.md does not show {name}"


def test_the_stuck_condition_is_sargable():
    """The stuck cut-off is computed on the literal, so the bare column meets a constant."""
    (stuck,) = [q for q in clerk_sql().queries if q.key == "panel Stuck Sites"]
    from datetime import UTC, datetime

    text = expand_macros(stuck.template, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
    assert "updated_at < '2026-01-02T00:00:00Z'::timestamptz - INTERVAL '2 hours'" in text
    assert "updated_at + INTERVAL" not in text


def test_the_seed_comparison_can_fail():
    assert timing.at_or_below(1.10, 1.0)  # within 10%
    assert not timing.at_or_below(1.11, 1.0)
    assert timing.at_or_below(0.09, 0.04)  # within 0.05 ms
    assert not timing.at_or_below(0.10, 0.04)


def _plan_row(stack, wall_x, rss_x, target):
    return {
        "stack": stack, "pairs": 9, "wall_x": wall_x, "cpu_x": wall_x, "rss_x": rss_x, "wall_target": target,
        "wall_ok": wall_x <= target, "rss_ok": rss_x <= 1.2, "plan_rss_mib": 80, "floor_rss_mib": 66,
        "sdk_wall_x": 0.87, "engine_wall_x": 1.02,
    }  # fmt: skip


def test_a_missed_target_is_shown_missed_with_its_ratio():
    results = {"plan": {"rss_target": 1.2, "rows": [_plan_row("prod", 1.31, 1.05, 1.1)]}}
    rows = {target: (ok, measured) for target, ok, measured in report.targets(results)}
    wall = next(k for k in rows if "prod <= 1.1x" in k)
    assert rows[wall] == (
        False,
        "1.31x (CPU time 1.31x); floors of this stack: the libraries it executes 0.87x,"
        " with its resources registered 1.02x",
    )
    memory = next(k for k in rows if "peak memory" in k)
    assert rows[memory][0] is True


def _row(factor, wall, rss):
    return {"factor": factor, "dashboards": 9 * factor, "wall": wall, "cpu": wall, "rss_mib": rss}


def test_scaling_is_judged_from_the_marginal_cost_per_dashboard():
    from tools.bench.scaling import judge

    # 10 ms and 0.4 MiB per dashboard throughout: flat.
    linear = [_row(1, 1.0, 90), _row(10, 1.81, 122.4), _row(50, 5.41, 266.4), _row(100, 9.91, 446.4)]
    verdict = judge(linear)
    assert verdict["time_ok"] and verdict["memory_ok"]
    assert round(verdict["time_ratio"], 6) == 1.0
    # The last step costs 20% more per dashboard: missed.
    growing = [_row(1, 1.0, 90), _row(10, 1.81, 122.4), _row(50, 5.41, 266.4), _row(100, 10.81, 446.4)]
    verdict = judge(growing)
    assert not verdict["time_ok"] and round(verdict["cpu_ratio"], 2) == 1.2


def test_synthetic_copies_do_not_collide():
    ctx = PackContext(
        stack="prod", grafana_url="https://g", datasource_uids=dict(UIDS), runbook_base_url="https://r"
    )
    packs = [build(ctx) for build in cloned_packs(3)]
    uids = [d.uid for p in packs for d in p.dashboards]
    rules = [a.name for p in packs for a in p.alerts]
    teams = [p.team for p in packs]
    assert len(uids) == len(set(uids)) and len(rules) == len(set(rules)) and len(teams) == len(set(teams))
    assert len(packs) == 3 * len(cloned_packs(1))


def test_the_backend_clock_measures_the_query_not_the_wait(postgres_server):
    """PostgreSQL's own CPU time: a query that works registers its work, a sleep does not."""
    with postgres_server.connect() as conn:
        clock = timing.BackendClock(conn)
        busy = clock.cost(lambda: conn.execute("SELECT count(*) FROM generate_series(1, 2000000)").fetchall())
        idle = clock.cost(lambda: conn.execute("SELECT pg_sleep(0.2)").fetchall())
    assert busy.cpu_ms > 10
    assert idle.wall_ms >= 200 and idle.cpu_ms < 20


def test_the_sdk_floor_executes_what_the_plan_executes(tmp_path):
    """The SDK floor row is only a floor if it loads what the plan loads, lazily registered
    namespaces (Grafana's `alerting`) executed as the plan executes them, and nothing of ours."""
    from tools.bench.plan_cost import executed_libraries
    from tools.plan import ROOT

    names = executed_libraries("staging")
    expected = {
        "pulumiverse_grafana.alerting._inputs",
        "pydantic.main",
        "grafana_foundation_sdk.builders.dashboard",
    }
    assert expected <= set(names)
    assert not [n for n in names if n.startswith("pulumi_kubernetes")]  # staging registers no Secret
    listed = tmp_path / "modules.json"
    listed.write_text(json.dumps(names))
    check = (
        "import json, sys, types\n"
        "from tools.bench.replay import main\n"
        "main(sys.argv[1:])\n"
        "names = json.load(open(sys.argv[1]))\n"
        "unexecuted = [n for n in names if type(sys.modules.get(n)) is not types.ModuleType]\n"
        "ours = ('settings', 'components', 'dashboards', 'model', 'program')\n"
        "print(json.dumps([unexecuted, [m for m in sys.modules if m.split('.')[0] in ours]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check, str(listed)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == [[], []]


def test_the_engine_floor_registers_every_resource_of_the_plan():
    from tests.plans import plan_of
    from tools.bench.replay import replay

    plan = plan_of("prod").plan
    kinds = {r["type"].split(":")[0] for r in plan["resources"]}
    assert {"grafana", "kubernetes", "postgresql", "random", "pulumi", "observability"} <= kinds
    assert replay(plan) == len(plan["resources"])
