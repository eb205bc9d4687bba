"""Every key the schema check leaves out, each with the reason it is right to leave out.

The one place for exceptions to the type check against `@grafana/schema`: a key listed here is
removed from the JSON before it is type-checked, wherever `path` matches (`*` is any index or
key); nothing else is excused. An exception that removes nothing in any dashboard of a stack is
itself reported (`stale`), so this list cannot outlive what it excuses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SchemaException:
    path: str  # JSON path of the object holding the key: "templating.list[*]", "panels[*].targets[*]"
    key: str
    reason: str


SCHEMA_EXCEPTIONS: tuple[SchemaException, ...] = (
    *(
        SchemaException(
            "templating.list[*]",
            key,
            "grafana-foundation-sdk writes the interval variable's auto settings on every "
            "variable; Grafana's VariableModel has no such key (only interval variables read "
            "them) and ignores it on query and custom variables",
        )
        for key in ("auto", "auto_count", "auto_min")
    ),
    SchemaException(
        "panels[*].targets[*]",
        "direction",
        "Loki log query direction (forward/backward): Grafana 11.6's Loki data source reads it "
        "(LokiQuery in public/app/plugins/datasource/loki/types.ts adds `direction` to the "
        "schema's LokiDataQuery), but @grafana/schema 11.6 does not publish it",
    ),
)
