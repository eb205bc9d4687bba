"""`python -m tools.lint --rules [--markdown]`: the lint's rules, what each checks and why."""

from __future__ import annotations

import argparse
import sys

from tools.lint import RULES, markdown_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", action="store_true", required=True, help="list every rule")
    parser.add_argument("--markdown", action="store_true", help="as the Markdown table of docs/lint.md")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown_table())
        return 0
    for r in sorted(RULES.values(), key=lambda r: (r.concern, r.id)):
        print(f"{r.id}  ({r.concern})\n    checks: {r.checks}\n    why:    {r.why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
