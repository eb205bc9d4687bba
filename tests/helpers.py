"""Small shared helpers for tests that read the offline plan."""

from __future__ import annotations

import json
from typing import Any


def of_type(plan: dict[str, Any], type_token: str) -> list[dict[str, Any]]:
    return [r for r in plan["resources"] if r["type"] == type_token]


def one(plan: dict[str, Any], type_token: str, name_suffix: str = "") -> dict[str, Any]:
    matches = [r for r in of_type(plan, type_token) if r["name"].endswith(name_suffix)]
    assert len(matches) == 1, f"expected one {type_token} *{name_suffix}, got {[m['name'] for m in matches]}"
    return matches[0]


def json_input(resource: dict[str, Any], key: str) -> Any:
    return json.loads(resource["inputs"][key])


def policy_nodes(policy_inputs: dict[str, Any]):
    """Every route of a NotificationPolicy's inputs, depth first, root included."""
    yield policy_inputs
    for child in policy_inputs.get("policies", []):
        yield from policy_nodes(child)


def run_plan_on(stack: str, text: str | bytes, workdir) -> tuple[int, str, str, bool]:
    """`python -m tools.plan --stack <stack> --config-file <file>` in-process on the given stack file text.

    Returns (exit status, stdout, stderr, whether anything was written under the output root).
    """
    import contextlib
    import io
    from pathlib import Path

    from tools import plan

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"Pulumi.{stack}.yaml"
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    out_root = workdir / "build"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = plan.main(["--stack", stack, "--config-file", str(path), "--out", str(out_root)])
    written = out_root.exists() and any(out_root.rglob("*"))
    return status, out.getvalue(), err.getvalue(), written


def load_with(stack: str, overrides=None, drop_secrets=(), plain_secrets=(), secrets=None):
    """settings.load() on the stack's file with changes; secrets as the engine would hold them."""
    import pulumi

    import settings
    from dashboards import PACK_OPTIONS
    from tools.plan import engine_config, project_name, read_stack_config

    raw = {**read_stack_config(stack), **(overrides or {})}
    config, secret_keys, _ = engine_config(project_name(), raw, secrets)
    for key in drop_secrets:
        config.pop(f"observability:{key}")
    for key in plain_secrets:
        secret_keys.remove(f"observability:{key}")
    pulumi.runtime.set_all_config(config, secret_keys)
    return settings.load(PACK_OPTIONS, stack=stack)
