"""A settings problem, the error that carries them all, and fixes that work as printed.

Every problem names its key as `observability:<dotted.key>` (list items as `[i]`) and gives a fix
a user can paste: `pulumi config set --path ...` for a value, an indexed `...[0]` command for a
list item (`--path` with `'["a"]'` would store a string), `pulumi config rm` for a key that must
go, or the edit to make in the stack file. A value that looks like a secret is never echoed.
"""

from __future__ import annotations

import difflib
import json
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

NAMESPACE = "observability"
_PLAIN_SEGMENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")
_SECRET_LOOKS = (
    re.compile(r"^[0-9a-fA-F]{32}$"),  # a PagerDuty integration (routing) key
    re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://"),  # a URL: webhooks carry their secret in it
    re.compile(r"^(xox[abposr]|xapp)-"),  # Slack tokens
    re.compile(r"^(glsa|glc|ghp|gho|github_pat|sk|AKIA)[_-]?[A-Za-z0-9]"),  # Grafana, GitHub, AWS, API keys
    re.compile(r"^eyJ[A-Za-z0-9_-]{10,}"),  # a JWT
    re.compile(r"^[A-Za-z0-9_+/=-]{24,}$"),  # any long unbroken token
)


def looks_like_secret(value: Any) -> bool:
    """A value that is probably a pasted credential: it is refused where a key name is expected,
    and never printed."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if any(p.search(text) for p in _SECRET_LOOKS[:5]):
        return True
    return (
        bool(_SECRET_LOOKS[5].match(text))
        and any(c.isdigit() for c in text)
        and any(c.isalpha() for c in text)
    )


def shown(value: Any) -> str:
    """How a given value appears in a message: short, escaped, and never a secret."""
    if looks_like_secret(value):
        return "a value that looks like a secret (not shown)"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Problem:
    key: str  # full config key, e.g. "observability:postgres.sslmode"
    message: str
    fix: str  # the command (or edit) that fixes it
    renames_to: str | None = None  # a misspelt key's "did you mean": that key is not also "missing"


def without_cascades(problems: list[Problem]) -> list[Problem]:
    """Drop "is missing"/"is required" for a key that a misspelt key's rename provides."""
    renamed = {p.renames_to for p in problems if p.renames_to}
    return [
        p for p in problems if not (p.key in renamed and p.message.startswith(("is missing", "is required")))
    ]


class SettingsError(pulumi.RunError):
    """Every problem found in a stack's configuration, reported at once.

    A `pulumi.RunError`: under the Pulumi CLI the user sees this message, not a stack trace.
    """

    def __init__(self, stack: str, problems: Sequence[Problem]):
        self.stack = stack
        self.problems = list(problems)
        lines = [f"stack '{stack}': {len(self.problems)} configuration problem(s); nothing was changed."]
        for p in self.problems:
            lines.append(f"  - {p.key}: {p.message}\n      fix: {p.fix}")
        super().__init__("\n".join(lines))


def segment(part: str | int) -> str:
    """One step of a Pulumi property path: `.name`, `[0]` or `["odd.name"]`."""
    if isinstance(part, int):
        return f"[{part}]"
    if looks_like_secret(part):
        return '["<not shown>"]'
    return f".{part}" if _PLAIN_SEGMENT.match(part) else f"[{json.dumps(part)}]"


def dotted(path: Sequence[str | int]) -> str:
    """("postgres", "tables", 0) -> "postgres.tables[0]"."""
    text = "".join(segment(p) for p in path)
    return text[1:] if text.startswith(".") else text


def key_of(path: Sequence[str | int]) -> str:
    return f"{NAMESPACE}:{dotted(path)}"


def _quoted_key(path: Sequence[str | int]) -> str:
    key = key_of(path)
    return f"'{key}'" if "'" not in key else shlex.quote(key)


def is_placeholder(value: Any) -> bool:
    """`<admin-password>`: what the user must supply, not a value to print into a command."""
    return isinstance(value, str) and value.startswith("<") and value.endswith(">")


def _asks_for(examples: Sequence[Any]) -> str:
    """The words before a command that leaves placeholders out: the CLI asks for each value."""
    wanted = [str(e) for e in examples if is_placeholder(e)]
    return f"enter {' then '.join(wanted)} when asked: " if wanted else ""


def _set(stack: str, path: Sequence[str | int], example: Any, secret: bool = False) -> str:
    flags = ["--secret"] if secret else []
    if len(path) > 1:
        flags.append("--path")
    value: str | None
    if isinstance(example, bool):
        value = json.dumps(example)
    elif isinstance(example, int):
        value = str(example)
    elif is_placeholder(example):
        value = None  # `pulumi config set` without a value asks for it (no echo for --secret)
    else:
        value = str(example)
        # With --path, "true"/"false" and integers become typed values: keep text as text.
        if len(path) > 1 and (value in ("true", "false") or re.fullmatch(r"-?\d+", value)):
            flags.append("--type string")
        value = shlex.quote(value)
    words = ["pulumi config set", *flags, _quoted_key(path), *([value] if value is not None else [])]
    return " ".join([*words, "--stack", stack])


def set_command(stack: str, path: Sequence[str | int], example: Any, secret: bool = False) -> str:
    """`pulumi config set` for one value; `--path` inside a section; typed as YAML reads it.

    A placeholder is never printed as the value: pasted into a shell, `<admin-password>` is two
    redirections. The command leaves the value out, so the CLI asks for it (without echo for a
    secret, which then stays out of the shell's history too), and the fix says what to enter.
    """
    return _asks_for([example]) + _set(stack, path, example, secret)


def list_fix(stack: str, path: Sequence[str | int], examples: Sequence[Any]) -> str:
    """A list setting: replace it item by item (indexed --path commands work; a JSON string does not)."""
    rm = f"pulumi config rm --path {_quoted_key(path)} --stack {stack}"
    sets = [_set(stack, [*path, i], e) for i, e in enumerate(examples)]
    inline = ", ".join(str(e) for e in examples)
    return (
        f"edit the YAML list in Pulumi.{stack}.yaml ({path[-1]}: [{inline}]), or: "
        + _asks_for(examples)
        + " && ".join([rm, *sets])
    )


def rm_command(stack: str, path: Sequence[str | int]) -> str:
    flag = "--path " if len(path) > 1 else ""
    return f"pulumi config rm {flag}{_quoted_key(path)} --stack {stack}"


def did_you_mean(word: str, known: Iterable[str]) -> str | None:
    """The closest known key, compared without case: `categoryReceiver` -> `categoryReceivers`."""
    known = list(known)
    lowered = {k.lower(): k for k in known}
    match = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Unique problems in a stable order (by key, then message)."""
    return sorted(set(problems), key=lambda p: (p.key, p.message))
