"""The offline plan's adapter to Pulumi's runtime internals (tools/mock_engine.py).

Every private name the adapter relies on is checked by name, and a small program is driven through
it end to end, so a Pulumi upgrade that moves or changes one of them fails here, saying which,
instead of somewhere inside a plan.
"""

from __future__ import annotations

import importlib
import logging
from importlib import metadata

import pulumi
import pulumi_random
import pytest

from tools import mock_engine

# (module, attribute) of everything private the adapter touches.
PRIVATE_RUNTIME = [
    ("pulumi.runtime.mocks", "MockMonitor"),
    ("pulumi.runtime.mocks", "_ensure_event_loop"),
    ("pulumi.runtime.mocks", "set_mocks"),
    ("pulumi.runtime.rpc", "deserialize_properties"),
    ("pulumi.runtime.rpc", "is_rpc_secret"),
    ("pulumi.runtime.settings", "ROOT"),
    ("pulumi.runtime.settings", "SETTINGS"),
    ("pulumi.runtime.settings", "get_root_resource"),
    ("pulumi.runtime.stack", "run_pulumi_func"),
    ("pulumi.runtime.sync_await", "_sync_await"),
]


@pytest.mark.parametrize(("module", "name"), PRIVATE_RUNTIME, ids=[f"{m}.{n}" for m, n in PRIVATE_RUNTIME])
def test_private_runtime_names_exist(module, name):
    assert hasattr(importlib.import_module(module), name), (
        f"pulumi {metadata.version('pulumi')} has no {module}.{name}: adapt tools/mock_engine.py to it"
    )


def test_settings_still_hold_what_a_fresh_run_clears():
    from pulumi.runtime import settings

    for field in ("rpc_manager", "outputs"):
        assert hasattr(getattr(settings.SETTINGS, field), "clear"), f"SETTINGS.{field} has no clear()"


def _program():
    password = pulumi_random.RandomPassword("pw", length=12)
    child = pulumi_random.RandomPet(
        "pet",
        prefix=pulumi.Output.secret("hidden"),
        opts=pulumi.ResourceOptions(protect=True, depends_on=[password]),
    )
    pulumi.export("plain", "visible")
    pulumi.export("secret", pulumi.Output.secret("s3cret"))
    pulumi.export("pet", child.prefix)


def _run(registered: list[mock_engine.Registration]):
    return mock_engine.run_on_mocks(
        _program,
        project="adapter-test",
        stack="dev",
        config={"adapter-test:key": "value"},
        secret_keys=[],
        logger=logging.getLogger("adapter-test"),
        on_register=registered.append,
        new_resource=lambda type_, name, inputs: (
            {**inputs, "result": "generated"} if "Password" in type_ else inputs
        ),
    )


def test_a_program_runs_through_the_adapter_with_what_the_engine_receives():
    registered: list[mock_engine.Registration] = []
    outputs = _run(registered)

    by_name = {r.name: r for r in registered}
    assert set(by_name) == {"pw", "pet"}, "the stack itself is never reported"
    assert by_name["pw"].type == "random:index/randomPassword:RandomPassword"
    assert by_name["pw"].inputs["length"] == 12
    assert by_name["pet"].protect and not by_name["pw"].protect
    assert by_name["pet"].parent_urn.endswith("pulumi:pulumi:Stack::adapter-test-dev")
    assert [u.rsplit("::", 1)[-1] for u in by_name["pet"].dependencies] == ["pw"]
    assert by_name["pw"].dependencies == ()
    assert mock_engine.is_secret(by_name["pet"].inputs["prefix"]), "the secret mark reaches the monitor"
    assert not mock_engine.is_secret(by_name["pw"].inputs["length"])
    assert outputs["plain"] == ("visible", False)
    assert outputs["secret"] == ("s3cret", True)
    assert outputs["pet"] == ("hidden", True)


def test_each_run_starts_from_a_fresh_root_stack():
    first: list[mock_engine.Registration] = []
    second: list[mock_engine.Registration] = []
    _run(first)
    assert len(_run(second)) == 3
    assert [r.name for r in second] == [r.name for r in first], (
        "nothing of the first run leaks into the second"
    )


def test_an_exception_while_registering_fails_the_run():
    def refuse(_registration):
        raise ValueError("refused")

    with pytest.raises(Exception, match="refused"):
        mock_engine.run_on_mocks(
            _program,
            project="adapter-test",
            stack="dev",
            config={},
            secret_keys=[],
            logger=logging.getLogger("adapter-test"),
            on_register=refuse,
            new_resource=lambda type_, name, inputs: inputs,
        )
