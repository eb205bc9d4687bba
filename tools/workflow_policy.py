"""Security properties of the GitHub workflows, checked on the parsed YAML.

    python -m tools.workflow_policy .github/workflows/*.yml

actionlint checks that a workflow is valid; these rules check that it is safe to run for
pull requests from people who may not be trusted:

- no job references a secret without an `environment:`, and a job that runs the pull request's
  code never uses the `production` environment nor a write permission;
- every `uses:` is pinned to a full 40-hex commit SHA with its version in a comment;
- `pull_request_target` and `workflow_run` never check out the pull request's head;
- no `${{ }}` expression expands inside a `run:` script (values go through `env:`);
- a `workflow_run` job that comments never takes the pull request number from the artifact: the
  number comes from a step that resolves it through the API from the event's head SHA, and the
  artifact's claims are compared with it before anything is posted.

Each rule returns violations as text; `tests/test_workflows.py` runs them on the real workflows
and on planted bad snippets that each must be caught.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

PRODUCTION_ENVIRONMENTS = {"production", "prod"}
PR_CODE_TRIGGERS = {"pull_request"}
PRIVILEGED_TRIGGERS = {"pull_request_target", "workflow_run"}
FULL_SHA = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)(?P<rest>.*)$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\b")
SECRET_REF = re.compile(r"\bsecrets\.(?!GITHUB_TOKEN\b)[A-Za-z_][A-Za-z0-9_]*")
# Expressions and commands that name the pull request's head commit or branch.
PR_HEAD = re.compile(
    r"github\.event\.pull_request\.head|github\.head_ref|github\.event\.pull_request\.merge_commit_sha"
    r"|github\.event\.workflow_run\.head_(sha|branch|repository)|refs/pull/|\bpull/\$|gh pr checkout"
)
COMMENT_ACTIONS = (
    "marocchino/sticky-pull-request-comment",
    "thollander/actions-comment-pull-request",
    "peter-evans/create-or-update-comment",
    "mshick/add-pr-comment",
)
NUMBER_INPUTS = ("number", "number_force", "issue-number", "issue_number", "pr-number", "pr_number")
# A run script that writes to a pull request: `gh pr comment N`, `gh api .../issues/N/comments`.
RUN_SINK = re.compile(
    r"gh\s+pr\s+(?:comment|review|edit)\s+(?P<a>\S+)|(?:issues|pulls)/(?P<b>\$\{?\w+\}?|\$\{\{[^}]*\}\})"
)
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
OUTPUT_REF = re.compile(r"\b(steps|needs)\.([\w-]+)\.outputs\.([\w-]+)")
SHELL_VAR = re.compile(r"^\$\{?(\w+)\}?$")


@dataclass(frozen=True)
class Workflow:
    name: str
    text: str
    doc: dict

    @classmethod
    def parse(cls, name: str, text: str) -> Workflow:
        doc = yaml.safe_load(text)
        if True in doc:  # YAML 1.1 reads the key `on` as True
            doc["on"] = doc.pop(True)
        return cls(name, text, doc)

    @classmethod
    def load(cls, path: Path) -> Workflow:
        return cls.parse(path.name, path.read_text(encoding="utf-8"))

    @property
    def triggers(self) -> set[str]:
        on = self.doc.get("on")
        if isinstance(on, str):
            return {on}
        return set(on or [])

    @property
    def jobs(self) -> dict[str, dict]:
        return self.doc.get("jobs") or {}


def steps(job: dict) -> list[dict]:
    return job.get("steps") or []


def dump(value: object) -> str:
    return yaml.safe_dump(value, sort_keys=True)


def environment_name(job: dict) -> str | None:
    env = job.get("environment")
    if isinstance(env, dict):
        env = env.get("name")
    return str(env) if env else None


def is_checkout(step: dict) -> bool:
    return str(step.get("uses", "")).startswith("actions/checkout@")


def checks_out_pr_head(job: dict) -> bool:
    for step in steps(job):
        if is_checkout(step):
            target = dump({k: v for k, v in (step.get("with") or {}).items() if k in ("ref", "repository")})
            if PR_HEAD.search(target):
                return True
        run = step.get("run", "")
        if run and re.search(r"gh pr checkout|git\s+(fetch|checkout|switch)\b.*(pull/|head)", run):
            return True
    return False


def runs_pull_request_code(workflow: Workflow, job: dict) -> bool:
    """The job executes code a pull request controls: every job of a `pull_request` workflow (the
    workflow file itself comes from the pull request), or a privileged job that checks it out."""
    if workflow.triggers & PR_CODE_TRIGGERS:
        return True
    return bool(workflow.triggers & PRIVILEGED_TRIGGERS) and checks_out_pr_head(job)


def secrets_without_environment(workflow: Workflow) -> list[str]:
    found = []
    workflow_env = dump(workflow.doc.get("env") or {})
    for name, job in workflow.jobs.items():
        referenced = SECRET_REF.search(dump(job)) or SECRET_REF.search(workflow_env)
        inherits = job.get("secrets") == "inherit"
        environment = environment_name(job)
        if (referenced or inherits) and not environment:
            found.append(f"{workflow.name}/{name}: references secrets without an environment:")
        if runs_pull_request_code(workflow, job):
            if environment and environment.lower() in PRODUCTION_ENVIRONMENTS:
                found.append(f"{workflow.name}/{name}: runs pull request code in environment {environment}")
            if referenced and not environment:
                found.append(f"{workflow.name}/{name}: runs pull request code with secrets")
    return found


def write_permissions_for_pr_code(workflow: Workflow) -> list[str]:
    found = []
    for name, job in workflow.jobs.items():
        if not runs_pull_request_code(workflow, job):
            continue
        permissions = job.get("permissions", workflow.doc.get("permissions"))
        if permissions is None or permissions == "write-all" or "write" in dump(permissions):
            found.append(f"{workflow.name}/{name}: runs pull request code with a write token")
    return found


def unpinned_actions(workflow: Workflow) -> list[str]:
    found = []
    refs = [step.get("uses") for job in workflow.jobs.values() for step in steps(job)]
    refs += [job.get("uses") for job in workflow.jobs.values()]
    for ref in filter(None, refs):
        if ref.startswith("./"):
            continue
        if ref.startswith("docker://"):
            if "@sha256:" not in ref:
                found.append(f"{workflow.name}: {ref} is not pinned to a digest")
        elif not FULL_SHA.match(ref):
            found.append(f"{workflow.name}: {ref} is not pinned to a full commit SHA")
    for number, line in enumerate(workflow.text.splitlines(), 1):
        match = USES_LINE.match(line)
        if match and FULL_SHA.match(match["ref"]) and not VERSION_COMMENT.search(match["rest"]):
            found.append(f"{workflow.name}:{number}: {match['ref']} has no '# vX.Y.Z' version comment")
    return found


def checkout_of_pr_head_when_privileged(workflow: Workflow) -> list[str]:
    if not workflow.triggers & PRIVILEGED_TRIGGERS:
        return []
    return [
        f"{workflow.name}/{name}: checks out the pull request's head with a privileged trigger"
        for name, job in workflow.jobs.items()
        if checks_out_pr_head(job)
    ]


def expressions_in_run(workflow: Workflow) -> list[str]:
    return [
        f"{workflow.name}/{name}: `${{{{ }}}}` inside a run: script (pass it through env:)"
        for name, job in workflow.jobs.items()
        for step in steps(job)
        if "${{" in step.get("run", "")
    ]


# --- the comment bot: where does the pull request number come from? ---------------------------


def artifact_paths(workflow: Workflow) -> set[str]:
    """Where the jobs download artifacts, spelled as a run script would see them."""
    paths = set()
    for job in workflow.jobs.values():
        for step in steps(job):
            if str(step.get("uses", "")).startswith("actions/download-artifact@"):
                path = str((step.get("with") or {}).get("path", "."))
                paths.add(path)
                paths.add(re.sub(r"\$\{\{\s*runner\.temp\s*\}\}", "$RUNNER_TEMP", path))
    return paths


def reads_artifact(step: dict, job: dict, paths: set[str]) -> bool:
    text = step.get("run", "") + dump(step.get("env") or {}) + dump(job.get("env") or {})
    return any(path in text for path in paths if path not in (".", ""))


def env_value(name: str, step: dict, job: dict, workflow: Workflow) -> str | None:
    for scope in (step.get("env"), job.get("env"), workflow.doc.get("env")):
        if scope and name in scope:
            return str(scope[name])
    return None


def is_resolver(step: dict, job: dict, workflow: Workflow, paths: set[str]) -> bool:
    """A step that asks the API which pull request has the event's head commit."""
    run = step.get("run", "") + str((step.get("with") or {}).get("script", ""))
    env = dump(step.get("env") or {}) + dump(job.get("env") or {}) + dump(workflow.doc.get("env") or {})
    asks_api = bool(
        re.search(r"gh api\b.*pulls|/commits/.*/pulls|pulls\.list|PullRequestsAssociatedWith", run, re.S)
    )
    uses_event_head = "workflow_run.head_sha" in run + env
    return asks_api and uses_event_head and not reads_artifact(step, job, paths)


