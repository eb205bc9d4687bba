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
