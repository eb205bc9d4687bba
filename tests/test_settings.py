"""Settings: the real stacks load as typed values; mistakes are named with fixes, all at once, before
anything is registered; the packs' roles and tables bind to the stack's receivers and grants."""

from __future__ import annotations

import copy
import shlex

import pulumi
import pytest
from pydantic import ValidationError

import settings
from components.environment import pack_context
from dashboards import build_packs, media_clustering
from tests.helpers import load_with, run_plan_on
from tools.plan import ROOT, read_stack_config, render_plan, summary


def problems(stack: str, **kwargs) -> dict[str, settings.Problem]:
    with pytest.raises(settings.SettingsError) as err:
        load_with(stack, **kwargs)
    return {p.key: p for p in err.value.problems}


def changed(stack: str, section: str, **values) -> dict:
    raw = copy.deepcopy(read_stack_config(stack)[f"observability:{section}"])
    raw.update(values)
    return {f"observability:{section}": raw}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_stack_files_load_as_typed_values(stack):
    loaded = load_with(stack)
    assert loaded.environment == stack and loaded.is_prod is (stack == "prod")
    assert loaded.paging is (stack == "prod") and loaded.paging_override is None
    pg = loaded.postgres
    assert (pg.statement_timeout_s, pg.idle_in_transaction_timeout_s, pg.lock_timeout_s) == (30, 60, 5)
    assert pg.idle_in_transaction_timeout == "1m"  # given back in canonical form
    assert pg.sslmode == "require" and pg.datasource_name == "civic-db"
    assert isinstance(loaded.grafana.org_id, int) and loaded.grafana.org_id == 1
    assert loaded.routing.timings.info.repeat_interval == "1d"  # 24h, as Grafana stores it
    assert isinstance(loaded.pack_options["media"]["backlog"], bool)
    with pytest.raises(ValidationError):  # frozen
        loaded.postgres.port = 1


def test_settings_error_is_a_pulumi_run_error():
    """Under the Pulumi CLI the language host logs a RunError's message alone, never a stack trace."""
    assert issubclass(settings.SettingsError, pulumi.RunError)


def test_all_problems_reported_at_once_with_fixes():
    found = problems(
        "prod",
        overrides={
            **changed("prod", "postgres", sslmode="disable", port=70000),
            **changed("prod", "loki", url="loki:3100", maxLines=0),
            "observability:grafana": {"url": "http://grafana.example.com"},
        },
        drop_secrets=["grafanaAuth"],
    )
    assert set(found) == {
        "observability:postgres.sslmode",
        "observability:postgres.port",
        "observability:loki.url",
        "observability:loki.maxLines",
        "observability:grafana.url",
        "observability:grafanaAuth",
    }
    assert found["observability:grafanaAuth"].fix == (
        "enter <service-account-token> when asked: "
        "pulumi config set --secret 'observability:grafanaAuth' --stack prod"
    )
    assert found["observability:postgres.port"].fix == (
        "pulumi config set --path 'observability:postgres.port' 5432 --stack prod"
    )
    assert "https" in found["observability:grafana.url"].message


def test_every_fix_command_parses_as_a_pulumi_config_command():
    """Each printed command is one shell line of `pulumi config set|rm` with a quoted key, and no
    word of it is a shell operator: a placeholder such as `<receiver>` printed as a value would be
    two redirections (the CLI asks for such a value instead, see test_settings_cli.py)."""
    routing = changed("prod", "routing", groupBy=["alert-name"], sendAllTo="slack-alert")
    without_oncall = changed("prod", "routing", roles={})
    found = problems(
        "prod",
        overrides={
            **changed("prod", "postgres", tables="sites", sslmode="prefer", schema="pg_catalog"),
            **routing,
        },
        drop_secrets=["grafanaAuth"],
        plain_secrets=["slackToken"],
    )
    with pytest.raises(settings.SettingsError) as unmapped:
        bound("prod", overrides=without_oncall)
    found |= {p.key: p for p in unmapped.value.problems}
    assert {
        "observability:grafanaAuth",
        "observability:slackToken",
        "observability:routing.roles.oncall",
    } <= set(found)
    for problem in found.values():
        commands = problem.fix[problem.fix.index("pulumi config ") :]
        for command in commands.split(" && "):
            words = shlex.split(command)
            assert words[:3] in (["pulumi", "config", "set"], ["pulumi", "config", "rm"]), command
            assert words[-2:] == ["--stack", "prod"]
            lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
            assert not [w for w in lexer if set(w) <= set("<>|;&()")], command
    tables = found["observability:postgres.tables"].fix
    assert "pulumi config set --path 'observability:postgres.tables[0]' sites --stack prod" in tables
    assert "edit the YAML list" in tables


