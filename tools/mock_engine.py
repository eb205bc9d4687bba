"""The offline plan's one door into Pulumi's runtime: every private call it needs, in one place.

Pulumi's public testing API (`pulumi.runtime.Mocks`, `set_mocks`, `set_all_config`) runs a program
on a mock engine, but the offline plan needs more than a unit test does: what the engine receives
(a monitor that sees each registration with its parent and options), the secret mark on a
deserialised value, a fresh root stack per run, and the stack's outputs resolved after the
program. Those live in Pulumi's internals (`pulumi.runtime.mocks`, `.rpc`, `.settings`, `.stack`,
`.sync_await`), which may change in any release. tests/test_mock_engine.py drives each of them, so
an upgrade that breaks one fails there with its name instead of somewhere inside a plan.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await


@dataclass(frozen=True)
class Registration:
    """One resource as the engine receives it (the stack itself is never reported)."""

    type: str
    name: str
    parent_urn: str
    inputs: dict[str, Any]  # deserialised; secret values still carry the engine's mark
    custom: bool
    protect: bool
    retain_on_delete: bool
    provider_ref: str  # "<provider urn>::<id>", or "" for none
    dependencies: tuple[str, ...] = ()  # URNs the engine must create first (depends_on and inputs)


NewResource = Callable[[str, str, dict[str, Any]], dict[str, Any]]  # (type, name, inputs) -> state


def is_secret(value: Any) -> bool:
    """Whether a deserialised value carries the engine's secret mark."""
    return rpc.is_rpc_secret(value)


def run_on_mocks(
    program: Callable[[], None],
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: list[str],
    logger: logging.Logger,
    on_register: Callable[[Registration], None],
    new_resource: NewResource,
) -> dict[str, tuple[Any, bool]]:
    """Run `program` as `pulumi up` would, on a fresh mock engine; returns the stack outputs as
    key -> (value, is_secret). `on_register` sees every registration before the engine answers it
    (an exception it raises fails the run); `new_resource` gives each resource's state."""

    registering: list[Any] = []  # the request the engine is answering (one at a time, see below)

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs):
            # The base monitor has deserialised the request's inputs once already (args.inputs);
            # the rest of what the engine receives is read from the request itself.
            request = registering[-1]
            on_register(
                Registration(
                    type=request.type,
                    name=request.name,
                    parent_urn=request.parent,
                    inputs=args.inputs,
                    custom=bool(request.custom),
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    provider_ref=request.provider,
                    dependencies=tuple(request.dependencies),
                )
            )
            return f"{args.name}-id", new_resource(args.typ, args.name, dict(args.inputs))

        def call(self, args: pulumi.runtime.MockCallArgs):
            return {}

    class Monitor(mocks.MockMonitor):
        def RegisterResource(self, request):
            registering.append(request)  # the stack itself never reaches new_resource
            try:
                return super().RegisterResource(request)
            finally:
                registering.pop()

    loop = asyncio.new_event_loop()
    # Pulumi hands every engine call to the loop's default executor. The mock engine answers
    # in-process, so one worker thread is enough; a default pool only adds threads taking turns
    # at the interpreter lock.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mock-engine")
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    runtime_settings.ROOT.set(None)  # a new root stack for this run, not the previous run's
    engine_mocks = Mocks()
    mocks.set_mocks(
        engine_mocks,
        project=project,
        stack=stack,
        preview=False,
        logger=logger,
        monitor=Monitor(engine_mocks),
    )
    pulumi.runtime.set_all_config(dict(config), secret_keys)
    runtime_settings.SETTINGS.rpc_manager.clear()
    runtime_settings.SETTINGS.outputs.clear()

    try:
        _sync_await(run_pulumi_func(program))
        root = runtime_settings.get_root_resource()
        return {
            key: _sync_await(_resolve(output))
            for key, output in sorted((getattr(root, "outputs", None) or {}).items())
        }
    finally:
        executor.shutdown(wait=False)  # else every run leaves its worker thread behind


async def _resolve(output: Any) -> tuple[Any, bool]:
    out = pulumi.Output.from_input(output)
    value, secret = await asyncio.gather(out.future(), out.is_secret())
    return value, bool(secret)
