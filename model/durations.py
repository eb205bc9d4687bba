"""Prometheus-style durations, as stack files, rules and Grafana's notification policies write them."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> int:
    """Seconds in a Prometheus-style duration ("30s", "15m", "1h30m"); ValueError if malformed."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not text or not match or not any(match.groups()):
        raise ValueError(text)
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
