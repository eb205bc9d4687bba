"""Read `observability:*` from the engine's config, validate it whole, attach the secrets.

Each section is validated on its own, so one bad section does not hide the problems of the others;
the checks across sections run on the valid ones; every problem is reported at once in one
`SettingsError` before anything is registered. Secrets are read with `get_secret` only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import Field, TypeAdapter, ValidationError, create_model

from settings.alerting import RECEIVER_MODELS
from settings.alerting import Receiver as _RECEIVER
from settings.checks import cross_checks, pages
from settings.errors import problems_from
from settings.models import Settings, StackSettings
from settings.problems import (
    NAMESPACE,
    Problem,
    SettingsError,
    did_you_mean,
    key_of,
    looks_like_secret,
    rm_command,
    set_command,
    sorted_problems,
    without_cascades,
)
from settings.section import Section
from settings.values import OWN_CREDENTIALS, PACK_OPTION_TYPES

REQUIRED_SECTIONS = (
    "environment",
    "grafana",
    "postgres",
    "loki",
    "prometheus",
    "runbookBaseUrl",
    "receivers",
    "routing",
)
SCALAR_SECTIONS = ("runbookBaseUrl",)
SECRET_EXAMPLES = {
    "grafanaAuth": "<service-account-token>",
    "postgresAdminPassword": "<admin-password>",
    "slackToken": "<xoxb-bot-token>",
}


def section_schemas(pack_schema: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Stack-file key -> the annotation its value is validated against."""
    schemas = {
        (info.alias or name): _full_annotation(info) for name, info in StackSettings.model_fields.items()
    }
    schemas["packs"] = _packs_model(_freeze(pack_schema))
    return schemas


def _full_annotation(info: Any) -> Any:
    """A field's annotation with its constraints and validators (pydantic keeps them apart)."""
    return Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation


def _freeze(pack_schema: Mapping[str, Mapping[str, Any]]) -> tuple:
    return tuple((team, tuple(options.items())) for team, options in sorted(pack_schema.items()))


@cache
def _packs_model(frozen: tuple) -> type[Section]:
    """`packs.<team>.<option>` from what the packs declare (PackOption: its default gives the type)."""
    teams = {}
    for team, options in frozen:
        fields = {
            name: (
                PACK_OPTION_TYPES[type(o.default)],
                Field(o.default, description=o.help, examples=[o.default]),
            )
            for name, o in options
        }
        team_model = create_model(f"{team.title()}Options", __base__=Section, **fields)
        teams[team] = (team_model, Field(default_factory=team_model))
    return create_model("PackOptions", __base__=Section, **teams)


@cache
def _cached_adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation)


def _adapter(annotation: Any) -> TypeAdapter:
    try:
        return _cached_adapter(annotation)
    except TypeError:  # an unhashable annotation
        return TypeAdapter(annotation)


def namespace_config() -> dict[str, str]:
    """Every `observability:*` key the engine holds (name without namespace -> raw string)."""
    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{NAMESPACE}:"
    return {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)}


def _parsed(name: str, raw: Any) -> Any:
    if name in SCALAR_SECTIONS or not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def receiver_secret_keys(receivers: Any) -> set[str]:
    """Secret keys the receivers of a (possibly invalid) receivers section name."""
    keys: set[str] = set()
    if not isinstance(receivers, dict):
        return keys
    for spec in receivers.values():
        if not isinstance(spec, dict):
            continue
        if spec.get("type") == "slack":
            keys.add("slackToken")
        secret = spec.get("secret")
        if isinstance(secret, str) and secret not in OWN_CREDENTIALS and not looks_like_secret(secret):
            keys.add(secret)
    return keys


def required_secrets(raw: Mapping[str, Any]) -> set[str]:
    """Secret keys (without namespace) that a stack's plain settings require.

    `raw` is the namespace's config as plain data. Used by the offline plan to know which
    placeholders to supply, and by the README's setup list.
    """
    return {"grafanaAuth", "postgresAdminPassword"} | receiver_secret_keys(
        _parsed("receivers", raw.get("receivers"))
    )


