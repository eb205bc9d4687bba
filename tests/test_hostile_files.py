"""Hand-written hostile stack files, one per class of mistake: each is refused by the offline plan
with exit 2 and one message naming the key (or the file and line), nothing written, no traceback.

Each case edits a real stack file (as data, or as text for the YAML-level shapes) and lists what
the error must say. Secret-looking values must never be echoed. `make plan` runs exactly this
(`tools.plan.main`), in-process here for speed.
"""

from __future__ import annotations

import copy
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.helpers import run_plan_on
from tools.plan import ROOT

NS = "observability:"
WINDOW = {"weekdays": ["sunday"], "start": "02:00", "end": "04:00", "location": "UTC"}
PASTED = {
    "hex": "0123456789abcdef0123456789abcdef",
    "url": "https://hooks.example.com/services/T000/B000/XXXXXXXXXXXX",
    "token": "xoxb-123456789012-abcdefghijklmnop",
}


def original(stack: str) -> str:
    return (ROOT / f"Pulumi.{stack}.yaml").read_text()


def edit(change: Callable[[dict], None]) -> Callable[[str], str]:
    """A case that changes the stack file's `config:` as data."""

    def apply(text: str) -> str:
        doc = yaml.safe_load(text)
        change(doc["config"])
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)

    return apply


def put(section: str, *path_and_value) -> Callable[[str], str]:
    *path, value = path_and_value

    def change(config: dict) -> None:
        here = config[NS + section]
        for step in path[:-1]:
            here = here[step]
        here[path[-1]] = copy.deepcopy(value)

    return edit(change)


def rename(section: str, *path_and_new) -> Callable[[str], str]:
    *path, new = path_and_new

    def change(config: dict) -> None:
        if not path:
            config[NS + new] = config.pop(NS + section)
            return
        here = config[NS + section]
        for step in path[:-1]:
            here = here[step]
        here[new] = here.pop(path[-1])

    return edit(change)


def top(key: str, value) -> Callable[[str], str]:
    return edit(lambda config: config.__setitem__(key, copy.deepcopy(value)))


def text(transform: Callable[[str], str]) -> Callable[[str], str]:
    return transform


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
)

