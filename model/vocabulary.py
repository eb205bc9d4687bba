"""Words every floor agrees on: alert severities and the alert categories with routes of their own."""

from __future__ import annotations

from typing import Literal

Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")

# Values of the `category` alert label that get a special route (see components/routing.py), in match order.
ALERT_CATEGORIES = ("security", "slo", "error-budget")

# Receiver roles a pack routes to; each stack maps them to its receivers. A team role is the
# team's own (`routing.teams.<team>.<role>`), an organisation role is shared (`routing.roles.<role>`).
# `team-channel-mention` is the team's channel with a mention of its on-call (a Slack user group);
# `team-email` the team's mailing list.
ReceiverRole = Literal["team-channel", "team-channel-mention", "team-pager", "team-email", "oncall"]
TEAM_ROLES: tuple[ReceiverRole, ...] = ("team-channel", "team-channel-mention", "team-pager", "team-email")
ORG_ROLES: tuple[ReceiverRole, ...] = ("oncall",)
