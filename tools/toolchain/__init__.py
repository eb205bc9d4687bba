"""The real Pulumi engine for tests: build.sh beside this file builds or reuses it (versions.env pins it).

`pulumi_toolchain()` runs build.sh (quick once the cache holds the build) and returns where the CLI
and its plugin home are, and which parts the Go module proxy does not serve.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


class ToolchainMissing(RuntimeError):
    """The Pulumi CLI could not be built or found."""


@dataclass(frozen=True)
class Toolchain:
    pulumi: Path  # the CLI
    pulumi_home: Path  # plugins installed with `pulumi plugin install ... --file`
    unavailable: dict[str, str] = field(default_factory=dict)  # part -> why it is missing

    @property
    def bin_dir(self) -> Path:
        return self.pulumi.parent


def versions() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (HERE / "versions.env").read_text().splitlines())
    return {k.strip(): v.strip() for k, v in (p for p in pairs if len(p) == 2) if not k.startswith("#")}


def pulumi_toolchain() -> Toolchain:
    result = subprocess.run(["bash", str(HERE / "build.sh")], capture_output=True, text=True)
    if result.returncode != 0:
        raise ToolchainMissing(
            f"tools/toolchain/build.sh failed (exit {result.returncode}); run `make toolchain`:\n"
            + result.stderr[-4000:]
        )
    values = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    unavailable = {
        k.removeprefix("UNAVAILABLE_"): v for k, v in values.items() if k.startswith("UNAVAILABLE_")
    }
    return Toolchain(Path(values["PULUMI_BIN"]), Path(values["PULUMI_HOME"]), unavailable)
