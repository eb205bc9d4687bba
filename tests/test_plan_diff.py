"""`make plan-diff`: the semantic diff of the offline plan between a git ref and the working tree.

End to end on real git history made here (a copy of this project in a temporary repository), plus
unit tests of the diff on hand-made plans for the details.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools.plan_diff import SECRET, diff_plans, render_markdown

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)  # the virtualenv running the tests
FAKE_SECRET = "fake-pagerduty-key-DO-NOT-PRINT-4242"
CIPHERTEXT = "v1:CIPHERTEXTbase0000000000000000"

# Appended to dashboards/clerk.py in the copy: changes that do not depend on how the pack is written
# (only on its `build(ctx) -> Pack` contract): an added panel, the first red threshold one higher,
# the last alert removed, and the critical route reduced to its last receiver.
PACK_EDIT = """

# --- test edit (tests/test_plan_diff.py) ---
import dataclasses as _dc  # noqa: E402
import json as _json  # noqa: E402

_test_original_build = build


def _test_bump_red(panels):
    for panel in panels:
        defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
        for step in (defaults.get("thresholds") or {}).get("steps") or []:
            if step.get("color") == "red" and step.get("value") is not None:
                step["value"] += 1
                return panel["title"]
        found = _test_bump_red(panel.get("panels") or [])
        if found:
            return found
    return None


def build(ctx):  # noqa: F811
    pack = _test_original_build(ctx)
    board = pack.dashboards[0]
    model = _json.loads(_json.dumps(board.model))
    _test_bump_red(model["panels"])
    # The added panel: a copy of the first panel with queries (it passes the pack's lint).
    flat = [p for top in model["panels"] for p in [top, *(top.get("panels") or [])]]
    panel = _json.loads(_json.dumps(next(p for p in flat if p.get("targets"))))
    panel.update(id=999, title="Queue Depth", gridPos={"h": 4, "w": 6, "x": 0, "y": 99})
    model["panels"].append(panel)
    route = pack.routes[0]
    crit = route.roles_by_severity["critical"][-1:]
    return _dc.replace(
        pack,
        dashboards=(_dc.replace(board, model=model),) + pack.dashboards[1:],
        alerts=pack.alerts[:-1],
        routes=(_dc.replace(route, roles_by_severity={**route.roles_by_severity, "critical": crit}),)
        + pack.routes[1:],
    )
