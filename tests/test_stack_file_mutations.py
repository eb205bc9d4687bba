"""Property: every small mistake in a real stack file is refused by `make plan`, naming the key.

Mutations of both real stack files, one per example: a key renamed by one edit, a value of the
wrong type, a value just outside its range, a key duplicated. Each must exit 2 with one message
(one mistake, no cascade) that names the key, write nothing under the output root, and never show
a traceback. The plan's main()
runs in-process (the same code path as `make plan`). 500 examples per run (no deadline).
"""

from __future__ import annotations

import string
import tempfile
from collections.abc import Iterator
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from model.durations import parse_duration
from settings.problems import key_of
from tests.helpers import run_plan_on
from tools.plan import ROOT

NS = "observability:"
STACKS = ("staging", "prod")
KEY_CHARS = string.ascii_letters + string.digits + "_-"

# Values just outside each bounded setting's range (by the setting's own name).
JUST_OUTSIDE: dict[str, tuple[Any, ...]] = {
    "port": (0, 65536),
    "orgId": (0, 2),  # 2: above 1 needs basic auth, and these stacks use a token
    "connectionLimit": (0, 101),
    "maxOpenConnections": (0, 101, 11),  # 11: above connectionLimit (10)
    "version": (13, 19),
    "maxLines": (0, 100001),
    "statementTimeout": ("0s", "24d20h31m24s"),  # PostgreSQL's int milliseconds end at 24d20h31m23s
    "timeout": ("0s", "1h1s"),
    "scrapeInterval": ("0s", "1h1s"),
    "groupWait": ("0s", "1y1s"),
    "groupInterval": ("0s", "1y1s"),
    "repeatInterval": ("0s", "1y1s"),
    "start": ("24:01", "-01:00"),
    "end": ("24:01", "00:00"),
}


def config_of(stack: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]


def nodes(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, value) of every node under the observability:* keys."""
    if isinstance(value, dict):
        for key, child in value.items():
            if path or str(key).startswith(NS):
                yield (*path, key), child
                yield from nodes(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield (*path, i), child
            yield from nodes(child, (*path, i))


def dotted(path: tuple) -> str:
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return text[1:]


def one_edit(word: str, data: st.DataObject) -> str:
    """`word` changed by one insertion, deletion, substitution or transposition."""
    i = data.draw(st.integers(0, len(word) - 1), label="at")
    char = data.draw(st.sampled_from(KEY_CHARS), label="char")
    kind = data.draw(st.sampled_from(["insert", "delete", "replace", "swap"]), label="edit")
    if kind == "insert":
        return word[:i] + char + word[i:]
    if kind == "delete" and len(word) > 1:
        return word[:i] + word[i + 1 :]
    if kind == "swap" and i + 1 < len(word) and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + char + word[i + 1 :]


def parent_of(config: dict, path: tuple) -> Any:
    here: Any = config
    for step in path[:-1]:
        here = here[step]
    return here


def renamed(stack: str, data: st.DataObject) -> tuple[str, tuple[str, ...]]:
    config = config_of(stack)
    keys = [(p, v) for p, v in nodes(config) if isinstance(p[-1], str)]
    path, _ = data.draw(st.sampled_from(keys), label="key")
    parent = parent_of(config, path)
    old = path[-1]
    stem = old[len(NS) :] if len(path) == 1 else old
    new_stem = one_edit(stem, data)
    new = NS + new_stem if len(path) == 1 else new_stem
    if new == old or new in parent:
        new = old + "x"
    parent[new] = parent.pop(old)
    new_key = key_of([new_stem] if len(path) == 1 else [path[0][len(NS) :], *path[1:-1], new])
    # Named: the renamed key itself, or (a receiver or team renamed) the old name where it is used.
    return dump(config), (new_key, f"'{old}'", f"{NS}{dotted((path[0][len(NS) :], *path[1:]))}")


def wrong_type(stack: str, data: st.DataObject) -> tuple[str, tuple[str, ...]]:
    config = config_of(stack)
    candidates = [(p, v) for p, v in nodes(config) if v is not None]
    path, value = data.draw(st.sampled_from(candidates), label="node")
    others = [
        v
        for v in (True, 7, "text", ["a"], {"a": 1})
        if type(v) is not type(value) and not (isinstance(value, str) and isinstance(v, str))
    ]
    parent_of(config, path)[path[-1]] = data.draw(st.sampled_from(others), label="value")
    return dump(config), _named(path)


def outside_range(stack: str, data: st.DataObject) -> tuple[str, tuple[str, ...]]:
    config = config_of(stack)
    candidates = [(p, v) for p, v in nodes(config) if isinstance(p[-1], str) and p[-1] in JUST_OUTSIDE]
    path, _ = data.draw(st.sampled_from(candidates), label="node")
    parent_of(config, path)[path[-1]] = data.draw(st.sampled_from(JUST_OUTSIDE[path[-1]]), label="value")
    expected = _named(path)
    if path[-1] in ("start", "end"):  # an end before start is reported at end
        expected = (*expected, expected[0].rsplit(".", 1)[0] + ".end")
    return dump(config), expected


def duplicated(stack: str, data: st.DataObject) -> tuple[str, tuple[str, ...]]:
    lines = (ROOT / f"Pulumi.{stack}.yaml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {NS}"))
    keyed = [
        i
        for i, line in enumerate(lines)
        if i >= start and ":" in line and not line.lstrip().startswith(("#", "-")) and line.startswith("  ")
    ]
    i = data.draw(st.sampled_from(keyed), label="line")
    key = lines[i].strip().split(":")[0] if not lines[i].strip().startswith(NS) else lines[i].strip()[:-1]
    lines.insert(i + 1, lines[i])
    return "\n".join(lines) + "\n", (f"duplicate key '{key.split(': ')[0].rstrip(':')}'", f":{i + 2}:")


def _named(path: tuple) -> tuple[str, ...]:
    return (key_of([path[0][len(NS) :], *path[1:]]),)


def dump(config: dict) -> str:
    return yaml.safe_dump({"config": config}, sort_keys=False, allow_unicode=True)


MUTATIONS = {"rename": renamed, "type": wrong_type, "range": outside_range, "duplicate": duplicated}


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stack=st.sampled_from(STACKS), kind=st.sampled_from(sorted(MUTATIONS)), data=st.data())
def test_every_small_mistake_is_refused_naming_its_key(stack, kind, data):
    text, names = MUTATIONS[kind](stack, data)
    event(f"{stack} {kind}")
    with tempfile.TemporaryDirectory() as work:
        status, out, err, written = run_plan_on(stack, text, work)
    assert status == 2, f"{kind}: exit {status}\n{err}\n{text}"
    assert "Traceback" not in out + err
    assert not written
    if kind == "duplicate":
        assert all(n in err for n in names), err
        assert err.count("\n") == 1, err  # one line: file, line and what is wrong
    else:
        assert any(n in err for n in names), f"{kind}: none of {names} in\n{err}"
        assert err.count("\n  - ") == 1, f"{kind}: one mistake, one message\n{err}"


def is_duration(value: Any) -> bool:
    try:
        parse_duration(value)
    except (TypeError, ValueError):
        return False
    return True


def test_every_bounded_setting_of_the_stack_files_has_its_outside_values():
    """The range mutations reach every number and duration the stack files set."""
    for stack in STACKS:
        for path, value in nodes(config_of(stack)):
            number = isinstance(value, int) and not isinstance(value, bool)
            if (number or isinstance(value, str) and is_duration(value)) and isinstance(path[-1], str):
                assert path[-1] in JUST_OUTSIDE, path
