"""Plain-data contracts between service packs (content) and components (mechanism).

A pack returns a `Pack`: dashboard models, alert specs and routing needs. Nothing here
touches Pulumi, so packs can be rendered, linted and tested without any engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from model.datasources import DataSourceKey
from model.scenarios import Scenario
from model.vocabulary import ReceiverRole, Severity

Comparator = Literal[">", "<"]
Reducer = Literal["last", "max", "min", "mean", "sum", "count"]


@dataclass(frozen=True)
class AlertSpec:
    """One alert condition; each entry of `thresholds` becomes one Grafana rule.

    Warning and critical variants come from this one spec (a threshold per severity),
    never from copies. The rule fires when `reducer(query) <comparator> threshold`
    has held for `for_`.
    """

    name: str  # stable identifier, e.g. "clerk_stuck_sites"; rule uids derive from it
    title: str
    datasource: DataSourceKey
    query: str  # SQL, PromQL or LogQL
    comparator: Comparator
    thresholds: Mapping[Severity, float]
    for_: str  # Prometheus-style duration, e.g. "15m"
    every: str  # evaluation interval of its rule group, e.g. "1m"
    summary: str  # template text; may use {{ $values.B.Value }}, {{ $labels.x }}
    description: str
    runbook_anchor: str  # section of the team's runbook page; the rule builder composes the URL
    dashboard_uid: str
    panel_id: int
    reducer: Reducer = "last"
    lookback: str = "10m"  # relative time range the query is evaluated over
    labels: Mapping[str, str] = field(default_factory=dict)
    no_data_state: Literal["OK", "NoData", "Alerting"] = "OK"
    # Why that state: what an empty result means for this query (a quiet system, or a target gone).
    no_data_reason: str = ""
    exec_err_state: Literal["OK", "Error", "Alerting"] = "Error"
    # Per-severity overrides of `for_` where a document gives different durations.
    for_by_severity: Mapping[Severity, str] = field(default_factory=dict)
    # SQL only: the column the condition reads (Grafana turns other columns into labels).
    value_column: str | None = None
    # Per-severity rule titles where a document names each variant itself (e.g. a warning and a
    # critical alert with names of their own); otherwise `title`, with the severity when several.
    titles: Mapping[Severity, str] = field(default_factory=dict)
    # Prometheus only: extra instant-query fields (legend etc.) are not needed for alerting.

    def rule_uid(self, severity: Severity) -> str:
        """Deterministic uid (Grafana allows at most 40 characters)."""
        suffix = {"critical": "crit", "warning": "warn", "info": "info"}[severity]
        return f"{self.name.replace('_', '-')}-{suffix}"[:40]

    def rule_title(self, severity: Severity) -> str:
        """The rule's title: Grafana's `alertname`, what notifications and silences show."""
        if severity in self.titles:
            return self.titles[severity]
        return self.title if len(self.thresholds) == 1 else f"{self.title} ({severity})"

    def for_duration(self, severity: Severity) -> str:
        return self.for_by_severity.get(severity, self.for_)


@dataclass(frozen=True)
class Dashboard:
    """A dashboard model (Grafana JSON, without `id`/`version`) and the folder it lives in."""

    uid: str
    title: str
    model: Mapping[str, Any]


@dataclass(frozen=True)
class TeamRoute:
    """Where a team's alerts go, by severity: receiver *roles*, which each stack maps to its receivers.

    A pack never names an environment's receivers: it says "the team's channel" or "the
    organisation's on-call", and stack config (`routing.teams.<team>` and `routing.roles`) says who
    that is there. A severity listing several roles reaches all of their receivers (routes with
    `continue`). `matchers` narrows the route further than `team=<team>` (e.g. a dedicated service).
    """

    team: str
    roles_by_severity: Mapping[Severity, tuple[ReceiverRole, ...]]
    matchers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DerivedField:
    """A Loki derived field: a regex over the log line that becomes a link."""

    name: str
    matcher_regex: str
    url: str  # relative Grafana path (stays inside Grafana), e.g. /d/uid?var-x=${__value.raw}


@dataclass(frozen=True)
class Pack:
    """Everything one team asked for: its folder, dashboards, alerts and routes."""

    team: str  # label value on every alert, e.g. "clerk"
    folder_uid: str
    folder_title: str
    dashboards: tuple[Dashboard, ...]
    alerts: tuple[AlertSpec, ...]
    routes: tuple[TeamRoute, ...]
    message_templates: Mapping[str, str] = field(default_factory=dict)
    loki_derived_fields: tuple[DerivedField, ...] = ()
    # The proof of each Prometheus alert, keyed by alert name (see model.scenarios).
    scenarios: Mapping[str, Scenario] = field(default_factory=dict)
    # PostgreSQL tables the pack's queries read: the read-only role is granted SELECT on these.
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackOption:
    """A setting a pack reads (`observability:packs.<team>.<name>`); its default gives its type.

    Settings validate every value against these before anything is built, so a pack reads a bool
    as a bool (YAML's `"false"` string would otherwise be truthy).
    """

    default: bool | int | str
    help: str


@dataclass(frozen=True)
class PackContext:
    """What a pack may know of its environment: filled from validated settings only."""

    stack: str
    grafana_url: str  # base URL, for links in alert annotations
    datasource_uids: Mapping[DataSourceKey, str]
    runbook_base_url: str
    options: Mapping[str, Any] = field(default_factory=dict)  # per-pack toggles, by team
    prometheus_url: str = ""  # the Prometheus server (its console for quick links); "" where unknown

    def option(self, team: str, key: str, default: Any = None) -> Any:
        return self.options.get(team, {}).get(key, default)

    def panel_url(self, dashboard_uid: str, panel_id: int) -> str:
        return f"{self.grafana_url.rstrip('/')}/d/{dashboard_uid}?viewPanel={panel_id}"
