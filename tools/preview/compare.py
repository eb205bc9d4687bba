"""Before/after pictures of the dashboards a change touches, for the pull request comment.

    python -m tools.preview.compare --base origin/main --stack prod [--out build/preview-compare]

BASE's offline plan is rendered from a temporary git worktree (as tools.plan_diff does), the
working tree's next to it; both sides are then drawn by this same code with the same engines and
data, so a picture differs only where the dashboard model does. For each dashboard whose model
changed it writes `<stack>-<uid>-before.png` and `<stack>-<uid>-after.png` (one of them for an
added or removed dashboard) with the changed panels outlined, and `comment.md`: the Markdown the
pull request comment shows under "Dashboard pictures", embedding the images as
`@IMAGE_BASE_URL@/<file>` (tools/pr_comment.py publishes the files and fills in the URL; this
directory follows its contract). Unchanged dashboards get nothing; with no changed dashboard the
directory stays empty.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.plan import ROOT
from tools.plan_diff import PlanError, git
from tools.plan_diff import render as render_plan_in
from tools.pr_comment import IMAGE_BASE_URL, MAX_PNG_FILES

PLACEHOLDER = IMAGE_BASE_URL  # what the comment job replaces with the pictures' published URL


@dataclass
class Change:
    stack: str
    uid: str
    title: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    changed: set[int] = field(default_factory=set)  # panel ids in both, different
    added: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)

    def file(self, side: str) -> str:
        return f"{self.stack}-{self.uid}-{side}.png"


def _panels_by_id(model: Mapping[str, Any]) -> dict[int, Mapping[str, Any]]:
    from tools.preview.data import panel_walk

    return {int(p.get("id", 0)): p for p in panel_walk(model)}


def _without_children(panel: Mapping[str, Any]) -> Mapping[str, Any]:
    """A row compared by itself: its collapsed children are compared as panels of their own."""
    return {k: v for k, v in panel.items() if k != "panels"}


def changes(
    stack: str, base: Mapping[str, Mapping[str, Any]], head: Mapping[str, Mapping[str, Any]]
) -> list[Change]:
    """Dashboards whose model differs between the two plans, with the panels that differ."""
    out = []
    for uid in sorted(set(base) | set(head)):
        before, after = base.get(uid), head.get(uid)
        if before == after:
            continue
        title = str((after or before or {}).get("title") or uid)
        change = Change(stack, uid, title, before, after)
        old = _panels_by_id(before) if before else {}
        new = _panels_by_id(after) if after else {}
        change.added = set(new) - set(old) if before else set()
        change.removed = set(old) - set(new) if after else set()
        change.changed = {
            i for i in set(old) & set(new) if _without_children(old[i]) != _without_children(new[i])
        }
        out.append(change)
    return out


def _read_models(out: Path, stack: str) -> dict[str, dict[str, Any]]:
    folder = out / stack / "dashboards"
    return (
        {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}
    )


def _panel_titles(change: Change, ids: set[int]) -> list[str]:
    titles = []
    for model in (change.after, change.before):
        if model:
            panels = _panels_by_id(model)
            titles += [str(panels[i].get("title") or i) for i in sorted(ids) if i in panels]
            ids = ids - set(panels)
    return titles


def comment(all_changes: list[Change], base_ref: str, commit: str) -> str:
    if not all_changes:
        return ""
    lines = [
        f"Dashboards this change touches, before (`{base_ref}`, {commit[:10]}) and after, drawn from "
        "the offline plan with data from the test engines (a seeded PostgreSQL, Prometheus with "
        "synthetic series, Loki sample lines); changed panels are outlined in orange. Every "
        "dashboard: `make preview STACK=<stack>`.",
        "",
    ]
    for change in all_changes:
        lines.append(f"### `{change.stack}`: {change.title} (`{change.uid}`)")
        lines.append("")
        what = []
        if change.before is None:
            what.append("new dashboard")
        elif change.after is None:
            what.append("dashboard removed")
        if change.changed:
            what.append("changed: " + ", ".join(_panel_titles(change, change.changed)))
        if change.added:
            what.append("added: " + ", ".join(_panel_titles(change, change.added)))
        if change.removed:
            what.append("removed: " + ", ".join(_panel_titles(change, change.removed)))
        if not (change.changed or change.added or change.removed) and change.before and change.after:
            what.append("dashboard settings changed (no panel)")
        lines.append("; ".join(what))
        lines.append("")
        before = f"![before]({PLACEHOLDER}/{change.file('before')})" if change.before else "_(none)_"
        after = f"![after]({PLACEHOLDER}/{change.file('after')})" if change.after else "_(removed)_"
        lines += ["| before | after |", "|---|---|", f"| {before} | {after} |", ""]
    return "\n".join(lines)


def compare(base_ref: str, stacks: list[str], out: Path, tree: Path = ROOT) -> list[Change]:
    from tools.preview.run import render_all

    top = Path(git("rev-parse", "--show-toplevel", cwd=tree))
    sub = tree.resolve().relative_to(top.resolve())
    commit = git("rev-parse", "--verify", f"{base_ref}^{{commit}}", cwd=tree)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    found: list[Change] = []
    with tempfile.TemporaryDirectory(prefix="preview-compare-") as tmp:
        worktree = Path(tmp) / "base"
        git("worktree", "add", "--detach", "--quiet", str(worktree), commit, cwd=tree)
        try:
            for stack in stacks:
                base_plan = render_plan_in(worktree / sub, stack, Path(tmp) / "base-out")
                head_plan = render_plan_in(tree, stack, Path(tmp) / "head-out")
                stack_changes = changes(
                    stack,
                    _read_models(Path(tmp) / "base-out", stack),
                    _read_models(Path(tmp) / "head-out", stack),
                )
                found += stack_changes
                if not stack_changes:
                    continue
                pictures = sum((c.before is not None) + (c.after is not None) for c in found)
                if pictures > MAX_PNG_FILES:
                    raise PlanError(f"{pictures} pictures, more than the comment takes ({MAX_PNG_FILES})")
                _draw(stack_changes, base_plan, head_plan, out, render_all)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(worktree)], cwd=tree, capture_output=True
            )
            subprocess.run(["git", "worktree", "prune"], cwd=tree, capture_output=True)
    if found:
        (out / "comment.md").write_text(comment(found, base_ref, commit))
    return found


def _draw(
    stack_changes: list[Change],
    base_plan: Mapping[str, Any],
    head_plan: Mapping[str, Any],
    out: Path,
    render_all: Any,
) -> None:
    """Both sides with one set of engines (the head's data source settings)."""
    models: dict[str, Mapping[str, Any]] = {}
    outline: dict[str, set[int]] = {}
    for change in stack_changes:
        if change.before is not None:
            models[f"before/{change.uid}"] = {**change.before, "uid": f"before/{change.uid}"}
            outline[f"before/{change.uid}"] = change.changed | change.removed
        if change.after is not None:
            models[f"after/{change.uid}"] = {**change.after, "uid": f"after/{change.uid}"}
            outline[f"after/{change.uid}"] = change.changed | change.added
    plan = head_plan if head_plan.get("resources") else base_plan
    for picture in render_all(plan, models, outline):
        side, uid = picture.uid.split("/", 1)
        (out / f"{stack_changes[0].stack}-{uid}-{side}.png").write_bytes(picture.png)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base", required=True, help="git ref to compare the working tree with")
    parser.add_argument(
        "--stack", action="append", help="stack(s); repeat or separate by spaces (default: prod)"
    )
    parser.add_argument("--out", default=str(ROOT / "build" / "preview-compare"))
    args = parser.parse_args(argv)
    stacks = [s for item in args.stack or [] for s in item.replace(",", " ").split()] or ["prod"]
    from tools.preview.engines import EngineMissing

    out = Path(args.out)
    try:
        found = compare(args.base, stacks, out)
    except (PlanError, EngineMissing) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    if not found:
        print(f"no dashboard changed against {args.base}: nothing written to {shown}/")
    for change in found:
        print(
            f"{change.stack} {change.uid}: {len(change.changed)} changed, {len(change.added)} added, "
            f"{len(change.removed)} removed panel(s)"
        )
    if found:
        print(f"written to {shown}/ (comment.md and the pictures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
