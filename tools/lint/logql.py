"""LogQL rules. No maintained LogQL parser is published on PyPI, so this is a tokenizer that
understands strings, selectors and stages; Grafana's own grammar (@grafana/lezer-logql) judges
the same queries in tools/grafana_checks."""

from __future__ import annotations

import re

from tools.lint.registry import rule

LOGQL_SYNTAX = rule(
    "logql-syntax",
    "logql",
    "LogQL has a stream selector with a label matcher and balanced quotes and brackets",
    "Loki refuses a query without a stream selector; an unbalanced one does not parse",
)
LOGQL_FILTER_ORDER = rule(
    "logql-filter-order",
    "logql",
    "each parser (`| json`, `| logfmt`, `| regexp`, `| pattern`, `| unpack`) comes after at least "
    "one line filter (`|=`, `!=`, `|~`, `!~`), and no line filter follows a parser (unless a "
    "`| line_format` rewrote the line in between)",
    "line filters are cheap and cut the lines a parser must read; Loki's own advice",
)

LOGQL_PARSERS = frozenset({"json", "logfmt", "regexp", "pattern", "unpack"})

_LOGQL_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|`[^`]*`|\|=|\|~|\|>|!=|!~|!>|=~|==|>=|<=|[|{}()\[\],=<>]|[A-Za-z_][\w.]*|\S'
)


def _tokens(query: str) -> list[str] | None:
    """LogQL tokens; None if a quote is not closed."""
    tokens = _LOGQL_TOKEN.findall(query)
    if any(t[0] in '"`' and (len(t) < 2 or t[-1] != t[0]) for t in tokens):
        return None
    return tokens


def lint_logql(query: str) -> list[tuple[str, str]]:
    tokens = _tokens(query)
    if tokens is None:
        return [(LOGQL_SYNTAX, "a string is not closed")]
    depth = {"(": 0, "{": 0, "[": 0}
    closing = {")": "(", "}": "{", "]": "["}
    for t in tokens:
        if t in depth:
            depth[t] += 1
        elif t in closing:
            depth[closing[t]] -= 1
            if depth[closing[t]] < 0:
                return [(LOGQL_SYNTAX, f"unbalanced '{t}'")]
    if any(depth.values()):
        return [(LOGQL_SYNTAX, "unbalanced brackets")]
    if "{" not in tokens:
        return [(LOGQL_SYNTAX, "no stream selector {...}")]
    problems: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        if tokens[i] != "{":
            i += 1
            continue
        close = tokens.index("}", i)
        if not any(t.startswith(("'", '"', "`")) for t in tokens[i:close]):
            problems.append((LOGQL_SYNTAX, "stream selector without a label matcher"))
        i = _pipeline(tokens, close + 1, problems)
    return problems


def _pipeline(tokens: list[str], i: int, problems: list[tuple[str, str]]) -> int:
    """Check one log pipeline starting after a stream selector; return where it ends."""
    line_filters = 0
    parser: str | None = None
    stage_start = True  # the next token starts a stage
    while i < len(tokens):
        t = tokens[i]
        if t in ("[", ")"):  # range of a metric query, or the end of the enclosing call
            break
        if t in ("|=", "|~", "|>", "!>") or (t in ("!=", "!~") and stage_start):
            if parser:
                problems.append((LOGQL_FILTER_ORDER, f"line filter {t} after the parser | {parser}"))
            line_filters += 1
            i += 1
            while i < len(tokens) and tokens[i] not in ("|", "|=", "|~", "!=", "!~", "|>", "!>", "[", ")"):
                i += 1  # the filter's value(s): strings, `or`, ip("...")
            stage_start = True
            continue
        if t == "|":
            stage = tokens[i + 1] if i + 1 < len(tokens) else ""
            if stage in LOGQL_PARSERS:
                if not line_filters and not parser:
                    problems.append(
                        (
                            LOGQL_FILTER_ORDER,
                            f"| {stage} parses every line: put a line filter "
                            '(|= "..." or |~ `...`) before it',
                        )
                    )
                parser = parser or stage
            elif stage == "line_format":
                parser, line_filters = None, 1  # a new line: filters on it are fine
            stage_start = False
            i += 2
            continue
        stage_start = False
        i += 1
    return i