# (id, stack, edit, what stderr must contain)
CASES: list[tuple[str, str, Callable[[str], str], tuple[str, ...]]] = [
    # --- typos at every level: "did you mean" from the keys known there ----------------------
    ("typo-top", "prod", rename("routing", "routng"), ("observability:routng", "did you mean routing")),
    (
        "typo-top-k8s",
        "prod",
        rename("kubernetesSecret", "kubernetesSecrets"),
        ("did you mean kubernetesSecret",),
    ),
    (
        "typo-categoryReceiver",
        "prod",
        rename("routing", "categoryReceivers", "categoryReceiver"),
        ("observability:routing.categoryReceiver:", "did you mean categoryReceivers"),
    ),
    (
        "typo-severityReceiver",
        "prod",
        rename("routing", "severityReceivers", "severityReceiver"),
        ("did you mean severityReceivers",),
    ),
    (
        "typo-maintainance",
        "prod",
        put("routing", "maintainance", [WINDOW]),
        ("did you mean maintenance",),
    ),
    (
        "typo-conectionLimit",
        "prod",
        rename("postgres", "connectionLimit", "conectionLimit"),
        ("did you mean connectionLimit",),
    ),
    (
        "unknown-postgres-tlsSkipVerify",
        "prod",
        put("postgres", "tlsSkipVerify", False),
        ("postgres.tlsSkipVerify", "not a setting"),
    ),
    (
        "dead-queryTimeout",
        "staging",
        put("postgres", "queryTimeout", "30s"),
        ("postgres.queryTimeout", "was removed"),
    ),
    (
        "typo-receiver-field",
        "prod",
        rename("receivers", "slack-alerts", "channel", "chanel"),
        ("did you mean channel",),
    ),
    (
        "typo-timing",
        "prod",
        rename("routing", "timings", "critical", "repeatInterval", "repeatInteval"),
        ("routing.timings.critical.repeatInteval", "did you mean repeatInterval"),
    ),
    (
        "typo-severity",
        "staging",
        rename("routing", "timings", "critical", "critcal"),
        ("did you mean critical",),
    ),
    (
        "typo-window",
        "prod",
        put("routing", "maintenance", [{"weekday": ["monday"], "start": "02:00", "end": "04:00"}]),
        ("routing.maintenance[0].weekday", "did you mean weekdays"),
    ),
    (
        "typo-pack-option",
        "staging",
        put("packs", "media", {"backlgo": True}),
        ("packs.media.backlgo", "did you mean backlog"),
    ),
    ("typo-pack-team", "staging", put("packs", "medai", {}), ("packs.medai", "did you mean media")),
    (
        "typo-team-role",
        "prod",
        rename("routing", "teams", "clerk", "team-pager", "team-pagr"),
        ("routing.teams.clerk.team-pagr", "did you mean team-pager"),
    ),
    (
        "typo-team",
        "prod",
        rename("routing", "teams", "clerk", "clrek"),
        ("routing.teams.clrek", "did you mean clerk"),
    ),
    (
        "typo-paging",
        "staging",
        rename("environment", "paging", "pagin"),
        ("environment.pagin", "did you mean paging"),
    ),
    ("typo-orgID", "prod", rename("grafana", "orgId", "orgID"), ("did you mean orgId",)),
    # --- YAML-level shapes: file and line, never a traceback --------------------------------
    ("yaml-top-level-list", "prod", text(lambda t: "- a\n- b\n"), ("Pulumi.prod.yaml:1", "mapping")),
    (
        "yaml-config-list",
        "prod",
        text(lambda t: "config:\n  - a\n"),
        ("Pulumi.prod.yaml:1", "`config:` must be a mapping"),
    ),
    ("yaml-config-scalar", "prod", text(lambda t: "config: 3\n"), ("`config:` must be a mapping",)),
    (
        "yaml-date",
        "prod",
        text(lambda t: t.replace("port: 5432", "port: 2024-01-01")),
        ("Pulumi.prod.yaml:1", "date"),
    ),
    (
        "yaml-python-tag",
        "prod",
        text(lambda t: t.replace("name: prod", "name: !!python/object/apply:os.system [touch /tmp/pwned]")),
        ("Pulumi.prod.yaml:", "!!python/object/apply:os.system", "not allowed"),
    ),
    (
        "yaml-custom-tag",
        "prod",
        text(lambda t: t.replace("name: prod", "name: !Ref prod")),
        ("!Ref", "not allowed"),
    ),
    (
        "yaml-infinity",
        "prod",
        text(lambda t: t.replace("connectionLimit: 10", "connectionLimit: .inf")),
        ("not a finite number",),
    ),
    (
        "yaml-binary",
        "prod",
        text(lambda t: t.replace("name: prod", "name: !!binary cHJvZA==")),
        ("!!binary",),
    ),
    (
        "yaml-tab",
        "prod",
        text(lambda t: t.replace("    name: prod", "\tname: prod")),
        ("Pulumi.prod.yaml:", "tab"),
    ),
    ("yaml-empty", "prod", text(lambda t: ""), ("Pulumi.prod.yaml", "empty")),
    ("yaml-comment-only", "prod", text(lambda t: "# nothing\n"), ("empty",)),
    ("yaml-alias-bomb", "prod", text(lambda t: BOMB), ("expands to more than",)),
    (
        "yaml-recursive-alias",
        "prod",
        text(lambda t: "config: &c\n  observability:x: *c\n"),
        ("refers to itself",),
    ),
    (
        "yaml-duplicate-section",
        "prod",
        text(lambda t: t + "  observability:routing:\n    defaultReceiver: slack-alerts\n"),
        ("duplicate key 'observability:routing'", "first at line"),
    ),
    (
        "yaml-duplicate-key",
        "staging",
        text(lambda t: t.replace("    sslmode: require", "    sslmode: require\n    sslmode: disable")),
        ("Pulumi.staging.yaml:", "duplicate key 'sslmode'"),
    ),
    ("yaml-two-documents", "prod", text(lambda t: t + "---\nconfig: {}\n"), ("more than one YAML document",)),
    (
        "yaml-non-text-key",
        "prod",
        text(lambda t: t.replace("  observability:environment:", "  1: x\n  observability:environment:")),
        ("key must be text",),
    ),
    (
        "yaml-unclosed",
        "prod",
        text(lambda t: t.replace("[alertname, team, severity]", "[alertname, team")),
        ("Pulumi.prod.yaml:",),
    ),
    ("yaml-not-utf8", "prod", text(lambda t: t.replace("clerk", "cl\udcffrk")), ("not UTF-8",)),
    # --- secret references -------------------------------------------------------------------
    (
        "secret-admin-password",
        "prod",
        put("receivers", "pagerduty-clerk", "secret", "postgresAdminPassword"),
        ("receivers.pagerduty-clerk.secret", "own credential postgresAdminPassword"),
    ),
    (
        "secret-grafana-auth",
        "prod",
        put("receivers", "pagerduty-clerk", "secret", "grafanaAuth"),
        ("own credential grafanaAuth",),
    ),
    (
        "secret-slack-token",
        "prod",
        put("receivers", "hook", {"type": "webhook", "secret": "slackToken"}),
        ("receivers.hook.secret", "own credential slackToken"),
    ),
    (
        "secret-pasted-hex",
        "prod",
        put("receivers", "pagerduty-clerk", "secret", PASTED["hex"]),
        ("looks like the secret itself",),
    ),
    (
        "secret-pasted-url",
        "prod",
        put("receivers", "hook", {"type": "webhook", "secret": PASTED["url"]}),
        ("not shown",),
    ),
    (
        "secret-pasted-token",
        "prod",
        put("receivers", "pagerduty-clerk", "secret", PASTED["token"]),
        ("not shown",),
    ),
    (
        "secret-not-for-receivers",
        "prod",
        put("receivers", "pagerduty-clerk", "secret", "clerkKey"),
        ("must name a PagerDuty secret key",),
    ),
    (
        "secret-in-plain-text",
        "prod",
        top(NS + "pagerdutyClerkKey", PASTED["hex"]),
        ("pagerdutyClerkKey", "plain text"),
    ),
    (
        "secret-unused",
        "prod",
        top(NS + "pagerdutyOldKey", {"secure": "v1:AAAA"}),
        ("pagerdutyOldKey", "no setting uses"),
    ),
    (
        "secret-pasted-as-channel",
        "prod",
        put("receivers", "slack-alerts", "channel", PASTED["url"]),
        ("receivers.slack-alerts.channel",),
    ),
    # --- staging never pages, whatever `paging` says -------------------------------------------
    (
        "staging-pagerduty",
        "staging",
        put("receivers", "pd", {"type": "pagerduty", "secret": "pagerdutyKey"}),
        ("receivers.pd", "not prod and never pages"),
    ),
    (
        "staging-paging-true",
        "staging",
        put("environment", "paging", True),
        ("environment.paging", "never pages"),
    ),
    (
        "staging-paging-webhook",
        "staging",
        put("receivers", "hook", {"type": "webhook", "secret": "webhookOpsUrl", "paging": True}),
        ("receivers.hook", "paging webhook"),
    ),
    (
        "staging-says-prod",
        "staging",
        put("environment", "name", "prod"),
        ("environment.name", "this is stack 'staging'"),
    ),
    (
        "prod-override",
        "prod",
        put("environment", "allowPagingOutsideProd", "because we can, really"),
        ("allowPagingOutsideProd",),
    ),
    (
        "prod-paging-false",
        "prod",
        put("environment", "paging", False),
        ("environment.paging", "these receivers page: pagerduty-clerk"),
    ),
    (
        "paging-string",
        "staging",
        put("environment", "paging", "false"),
        ("environment.paging", "true or false"),
    ),
    (
        "protect-yes",
        "staging",
        put("environment", "protect", "yes"),
        ("environment.protect", "true or false"),
    ),
    # --- values the real systems would refuse at apply time -----------------------------------
    (
        "pg-role-trailing-newline",
        "prod",
        put("postgres", "readonlyRole", "grafana_readonly\n"),
        ("postgres.readonlyRole", "plain role name"),
    ),
    (
        "pg-timeout-30d",
        "prod",
        put("postgres", "statementTimeout", "30d"),
        ("postgres.statementTimeout", "2147483647"),
    ),
    ("pg-timeout-0s", "prod", put("postgres", "lockTimeout", "0s"), ("postgres.lockTimeout", "from 1s")),
    (
        "pg-timeout-no-unit",
        "prod",
        put("postgres", "idleInTransactionTimeout", "60"),
        ("postgres.idleInTransactionTimeout", "duration"),
    ),
    (
        "pg-timeout-number",
        "prod",
        put("postgres", "statementTimeout", 30),
        ("postgres.statementTimeout", "duration"),
    ),
    (
        "repeat-400d",
        "prod",
        put("routing", "timings", "info", "repeatInterval", "400d"),
        ("routing.timings.info.repeatInterval",),
    ),
    (
        "zone-zurich",
        "prod",
        put("routing", "maintenance", [{**WINDOW, "location": "Europe/Zürich"}]),
        ("did you mean Europe/Zurich",),
    ),
    (
        "label-dash",
        "prod",
        put("routing", "groupBy", ["alert-name", "team"]),
        ("routing.groupBy[0]", "label name"),
    ),
    ("url-ftp", "prod", put("grafana", "url", "ftp://grafana.example.com"), ("grafana.url", "http")),
    ("url-port", "prod", put("grafana", "url", "https://grafana.example.com:99999"), ("grafana.url", "port")),
    ("url-space", "prod", put("loki", "url", "https://loki.example .com"), ("loki.url", "spaces")),
    ("url-control", "prod", put("loki", "url", "https://loki.example.com/\x07"), ("loki.url", "control")),
    ("url-idn", "prod", put("prometheus", "url", "https://prometheus.bücher.example"), ("xn--bcher-kva",)),
    (
        "url-credentials",
        "prod",
        put("grafana", "url", "https://admin:hunter2@grafana.example.com"),
        ("grafana.url", "credentials"),
    ),
    (
        "url-http-in-prod",
        "prod",
        put("grafana", "url", "http://grafana.example.com"),
        ("grafana.url", "https in prod"),
    ),
    ("host-with-scheme", "prod", put("postgres", "host", "postgres://db:5432"), ("postgres.host",)),
    (
        "role-is-admin",
        "prod",
        put("postgres", "readonlyRole", "pulumi_admin"),
        ("postgres.readonlyRole", "differ"),
    ),
    ("schema-system", "prod", put("postgres", "schema", "pg_catalog"), ("postgres.schema", "system")),
    ("table-system", "prod", put("postgres", "tables", ["pg_authid"]), ("postgres.tables[0]", "system")),
    (
        "table-information-schema",
        "prod",
        put("postgres", "tables", ["information_schema"]),
        ("postgres.tables[0]",),
    ),
    (
        "role-upper-case",
        "prod",
        put("postgres", "readonlyRole", "Grafana_RO"),
        ("postgres.readonlyRole", "lower case"),
    ),
    ("database-reserved", "prod", put("postgres", "database", "select"), ("postgres.database", "reserved")),
    ("sslmode-prefer", "staging", put("postgres", "sslmode", "prefer"), ("postgres.sslmode", "verify-full")),
    ("sslmode-allow", "staging", put("postgres", "sslmode", "allow"), ("postgres.sslmode",)),
    ("orgid-2-token", "prod", put("grafana", "orgId", 2), ("grafana.orgId", "org_id > 1")),
    ("orgid-string", "prod", put("grafana", "orgId", "1"), ("grafana.orgId", "whole number")),
    ("port-string", "prod", put("postgres", "port", "5432"), ("postgres.port", "whole number")),
    (
        "receiver-case",
        "prod",
        put("receivers", "Slack-Alerts", {"type": "slack", "channel": "#x"}),
        ("receivers.Slack-Alerts", "apart from case"),
    ),
    ("pool-over-limit", "prod", put("postgres", "maxOpenConnections", 50), ("postgres.maxOpenConnections",)),
    (
        # the Kubernetes provider would otherwise use whatever context the machine has selected
        "kubernetes-no-context",
        "prod",
        edit(lambda c: c[NS + "kubernetesSecret"].pop("context")),
        ("kubernetesSecret.context", "current context", "kubernetesSecret.context' prod"),
    ),
    (
        "window-backwards",
        "prod",
        put("routing", "maintenance", [{**WINDOW, "end": "01:00"}]),
        ("routing.maintenance[0].end",),
    ),
    (
        "critical-repeats-later",
        "prod",
        put("routing", "timings", "critical", "repeatInterval", "1d"),
        ("routing.timings.critical.repeatInterval",),
    ),
    (
        "table-not-read",
        "prod",
        put("postgres", "tables", ["sites", "events"]),
        ("postgres.tables[1]", "no pack reads"),
    ),
    (
        "default-receiver-unknown",
        "prod",
        put("routing", "defaultReceiver", "slack-alert"),
        ("routing.defaultReceiver", "did you mean slack-alerts"),
    ),
    (
        "role-unmapped",
        "prod",
        edit(lambda c: c[NS + "routing"]["teams"]["clerk"].pop("team-pager")),
        ("routing.teams.clerk.team-pager", "role 'team-pager'"),
    ),
    (
        "k8s-without-name",
        "prod",
        edit(lambda c: c[NS + "kubernetesSecret"].pop("name")),
        ("kubernetesSecret.name", "missing"),
    ),
    (
        "receiver-type-typo",
        "prod",
        put("receivers", "slack-alerts", "type", "slak"),
        ("receivers.slack-alerts.type", "did you mean slack"),
    ),
    (
        "receiver-no-type",
        "prod",
        put("receivers", "slack-x", {"channel": "#x"}),
        ("receivers.slack-x.type", "missing"),
    ),
    (
        "email-empty",
        "prod",
        put("receivers", "email-oncall", "addresses", []),
        ("receivers.email-oncall.addresses", "empty"),
    ),
    (
        "channel-no-hash",
        "prod",
        put("receivers", "slack-alerts", "channel", "alerts"),
        ("receivers.slack-alerts.channel",),
    ),
    ("max-lines-0", "prod", put("loki", "maxLines", 0), ("loki.maxLines", "at least 1")),
    ("version-13", "prod", put("postgres", "version", 13), ("postgres.version", "at least 14")),
    ("section-missing", "prod", edit(lambda c: c.pop(NS + "grafana")), ("observability:grafana", "missing")),
    ("section-scalar", "prod", top(NS + "postgres", "clerk"), ("observability:postgres", "mapping")),
    (
        "tables-string",
        "prod",
        put("postgres", "tables", "sites"),
        ("postgres.tables", "'observability:postgres.tables[0]' sites"),
    ),
]


