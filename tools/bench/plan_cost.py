"""Section 1: the offline plan against the cost of importing the SDKs it registers resources of.

The floor is a process that does nothing but import the SDKs of every resource the program can
register (FLOOR_IMPORTS). Each stack's `python -m tools.plan` is run in pairs with it (A B, then
B A, ...; a warm-up pair discarded) and judged by the median of the per-pair ratios, so a burst of
load from elsewhere lands on both sides of a ratio. Wall time is the target; CPU time (user +
system, which other processes' load barely moves) is shown beside it.

Beside the floor the targets name, each stack gets two floors of its own (`tools/bench/replay.py`),
run in pairs with the same named floor: the *SDK floor*, the third-party modules its plan executes
(the Pulumi SDKs as far as the plan uses them, pydantic, the foundation SDK, the parsers) imported
alone in a fresh interpreter; and the *engine floor*, the same plus registering the plan's
resources on the mock engine through Pulumi's generic resource classes. No program that registers
the same resources with the same libraries can cost less than either, so they show how much of
the plan is the libraries, how much the engine, and how much the program.

The named floor is cheaper than its words suggest: `pulumiverse_grafana.alerting` and `.oss` are
namespaces the Grafana SDK registers lazily, so importing them executes none of their modules,
while a plan that registers a contact point executes the whole `alerting` namespace.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tools.bench import timing
from tools.bench.children import CHILD_ENV, PYTHON, ROOT, paired_runs
from tools.plan import LINT_FINDINGS

FLOOR_IMPORTS = (
    "import pulumi, pulumiverse_grafana.oss, pulumiverse_grafana.alerting, pulumi_postgresql,"
    " pulumi_random, pulumi_kubernetes.core.v1"
)
# Wall time and peak memory of each stack's plan, at most these multiples of the floor's.
WALL_TARGETS = {"prod": 1.1, "staging": 0.9}  # staging publishes no Kubernetes Secret
RSS_TARGET = 1.2

# Run in a child: render the stack's plan, then name every third-party module it executed, in the
# order they were imported (modules registered lazily and never executed are left out).
_EXECUTED_LIBRARIES = """
import json, sys, sysconfig, types
from tools import plan
plan.render_plan(sys.argv[1])
libraries = tuple({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
print(json.dumps([
    name for name, module in list(sys.modules.items())
    if type(module) is types.ModuleType and (getattr(module, "__file__", None) or "").startswith(libraries)
]))
"""


def executed_libraries(stack: str) -> list[str]:
    """The third-party modules `stack`'s plan executes, in import order."""
    done = subprocess.run(
        [PYTHON, "-c", _EXECUTED_LIBRARIES, stack], cwd=ROOT, env=CHILD_ENV, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"listing the modules of the {stack} plan failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_plan(stacks: list[str], pairs: int, out: Path) -> dict[str, Any]:
    floor = [PYTHON, "-c", FLOOR_IMPORTS]
    rows = []
    for stack in stacks:
        plan = [PYTHON, "-m", "tools.plan", "--stack", stack, "--out", str(out / "plan")]
        runs = paired_runs(plan, floor, pairs, ok=(0, LINT_FINDINGS))
        libraries = executed_libraries(stack)
        modules = out / f"{stack}-libraries.json"
        modules.write_text(json.dumps(libraries))
        replay = [PYTHON, "-m", "tools.bench.replay", str(modules)]
        sdk = paired_runs(replay, floor, pairs)
        plan_json = out / "plan" / stack / "plan.json"  # written by the plan runs above
        engine = paired_runs([*replay, str(plan_json)], floor, pairs)
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
                "sdk_modules": len(libraries),
                "sdk_wall_x": timing.median(sdk.ratios("wall")),
                "sdk_cpu_x": timing.median(sdk.ratios("cpu")),
                "engine_wall_x": timing.median(engine.ratios("wall")),
                "engine_cpu_x": timing.median(engine.ratios("cpu")),
                "wall_target": target,
                "wall_ok": target is None or wall_x <= target,
                "rss_ok": rss_x <= RSS_TARGET,
            }
        )
    return {"floor": FLOOR_IMPORTS, "rss_target": RSS_TARGET, "rows": rows}
