"""Real engines, driven the way production runs them: PostgreSQL, Prometheus and promtool, amtool,
and Grafana's SQL macro expansion. Tests, the benchmark and the previews import these; they import nothing of
the tests."""

from __future__ import annotations

import socket


class EngineMissing(RuntimeError):
    """An engine binary is not installed; the message says how to install it."""


def free_port() -> int:
    """A free TCP port on loopback, for a throwaway server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
