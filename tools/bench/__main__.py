"""`make bench`: run the benchmarks, print the tables, write docs/benchmarks.md and the README's figures.

    python -m tools.bench                       # everything (several minutes)
    python -m tools.bench --quick               # fewer repeats, 10^5 rows, x1/x10/x50: a smoke run
    python -m tools.bench --only plan clerk     # some sections

It is a benchmark, not a test: a missed target is reported as missed, with its ratio, and the exit
status is 0 unless something could not run at all.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SECTIONS = ("plan", "scaling", "clerk")


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = int(
        next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "load_start": _load(),
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 10^5 rows, factors up to x50")
    parser.add_argument("--only", nargs="*", choices=SECTIONS, help="sections to run (default: all)")
    parser.add_argument("--pairs", type=int, help="plan/floor pairs (default 15, quick 3)")
    parser.add_argument("--rows", type=int, nargs="*", help="table sizes (default 10^5 10^6, quick 10^5)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ and README alone")
    parser.add_argument("--json", help="also dump the raw results to this file")
    args = parser.parse_args(argv)

    from tools.bench import report
    from tools.bench.clerk_refresh import bench_clerk
    from tools.bench.plan_cost import bench_plan
    from tools.bench.scaling import FACTORS, bench_scaling
    from tools.plan import list_stacks

    only = set(args.only or SECTIONS)
    results: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        if "plan" in only:
            print("offline plan against the floor ...", flush=True)
            results["plan"] = bench_plan(list_stacks(), args.pairs or (3 if args.quick else 15), Path(tmp))
        if "scaling" in only:
            print("scaling ...", flush=True)
            factors = FACTORS[:-1] if args.quick else FACTORS
            results["scaling"] = bench_scaling("prod", 1 if args.quick else 5, Path(tmp), factors)
    if "clerk" in only:
        print("the Clerk dashboard on PostgreSQL ...", flush=True)
        sizes = args.rows or ([10**5] if args.quick else [10**5, 10**6])
        results["clerk"] = bench_clerk(sizes, rounds=5 if args.quick else 31)
    results["machine"]["load_end"] = _load()
    text = report.generated(results)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    if not args.no_write:
        for path in report.write(results):
            print(f"written: {path.relative_to(report.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
