"""Settings against what the packs declare: receiver roles and the tables they read.

Packs name roles (`team-channel`, `team-pager`, the organisation's `oncall`), never an
environment's receivers; the stack maps roles to receivers in `routing.teams.<team>` and
`routing.roles`. Packs declare the tables their queries read; the read-only role is granted SELECT
on exactly those, and `postgres.tables` may only leave some out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import pulumi

from model.pack import Pack
from model.vocabulary import ORG_ROLES, TEAM_ROLES
from settings.models import Settings
from settings.problems import (
    Problem,
    SettingsError,
    did_you_mean,
    key_of,
    list_fix,
    rm_command,
    sorted_problems,
)


def bind_packs(settings: Settings, packs: Sequence[Pack]) -> Settings:
    """`settings` with the grants the packs need; SettingsError if a role or table does not fit."""
    problems = [*_role_problems(settings, packs), *_table_problems(settings, packs)]
    if problems:
        raise SettingsError(settings.stack, sorted_problems(problems))
    granted = granted_tables(settings, packs)
    return dataclasses.replace(settings, postgres=settings.postgres.model_copy(update={"tables": granted}))


def declared_tables(packs: Iterable[Pack]) -> tuple[str, ...]:
    return tuple(sorted({t for p in packs for t in p.tables}))


def granted_tables(settings: Settings, packs: Sequence[Pack]) -> tuple[str, ...]:
    restriction = settings.postgres.tables
    return tuple(t for t in declared_tables(packs) if restriction is None or t in restriction)


def _table_problems(settings: Settings, packs: Sequence[Pack]) -> list[Problem]:
    declared = declared_tables(packs)
    restriction = settings.postgres.tables or ()
    problems = []
    for i, table in enumerate(restriction):
        if table not in declared:
            problems.append(
                Problem(
                    key_of(["postgres", "tables", i]),
                    f"grants '{table}', which no pack reads (packs read: {', '.join(declared) or 'none'}); "
                    "this setting may only leave tables out",
                    list_fix(
                        settings.stack,
                        ["postgres", "tables"],
                        [t for t in restriction if t in declared] or list(declared),
                    ),
                )
            )
    if not problems and declared and not granted_tables(settings, packs):
        problems.append(
            Problem(
                key_of(["postgres", "tables"]),
                "leaves out every table the packs read; the role would be granted nothing to read",
                rm_command(settings.stack, ["postgres", "tables"]),
            )
        )
    left_out = [
        t for t in declared if settings.postgres.tables is not None and t not in settings.postgres.tables
    ]
    if left_out and not problems:
        readers = sorted({p.team for p in packs if set(p.tables) & set(left_out)})
        pulumi.log.warn(
            f"postgres.tables leaves out {', '.join(left_out)}: "
            f"the panels and alerts of {', '.join(readers)} reading it will fail"
        )
    return problems


def _role_problems(settings: Settings, packs: Sequence[Pack]) -> list[Problem]:
    routing = settings.routing
    stack = settings.stack
    problems = []
    teams_with_routes = {r.team for p in packs for r in p.routes}
    misspelt: set[str] = set()  # teams a misspelt key stands for: their roles are not also missing
    for team in sorted(set(routing.teams) - teams_with_routes):
        guess = did_you_mean(team, teams_with_routes)
        if guess and guess not in routing.teams:
            misspelt.add(guess)
        hint = (
            f"; did you mean {guess}?"
            if guess
            else f" (teams with routes: {', '.join(sorted(teams_with_routes))})"
        )
        problems.append(
            Problem(
                key_of(["routing", "teams", team]),
                f"is not a team with routes{hint}",
                rm_command(stack, ["routing", "teams", team]),
            )
        )
    used: dict[tuple[str, str], str] = {}  # (team or "", role) -> "team severity" that uses it
    for pack in packs:
        for route in pack.routes:
            for severity, roles in route.roles_by_severity.items():
                for role in roles:
                    scope = route.team if role in TEAM_ROLES else ""
                    used.setdefault((scope, role), f"team '{route.team}' ({severity})")
    if routing.send_all_to is None:
        for (scope, role), user in sorted(used.items()):
            if scope not in misspelt and not routing.receivers_of(scope or "-", role):
                path = ["routing", "teams", scope, role] if scope else ["routing", "roles", role]
                problems.append(
                    Problem(
                        key_of(path),
                        f"is missing: {user} routes to the role '{role}'; map it to this stack's receivers",
                        list_fix(stack, path, ["<receiver>"]),
                    )
                )
    for team, roles in routing.teams.items():
        if team not in teams_with_routes:
            continue
        for role, receivers in roles.model_dump(by_alias=True).items():
            if receivers and (team, role) not in used:
                problems.append(
                    Problem(
                        key_of(["routing", "teams", team, role]),
                        f"maps a role no route of team '{team}' uses",
                        rm_command(stack, ["routing", "teams", team, role]),
                    )
                )
    for role, receivers in routing.roles.model_dump(by_alias=True).items():
        if receivers and ("", role) not in used and role in ORG_ROLES:
            problems.append(
                Problem(
                    key_of(["routing", "roles", role]),
                    "maps a role no pack routes to",
                    rm_command(stack, ["routing", "roles", role]),
                )
            )
    return problems