class _Secrets:
    def __init__(self, stack: str):
        self.stack = stack
        self.config = pulumi.Config(NAMESPACE)
        self.problems: list[Problem] = []

    def read(self, name: str, example: str) -> pulumi.Output[str] | None:
        full = f"{NAMESPACE}:{name}"
        if runtime_config.get_config(full) is None:
            self.problems.append(
                Problem(full, "secret is missing", set_command(self.stack, [name], example, secret=True))
            )
            return None
        if not runtime_config.is_config_secret(full):
            self.problems.append(
                Problem(
                    full,
                    "is stored in plain text; set it again as a secret",
                    set_command(self.stack, [name], example, secret=True),
                )
            )
            return None
        return self.config.get_secret(name)


def load(pack_schema: Mapping[str, Mapping[str, Any]], stack: str | None = None) -> Settings:
    """Read and validate the whole stack configuration; raise SettingsError listing every problem.

    `pack_schema` is what the packs declare (team -> option -> PackOption: dashboards.PACK_OPTIONS).
    """
    stack = stack or pulumi.get_stack()
    raw = {name: _parsed(name, value) for name, value in namespace_config().items()}
    schemas = section_schemas(pack_schema)
    problems: list[Problem] = []
    sections: dict[str, Any] = {}
    for name, schema in schemas.items():
        if name not in raw:
            if name in REQUIRED_SECTIONS:
                problems.append(
                    Problem(
                        key_of([name]),
                        "is missing (see the README's settings table)",
                        _missing_fix(stack, name),
                    )
                )
            elif name == "kubernetesSecret":
                sections[name] = None
            else:
                sections[name] = _adapter(schema).validate_python({})
            continue
        try:
            sections[name] = _adapter(schema).validate_python(raw[name])
        except ValidationError as err:
            problems += problems_from(err, stack, [name], raw[name], schema)
            partial = _partial(schema, raw[name], err)
            if partial is not None:
                sections[name] = partial
    problems += _unknown_top_level(raw, schemas, required_secrets(raw), stack)
    problems += cross_checks(sections, stack)
    secrets = _Secrets(stack)
    auth = secrets.read("grafanaAuth", SECRET_EXAMPLES["grafanaAuth"])
    admin_password = secrets.read("postgresAdminPassword", SECRET_EXAMPLES["postgresAdminPassword"])
    receivers = {name: r for name, r in (sections.get("receivers") or {}).items() if r is not None}
    slack_token = (
        secrets.read("slackToken", SECRET_EXAMPLES["slackToken"])
        if any(r.type == "slack" for r in receivers.values())
        else None
    )
    receiver_secrets = {
        name: secrets.read(r.secret_key, "<integration-key>" if r.type == "pagerduty" else "<https-url>")
        for name, r in receivers.items()
        if r.type in ("pagerduty", "webhook") and "secret_key" in r.__dict__  # not where it is invalid
    }
    problems += secrets.problems
    if "grafana" in sections:
        problems += _auth_shape(sections["grafana"], stack)
    if problems:
        raise SettingsError(stack, sorted_problems(without_cascades(problems)))
    return _assemble(stack, sections, auth, admin_password, slack_token, receiver_secrets)


def _partial(schema: Any, data: Any, err: ValidationError) -> Any:
    """What of an invalid section is valid, for the checks across sections: a model without its
    invalid fields (reading one raises AttributeError, which skips that check), or the receivers
    with each invalid one reduced the same way (None when even its type is unknown)."""
    bad = {e["loc"][0] for e in err.errors() if e["loc"]}
    if not isinstance(data, dict) or not bad:
        return None
    if isinstance(schema, type) and issubclass(schema, Section):
        return _partial_model(schema, data, bad)
    if schema == _full_annotation(StackSettings.model_fields["receivers"]):
        return {name: _partial_receiver(spec) for name, spec in data.items() if isinstance(name, str)}
    return None


