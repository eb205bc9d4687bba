"""Render every dashboard of a stack with data from the engines and write the PNGs and the gallery.

python -m tools.preview --stack prod                     # runs the offline plan in-process
python -m tools.preview --stack prod --plan-dir build    # pictures of a plan already written
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from tools.plan import ROOT, list_stacks

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "observability-preview"


def load_plan(stack: str, plan_dir: Path | None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(plan.json, uid -> dashboard model) from a written plan, or from running the plan in-process."""
    if plan_dir is not None:
        base = plan_dir / stack
        plan = json.loads((base / "plan.json").read_text())
        models = {p.stem: json.loads(p.read_text()) for p in sorted((base / "dashboards").glob("*.json"))}
        return plan, models
    from tools.plan import render_plan

    result = render_plan(stack)
    return result.plan, dict(sorted(result.dashboards.items()))


def render_all(
    plan: Mapping[str, Any],
    models: Mapping[str, Mapping[str, Any]],
    outline: Mapping[str, Collection[int]] | None = None,
    cache: Path = CACHE,
) -> list[Any]:
    """Start the engines once, draw every dashboard, stop them. Returns the pictures, by uid order."""
    from tools.preview.data import DataSourceSettings, Engines
    from tools.preview.render import render

    settings = DataSourceSettings.from_plan(plan)
    with Engines(list(models.values()), settings, cache) as engines:
        return [
            render(model, lambda panel, m=model: engines.panel_data(m, panel), (outline or {}).get(uid, ()))
            for uid, model in sorted(models.items())
        ]


def write(stack: str, pictures: list[Any], models: Mapping[str, Mapping[str, Any]], out: Path) -> Path:
    from tools.preview.gallery import gallery

    target = out / stack / "previews"
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.png"):
        stale.unlink()
    for picture in pictures:
        (target / f"{picture.uid}.png").write_bytes(picture.png)
    (target / "index.html").write_text(gallery(stack, pictures, models))
    return target


def preview(stack: str, out: Path, plan_dir: Path | None = None) -> tuple[Path, list[Any]]:
    """The whole `make preview` for one stack; returns the directory and the findings."""
    plan, models = load_plan(stack, plan_dir)
    pictures = render_all(plan, models)
    target = write(stack, pictures, models, out)
    return target, [f for p in pictures for f in p.findings]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stack", required=True, help="one of: " + ", ".join(list_stacks()))
    parser.add_argument("--out", default=str(ROOT / "build"), help="output root (default: build/)")
    parser.add_argument("--plan-dir", help="read <dir>/<stack>/plan.json and dashboards/ instead of planning")
    args = parser.parse_args(argv)
    from settings import SettingsError
    from settings.stack_file import StackFileError
    from tools.preview.engines import EngineMissing

    started = time.monotonic()
    try:
        target, findings = preview(args.stack, Path(args.out), Path(args.plan_dir) if args.plan_dir else None)
    except (SettingsError, StackFileError, EngineMissing) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
    count = len(list(target.glob("*.png")))
    print(
        f"{count} dashboard pictures of stack '{args.stack}' in {time.monotonic() - started:.1f} s: {shown}/"
    )
    print(f"gallery: {shown}/index.html")
    if findings:
        print(f"{len(findings)} panel(s) without data (a finding: check the query):")
        for finding in findings:
            print(f"  {finding}")
    return 0