def test_missing_and_plain_text_secrets_are_named():
    text = str(
        pytest.raises(
            settings.SettingsError, load_with, "staging", drop_secrets=["postgresAdminPassword", "slackToken"]
        ).value
    )
    assert "observability:postgresAdminPassword" in text and "observability:slackToken" in text
    assert "nothing was changed" in text
    found = problems("prod", plain_secrets=["pagerdutyClerkKey"])
    assert "plain text" in found["observability:pagerdutyClerkKey"].message


def test_a_pasted_secret_is_never_echoed():
    pasted = "0123456789abcdef0123456789abcdef"
    receivers = copy.deepcopy(read_stack_config("prod")["observability:receivers"])
    receivers["pagerduty-clerk"]["secret"] = pasted
    with pytest.raises(settings.SettingsError) as err:
        load_with("prod", overrides={"observability:receivers": receivers})
    assert pasted not in str(err.value) and "not shown" in str(err.value)


# --- staging never pages -------------------------------------------------------------------------


def test_staging_may_not_define_a_paging_receiver_whatever_paging_says():
    receivers = {
        **read_stack_config("staging")["observability:receivers"],
        "pd": {"type": "pagerduty", "secret": "pagerdutyKey"},
    }
    found = problems(
        "staging",
        overrides={"observability:receivers": receivers, **changed("staging", "environment", paging=True)},
    )
    assert set(found) == {"observability:receivers.pd", "observability:environment.paging"}
    assert "never pages" in found["observability:receivers.pd"].message


def stack_like_staging(name: str, **environment) -> str:
    text = (ROOT / "Pulumi.staging.yaml").read_text().replace("name: staging", f"name: {name}")
    for key, value in environment.items():
        text = text.replace("    protect: false", f"    protect: false\n    {key}: {value}")
    return text


def test_a_personal_stack_behaves_like_staging(tmp_path):
    status, out, err, _ = run_plan_on("alice-dev", stack_like_staging("alice-dev"), tmp_path)
    assert status == 0, err
    assert "offline plan of stack 'alice-dev'" in out
    hostile = stack_like_staging("alice-dev").replace(
        '      channel: "#alerts-staging"',
        '      channel: "#alerts-staging"\n    pd:\n      type: pagerduty\n      secret: pagerdutyAliceKey',
    )
    status, _out, err, written = run_plan_on("alice-dev", hostile, tmp_path / "paging")
    assert status == 2 and not written
    assert "observability:receivers.pd: is a PagerDuty receiver, but stack 'alice-dev' is not prod" in err


def test_the_paging_override_is_deliberate_and_shown_in_the_plan(tmp_path):
    text = stack_like_staging(
        "alice-dev", allowPagingOutsideProd='"load test of the paging path (OPS-123)"'
    ).replace("    paging: false", "    paging: true")
    text = text.replace(
        '      channel: "#alerts-staging"',
        '      channel: "#alerts-staging"\n    pd:\n      type: pagerduty\n      secret: pagerdutyAliceKey',
    )
    status, out, err, _ = run_plan_on("alice-dev", text, tmp_path)
    assert status == 0, err
    assert "warning: stack 'alice-dev' is not prod but may page" in out
    assert "load test of the paging path (OPS-123)" in out


# --- Grafana org and authentication ----------------------------------------------------------------


def test_org_above_one_needs_basic_auth_and_the_secret_must_match():
    found = problems("prod", overrides=changed("prod", "grafana", orgId=2))
    assert "refuses org_id > 1 with a service-account token" in found["observability:grafana.orgId"].message
    basic = changed("prod", "grafana", orgId=2, authType="basic")
    assert load_with("prod", overrides=basic).grafana.org_id == 2  # the placeholder is user:password
    found = problems("prod", overrides=basic, secrets={"observability:grafanaAuth": "glsa_token"})
    assert "holds a token, but grafana.authType is basic" in found["observability:grafanaAuth"].message
    assert "glsa_token" not in str(found)


# --- packs: roles and tables ----------------------------------------------------------------------


def bound(stack: str, **kwargs) -> settings.Settings:
    loaded = load_with(stack, **kwargs)
    return settings.bind_packs(loaded, build_packs(pack_context(loaded)))


def test_grants_come_from_the_tables_the_packs_declare():
    without = {k: v for k, v in read_stack_config("prod")["observability:postgres"].items() if k != "tables"}
    assert bound("prod", overrides={"observability:postgres": without}).postgres.tables == ("sites",)
    with pytest.raises(
        settings.SettingsError, match=r"postgres.tables\[1\]: grants 'events', which no pack reads"
    ):
        bound("prod", overrides=changed("prod", "postgres", tables=["sites", "events"]))


