"""Receivers (contact points) and routing: the alerting half of the schema.

Receivers are a union tagged by `type`; routing names them, directly or through the receiver roles
the packs route to. Timings are durations in Prometheus' canonical form, as Grafana stores them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, Field, PrivateAttr, field_validator

from settings.section import Section
from settings.values import (
    Clock,
    Email,
    Flag,
    LabelName,
    ReceiverName,
    SecretKey,
    SlackChannel,
    SlackGroupId,
    SlackUserId,
    TimeZone,
    Weekday,
    duration,
    invalid,
    unique,
)

_DAY = 86400


# --- receivers -------------------------------------------------------------------------------


class ReceiverBase(Section):
    """A contact point. Its secret (token, key, URL) is an Output; the rest is plain config."""

    _name: str = PrivateAttr("")
    _secret: Any = PrivateAttr(None)

    @property
    def name(self) -> str:
        return self._name

    @property
    def secret(self) -> pulumi.Output[str] | None:
        return self._secret

    @property
    def pages(self) -> bool:
        return False


class SlackReceiver(ReceiverBase):
    type: Literal["slack"]
    channel: SlackChannel = Field(description="the channel", examples=["#alerts"])
    mention_groups: Annotated[tuple[SlackGroupId, ...], unique("group")] = Field(
        (),
        description="Slack user groups every message mentions (e.g. the team's @oncall)",
        examples=[["S0123ABCD"]],
    )
    mention_users: Annotated[tuple[SlackUserId, ...], unique("user")] = Field(
        (), description="Slack members every message mentions", examples=[["U0123ABCD"]]
    )
    mention_channel: Literal["here", "channel"] | None = Field(
        None, description="@here or @channel in every message", examples=["here"]
    )


class EmailReceiver(ReceiverBase):
    type: Literal["email"]
    addresses: Annotated[tuple[Email, ...], Field(min_length=1), unique("address")] = Field(
        description="the recipients", examples=[["oncall@example.com"]]
    )


class PagerDutyReceiver(ReceiverBase):
    type: Literal["pagerduty"]
    secret_key: SecretKey = Field(
        alias="secret",
        description="config key of its integration key (pagerduty...)",
        examples=["pagerdutyClerkKey"],
    )

    @field_validator("secret_key")
    @classmethod
    def _named_for_pagerduty(cls, value: str) -> str:
        if not value.startswith("pagerduty"):
            raise invalid("must name a PagerDuty secret key: pagerduty<Service>, like pagerdutyClerkKey")
        return value

    @property
    def pages(self) -> bool:
        return True


class WebhookReceiver(ReceiverBase):
    type: Literal["webhook"]
    secret_key: SecretKey = Field(
        alias="secret", description="config key of its URL (webhook...)", examples=["webhookOpsUrl"]
    )
    paging: Flag = Field(
        False, description="the webhook pages someone (refused outside prod)", examples=[False]
    )

    @field_validator("secret_key")
    @classmethod
    def _named_for_webhooks(cls, value: str) -> str:
        if not value.startswith("webhook"):
            raise invalid("must name a webhook secret key: webhook<Name>, like webhookOpsUrl")
        return value

    @property
    def pages(self) -> bool:
        return self.paging


Receiver = Annotated[
    SlackReceiver | EmailReceiver | PagerDutyReceiver | WebhookReceiver, Field(discriminator="type")
]
RECEIVER_MODELS: dict[str, type[ReceiverBase]] = {
    "slack": SlackReceiver,
    "email": EmailReceiver,
    "pagerduty": PagerDutyReceiver,
    "webhook": WebhookReceiver,
}

# --- routing ---------------------------------------------------------------------------------

ReceiverList = Annotated[tuple[ReceiverName, ...], Field(min_length=1), unique("receiver")]
TimingDuration = duration(1, 365 * _DAY, "Grafana takes any positive duration; capped at a year")


def _timing(severity: str, wait: str, interval: str, repeat: str) -> type[Section]:
    class Timing(Section):
        group_wait: TimingDuration = Field(
            wait, description=f"{severity}: wait before the first notification", examples=[wait]
        )
        group_interval: TimingDuration = Field(
            interval, description=f"{severity}: wait before notifying of changes", examples=[interval]
        )
        repeat_interval: TimingDuration = Field(
            repeat, description=f"{severity}: repeat while firing", examples=[repeat]
        )

    Timing.__name__ = Timing.__qualname__ = f"{severity.title()}Timing"
    return Timing


CriticalTiming = _timing("critical", "30s", "5m", "1h")
WarningTiming = _timing("warning", "1m", "10m", "4h")
InfoTiming = _timing("info", "5m", "30m", "1d")


class Timings(Section):
    critical: CriticalTiming = Field(default_factory=CriticalTiming)
    warning: WarningTiming = Field(default_factory=WarningTiming)
    info: InfoTiming = Field(default_factory=InfoTiming)

    def of(self, severity: str) -> Section:
        return getattr(self, severity)


class MaintenanceWindow(Section):
    weekdays: Annotated[tuple[Weekday, ...], Field(min_length=1), unique("weekday")] = Field(
        description="days of the window", examples=[["sunday"]]
    )
    start: Clock = Field(description="start, HH:MM", examples=["02:00"])
    end: Clock = Field(description="end, HH:MM, after start", examples=["04:00"])
    location: TimeZone = Field("UTC", description="time zone", examples=["UTC"])
    mute_critical: Flag = Field(
        False,
        description="also mute critical alerts (pages) in this window; false keeps them paging",
        examples=[False],
    )


class SeverityReceivers(Section):
    critical: ReceiverList | None = Field(None, examples=[["pagerduty-oncall"]])
    warning: ReceiverList | None = Field(None, examples=[["slack-alerts"]])
    info: ReceiverList | None = Field(None, examples=[["slack-monitoring"]])


class CategoryReceivers(Section):
    """Receivers of each special route, per severity: a severity a category leaves out is routed as
    if the alert had no category (its team's route, else the organisation's)."""

    security: SeverityReceivers | None = None
    slo: SeverityReceivers | None = None
    error_budget: SeverityReceivers | None = Field(None, alias="error-budget")


class OrgRoles(Section):
    """Receivers of the organisation's roles that packs route to."""

    oncall: ReceiverList | None = Field(None, examples=[["pagerduty-oncall"]])


