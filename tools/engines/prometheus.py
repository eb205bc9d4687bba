"""A real Prometheus server: Debian's binary on a free loopback port, over a config and a data
directory. The previews query it; the tests read back how Prometheus itself writes a config."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tools.engines import EngineMissing, free_port


def binary(name: str) -> str:
    """The path of `prometheus` or `promtool`; EngineMissing says how to install it."""
    path = shutil.which(name)
    if path is None:
        raise EngineMissing(f"`{name}` is not installed: run `make system-deps` (Debian package prometheus)")
    return path


class PrometheusServer:
    """`prometheus` with `config` written to `root`, its TSDB in `root/data`; `close()` stops it
    and removes `root`."""

    def __init__(self, root: Path, config: str, args: Sequence[str] = ()) -> None:
        self.root = root
        (root / "prometheus.yml").write_text(config)
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = (root / "server.log").open("w")
        self.process = subprocess.Popen(
            [binary("prometheus"), f"--config.file={root / 'prometheus.yml'}",
             f"--storage.tsdb.path={root / 'data'}", f"--web.listen-address={self.url.split('//')[1]}",
             "--log.level=warn", *args],
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            self._wait_ready()
        except Exception:
            self.close()
            raise

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("prometheus exited:\n" + (self.root / "server.log").read_text()[-2000:])
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"prometheus not ready after {timeout}s")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def api(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """One HTTP API call (POST with `params`, GET without); an error response raises ValueError
        with Prometheus' own message."""
        body = urllib.parse.urlencode(params).encode() if params is not None else None
        request = urllib.request.Request(
            f"{self.url}/api/v1/{path}", data=body, method="POST" if body is not None else "GET"
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
                payload = json.load(response)
        except urllib.error.HTTPError as err:
            payload = json.load(err)
        if payload.get("status") != "success":
            raise ValueError(f"{payload.get('errorType', 'error')}: {payload.get('error', 'query failed')}")
        return payload["data"]