def test_a_restriction_may_leave_a_table_out_and_says_so(monkeypatch):
    import settings.packs as packs_module

    warnings: list[str] = []
    monkeypatch.setattr(packs_module.pulumi.log, "warn", warnings.append)
    loaded = load_with("prod")
    packs = [*build_packs(pack_context(loaded))]
    packs[0] = type(packs[0])(**{**packs[0].__dict__, "tables": ("sites", "runs")})
    restricted = settings.bind_packs(loaded, packs)
    assert restricted.postgres.tables == ("sites",)
    assert warnings and "leaves out runs" in warnings[0] and "clerk" in warnings[0]


def test_roles_resolve_to_the_stacks_receivers():
    routing = bound("prod").routing
    assert routing.receivers_of("clerk", "team-pager") == ("pagerduty-clerk",)
    assert routing.receivers_of("prisma", "oncall") == ("pagerduty-oncall",)
    assert routing.receivers_of("media", "team-channel") == ("slack-media",)


def test_an_unmapped_or_unused_role_is_named():
    teams = copy.deepcopy(read_stack_config("prod")["observability:routing"]["teams"])
    del teams["media"]["team-pager"]
    teams["upstream"]["team-pager"] = ["pagerduty-oncall"]
    with pytest.raises(settings.SettingsError) as err:
        bound("prod", overrides=changed("prod", "routing", teams=teams))
    keys = {p.key for p in err.value.problems}
    assert keys == {
        "observability:routing.teams.media.team-pager",
        "observability:routing.teams.upstream.team-pager",
    }


def test_no_pack_names_an_environments_receiver():
    """Packs route to roles only: no receiver name of any stack file appears in a pack's routes."""
    names = {n for stack in ("prod", "staging") for n in read_stack_config(stack)["observability:receivers"]}
    loaded = load_with("prod")
    for pack in build_packs(pack_context(loaded)):
        for route in pack.routes:
            for roles in route.roles_by_severity.values():
                assert not set(roles) & names


def test_bad_settings_register_nothing():
    registered: list = []
    with pytest.raises(settings.SettingsError):
        render_plan("prod", config_overrides={"observability:postgres": {"host": "x"}}, registered=registered)
    assert registered == []
    with pytest.raises(settings.SettingsError):
        render_plan(
            "prod", config_overrides=changed("prod", "postgres", tables=["events"]), registered=registered
        )
    assert registered == []


# --- per-pack options (`observability:packs`), declared by the packs themselves ---------------------


@pytest.mark.parametrize(("given", "read"), [(False, False), (True, True), (None, False)])
def test_pack_option_is_read_with_its_type(given, read):
    packs = {} if given is None else {"media": {"backlog": given}}
    loaded = load_with("staging", overrides={"observability:packs": packs})
    assert loaded.pack_options["media"]["backlog"] is read


def test_bad_pack_options_are_named_with_their_fix():
    found = problems(
        "staging",
        overrides={"observability:packs": {"media": {"backlog": "false", "backlgo": True}, "medai": {}}},
    )
    assert set(found) == {
        "observability:packs.media.backlog",
        "observability:packs.media.backlgo",
        "observability:packs.medai",
    }
    assert "must be true or false" in found["observability:packs.media.backlog"].message
    assert found["observability:packs.media.backlog"].fix == (  # the CLI keeps a quoted value's type
        "pulumi config rm --path 'observability:packs.media.backlog' --stack staging && "
        "pulumi config set --path 'observability:packs.media.backlog' false --stack staging"
    )
    assert "did you mean backlog" in found["observability:packs.media.backlgo"].message
    assert "did you mean media" in found["observability:packs.medai"].message


@pytest.mark.parametrize(("stack", "backlog"), [("staging", True), ("prod", False)])
def test_the_stack_files_backlog_option_decides_the_media_row(stack, backlog):
    (board,) = media_clustering.build(pack_context(load_with(stack))).dashboards
    rows = [p["title"] for p in board.model["panels"] if p["type"] == "row"]
    assert any("Backlog" in title for title in rows) is backlog


def test_the_summary_shows_no_warning_for_the_real_stacks(tmp_path):
    for stack in ("staging", "prod"):
        result = render_plan(stack)
        assert result.warnings == []
        assert "warning" not in summary(result, tmp_path)


def test_receivers_replaced_wholesale_give_one_message():
    receivers = {"slack-alerts": {"type": "slack", "channel": "#alerts"}}
    found = problems("prod", overrides={"observability:receivers": receivers})
    assert list(found) == ["observability:receivers"]
    assert (
        "pagerduty-oncall (at observability:routing.severityReceivers.critical[0])"
        in found["observability:receivers"].message
    )
