"""Settings against the real Pulumi CLI (`tools/toolchain`, pinned), with a file backend.

- The fixes a settings error prints work as printed: each case breaks a real stack file; `make plan`
  refuses it and prints one `fix:` per problem; each printed `pulumi config ...` command is run by a
  shell, as a user would paste it, and the edited file must then plan (exit 0).
- Stack files are read as the CLI reads them: the strict reader's scalars equal `pulumi config get`'s.
"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.helpers import run_plan_on
from tools.plan import ROOT
from tools.toolchain import Toolchain

NS = "observability:"


def cli(toolchain: Toolchain, project: Path, backend: Path) -> dict:
    """subprocess.run keywords for the CLI in `project`, with a file backend in `backend`."""
    env = {
        **os.environ,
        "PATH": f"{toolchain.bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PULUMI_HOME": str(toolchain.pulumi_home),
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": "test",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    return {"cwd": project, "env": env, "capture_output": True, "text": True}


def new_project(tmp_path: Path, stack_text: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / "Pulumi.prod.yaml").write_text(stack_text)
    return project


def broken(section: str, **values) -> str:
    doc = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    doc["config"][NS + section].update(values)
    return yaml.safe_dump(doc, sort_keys=False)


def printed_commands(err: str) -> list[str]:
    """The `pulumi config` commands of every printed fix (after the words of an edit to make
    instead, `... or: `, or of the value to enter, `enter <receiver> when asked: `)."""
    fixes = [line.split("fix: ", 1)[1] for line in err.splitlines() if "fix: " in line]
    return [fix[fix.index("pulumi config ") :] for fix in fixes]


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
    project = new_project(tmp_path, broken(section, **values))
    stack_file = project / "Pulumi.prod.yaml"
    status, _out, err, _written = run_plan_on("prod", stack_file.read_text(), tmp_path / "before")
    assert status == 2, err
    commands = printed_commands(err)
    assert commands and all(c.startswith("pulumi config ") for c in commands), err

    shell = cli(toolchain, project, tmp_path)
    init = subprocess.run(["pulumi", "stack", "init", "prod"], **shell)
    assert init.returncode == 0, init.stderr
    for command in commands:
        ran = subprocess.run(["bash", "-c", command], **shell)
        assert ran.returncode == 0, f"{case}: {command}\n{ran.stderr}"

    status, _out, err, _written = run_plan_on("prod", stack_file.read_text(), tmp_path / "after")
    assert status == 0, f"{case}: still refused after {commands}\n{err}"


def _plain_token(doc: dict) -> None:
    doc["config"][NS + "grafanaAuth"] = "glsa_stored-in-plain-text"


def _unmapped_role(doc: dict) -> None:
    doc["config"][NS + "routing"]["roles"] = {}


@pytest.mark.parametrize(
    ("case", "breaks", "answer", "fixed"),
    [
        ("secret-in-plain-text", _plain_token, "glsa_entered-when-asked", "grafanaAuth"),
        ("role-without-receivers", _unmapped_role, "pagerduty-oncall", "routing"),
    ],
)
def test_printed_fixes_that_ask_for_the_value_work_with_the_real_cli(
    case, breaks, answer, fixed, toolchain, tmp_path
):
    """A fix whose value only the user knows prints no placeholder into the command (a shell reads
    `<receiver>` as redirections): the command leaves the value out and the CLI asks for it. The
    user's answer arrives on standard input, as a terminal or a pipe delivers it."""
    doc = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    breaks(doc)
    project = new_project(tmp_path, yaml.safe_dump(doc, sort_keys=False))
    stack_file = project / "Pulumi.prod.yaml"
    status, _out, err, _written = run_plan_on("prod", stack_file.read_text(), tmp_path / "before")
    assert status == 2 and "when asked: pulumi config " in err, err
    commands = printed_commands(err)

    shell = cli(toolchain, project, tmp_path)
    assert subprocess.run(["pulumi", "stack", "init", "prod"], **shell).returncode == 0
    for command in commands:
        ran = subprocess.run(["bash", "-c", command], input=answer + "\n", **shell)
        assert ran.returncode == 0, f"{case}: {command}\n{ran.stderr}"

    status, _out, err, _written = run_plan_on("prod", stack_file.read_text(), tmp_path / "after")
    assert status == 0, f"{case}: still refused after {commands}\n{err}"
    stored = yaml.safe_load(stack_file.read_text())["config"][NS + fixed]
    if fixed == "grafanaAuth":
        assert set(stored) == {"secure"} and answer not in stack_file.read_text()
        got = subprocess.run(["pulumi", "config", "get", NS + fixed], **shell)
        assert got.stdout.strip() == answer
    else:
        assert stored["roles"] == {"oncall": [answer]}


