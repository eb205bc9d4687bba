"""The fixes a settings error prints work as printed: run through the real Pulumi CLI on the stack
file, they leave a file that plans.

Each case breaks a real stack file; `make plan` refuses it and prints one `fix:` per problem. Each
printed `pulumi config ...` command is run by a shell, as a user would paste it, with the pinned CLI
(`tools/toolchain`) and a file backend, and the edited file must then plan (exit 0).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import run_plan_on
from tools.plan import ROOT
from tools.toolchain import Toolchain, ToolchainMissing, pulumi_toolchain

NS = "observability:"


@pytest.fixture(scope="module")
def toolchain() -> Toolchain:
    try:
        return pulumi_toolchain()
    except ToolchainMissing as missing:
        pytest.fail(str(missing))


def broken(section: str, **values) -> str:
    doc = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    doc["config"][NS + section].update(values)
    return yaml.safe_dump(doc, sort_keys=False)


def printed_commands(err: str) -> list[str]:
    """The `pulumi config` commands of every printed fix (a list fix offers its commands after `or:`)."""
    fixes = [line.split("fix: ", 1)[1] for line in err.splitlines() if "fix: " in line]
    return [fix.split(" or: ", 1)[-1] for fix in fixes]


@pytest.mark.parametrize(
    ("case", "section", "values"),
    [
        ("port-out-of-range", "postgres", {"port": 70000}),
        ("tables-as-text", "postgres", {"tables": "sites"}),
        ("prod-without-tls", "postgres", {"sslmode": "disable"}),
        ("quoted-boolean", "environment", {"paging": "true"}),
        ("quoted-number", "postgres", {"port": "5432"}),
        ("list-item", "routing", {"groupBy": ["alert-name"]}),
        ("prod-over-http", "loki", {"url": "http://loki.example.internal:3100"}),
    ],
)
def test_printed_fixes_work_with_the_real_cli(case, section, values, toolchain, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    stack_file = project / "Pulumi.prod.yaml"
    stack_file.write_text(broken(section, **values))
    status, _out, err, _written = run_plan_on("prod", stack_file.read_text(), tmp_path / "before")
    assert status == 2, err
    commands = printed_commands(err)
    assert commands and all(c.startswith("pulumi config ") for c in commands), err

    env = {
        **os.environ,
        "PATH": f"{toolchain.bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PULUMI_HOME": str(toolchain.pulumi_home),
        "PULUMI_BACKEND_URL": f"file://{tmp_path}",
        "PULUMI_CONFIG_PASSPHRASE": "test",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    shell = {"cwd": project, "env": env, "capture_output": True, "text": True}
    init = subprocess.run(["pulumi", "stack", "init", "prod"], **shell)
    assert init.returncode == 0, init.stderr
    for command in commands:
        ran = subprocess.run(["bash", "-c", command], **shell)
        assert ran.returncode == 0, f"{case}: {command}\n{ran.stderr}"

    status, _out, err, _written = run_plan_on("prod", Path(stack_file).read_text(), tmp_path / "after")
    assert status == 0, f"{case}: still refused after {commands}\n{err}"
