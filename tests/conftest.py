"""Shared fixtures: the offline plan of each stack, rendered once per test session."""

from __future__ import annotations

import pytest

from tools.plan import PlanResult, list_stacks, render_plan

STACKS = tuple(list_stacks())

_cache: dict[str, PlanResult] = {}


def plan_of(stack: str) -> PlanResult:
    if stack not in _cache:
        _cache[stack] = render_plan(stack)
    return _cache[stack]


@pytest.fixture(params=STACKS)
def stack_plan(request) -> PlanResult:
    return plan_of(request.param)


@pytest.fixture
def prod() -> PlanResult:
    return plan_of("prod")


@pytest.fixture
def staging() -> PlanResult:
    return plan_of("staging")