class TeamRoles(Section):
    """Receivers of one team's roles."""

    team_channel: ReceiverList | None = Field(None, alias="team-channel", examples=[["slack-alerts"]])
    team_pager: ReceiverList | None = Field(None, alias="team-pager", examples=[["pagerduty-clerk"]])
    team_email: ReceiverList | None = Field(None, alias="team-email", examples=[["email-backend"]])
    team_channel_mention: ReceiverList | None = Field(
        None, alias="team-channel-mention", examples=[["slack-media-oncall"]]
    )


def _mapping(model: BaseModel) -> dict[str, Any]:
    """A receivers-by-key model as {stack-file key: receivers}, unset keys left out."""
    return {
        (info.alias or name): value
        for name, info in type(model).model_fields.items()
        if (value := getattr(model, name)) is not None
    }


class RoutingSettings(Section):
    default_receiver: ReceiverName = Field(
        description="the root of the policy tree", examples=["slack-alerts"]
    )
    send_all_to: ReceiverName | None = Field(
        None,
        description="one receiver for every alert (required where the stack does not page)",
        examples=["slack-staging"],
    )
    group_by: Annotated[tuple[LabelName, ...], Field(min_length=1), unique("label")] = Field(
        ("alertname", "team", "severity"),
        description="labels alerts are grouped by",
        examples=[["alertname", "team", "severity"]],
    )
    timings: Timings = Field(
        default_factory=Timings, description="group wait / interval / repeat per severity"
    )
    maintenance: tuple[MaintenanceWindow, ...] = Field(
        (),
        description="planned maintenance windows (none unless declared): they mute every route but "
        "security's, critical alerts only where the window sets muteCritical",
    )
    severity_receivers: SeverityReceivers = Field(
        default_factory=SeverityReceivers,
        description="the organisation's receivers per severity, for teams without their own",
    )
    category_receivers: CategoryReceivers = Field(
        default_factory=CategoryReceivers,
        description="receivers for alerts labelled `category`, per severity, matched before every team route",
    )
    roles: OrgRoles = Field(
        default_factory=OrgRoles, description="receivers of the organisation's roles that packs route to"
    )
    teams: dict[str, TeamRoles] = Field(
        default_factory=dict, description="receivers of each team's roles that its pack routes to"
    )

    def severity_map(self) -> dict[str, tuple[str, ...]]:
        return _mapping(self.severity_receivers)

    def category_map(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """{category: {severity: receivers}} for every category with a route."""
        return {
            category: _mapping(by_severity)
            for category, by_severity in _mapping(self.category_receivers).items()
        }

    def receivers_of(self, team: str, role: str) -> tuple[str, ...]:
        """The receivers a role stands for in this stack: a team's own role or the organisation's."""
        own = _mapping(self.teams[team]) if team in self.teams else {}
        return own.get(role) or _mapping(self.roles).get(role) or ()
