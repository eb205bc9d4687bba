"""Every panel with targets names the data source its targets query.

Grafana's older dashboard renderer, the panel editor and Explore do not read a target's data
source: a panel without its own falls back to the org's default data source (and this program
marks none as default). The kit sets it on every panel from its targets.
"""

from __future__ import annotations

import pytest
from grafana_foundation_sdk.builders import timeseries

from dashboards.kit.dashboard import MIXED, with_targets_data_source
from dashboards.kit.targets import loki, prom
from model.datasources import CATALOGUE, kind_of_plugin
from model.panels import panels
from tests.contexts import pack_context
from tests.plans import STACKS, plan_of


def _source(ref: dict) -> tuple[str, str]:
    return ref["type"], ref["uid"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_panel_with_targets_names_its_targets_data_source(stack):
    checked = 0
    for uid, model in plan_of(stack).dashboards.items():
        for panel in panels(model):
            targets = panel.get("targets") or []
            if not targets:
                continue
            where = f"{uid} panel {panel['id']} ({panel.get('title')})"
            assert panel.get("datasource"), f"{where}: targets but no panel data source"
            sources = {_source(t["datasource"]) for t in targets}
            expected = _source(MIXED.to_json()) if len(sources) > 1 else sources.pop()
            assert _source(panel["datasource"]) == expected, where
            kind = kind_of_plugin(panel["datasource"]["type"])
            assert kind is not None and panel["datasource"]["uid"] == CATALOGUE[kind.key].uid, where
            checked += 1
    assert checked >= 60, f"only {checked} panels with targets: the walk missed some"


def test_the_kit_takes_the_targets_source_and_marks_mixed_panels():
    ctx = pack_context()
    one = with_targets_data_source(timeseries.Panel().with_target(prom(ctx, "up"))).build()
    assert one.datasource.to_json() == {"type": "prometheus", "uid": CATALOGUE["prometheus"].uid}
    both = timeseries.Panel().with_target(prom(ctx, "up")).with_target(loki(ctx, '{job="x"}', "B"))
    assert with_targets_data_source(both).build().datasource.to_json() == MIXED.to_json()
    assert with_targets_data_source(timeseries.Panel()).build().datasource is None  # nothing to query
