"""Print, check or rewrite the README's settings table (generated from the settings schema).

python -m tools.settings_table            # print it
python -m tools.settings_table --write    # rewrite the table in README.md
"""

from __future__ import annotations

import argparse
import sys

from dashboards import PACK_OPTIONS
from settings.reference import BEGIN, END, settings_table
from tools.plan import ROOT

README = ROOT / "README.md"


def with_table(readme: str) -> str:
    """`readme` with its generated table replaced by the schema's."""
    start, end = readme.index(BEGIN), readme.index(END) + len(END)
    return readme[:start] + settings_table(PACK_OPTIONS) + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the table in README.md")
    args = parser.parse_args(argv)
    if args.write:
        README.write_text(with_table(README.read_text()))
    else:
        print(settings_table(PACK_OPTIONS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
