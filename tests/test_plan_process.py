"""`python -m tools.plan` as the process it is: it skips interpreter finalisation (os._exit), so
what it prints must still arrive whole, with the right status, and a reader that leaves early
must not turn into a traceback."""

from __future__ import annotations

import subprocess
import sys

from tools.plan import ROOT


def plan_process(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tools.plan", *args], cwd=ROOT, stderr=subprocess.PIPE, text=True, **popen
    )


def test_everything_printed_reaches_a_pipe_and_the_status_is_kept(tmp_path):
    proc = plan_process("--stack", "staging", "--out", str(tmp_path), stdout=subprocess.PIPE)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("offline plan of stack 'staging'")
    assert lines[-1].startswith("  Grafana's schema and query grammars: not run by the plan")
    assert sorted(p.name for p in (tmp_path / "staging" / "dashboards").iterdir())
    assert (tmp_path / "staging" / "plan.json").read_text().endswith("}\n")


def test_an_error_reaches_stderr_with_its_status(tmp_path):
    proc = plan_process("--stack", "no-such-stack", "--out", str(tmp_path), stdout=subprocess.PIPE)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2
    assert err.startswith("error: ") and "no such stack file" in err
    assert "Traceback" not in err


def test_a_reader_that_leaves_early_ends_the_plan_quietly(tmp_path):
    """`make plan | head -1`: the reader is gone before the plan prints."""
    proc = plan_process("--stack", "staging", "--out", str(tmp_path), stdout=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=300)
    assert proc.returncode == 1
    assert err == ""
