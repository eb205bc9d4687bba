"""The plan loads an SDK's modules only for the resources it registers (what keeps it near the
cost of importing its SDKs): checked in a fresh interpreter per stack, since a test process has
already imported everything."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tools.plan import ROOT

_LOADED = """
import json, sys, types
from tools import plan
plan.render_plan(sys.argv[1])
print(json.dumps(sorted(name for name, module in sys.modules.items() if type(module) is types.ModuleType)))
"""


def executed_modules(stack: str) -> set[str]:
    """Modules executed (not merely registered lazily) by rendering the stack's plan."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, stack], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def loaded() -> dict[str, set[str]]:
    return {stack: executed_modules(stack) for stack in ("staging", "prod")}


def test_staging_loads_no_kubernetes_sdk(loaded):
    assert not any(m.split(".")[0] == "pulumi_kubernetes" for m in loaded["staging"])


def test_prod_loads_the_secret_without_the_rest_of_the_core_api_group(loaded):
    assert "pulumi_kubernetes.core.v1.Secret" in loaded["prod"]
    others = {m for m in loaded["prod"] if m.startswith("pulumi_kubernetes.core.v1.")} - {
        "pulumi_kubernetes.core.v1.Secret"
    }
    assert not others, f"core.v1 executed beyond the Secret: {sorted(others)[:5]}"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_grafana_oss_namespace_stays_unexecuted(loaded, stack):
    """Only the `oss` resource modules the program registers; the namespace itself would execute
    dozens of modules (data sources' lookups, users, teams, playlists, ...) it never uses.
    (`alerting` cannot stay so: its resource modules import `from . import outputs`.)"""
    grafana = {m for m in loaded[stack] if m.startswith("pulumiverse_grafana.oss")}
    assert {"pulumiverse_grafana.oss.dashboard", "pulumiverse_grafana.oss.data_source"} <= grafana
    assert "pulumiverse_grafana.oss" not in grafana
    assert not grafana & {"pulumiverse_grafana.oss.team", "pulumiverse_grafana.oss.playlist"}
