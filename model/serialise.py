"""The one deterministic serialisation: dashboards' `config_json`, the plan files, everything compared."""

from __future__ import annotations

import json
from typing import Any


def to_json(value: Any) -> str:
    """Pretty-printed, keys sorted, UTF-8 kept, one trailing newline: byte-identical across runs."""
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
