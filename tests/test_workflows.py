"""The GitHub workflows: actionlint (with shellcheck) on every workflow, the security properties of
tools/workflow_policy.py on the parsed YAML (and on planted bad snippets each rule must catch), and
what each workflow has to do: previews, the comment bot, gated deploys, pinned tools."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from tools.workflow_policy import Workflow, violations

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))


def load(name: str) -> Workflow:
    return Workflow.load(WORKFLOWS / name)


def actionlint() -> str:
    """The actionlint `make test` provides (ACTIONLINT), one on PATH, or the cached build."""
    version = re.search(r"^ACTIONLINT_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)[1]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "observability" / "tools"
    for candidate in (
        os.environ.get("ACTIONLINT"),
        shutil.which("actionlint"),
        cache / f"actionlint-{version}" / "actionlint",
    ):
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.fail("actionlint is missing: `make actionlint` builds it (make test does it first)")


def shellcheck() -> str:
    found = shutil.which("shellcheck")
    assert found, "shellcheck is missing: `make system-deps` installs it (Debian package shellcheck)"
    return found


def run_actionlint(*paths: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    command = [actionlint(), "-no-color", f"-shellcheck={shellcheck()}", *map(str, paths)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_expected_workflows_exist():
    assert {p.name for p in WORKFLOW_FILES} == {
        "pr.yml",
        "pr-comment.yml",
        "preview.yml",
        "deploy.yml",
        "runbooks.yml",
    }


def test_actionlint_and_shellcheck_pass_every_workflow():
    result = run_actionlint(*WORKFLOW_FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_wrong_key_and_shellcheck_a_script(tmp_path):
    """The check runs for real: a misspelt key and an unquoted variable both fail it."""
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.write_text(
        textwrap.dedent("""\
        name: bad
        on: push
        permissions:
          contents: read
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: rm -rf $TARGET/build
                wiht:
                  x: 1
        """)
    )
    result = run_actionlint(bad, cwd=tmp_path)
    assert result.returncode == 1
    assert 'unexpected key "wiht"' in result.stdout
    assert "SC2086" in result.stdout, "shellcheck must check run: scripts"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_security_properties_hold(path: Path):
    assert violations(Workflow.load(path)) == []


# Planted bad workflows: each must be caught by the rule named in the expected message.
PLANTED = {
    "secret in a pull request job": (
        """
        on: pull_request
        permissions: {contents: read}
        jobs:
          preview:
            runs-on: ubuntu-latest
            env:
              PULUMI_CONFIG_PASSPHRASE: ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}
            steps:
              - run: pulumi preview --stack prod
        """,
        "runs pull request code with secrets",
    ),
    "pull request code in the production environment": (
        """
        on: pull_request
        permissions: {contents: read}
        jobs:
          preview:
            runs-on: ubuntu-latest
            environment: production
            env:
              PULUMI_CONFIG_PASSPHRASE: ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}
            steps:
              - run: pulumi preview --stack prod
        """,
        "runs pull request code in environment production",
    ),
    "secret without environment on push": (
        """
        on: push
        permissions: {contents: read}
        env:
          AWS_SECRET_ACCESS_KEY: ${{ secrets.PULUMI_BACKEND_AWS_SECRET_ACCESS_KEY }}
        jobs:
          up:
            runs-on: ubuntu-latest
            steps:
              - run: pulumi up --yes --stack prod
        """,
        "references secrets without an environment",
    ),
    "write token for pull request code": (
        """
        on: pull_request
        permissions: {contents: read}
        jobs:
          preview:
            runs-on: ubuntu-latest
            permissions: {contents: read, pull-requests: write}
            steps:
              - run: make plan
        """,
        "runs pull request code with a write token",
    ),
    "action pinned by tag": (
        """
        on: push
        permissions: {contents: read}
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
        """,
        "actions/checkout@v4 is not pinned to a full commit SHA",
    ),
    "short sha": (
        """
        on: push
        permissions: {contents: read}
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@de0fac2 # v6.0.2
        """,
        "is not pinned to a full commit SHA",
    ),
    "sha without its version": (
        """
        on: push
        permissions: {contents: read}
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd
        """,
        "has no '# vX.Y.Z' version comment",
    ),
    "pull_request_target checking out the head": (
        """
        on: pull_request_target
        permissions: {contents: read}
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2
                with:
                  ref: ${{ github.event.pull_request.head.sha }}
              - run: make test
        """,
        "checks out the pull request's head with a privileged trigger",
    ),
    "pull_request_target fetching the pull ref": (
        """
        on: pull_request_target
        permissions: {contents: read}
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - env:
                  NUMBER: ${{ github.event.number }}
                run: git fetch origin "pull/$NUMBER/head" && git checkout FETCH_HEAD && make test
        """,
        "checks out the pull request's head with a privileged trigger",
    ),
    "workflow_run checking out the head": (
        """
        on:
          workflow_run: {workflows: [pull request], types: [completed]}
        permissions: {contents: read}
        jobs:
          comment:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2
                with:
                  ref: ${{ github.event.workflow_run.head_sha }}
        """,
        "checks out the pull request's head with a privileged trigger",
    ),
    "expression inside a script": (
        """
        on: pull_request
        permissions: {contents: read}
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{ github.event.pull_request.title }}"
        """,
        "inside a run: script",
    ),
    # The comment bot as it was: the number is whatever the pull request's artifact says.
    "number read from the artifact": (
        """
        on:
          workflow_run: {workflows: [pull request], types: [completed]}
        permissions: {contents: read}
        jobs:
          comment:
            runs-on: ubuntu-latest
            permissions: {actions: read, pull-requests: write}
            steps:
              - uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1
                with: {name: offline-plan, path: artifact}
              - id: pr
                run: echo "number=$(tr -d '[:space:]' < artifact/pr-number.txt)" >> "$GITHUB_OUTPUT"
              - uses: marocchino/sticky-pull-request-comment@0ea0beb66eb9baf113663a64ec522f60e49231c0 # v3.0.4
                with:
                  number: ${{ steps.pr.outputs.number }}
                  path: artifact/plan-diff.md
        """,
        "comment/pr takes it from the artifact",
    ),
    "number parsed inside the commenting script": (
        """
        on:
          workflow_run: {workflows: [pull request], types: [completed]}
        permissions: {contents: read}
        jobs:
          comment:
            runs-on: ubuntu-latest
            permissions: {actions: read, pull-requests: write}
            steps:
              - uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1
                with: {name: offline-plan, path: artifact}
              - env:
                  GH_TOKEN: ${{ github.token }}
                run: |
                  number="$(jq .number artifact/pr.json)"
                  gh pr comment "$number" --body-file artifact/plan-diff.md
        """,
        "is set in the script, not from a resolved number",
    ),
    "comment action guessing the number": (
        """
        on:
          workflow_run: {workflows: [pull request], types: [completed]}
        permissions: {contents: read}
        jobs:
          comment:
            runs-on: ubuntu-latest
            permissions: {pull-requests: write}
            steps:
              - uses: marocchino/sticky-pull-request-comment@0ea0beb66eb9baf113663a64ec522f60e49231c0 # v3.0.4
                with: {path: plan-diff.md}
        """,
        "comments without an explicit, verified pull request number",
    ),
    "resolved through the API but the claims never compared": (
        """
        on:
          workflow_run: {workflows: [pull request], types: [completed]}
        permissions: {contents: read}
        jobs:
          comment:
            runs-on: ubuntu-latest
            permissions: {actions: read, pull-requests: write}
            env:
              GH_TOKEN: ${{ github.token }}
              HEAD_SHA: ${{ github.event.workflow_run.head_sha }}
            steps:
              - id: resolve
                run: |
                  gh api "repos/$GITHUB_REPOSITORY/commits/$HEAD_SHA/pulls" --jq '.[0].number' \\
                    | sed 's/^/number=/' >> "$GITHUB_OUTPUT"
              - uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1
                with: {name: offline-plan, path: artifact}
              - env:
                  NUMBER: ${{ steps.resolve.outputs.number }}
                run: gh api "repos/$GITHUB_REPOSITORY/issues/$NUMBER/comments" -F body=@artifact/plan-diff.md
        """,
        "the artifact's claims are never compared with the resolved number",
    ),
}


@pytest.mark.parametrize("name", PLANTED)
def test_planted_bad_workflow_is_caught(name: str):
    snippet, expected = PLANTED[name]
    found = violations(Workflow.parse("planted.yml", textwrap.dedent(snippet)))
    assert any(expected in v for v in found), found


def test_the_fixed_comment_workflow_without_its_claims_check_is_caught():
    """The real pr-comment.yml minus its `verify` step: the number is resolved, never compared."""
    workflow = load("pr-comment.yml")
    verify = workflow.doc["jobs"]["verify"]
    verify["steps"] = [s for s in verify["steps"] if s.get("id") != "verify"]
    found = violations(Workflow("pr-comment.yml", workflow.text, workflow.doc))
    assert any("never compared" in v for v in found), found


# --- what each workflow does ----------------------------------------------------------------------


def uses(step: dict, action: str) -> bool:
    return str(step.get("uses", "")).startswith(action + "@")


def runs(job: dict) -> str:
    return "\n".join(s.get("run", "") for s in job["steps"])


def pulumi_steps():
    for name in ("preview.yml", "deploy.yml"):
        for job_name, job in load(name).jobs.items():
            for step in job["steps"]:
                if uses(step, "pulumi/actions"):
                    yield f"{name}/{job_name}", step


def test_pulumi_cli_version_matches_the_sdk_pin():
    sdk = re.search(r"^pulumi==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)[1]
    found = dict(pulumi_steps())
    assert len(found) == 3, found
    for where, step in found.items():
        assert str(step["with"]["pulumi-version"]) == sdk, where


def test_pull_request_previews_never_touch_prod():
    """Only staging is previewed with real state, in the `staging` environment, never for forks."""
    workflow = load("preview.yml")
    assert workflow.triggers == {"pull_request"}
    for job in workflow.jobs.values():
        assert job["environment"] == "staging"
        assert job["if"].startswith("github.event.pull_request.head.repo.full_name == github.repository &&")
        assert job["permissions"] == {"contents": "read"}
        stacks = [s["with"]["stack-name"] for s in job["steps"] if uses(s, "pulumi/actions")]
        assert stacks == ["staging"]
    for name in ("pr.yml", "preview.yml"):
        assert "production" not in yaml.safe_dump(load(name).doc)


def test_pr_workflow_plans_diffs_and_describes_itself_without_secrets():
    workflow = load("pr.yml")
    assert workflow.triggers == {"pull_request"}
    assert "secrets." not in workflow.text
    job = workflow.jobs["plan"]
    assert "environment" not in job
    checkout = next(s for s in job["steps"] if uses(s, "actions/checkout"))
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
    script = runs(job)
    assert "make test" in script
    assert "make plan STACK=staging" in script and "make plan STACK=prod" in script
    assert 'plan-diff BASE="$BASE_SHA"' in script and 'preview-compare BASE="$BASE_SHA"' in script
    assert job["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    upload = next(s for s in job["steps"] if uses(s, "actions/upload-artifact"))
    assert upload["with"]["name"] == "offline-plan"
    paths = upload["with"]["path"].split()
    assert {"build/plan-diff.md", "build/pr.json", "build/preview-compare/", "build/prod/"} <= set(paths)


def step_named(job: dict, fragment: str) -> dict:
    return next(s for s in job["steps"] if fragment in s.get("name", ""))


def test_pr_json_written_by_pr_yml_is_what_the_comment_bot_compares(tmp_path):
    """Run pr.yml's own script: the pr.json it writes passes the comment bot's check."""
    from tools.pr_comment import PullRequest, check_claims

    step = step_named(load("pr.yml").jobs["plan"], "Describe the run")
    (tmp_path / "build").mkdir()
    env = {"PATH": os.environ["PATH"], "PR_NUMBER": "42", "HEAD_SHA": "a" * 40}
    env |= {"HEAD_REPOSITORY": "someone/observability", "BASE_SHA": "b" * 40}
    subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=tmp_path, env=env, check=True)
    check_claims(tmp_path / "build", PullRequest(42, "a" * 40, "someone/observability"))


@pytest.mark.parametrize("has_target", [False, True])
def test_preview_compare_runs_only_when_the_makefile_has_it(tmp_path, has_target):
    step = step_named(load("pr.yml").jobs["plan"], "Dashboard pictures")
    rule = "preview-compare:\n\tmkdir -p build/preview-compare && echo $(BASE) > build/preview-compare/base\n"
    (tmp_path / "Makefile").write_text("plan:\n\t@true\n" + (rule if has_target else ""))
    env = {"PATH": os.environ["PATH"], "BASE_SHA": "c" * 40}
    result = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=tmp_path, env=env, text=True)
    assert result.returncode == 0
    marker = tmp_path / "build" / "preview-compare" / "base"
    assert marker.exists() == has_target
    if has_target:
        assert marker.read_text().strip() == "c" * 40


def test_comment_workflow_least_privilege_per_job():
    workflow = load("pr-comment.yml")
    assert workflow.doc["on"]["workflow_run"]["workflows"] == [load("pr.yml").doc["name"]]
    jobs = workflow.jobs
    assert jobs["verify"]["permissions"] == {"actions": "read", "pull-requests": "read"}
    assert jobs["publish-images"]["permissions"] == {"actions": "read", "contents": "write"}
    assert jobs["comment"]["permissions"] == {"actions": "read", "pull-requests": "write"}
    for job in jobs.values():
        for step in job["steps"]:
            if uses(step, "actions/checkout"):
                assert step["with"]["ref"] == "${{ github.event.repository.default_branch }}"
                assert step["with"]["persist-credentials"] is False
    # Pictures are published only for a verified artifact that has them.
    assert (
        jobs["publish-images"]["if"]
        == "needs.verify.outputs.status == 'ok' && needs.verify.outputs.images == 'true'"
    )
    assert "refs/heads/pr-previews" in runs(jobs["publish-images"])
    assert 'dest="pr-$NUMBER/$HEAD_SHA"' in runs(jobs["publish-images"])
    # A missing artifact still produces a comment (saying so) on the resolved pull request.
    assert "'missing'" in jobs["comment"]["env"]["STATUS"]
    assert (
        "always()" in jobs["comment"]["if"] and "needs.verify.outputs.number != ''" in jobs["comment"]["if"]
    )
    assert "tools/pr_comment.py compose" in runs(jobs["comment"])


def test_deploy_runs_checks_then_staging_then_prod_behind_production():
    workflow = load("deploy.yml")
    assert workflow.triggers == {"push"} and workflow.doc["on"]["push"]["branches"] == ["main"]
    jobs = workflow.jobs
    assert "make test" in runs(jobs["checks"]) and "make plan STACK=prod" in runs(jobs["checks"])
    assert "environment" not in jobs["checks"] and "secrets." not in yaml.safe_dump(jobs["checks"])
    assert jobs["staging"]["needs"] == "checks" and jobs["staging"]["environment"] == "staging"
    assert jobs["prod"]["needs"] == "staging" and jobs["prod"]["environment"] == "production"
    for name, stack in (("staging", "staging"), ("prod", "prod")):
        pulumi = next(s for s in jobs[name]["steps"] if uses(s, "pulumi/actions"))
        assert pulumi["with"]["command"] == "up" and pulumi["with"]["stack-name"] == stack
    assert workflow.doc["concurrency"]["cancel-in-progress"] is False, "never cancel a deployment half-way"
    # prod's cluster credentials: an environment secret, written before `up`, removed after.
    prod_steps = jobs["prod"]["steps"]
    kube = step_named(jobs["prod"], "Kubernetes credentials")
    assert kube["env"] == {"KUBECONFIG_PROD": "${{ secrets.KUBECONFIG_PROD }}"}
    up = next(i for i, s in enumerate(prod_steps) if uses(s, "pulumi/actions"))
    assert prod_steps.index(kube) < up
    assert "KUBECONFIG_PROD" not in yaml.safe_dump(jobs["staging"])


def test_prod_kubernetes_secret_needs_the_context_the_workflow_documents():
    prod = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]["observability:kubernetesSecret"]
    assert prod["enabled"] is True and prod["context"] == "prod"
    assert "context 'prod'" in step_named(load("deploy.yml").jobs["prod"], "Kubernetes credentials")["run"]


def test_each_stack_passphrase_comes_from_its_own_environment():
    for name in ("preview.yml", "deploy.yml"):
        for job_name, job in load(name).jobs.items():
            if "PULUMI_CONFIG_PASSPHRASE" in (job.get("env") or {}):
                assert job["environment"] in {"staging", "production"}, (name, job_name)
                stacks = {s["with"]["stack-name"] for s in job["steps"] if uses(s, "pulumi/actions")}
                assert stacks == {"staging" if job["environment"] == "staging" else "prod"}


def test_dependabot_proposes_action_and_python_updates():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert config["version"] == 2
    ecosystems = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(ecosystems) == {"github-actions", "pip"}
    for update in ecosystems.values():
        assert update["directory"] == "/" and update["schedule"]["interval"]
