"""Dashboard and panel rules: uid, titles, descriptions, units, targets, data sources, the grid.

The dashboard walk also feeds the variable rules (tools/lint/variables.py) with every text that
may reference a variable, and each target's query to its language's rules (tools/lint/queries.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from model.datasources import kind_of_plugin
from model.panels import panels
from tools.lint.queries import lint_query
from tools.lint.registry import Finding, rule
from tools.lint.variables import VariableUse

UID_LENGTH = rule(
    "uid-length",
    "dashboard",
    "the dashboard has a uid of 1 to 40 characters",
    "Grafana refuses longer uids; links and alert rules address the dashboard by it",
)
PANEL_TITLE = rule(
    "panel-title",
    "panels",
    "every panel, rows included, has a non-empty title",
    "an untitled panel cannot be named in a review, a link or an incident",
)
PANEL_DESCRIPTION = rule(
    "panel-description",
    "panels",
    "every non-row panel has a description",
    "the (i) tooltip is where the on-call reader learns what the panel shows and what to do",
)
PANEL_UNIT = rule(
    "panel-unit",
    "panels",
    "every panel that shows numbers has a unit from Grafana's unit ids (or a custom `suffix:`, "
    "`prefix:`, `si:`, `count:`, `currency:`, `time:` unit); text, logs, tables and the like need "
    "none, but a unit they set must be valid",
    "a number without a unit is misread (ms or s? ratio or percent?); an unknown unit id shows raw",
)
PANEL_TARGETS = rule(
    "panel-targets",
    "panels",
    "every non-row panel except text, news, lists and the like has targets, each with a query",
    "a panel without a query shows 'No data' forever",
)
DATASOURCE_UID = rule(
    "datasource-uid",
    "panels",
    "the panel's, each target's and each query variable's data source uid is one the stack "
    "provisions (a `$variable` naming a data source variable is accepted)",
    "an unknown uid makes Grafana fall back to the default data source, or fail",
)
PANEL_ID_UNIQUE = rule(
    "panel-id-unique",
    "grid",
    "panel ids are unique across the dashboard, panels nested in rows included",
    "links, alert annotations and the editor address panels by id; a duplicate opens the wrong one",
)
GRID_POSITION = rule(
    "grid-position",
    "grid",
    "every panel has a gridPos inside the 24-column grid",
    "Grafana moves a panel outside the grid wherever it fits, not where the author meant",
)
GRID_OVERLAP = rule(
    "grid-overlap",
    "grid",
    "no two panels overlap (top level; and among a collapsed row's own panels)",
    "Grafana pushes overlapping panels down, so the dashboard does not read as its outline",
)

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


def kind_key(plugin_type: str | None) -> str | None:
    """The catalogue key of a plugin id (fallback when a data source uid is unknown)."""
    kind = kind_of_plugin(plugin_type)
    return kind.key if kind else None


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

    def add(panel: str, rule_id: str, message: str) -> None:
        findings.append(Finding(uid or "(no uid)", panel, rule_id, message))

    if not uid or len(uid) > MAX_UID:
        add("", UID_LENGTH, f"uid {uid!r} must have 1 to {MAX_UID} characters")

    variables = VariableUse(model, add)
    use = variables.use

    def check_ds(where: str, ref: Any) -> str | None:
        """The kind of the referenced data source, reporting an unknown uid."""
        ds_uid = _ds_uid(ref)
        if ds_uid is None:
            return None
        if ds_uid.startswith("$") or ds_uid.startswith("${"):
            use(where, ds_uid)
            return kind_key(_ds_type(ref))
        if ds_uid not in datasources and ds_uid not in BUILTIN_DATASOURCES:
            add(
                where,
                DATASOURCE_UID,
                f"data source uid {ds_uid!r} is not provisioned in this stack "
                f"({', '.join(sorted(datasources))})",
            )
        return datasources.get(ds_uid) or kind_key(_ds_type(ref))

    for link in model.get("links") or []:
        use("", link.get("url"))

    ids: dict[Any, str] = {}
    for panel in panels(model):
        where = _label(panel)
        kind = panel.get("type") or ""
        pid = panel.get("id")
        if pid is None:
            add(where, PANEL_ID_UNIQUE, "panel has no id")
        elif pid in ids:
            add(where, PANEL_ID_UNIQUE, f"id {pid} is also used by panel {ids[pid]!r}")
        else:
            ids[pid] = panel.get("title") or ""
        if not (panel.get("title") or "").strip():
            add(where, PANEL_TITLE, "panel has no title")
        use(where, panel.get("title"))
        use(where, panel.get("repeat") and f"${panel['repeat']}")
        if kind == "row":
            continue
        if not (panel.get("description") or "").strip():
            add(where, PANEL_DESCRIPTION, "panel has no description")
        unit = ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
        if unit:
            if unit not in VALID_UNITS and not unit.startswith(CUSTOM_UNIT_PREFIXES):
                add(where, PANEL_UNIT, f"unit {unit!r} is not a Grafana unit id")
        elif kind not in UNITLESS_TYPES:
            add(where, PANEL_UNIT, f"a {kind} panel needs a unit (e.g. none, percent, s, bytes, reqps)")
        for link in panel.get("links") or []:
            use(where, link.get("url"))
        for link in ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("links") or []:
            use(where, link.get("url"))
        panel_kind = check_ds(where, panel.get("datasource"))
        targets = panel.get("targets") or []
        if not targets and kind not in NO_QUERY_TYPES:
            add(where, PANEL_TARGETS, f"a {kind} panel has no targets")
        for target in targets:
            ref = target.get("datasource")
            target_kind = check_ds(where, ref) if ref is not None else panel_kind
            if ref is None and panel.get("datasource") is None:
                add(where, DATASOURCE_UID, f"target {target.get('refId', '?')} has no data source")
            for field_name in ("expr", "rawSql", "query", "legendFormat"):
                use(where, target.get(field_name))
            if not any(target.get(k) for k in ("expr", "rawSql", "query")):
                add(where, PANEL_TARGETS, f"target {target.get('refId', '?')}: has no query")
            for rule_id, message in lint_query(target_kind or "", target, in_dashboard=True):
                add(where, rule_id, f"target {target.get('refId', '?')}: {message}")

    for name, var in variables.variables.items():
        check_ds(f"variable {name}", var.get("datasource"))
    variables.check_queries()
    variables.finish()
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
                        GRID_POSITION,
                        f"gridPos {pos} is not inside the {GRID_COLUMNS}-column grid",
                    )
                )
                continue
            for other, (ox, oy, ow, oh) in boxes:
                if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                    findings.append(
                        Finding(uid, _label(panel), GRID_OVERLAP, f"overlaps panel {_label(other)!r}")
                    )
            boxes.append((panel, (x, y, w, h)))
    return findings
