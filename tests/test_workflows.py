"""The GitHub workflows: a structural check with PyYAML (actionlint is not installable offline).

Fails on a misspelt key (workflow, trigger, job, step), an unpinned action, a fork-facing job that
touches secrets, or a preview that could run for a fork's pull request.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"

TOP_KEYS = {"name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"}
TRIGGERS = {"pull_request", "pull_request_target", "push", "workflow_run", "workflow_dispatch", "schedule"}
TRIGGER_KEYS = {
    "pull_request": {"branches", "branches-ignore", "paths", "paths-ignore", "types"},
    "push": {"branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore"},
    "workflow_run": {"workflows", "types", "branches", "branches-ignore"},
    "workflow_dispatch": {"inputs"},
}
JOB_KEYS = {
    "name", "needs", "runs-on", "permissions", "environment", "concurrency", "outputs", "env", "defaults",
    "if", "steps", "timeout-minutes", "strategy", "continue-on-error", "container", "services",
}  # fmt: skip
STEP_KEYS = {
    "id", "if", "name", "uses", "run", "shell", "with", "env", "continue-on-error", "timeout-minutes",
    "working-directory",
}  # fmt: skip
PERMISSIONS = {
    "actions", "attestations", "checks", "contents", "deployments", "id-token", "issues", "discussions",
    "packages", "pages", "pull-requests", "repository-projects", "security-events", "statuses",
}  # fmt: skip
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")
SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository"


def load(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def all_workflows() -> list[str]:
    return sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def steps(doc: dict):
    for job_name, job in doc["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, step


def test_expected_workflows_exist():
    assert {"pr.yml", "pr-comment.yml", "preview.yml", "deploy.yml"} <= set(all_workflows())


@pytest.mark.parametrize("name", all_workflows())
def test_structure(name: str):
    check_structure(name, load(name))


def check_structure(name: str, doc: dict) -> None:
    """What actionlint would catch of the mistakes one makes here: unknown keys, missing limits,
    unpinned actions, permissions wider than read by default."""
    assert set(doc) <= TOP_KEYS, set(doc) - TOP_KEYS
    assert {"name", "on", "jobs", "permissions"} <= set(doc), "name, on, jobs and top-level permissions"
    assert set(doc["on"]) <= TRIGGERS, set(doc["on"]) - TRIGGERS
    for trigger, spec in doc["on"].items():
        assert set(spec or {}) <= TRIGGER_KEYS.get(trigger, set()), (trigger, spec)
    for scope in [doc, *doc["jobs"].values()]:
        perms = scope.get("permissions")
        if isinstance(perms, dict):
            assert set(perms) <= PERMISSIONS, set(perms) - PERMISSIONS
            assert set(perms.values()) <= {"read", "write", "none"}
    assert doc["permissions"] == {"contents": "read"}, "least privilege by default; jobs widen it"
    for job_name, job in doc["jobs"].items():
        assert set(job) <= JOB_KEYS, (job_name, set(job) - JOB_KEYS)
        assert "runs-on" in job and job.get("steps"), job_name
        assert "timeout-minutes" in job, job_name
        for need in [job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", []):
            assert need in doc["jobs"], (job_name, need)
    for job_name, step in steps(doc):
        assert set(step) <= STEP_KEYS, (job_name, set(step) - STEP_KEYS)
        assert ("uses" in step) != ("run" in step), (job_name, step)
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"{name}/{job_name}: pin {step['uses']} to a version"


def test_pr_workflow_is_fork_safe():
    doc = load("pr.yml")
    assert set(doc["on"]) == {"pull_request"}
    text = (WORKFLOWS / "pr.yml").read_text()
    assert "secrets." not in text, "the fork-facing workflow uses no secrets"
    for job in doc["jobs"].values():
        assert "pull-requests" not in (job.get("permissions") or {}), "a fork's token is read-only anyway"
    plan = doc["jobs"]["plan"]
    checkout = next(s for s in plan["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0, "the base branch is needed for the diff"
    python = next(s for s in plan["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert str(python["with"]["python-version"]) == "3.11"
    runs = "\n".join(s.get("run", "") for s in plan["steps"])
    assert "make test" in runs
    assert "make plan STACK=staging" in runs and "make plan STACK=prod" in runs
    assert "make --no-print-directory plan-diff" in runs and "$GITHUB_STEP_SUMMARY" in runs
    upload = next(s for s in plan["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert "build/plan-diff.md" in upload["with"]["path"] and "build/prod/" in upload["with"]["path"]
    # No `${{ github.* }}` expression expands inside a shell script (injection): they go through env.
    for _, step in steps(doc):
        assert "${{" not in step.get("run", ""), step


def test_comment_is_one_sticky_comment_from_workflow_run():
    doc = load("pr-comment.yml")
    assert doc["on"]["workflow_run"]["workflows"] == [load("pr.yml")["name"]]
    job = doc["jobs"]["comment"]
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    uses = [s.get("uses", "") for s in job["steps"]]
    assert not any(u.startswith("actions/checkout@") for u in uses), "never runs the pull request's code"
    sticky = next(
        s for s in job["steps"] if s.get("uses", "").startswith("marocchino/sticky-pull-request-comment@")
    )
    assert sticky["with"]["header"], "one comment, found again by its header and updated in place"
    assert sticky["with"]["path"].endswith("plan-diff.md")


def test_preview_only_for_pull_requests_from_this_repository():
    doc = load("preview.yml")
    assert set(doc["on"]) == {"pull_request"}
    job = doc["jobs"]["preview"]
    assert job["if"].strip() == SAME_REPO
    assert job["strategy"]["matrix"]["stack"] == ["staging", "prod"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    env = job["env"]
    assert env["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"
    assert env["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
    pulumi = next(s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["uses"] == "pulumi/actions@v6"
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["stack-name"] == "${{ matrix.stack }}"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    before = job["steps"][: job["steps"].index(pulumi)]
    assert any("pip install -r requirements.txt" in s.get("run", "").replace("--quiet ", "") for s in before)


def test_deploy_staging_then_prod_behind_environment():
    doc = load("deploy.yml")
    assert doc["on"] == {"push": {"branches": ["main"]}}
    staging, prod = doc["jobs"]["staging"], doc["jobs"]["prod"]
    assert prod["needs"] == "staging"
    assert prod["environment"] == "production"
    for job, stack in ((staging, "staging"), (prod, "prod")):
        pulumi = next(s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
        assert pulumi["with"]["command"] == "up" and pulumi["with"]["stack-name"] == stack
    assert doc["concurrency"]["cancel-in-progress"] is False, "never cancel a deployment half-way"


def test_structure_check_catches_a_wrong_key():
    """The check itself: a misspelt step key fails it."""
    doc = load("pr.yml")
    doc["jobs"]["plan"]["steps"][0]["wiht"] = doc["jobs"]["plan"]["steps"][0].pop("with")
    with pytest.raises(AssertionError, match="wiht"):
        check_structure("pr.yml", doc)
