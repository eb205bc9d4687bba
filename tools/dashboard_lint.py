"""Dashboard and alert-query lint, in the spirit of grafana/dashboard-linter.

Runs over plain dashboard models (Grafana JSON) and alert queries; no engine, no Grafana.
A finding is (dashboard uid, panel, rule, message). The only way to silence one is an entry
in `lint-exclusions.yaml` with a reason; an entry that silences nothing is itself a finding.

Rules (ids as they appear in findings and exclusions):

- `uid-length`: the dashboard has a uid of at most 40 characters (Grafana's limit).
- `panel-title`, `panel-description`: every panel, rows included for the title, has a non-empty
  title; every non-row panel has a description.
- `panel-unit`: every panel that shows numbers has a unit from `VALID_UNITS` (or a custom
  `suffix:`/`prefix:`/`si:`/`count:`/`currency:`/`time:` unit). Types in `UNITLESS_TYPES`
  (rows, text, logs, tables, traces, ...) show text or many columns and need none, but a unit
  they do set must still be valid.
- `panel-targets`: every non-row panel except `NO_QUERY_TYPES` (text, news, ...) has targets.
- `datasource-uid`: the panel's, each target's and each query variable's data source uid is one
  the stack provisions (a `$variable` naming a data source variable is accepted).
- `promql-parse`: PromQL parses with promql_parser once Grafana variables are substituted.
- `promql-rate-interval`: in dashboards, `rate`/`irate`/`increase` take `[$__rate_interval]`.
- `promql-counter`: a `*_total` counter appears only inside `rate`/`irate`/`increase`.
- `logql-syntax`: LogQL has a stream selector and balanced quotes/brackets.
- `logql-filter-order`: each parser (`| json`, `| logfmt`, `| regexp`, `| pattern`, `| unpack`)
  comes after at least one line filter (`|=`, `!=`, `|~`, `!~`), and no line filter follows a
  parser (unless a `| line_format` rewrote the line in between). No maintained LogQL parser is
  published on PyPI, so this is a tokenizer that understands strings, selectors and stages.
- `sql-time-macro`: SQL uses a Grafana time macro ($__timeFilter, $__timeFrom(), ...).
- `sql-now-interval`: no `NOW() - INTERVAL ...` (or CURRENT_TIMESTAMP/CURRENT_DATE) window;
  it ignores the time picker's range.
- `variable-undefined`: every `$var`, `${var}`, `${var:fmt}`, `[[var]]` in queries, titles,
  repeats, data source uids and links is a templating variable or a Grafana built-in.
- `variable-unused`: every templating variable (except ad hoc filters, applied implicitly) is
  used by a query, title, repeat, data source, link or another variable's query.
- `variable-all-value`: a variable with "Include All" has a custom all value (e.g. `.*`). Without
  one Grafana sends All as the list of every option: at 36k options, a 0.9 MB `IN` list in every
  SQL query and a 36k-way alternation in every PromQL/LogQL matcher.
- `panel-id-unique`: panel ids are unique across the dashboard, panels nested in rows included.
- `grid-position`: every panel has a gridPos inside the 24-column grid.
- `grid-overlap`: no two panels overlap (top level; and among a collapsed row's own panels).
- `exclusion-invalid`, `exclusion-stale`: an exclusion lacks a key or reason / matches nothing.

Alert queries get the query rules with `dashboard` = "alert:<rule uid>" (no rate-interval rule:
alert queries have no `$__rate_interval`).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import promql_parser

from model.datasources import kind_of_plugin
from model.panels import panels
from tools.plan import ROOT, load_yaml

EXCLUSIONS = ROOT / "lint-exclusions.yaml"
MAX_UID = 40
GRID_COLUMNS = 24


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Grafana unit ids (public/app/core/utils: getValueFormats), the ones a dashboard may mean.
VALID_UNITS = _words(
    """
    none short percent percentunit humidity dB hex0x hex sci locale pixel
    s ms µs us ns m h d dtdurationms dtdurations dthms dtdhms timeticks clockms clocks
    hertz rpm
    bits bytes kbytes mbytes gbytes tbytes pbytes
    decbits decbytes deckbytes decmbytes decgbytes dectbytes decpbytes
    bps Bps binbps binBps Kbits KBs Mbits MBs Gbits GBs Tbits TBs Pbits PBs
    pps kbps mbps gbps tbps pbps
    reqps rps wps rrps rwps iops opm ops cps mps wpm reqpm reqph readps writeps
    celsius fahrenheit kelvin
    volt mvolt kvolt amp mamp kamp watt kwatt mwatt kwatth watth joule ev
    currencyUSD currencyEUR currencyGBP
    dateTimeAsIso dateTimeAsIsoNoDateIfToday dateTimeAsUS dateTimeAsUSNoDateIfToday dateTimeAsLocal
    dateTimeFromNow dateTimeAsSystem
    bool bool_yes_no bool_on_off
    lengthm lengthmm lengthkm lengthmi massg masskg
    string
    """
)
CUSTOM_UNIT_PREFIXES = ("suffix:", "prefix:", "si:", "count:", "currency:", "time:")
# Panel types that show text, log lines or many columns: a unit is optional (but must be valid).
UNITLESS_TYPES = frozenset(
    {
        "row",
        "text",
        "logs",
        "table",
        "news",
        "dashlist",
        "alertlist",
        "annolist",
        "nodeGraph",
        "traces",
        "flamegraph",
        "geomap",
        "canvas",
        "welcome",
        "gettingstarted",
    }
)
# Panel types that run no query.
NO_QUERY_TYPES = frozenset(
    {"row", "text", "news", "dashlist", "alertlist", "annolist", "welcome", "gettingstarted"}
)
# Data source uids Grafana itself provides.
BUILTIN_DATASOURCES = frozenset({"grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --", "__expr__"})


def _kind_key(plugin_type: str | None) -> str | None:
    """The catalogue key of a plugin id (fallback when a data source uid is unknown)."""
    kind = kind_of_plugin(plugin_type)
    return kind.key if kind else None


BUILTIN_VARIABLES = _words(
    """
    __all __interval __interval_ms __rate_interval __rate_interval_ms __range __range_s __range_ms __auto
    __from __to __now __timezone __name __org __user __dashboard __url_time_range __url __data __field
    __series __value __cell __timeFilter __timeFrom __timeTo __timeGroup __timeGroupAlias
    __unixEpochFilter __unixEpochFrom __unixEpochTo __unixEpochGroup __unixEpochGroupAlias
    __unixEpochNanoFilter __unixEpochNanoFrom __unixEpochNanoTo __timeEpoch __schema __table __column
    timeFilter
    """
)
# $name, ${name}, ${name:format}, ${name.path}, [[name]], [[name:format]]
VARIABLE = re.compile(
    r"\$\{(?P<b>[A-Za-z_][\w.]*)(?::[^}]*)?\}|\[\[(?P<s>[A-Za-z_][\w.]*)(?::[^\]]*)?\]\]|\$(?P<p>[A-Za-z_]\w*)"
)

RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})
RATE_SENTINEL_S = 4242  # $__rate_interval becomes this many seconds, so its ranges are recognisable
LOGQL_PARSERS = frozenset({"json", "logfmt", "regexp", "pattern", "unpack"})
SQL_TIME_MACROS = re.compile(
    r"\$__(timeFilter|timeFrom|timeTo|timeGroup|timeGroupAlias|unixEpochFilter|unixEpochFrom|unixEpochTo"
    r"|unixEpochGroup|unixEpochGroupAlias|unixEpochNanoFilter|unixEpochNanoFrom|unixEpochNanoTo)\b"
)
SQL_NOW_WINDOW = re.compile(
    r"\b(now\s*\(\s*\)|current_timestamp|current_date|localtimestamp|clock_timestamp\s*\(\s*\))\s*[-+]\s*"
    r"(interval\b|'\s*\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True, order=True)
class Finding:
    dashboard: str  # dashboard uid, or "alert:<rule uid>"
    panel: str  # "<id> <title>", "variable <name>", or "" for the dashboard itself
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.dashboard} / {self.panel}" if self.panel else self.dashboard
        return f"{where}: [{self.rule}] {self.message}"


@dataclass(frozen=True)
class Exclusion:
    dashboard: str
    panel: str  # panel id or title, "*" for any
    rule: str
    reason: str

    def matches(self, f: Finding) -> bool:
        if self.dashboard != f.dashboard or self.rule != f.rule:
            return False
        if self.panel == "*":
            return True
        pid, _, title = f.panel.partition(" ")
        return self.panel in (f.panel, pid, title)


# --- Grafana variables ---


def variable_names(text: str) -> list[str]:
    """Names of the variables referenced in `text` (dotted paths reduced to their root)."""
    names = []
    for m in VARIABLE.finditer(text or ""):
        name = m.group("b") or m.group("s") or m.group("p")
        names.append(name.split(".")[0])
    return names


def _in_string(text: str, pos: int) -> bool:
    quotes = 0
    i = 0
    while i < pos:
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            quotes += 1
        i += 1
    return quotes % 2 == 1


def substitute_promql(expr: str) -> str:
    """Replace Grafana variables with values PromQL accepts where they stand."""
    expr = re.sub(r"\$\{?__rate_interval\}?(?!_)", f"{RATE_SENTINEL_S}s", expr)
    expr = re.sub(r"\$\{?__(interval|range|auto)\}?(?!_)", "5m", expr)
    expr = re.sub(r"\$\{?__(interval_ms|range_ms|range_s|rate_interval_ms)\}?", "300", expr)

    def value(m: re.Match) -> str:
        before = expr[: m.start()].rstrip()
        after = expr[m.end() :]
        if _in_string(expr, m.start()):
            return "value"
        if before.endswith(("[", ":")) and not before.endswith("::"):
            return "5m"
        if (
            (before and (before[-1].isalnum() or before[-1] == "_"))
            or after[:1].isalnum()
            or after[:1] in "{_"
        ):
            return "var"
        return "1"

    return VARIABLE.sub(value, expr)


# --- PromQL ---


def lint_promql(expr: str, in_dashboard: bool) -> list[tuple[str, str]]:
    """(rule, message) pairs for one PromQL expression."""
    try:
        ast = promql_parser.parse(substitute_promql(expr))
    except Exception as err:  # promql_parser raises ValueError or its own error types
        return [("promql-parse", f"does not parse: {str(err).splitlines()[0] if str(err) else err!r}")]
    problems: list[tuple[str, str]] = []
    stack: list[str | None] = []

    def pre(node: Any) -> None:
        func = node.func.name if isinstance(node, promql_parser.Call) else None
        if func in RATE_FUNCTIONS and in_dashboard:
            arg = node.args[0] if node.args else None
            rng = getattr(arg, "range", None)
            if rng is not None and rng != timedelta(seconds=RATE_SENTINEL_S):
                problems.append(
                    (
                        "promql-rate-interval",
                        f"{func}() over [{promql_parser.display_duration(rng)}]"
                        " instead of [$__rate_interval]",
                    )
                )
        if isinstance(node, promql_parser.VectorSelector):
            name = node.name or next(
                (
                    m.value
                    for m in node.matchers.matchers
                    if m.name == "__name__" and str(m.op) == "MatchOp.Equal"
                ),
                None,
            )
            if name and name.endswith("_total") and not RATE_FUNCTIONS.intersection(f for f in stack if f):
                problems.append(("promql-counter", f"counter {name} outside rate()/irate()/increase()"))
        stack.append(func)

    def post(node: Any) -> None:
        stack.pop()

    promql_parser.walk(ast, pre, post)
    return problems


# --- LogQL ---

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
        return [("logql-syntax", "a string is not closed")]
    depth = {"(": 0, "{": 0, "[": 0}
    closing = {")": "(", "}": "{", "]": "["}
    for t in tokens:
        if t in depth:
            depth[t] += 1
        elif t in closing:
            depth[closing[t]] -= 1
            if depth[closing[t]] < 0:
                return [("logql-syntax", f"unbalanced '{t}'")]
    if any(depth.values()):
        return [("logql-syntax", "unbalanced brackets")]
    if "{" not in tokens:
        return [("logql-syntax", "no stream selector {...}")]
    problems: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        if tokens[i] != "{":
            i += 1
            continue
        close = tokens.index("}", i)
        if not any(t.startswith(("'", '"', "`")) for t in tokens[i:close]):
            problems.append(("logql-syntax", "stream selector without a label matcher"))
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
                problems.append(("logql-filter-order", f"line filter {t} after the parser | {parser}"))
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
                            "logql-filter-order",
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


# --- SQL ---


def lint_sql(sql: str) -> list[tuple[str, str]]:
    problems = []
    if not SQL_TIME_MACROS.search(sql):
        problems.append(
            (
                "sql-time-macro",
                "no Grafana time macro ($__timeFilter(col), $__timeFrom(), ...): "
                "the query ignores the time range",
            )
        )
    m = SQL_NOW_WINDOW.search(sql)
    if m:
        problems.append(
            (
                "sql-now-interval",
                f"'{m.group(0)}...' is a fixed window from now; use "
                "$__timeFilter(col) or $__timeFrom()/$__timeTo()",
            )
        )
    return problems


def lint_query(kind: str, target: Mapping[str, Any], in_dashboard: bool) -> list[tuple[str, str]]:
    if kind == "prometheus" and target.get("expr"):
        return lint_promql(target["expr"], in_dashboard)
    if kind == "loki" and target.get("expr"):
        return lint_logql(target["expr"])
    if kind == "postgres" and target.get("rawSql"):
        return lint_sql(target["rawSql"])
    if not any(target.get(k) for k in ("expr", "rawSql", "query")):
        return [("panel-targets", f"target {target.get('refId', '?')} has no query")]
    return []


# --- dashboards ---


def _label(panel: Mapping[str, Any]) -> str:
    return f"{panel.get('id', '?')} {panel.get('title') or '(untitled)'}"


def _ds_uid(ref: Any) -> str | None:
    if isinstance(ref, Mapping):
        return ref.get("uid")
    return ref if isinstance(ref, str) else None


def _ds_type(ref: Any) -> str | None:
    return ref.get("type") if isinstance(ref, Mapping) else None


def lint_dashboard(model: Mapping[str, Any], datasources: Mapping[str, str]) -> list[Finding]:
    """All findings of one dashboard. `datasources` maps each provisioned uid to its kind
    ("postgres", "loki", "prometheus")."""
    uid = str(model.get("uid") or "")
    findings: list[Finding] = []

    def add(panel: str, rule: str, message: str) -> None:
        findings.append(Finding(uid or "(no uid)", panel, rule, message))

    if not uid or len(uid) > MAX_UID:
        add("", "uid-length", f"uid {uid!r} must have 1 to {MAX_UID} characters")

    variables = {v.get("name"): v for v in (model.get("templating") or {}).get("list") or [] if v.get("name")}
    used: set[str] = set()

    def use(where: str, text: Any) -> None:
        if not isinstance(text, str):
            return
        for name in variable_names(text):
            if name in variables:
                used.add(name)
            elif name not in BUILTIN_VARIABLES:
                add(where, "variable-undefined", f"${name} is not a dashboard variable or Grafana built-in")

    def check_ds(where: str, ref: Any) -> str | None:
        """The kind of the referenced data source, reporting an unknown uid."""
        ds_uid = _ds_uid(ref)
        if ds_uid is None:
            return None
        if ds_uid.startswith("$") or ds_uid.startswith("${"):
            use(where, ds_uid)
            return _kind_key(_ds_type(ref))
        if ds_uid not in datasources and ds_uid not in BUILTIN_DATASOURCES:
            add(
                where,
                "datasource-uid",
                f"data source uid {ds_uid!r} is not provisioned in this stack "
                f"({', '.join(sorted(datasources))})",
            )
        return datasources.get(ds_uid) or _kind_key(_ds_type(ref))

    for link in model.get("links") or []:
        use("", link.get("url"))

    ids: dict[Any, str] = {}
    for panel in panels(model):
        where = _label(panel)
        kind = panel.get("type") or ""
        pid = panel.get("id")
        if pid is None:
            add(where, "panel-id-unique", "panel has no id")
        elif pid in ids:
            add(where, "panel-id-unique", f"id {pid} is also used by panel {ids[pid]!r}")
        else:
            ids[pid] = panel.get("title") or ""
        if not (panel.get("title") or "").strip():
            add(where, "panel-title", "panel has no title")
        use(where, panel.get("title"))
        use(where, panel.get("repeat") and f"${panel['repeat']}")
        if kind == "row":
            continue
        if not (panel.get("description") or "").strip():
            add(where, "panel-description", "panel has no description")
        unit = ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
        if unit:
            if unit not in VALID_UNITS and not unit.startswith(CUSTOM_UNIT_PREFIXES):
                add(where, "panel-unit", f"unit {unit!r} is not a Grafana unit id")
        elif kind not in UNITLESS_TYPES:
            add(where, "panel-unit", f"a {kind} panel needs a unit (e.g. none, percent, s, bytes, reqps)")
        for link in panel.get("links") or []:
            use(where, link.get("url"))
        for link in ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("links") or []:
            use(where, link.get("url"))
        panel_kind = check_ds(where, panel.get("datasource"))
        targets = panel.get("targets") or []
        if not targets and kind not in NO_QUERY_TYPES:
            add(where, "panel-targets", f"a {kind} panel has no targets")
        for target in targets:
            ref = target.get("datasource")
            target_kind = check_ds(where, ref) if ref is not None else panel_kind
            if ref is None and panel.get("datasource") is None:
                add(where, "datasource-uid", f"target {target.get('refId', '?')} has no data source")
            for field_name in ("expr", "rawSql", "query", "legendFormat"):
                use(where, target.get(field_name))
            for rule, message in lint_query(target_kind or "", target, in_dashboard=True):
                add(where, rule, f"target {target.get('refId', '?')}: {message}")

    for name, var in variables.items():
        where = f"variable {name}"
        check_ds(where, var.get("datasource"))
        query = var.get("query")
        if isinstance(query, Mapping):
            query = query.get("query") or query.get("rawSql") or query.get("expr")
        if isinstance(query, str):
            for other in variable_names(query):
                if other == name:
                    add(where, "variable-undefined", f"${name} refers to itself")
                elif other in variables:
                    used.add(other)
                elif other not in BUILTIN_VARIABLES:
                    add(
                        where,
                        "variable-undefined",
                        f"${other} is not a dashboard variable or Grafana built-in",
                    )
    for name, var in variables.items():
        if var.get("includeAll") and not var.get("allValue"):
            add(
                f"variable {name}",
                "variable-all-value",
                f"${name} includes All without a custom all value: All would be sent as every "
                "option; set allValue (e.g. `.*`) and match it in the queries",
            )
        if name not in used and var.get("type") != "adhoc":
            add(
                f"variable {name}",
                "variable-unused",
                f"${name} is defined but no query, title or link uses it",
            )

    findings += _grid(uid or "(no uid)", model)
    return findings


def _grid(uid: str, model: Mapping[str, Any]) -> list[Finding]:
    findings = []
    groups: list[list[Mapping[str, Any]]] = [list(model.get("panels") or [])]
    groups += [list(p.get("panels") or []) for p in model.get("panels") or [] if p.get("panels")]
    for group in groups:
        boxes = []
        for panel in group:
            pos = panel.get("gridPos") or {}
            x, y, w, h = (pos.get(k) for k in ("x", "y", "w", "h"))
            if (
                not all(isinstance(v, int) for v in (x, y, w, h))
                or w <= 0
                or h <= 0
                or x < 0
                or y < 0
                or x + w > GRID_COLUMNS
            ):
                findings.append(
                    Finding(
                        uid,
                        _label(panel),
                        "grid-position",
                        f"gridPos {pos} is not inside the {GRID_COLUMNS}-column grid",
                    )
                )
                continue
            for other, (ox, oy, ow, oh) in boxes:
                if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                    findings.append(
                        Finding(uid, _label(panel), "grid-overlap", f"overlaps panel {_label(other)!r}")
                    )
            boxes.append((panel, (x, y, w, h)))
    return findings


# --- alert rules (as the plan holds them) ---


def lint_alert_rule(rule: Mapping[str, Any], datasources: Mapping[str, str]) -> list[Finding]:
    """Query findings of one RuleGroup rule (plan inputs: camelCase, models as JSON strings)."""
    where = f"alert:{rule.get('uid')}"
    findings = []
    for data in rule.get("datas") or []:
        ds_uid = data.get("datasourceUid")
        if ds_uid in BUILTIN_DATASOURCES:
            continue
        if ds_uid not in datasources:
            findings.append(
                Finding(where, "", "datasource-uid", f"data source uid {ds_uid!r} is not provisioned")
            )
            continue
        model = data.get("model")
        model = json.loads(model) if isinstance(model, str) else model or {}
        for rule_id, message in lint_query(datasources[ds_uid], model, in_dashboard=False):
            findings.append(Finding(where, "", rule_id, f"query {data.get('refId', '?')}: {message}"))
    return findings


# --- exclusions and entry points ---


def load_exclusions(path: Path = EXCLUSIONS) -> tuple[list[Exclusion], list[Finding]]:
    """Exclusions from the YAML file, and findings for malformed entries."""
    if not path.exists():
        return [], []
    data = load_yaml(path) or {}
    entries = data.get("exclusions") or [] if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return [], [Finding(path.name, "", "exclusion-invalid", "top level must be {exclusions: [...]}")]
    exclusions, findings = [], []
    for i, entry in enumerate(entries):
        keys = ("dashboard", "panel", "rule", "reason")
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), (str, int)) and str(entry.get(k)).strip() for k in keys
        ):
            findings.append(
                Finding(
                    path.name,
                    f"entry {i}",
                    "exclusion-invalid",
                    "each exclusion needs dashboard, panel, rule and a non-empty reason",
                )
            )
            continue
        exclusions.append(Exclusion(*(str(entry[k]).strip() for k in keys)))
    return exclusions, findings


def apply_exclusions(
    findings: Iterable[Finding], exclusions: Iterable[Exclusion], source: str
) -> list[Finding]:
    """Findings no exclusion covers, plus one `exclusion-stale` finding per unused exclusion."""
    exclusions = list(exclusions)
    hit = [False] * len(exclusions)
    kept = []
    for f in findings:
        matched = [i for i, e in enumerate(exclusions) if e.matches(f)]
        for i in matched:
            hit[i] = True
        if not matched:
            kept.append(f)
    for e, was_hit in zip(exclusions, hit, strict=True):
        if not was_hit:
            kept.append(
                Finding(
                    source,
                    f"{e.dashboard} / {e.panel}",
                    "exclusion-stale",
                    f"exclusion of {e.rule} matches no finding; remove it",
                )
            )
    return sorted(kept)


def lint_models(
    dashboards: Iterable[Mapping[str, Any]],
    datasources: Mapping[str, str],
    alert_rules: Iterable[Mapping[str, Any]] = (),
    exclusions_path: Path | None = EXCLUSIONS,
) -> list[Finding]:
    findings = [f for model in dashboards for f in lint_dashboard(model, datasources)]
    findings += [f for rule in alert_rules for f in lint_alert_rule(rule, datasources)]
    if exclusions_path is None:
        return sorted(findings)
    exclusions, invalid = load_exclusions(exclusions_path)
    return apply_exclusions(findings, exclusions, exclusions_path.name) + invalid


def provisioned_datasources(plan: Mapping[str, Any]) -> dict[str, str]:
    """uid -> kind of every data source the plan provisions."""
    return {
        r["inputs"]["uid"]: _kind_key(r["inputs"].get("type")) or r["inputs"].get("type")
        for r in plan["resources"]
        if r["type"] == "grafana:oss/dataSource:DataSource"
    }


def lint_plan(result: Any, exclusions_path: Path | None = EXCLUSIONS) -> list[Finding]:
    """Lint a tools.plan.PlanResult: its dashboards and alert rules against its own data sources."""
    rules = [
        rule
        for r in result.plan["resources"]
        if r["type"] == "grafana:alerting/ruleGroup:RuleGroup"
        for rule in r["inputs"].get("rules") or []
    ]
    return lint_models(
        result.dashboards.values(), provisioned_datasources(result.plan), rules, exclusions_path
    )


def report(findings: list[Finding], stream: Any = None) -> None:
    stream = stream or sys.stderr
    for f in findings:
        print(f"lint: {f}", file=stream)
    if findings:
        print(
            f"lint: {len(findings)} finding(s); fix them or add a reasoned entry to lint-exclusions.yaml",
            file=stream,
        )
