"""Secrets never appear in plain text: not in build/, the plan's output, stack outputs or engine inputs.

Every secret a stack requires gets a known fake value; the generated database password is the
mock engine's MOCK_PASSWORD. Each of those strings is then searched for everywhere the plan
writes or prints. The mock engine ignores `additional_secret_outputs`, so these tests also
prove the program marks secrets itself.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pulumi
import pytest

import components.notifications
import components.postgres_role
import settings
from tests.helpers import json_input, of_type
from tests.plans import STACKS
from tools import plan as plan_tool
from tools.plan import MOCK_PASSWORD, ROOT, SECRET, SecretLeak, render_plan

CONTACT = "grafana:alerting/contactPoint:ContactPoint"
DS = "grafana:oss/dataSource:DataSource"
ROLE = "postgresql:index/role:Role"
K8S_SECRET = "kubernetes:core/v1:Secret"


def fake_secrets(stack: str) -> dict[str, str]:
    """A distinctive fake for every secret the stack's settings require."""
    raw = plan_tool.read_stack_config(stack)
    plain = {k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith(f"{settings.NAMESPACE}:")}
    return {
        f"{settings.NAMESPACE}:{name}": f"FAKE-{name}-{stack}-s3cr3t-9d2e7"
        for name in sorted(settings.required_secrets(plain))
    }


