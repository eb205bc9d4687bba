"""Bad or missing settings give the named error, all at once, and nothing is registered."""

from __future__ import annotations

import pulumi
import pytest

import settings
from components.environment import pack_context
from dashboards import PACK_OPTIONS, media_clustering
from tools.plan import engine_config, project_name, read_stack_config, render_plan


def load_with(stack: str, overrides=None, drop_secrets=(), plain_secrets=()):
    """settings.load() on the stack's file with changes; secrets as the engine would hold them."""
    raw = {**read_stack_config(stack), **(overrides or {})}
    config, secret_keys, _ = engine_config(project_name(), raw)
    for key in drop_secrets:
        config.pop(f"observability:{key}")
    for key in plain_secrets:
        secret_keys.remove(f"observability:{key}")
    pulumi.runtime.set_all_config(config, secret_keys)
    return settings.load(PACK_OPTIONS, pulumi.Config("observability"), stack=stack)


def problems(stack: str, **kwargs) -> dict[str, settings.Problem]:
    with pytest.raises(settings.SettingsError) as err:
        load_with(stack, **kwargs)
    return {p.key: p for p in err.value.problems}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_stack_files_are_valid(stack):
    loaded = load_with(stack)
    assert loaded.environment == stack
    assert loaded.postgres.tables == ("sites",)
    assert loaded.postgres.statement_timeout_s == 30


def test_all_problems_reported_at_once_with_fixes():
    prod = read_stack_config("prod")
    found = problems(
        "prod",
        overrides={
            "observability:postgres": {**prod["observability:postgres"], "sslmode": "disable", "port": 70000},
            "observability:loki": {**prod["observability:loki"], "url": "loki:3100", "maxLines": 0},
            "observability:grafana": {"url": "http://grafana.example.com"},
        },
        drop_secrets=["grafanaAuth"],
    )
    assert set(found) >= {
        "observability:postgres.sslmode",
        "observability:postgres.port",
        "observability:loki.url",
        "observability:loki.maxLines",
        "observability:grafana.url",
        "observability:grafanaAuth",
    }
    assert found["observability:grafanaAuth"].fix == (
        "pulumi config set --secret 'observability:grafanaAuth' <service-account-token> --stack prod"
    )
    assert "--path 'observability:postgres.port'" in found["observability:postgres.port"].fix
    assert "https" in found["observability:grafana.url"].message


def test_error_message_names_every_key():
    with pytest.raises(settings.SettingsError) as err:
        load_with("staging", drop_secrets=["postgresAdminPassword", "slackToken"])
    text = str(err.value)
    assert "observability:postgresAdminPassword" in text and "observability:slackToken" in text
    assert "nothing was changed" in text


def test_secret_stored_in_plain_text_is_refused():
    found = problems("prod", plain_secrets=["pagerdutyClerkKey"])
    assert "plain text" in found["observability:pagerdutyClerkKey"].message


def test_staging_may_not_define_a_paging_receiver():
    staging = read_stack_config("staging")
    receivers = {**staging["observability:receivers"], "pd": {"type": "pagerduty", "secret": "pdKey"}}
    found = problems("staging", overrides={"observability:receivers": receivers})
    assert "never pages" in found["observability:receivers.pd"].message


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("postgres", "tables", []),
        ("postgres", "tables", ["sites; drop table x"]),
        ("postgres", "statementTimeout", "thirty"),
        ("postgres", "maxOpenConnections", 50),
        ("prometheus", "tlsSkipVerify", True),
        ("routing", "defaultReceiver", "nobody"),
    ],
)
def test_each_bad_value_is_named(section, key, value):
    prod = read_stack_config("prod")
    found = problems(
        "prod", overrides={f"observability:{section}": {**prod[f"observability:{section}"], key: value}}
    )
    assert f"observability:{section}.{key}" in found


def test_unknown_receiver_in_a_pack_route_is_named_and_nothing_registered():
    prod = read_stack_config("prod")
    receivers = {k: v for k, v in prod["observability:receivers"].items() if k != "pagerduty-clerk"}
    registered: list = []
    with pytest.raises(settings.SettingsError) as err:
        render_plan("prod", config_overrides={"observability:receivers": receivers}, registered=registered)
    assert "observability:receivers.pagerduty-clerk" in str(err.value)
    assert registered == []


def test_bad_settings_register_nothing():
    registered: list = []
    with pytest.raises(settings.SettingsError):
        render_plan("prod", config_overrides={"observability:postgres": {"host": "x"}}, registered=registered)
    assert registered == []


def test_durations():
    assert settings.parse_duration("1h30m") == 5400
    for bad in ("", "15", "m", "1x", "-5m"):
        with pytest.raises(ValueError):
            settings.parse_duration(bad)


# --- per-pack options (`observability:packs`), declared by the packs themselves ---------------------


@pytest.mark.parametrize(("given", "read"), [(False, False), ("false", False), ("true", True), (None, False)])
def test_pack_option_is_read_with_its_type(given, read):
    """YAML may hand over the string "false": the pack must still see False, not a truthy string."""
    packs = {} if given is None else {"media": {"backlog": given}}
    loaded = load_with("staging", overrides={"observability:packs": packs})
    assert loaded.pack_options["media"]["backlog"] is read


def test_bad_pack_options_are_named_with_their_fix():
    found = problems(
        "staging",
        overrides={"observability:packs": {"media": {"backlog": "maybe", "backlgo": True}, "medai": {}}},
    )
    assert set(found) == {
        "observability:packs.media.backlog",
        "observability:packs.media.backlgo",
        "observability:packs.medai",
    }
    assert "must be true or false" in found["observability:packs.media.backlog"].message
    assert found["observability:packs.media.backlog"].fix == (
        "pulumi config set --path 'observability:packs.media.backlog' false --stack staging"
    )
    assert found["observability:packs.media.backlgo"].fix == (
        "pulumi config rm --path 'observability:packs.media.backlgo' --stack staging"
    )
    assert "backlog" in found["observability:packs.media.backlgo"].message
    assert "media" in found["observability:packs.medai"].message


@pytest.mark.parametrize(("stack", "backlog"), [("staging", True), ("prod", False)])
def test_the_stack_files_backlog_option_decides_the_media_row(stack, backlog):
    """The stack file's value reaches the pack through settings: staging has the backlog row."""
    (board,) = media_clustering.build(pack_context(load_with(stack))).dashboards
    rows = [p["title"] for p in board.model["panels"] if p["type"] == "row"]
    assert any("Backlog" in title for title in rows) is backlog
