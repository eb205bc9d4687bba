"""Prometheus-style durations, as stack files, rules and Grafana's notification policies write them."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> int:
    """Seconds in a Prometheus-style duration ("30s", "15m", "1h30m", "1w"); ValueError if malformed.

    A year is 365 days and a week 7, as in Prometheus."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not text or not match or not any(match.groups()):
        raise ValueError(text)
    years, weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    days += years * 365 + weeks * 7
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


# Units of Prometheus' canonical duration form, largest first; years and weeks only when exact
# (Prometheus' model.Duration.String(), which Grafana uses when it stores a duration).
_UNITS = (("y", 365 * 86400, True), ("w", 7 * 86400, True), ("d", 86400, False), ("h", 3600, False))
_UNITS += (("m", 60, False), ("s", 1, False))


def format_duration(seconds: int) -> str:
    """Seconds in Prometheus' canonical form: 86400 -> "1d", 5400 -> "1h30m", 0 -> "0s"."""
    if seconds == 0:
        return "0s"
    text, rest = "", seconds
    for unit, size, exact in _UNITS:
        if exact and rest % size:
            continue
        if count := rest // size:
            text += f"{count}{unit}"
            rest -= count * size
    return text


def canonical(text: str) -> str:
    """A duration as Grafana gives it back (`24h` -> `1d`, `90m` -> `1h30m`), so a second preview
    compares equal; ValueError if malformed."""
    return format_duration(parse_duration(text))