def leaked(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


def scan_tree(root: Path, secrets: list[str]) -> dict[str, list[str]]:
    """{file: secrets found in it} for every file under root."""
    hits = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            found = leaked(path.read_text(errors="replace"), secrets)
            if found:
                hits[str(path.relative_to(root))] = found
    return hits


_rendered: dict[str, tuple[plan_tool.PlanResult, dict[str, str]]] = {}


def rendered(stack: str) -> tuple[plan_tool.PlanResult, dict[str, str]]:
    if stack not in _rendered:
        fakes = fake_secrets(stack)
        _rendered[stack] = (render_plan(stack, secrets=fakes), fakes)
    return _rendered[stack]


@pytest.mark.parametrize("stack", STACKS)
def test_fakes_cover_every_required_secret_and_reach_the_program(stack):
    fakes = fake_secrets(stack)
    assert {"observability:grafanaAuth", "observability:postgresAdminPassword"} <= set(fakes)
    raw = plan_tool.read_stack_config(stack)
    _config, secret_keys, values = plan_tool.engine_config(plan_tool.project_name(), raw, fakes)
    assert values == fakes  # the program runs with exactly these values, none is a placeholder
    assert set(fakes) <= set(secret_keys)  # and each is marked secret in the engine's config


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_in_the_written_plan_the_summary_or_the_outputs(stack, tmp_path):
    result, fakes = rendered(stack)
    secrets = [*fakes.values(), MOCK_PASSWORD]
    out = plan_tool.write_plan(result, tmp_path)
    assert (out / "plan.json").exists() and list((out / "dashboards").glob("*.json"))
    assert scan_tree(tmp_path, secrets) == {}
    assert leaked(plan_tool.summary(result, out), secrets) == []
    assert leaked(json.dumps(result.outputs), secrets) == []
    assert leaked(json.dumps(result.plan), secrets) == []
    assert leaked("\n".join(result.warnings), secrets) == []


@pytest.mark.parametrize("stack", STACKS)
def test_lint_report_prints_no_secret(stack):
    from tools.lint import lint_plan, report

    result, fakes = rendered(stack)
    stream = io.StringIO()
    report(lint_plan(result), stream)
    assert leaked(stream.getvalue(), [*fakes.values(), MOCK_PASSWORD]) == []


@pytest.mark.parametrize("stack", STACKS)
def test_make_plan_prints_and_writes_no_secret(stack, tmp_path):
    """`python -m tools.plan` for real: it can only use placeholders, which must stay hidden too."""
    proc = subprocess.run(
        [sys.executable, "-m", "tools.plan", "--stack", stack, "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    raw = plan_tool.read_stack_config(stack)
    _config, _keys, values = plan_tool.engine_config(plan_tool.project_name(), raw)
    secrets = [*values.values(), MOCK_PASSWORD]
    assert all(v.startswith("placeholder-secret-for-") for v in values.values())
    assert leaked(proc.stdout + proc.stderr, secrets) == []
    assert scan_tree(tmp_path, secrets) == {}
    assert "[secret]" in (tmp_path / stack / "plan.json").read_text()


def test_scanner_finds_a_planted_secret(tmp_path):
    """The scans above would notice a leak: plant one and look."""
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "x.json").write_text(
        json.dumps({"token": "FAKE-slackToken-prod-s3cr3t-9d2e7"})
    )
    assert scan_tree(tmp_path, ["FAKE-slackToken-prod-s3cr3t-9d2e7"]) == {
        "deep/er/x.json": ["FAKE-slackToken-prod-s3cr3t-9d2e7"]
    }


# --- what the engine receives ---


@pytest.mark.parametrize("stack", STACKS)
def test_generated_password_is_marked_although_the_mock_returns_it_plain(stack):
    result, _fakes = rendered(stack)
    role = next(r for r in of_type(result.plan, ROLE))
    assert role["inputs"]["password"] == SECRET
    postgres = next(r for r in of_type(result.plan, DS) if r["inputs"]["uid"] == "civic-db")
    assert postgres["inputs"]["secureJsonDataEncoded"] == SECRET
    for secret in of_type(result.plan, K8S_SECRET):
        assert SECRET in json.dumps(secret["inputs"])
    assert MOCK_PASSWORD not in json.dumps(result.plan)


@pytest.mark.parametrize("stack", STACKS)
def test_contact_point_settings_with_secrets_are_secret(stack):
    result, _fakes = rendered(stack)
    points = of_type(result.plan, CONTACT)
    assert points
    for point in points:
        inputs = point["inputs"]
        integrations = {k: v for k, v in inputs.items() if k in ("slacks", "pagerduties", "webhooks")}
        for kind, value in integrations.items():
            # The whole nested settings list is secret, or each secret field inside it is.
            if value != SECRET:
                for item in value:
                    field = {"slacks": "token", "pagerduties": "integrationKey", "webhooks": "url"}[kind]
                    assert item[field] == SECRET, f"{point['name']}.{kind}.{field} is not secret"


def test_prod_has_a_secret_bearing_contact_point_to_check(prod):
    kinds = {k for r in of_type(prod.plan, CONTACT) for k in r["inputs"]}
    assert {"slacks", "pagerduties"} <= kinds


@pytest.mark.parametrize("stack", STACKS)
def test_provider_credentials_are_secret(stack):
    result, fakes = rendered(stack)
    grafana = [r for r in result.plan["resources"] if r["type"] == "pulumi:providers:grafana"]
    assert grafana and all(r["inputs"].get("auth") == SECRET for r in grafana)
    postgres = [r for r in result.plan["resources"] if r["type"] == "pulumi:providers:postgresql"]
    assert postgres and all(r["inputs"].get("password") == SECRET for r in postgres)


def test_stack_outputs_hold_no_secret_and_no_secret_mark(prod):
    assert SECRET not in json.dumps(prod.outputs)
    assert set(prod.outputs) >= {"grafanaUrl", "datasourceUids", "dashboards"}


def test_datasource_json_data_holds_no_credentials(stack_plan):
    for ds in of_type(stack_plan.plan, DS):
        data = json_input(ds, "jsonDataEncoded")
        assert not {"password", "basicAuthPassword", "token"} & set(data)


# --- SecretLeak: a value that reaches the engine unmarked is refused ---


def test_planted_contact_point_leak_is_refused(monkeypatch):
    fakes = fake_secrets("prod")
    token = fakes["observability:slackToken"]
    original = components.notifications._integration

    def leaky(receiver):
        kind, args = original(receiver)
        if kind == "slacks":
            args = {**args, "token": token}  # the plain value instead of the secret Output
        return kind, args

    monkeypatch.setattr(components.notifications, "_integration", leaky)
    registered: list = []
    with pytest.raises(SecretLeak, match="contactPoint") as refused:
        render_plan("prod", secrets=fakes, registered=registered)
    assert not leaked(json.dumps(registered), [token])  # the leaking resource was never recorded
    assert token not in str(refused.value)  # the error names where, never what


def test_unmarked_generated_password_is_refused(monkeypatch):
    """If the role forgot `Output.secret`, the mock's plain password would reach the engine."""

    role_class = components.postgres_role.ReadOnlyRole
    original = role_class.__init__

    def forgetful_init(self, *args, **kwargs):
        with pytest.MonkeyPatch.context() as inside:  # the bug: Output.secret leaves no mark here
            inside.setattr(pulumi.Output, "secret", staticmethod(pulumi.Output.from_input))
            original(self, *args, **kwargs)

    monkeypatch.setattr(role_class, "__init__", forgetful_init)
    with pytest.raises(SecretLeak, match="role:Role"):
        render_plan("staging", secrets=fake_secrets("staging"))


def test_secret_exported_in_plain_text_is_refused(monkeypatch):
    import program

    fakes = fake_secrets("staging")
    original = program.main

    def leaky_main():
        original()
        pulumi.export("debugAuth", fakes["observability:grafanaAuth"])

    monkeypatch.setattr(program, "main", leaky_main)
    with pytest.raises(SecretLeak, match="stack outputs"):
        render_plan("staging", secrets=fakes)


def test_plan_command_reports_a_leak_without_printing_it(monkeypatch, tmp_path):
    """A real leak through `make plan`: the secret the command itself holds is not printed."""
    token = plan_tool.placeholder("observability:slackToken")  # what main() puts in the config
    original = components.notifications._integration

    def leaky(receiver):
        kind, args = original(receiver)
        return kind, ({**args, "token": token} if kind == "slacks" else args)

    monkeypatch.setattr(components.notifications, "_integration", leaky)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert plan_tool.main(["--stack", "prod", "--out", str(tmp_path)]) == 3
    assert "unmarked" in err.getvalue()
    assert leaked(out.getvalue() + err.getvalue(), [token]) == []
    assert not (tmp_path / "prod").exists()  # nothing written