"""


def run(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def git(repo: Path, *args: str) -> str:
    return run("git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args, cwd=repo).stdout


def plan_diff(repo: Path, base: str, *stacks: str) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "tools.plan_diff", "--base", base]
    for stack in stacks:
        args += ["--stack", stack]
    return run(*args, cwd=repo)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A git repository holding this project's files (tracked and new), one commit."""
    repo = tmp_path_factory.mktemp("project")
    listed = run("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "tag", "base")
    return repo


@pytest.fixture
def clean(repo: Path):
    """Every test starts on a fresh branch at the base commit, tree clean."""
    git(repo, "reset", "-q", "--hard")
    git(repo, "clean", "-qfd")
    git(repo, "checkout", "-q", "-B", "main", "base")
    return repo


def base_plan(repo: Path, tmp_path: Path, stack: str = "prod") -> dict:
    run(sys.executable, "-m", "tools.plan", "--stack", stack, "--out", str(tmp_path), cwd=repo)
    return json.loads((tmp_path / stack / "plan.json").read_text())


def test_make_plan_diff_on_git_history(clean: Path, tmp_path: Path):
    """The real `make plan-diff` against HEAD~1 after a commit touching dashboards, rules and routes."""
    repo = clean
    before = base_plan(repo, tmp_path)
    board = json.loads(
        next(r for r in before["resources"] if r["type"].endswith("Dashboard"))["inputs"]["configJson"]
    )
    red = _first_red(board["panels"])
    assert red, "the dashboard has a panel with a red threshold"
    groups = [r for r in before["resources"] if r["type"].endswith("RuleGroup")]
    uids = [rule["uid"] for g in groups for rule in g["inputs"]["rules"]]
    with (repo / "dashboards" / "clerk.py").open("a") as f:
        f.write(PACK_EDIT)
    git(repo, "commit", "-qam", "change dashboards, rules, routes")

    proc = run(
        "make", "--no-print-directory", "plan-diff", "BASE=HEAD~1", "STACK=prod", f"VENV={VENV}", cwd=repo
    )
    out = proc.stdout
    title, old = red
    assert f"panel {title}: red threshold {old:g} -> {old + 1:g}" in out
    assert "added panel Queue Depth (" in out
    removed = [uid for uid in uids if f"alert {uid}: removed" in out]
    assert removed == ["clerk-ocr-failures-high-warn"], out  # the pack's last alert, dropped by the edit
    assert "severity=critical: - slack-alerts" in out
    assert "## Stack `prod`" in out and "## Stack `staging`" not in out
    assert "no changes" not in out
    # The temporary worktree is gone.
    assert len(git(repo, "worktree", "list").splitlines()) == 1


def _first_red(panels: list) -> tuple[str, float] | None:
    for panel in panels:
        steps = (((panel.get("fieldConfig") or {}).get("defaults") or {}).get("thresholds") or {}).get(
            "steps"
        )
        for step in steps or []:
            if step.get("color") == "red" and step.get("value") is not None:
                return panel["title"], step["value"]
        found = _first_red(panel.get("panels") or [])
        if found:
            return found
    return None


def test_no_changes_exits_zero(clean: Path):
    proc = plan_diff(clean, "HEAD")  # both stacks by default
    assert proc.returncode == 0
    assert "## Stack `staging`" in proc.stdout and "## Stack `prod`" in proc.stdout
    assert proc.stdout.count("no changes") == 3  # each stack, and overall


def test_secret_change_shown_as_changed_never_printed(clean: Path):
    """A receiver's secret key and the encrypted value it names change: "changed", no value printed."""
    repo = clean
    path = repo / "Pulumi.prod.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["config"]["observability:pagerdutyClerkKey"] = {"secure": CIPHERTEXT}
    path.write_text(yaml.safe_dump(doc))
    git(repo, "commit", "-qam", "encrypted pagerduty key")

    doc["config"]["observability:receivers"]["pagerduty-clerk"]["secret"] = "pagerdutyClerkKeyV2"
    doc["config"]["observability:pagerdutyClerkKeyV2"] = {"secure": CIPHERTEXT.replace("base", "head")}
    del doc["config"]["observability:pagerdutyClerkKey"]
    path.write_text(yaml.safe_dump(doc))

    out = plan_diff(repo, "HEAD", "prod").stdout
    assert "contact point pagerduty-clerk: changed" in out
    assert "pagerduty settings: changed (secret" in out
    assert "secret observability:pagerdutyClerkKeyV2: added (value not shown)" in out
    assert "secret observability:pagerdutyClerkKey: removed" in out
    assert "CIPHERTEXT" not in out and "placeholder-secret" not in out and "v1:" not in out


def test_a_pasted_secret_is_refused_and_never_printed(clean: Path):
    """A PagerDuty key pasted where its config key's name belongs: plan-diff stops with the
    settings error, which names the key and not the value."""
    repo = clean
    pasted = "0123456789abcdef0123456789abcdef"
    path = repo / "Pulumi.prod.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["config"]["observability:receivers"]["pagerduty-clerk"]["secret"] = pasted
    path.write_text(yaml.safe_dump(doc))
    proc = run(
        sys.executable, "-m", "tools.plan_diff", "--base", "HEAD", "--stack", "prod", cwd=repo, check=False
    )
    assert proc.returncode == 2
    assert "observability:receivers.pagerduty-clerk.secret" in proc.stderr
    assert pasted not in proc.stdout + proc.stderr


def test_encrypted_value_change_alone_marks_contact_point_changed(clean: Path):
    repo = clean
    path = repo / "Pulumi.prod.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["config"]["observability:pagerdutyClerkKey"] = {"secure": CIPHERTEXT}
    path.write_text(yaml.safe_dump(doc))
    git(repo, "commit", "-qam", "encrypted pagerduty key")
    doc["config"]["observability:pagerdutyClerkKey"] = {"secure": CIPHERTEXT + "rotated"}
    path.write_text(yaml.safe_dump(doc))

    out = plan_diff(repo, "HEAD", "prod").stdout
    assert "contact point pagerduty-clerk: changed" in out
    assert "pagerduty settings: changed (secret" in out
    assert "secret observability:pagerdutyClerkKey: changed (value not shown)" in out
    assert "CIPHERTEXT" not in out and "rotated" not in out
    assert "slack-alerts" not in out.split("### Contact points")[1].split("###")[0]


# ---------------------------------------------------------------------------------------------
# Unit tests on hand-made plans


def _res(type_: str, name: str, inputs: dict) -> dict:
    return {"type": type_, "name": name, "parent": "p", "inputs": inputs, "options": {"custom": True}}


def _dashboard(panels: list, variables: list | None = None) -> dict:
    model = {"uid": "d1", "title": "Board", "panels": panels, "templating": {"list": variables or []}}
    return _res(
        "grafana:oss/dashboard:Dashboard", "dash-d1", {"configJson": json.dumps(model), "folder": "f"}
    )


def _stat(pid: int, title: str, red: float, unit: str = "none", sql: str = "SELECT 1") -> dict:
    return {
        "id": pid,
        "type": "stat",
        "title": title,
        "targets": [{"refId": "A", "rawSql": sql}],
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "thresholds": {
                    "mode": "absolute",
                    "steps": [{"color": "green", "value": None}, {"color": "red", "value": red}],
                },
            }
        },
    }


