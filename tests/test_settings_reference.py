"""The README's settings table is the schema's: generated from it, and it covers every key the
stack files use."""

from __future__ import annotations

import re

from dashboards import PACK_OPTIONS
from settings.reference import BEGIN, END, settings_table
from tools.plan import ROOT, read_stack_config
from tools.settings_table import with_table


def readme_table() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme[readme.index(BEGIN) : readme.index(END) + len(END)]


def test_the_readme_table_is_generated_from_the_schema():
    assert readme_table() == settings_table(PACK_OPTIONS), "run: python -m tools.settings_table --write"


def documented_keys() -> set[str]:
    return set(re.findall(r"^\| `([^`]+)` \|", readme_table(), flags=re.M))


def used_keys(value, path=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from used_keys(child, (*path, key))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for child in value:
            yield from used_keys(child, (*path, "[i]"))
    else:
        yield path


def pattern_of(path) -> str:
    parts = []
    for i, step in enumerate(path):
        if i == 1 and path[0] == "receivers":
            step = "<name>"
        elif i == 2 and path[:2] == ("routing", "teams"):
            step = "<team>"
        if step == "[i]":
            parts[-1] += "[i]"
        else:
            parts.append(step)
    return ".".join(parts)


def test_every_key_of_the_stack_files_is_documented():
    documented = documented_keys()
    for stack in ("prod", "staging"):
        config = {
            k.split(":", 1)[1]: v
            for k, v in read_stack_config(stack).items()
            if k.startswith("observability:")
        }
        for path in used_keys(config):
            assert pattern_of(path) in documented, path


def test_the_writer_replaces_only_the_table():
    readme = (ROOT / "README.md").read_text()
    stale = readme.replace("| `postgres.port` | integer |", "| `postgres.port` | text |")
    assert stale != readme and with_table(stale) == readme
