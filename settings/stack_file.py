"""Stack files (`Pulumi.<stack>.yaml`) read strictly: plain data or one readable error with its line.

libyaml's safe loader, with what YAML allows but a stack file must not hold refused, each as a
`StackFileError` naming the file and line: duplicate keys (a reviewer reads the first, YAML keeps
the last), aliases that expand beyond `MAX_NODES` (counted on the composed graph before anything is
built, so an alias bomb is refused in milliseconds), tags other than the core ones (`!!python/...`
is never constructed), dates, binary, sets, non-text keys, tabs, several documents, an empty file,
and a document that is not a mapping with a `config:` mapping.

Scalars are resolved as the Pulumi CLI's YAML library resolves them (`tests/test_settings_cli.py`
compares them with the pinned CLI's `pulumi config get --json`): only true/false are booleans
(`yes`, `on` stay text), `02:00` is text and not a base-60 number, `1_000` and `0b101` are numbers;
`.inf` and `.nan` are refused (the CLI cannot hand them over), and so are dates (the CLI turns
`2024-01-01` into `2024-01-01 00:00:00 +0000 UTC`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

MAX_NODES = 100_000  # a stack file holds a few hundred; an alias bomb billions
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StackFileError(Exception):
    """A stack file that is not plain, unambiguous data: `file:line: message`."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path, self.line = Path(path), line
        where = f"{Path(path).name}:{line}" if line else Path(path).name
        super().__init__(f"{where}: {message}")


class _Resolver(yaml.resolver.Resolver):
    pass


# YAML 1.2 core schema scalars (what Pulumi's Go YAML reads), instead of PyYAML's YAML 1.1 set.
_Resolver.yaml_implicit_resolvers = {}
for tag, pattern, first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"^<<$", "<"),
    ("tag:yaml.org,2002:timestamp", r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?$", "0123456789"),
):
    _Resolver.add_implicit_resolver(tag, re.compile(pattern), list(first))

_MERGE = "tag:yaml.org,2002:merge"
_ALLOWED_TAGS = {"tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}


# The C loader takes its resolver from the class: rebuild it on ours (same libyaml parser).
if _BASE_LOADER is not yaml.SafeLoader:

    class _Loader(yaml.cyaml.CParser, yaml.constructor.SafeConstructor, _Resolver):
        def __init__(self, stream):
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)

else:

    class _Loader(
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,  # type: ignore[no-redef]
        yaml.constructor.SafeConstructor,
        _Resolver,
    ):
        def __init__(self, stream):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _check_graph(node: yaml.Node, path: Path) -> None:
    """Refuse what YAML composes but a stack file must not be: expansion beyond MAX_NODES, cycles,
    tags outside the core schema, duplicate or non-text keys."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(n: yaml.Node) -> int:
        if id(n) in sizes:
            return sizes[id(n)]
        if id(n) in open_nodes:
            raise StackFileError(path, _line(n), "an alias refers to itself (a recursive structure)")
        if n.tag not in _ALLOWED_TAGS:
            what = n.tag.replace("tag:yaml.org,2002:", "!!")
            if n.tag == "tag:yaml.org,2002:timestamp":
                raise StackFileError(path, _line(n), f"{n.value!r} is read as a date; quote it if it is text")
            raise StackFileError(
                path, _line(n), f"the tag {what} is not allowed: a stack file holds plain data"
            )
        if n.tag == "tag:yaml.org,2002:float" and n.value.lower().lstrip("+-") in (".inf", ".nan"):
            raise StackFileError(path, _line(n), f"{n.value} is not a finite number")
        open_nodes.add(id(n))
        total = 1
        if isinstance(n, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key, value in n.value:
                if key.tag == _MERGE:
                    total += size(value)
                    continue
                if not isinstance(key, yaml.ScalarNode) or key.tag != "tag:yaml.org,2002:str":
                    raise StackFileError(path, _line(key), "a key must be text")
                if key.value in seen:
                    raise StackFileError(
                        path,
                        _line(key),
                        f"duplicate key {key.value!r} (first at line {seen[key.value]}); YAML would keep "
                        "only this one: merge the two",
                    )
                seen[key.value] = _line(key)
                total += 1 + size(value)
        elif isinstance(n, yaml.SequenceNode):
            total += sum(size(item) for item in n.value)
        if total > MAX_NODES:
            raise StackFileError(
                path, _line(n), f"expands to more than {MAX_NODES} values (aliases); refused"
            )
        open_nodes.discard(id(n))
        sizes[id(n)] = total
        return total

    size(node)


def load_yaml(path: Path) -> Any:
    """A YAML file as plain data (dict, list, str, int, float, bool, None); StackFileError otherwise."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise StackFileError(path, None, f"is not UTF-8 text ({err.reason})") from None
    except OSError as err:
        raise StackFileError(path, None, f"cannot be read ({err.strerror})") from None
    loader = _Loader(text)
    try:
        if not loader.check_node():
            raise StackFileError(path, None, "is empty")
        node = loader.get_node()
        if loader.check_node():
            raise StackFileError(path, _line(loader.get_node()), "holds more than one YAML document")
        if node is None:
            raise StackFileError(path, None, "is empty")
        _check_graph(node, path)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or "is not valid YAML"
        lines = text.splitlines()
        if mark and mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
            problem = "a tab is used for indentation or before a value; YAML indents with spaces"
        raise StackFileError(path, mark.line + 1 if mark else None, problem) from None
    except yaml.YAMLError as err:
        raise StackFileError(path, None, f"is not valid YAML ({err})") from None
    finally:
        loader.dispose()


def read_stack_file(path: Path) -> dict[str, Any]:
    """The `config:` mapping of a stack file."""
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise StackFileError(path, 1, f"must be a mapping with a `config:` key, not {_kind(data)}")
    config = data.get("config", {})
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise StackFileError(
            path, _key_line(path, "config"), f"`config:` must be a mapping, not {_kind(config)}"
        )
    return config


def _kind(value: Any) -> str:
    return {list: "a list", str: "text", int: "a number", float: "a number", bool: "true/false"}.get(
        type(value), "empty"
    )


def _key_line(path: Path, key: str) -> int | None:
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f"{key}:"):
            return i
    return None