def _rule(uid: str, threshold: float = 10, for_: str = "10m", labels: dict | None = None) -> dict:
    return {
        "uid": uid,
        "name": uid,
        "for": for_,
        "condition": "C",
        "labels": labels or {"team": "clerk", "severity": "warning"},
        "annotations": {"summary": "s"},
        "datas": [
            {"refId": "A", "datasourceUid": "db", "model": json.dumps({"refId": "A", "rawSql": "SELECT 1"})},
            {
                "refId": "C",
                "datasourceUid": "__expr__",
                "model": json.dumps(
                    {
                        "refId": "C",
                        "type": "threshold",
                        "expression": "B",
                        "conditions": [{"evaluator": {"type": "gt", "params": [threshold]}}],
                    }
                ),
            },
        ],
    }


def _group(*rules: dict) -> dict:
    inputs = {"name": "g-1m", "folderUid": "f", "intervalSeconds": 60, "rules": list(rules)}
    return _res("grafana:alerting/ruleGroup:RuleGroup", "rules-g-1m", inputs)


def _policy(critical: list[str]) -> dict:
    crit = [
        {
            "contactPoint": r,
            "continue": i < len(critical) - 1,
            "groupWait": "30s",
            "matchers": [{"label": "severity", "match": "=", "value": "critical"}],
        }
        for i, r in enumerate(critical)
    ]
    team = {"matchers": [{"label": "team", "match": "=", "value": "media"}], "policies": crit}
    inputs = {"contactPoint": "slack", "groupBies": ["alertname"], "policies": [team]}
    return _res("grafana:alerting/notificationPolicy:NotificationPolicy", "policy", inputs)


def _plan(*resources: dict) -> dict:
    return {"project": "observability", "stack": "prod", "resources": list(resources), "outputs": {}}


def diff(base: dict, head: dict, base_config: dict | None = None, head_config: dict | None = None) -> str:
    return render_markdown("prod", diff_plans(base, head, base_config, head_config))


def test_dashboard_panel_details():
    base = _plan(
        _dashboard([_stat(1, "Stuck Sites", 11), _stat(2, "Old", 1)], [{"name": "site", "type": "query"}])
    )
    head = _plan(
        _dashboard(
            [_stat(1, "Stuck Sites", 12, unit="percent", sql="SELECT 2"), _stat(3, "New", 5)],
            [{"name": "site", "type": "custom"}, {"name": "run", "type": "query"}],
        )
    )
    out = diff(base, head)
    assert "panel Stuck Sites: red threshold 11 -> 12" in out
    assert "panel Stuck Sites: unit none -> percent" in out
    assert "panel Stuck Sites: query A: SELECT 1 -> SELECT 2" in out
    assert "removed panel Old (stat)" in out and "added panel New (stat)" in out
    assert "added variable run (query)" in out
    assert "variable site: type: query -> custom" in out


