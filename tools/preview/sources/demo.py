"""A demo day of the Clerk pipeline: the `sites` rows PostgreSQL is seeded with and the JSON log
lines the pipeline writes for them (the Loki fixture), one consistent story. The table itself is
the shared `sites` schema (tools/engines/sql/sites.sql).

About 150 sites started over the 26 hours before "now", each moving through fetch, ocr,
compilation, extraction and deploy at its own pace; OCR fails more during a bad patch in the
night; a handful of sites stop moving (stuck) and one worker outage leaves an hour without a
completion. Pseudo-random with a fixed seed: the same rows and lines on every run.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tools.preview.timing import NOW

STAGES = ("fetch", "ocr", "compilation", "extraction", "deploy")
JOB_STAGES = ("ocr", "compilation", "extraction", "deploy")
MEAN_HOURS = {"fetch": 0.3, "ocr": 2.0, "compilation": 0.6, "extraction": 0.9, "deploy": 0.3}
TOWNS = (
    "alameda", "ann-arbor", "asheville", "berkeley", "boulder", "burlington", "cambridge", "chapel-hill",
    "davis", "durham", "evanston", "eugene", "fort-collins", "ithaca", "lawrence", "madison",
    "missoula", "oak-park", "olympia", "portland", "providence", "salem", "santa-cruz", "savannah",
    "somerville", "tacoma", "tempe", "urbana", "wichita", "ypsilanti",
)  # fmt: skip
SITE_COUNT = 150
STUCK = 4  # sites that stop moving and stay unfinished
OUTAGE = (NOW - timedelta(hours=9), NOW - timedelta(hours=8))  # no worker runs: nothing moves
NIGHT = (NOW - timedelta(hours=14), NOW - timedelta(hours=10))  # OCR failures triple


@dataclass
class Site:
    subdomain: str
    run_id: str
    stage: str | None
    started: datetime
    updated: datetime
    jobs: dict[str, tuple[int, int]] = field(default_factory=dict)  # stage -> (total, failed)
    events: list[tuple[datetime, str, str, str, str]] = field(
        default_factory=list
    )  # time, level, stage, job, msg

    def row(self) -> dict[str, object]:
        row: dict[str, object] = {
            "subdomain": self.subdomain,
            "current_stage": self.stage,
            "started_at": self.started,
            "updated_at": self.updated,
        }
        for stage, (total, failed) in self.jobs.items():
            row |= {f"{stage}_total": total, f"{stage}_completed": total - failed, f"{stage}_failed": failed}
        return row


def _in(moment: datetime, window: tuple[datetime, datetime]) -> bool:
    return window[0] <= moment < window[1]


def _after_outage(moment: datetime) -> datetime:
    return OUTAGE[1] + (moment - OUTAGE[0]) if _in(moment, OUTAGE) else moment


def _site(rng: random.Random, index: int, stuck: bool) -> Site:
    town = TOWNS[index % len(TOWNS)]
    started = NOW - timedelta(hours=rng.uniform(4.0, 20.0) if stuck else rng.uniform(0.3, 26.0))
    site = Site(f"{town}.civic.band", f"run-{index + 1:04d}", None, started, started)
    moment = started
    stop_at = rng.randrange(1, len(STAGES)) if stuck else None
    for position, stage in enumerate(STAGES):
        if moment >= NOW:
            break
        site.stage, site.updated = stage, moment
        site.events.append((moment, "info", stage, "", f"{stage} started"))
        if stop_at is not None and position == stop_at:
            site.events.append((moment, "warning", stage, "", f"{stage} waiting for a worker"))
            return site
        total = {"ocr": rng.randint(8, 40), "compilation": rng.randint(3, 8)}.get(stage, rng.randint(2, 6))
        failure_rate = 0.06 if stage == "ocr" else 0.03
        if stage == "ocr" and _in(moment, NIGHT):
            failure_rate *= 3
        failed = sum(rng.random() < failure_rate for _ in range(total)) if stage in JOB_STAGES else 0
        if stage in JOB_STAGES:
            site.jobs[stage] = (total, failed)
        duration = timedelta(hours=rng.expovariate(1 / MEAN_HOURS[stage]))
        for job in rng.sample(range(1, total + 1), failed):
            when = moment + duration * rng.random()
            if when < NOW:
                message = {
                    "ocr": f"page {job} failed: tesseract exited with status 1",
                    "compilation": f"meeting {job}: agenda PDF has no text layer",
                    "extraction": f"document {job}: no minutes section found",
                    "deploy": "upload to the bucket timed out after 30s",
                }[stage]
                site.events.append((when, "error", stage, f"{stage}-{job:03d}", message))
        moment = _after_outage(moment + duration)
        if moment < NOW:
            jobs = f": {total - failed}/{total} jobs" if stage in JOB_STAGES else ""
            site.events.append((moment, "info", stage, "", f"{stage} finished{jobs}"))
    if moment < NOW:
        site.stage, site.updated = "completed", moment
        site.events.append((moment, "info", "completed", "", "site published"))
    return site


def sites() -> list[Site]:
    rng = random.Random(18)
    stuck = set(rng.sample(range(SITE_COUNT), STUCK))
    return [_site(rng, i, i in stuck) for i in range(SITE_COUNT)]


def log_lines(all_sites: list[Site]) -> list[tuple[datetime, dict[str, str], str]]:
    """(time, stream labels, JSON line), oldest first: what the pipeline ships to Loki."""
    lines = []
    for site in all_sites:
        for moment, level, stage, job, message in site.events:
            if moment > NOW:
                continue
            record = {"level": level, "stage": stage, "subdomain": site.subdomain, "run_id": site.run_id}
            if job:
                record["job_id"] = job
            record["message"] = message
            lines.append((moment, {"job": "clerk"}, json.dumps(record)))
    lines.sort(key=lambda item: (item[0], item[2]))
    return lines
