"""Alertmanager as the judge of the notification policy tree.

Grafana's notification policies are Alertmanager routes (Grafana embeds Alertmanager's router), so
the tree Grafana receives, rendered to an Alertmanager config, routes exactly as Grafana does. The
renderer reads the plan's `NotificationPolicy` inputs (what the engine sends to Grafana, camelCase),
not the `PolicyNode` tree, so the test covers the rendering in components/notifications.py too.

    config = alertmanager_config(policy_inputs, mute_timings)
    with AmConfig(config) as am:
        am.check()                                   # amtool check-config
        am.routes({"team": "clerk", ...})            # receivers, in route order
        am.verify({"team": "clerk", ...}, ["a", "b"])  # amtool --verify.receivers

Receivers are defined by name only: routing does not need their integrations.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

AMTOOL = shutil.which("amtool")

_TIMINGS = {"groupWait": "group_wait", "groupInterval": "group_interval", "repeatInterval": "repeat_interval"}


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _route(node: Mapping[str, Any], root: bool = False) -> dict[str, Any]:
    route: dict[str, Any] = {}
    if "contactPoint" in node:
        route["receiver"] = node["contactPoint"]
    if node.get("matchers"):
        if root:
            raise ValueError("the root policy must not have matchers")
        route["matchers"] = [f"{m['label']}{m['match']}{_quote(m['value'])}" for m in node["matchers"]]
    if node.get("continue"):
        route["continue"] = True
    if "groupBies" in node:
        route["group_by"] = list(node["groupBies"])
    for key, am_key in _TIMINGS.items():
        if node.get(key):
            route[am_key] = node[key]
    if node.get("muteTimings"):
        route["mute_time_intervals"] = list(node["muteTimings"])
    if node.get("policies"):
        route["routes"] = [_route(child) for child in node["policies"]]
    return route


def _receivers(route: Mapping[str, Any]) -> set[str]:
    names = {route["receiver"]} if "receiver" in route else set()
    for child in route.get("routes", []):
        names |= _receivers(child)
    return names


def _time_interval(mute_inputs: Mapping[str, Any]) -> dict[str, Any]:
    intervals = []
    for interval in mute_inputs.get("intervals", []):
        am: dict[str, Any] = {}
        if interval.get("weekdays"):
            am["weekdays"] = list(interval["weekdays"])
        if interval.get("times"):
            am["times"] = [{"start_time": t["start"], "end_time": t["end"]} for t in interval["times"]]
        if interval.get("location"):
            am["location"] = interval["location"]
        for key in ("daysOfMonths", "months", "years"):
            if interval.get(key):
                am[{"daysOfMonths": "days_of_month"}.get(key, key)] = list(interval[key])
        intervals.append(am)
    return {"name": mute_inputs["name"], "time_intervals": intervals}


def alertmanager_config(
    policy_inputs: Mapping[str, Any], mute_timings: Iterable[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """An Alertmanager config whose route tree is the NotificationPolicy's policy tree."""
    route = _route(policy_inputs, root=True)
    if "receiver" not in route:
        raise ValueError("the root policy needs a contact point")
    config: dict[str, Any] = {
        "route": route,
        "receivers": [{"name": name} for name in sorted(_receivers(route))],
    }
    intervals = [_time_interval(m) for m in mute_timings]
    if intervals:
        config["time_intervals"] = intervals
    return config


def label_args(labels: Mapping[str, str]) -> list[str]:
    return [f"{k}={v}" for k, v in sorted(labels.items())]


class AmConfig:
    """One rendered config on disk, for as many amtool calls as needed."""

    def __init__(self, config: Mapping[str, Any]):
        if AMTOOL is None:
            raise RuntimeError("amtool not found: install the Debian package prometheus-alertmanager")
        self.config = config
        self._dir: tempfile.TemporaryDirectory | None = None
        self.path: Path | None = None

    def __enter__(self) -> AmConfig:
        self._dir = tempfile.TemporaryDirectory(prefix="amtool-")
        self.path = Path(self._dir.name) / "alertmanager.yml"
        self.path.write_text(yaml.safe_dump(dict(self.config), sort_keys=False))
        return self

    def __exit__(self, *exc) -> None:
        if self._dir:
            self._dir.cleanup()

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=60)

    def check(self) -> str:
        """`amtool check-config`; raises AssertionError with amtool's output if the config is invalid."""
        result = self._run("check-config", str(self.path))
        assert result.returncode == 0, f"amtool check-config failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def routes(self, labels: Mapping[str, str]) -> list[str]:
        """The receivers this label set reaches, in route order (amtool config routes test)."""
        result = self._run("config", "routes", "test", f"--config.file={self.path}", *label_args(labels))
        assert result.returncode == 0, f"amtool routes test failed:\n{result.stdout}\n{result.stderr}"
        line = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        return [name for name in line.split(",") if name]

    def verify(self, labels: Mapping[str, str], expected: Sequence[str]) -> subprocess.CompletedProcess:
        """`amtool config routes test --verify.receivers=...`: exit status 0 only on an exact match."""
        return self._run(
            "config",
            "routes",
            "test",
            f"--config.file={self.path}",
            f"--verify.receivers={','.join(expected)}",
            *label_args(labels),
        )


def render_template(text: str, alerts: Sequence[Mapping[str, str]]) -> str:
    """`text` rendered by Alertmanager's own template engine (`amtool template render`) for a
    notification of `alerts` (label sets), with the common labels computed as Alertmanager does."""
    common = dict(alerts[0]) if alerts else {}
    for labels in alerts[1:]:
        common = {k: v for k, v in common.items() if labels.get(k) == v}
    data = {
        "receiver": "test",
        "status": "firing",
        "alerts": [{"status": "firing", "labels": dict(a), "annotations": {}} for a in alerts],
        "groupLabels": {},
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "",
    }
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "empty.tmpl").write_text("")
        (Path(tmp) / "data.json").write_text(json.dumps(data))
        result = subprocess.run(
            [
                AMTOOL or "amtool",
                "template",
                "render",
                f"--template.glob={tmp}/empty.tmpl",
                f"--template.data={tmp}/data.json",
                f"--template.text={text}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    return result.stdout.rstrip("\n")