def test_panel_matched_by_id_not_position():
    a, b = _stat(1, "A", 1), _stat(2, "B", 2)
    out = diff(_plan(_dashboard([a, b])), _plan(_dashboard([b, a])))
    assert "panel order changed" in out
    assert "added panel" not in out and "removed panel" not in out and "threshold" not in out


def test_rule_details():
    base = _plan(_group(_rule("r-warn"), _rule("r-gone")))
    head = _plan(
        _group(
            _rule("r-warn", threshold=12, for_="5m", labels={"team": "clerk", "severity": "critical"}),
            _rule("r-new"),
        )
    )
    out = diff(base, head)
    assert "alert r-warn: threshold B > 10 -> B > 12" in out
    assert "alert r-warn: for 10m -> 5m" in out
    assert "alert r-warn: label severity: warning -> critical" in out
    assert "alert r-gone: removed" in out
    assert "alert r-new: added" in out


def test_route_changes_are_readable():
    out = diff(_plan(_policy(["slack", "pagerduty-clerk"])), _plan(_policy(["slack", "pagerduty-media"])))
    assert "route team=media severity=critical: - pagerduty-clerk, + pagerduty-media" in out


def test_data_source_postgres_and_contact_point_integration():
    ds = {"uid": "loki", "name": "loki", "type": "loki", "jsonDataEncoded": json.dumps({"maxLines": 5000})}
    grant = {"role": "ro", "privileges": ["SELECT"], "secret": SECRET}
    base = _plan(
        _res("grafana:oss/dataSource:DataSource", "ds-loki", ds),
        _res("postgresql:index/grant:Grant", "grant-select", grant),
        _res("grafana:alerting/contactPoint:ContactPoint", "cp-x", {"name": "x", "slacks": SECRET}),
    )
    head = copy.deepcopy(base)
    head["resources"][0]["inputs"]["jsonDataEncoded"] = json.dumps({"maxLines": 1000})
    head["resources"][1]["inputs"]["privileges"] = ["SELECT", "INSERT"]
    head["resources"][2]["inputs"] = {"name": "x", "pagerduties": SECRET}
    out = diff(base, head)
    assert "data source loki: changed" in out and "jsonData.maxLines: 5000 -> 1000" in out
    assert "Grant grant-select: changed" in out and 'privileges: ["SELECT"] -> ["SELECT", "INSERT"]' in out
    assert "contact point x: changed" in out and "integration slack -> pagerduty" in out


def test_contact_point_plain_settings_shown_secret_values_never():
    cp = _res("grafana:alerting/contactPoint:ContactPoint", "cp-s", {"name": "s", "slacks": SECRET})
    receivers = {"s": {"type": "slack", "channel": "#alerts"}}
    base_config = {"observability:receivers": receivers, "observability:slackToken": {"secure": FAKE_SECRET}}
    head_config = {
        "observability:receivers": {"s": {"type": "slack", "channel": "#alerts-media"}},
        "observability:slackToken": {"secure": FAKE_SECRET + "2"},
    }
    out = diff(_plan(cp), _plan(cp), base_config, head_config)
    assert "config channel: #alerts -> #alerts-media" in out
    assert "slack settings: changed (secret" in out
    assert "secret observability:slackToken: changed (value not shown)" in out
    assert FAKE_SECRET not in out


def test_identical_plans_no_changes():
    plan = _plan(_dashboard([_stat(1, "A", 1)]), _group(_rule("r")), _policy(["slack"]))
    assert diff(plan, copy.deepcopy(plan)) == "## Stack `prod`\n\nno changes\n"


