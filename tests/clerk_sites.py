"""Clerk's `sites` rows as test data, and the cases that prove each SQL alert on PostgreSQL.

`SQL_ALERT_CASES` is keyed by alert name, as packs key their Prometheus scenarios: each SQL alert
has rows just on the silent side of its threshold and rows just past it
(tests/test_clerk_sql.py runs them; tests/test_alert_proofs.py requires both sides for every SQL
alert of every registered pack).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 1, 19, 12, 0, tzinfo=UTC)
TODAY = (NOW - timedelta(hours=24), NOW)  # the dashboard's default range, now-24h .. now
YESTERDAY = (NOW - timedelta(hours=48), NOW - timedelta(hours=24))  # a range in the past

ALPHA, BETA, GAMMA = "alpha.civic.band", "beta.civic.band", "gamma.civic.band"
OHARE = "o'hare.civic.band"  # a quote, to prove quoting


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


JOB_STAGES = ("ocr", "compilation", "extraction", "deploy")  # the stages with job counters


@dataclass(frozen=True)
class Site:
    """A `sites` row: times in hours before NOW; jobs as (total, failed) per JOB_STAGES, in order."""

    subdomain: str
    stage: str | None
    started: float
    updated: float
    jobs: tuple[tuple[int, int], ...] = ()

    def row(self) -> dict[str, object]:
        row: dict[str, object] = {
            "subdomain": self.subdomain,
            "current_stage": self.stage,
            "started_at": ago(self.started),
            "updated_at": ago(self.updated),
        }
        for stage, (total, failed) in zip(JOB_STAGES, self.jobs, strict=False):
            row |= {f"{stage}_total": total, f"{stage}_completed": total - failed, f"{stage}_failed": failed}
        return row


@dataclass(frozen=True)
class AlertCase:
    """Rows seeded at NOW, and what the alert's query then reads and whether the rule fires."""

    name: str
    sites: tuple[Site, ...]
    value: float
    fires: bool


def _stuck(count: int) -> tuple[Site, ...]:
    sites = tuple(Site(f"s{i}", "ocr", 5, 3) for i in range(count))
    return sites + (Site("moving", "ocr", 5, 1), Site("done", "completed", 9, 8))


def _health(healthy: int, stuck: int) -> tuple[Site, ...]:
    sites = tuple(Site(f"h{i}", "completed", 5, 4) for i in range(healthy))
    sites += tuple(Site(f"s{i}", "ocr", 5, 3) for i in range(stuck))
    return sites + (Site("old", "ocr", 30, 29),)  # started before the 24h window: not counted


def _ocr(failed: int) -> tuple[Site, ...]:
    return (
        Site("recent", "ocr", 2, 0.5, ((1000, failed),)),
        Site("earlier", "ocr", 3, 2, ((10, 10),)),  # outside the last hour
    )


SQL_ALERT_CASES: dict[str, tuple[AlertCase, ...]] = {
    "clerk_stuck_sites": (
        AlertCase("10 stuck", _stuck(10), 10, False),
        AlertCase("11 stuck", _stuck(11), 11, True),
    ),
    "clerk_health_degraded": (
        AlertCase("17 of 20 healthy", _health(17, 3), 85.0, False),  # 85.0 %
        AlertCase("45 of 53 healthy", _health(45, 8), 84.9, True),  # 84.9 %
    ),
    "clerk_ocr_failures_high": (
        AlertCase("200 of 1000 failed", _ocr(200), 20.0, False),
        AlertCase("201 of 1000 failed", _ocr(201), 20.1, True),
    ),
}
