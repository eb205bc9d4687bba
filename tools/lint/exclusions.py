"""lint-exclusions.yaml: the only way to silence a finding, each entry with its reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from tools.lint.registry import Finding, rule

EXCLUSION_INVALID = rule(
    "exclusion-invalid",
    "exclusions",
    "each exclusion names a dashboard, a panel (id, title or `*`), a rule and a non-empty reason",
    "an exclusion without a reason cannot be reviewed or retired",
)
EXCLUSION_STALE = rule(
    "exclusion-stale",
    "exclusions",
    "every exclusion matches at least one finding",
    "an exclusion that silences nothing would silently hide the next real finding",
)

EXCLUSIONS = Path(__file__).resolve().parents[2] / "lint-exclusions.yaml"
# libyaml's parser when PyYAML was built with it: the same safe loading, faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Exclusion:
    dashboard: str
    panel: str  # panel id or title, "*" for any
    rule: str
    reason: str

    def matches(self, f: Finding) -> bool:
        if self.dashboard != f.dashboard or self.rule != f.rule:
            return False
        if self.panel == "*":
            return True
        pid, _, title = f.panel.partition(" ")
        return self.panel in (f.panel, pid, title)


def load_exclusions(path: Path = EXCLUSIONS) -> tuple[list[Exclusion], list[Finding]]:
    """Exclusions from the YAML file, and findings for malformed entries."""
    if not path.exists():
        return [], []
    data = yaml.load(path.read_text(), Loader=_YAML_LOADER) or {}  # noqa: S506 - a safe loader
    entries = data.get("exclusions") or [] if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return [], [Finding(path.name, "", EXCLUSION_INVALID, "top level must be {exclusions: [...]}")]
    exclusions, findings = [], []
    for i, entry in enumerate(entries):
        keys = ("dashboard", "panel", "rule", "reason")
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), (str, int)) and str(entry.get(k)).strip() for k in keys
        ):
            findings.append(
                Finding(
                    path.name,
                    f"entry {i}",
                    EXCLUSION_INVALID,
                    "each exclusion needs dashboard, panel, rule and a non-empty reason",
                )
            )
            continue
        exclusions.append(Exclusion(*(str(entry[k]).strip() for k in keys)))
    return exclusions, findings


def apply_exclusions(
    findings: Iterable[Finding], exclusions: Iterable[Exclusion], source: str
) -> list[Finding]:
    """Findings no exclusion covers, plus one `exclusion-stale` finding per unused exclusion."""
    exclusions = list(exclusions)
    hit = [False] * len(exclusions)
    kept = []
    for f in findings:
        matched = [i for i, e in enumerate(exclusions) if e.matches(f)]
        for i in matched:
            hit[i] = True
        if not matched:
            kept.append(f)
    for e, was_hit in zip(exclusions, hit, strict=True):
        if not was_hit:
            kept.append(
                Finding(
                    source,
                    f"{e.dashboard} / {e.panel}",
                    EXCLUSION_STALE,
                    f"exclusion of {e.rule} matches no finding; remove it",
                )
            )
    return sorted(kept)