def _partial_model(model: type[Section], data: dict, bad: set) -> Section:
    values = {}
    for field, info in model.model_fields.items():
        key = info.alias or field
        if key in data and key not in bad:
            values[field] = _adapter(_full_annotation(info)).validate_python(data[key])
    partial = model.model_construct(**values)
    for field, info in model.model_fields.items():
        if (info.alias or field) in bad or field not in values and info.is_required():
            partial.__dict__.pop(field, None)
    return partial


def _partial_receiver(spec: Any) -> Any:
    try:
        return _adapter(_RECEIVER).validate_python(spec)
    except ValidationError:
        kind = spec.get("type") if isinstance(spec, dict) else None
        model = RECEIVER_MODELS.get(kind) if isinstance(kind, str) else None
        if model is None:
            return None
        try:
            model.model_validate(spec)
        except ValidationError as err:
            return _partial_model(model, spec, {e["loc"][0] for e in err.errors() if e["loc"]})
        return None


def _missing_fix(stack: str, name: str) -> str:
    if name == "runbookBaseUrl":
        return set_command(stack, [name], "https://civic.github.io/observability")
    return f"add observability:{name} to Pulumi.{stack}.yaml (see the README's settings table)"


def _unknown_top_level(
    raw: Mapping[str, Any], schemas: Mapping[str, Any], secret_keys: set[str], stack: str
) -> list[Problem]:
    problems = []
    for name in sorted(set(raw) - set(schemas) - secret_keys):
        guess = did_you_mean(name, [*schemas, *secret_keys])
        if runtime_config.is_config_secret(f"{NAMESPACE}:{name}"):
            message = "is a secret that no setting uses"
        else:
            message = "is not a setting" + (f"; did you mean {guess}?" if guess else "")
        fix = rm_command(stack, [name])
        if guess and not message.startswith("is a secret"):
            fix = f"rename `{NAMESPACE}:{name}` to `{NAMESPACE}:{guess}` in Pulumi.{stack}.yaml"
        problems.append(Problem(key_of([name]), message, fix, key_of([guess]) if guess else None))
    return problems


def _auth_shape(grafana: Any, stack: str) -> list[Problem]:
    """`grafanaAuth` must hold what `grafana.authType` declares (the provider reads user:password
    as basic auth)."""
    value = runtime_config.get_config(f"{NAMESPACE}:grafanaAuth")
    if not isinstance(value, str) or not runtime_config.is_config_secret(f"{NAMESPACE}:grafanaAuth"):
        return []
    basic = ":" in value
    if basic == (grafana.auth_type == "basic"):
        return []
    held = "user:password (basic auth)" if basic else "a token"
    return [
        Problem(
            f"{NAMESPACE}:grafanaAuth",
            f"holds {held}, but grafana.authType is {grafana.auth_type}",
            set_command(stack, ["grafana", "authType"], "basic" if basic else "serviceAccountToken"),
        )
    ]


def _assemble(stack: str, s: dict[str, Any], auth, admin_password, slack_token, receiver_secrets) -> Settings:
    env = s["environment"]
    grafana = s["grafana"]
    grafana._auth = auth
    postgres = s["postgres"]
    postgres._admin_password = admin_password
    receivers = []
    for name, receiver in sorted(s["receivers"].items()):
        receiver._name = name
        receiver._secret = slack_token if receiver.type == "slack" else receiver_secrets.get(name)
        receivers.append(receiver)
    k8s = s.get("kubernetesSecret")
    paging = pages({**s, "stack": stack})
    if env.allow_paging_outside_prod and paging:
        pulumi.log.warn(
            f"stack '{stack}' is not prod but may page: environment.allowPagingOutsideProd = "
            f"{env.allow_paging_outside_prod!r}"
        )
    return Settings(
        stack=stack,
        environment=env.name,
        paging=paging,
        protect=env.protect if env.protect is not None else env.name == "prod",
        paging_override=env.allow_paging_outside_prod,
        grafana=grafana,
        postgres=postgres,
        loki=s["loki"],
        prometheus=s["prometheus"],
        kubernetes_secret=k8s if k8s is not None and k8s.enabled else None,
        runbook_base_url=s["runbookBaseUrl"],
        receivers=tuple(receivers),
        routing=s["routing"],
        pack_options=s["packs"].model_dump(),
    )