@pytest.mark.parametrize(("case", "stack", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hostile_file_is_refused_cleanly(case, stack, change, expected, tmp_path):
    hostile = change(original(stack))
    if case == "yaml-not-utf8":
        hostile = hostile.encode("utf-8", "surrogateescape")
    status, out, err, written = run_plan_on(stack, hostile, tmp_path)
    assert status == 2, f"{case}: exit {status}\n{out}\n{err}"
    assert "Traceback" not in err + out
    assert not written, "something was written under build/"
    for fragment in expected:
        assert fragment in err, f"{case}: {fragment!r} not in\n{err}"
    for secret in PASTED.values():
        assert secret not in err + out, f"{case}: a pasted secret was echoed"
    # One mistake, one message: one settings problem, or one line naming the file and line.
    assert err.count("\n  - ") == 1 or (err.count("\n") == 1 and "configuration problem" not in err), err


def test_an_alias_bomb_is_refused_without_being_expanded(tmp_path):
    """Counted, never built: 10^9 values would take gigabytes; the refusal allocates a few MiB.
    (How long it takes is the benchmark's business, not a test's.)"""
    from settings.stack_file import StackFileError, load_yaml

    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)  # 10^9 values once expanded
    tracemalloc.start()
    try:
        with pytest.raises(StackFileError, match="expands to more than"):
            load_yaml(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, f"{peak / 2**20:.1f} MiB allocated"


def test_a_stack_file_that_cannot_be_read_is_named(tmp_path):
    from tools import plan

    for path, reason in ((tmp_path / "missing.yaml", "no such stack file"), (tmp_path, "cannot be read")):
        with pytest.raises(plan.StackFileError, match=reason):
            plan.read_stack_config("prod", path)


def test_a_python_tag_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    hostile = original("prod").replace(
        "name: prod", f"name: !!python/object/apply:os.system [touch {marker}]"
    )
    status, _out, _err, _written = run_plan_on("prod", hostile, tmp_path)
    assert status == 2 and not marker.exists()


def test_one_wrong_value_gives_one_message(tmp_path):
    """`paging: "false"` is one mistake: not also one per PagerDuty receiver and route."""
    hostile = put("environment", "paging", "false")(original("prod"))
    status, _out, err, _written = run_plan_on("prod", hostile, tmp_path)
    assert status == 2
    assert err.count("\n  - ") == 1, err


def test_the_real_files_still_plan(tmp_path):
    for stack in ("staging", "prod"):
        status, out, err, written = run_plan_on(stack, original(stack), tmp_path / stack)
        assert status == 0, err
        assert written


def test_yaml_reads_as_pulumi_does(tmp_path):
    """Scalars as the Pulumi CLI reads stack files: `yes` stays text, `02:00` is a time, `1_000` a number."""
    from settings.stack_file import load_yaml

    path = Path(tmp_path) / "x.yaml"
    path.write_text("a: yes\nb: 02:00\nc: true\nd: 0x1F\ne: 1_000\nf: ~\n<<: {g: 1}\nh: on\ni: 0b101\nj: y\n")
    assert load_yaml(path) == {
        "a": "yes",
        "b": "02:00",
        "c": True,
        "d": 31,
        "e": 1000,
        "f": None,
        "g": 1,
        "h": "on",
        "i": 5,
        "j": "y",
    }
