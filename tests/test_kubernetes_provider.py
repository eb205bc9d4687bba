"""The Kubernetes provider never falls back to the machine's current kubeconfig context.

A provider without `context` uses whatever context `kubectl config use-context` last selected, so
`pulumi up --stack prod` from a laptop pointed at staging would publish prod's Secret there. The
settings require the context wherever the Secret is published; the plan hands it to the provider.
"""

from __future__ import annotations

import copy
import shlex

import pytest

import settings
from tests.helpers import load_with, one
from tests.plans import plan_of
from tools.plan import read_stack_config

K8S = "observability:kubernetesSecret"


def test_prod_provider_names_its_context():
    provider = one(plan_of("prod").plan, "pulumi:providers:kubernetes")
    assert provider["inputs"]["context"] == read_stack_config("prod")[K8S]["context"] == "prod"


def test_enabled_without_context_is_refused_with_a_fix_that_parses():
    raw = copy.deepcopy(read_stack_config("prod")[K8S])
    del raw["context"]
    with pytest.raises(settings.SettingsError) as err:
        load_with("prod", overrides={K8S: raw})
    [problem] = err.value.problems
    assert problem.key == "observability:kubernetesSecret.context"
    assert "current context" in problem.message
    assert shlex.split(problem.fix)[:5] == [
        "pulumi",
        "config",
        "set",
        "--path",
        "observability:kubernetesSecret.context",
    ]
    raw["context"] = shlex.split(problem.fix)[5]  # the fix, applied as printed, is accepted
    assert load_with("prod", overrides={K8S: raw}).kubernetes_secret.context == "prod"


def test_disabled_needs_no_context():
    assert load_with("staging", overrides={K8S: {"enabled": False}}).kubernetes_secret is None
