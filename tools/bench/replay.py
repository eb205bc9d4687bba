"""What any program registering a plan's resources with these libraries costs: the plan's floors.

    python -m tools.bench.replay LIBRARIES.json              # import the libraries only
    python -m tools.bench.replay LIBRARIES.json PLAN.json    # ... then register the plan's resources

LIBRARIES.json names the third-party modules a stack's plan executed, in import order
(`plan_cost.executed_libraries`). Importing them and nothing else is the SDK floor: a module the
SDK had registered lazily is executed by reading an attribute, as the plan's first use of it did.

With PLAN.json, every resource of that plan is then registered on the same mock engine, through
Pulumi's generic `ProviderResource`, `CustomResource` and `ComponentResource`, with the inputs,
parents, providers and protection the engine received: the engine's work for these resources
without any of the program's (settings, dashboards, rules, lint, files). It is a lower bound: the
SDKs' typed classes add their input translation and output types on top.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import types
from pathlib import Path
from typing import Any


def import_libraries(names: list[str]) -> None:
    for name in names:
        module = importlib.import_module(name)
        if type(module) is not types.ModuleType:  # registered lazily: execute it, as the plan did
            getattr(module, "__all__", None)


def register(resources: list[dict[str, Any]]) -> None:
    """Register each resource once its parent and provider exist (plan.json is sorted by type)."""
    import pulumi

    if len({r["name"] for r in resources}) != len(resources):
        raise SystemExit("resource names repeat: the replay links parents and providers by name")
    made: dict[str, pulumi.Resource] = {}
    pending = list(resources)
    while pending:
        ready = [
            r
            for r in pending
            if (r["parent"] is None or r["parent"] in made)
            and (r["options"]["provider"] is None or r["options"]["provider"] in made)
        ]
        if not ready:
            raise SystemExit(f"no parent or provider for: {sorted(r['name'] for r in pending)}")
        for r in ready:
            opts = pulumi.ResourceOptions(
                parent=made.get(r["parent"]),
                provider=made.get(r["options"]["provider"]),
                protect=r["options"]["protect"],
                retain_on_delete=r["options"]["retainOnDelete"],
            )
            kind = r["type"]
            if kind.startswith("pulumi:providers:"):
                made[r["name"]] = pulumi.ProviderResource(kind.split(":")[-1], r["name"], r["inputs"], opts)
            elif r["options"]["custom"]:
                made[r["name"]] = pulumi.CustomResource(kind, r["name"], r["inputs"], opts)
            else:
                made[r["name"]] = pulumi.ComponentResource(kind, r["name"], None, opts)
        pending = [r for r in pending if r["name"] not in made]


def replay(plan: dict[str, Any]) -> int:
    """Register `plan`'s resources on the mock engine; how many were registered."""
    from tools.mock_engine import run_on_mocks

    seen: list[str] = []
    run_on_mocks(
        lambda: register(plan["resources"]),
        project=plan["project"],
        stack=plan["stack"],
        config={},
        secret_keys=[],
        logger=logging.getLogger("replay"),
        on_register=lambda reg: seen.append(reg.name),
        new_resource=lambda type_, name, inputs: inputs,
    )
    return len(seen)


def main(argv: list[str]) -> int:
    import_libraries(json.loads(Path(argv[0]).read_text()))
    if len(argv) > 1:
        plan = json.loads(Path(argv[1]).read_text())
        registered = replay(plan)
        if registered != len(plan["resources"]):
            print(f"registered {registered} of {len(plan['resources'])} resources", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
