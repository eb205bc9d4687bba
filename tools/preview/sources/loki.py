"""Loki panels from a fixture: the demo day's JSON log lines, filtered by the panel's LogQL.

There is no Loki here, so the stages a log query is made of are applied to the fixture the way
Loki applies them: stream selector, line filters (`|=`, `!=`, `|~`, `!~`), `| json`, label
filters (`=`, `!=`, `=~`, `!~`, anchored like Prometheus matchers) and `| line_format`. Any other
stage is refused with an error on the panel rather than guessed. Pictures label these panels
"sample lines": they show what the query selects from the fixture, not a query result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from tools.preview.frames import LogLine, PanelData, Table

_STRING = r'"(?:[^"\\]|\\.)*"|`[^`]*`'
_SELECTOR = re.compile(r"\s*\{(?P<body>[^}]*)\}\s*")
_MATCHER = re.compile(rf"\s*(?P<name>[A-Za-z_]\w*)\s*(?P<op>=~|!~|!=|=)\s*(?P<value>{_STRING})\s*,?")
_LINE_FILTER = re.compile(rf"\s*(?P<op>\|=|!=|\|~|!~)\s*(?P<value>{_STRING})\s*")
_STAGE = re.compile(r"\s*\|\s*(?P<name>[A-Za-z_]\w*)")
_LABEL_FILTER = re.compile(rf"\s*(?P<name>[A-Za-z_]\w*)\s*(?P<op>=~|!~|!=|==|=)\s*(?P<value>{_STRING})\s*")
_TEMPLATE_FIELD = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")

Line = tuple[datetime, dict[str, str], str]  # (time, labels, line)
Stage = Callable[[dict[str, str], str], tuple[dict[str, str], str] | None]


class Unsupported(ValueError):
    """A LogQL stage the fixture cannot reproduce."""


def _unquote(token: str) -> str:
    if token.startswith("`"):
        return token[1:-1]
    return json.loads(token)


def _compare(op: str, value: str) -> Callable[[str], bool]:
    if op in ("=", "=="):
        return lambda v: v == value
    if op == "!=":
        return lambda v: v != value
    pattern = re.compile(value)
    if op == "=~":
        return lambda v: pattern.fullmatch(v) is not None
    return lambda v: pattern.fullmatch(v) is None


def _line_filter(op: str, value: str) -> Stage:
    if op == "|=":
        return lambda labels, line: (labels, line) if value in line else None
    if op == "!=":
        return lambda labels, line: (labels, line) if value not in line else None
    pattern = re.compile(value)
    if op == "|~":
        return lambda labels, line: (labels, line) if pattern.search(line) else None
    return lambda labels, line: (labels, line) if not pattern.search(line) else None


def _json(labels: dict[str, str], line: str) -> tuple[dict[str, str], str]:
    """`| json`: every field a label (nested keys joined by "_"); a clash keeps the stream label and
    adds `<name>_extracted`; a line that is not JSON gets `__error__`."""
    try:
        record = json.loads(line)
    except ValueError:
        return {**labels, "__error__": "JSONParserErr"}, line
    out = dict(labels)

    def add(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                add(f"{prefix}_{k}" if prefix else k, v)
            return
        key = re.sub(r"\W", "_", prefix)
        text = value if isinstance(value, str) else json.dumps(value)
        out[f"{key}_extracted" if key in labels else key] = text

    add("", record)
    return out, line


def _label_filter(name: str, op: str, value: str) -> Stage:
    test = _compare(op, value)
    return lambda labels, line: (labels, line) if test(labels.get(name, "")) else None


def _line_format(template: str) -> Stage:
    return lambda labels, line: (labels, _TEMPLATE_FIELD.sub(lambda m: labels.get(m.group(1), ""), template))


def _stream_matcher(name: str, test: Callable[[str], bool]) -> Callable[[Mapping[str, str]], bool]:
    return lambda labels: test(labels.get(name, ""))


def parse(query: str) -> tuple[list[Callable[[Mapping[str, str]], bool]], list[Stage]]:
    """(stream matchers, pipeline stages) of a log query; Unsupported for anything else."""
    selector = _SELECTOR.match(query)
    if not selector:
        raise Unsupported("only log queries starting with a stream selector are reproduced")
    matchers = []
    body = selector.group("body")
    pos = 0
    while pos < len(body.strip()):
        m = _MATCHER.match(body, pos)
        if not m:
            raise Unsupported(f"stream selector not reproduced: {{{body}}}")
        matchers.append(_stream_matcher(m.group("name"), _compare(m.group("op"), _unquote(m.group("value")))))
        pos = m.end()
    stages: list[Stage] = []
    pos = selector.end()
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        if m := _LINE_FILTER.match(query, pos):
            stages.append(_line_filter(m.group("op"), _unquote(m.group("value"))))
            pos = m.end()
            continue
        m = _STAGE.match(query, pos)
        if not m:
            raise Unsupported(f"LogQL not reproduced from the fixture at: {query[pos : pos + 40]}")
        name, pos = m.group("name"), m.end()
        if name == "json" and not re.match(r"\s*\w+\s*=", query[pos:]):
            stages.append(_json)
        elif name == "line_format":
            value = re.match(rf"\s*({_STRING})", query[pos:])
            if not value:
                raise Unsupported("line_format without a template")
            stages.append(_line_format(_unquote(value.group(1))))
            pos += value.end()
        elif f := _LABEL_FILTER.match(query, m.start() + query[m.start() :].index(name)):
            stages.append(_label_filter(f.group("name"), f.group("op"), _unquote(f.group("value"))))
            pos = f.end()
        else:
            raise Unsupported(f"LogQL stage `| {name}` is not reproduced from the fixture")
    return matchers, stages


def select(
    query: str, lines: Iterable[Line], start: datetime, end: datetime, limit: int, forward: bool
) -> list[LogLine]:
    matchers, stages = parse(query)
    selected = []
    for moment, labels, line in lines:
        if not (start <= moment <= end) or not all(test(labels) for test in matchers):
            continue
        state: tuple[dict[str, str], str] | None = (dict(labels), line)
        for stage in stages:
            state = stage(*state)
            if state is None:
                break
        if state is not None:
            selected.append(LogLine(moment.timestamp(), state[1], state[0]))
    selected.sort(key=lambda entry: entry.time, reverse=not forward)
    return selected[:limit]


def to_table(logs: list[LogLine]) -> Table:
    """The frame Grafana's Loki data source returns for a log query: labels, Time, Line."""
    return Table(["labels", "Time", "Line"], [[entry.labels, entry.time, entry.line] for entry in logs])


class LokiSource:
    def __init__(self, lines: list[Line], max_lines: int = 1000) -> None:
        self.lines = lines
        self.max_lines = max_lines

    def query(self, expr: str, target: Mapping[str, Any], start: datetime, end: datetime) -> PanelData:
        limit = int(target.get("maxLines") or self.max_lines)
        try:
            logs = select(expr, self.lines, start, end, limit, target.get("direction") == "forward")
        except (Unsupported, re.error) as err:
            return PanelData(errors=[str(err)], sample=True)
        return PanelData(logs=logs, tables=[to_table(logs)] if logs else [], sample=True)
