"""Section 1: the offline plan against the cost of importing the SDKs it registers resources of.

The floor is a process that does nothing but import the SDKs of every resource the program can
register (FLOOR_IMPORTS). Each stack's `python -m tools.plan` is run in pairs with it (A B, then
B A, ...; a warm-up pair discarded) and judged by the median of the per-pair ratios, so a burst of
load from elsewhere lands on both sides of a ratio. Wall time is the target; CPU time (user +
system, which other processes' load barely moves) is shown beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.bench import timing
from tools.bench.children import PYTHON, paired_runs
from tools.plan import LINT_FINDINGS

FLOOR_IMPORTS = (
    "import pulumi, pulumiverse_grafana.oss, pulumiverse_grafana.alerting, pulumi_postgresql,"
    " pulumi_random, pulumi_kubernetes.core.v1"
)
# Wall time and peak memory of each stack's plan, at most these multiples of the floor's.
WALL_TARGETS = {"prod": 1.1, "staging": 0.9}  # staging publishes no Kubernetes Secret
RSS_TARGET = 1.2


def bench_plan(stacks: list[str], pairs: int, out: Path) -> dict[str, Any]:
    floor = [PYTHON, "-c", FLOOR_IMPORTS]
    rows = []
    for stack in stacks:
        plan = [PYTHON, "-m", "tools.plan", "--stack", stack, "--out", str(out / "plan")]
        runs = paired_runs(plan, floor, pairs, ok=(0, LINT_FINDINGS))
        wall_x = timing.median(runs.ratios("wall"))
        rss_x = timing.median(runs.ratios("rss_kib"))
        target = WALL_TARGETS.get(stack)
        rows.append(
            {
                "stack": stack,
                "pairs": pairs,
                "plan_wall": timing.median([s.wall for s in runs.a]),
                "floor_wall": timing.median([s.wall for s in runs.b]),
                "plan_cpu": timing.median([s.cpu for s in runs.a]),
                "floor_cpu": timing.median([s.cpu for s in runs.b]),
                "plan_rss_mib": timing.median([s.rss_kib for s in runs.a]) / 1024,
                "floor_rss_mib": timing.median([s.rss_kib for s in runs.b]) / 1024,
                "wall_x": wall_x,
                "wall_x_range": (min(runs.ratios("wall")), max(runs.ratios("wall"))),
                "cpu_x": timing.median(runs.ratios("cpu")),
                "rss_x": rss_x,
                "wall_target": target,
                "wall_ok": target is None or wall_x <= target,
                "rss_ok": rss_x <= RSS_TARGET,
            }
        )
    return {"floor": FLOOR_IMPORTS, "rss_target": RSS_TARGET, "rows": rows}
