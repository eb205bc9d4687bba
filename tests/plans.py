"""The offline plan of each stack, rendered once per test session and shared by every test module."""

from __future__ import annotations

from tools.plan import PlanResult, list_stacks, render_plan

STACKS = tuple(list_stacks())

_cache: dict[str, PlanResult] = {}


def plan_of(stack: str) -> PlanResult:
    if stack not in _cache:
        _cache[stack] = render_plan(stack)
    return _cache[stack]
