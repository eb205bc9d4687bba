"""`python -m tools.grafana_checks --stack prod`: the offline plan checked against Grafana's artifacts."""

from __future__ import annotations

import argparse
import sys

from tools.grafana_checks import ChecksUnavailable, check_plan


def main(argv: list[str] | None = None) -> int:
    from tools.plan import list_stacks, render_plan

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", action="append", help="stack(s) to check (default: every stack)")
    args = parser.parse_args(argv)
    stacks = [s for item in args.stack or [] for s in item.replace(",", " ").split()] or list_stacks()
    failed = False
    for stack in stacks:
        try:
            report = check_plan(render_plan(stack))
        except ChecksUnavailable as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(f"Grafana's own artifacts, stack '{stack}':")
        print(report.summary())
        for finding in report.findings:
            print(f"  {finding}")
        failed = failed or bool(report.findings)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
