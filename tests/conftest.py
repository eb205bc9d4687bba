"""Shared fixtures: the offline plan of each stack (tests/plans.py), rendered once per session."""

from __future__ import annotations

import pytest

from tests.plans import STACKS, plan_of
from tools.plan import PlanResult


@pytest.fixture(params=STACKS)
def stack_plan(request) -> PlanResult:
    return plan_of(request.param)


@pytest.fixture
def prod() -> PlanResult:
    return plan_of("prod")


@pytest.fixture
def staging() -> PlanResult:
    return plan_of("staging")
