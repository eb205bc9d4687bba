"""Section 2: the offline plan with synthetic content at x1, x10, x50 and x100, judged here.

Each factor's plan (tools.bench.synthetic) runs as a child, the factors interleaved round-robin
(order rotated every round). Marginal cost per dashboard between consecutive factors:
(cost(b) - cost(a)) / (dashboards(b) - dashboards(a)), for time and for peak memory. The targets:
the marginal cost per dashboard of the last step (x50 -> x100) within SCALING_TOLERANCE of the
first (x1 -> x10). Time is judged on CPU time (user + system of the child): the first step is the
difference of two runs a second apart, which other jobs on a shared machine move by more than
15% in wall time; wall time is reported beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.bench import timing
from tools.bench.children import PYTHON, run
from tools.plan import LINT_FINDINGS

FACTORS = (1, 10, 50, 100)
SCALING_TOLERANCE = 0.15


def _counts(stdout: str) -> dict[str, int]:
    """Resources, dashboards and alert rules, from the plan's own summary on stdout."""
    first = stdout.splitlines()[0]  # "offline plan of stack 'prod' (observability): 284 resources"
    resources = int(first.rsplit(":", 1)[1].split()[0])
    dashboards = next(line for line in stdout.splitlines() if line.strip().startswith("dashboards:"))
    return {"resources": resources, "dashboards": len(dashboards.split(":", 1)[1].split(","))}


def bench_scaling(stack: str, rounds: int, out: Path, factors: tuple[int, ...] = FACTORS) -> dict[str, Any]:
    jobs = {
        f: [
            PYTHON,
            "-m",
            "tools.bench.synthetic",
            "--copies",
            str(f),
            "--stack",
            stack,
            "--out",
            str(out / f"x{f}"),
        ]
        for f in factors
    }
    samples: dict[int, list] = {f: [] for f in factors}
    for i in range(rounds + 1):  # round 0 warms the bytecode cache and is not kept
        order = list(factors[i % len(factors) :] + factors[: i % len(factors)])
        for f in order:
            sample = run(jobs[f], ok=(0, LINT_FINDINGS))
            if i:
                samples[f].append(sample)
    rows = []
    for f in factors:
        runs = samples[f]
        rows.append(
            {
                "factor": f,
                **_counts(runs[0].stdout),
                "wall": timing.median([s.wall for s in runs]),
                "cpu": timing.median([s.cpu for s in runs]),
                "rss_mib": timing.median([s.rss_kib for s in runs]) / 1024,
            }
        )
    return {
        "stack": stack,
        "rounds": rounds,
        "rows": rows,
        "verdict": judge(rows),
        "tolerance": SCALING_TOLERANCE,
    }


def judge(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Adds the marginal cost per dashboard to each row after the first; compares the last step
    with the first."""
    for a, b in zip(rows, rows[1:], strict=False):
        dd = b["dashboards"] - a["dashboards"]
        b["ms_per_dashboard"] = 1000 * (b["wall"] - a["wall"]) / dd
        b["cpu_ms_per_dashboard"] = 1000 * (b["cpu"] - a["cpu"]) / dd
        b["mib_per_dashboard"] = (b["rss_mib"] - a["rss_mib"]) / dd
    first, last = rows[1], rows[-1]
    verdict = {
        "time_ratio": last["ms_per_dashboard"] / first["ms_per_dashboard"],
        "cpu_ratio": last["cpu_ms_per_dashboard"] / first["cpu_ms_per_dashboard"],
        "memory_ratio": last["mib_per_dashboard"] / first["mib_per_dashboard"],
    }
    verdict["time_ok"] = abs(verdict["cpu_ratio"] - 1) <= SCALING_TOLERANCE
    verdict["memory_ok"] = abs(verdict["memory_ratio"] - 1) <= SCALING_TOLERANCE
    return verdict
