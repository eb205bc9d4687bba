"""Child processes, one at a time: wall time, CPU time and peak memory of each, from wait4."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Children compile to and read bytecode caches as Python does by default: some machines set
# PYTHONDONTWRITEBYTECODE, which would recompile this program's modules on every run while the
# SDKs' bytecode was written when pip installed them. The caches go to a directory of their own;
# the discarded warm-up runs fill it.
_PYCACHE = Path(tempfile.gettempdir()) / "observability-bench-pycache"
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
    "PYTHONPYCACHEPREFIX": str(_PYCACHE)
}
PYTHON = sys.executable


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child
    rss_kib: int  # peak resident set (ru_maxrss, KiB on Linux)
    stdout: str


def run(args: Sequence[str], ok: Sequence[int] = (0,)) -> Sample:
    """Run one child to completion; its own rusage comes from wait4, not from RUSAGE_CHILDREN."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(args), cwd=ROOT, stdout=out, stderr=err, env=CHILD_ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        if proc.returncode not in ok:
            raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{err.read().decode()[-4000:]}")
        return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out.read().decode())


@dataclass(frozen=True)
class Pairs:
    """`pairs` runs of A and B, alternating which goes first; the warm-up pair is not kept."""

    a: list[Sample]
    b: list[Sample]

    def ratios(self, metric: str) -> list[float]:
        return [getattr(x, metric) / getattr(y, metric) for x, y in zip(self.a, self.b, strict=True)]


def paired_runs(a: Sequence[str], b: Sequence[str], pairs: int, ok: Sequence[int] = (0,)) -> Pairs:
    kept_a: list[Sample] = []
    kept_b: list[Sample] = []
    for i in range(pairs + 1):
        if i % 2:
            sb, sa = run(b, ok), run(a, ok)
        else:
            sa, sb = run(a, ok), run(b, ok)
        if i:
            kept_a.append(sa)
            kept_b.append(sb)
    return Pairs(kept_a, kept_b)
