"""Semantic diff of the offline plan between a git ref and the working tree, as Markdown.

    python -m tools.plan_diff --base origin/main                  # both stacks
    python -m tools.plan_diff --base HEAD~1 --stack prod

The base is rendered from a temporary `git worktree` of BASE (removed afterwards) with this same
Python; the head is the working tree. Resources are matched by stable keys (type + name; rule uid;
panel id; variable name; route matchers), never by position, and shown by what a reviewer knows:
"panel Stuck Sites: red threshold 11 -> 12", "alert clerk-health-degraded-warn: for 10m -> 5m".

Secrets: the plan holds "[secret]" for every secret value, so a changed secret cannot be seen
there. A change marker is computed instead from what is visible in each tree's stack file: the
receiver's plain settings and a hash of the encrypted (`secure:`) values it uses. A change shows as
"changed", never with a value (not even the ciphertext). A secret changed outside the stack file
(another secrets provider, `pulumi config set` not committed) is invisible offline: `pulumi preview`
shows it.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from model.panels import panels
from settings.stack_file import StackFileError, read_stack_file
from tools.plan import LINT_FINDINGS, ROOT, SECRET

DEFAULT_STACKS = ("staging", "prod")

DASHBOARD = "grafana:oss/dashboard:Dashboard"
RULE_GROUP = "grafana:alerting/ruleGroup:RuleGroup"
CONTACT_POINT = "grafana:alerting/contactPoint:ContactPoint"
POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy"
DATA_SOURCE = "grafana:oss/dataSource:DataSource"
POSTGRES_PREFIX = "postgresql:"
# The program's one dynamic resource: the role's settings (components/role_settings.py). Its
# `__provider` input is the engine's pickled reference to the provider class, not a setting.
ROLE_SETTINGS = "pulumi-python:dynamic:Resource"
DYNAMIC_PROVIDER = "__provider"
# Resource types shown by their own section; every other type goes to "Other resources".
SPECIAL = {DASHBOARD, RULE_GROUP, CONTACT_POINT, POLICY, DATA_SOURCE}
INTEGRATIONS = {
    "slacks": "slack",
    "pagerduties": "pagerduty",
    "emails": "email",
    "webhooks": "webhook",
    "teams": "teams",
    "opsgenies": "opsgenie",
    "telegrams": "telegram",
    "discords": "discord",
}
MAX_VALUE = 120


class PlanError(Exception):
    """A side of the diff could not be rendered."""


# ---------------------------------------------------------------------------------------------
# Formatting helpers


def fmt(value: Any) -> str:
    """A short, one-line rendering of a value; secrets stay "[secret]"."""
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = text.replace("\n", "⏎")
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def change(label: str, old: Any, new: Any) -> str:
    if old == SECRET or new == SECRET:
        return f"{label}: changed (secret; value not shown)"
    if isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new or len(old) > 60):
        return f"{label}: changed\n" + text_diff(old, new)
    return f"{label}: {fmt(old)} -> {fmt(new)}"


def text_diff(old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1)
    body = [line for line in lines if not line.startswith(("---", "+++"))]
    return "```diff\n" + "\n".join(body) + "\n```"


@dataclass(frozen=True)
class Change:
    kind: Literal["added", "removed", "changed"]
    key: Any
    old: Any  # None when added
    new: Any  # None when removed


def keyed_diff(
    old: Mapping[Any, Any], new: Mapping[Any, Any], order: Literal["sorted", "seen", "grouped"] = "sorted"
) -> list[Change]:
    """What was added, removed and changed between two mappings of things by their stable key.

    Every section matches by key (resource name, rule uid, panel id, refId, route matchers),
    never by position. `order` is how a reader meets the changes: "sorted" by key; "seen" in the
    old mapping's order, then the new keys in the new one's; "grouped": every removal (old order),
    then every addition (new order), then every change (old order).
    """
    removed = [Change("removed", k, old[k], None) for k in old if k not in new]
    added = [Change("added", k, None, new[k]) for k in new if k not in old]
    changed = [Change("changed", k, old[k], new[k]) for k in old if k in new and old[k] != new[k]]
    if order == "grouped":
        return removed + added + changed
    by_key = {c.key: c for c in removed + added + changed}
    keys = sorted(set(old) | set(new)) if order == "sorted" else [*old, *(k for k in new if k not in old)]
    return [by_key[k] for k in keys if k in by_key]


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": [1, {"c": 2}]}} -> {"a.b[0]": 1, "a.b[1].c": 2}.

    Empty containers below the root are kept as leaves; an empty root has no leaves.
    """
    out: dict[str, Any] = {}
    if not prefix and value in ({}, []):
        return out  # nothing at all: no "" leaf to show as added or removed
    if isinstance(value, dict) and value:
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list) and value and not all(isinstance(v, str | int | float) for v in value):
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{i}]"))
    else:
        out[prefix] = value
    return out


