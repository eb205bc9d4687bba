"""Checks across settings: each runs only when every section it reads is valid (no cascades).

`sections` holds the validated sections by stack-file key; a section that failed validation is
absent, so a mistyped `paging` gives one message and not one per PagerDuty receiver and route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from model.durations import parse_duration
from settings.alerting import ReceiverBase, RoutingSettings
from settings.problems import Problem, did_you_mean, key_of, rm_command, set_command

SECURE_SSL_MODES = ("require", "verify-ca", "verify-full")
Check = Callable[[Mapping[str, Any], str], Iterator[Problem]]
CHECKS: list[tuple[tuple[str, ...], Check]] = []


def needs(*sections: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        CHECKS.append((sections, check))
        return check

    return register


def cross_checks(sections: Mapping[str, Any], stack: str) -> list[Problem]:
    """Every check whose sections are (at least partly) valid; a check that reads an invalid
    field (AttributeError on a partial section) is skipped: that field has its own problem."""
    problems: list[Problem] = []
    sections = {**sections, "stack": stack}
    for required, check in CHECKS:
        if not all(
            sections.get(s) is not None or s == "kubernetesSecret" and s in sections for s in required
        ):
            continue
        try:
            for problem in check(sections, stack):
                problems.append(problem)  # kept even if the check stops at an invalid field
        except AttributeError:
            continue
    return problems


def is_prod(sections: Mapping[str, Any]) -> bool:
    """Prod is the stack named prod whose environment says so; any other stack behaves like staging.

    Where the environment names another stack, that is its one problem: the checks that depend on
    the environment are skipped (AttributeError) instead of judging the file by the wrong stack."""
    env = sections["environment"]
    if env.name != sections["stack"]:
        raise AttributeError("environment.name")
    return env.name == "prod"


def pages(sections: Mapping[str, Any]) -> bool:
    """Whether this stack may page: prod with `paging: true`, or another stack deliberately overridden."""
    env = sections["environment"]
    if not is_prod(sections) and env.allow_paging_outside_prod is None:
        return False  # whatever `paging` says
    return env.paging


@needs("environment")
def environment_is_the_stack(s: Mapping[str, Any], stack: str) -> Iterator[Problem]:
    env = s["environment"]
    if env.name != stack:
        yield Problem(
            key_of(["environment", "name"]),
            f"is '{env.name}' but this is stack '{stack}'",
            set_command(stack, ["environment", "name"], stack),
        )
    if env.allow_paging_outside_prod is not None and env.name == "prod":
        yield Problem(
            key_of(["environment", "allowPagingOutsideProd"]),
            "is for stacks other than prod; prod pages through environment.paging",
            rm_command(stack, ["environment", "allowPagingOutsideProd"]),
        )
    if env.paging and env.name != "prod" and env.allow_paging_outside_prod is None:
        yield Problem(
            key_of(["environment", "paging"]),
            f"is true, but stack '{stack}' is not prod and never pages (unless deliberately overridden "
            "with environment.allowPagingOutsideProd: <why>)",
            set_command(stack, ["environment", "paging"], False),
        )


def _prod_uses_https(section: str) -> Check:
    def check(s: Mapping[str, Any], stack: str) -> Iterator[Problem]:
        url = s[section].url
        if is_prod(s) and not url.startswith("https://"):
            yield Problem(
                key_of([section, "url"]),
                "must be https in prod",
                set_command(stack, [section, "url"], "https://" + url.split("://", 1)[-1]),
            )
        if is_prod(s) and section != "grafana" and s[section].tls_skip_verify:
            yield Problem(
                key_of([section, "tlsSkipVerify"]),
                "must be false in prod (TLS is verified)",
                set_command(stack, [section, "tlsSkipVerify"], False),
            )

    return check


for _section in ("grafana", "loki", "prometheus"):
    needs("environment", _section)(_prod_uses_https(_section))


@needs("environment", "postgres")
def prod_encrypts_the_database(s: Mapping[str, Any], stack: str) -> Iterator[Problem]:
    if is_prod(s) and s["postgres"].sslmode not in SECURE_SSL_MODES:
        yield Problem(
            key_of(["postgres", "sslmode"]),
            "must encrypt (require, verify-ca or verify-full) in prod",
            set_command(stack, ["postgres", "sslmode"], "require"),
        )


@needs("postgres")
def postgres_roles_and_pool(s: Mapping[str, Any], stack: str) -> Iterator[Problem]:
    pg = s["postgres"]
    if pg.readonly_role == pg.admin_user:
        yield Problem(
            key_of(["postgres", "readonlyRole"]),
            "must differ from postgres.adminUser: Grafana never logs in as the admin",
            set_command(stack, ["postgres", "readonlyRole"], "grafana_readonly"),
        )
    if pg.max_open_connections > pg.connection_limit:
        yield Problem(
            key_of(["postgres", "maxOpenConnections"]),
            f"must not exceed postgres.connectionLimit ({pg.connection_limit})",
            set_command(stack, ["postgres", "maxOpenConnections"], pg.connection_limit),
        )


@needs("grafana")
def org_id_needs_basic_auth(s: Mapping[str, Any], stack: str) -> Iterator[Problem]:
    grafana = s["grafana"]
    if grafana.org_id > 1 and grafana.auth_type != "basic":
        yield Problem(
            key_of(["grafana", "orgId"]),
            f"is {grafana.org_id}, but the Grafana provider refuses org_id > 1 with a service-account "
            "token (a token is bound to its own org): use that org's token with orgId 1, or set "
            "grafana.authType to basic and grafanaAuth to user:password",
            set_command(stack, ["grafana", "orgId"], 1),
        )


@needs("kubernetesSecret")
def kubernetes_secret_is_named(s: Mapping[str, Any], stack: str) -> Iterator[Problem]:
    k8s = s["kubernetesSecret"]
    if k8s is None or not k8s.enabled:
        return
    if k8s.context is None:
        # Without it the provider would use whatever context the machine's kubeconfig has selected.
        yield Problem(
            key_of(["kubernetesSecret", "context"]),
            "is missing (kubernetesSecret.enabled is true): name the kubeconfig context of the cluster, "
            "or the provider would silently use the machine's current context",
            set_command(stack, ["kubernetesSecret", "context"], stack),
        )
    for key, example in (("namespace", "grafana"), ("name", "civic-db-readonly")):
        if getattr(k8s, key) is None:
            yield Problem(
                key_of(["kubernetesSecret", key]),
                "is missing (kubernetesSecret.enabled is true)",
                set_command(stack, ["kubernetesSecret", key], example),
            )


@needs("receivers")
def receiver_names_unique_regardless_of_case(s: Mapping[str, Any], stack: str) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for name in s["receivers"]:
        first = seen.setdefault(name.lower(), name)
        if first != name:
            yield Problem(
                key_of(["receivers", name]),
                f"has the same name as receiver '{first}' apart from case (Grafana's names ignore case)",
                rm_command(stack, ["receivers", name]),
            )


def _paging_receivers(s: Mapping[str, Any]) -> list[str]:
    return [name for name, r in s["receivers"].items() if r is not None and "type" in r.__dict__ and r.pages]


@needs("environment", "receivers")
def only_prod_pages(s: Mapping[str, Any], stack: str) -> Iterator[Problem]:
    env = s["environment"]
    if is_prod(s) and not env.paging and _paging_receivers(s):
        # One mistake, one message: prod with paging off and receivers that page.
        names = ", ".join(_paging_receivers(s))
        yield Problem(
            key_of(["environment", "paging"]),
            f"is false, but these receivers page: {names}; set paging to true or remove them",
            set_command(stack, ["environment", "paging"], True),
        )
        return
    for name, receiver in s["receivers"].items():
        if receiver is None or not receiver.pages or pages(s):
            continue
        why = (
            f"stack '{stack}' is not prod and never pages"
            if not is_prod(s)
            else "environment.paging is false in this stack"
        )
        kind = "PagerDuty" if receiver.type == "pagerduty" else "paging webhook"
        if not is_prod(s) and env.allow_paging_outside_prod is None:
            why += " (unless deliberately overridden with environment.allowPagingOutsideProd: <why>)"
        yield Problem(
            key_of(["receivers", name]),
            f"is a {kind} receiver, but {why}",
            rm_command(stack, ["receivers", name]),
        )


@needs("environment", "routing")
def non_paging_stacks_send_all_to_one(s: Mapping[str, Any], stack: str) -> Iterator[Problem]:
    if is_prod(s) and not s["environment"].paging and "receivers" in s and _paging_receivers(s):
        return  # reported once, at environment.paging
    if not pages(s) and s["routing"].send_all_to is None:
        yield Problem(
            key_of(["routing", "sendAllTo"]),
            "is required where the stack does not page (every alert to one channel)",
            set_command(stack, ["routing", "sendAllTo"], "slack-staging"),
        )


def _references(routing: RoutingSettings) -> Iterator[tuple[list[str | int], str]]:
    """(path, receiver name) of every receiver the routing settings name."""
    yield ["routing", "defaultReceiver"], routing.default_receiver
    if routing.send_all_to:
        yield ["routing", "sendAllTo"], routing.send_all_to
    for section, mapping in (
        ("severityReceivers", routing.severity_map()),
        ("roles", {k: v for k, v in routing.roles.model_dump(by_alias=True).items() if v}),
    ):
        for key, names in mapping.items():
            for i, name in enumerate(names):
                yield ["routing", section, key, i], name
    for category, by_severity in routing.category_map().items():
        for severity, names in by_severity.items():
            for i, name in enumerate(names):
                yield ["routing", "categoryReceivers", category, severity, i], name
    for team, roles in routing.teams.items():
        for role, names in roles.model_dump(by_alias=True).items():
            for i, name in enumerate(names or ()):
                yield ["routing", "teams", team, role, i], name


@needs("receivers", "routing")
def routing_names_defined_receivers(s: Mapping[str, Any], stack: str) -> Iterator[Problem]:
    """One problem per undefined receiver, at its first use (a renamed receiver is one mistake)."""
    receivers: Mapping[str, ReceiverBase] = s["receivers"]
    uses: dict[str, list[list[str | int]]] = {}
    for path, name in _references(s["routing"]):
        if name not in receivers:
            uses.setdefault(name, []).append(path)
    if len(uses) > 1:
        # Several names at once (the receivers replaced or renamed wholesale): one message, not one per use.
        listed = ", ".join(f"{name} (at {key_of(paths[0])})" for name, paths in uses.items())
        yield Problem(
            key_of(["receivers"]),
            f"does not define {len(uses)} receivers that routing names: {listed}",
            f"define them under observability:receivers in Pulumi.{stack}.yaml, or route to defined ones",
        )
        return
    for name, paths in uses.items():
        guess = did_you_mean(name, receivers)
        hint = f"; did you mean {guess}?" if guess else ""
        also = f" (also named at {', '.join(key_of(p) for p in paths[1:])})" if len(paths) > 1 else ""
        fix = (
            f"rename receiver `{guess}` to `{name}` in Pulumi.{stack}.yaml, or name `{guess}` in each place"
            if guess and len(paths) > 1
            else set_command(stack, paths[0], guess or next(iter(receivers), "slack-alerts"))
        )
        yield Problem(
            key_of(paths[0]),
            f"names receiver '{name}', which is not defined under observability:receivers{hint}{also}",
            fix,
        )


@needs("routing")
def timings_and_windows(s: Mapping[str, Any], stack: str) -> Iterator[Problem]:
    routing: RoutingSettings = s["routing"]
    critical, warning = routing.timings.critical, routing.timings.warning
    if parse_duration(critical.repeat_interval) > parse_duration(warning.repeat_interval):
        yield Problem(
            key_of(["routing", "timings", "critical", "repeatInterval"]),
            f"must not be longer than warning's ({warning.repeat_interval}): critical repeats sooner",
            set_command(stack, ["routing", "timings", "critical", "repeatInterval"], warning.repeat_interval),
        )
    for i, window in enumerate(routing.maintenance):
        if window.start >= window.end:
            yield Problem(
                key_of(["routing", "maintenance", i, "end"]),
                f"must be after start ({window.start}); split a window that crosses midnight in two",
                set_command(stack, ["routing", "maintenance", i, "end"], "24:00"),
            )
