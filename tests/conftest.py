"""Shared fixtures: the offline plan of each stack (tests/plans.py), rendered once per session, and
the pinned Pulumi CLI (tools/toolchain) for the tests that run the real engine."""

from __future__ import annotations

import pytest

from tests.plans import STACKS, plan_of
from tools.plan import PlanResult
from tools.toolchain import Toolchain, ToolchainMissing, pulumi_toolchain


@pytest.fixture(params=STACKS)
def stack_plan(request) -> PlanResult:
    return plan_of(request.param)


@pytest.fixture
def prod() -> PlanResult:
    return plan_of("prod")


@pytest.fixture
def staging() -> PlanResult:
    return plan_of("staging")


@pytest.fixture(scope="session")
def toolchain() -> Toolchain:
    try:
        return pulumi_toolchain()
    except ToolchainMissing as missing:
        pytest.fail(str(missing))