@dataclass
class Origin:
    """Where a value came from: the resolver step it traces to, or why it is untrusted."""

    resolver: tuple[str, str] | None = None  # (job, step id)
    problem: str | None = None


def trace(expression: str, job_name: str, workflow: Workflow, paths: set[str], depth: int = 0) -> Origin:
    """Follow `${{ steps.X.outputs.Y }}` / `${{ needs.J.outputs.Y }}` to the step that set it."""
    refs = OUTPUT_REF.findall(expression)
    if not refs:
        if "github.event.workflow_run.pull_requests" in expression:
            return Origin(resolver=(job_name, "event"))
        return Origin(problem=f"{expression.strip()!r} is not a resolved pull request number")
    if depth > 5:
        return Origin(problem="output chain too deep")
    kind, ref, output = refs[0]
    if kind == "needs":
        job = workflow.jobs.get(ref) or {}
        source = str((job.get("outputs") or {}).get(output, ""))
        return trace(source, ref, workflow, paths, depth + 1)
    job = workflow.jobs[job_name]
    step = next((s for s in steps(job) if s.get("id") == ref), None)
    if step is None:
        return Origin(problem=f"no step {ref} in job {job_name}")
    if reads_artifact(step, job, paths):
        return Origin(problem=f"{job_name}/{ref} takes it from the artifact")
    if not is_resolver(step, job, workflow, paths):
        return Origin(problem=f"{job_name}/{ref} does not resolve it through the API from the event")
    return Origin(resolver=(job_name, ref))