def _fake_project(tmp_path: Path, exit_code: int) -> Path:
    """A tree whose offline plan writes its plan.json and exits with `exit_code`."""
    tree = tmp_path / "tree"
    (tree / "tools").mkdir(parents=True)
    (tree / "Pulumi.staging.yaml").write_text("config: {}\n")
    (tree / "tools" / "__init__.py").write_text("")
    (tree / "tools" / "plan.py").write_text(
        "import json, pathlib, sys\n"
        "out = pathlib.Path(sys.argv[sys.argv.index('--out') + 1]) / 'staging'\n"
        "out.mkdir(parents=True)\n"
        "(out / 'plan.json').write_text(json.dumps({'resources': [], 'outputs': {'x': 1}}))\n"
        "print('lint: planted finding', file=sys.stderr)\n"
        f"sys.exit({exit_code})\n"
    )
    return tree


def test_base_with_lint_findings_is_still_diffed(tmp_path: Path):
    """Exit 4 means the plan was written in full and the lint found something: the base of a
    diff may well have findings the change fixes, so its plan is compared, not refused."""
    from tools.plan_diff import render

    plan = render(_fake_project(tmp_path, 4), "staging", tmp_path / "out")
    assert plan == {"resources": [], "outputs": {"x": 1}}


def test_base_that_cannot_be_planned_is_an_error(tmp_path: Path):
    from tools.plan_diff import PlanError, render

    with pytest.raises(PlanError, match="planted finding"):
        render(_fake_project(tmp_path, 2), "staging", tmp_path / "out")


def test_keyed_diff_orders():
    from tools.plan_diff import keyed_diff

    old, new = {"b": 1, "a": 1, "c": 1}, {"c": 2, "d": 1, "a": 1}
    as_pairs = lambda changes: [(c.kind, c.key) for c in changes]  # noqa: E731
    assert as_pairs(keyed_diff(old, new)) == [("removed", "b"), ("changed", "c"), ("added", "d")]
    assert as_pairs(keyed_diff(old, new, order="seen")) == [
        ("removed", "b"),
        ("changed", "c"),
        ("added", "d"),
    ]
    assert as_pairs(keyed_diff({"z": 1, "y": 1}, {"x": 1}, order="seen")) == [
        ("removed", "z"),
        ("removed", "y"),
        ("added", "x"),
    ]
    grouped = keyed_diff({"c": 1, "b": 1}, {"c": 2, "a": 1}, order="grouped")
    assert as_pairs(grouped) == [("removed", "b"), ("added", "a"), ("changed", "c")]
    assert (grouped[2].old, grouped[2].new) == (1, 2)


def test_an_added_resource_lists_its_inputs_and_nothing_removed():
    base = _plan()
    head = _plan(_res("kubernetes:core/v1:Secret", "grafana-ro", {"type": "Opaque", "data": SECRET}))
    head["outputs"] = {"dashboards": 9}
    out = diff(base, head)
    assert "- Secret grafana-ro: added\n  - data: + (secret)\n  - type: + Opaque\n" in out
    assert "- dashboards: + 9\n" in out
    assert ": - removed" not in out
    assert ": + {}" not in diff(head, base)  # the other way: removals only, no "" leaf added


def test_role_settings_sit_with_the_role_without_the_engines_provider_reference():
    inputs = {
        "__provider": "gASVOAAAAAAAAACMGGNvbXBvbmVudHMucm9sZV9zZXR0aW5nc5SM",  # pickled class
        "role": "grafana_readonly",
        "password": SECRET,
        "settings": {"lock_timeout": "5s"},
    }
    settings = _res("pulumi-python:dynamic:Resource", "ro-settings", inputs)
    out = diff(_plan(), _plan(settings))
    section = out.split("### Postgres role and grants\n", 1)[1]
    assert section.startswith("\n- Resource ro-settings: added\n"), out
    assert "settings.lock_timeout: + 5s" in section and "password: + (secret)" in section
    assert "Other resources" not in out and "__provider" not in out
    moved = copy.deepcopy(settings)
    moved["inputs"]["__provider"] = "gASVmovedprovider=="
    moved["inputs"]["settings"]["lock_timeout"] = "10s"
    out = diff(_plan(settings), _plan(moved))
    assert "settings.lock_timeout: 5s -> 10s" in out and "__provider" not in out