SCALARS = "a: yes\nb: 02:00\nc: true\nd: 0x1F\ne: 1_000\nf: ~\n<<: {g: 1}\nh: on\ni: 0b101\nj: y\nk: 1.5e3\n"


def test_scalars_are_read_as_the_cli_reads_them(toolchain, tmp_path):
    """`yes`/`on`/`y` stay text, `02:00` is text, hex, binary and `1_000` are numbers, `<<` merges."""
    from settings.stack_file import load_yaml

    body = "".join(f"    {line}\n" for line in SCALARS.splitlines())
    project = new_project(tmp_path, f"config:\n  observability:x:\n{body}")
    shell = cli(toolchain, project, tmp_path)
    assert subprocess.run(["pulumi", "stack", "init", "prod"], **shell).returncode == 0
    got = subprocess.run(["pulumi", "config", "get", "observability:x", "--json"], **shell)
    assert got.returncode == 0, got.stderr
    (tmp_path / "x.yaml").write_text(SCALARS)
    assert load_yaml(tmp_path / "x.yaml") == json.loads(got.stdout)["objectValue"]


def _read_until(fd: int, wanted: bytes | None, timeout: float = 60) -> bytes:
    """What a terminal shows until `wanted` appears (None: until the program closes it)."""
    seen = b""
    deadline = time.monotonic() + timeout
    poller = select.poll()  # not select(): a long test session may hold descriptors above 1023
    poller.register(fd, select.POLLIN)
    while time.monotonic() < deadline and (wanted is None or wanted not in seen.lower()):
        if not poller.poll(500):
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the program ended and closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    return seen


def test_a_value_left_out_is_asked_for_at_the_terminal_without_echo(toolchain, tmp_path):
    """What the README promises for the secrets: typed at the CLI's prompt, never on the command
    line, and not shown while typed. Run in a pseudo-terminal, as a user's shell runs it (the CLI
    only prompts outside CI, so the CI markers are taken out of its environment)."""
    project = new_project(tmp_path, (ROOT / "Pulumi.prod.yaml").read_text())
    shell = cli(toolchain, project, tmp_path)
    assert subprocess.run(["pulumi", "stack", "init", "prod"], **shell).returncode == 0
    env = {k: v for k, v in shell["env"].items() if k not in ("CI", "GITHUB_ACTIONS", "BUILD_NUMBER")}
    typed = "xoxb-typed-at-the-prompt"
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the CLI on the terminal
        os.chdir(project)
        os.execvpe(
            "pulumi", ["pulumi", "config", "set", "--secret", NS + "slackToken", "--stack", "prod"], env
        )
    prompt = _read_until(terminal, b"value")
    os.write(terminal, typed.encode() + b"\r")
    rest = _read_until(terminal, None)
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, (prompt + rest).decode(errors="replace")
    assert b"value" in prompt.lower()
    assert typed.encode() not in prompt + rest
    got = subprocess.run(["pulumi", "config", "get", NS + "slackToken"], **shell)
    assert got.stdout.strip() == typed
    assert typed not in (project / "Pulumi.prod.yaml").read_text()
