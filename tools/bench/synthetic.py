"""Synthetic content for the scaling benchmark: every registered pack built `copies` times.

Copy 0 is the real pack; copy i > 0 has its own team, folder, dashboard uids and titles, rule
names, message templates and Loki derived fields, so nothing collides and the plan grows by whole
teams. Its routes keep the real team's name: the stack file maps receiver roles for real teams.
The builders are handed to the program (`tools.plan.run(..., packs=...)`); nothing of the program
is patched.

    python -m tools.bench.synthetic --copies 10 --stack prod --out DIR    # one scaled plan
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from pathlib import Path

from dashboards import PACKS
from model.pack import Dashboard, Pack, PackContext
from tools.plan import exit_as_process, run

PackBuilder = Callable[[PackContext], Pack]


def _copy(build: PackBuilder, i: int) -> PackBuilder:
    def cloned(ctx: PackContext) -> Pack:
        pack = build(ctx)
        if i == 0:
            return pack
        sfx = f"-b{i}"
        uids = {d.uid: f"{d.uid}{sfx}" for d in pack.dashboards}
        boards = tuple(
            Dashboard(
                uid=uids[d.uid],
                title=f"{d.title} {i}",
                model={**d.model, "uid": uids[d.uid], "title": f"{d.title} {i}"},
            )
            for d in pack.dashboards
        )
        alerts = tuple(
            dataclasses.replace(
                a,
                name=f"{a.name}_b{i}",
                title=f"{a.title} {i}",
                dashboard_uid=uids.get(a.dashboard_uid, a.dashboard_uid),
            )
            for a in pack.alerts
        )
        return dataclasses.replace(
            pack,
            team=f"{pack.team}{sfx}",
            folder_uid=f"{pack.folder_uid}{sfx}",
            folder_title=f"{pack.folder_title} {i}",
            dashboards=boards,
            alerts=alerts,
            routes=pack.routes,  # their team as is: the stack file maps receiver roles for the real teams
            message_templates={f"{k}{sfx}": v for k, v in pack.message_templates.items()},
            loki_derived_fields=tuple(
                dataclasses.replace(f, name=f"{f.name}{sfx}") for f in pack.loki_derived_fields
            ),
        )

    return cloned


def cloned_packs(copies: int) -> tuple[PackBuilder, ...]:
    return tuple(_copy(build, i) for i in range(copies) for build in PACKS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the offline plan with every pack built N times")
    parser.add_argument("--copies", type=int, required=True)
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    return run(args.stack, Path(args.out), packs=cloned_packs(args.copies))


if __name__ == "__main__":
    exit_as_process(main)
