"""The one catalogue of data sources this program provisions.

Components create them, packs reference them, the lint checks queries against them: all read
this table, so adding a data source is one entry here and one resource in components/datasources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

DataSourceKey = Literal["postgres", "loki", "prometheus"]
QueryLanguage = Literal["sql", "logql", "promql"]


@dataclass(frozen=True)
class DataSourceKind:
    key: DataSourceKey  # what packs and settings call it
    uid: str  # pinned: dashboards and rules reference it, so it never changes
    plugin_type: str  # Grafana's plugin id
    language: QueryLanguage  # what its targets' queries are written in
    query_field: str  # the target field that holds the query


CATALOGUE: Mapping[DataSourceKey, DataSourceKind] = {
    kind.key: kind
    for kind in (
        DataSourceKind("postgres", "civic-db", "grafana-postgresql-datasource", "sql", "rawSql"),
        DataSourceKind("loki", "loki", "loki", "logql", "expr"),
        DataSourceKind("prometheus", "prometheus", "prometheus", "promql", "expr"),
    )
}

# The pinned uid of each data source, by key.
UIDS: Mapping[DataSourceKey, str] = {key: kind.uid for key, kind in CATALOGUE.items()}

# Grafana's legacy plugin id of the PostgreSQL data source, still accepted in references.
_PLUGIN_ALIASES = {"postgres": "grafana-postgresql-datasource"}


def kind_of_plugin(plugin_type: str | None) -> DataSourceKind | None:
    """The catalogue entry of a plugin id (as a panel's or target's `datasource.type` names it)."""
    plugin_type = _PLUGIN_ALIASES.get(plugin_type or "", plugin_type)
    return next((k for k in CATALOGUE.values() if k.plugin_type == plugin_type), None)