def field_changes(old: Any, new: Any, skip: tuple[str, ...] = ()) -> list[str]:
    """Lines "path: old -> new" for every leaf that differs (added/removed leaves included)."""

    def kept(leaves: dict[str, Any]) -> dict[str, Any]:
        return {
            path: v
            for path, v in leaves.items()
            if not any(path == s or path.startswith((s + ".", s + "[")) for s in skip)
        }

    lines = []
    for c in keyed_diff(kept(flatten(old)), kept(flatten(new))):
        if c.kind == "added":
            lines.append(f"{c.key}: + {fmt(c.new)}" if c.new != SECRET else f"{c.key}: + (secret)")
        elif c.kind == "removed":
            lines.append(f"{c.key}: - removed")
        else:
            lines.append(change(c.key, c.old, c.new))
    return lines


def parse_json(value: Any) -> Any:
    if isinstance(value, str) and value != SECRET:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@dataclass
class Section:
    title: str
    items: list[tuple[str, list[str]]] = field(default_factory=list)  # (headline, detail lines)

    def add(self, headline: str, details: list[str] | None = None) -> None:
        self.items.append((headline, details or []))


# ---------------------------------------------------------------------------------------------
# Dashboards


def _panels(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every panel (rows' nested panels included) by stable key: its id, else its title."""
    return {f"id:{p['id']}" if "id" in p else f"title:{p.get('title', '')}": p for p in panels(model)}


def _panel_name(panel: dict[str, Any]) -> str:
    return panel.get("title") or f"#{panel.get('id')}"


def _threshold_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Threshold steps matched by color: "red threshold 11 -> 12", "+ orange threshold at 7"."""

    def steps(panel: dict[str, Any]) -> dict[str, Any]:
        found = ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("thresholds") or {}
        out: dict[str, Any] = {}
        for i, step in enumerate(found.get("steps") or []):
            color = step.get("color", f"step {i}")
            out[color if color not in out else f"{color} ({i})"] = step.get("value")
        return out

    lines = []
    for c in keyed_diff(steps(old), steps(new), order="seen"):
        if c.kind == "removed":
            lines.append(f"removed {c.key} threshold (was {fmt(c.old) if c.old is not None else 'base'})")
        elif c.kind == "added":
            lines.append(f"added {c.key} threshold at {fmt(c.new) if c.new is not None else 'base'}")
        else:
            lines.append(f"{c.key} threshold {fmt(c.old)} -> {fmt(c.new)}")
    mode_a = (((old.get("fieldConfig") or {}).get("defaults") or {}).get("thresholds") or {}).get("mode")
    mode_b = (((new.get("fieldConfig") or {}).get("defaults") or {}).get("thresholds") or {}).get("mode")
    if mode_a != mode_b:
        lines.append(f"threshold mode {fmt(mode_a)} -> {fmt(mode_b)}")
    return lines


def _query_text(target: dict[str, Any]) -> Any:
    for key in ("rawSql", "expr", "query", "expression"):
        if key in target:
            return target[key]
    return None


def _target_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    a = {t.get("refId", str(i)): t for i, t in enumerate(old or [])}
    b = {t.get("refId", str(i)): t for i, t in enumerate(new or [])}
    lines = []
    for c in keyed_diff(a, b):
        if c.kind == "added":
            lines.append(f"added query {c.key}: {fmt(_query_text(c.new))}")
        elif c.kind == "removed":
            lines.append(f"removed query {c.key}")
        else:
            qa, qb = _query_text(c.old), _query_text(c.new)
            if qa != qb:
                lines.append(change(f"query {c.key}", qa, qb))
            rest = field_changes(
                {k: v for k, v in c.old.items() if k not in ("rawSql", "expr", "query", "expression")},
                {k: v for k, v in c.new.items() if k not in ("rawSql", "expr", "query", "expression")},
            )
            lines += [f"query {c.key} {line}" for line in rest]
    return lines


def panel_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    for key, label in (("type", "type"), ("title", "title")):
        if old.get(key) != new.get(key):
            lines.append(f"{label} {fmt(old.get(key))} -> {fmt(new.get(key))}")
    unit_a = ((old.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
    unit_b = ((new.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
    if unit_a != unit_b:
        lines.append(f"unit {fmt(unit_a)} -> {fmt(unit_b)}")
    lines += _threshold_changes(old, new)
    lines += _target_changes(old.get("targets") or [], new.get("targets") or [])

    def rest(panel: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in panel.items() if k not in ("type", "title", "targets", "panels", "id")}
        defaults = dict(((out.get("fieldConfig") or {}).get("defaults")) or {})
        defaults.pop("unit", None)
        defaults.pop("thresholds", None)
        if "fieldConfig" in out:
            out["fieldConfig"] = {**out["fieldConfig"], "defaults": defaults}
        return out

    lines += field_changes(rest(old), rest(new))
    return lines


def dashboard_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    for c in keyed_diff(_panels(old), _panels(new), order="grouped"):
        if c.kind == "removed":
            lines.append(f"removed panel {_panel_name(c.old)} ({c.old.get('type')})")
        elif c.kind == "added":
            lines.append(f"added panel {_panel_name(c.new)} ({c.new.get('type')})")
        else:
            lines += [f"panel {_panel_name(c.new)}: {line}" for line in panel_changes(c.old, c.new)]
    va = {v.get("name"): v for v in (old.get("templating") or {}).get("list") or []}
    vb = {v.get("name"): v for v in (new.get("templating") or {}).get("list") or []}
    for c in keyed_diff(va, vb, order="grouped"):
        if c.kind == "removed":
            lines.append(f"removed variable {c.key}")
        elif c.kind == "added":
            lines.append(f"added variable {c.key} ({c.new.get('type')})")
        else:
            lines += [f"variable {c.key}: {line}" for line in field_changes(c.old, c.new)]
    skip = ("panels", "templating", "version", "id")
    lines += [f"dashboard {line}" for line in field_changes(old, new, skip=skip)]
    return lines


def _dashboards(plan: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """uid -> (model, other inputs)."""
    out = {}
    for r in _of_type(plan, DASHBOARD):
        inputs = dict(r["inputs"])
        model = parse_json(inputs.pop("configJson", "{}"))
        model = model if isinstance(model, dict) else {"configJson": model}
        out[model.get("uid") or r["name"]] = (model, inputs)
    return out


def diff_dashboards(base: dict[str, Any], head: dict[str, Any]) -> Section:
    section = Section("Dashboards")
    for c in keyed_diff(_dashboards(base), _dashboards(head)):
        if c.kind == "removed":
            section.add(f"dashboard **{c.key}** ({c.old[0].get('title')}): removed")
        elif c.kind == "added":
            model = c.new[0]
            added = _panels(model)
            section.add(
                f"dashboard **{c.key}** ({model.get('title')}): added, {len(added)} panels",
                [f"added panel {_panel_name(p)} ({p.get('type')})" for p in added.values()],
            )
        else:
            details = dashboard_changes(c.old[0], c.new[0]) + field_changes(c.old[1], c.new[1])
            details = details or ["panel order changed"]
            section.add(f"dashboard **{c.key}** ({c.new[0].get('title')}) changed", details)
    return section


# ---------------------------------------------------------------------------------------------
# Alert rules


def _rules(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """rule uid -> rule (datas' JSON models parsed), with its group's name, folder and interval."""
    out = {}
    for r in _of_type(plan, RULE_GROUP):
        group = r["inputs"]
        for i, rule in enumerate(group.get("rules") or []):
            rule = dict(rule)
            rule["datas"] = [{**d, "model": parse_json(d.get("model"))} for d in rule.get("datas") or []]
            rule["group"] = group.get("name")
            rule["folderUid"] = group.get("folderUid")
            rule["intervalSeconds"] = group.get("intervalSeconds")
            out[rule.get("uid") or f"{r['name']}[{i}]"] = rule
    return out


def _condition(rule: dict[str, Any]) -> str | None:
    """The threshold of a rule, read from its threshold/classic-condition expressions."""
    ops = {"gt": ">", "lt": "<", "within_range": "within", "outside_range": "outside", "eq": "=", "ne": "!="}
    found = []
    for d in rule.get("datas") or []:
        model = d.get("model")
        if isinstance(model, dict) and model.get("type") in ("threshold", "classic_conditions"):
            for cond in model.get("conditions") or []:
                ev = cond.get("evaluator") or {}
                params = " ".join(fmt(p) for p in ev.get("params") or [])
                found.append(
                    f"{model.get('expression', '')} {ops.get(ev.get('type'), ev.get('type'))} {params}"
                )
    return "; ".join(found) or None


def rule_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    ca, cb = _condition(old), _condition(new)
    if ca != cb:
        lines.append(f"threshold {fmt(ca)} -> {fmt(cb)}")
    da = {d.get("refId"): d for d in old.get("datas") or []}
    db = {d.get("refId"): d for d in new.get("datas") or []}
    for c in keyed_diff(da, db):
        ref = c.key
        if c.kind == "added":
            lines.append(f"added query {ref}: {fmt(_query_text(c.new.get('model') or {}))}")
        elif c.kind == "removed":
            lines.append(f"removed query {ref}")
        else:
            ma, mb = c.old.get("model") or {}, c.new.get("model") or {}
            qa, qb = _query_text(ma), _query_text(mb)
            if qa != qb:
                lines.append(change(f"query {ref}", qa, qb))
            skip_keys = ("rawSql", "expr", "query", "expression", "conditions")
            ra = {**c.old, "model": {k: v for k, v in ma.items() if k not in skip_keys}}
            rb = {**c.new, "model": {k: v for k, v in mb.items() if k not in skip_keys}}
            lines += [f"query {ref} {line}" for line in field_changes(ra, rb)]
    for key, label in (("for", "for"), ("group", "group"), ("intervalSeconds", "evaluated every (s)")):
        if old.get(key) != new.get(key):
            lines.append(f"{label} {fmt(old.get(key))} -> {fmt(new.get(key))}")
    for key in ("labels", "annotations"):
        for c in keyed_diff(old.get(key) or {}, new.get(key) or {}):
            if c.kind == "added":
                lines.append(f"added {key[:-1]} {c.key}={fmt(c.new)}")
            elif c.kind == "removed":
                lines.append(f"removed {key[:-1]} {c.key}")
            else:
                lines.append(change(f"{key[:-1]} {c.key}", c.old, c.new))
    skip = ("datas", "for", "group", "intervalSeconds", "labels", "annotations")
    lines += field_changes(old, new, skip=skip)
    return lines


def diff_rules(base: dict[str, Any], head: dict[str, Any]) -> Section:
    section = Section("Alert rules")
    for c in keyed_diff(_rules(base), _rules(head)):
        uid = c.key
        if c.kind == "removed":
            section.add(f"alert {uid}: removed ({fmt(c.old.get('title') or c.old.get('name'))})")
        elif c.kind == "added":
            rule = c.new
            section.add(
                f"alert {uid}: added ({fmt(rule.get('title') or rule.get('name'))})",
                [
                    f"threshold {fmt(_condition(rule))}, for {fmt(rule.get('for'))}, "
                    f"group {fmt(rule.get('group'))}"
                ]
                + [f"label {k}={fmt(v)}" for k, v in sorted((rule.get("labels") or {}).items())],
            )
        else:
            for line in rule_changes(c.old, c.new):
                head_line, _, rest = line.partition("\n")
                section.add(f"alert {uid}: {head_line}", [rest] if rest else [])
    return section


# ---------------------------------------------------------------------------------------------
# Notification policy


def _matchers(node: dict[str, Any]) -> list[str]:
    return [f"{m.get('label')}{m.get('match', '=')}{m.get('value')}" for m in node.get("matchers") or []]


def _routes(plan: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Map "route team=clerk severity=critical" -> contact point -> its settings (order kept)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}

    def visit(node: dict[str, Any], path: list[str]) -> None:
        label = "route " + " ".join(path) if path else "route (root)"
        settings = {k: v for k, v in node.items() if k not in ("policies", "matchers", "contactPoint")}
        receiver = node.get("contactPoint") or "(inherited)"
        slot = out.setdefault(label, {})
        slot[receiver if receiver not in slot else f"{receiver} (#{len(slot) + 1})"] = settings
        for child in node.get("policies") or []:
            visit(child, path + _matchers(child))

    for r in _of_type(plan, POLICY):
        visit(r["inputs"], [])
    return out


def diff_policy(base: dict[str, Any], head: dict[str, Any]) -> Section:
    section = Section("Notification policy")
    for c in keyed_diff(_routes(base), _routes(head), order="seen"):
        route = c.key
        if c.kind == "removed":
            section.add(f"{route}: removed (was " + ", ".join(c.old) + ")")
            continue
        if c.kind == "added":
            section.add(f"{route}: added -> " + ", ".join(c.new), _route_settings(c.new))
            continue
        parts, details = [], []
        for r in keyed_diff(c.old, c.new, order="grouped"):
            if r.kind == "removed":
                parts.append(f"- {r.key}")
            elif r.kind == "added":
                parts.append(f"+ {r.key}")
            else:
                details += [f"{r.key}: {line}" for line in field_changes(r.old, r.new)]
        if parts or details:
            section.add(f"{route}: " + (", ".join(parts) if parts else "changed"), details)
    return section


def _route_settings(receivers: dict[str, dict[str, Any]]) -> list[str]:
    return [
        f"{name}: " + ", ".join(f"{k}={fmt(v)}" for k, v in sorted(s.items()))
        for name, s in receivers.items()
    ]


# ---------------------------------------------------------------------------------------------
# Contact points and secrets


def _secure_hashes(config: dict[str, Any]) -> dict[str, str]:
    """Config key -> short hash of its encrypted value. Never the value or the ciphertext."""
    out = {}
    for key, value in (config or {}).items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            out[key] = hashlib.sha256(str(value["secure"]).encode()).hexdigest()[:12]
    return out


def _receivers_config(config: dict[str, Any]) -> dict[str, Any]:
    for key, value in (config or {}).items():
        if key.split(":")[-1] == "receivers" and isinstance(value, dict):
            return value
    return {}


def _namespace(config: dict[str, Any]) -> str:
    for key in config or {}:
        if key.split(":")[-1] == "receivers":
            return key.split(":")[0]
    return "observability"


def receiver_marker(config: dict[str, Any], name: str) -> str | None:
    """Fingerprint of what decides a contact point's secret settings, from the visible stack file:
    its plain receiver settings plus the hashes of the encrypted values it may use."""
    spec = _receivers_config(config).get(name)
    if spec is None:
        return None
    hashes = _secure_hashes(config)
    ns = _namespace(config)
    keys = {f"{ns}:slackToken"} if spec.get("type") == "slack" else set()
    if isinstance(spec.get("secret"), str):
        keys.add(f"{ns}:{spec['secret']}")
    used = {k: hashes.get(k) for k in sorted(keys)}
    return hashlib.sha256(json.dumps([spec, used], sort_keys=True).encode()).hexdigest()[:12]


def _contact_points(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["inputs"].get("name") or r["name"]: r["inputs"] for r in _of_type(plan, CONTACT_POINT)}


def _integrations(inputs: dict[str, Any]) -> list[str]:
    return sorted(INTEGRATIONS.get(k, k) for k in inputs if k not in ("name", "disableProvenance"))


def diff_contact_points(
    base: dict[str, Any], head: dict[str, Any], base_config: dict[str, Any], head_config: dict[str, Any]
) -> Section:
    section = Section("Contact points")

    def points(plan: dict[str, Any], config: dict[str, Any]) -> dict[str, tuple[Any, Any, Any]]:
        """name -> (plan inputs, the receiver's plain settings in the stack file, its secret marker):
        a contact point changed when any of the three did."""
        receivers = _receivers_config(config)
        return {
            name: (inputs, receivers.get(name) or {}, receiver_marker(config, name))
            for name, inputs in _contact_points(plan).items()
        }

    for c in keyed_diff(points(base, base_config), points(head, head_config)):
        name = c.key
        if c.kind == "removed":
            section.add(f"contact point {name}: removed ({', '.join(_integrations(c.old[0]))})")
            continue
        if c.kind == "added":
            section.add(f"contact point {name}: added ({', '.join(_integrations(c.new[0]))})")
            continue
        (old, old_config, old_marker), (new, new_config, new_marker) = c.old, c.new
        details = []
        ia, ib = _integrations(old), _integrations(new)
        if ia != ib:
            details.append(f"integration {', '.join(ia)} -> {', '.join(ib)}")
        # Visible (non-secret) inputs: shown as they are; "[secret]" ones never shown.
        for line in field_changes(old, new):
            if "secret" not in line:
                details.append(line)
        # Plain receiver settings from the stack file (type, channel, addresses, secret key name).
        details += [f"config {line}" for line in field_changes(old_config, new_config)]
        secret_fields = [k for k in new if new[k] == SECRET]
        if secret_fields and old_marker != new_marker:
            details.append(
                f"{', '.join(INTEGRATIONS.get(k, k) for k in secret_fields)} settings: changed "
                "(secret; values not shown, compare with `pulumi preview`)"
            )
        if details:
            section.add(f"contact point {name}: changed", details)
    return section


def diff_stack_secrets(base_config: dict[str, Any], head_config: dict[str, Any]) -> Section:
    section = Section("Secrets in the stack file")
    shown = {"removed": "removed", "added": "added (value not shown)", "changed": "changed (value not shown)"}
    for c in keyed_diff(_secure_hashes(base_config), _secure_hashes(head_config)):
        section.add(f"secret {c.key}: {shown[c.kind]}")
    return section


# ---------------------------------------------------------------------------------------------
# Data sources, Postgres, everything else


def _decoded(inputs: dict[str, Any]) -> dict[str, Any]:
    out = dict(inputs)
    for key in ("jsonDataEncoded", "secureJsonDataEncoded"):
        if key in out:
            out[key.replace("Encoded", "")] = parse_json(out.pop(key))
    return out


def diff_data_sources(base: dict[str, Any], head: dict[str, Any]) -> Section:
    section = Section("Data sources")
    a = {r["inputs"].get("uid") or r["name"]: _decoded(r["inputs"]) for r in _of_type(base, DATA_SOURCE)}
    b = {r["inputs"].get("uid") or r["name"]: _decoded(r["inputs"]) for r in _of_type(head, DATA_SOURCE)}
    for c in keyed_diff(a, b):
        if c.kind == "removed":
            section.add(f"data source {c.key}: removed ({c.old.get('type')})")
        elif c.kind == "added":
            section.add(f"data source {c.key}: added ({c.new.get('type')}, {fmt(c.new.get('url'))})")
        else:
            section.add(f"data source {c.key}: changed", field_changes(c.old, c.new))
    return section


def _generic(title: str, base: dict[str, Any], head: dict[str, Any], wanted) -> Section:
    section = Section(title)
    a = {(r["type"], r["name"]): r for r in base.get("resources") or [] if wanted(r["type"])}
    b = {(r["type"], r["name"]): r for r in head.get("resources") or [] if wanted(r["type"])}
    for c in keyed_diff(a, b):
        label = f"{c.key[0].split(':')[-1]} {c.key[1]}"
        if c.kind == "removed":
            section.add(f"{label}: removed")
        elif c.kind == "added":
            section.add(f"{label}: added", field_changes({}, c.new["inputs"], skip=(DYNAMIC_PROVIDER,)))
        else:
            details = field_changes(c.old["inputs"], c.new["inputs"], skip=(DYNAMIC_PROVIDER,))
            details += [f"option {line}" for line in field_changes(c.old["options"], c.new["options"])]
            if c.old.get("parent") != c.new.get("parent"):
                details.append(f"parent {fmt(c.old.get('parent'))} -> {fmt(c.new.get('parent'))}")
            section.add(f"{label}: changed", details)
    return section


def _is_postgres(type_: str) -> bool:
    return type_.startswith(POSTGRES_PREFIX) or type_ == ROLE_SETTINGS


def _of_type(plan: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [r for r in plan.get("resources") or [] if r["type"] == type_]


def diff_plans(
    base: dict[str, Any],
    head: dict[str, Any],
    base_config: dict[str, Any] | None = None,
    head_config: dict[str, Any] | None = None,
) -> list[Section]:
    """Every section with at least one change. Configs are the stacks' `config:` mappings."""
    base_config, head_config = base_config or {}, head_config or {}
    sections = [
        diff_dashboards(base, head),
        diff_rules(base, head),
        diff_policy(base, head),
        diff_contact_points(base, head, base_config, head_config),
        diff_stack_secrets(base_config, head_config),
        diff_data_sources(base, head),
        _generic("Postgres role and grants", base, head, _is_postgres),
        _generic("Other resources", base, head, lambda t: t not in SPECIAL and not _is_postgres(t)),
    ]
    # Rule groups themselves (added/removed groups); rule-level changes are in "Alert rules".
    groups = _generic("Rule groups", base, head, lambda t: t == RULE_GROUP)
    groups.items = [(h, []) for h, _ in groups.items if not h.endswith(": changed")]
    sections.insert(2, groups)
    outputs = Section("Stack outputs")
    outputs.items = [
        (line, []) for line in field_changes(base.get("outputs") or {}, head.get("outputs") or {})
    ]
    sections.append(outputs)
    return [s for s in sections if s.items]


def render_markdown(stack: str, sections: list[Section]) -> str:
    lines = [f"## Stack `{stack}`", ""]
    if not sections:
        return "\n".join(lines + ["no changes", ""])
    for section in sections:
        lines += [f"### {section.title}", ""]
        for headline, details in section.items:
            lines.append(f"- {_indent(headline, 2)}")
            for detail in details:
                lines.append(f"  - {_indent(detail, 4)}")
        lines.append("")
    return "\n".join(lines)


def _indent(text: str, width: int) -> str:
    return text.replace("\n", "\n" + " " * width)


# ---------------------------------------------------------------------------------------------
# Rendering both sides


def stack_config(tree: Path, stack: str) -> dict[str, Any]:
    path = tree / f"Pulumi.{stack}.yaml"
    if not path.exists():
        return {}
    try:
        return read_stack_file(path)
    except StackFileError as err:
        raise PlanError(str(err)) from None


def render(tree: Path, stack: str, out: Path) -> dict[str, Any]:
    """The offline plan of `tree` (a checkout of this project) for `stack`; empty if it has no such stack."""
    if not (tree / f"Pulumi.{stack}.yaml").exists():
        return {"resources": [], "outputs": {}}
    proc = subprocess.run(
        [sys.executable, "-m", "tools.plan", "--stack", stack, "--out", str(out)],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    if proc.returncode not in (0, LINT_FINDINGS):  # 4: written in full, the lint found something
        raise PlanError(
            f"offline plan of {stack} failed in {tree}:\n{proc.stderr.strip() or proc.stdout.strip()}"
        )
    return json.loads((out / stack / "plan.json").read_text())


def git(*args: str, cwd: Path) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PlanError(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def plan_diff(base_ref: str, stacks: list[str], tree: Path = ROOT) -> tuple[str, bool]:
    """Markdown of the diff for each stack, and whether anything changed."""
    top = Path(git("rev-parse", "--show-toplevel", cwd=tree))
    sub = tree.resolve().relative_to(top.resolve())
    commit = git("rev-parse", "--verify", f"{base_ref}^{{commit}}", cwd=tree)
    parts = [f"# Offline plan diff: `{base_ref}` ({commit[:10]}) -> working tree", ""]
    changed = False
    with tempfile.TemporaryDirectory(prefix="plan-diff-") as tmp:
        worktree = Path(tmp) / "base"
        git("worktree", "add", "--detach", "--quiet", str(worktree), commit, cwd=tree)
        try:
            for stack in stacks:
                base_tree = worktree / sub
                base = render(base_tree, stack, Path(tmp) / "base-out")
                head = render(tree, stack, Path(tmp) / "head-out")
                sections = diff_plans(base, head, stack_config(base_tree, stack), stack_config(tree, stack))
                changed = changed or bool(sections)
                parts.append(render_markdown(stack, sections))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(worktree)], cwd=tree, capture_output=True
            )
            subprocess.run(["git", "worktree", "prune"], cwd=tree, capture_output=True)
    if not changed:
        parts.append("no changes\n")
    parts.append(
        "_Offline plan: secret values are never shown; a secret changed outside the stack file is "
        "invisible here and shows in `pulumi preview` only._\n"
    )
    return "\n".join(parts), changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="git ref to compare the working tree with")
    parser.add_argument(
        "--stack",
        action="append",
        help="stack(s) to compare; repeat or separate by spaces/commas (default: staging and prod)",
    )
    parser.add_argument("--output", help="also write the Markdown to this file")
    parser.add_argument(
        "--exit-code", action="store_true", help="exit 1 when there are changes (like git diff)"
    )
    args = parser.parse_args(argv)
    stacks = [s for item in args.stack or [] for s in item.replace(",", " ").split()] or list(DEFAULT_STACKS)
    try:
        text, changed = plan_diff(args.base, stacks)
    except PlanError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(text)
    if args.output:
        Path(args.output).write_text(text)
    return 1 if args.exit_code and changed else 0


if __name__ == "__main__":
    sys.exit(main())
