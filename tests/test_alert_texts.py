"""What the person paged reads: alert summaries and descriptions show values in the unit their text
uses (a ratio as "98%", seconds as "150ms", a percentage with two decimals), not raw floats.

Rendered by Prometheus' template engine through `promtool test rules`: Grafana's annotation
templates use the same functions (`humanizePercentage`, `humanizeDuration`, `printf`), with
`$values.B.Value` where Prometheus has `$value` (tools/engines/promtool.py translates it).
"""

from __future__ import annotations

import re

from model.pack import AlertSpec, Pack
from tests.contexts import packs
from tools.engines import promtool as pt

# (alert, severity, level, its summary and description rendered at that level)
CASES = [
    (
        "clipper_slo_availability_1h",
        "critical",
        20,
        "Clipper availability SLO: the error budget is burning fast",
        "Availability is spending its error budget at 20.0x its pace over both 1h and 5m (alert at "
        "14.4x: 2% of the 30-day budget in 1h). SLO 99.5%: at most 0.5% of the backend's scrapes may "
        "fail in 30 days.",
    ),
    (
        "clipper_slo_error_rate_6h",
        "critical",
        6.5,
        "Clipper error rate SLO: the error budget is burning fast",
        "Error rate is spending its error budget at 6.5x its pace over both 6h and 30m (alert at 6x: 5% "
        "of the 30-day budget in 6h). SLO 99.5%: at most 0.5% of requests may fail with a 5xx in 30 days.",
    ),
    (
        "clipper_slo_latency_list",
        "critical",
        0.15,
        "Clipper list endpoints p95 latency above its SLO",
        "p95 latency of list endpoints is 150ms over 5m (SLO < 100 ms).",
    ),
    (
        "clipper_late_reputation_tasks",
        "warning",
        7 * 3600,
        "Background job reputation_tasks has not succeeded recently",
        "reputation_tasks last succeeded 7h 0m 0s ago; it runs every 6h, so a run was missed after 6h10m "
        "(critical after 24 h).",
    ),
    (
        "upstream_5xx_error_percent",
        "critical",
        6.5,
        "Upstream: 6.50% of responses are 5xx",
        "5xx responses are 6.50% of all responses over 5 minutes (SLO: 5%, warning above 2%). Check the "
        "top error endpoints and recent deploys.",
    ),
    (
        "media_cluster_latency_p95",
        "critical",
        9.5,
        "Media clustering p95 latency 9.5s on faiss",
        "p95 of cluster_job_duration_seconds on backend faiss is 9.5s (warning above 5s, critical above "
        "8s, for 10m). Check for an unexpected CPU fallback and pod resources.",
    ),
]


def _find(registered: tuple[Pack, ...], name: str) -> tuple[Pack, AlertSpec]:
    return next((p, a) for p in registered for a in p.alerts if a.name == name)


def test_alert_texts_render_values_in_their_units(tmp_path):
    registered = packs()
    alerts, groups = [], []
    for name, severity, level, summary, description in CASES:
        pack, spec = _find(registered, name)
        annotations = {"summary": summary, "description": description}
        groups.append(pt.rendered_group(spec, severity, pack.team, pack.scenarios[name], level, annotations))
        alerts.append((pack.team, spec))
    tests = {"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": groups}
    rules = pt.rules_document(alerts)
    result = pt.run_promtool(tmp_path, rules, pt.rules_document(alerts, templates=False), tests)
    assert result.ok, result.output


# A template action that reads a query's value, and one that formats it first.
VALUE_ACTION = re.compile(r"\{\{[^}]*\$value[^}]*\}\}")
FORMATTED = re.compile(r"\{\{-?\s*(printf|humanize\w*)\s")


def bare_values(text: str) -> list[str]:
    return [action for action in VALUE_ACTION.findall(text) if not FORMATTED.match(action)]


def test_no_alert_text_prints_a_bare_value():
    """Every value in a Prometheus alert's text goes through a formatting function (SQL alerts
    round in their query: ROUND(..., 1), COUNT)."""
    checked = 0
    for pack in packs():
        for spec in pack.alerts:
            if spec.datasource == "prometheus":
                for text in (spec.summary, spec.description):
                    assert bare_values(text) == [], f"{pack.team}/{spec.name}: {text}"
                    checked += len(VALUE_ACTION.findall(text))
    assert checked >= 5, f"only {checked} value actions found: the pattern missed the texts"
    for bare in ("{{ $values.B.Value }}", "{{$values.B.Value}}", "{{ $values.C.Value }}", "{{ $value }}"):
        assert bare_values(f"at {bare} now") == [bare]
    assert bare_values('{{ printf "%.1f" $values.B.Value }} and {{ humanizePercentage $value }}') == []
