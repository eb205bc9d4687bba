"""Media (seeds/001): the latency warning tags @oncall in Slack, panels link to their logs, quick links.

- Routing: the p95 latency rules carry `mention=oncall` and are the only ones; amtool routes the
  warning rule's real labels to the Slack receiver that mentions the on-call group and its critical
  rule to the media rotation; that receiver is the only contact point with mentions, its group
  id comes from the stack file, and the mention line Grafana's Slack notifier builds from its
  fields is `<!subteam^ID>`.
- Links: every panel's data link opens Explore on Loki over the panel's time range
  (`${__from}`/`${__to}`), filtered by the runbook's logger; each link's LogQL parses with
  Grafana's own grammar (@grafana/lezer-logql); the dashboard links are the runbook's quick links,
  with URLs from the stack's settings.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from components.notifications import _integration
from dashboards import media_clustering as media
from model.panels import panels
from settings import SettingsError
from tests.contexts import every_option_on, stack_context
from tests.helpers import load_with, of_type, one
from tests.plans import STACKS, plan_of
from tools.engines.alertmanager import AmConfig, alertmanager_config, render_template
from tools.grafana_checks import Query, run_node
from tools.plan import ROOT

POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy"
RULE_GROUP = "grafana:alerting/ruleGroup:RuleGroup"
MUTE = "grafana:alerting/muteTiming:MuteTiming"


def _rules(plan):
    return [rule for group in of_type(plan, RULE_GROUP) for rule in group["inputs"]["rules"]]


def _board(ctx):
    (board,) = media.build(ctx).dashboards
    return board.model


def _explore_pane(url: str) -> dict:
    """The one Explore pane a link opens (Grafana fills `${__from}`/`${__to}` in before it parses)."""
    parts = urlsplit(url)
    assert parts.path == "/explore" and not parts.netloc, url
    query = parse_qs(parts.query)
    assert query["schemaVersion"] == ["1"]
    (pane,) = json.loads(query["panes"][0]).values()
    return pane


# --- the mention ---------------------------------------------------------------------------------


def test_only_the_latency_rules_carry_the_mention_label():
    rules = _rules(plan_of("prod").plan)
    mentioned = {r["uid"] for r in rules if r.get("labels", {}).get("mention")}
    assert mentioned == {"media-cluster-latency-p95-warn", "media-cluster-latency-p95-crit"}


def test_latency_warning_reaches_the_mentioning_receiver_and_nothing_else_does():
    plan = plan_of("prod").plan
    config = alertmanager_config(one(plan, POLICY)["inputs"], [m["inputs"] for m in of_type(plan, MUTE)])
    with AmConfig(config) as am:
        for rule in _rules(plan):
            labels = {**rule["labels"], "alertname": rule["name"]}
            reached = am.routes(labels)
            latency_warning = rule["uid"] == "media-cluster-latency-p95-warn"
            assert ("slack-media-oncall" in reached) == latency_warning, (rule["name"], reached)
            if latency_warning:
                assert reached == ["slack-media-oncall"]
            if rule["uid"] == "media-cluster-latency-p95-crit":
                assert reached == ["slack-media", "pagerduty-media"]  # escalates to PagerDuty


def test_the_mention_is_the_stack_files_group_on_one_contact_point_only():
    stack_file = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    group = stack_file["observability:receivers"]["slack-media-oncall"]["mentionGroups"]
    loaded = load_with("prod")
    integrations = {r.name: _integration(r)[1] for r in loaded.receivers if r.type == "slack"}
    with_mentions = {
        name: {k: v for k, v in fields.items() if k.startswith("mention_")}
        for name, fields in integrations.items()
        if any(k.startswith("mention_") for k in fields)
    }
    assert with_mentions == {"slack-media-oncall": {"mention_groups": ",".join(group)}}
    assert integrations["slack-media-oncall"]["recipient"] == "#sploot-media-alerts"


def test_a_group_handle_instead_of_its_id_is_refused():
    raw = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]["observability:receivers"]
    raw["slack-media-oncall"]["mentionGroups"] = ["@oncall"]
    with pytest.raises(SettingsError) as err:
        load_with("prod", overrides={"observability:receivers": raw})
    [problem] = err.value.problems
    assert problem.key == "observability:receivers.slack-media-oncall.mentionGroups[0]"
    assert "user group id" in problem.message


# --- logs of the same time range -------------------------------------------------------------------


def test_every_panel_links_to_its_logs_over_its_own_time_range():
    ctx = every_option_on()
    links = {}
    for panel in panels(_board(ctx)):
        if panel.get("type") == "row":
            continue
        (link,) = panel["fieldConfig"]["defaults"]["links"]
        pane = _explore_pane(link["url"])
        assert pane["range"] == {"from": "${__from}", "to": "${__to}"}
        assert pane["datasource"] == ctx.datasource_uids["loki"]
        (query,) = pane["queries"]
        assert query["datasource"] == {"type": "loki", "uid": ctx.datasource_uids["loki"]}
        links[panel["id"]] = query["expr"]
    assert len(links) == 9  # every panel, the backlog row's included
    feedback = {media.PANEL_FEEDBACK, media.PANEL_FEEDBACK_SUCCESS}
    for panel_id, expr in links.items():
        assert expr.startswith('{service="sploot-cluster"}')
        filtered = 'logger="sploot-cluster.queue"' in expr
        assert filtered == (panel_id not in feedback), (panel_id, expr)


def test_every_link_query_parses_with_grafanas_logql_grammar():
    ctx = every_option_on()
    board = _board(ctx)
    urls = [p["fieldConfig"]["defaults"]["links"][0]["url"] for p in panels(board) if p.get("type") != "row"]
    urls += [link["url"] for link in board["links"] if link["url"].startswith("/explore")]
    exprs = sorted({_explore_pane(u)["queries"][0]["expr"] for u in urls})
    planted = exprs[-1].replace("| json", "| json |")  # a broken pipeline, to show the grammar judges
    queries = [Query(f"link {i}", "logql", e) for i, e in enumerate(exprs)] + [
        Query("planted", "logql", planted)
    ]
    result = run_node([], queries)
    assert len(exprs) == 2 and [f["where"] for f in result["logql"]] == ["planted"], result["logql"]


@pytest.mark.parametrize("stack", STACKS)
def test_quick_links_come_from_the_stacks_settings(stack):
    ctx = stack_context(stack)
    links = {link["title"]: link for link in _board(ctx)["links"]}
    assert list(links) == ["Prometheus console", "Loki log search"]
    assert links["Prometheus console"]["url"] == ctx.prometheus_url.rstrip("/") + "/graph"
    assert ctx.prometheus_url.startswith("http")
    search = _explore_pane(links["Loki log search"]["url"])
    assert search["queries"][0]["expr"] == '{service="sploot-cluster"}'
    assert search["range"] == {"from": "now-1h", "to": "now"}
    assert all(link["targetBlank"] for link in links.values())


def slack_pretext(fields: dict[str, str], render) -> str:
    """The mention line Grafana's Slack notifier puts above the message (grafana/alerting,
    receivers/slack: channel `<!here|here>`, then groups `<!subteam^ID>`, then users `<@ID>`, each
    value rendered as a template first; Slack turns them into the @-mentions)."""
    parts = []
    if fields.get("mention_channel"):
        parts.append(f"<!{fields['mention_channel']}|{fields['mention_channel']}>")
    if fields.get("mention_groups"):
        parts.append("".join(f"<!subteam^{render(g)}>" for g in fields["mention_groups"].split(",")))
    if fields.get("mention_users"):
        parts.append("".join(f"<@{render(u)}>" for u in fields["mention_users"].split(",")))
    return " ".join(parts)


def test_the_latency_warning_message_mentions_the_oncall_group():
    """The contact point's fields as Grafana's notifier renders them (each mention value is a
    template, rendered here by Alertmanager's own template engine for the rule's real labels)."""
    rule = next(r for r in _rules(plan_of("prod").plan) if r["uid"] == "media-cluster-latency-p95-warn")
    labels = {**rule["labels"], "alertname": rule["name"]}
    group = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]["observability:receivers"][
        "slack-media-oncall"
    ]["mentionGroups"][0]
    receivers = {r.name: r for r in load_with("prod").receivers}
    fields = _integration(receivers["slack-media-oncall"])[1]
    assert slack_pretext(fields, lambda t: render_template(t, [labels])) == f"<!subteam^{group}>"
    assert slack_pretext(_integration(receivers["slack-media"])[1], lambda t: t) == ""
