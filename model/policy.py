"""The notification policy tree as plain data (Grafana and Alertmanager share this shape)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyNode:
    """One route of the notification policy tree (Grafana and Alertmanager share this shape).

    `receiver` None inherits the parent's. Timings None inherit too.
    """

    receiver: str | None
    matchers: tuple[tuple[str, str, str], ...] = ()  # (label, "=" | "!=" | "=~" | "!~", value)
    continue_: bool = False
    group_by: tuple[str, ...] | None = None
    group_wait: str | None = None
    group_interval: str | None = None
    repeat_interval: str | None = None
    mute_timings: tuple[str, ...] = ()
    children: tuple[PolicyNode, ...] = ()

    def walk(self):
        """Every node, depth first, root included."""
        yield self
        for child in self.children:
            yield from child.walk()
