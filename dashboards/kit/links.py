"""Links out of a dashboard: panel data links to the logs of the same time range, and quick links.

Explore's URL is Grafana 11's `/explore?schemaVersion=1&panes=<JSON>`: one pane with its data
source, queries and time range (without `orgId`, Explore opens in the viewer's current org, the
dashboard's). The JSON is percent-encoded except for the variables
Grafana fills in when the link is clicked (`${__from}`/`${__to}`: the panel's time range in epoch
milliseconds), so they stay where Grafana's data-link interpolation finds them. Links are relative
(`/explore`, `/d/...`): they stay inside the Grafana that serves the dashboard.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.models import dashboard as dm

from model.datasources import CATALOGUE
from model.pack import PackContext

# The pane's id in Explore's URL state: any short key names the one pane.
PANE = "logs"
# Grafana's variables for the clicked panel's time range (epoch milliseconds).
PANEL_FROM, PANEL_TO = "${__from}", "${__to}"


def explore_url(ctx: PackContext, expr: str, time_from: str = PANEL_FROM, time_to: str = PANEL_TO) -> str:
    """Explore on the Loki data source with `expr`, over [time_from, time_to]."""
    uid = ctx.datasource_uids["loki"]
    pane = {
        PANE: {
            "datasource": uid,
            "queries": [
                {
                    "refId": "A",
                    "expr": expr,
                    "queryType": "range",
                    "editorMode": "code",
                    "datasource": {"type": CATALOGUE["loki"].plugin_type, "uid": uid},
                }
            ],
            "range": {"from": time_from, "to": time_to},
        }
    }
    encoded = quote(json.dumps(pane, separators=(",", ":")), safe="")
    for variable in (PANEL_FROM, PANEL_TO):  # left for Grafana to fill in
        encoded = encoded.replace(quote(variable, safe=""), variable)
    return f"/explore?schemaVersion=1&panes={encoded}"


def logs_link(ctx: PackContext, title: str, expr: str) -> dash.DashboardLink:
    """A panel data link: the logs of `expr` over the panel's time range, in Explore."""
    return (
        dash.DashboardLink(title)
        .type(dm.DashboardLinkType.LINK)
        .url(explore_url(ctx, expr))
        .target_blank(True)
    )


def quick_link(title: str, url: str, tooltip: str) -> dash.DashboardLink:
    """A dashboard link (top of the dashboard) to a tool outside it, opened in a new tab."""
    return (
        dash.DashboardLink(title)
        .type(dm.DashboardLinkType.LINK)
        .url(url)
        .tooltip(tooltip)
        .icon("external link")
        .target_blank(True)
    )