def number_sinks(job: dict) -> Iterator[tuple[dict, str | None]]:
    """Steps that write to a pull request, with the expression or shell word naming the number."""
    for step in steps(job):
        uses = str(step.get("uses", ""))
        if uses.startswith(COMMENT_ACTIONS) or (
            uses.startswith("actions/github-script@") and "issue_number" in str(step.get("with") or {})
        ):
            given = [str(v) for k, v in (step.get("with") or {}).items() if k in NUMBER_INPUTS]
            yield step, (given[0] if given else None)
        for match in RUN_SINK.finditer(step.get("run", "")):
            yield step, match["a"] or match["b"]


def needs_of(job: dict) -> set[str]:
    needs = job.get("needs") or []
    return {needs} if isinstance(needs, str) else set(needs)


def ancestors(job_name: str, workflow: Workflow) -> set[str]:
    seen: set[str] = set()
    todo = list(needs_of(workflow.jobs[job_name]))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(needs_of(workflow.jobs.get(name) or {}))
    return seen


def compares_claims(
    sink: dict, job_name: str, resolver: tuple[str, str], workflow: Workflow, paths: set[str]
) -> bool:
    """A step before the sink (earlier in its job, or in a job it needs) reads the artifact and is
    given the resolved number: the comparison of the artifact's claims with it."""
    resolver_job, step_id = resolver
    wanted = (f"steps.{step_id}.outputs.", f"needs.{resolver_job}.outputs.")
    job = workflow.jobs[job_name]
    candidates = [(job, s) for s in steps(job)[: steps(job).index(sink)]]
    candidates += [
        (workflow.jobs[name], s) for name in ancestors(job_name, workflow) for s in steps(workflow.jobs[name])
    ]
    for owner, step in candidates:
        given = dump(step.get("env") or {}) + dump(step.get("with") or {})
        if reads_artifact(step, owner, paths) and any(w in given for w in wanted):
            return True
    return False


def unverified_pr_number(workflow: Workflow) -> list[str]:
    if "workflow_run" not in workflow.triggers:
        return []
    paths = artifact_paths(workflow)
    found = []
    for job_name, job in workflow.jobs.items():
        for step, word in number_sinks(job):
            label = f"{workflow.name}/{job_name}/{step.get('name') or step.get('uses') or 'run'}"
            if word is None:
                found.append(f"{label}: comments without an explicit, verified pull request number")
                continue
            variable = SHELL_VAR.match(word.strip("'\""))
            if variable:
                value = env_value(variable[1], step, job, workflow)
                if value is None:
                    found.append(f"{label}: ${variable[1]} is set in the script, not from a resolved number")
                    continue
                word = value
            origin = trace(word, job_name, workflow, paths)
            if origin.problem:
                found.append(f"{label}: pull request number: {origin.problem}")
            elif paths and not compares_claims(step, job_name, origin.resolver, workflow, paths):
                found.append(f"{label}: the artifact's claims are never compared with the resolved number")
    return found


RULES = (
    secrets_without_environment,
    write_permissions_for_pr_code,
    unpinned_actions,
    checkout_of_pr_head_when_privileged,
    expressions_in_run,
    unverified_pr_number,
)


def violations(workflow: Workflow) -> list[str]:
    return [found for rule in RULES for found in rule(workflow)]


def main(argv: list[str]) -> int:
    found = [v for path in argv for v in violations(Workflow.load(Path(path)))]
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
