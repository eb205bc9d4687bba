"""Prometheus `promtool` as the judge of every Prometheus-backed alert.

A Grafana rule built by components/alert_rules.py is: instant query A -> reduce B -> threshold C,
held for `for`. For an instant query each series has exactly one sample, so every reducer this
harness accepts (last, max, min, mean, sum) is the identity on it, and the rule fires per series
exactly when the Prometheus alerting rule

    alert: <rule uid>
    expr:  (<query>) <comparator> <threshold>
    for:   <for of that severity>

fires. That rule form is what `promtool check rules` validates and `promtool test rules` runs on
synthetic series. A rule whose `no_data_state` is "Alerting" fires on an empty result too:
its Prometheus form adds `or absent(<query>)`, and its test adds a case with no input series at
all ("fires-on-no-data", with the rule's labels only, as Grafana's no-data alert has). What the
translation does not model is refused rather than guessed: `count` (Grafana counts samples, 1 per
series for an instant query). Grafana's `$values.B.Value` in annotations becomes Prometheus'
`$value`; both template engines share Prometheus' functions (`humanizePercentage`, ...).

    alerts = [(team, spec), ...]
    rules = rules_document(alerts)                           # rule groups, one rule per severity
    test_rules = rules_document(alerts, templates=False)     # same rules, static annotations only
    tests, cases = tests_document(alerts, scenarios)         # up to three cases per rule (see below)
    result = run_promtool(tmp_path, rules, test_rules, tests)  # check + test; result.ok, result.output

A `model.scenarios.Scenario` (plain data a pack declares beside its alerts, keyed by alert name)
says how to drive one alert's query to a chosen value (its "level"): its series (`Gauge`,
`Counter`, `Histogram`, `Constant`, `Age`, `Growth`), each mapping the level to what that series
must do, and the labels the query's result series carries; `input_series` interprets them. For
every severity the harness derives two levels from the threshold (`Scenario.levels`, by default
5% on either side of it) and writes one test group: the safe level ("just below" the threshold,
for `<` rules just above it) held longer than warm-up + `for`, then the firing level. Its cases:

1. just before the switch: silent (just below the threshold, held far longer than `for`);
2. `for` minus one evaluation after the switch: silent (condition true, `for` not yet passed);
   only written when `for` > 0;
3. warm-up + `for` + one evaluation after the switch: fires, with exactly the rule's labels
   (team, severity, the spec's labels) and the result series' labels.

A scenario's `stories` (`model.scenarios.Story`) add one group each: the story's series sample by
sample (`Steps`, `Runs`) and, at each expected time, the rule of that severity firing with its
labels or silent ("story: <title>" cases). That is where "one missed scrape does not page" and "a
job is silent on its own schedule" are proven.

Warm-up is the longest range (`[5m]`, `offset` not included) in the query plus two samples: the
time the query needs to follow a new level completely.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.alert_rules import rule_labels  # the labels the planned Grafana rule carries
from model import scenarios as sc
from model.durations import parse_duration
from model.pack import AlertSpec
from model.vocabulary import SEVERITIES

PROMTOOL = shutil.which("promtool")
SAMPLE_SECONDS = 60  # default spacing of synthetic input series ("interval" of a test group)
TRANSLATABLE_REDUCERS = frozenset({"last", "max", "min", "mean", "sum"})
_GRAFANA_VALUE = re.compile(r"\$values\.[A-Za-z_]\w*\.Value")
_RANGE = re.compile(r"\[(\d+[smhdwy])(?::\d+[smhdwy])?\]")

Segments = Sequence[tuple[float, int]]  # (level, number of samples), in time order
Level = Callable[[float], float]


def _num(value: float) -> str:
    text = f"{value:.10g}"
    return "0" if text == "-0" else text


# --- Series: the scenario vocabulary (model.scenarios) as promtool input series -------------------


@dataclass(frozen=True)
class InputSeries:
    series: str  # promtool series notation, e.g. 'cluster_jobs_total{outcome="failed"}'
    values: str  # expanding notation, e.g. '0+1x9 10+3x20'

    def to_yaml(self) -> dict[str, str]:
        return {"series": self.series, "values": self.values}


def _selector(metric: str, labels: Mapping[str, str]) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{metric}{{{inner}}}"


def _gauge_values(segments: Segments, value: Level) -> str:
    return " ".join(f"{_num(value(level))}x{count - 1}" for level, count in segments)


def _counter_values(segments: Segments, per_minute: Level, spacing: int = SAMPLE_SECONDS) -> str:
    parts, current = [], 0.0
    for level, count in segments:
        step = per_minute(level) * spacing / 60
        if step < 0:
            raise ValueError(f"a counter cannot decrease (level {level} -> {step} per sample)")
        parts.append(f"{_num(current)}+{_num(step)}x{count - 1}")
        current += step * count
    return " ".join(parts)


def _histogram(series: sc.Histogram, segments: Segments, spacing: int) -> list[InputSeries]:
    """Buckets le="0", le=b, le="+Inf" with b = max value / quantile.

    A fraction f of the observations falls in le="0" and the rest in (0, b], so
    `histogram_quantile` interpolates to b * (q - f) / (1 - f), solved for f per level.
    """
    targets = [series.value(level) for level, _ in segments]
    if min(targets) <= 0:
        raise ValueError("histogram scenario values must be positive")
    q = series.quantile
    upper = max(targets) / q

    def zero_fraction(level: float) -> float:
        r = series.value(level) / upper
        return max(0.0, (q - r) / (1 - r))

    def bucket(le: str, share: Level) -> InputSeries:
        return InputSeries(
            _selector(f"{series.metric}_bucket", {**series.labels, "le": le}),
            _counter_values(segments, lambda level: series.per_minute * share(level), spacing),
        )

    return [
        bucket("0", zero_fraction),
        bucket(_num(upper), lambda _level: 1.0),
        bucket("+Inf", lambda _level: 1.0),
    ]


def _age_values(segments: Segments, spacing: int) -> str:
    """Timestamps advancing with the clock, `level` seconds behind it."""
    parts, start = [], 0
    for level, count in segments:
        parts.append(f"{_num(start * spacing - level)}+{spacing}x{count - 1}")
        start += count
    return " ".join(parts)


def _growth_values(series: sc.Growth, segments: Segments) -> str:
    values, current = [], series.start
    for level, count in segments:
        for _ in range(count):
            values.append(_num(current))
            current *= (1 + level) ** (1 / series.every_samples)
    return " ".join(values)


def _runs_of_equal(values: Sequence[float]) -> str:
    """Values in expanding notation, equal neighbours folded: `5x3 7x0`."""
    parts: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        parts.append(f"{_num(values[i])}x{j - i}")
        i = j + 1
    return " ".join(parts)


def _steps_values(series: sc.Steps) -> str:
    runs = [run for _ in range(series.repeat) for run in series.runs]
    if not series.counter:
        return " ".join(f"{_num(value)}x{count - 1}" for value, count in runs)
    parts, current = [], 0.0
    for step, count in runs:
        if step < 0:
            raise ValueError(f"{series.metric}: a counter cannot decrease ({step} per sample)")
        parts.append(f"{_num(current)}+{_num(step)}x{count - 1}")
        current += step * count
    return " ".join(parts)


def _last_success_values(series: sc.Runs, interval: int) -> str:
    """The timestamp of the latest successful run at every sample (0 before the first one)."""
    every, first = parse_duration(series.every), parse_duration(series.first)
    values = []
    for i in range(parse_duration(series.until) // interval + 1):
        run = (i * interval - first) // every  # the latest run due by now (negative: none yet)
        while run >= 0 and run in series.missed:
            run -= 1
        values.append(float(first + run * every) if run >= 0 else 0.0)
    return _runs_of_equal(values)


def story_series(series: sc.Steps | sc.Runs, interval: int) -> InputSeries:
    """One story series as promtool input (`interval`: the story's sample spacing, seconds)."""
    name = _selector(series.metric, series.labels)
    if isinstance(series, sc.Steps):
        return InputSeries(name, _steps_values(series))
    if isinstance(series, sc.Runs):
        return InputSeries(name, _last_success_values(series, interval))
    raise TypeError(f"no promtool form for story series {series!r}")


def input_series(series: sc.Series, segments: Segments, spacing: int = SAMPLE_SECONDS) -> list[InputSeries]:
    """One scenario series over (level, samples) segments, as promtool input series (samples
    `spacing` seconds apart)."""
    name = _selector(series.metric, series.labels)
    if isinstance(series, sc.Gauge):
        return [InputSeries(name, _gauge_values(segments, series.value))]
    if isinstance(series, sc.Constant):
        return [InputSeries(name, _gauge_values(segments, lambda _level: series.value))]
    if isinstance(series, sc.Counter):
        return [InputSeries(name, _counter_values(segments, series.per_minute, spacing))]
    if isinstance(series, sc.Histogram):
        return _histogram(series, segments, spacing)
    if isinstance(series, sc.Age):
        return [InputSeries(name, _age_values(segments, spacing))]
    if isinstance(series, sc.Growth):
        return [InputSeries(name, _growth_values(series, segments))]
    raise TypeError(f"no promtool form for scenario series {series!r}")


def safe_and_firing(scenario: sc.Scenario, comparator: str, threshold: float) -> tuple[float, float]:
    """The scenario's (safe, firing) levels around a threshold: its own, or 5% on either side."""
    if scenario.levels is not None:
        safe, firing = scenario.levels
    elif threshold == 0:
        safe, firing = (0.0, 1.0) if comparator == ">" else (0.0, -1.0)
    else:
        low, high = threshold * 0.95, threshold * 1.05
        safe, firing = (
            (min(low, high), max(low, high)) if comparator == ">" else (max(low, high), min(low, high))
        )
    holds = firing > threshold if comparator == ">" else firing < threshold
    safe_ok = not (safe > threshold if comparator == ">" else safe < threshold)
    if not (holds and safe_ok):
        raise ValueError(f"levels {safe}/{firing} do not straddle {comparator} {threshold}")
    return safe, firing


# --- Translation -------------------------------------------------------------------------------


def is_prometheus(spec: AlertSpec) -> bool:
    return spec.datasource == "prometheus"


def expression(spec: AlertSpec, severity: str) -> str:
    """The PromQL that is true (non-empty) exactly where the Grafana rule's condition holds."""
    if spec.reducer not in TRANSLATABLE_REDUCERS:
        raise ValueError(f"{spec.name}: reducer {spec.reducer!r} has no Prometheus rule form")
    condition = f"({spec.query.strip()})\n{spec.comparator} {_num(spec.thresholds[severity])}"
    if spec.no_data_state == "Alerting":
        return f"{condition}\nor\nabsent({spec.query.strip()})"
    return condition


def static_annotations(spec: AlertSpec) -> dict[str, str]:
    """Annotations without templates: what a unit test can expect verbatim."""
    return {
        "runbook_anchor": spec.runbook_anchor,
        "dashboard_uid": spec.dashboard_uid,
        "panel_id": str(spec.panel_id),
    }


def prometheus_rule(spec: AlertSpec, severity: str, team: str, templates: bool = True) -> dict[str, Any]:
    """One alerting rule; `templates=False` leaves out the templated summary/description."""
    if not is_prometheus(spec):
        raise ValueError(f"{spec.name} queries {spec.datasource}, not Prometheus")
    annotations = static_annotations(spec)
    if templates:
        annotations = {
            "summary": _GRAFANA_VALUE.sub("$value", spec.summary),
            "description": _GRAFANA_VALUE.sub("$value", spec.description),
            **annotations,
        }
    rule: dict[str, Any] = {"alert": spec.rule_uid(severity), "expr": expression(spec, severity)}
    if parse_duration(spec.for_duration(severity)) > 0:
        rule["for"] = spec.for_duration(severity)
    rule["labels"] = rule_labels(spec, severity, team)
    rule["annotations"] = annotations
    return rule


def severities(spec: AlertSpec) -> list[str]:
    return [s for s in SEVERITIES if s in spec.thresholds]


def rules_document(alerts: Iterable[tuple[str, AlertSpec]], templates: bool = True) -> dict[str, Any]:
    """A Prometheus rule file: one group per (team, evaluation interval), like Grafana's groups."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for team, spec in alerts:
        if is_prometheus(spec):
            groups.setdefault((team, spec.every), []).extend(
                prometheus_rule(spec, sev, team, templates) for sev in severities(spec)
            )
    return {
        "groups": [
            {"name": f"{team}-every-{every}", "interval": every, "rules": rules}
            for (team, every), rules in sorted(
                groups.items(), key=lambda kv: (kv[0][0], parse_duration(kv[0][1]))
            )
        ]
    }


def warmup_seconds(query: str, spacing: int = SAMPLE_SECONDS) -> int:
    """The longest range the query looks back over (what a new level needs to settle)."""
    ranges = [parse_duration(m) for m in _RANGE.findall(query)]
    return max(ranges, default=0) + 2 * spacing


def sample_spacing(scenario: sc.Scenario) -> int:
    """Seconds between a scenario's samples: a whole number of minutes."""
    spacing = parse_duration(scenario.sample_every)
    if spacing <= 0 or spacing % 60:
        raise ValueError(f"sample_every {scenario.sample_every!r} is not a whole number of minutes")
    return spacing


def _minutes(seconds: int) -> int:
    return -(-seconds // 60)


@dataclass(frozen=True)
class Case:
    """One `alert_rule_test` entry, for counting and for readable failure messages."""

    rule_uid: str
    name: str  # "silent-below", "silent-before-for", "fires"
    eval_minutes: int
    fires: bool


def no_data_group(spec: AlertSpec, severity: str, team: str) -> tuple[dict[str, Any], Case]:
    """A rule alerting on no data, fed no series at all: it fires once `for` has passed, with the
    rule's own labels only (no result series carries any)."""
    uid = spec.rule_uid(severity)
    eval_minutes = _minutes(parse_duration(spec.for_duration(severity))) + _minutes(
        parse_duration(spec.every)
    )
    case = Case(uid, "fires-on-no-data", eval_minutes, True)
    fired = {"exp_labels": rule_labels(spec, severity, team), "exp_annotations": static_annotations(spec)}
    group = {
        "name": f"{uid}: no series at all, fires after {spec.for_duration(severity)}",
        "interval": f"{SAMPLE_SECONDS}s",
        "input_series": [],
        "alert_rule_test": [{"eval_time": f"{eval_minutes}m", "alertname": uid, "exp_alerts": [fired]}],
    }
    return group, case


def test_group(
    spec: AlertSpec, severity: str, team: str, scenario: sc.Scenario
) -> tuple[dict[str, Any], list[Case]]:
    """One promtool test group for one rule: safe level, then firing level (see module doc)."""
    threshold = spec.thresholds[severity]
    safe, firing = safe_and_firing(scenario, spec.comparator, threshold)
    every = _minutes(parse_duration(spec.every))
    hold = _minutes(parse_duration(spec.for_duration(severity)))
    spacing = sample_spacing(scenario)
    per_sample = spacing // 60  # minutes
    warm = _minutes(warmup_seconds(spec.query, spacing))
    calm_samples = -(-(warm + hold + 2 * every + 3) // per_sample)
    hot_samples = -(-(warm + hold + 2 * every + 5) // per_sample)
    switch = calm_samples * per_sample  # minute of the first firing-level sample
    uid = spec.rule_uid(severity)
    cases = [Case(uid, "silent-below", switch - 1, False)]
    if hold > 0:
        cases.append(Case(uid, "silent-before-for", switch + hold - every, False))
    cases.append(Case(uid, "fires", switch + warm + hold + every, True))
    expected = {**rule_labels(spec, severity, team), **scenario.labels}
    group = {
        "name": f"{uid}: silent at {_num(safe)}, fires at {_num(firing)} after {spec.for_duration(severity)}",
        "interval": f"{spacing}s",
        "input_series": [
            s.to_yaml()
            for series in scenario.series
            for s in input_series(series, [(safe, calm_samples), (firing, hot_samples)], spacing)
        ],
        "alert_rule_test": [
            {
                "eval_time": f"{c.eval_minutes}m",
                "alertname": uid,
                "exp_alerts": (
                    [{"exp_labels": expected, "exp_annotations": static_annotations(spec)}] if c.fires else []
                ),
            }
            for c in cases
        ],
    }
    return group, cases


def rendered_group(
    spec: AlertSpec,
    severity: str,
    team: str,
    scenario: sc.Scenario,
    level: float,
    annotations: Mapping[str, str],
) -> dict[str, Any]:
    """The rule fired at a held `level`, expecting its templated `annotations` rendered exactly.

    For a rules file with templates (`rules_document(alerts)`): this is how a summary or a
    description reads to the person paged, e.g. a ratio of 0.98 shown as "98%".
    """
    uid = spec.rule_uid(severity)
    spacing = sample_spacing(scenario)
    eval_minutes = (
        _minutes(warmup_seconds(spec.query, spacing))
        + _minutes(parse_duration(spec.for_duration(severity)))
        + _minutes(parse_duration(spec.every))
    )
    fired = {
        "exp_labels": {**rule_labels(spec, severity, team), **scenario.labels},
        "exp_annotations": {**annotations, **static_annotations(spec)},
    }
    return {
        "name": f"{uid}: annotations at {_num(level)}",
        "interval": f"{spacing}s",
        "input_series": [
            s.to_yaml()
            for series in scenario.series
            for s in input_series(series, [(level, -(-eval_minutes // (spacing // 60)) + 3)], spacing)
        ],
        "alert_rule_test": [{"eval_time": f"{eval_minutes}m", "alertname": uid, "exp_alerts": [fired]}],
    }


def story_group(
    spec: AlertSpec, team: str, scenario: sc.Scenario, story: sc.Story
) -> tuple[dict[str, Any], list[Case]]:
    """One promtool test group for a story: its series, and each expectation at its time."""
    interval = parse_duration(story.interval)
    tests, cases = [], []
    for expect in story.expect:
        if expect.severity not in spec.thresholds:
            raise ValueError(f"{spec.name}: story {story.title!r} expects a {expect.severity} rule")
        uid = spec.rule_uid(expect.severity)
        labels = {**rule_labels(spec, expect.severity, team), **scenario.labels, **expect.labels}
        minutes = parse_duration(expect.at) // 60
        cases.append(Case(uid, f"story: {story.title}", minutes, expect.fires))
        tests.append(
            {
                "eval_time": f"{parse_duration(expect.at)}s",
                "alertname": uid,
                "exp_alerts": (
                    [{"exp_labels": labels, "exp_annotations": static_annotations(spec)}]
                    if expect.fires
                    else []
                ),
            }
        )
    group = {
        "name": f"{spec.name}: {story.title}",
        "interval": f"{interval}s",
        "input_series": [story_series(s, interval).to_yaml() for s in story.series],
        "alert_rule_test": tests,
    }
    return group, cases


def tests_document(
    alerts: Iterable[tuple[str, AlertSpec]],
    scenarios: Mapping[str, sc.Scenario],
    rule_file: str = "test_rules.yml",
) -> tuple[dict[str, Any], list[Case]]:
    """A `promtool test rules` file covering every Prometheus rule, and its cases.

    `scenarios` is keyed by alert name (as packs declare them, `Pack.scenarios`); one scenario
    drives every severity of its alert. A missing one is a KeyError naming the alert, so a new
    alert cannot go untested.
    """
    groups, cases = [], []
    for team, spec in alerts:
        if not is_prometheus(spec):
            continue
        if spec.name not in scenarios:
            raise KeyError(f"no promtool scenario for alert {spec.name}")
        for severity in severities(spec):
            group, group_cases = test_group(spec, severity, team, scenarios[spec.name])
            groups.append(group)
            cases += group_cases
            if spec.no_data_state == "Alerting":
                group, case = no_data_group(spec, severity, team)
                groups.append(group)
                cases.append(case)
        for story in scenarios[spec.name].stories:
            group, story_cases = story_group(spec, team, scenarios[spec.name], story)
            groups.append(group)
            cases += story_cases
    return {"rule_files": [rule_file], "evaluation_interval": "1m", "tests": groups}, cases


# --- Running promtool ------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (PromQL) as literal blocks, so the files read like hand-written ones."""


_Dumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    ),
)


@dataclass(frozen=True)
class PromtoolResult:
    ok: bool
    output: str  # both commands' stdout and stderr, for the assertion message


def split_by_group(files: Mapping[str, Mapping[str, Any]], tests: Mapping[str, Any]) -> dict[str, Any]:
    """One test file per test group, loading only the rules that group asserts on.

    `promtool test rules` evaluates every rule of its rule files at every step of every group, so
    one rule reading three days of samples would slow every other rule's proof. Alerting rules do
    not read each other, so a group run beside its own rules alone proves the same thing.
    """
    (rule_file,) = tests["rule_files"]
    split: dict[str, Any] = {}
    for i, group in enumerate(tests["tests"]):
        names = {case["alertname"] for case in group.get("alert_rule_test", [])}
        own = [
            {**g, "rules": [r for r in g["rules"] if r.get("alert") in names]}
            for g in files[rule_file]["groups"]
        ]
        split[f"rules-{i:04d}.yml"] = {"groups": [g for g in own if g["rules"]]}
        split[f"tests-{i:04d}.yml"] = {**tests, "rule_files": [f"rules-{i:04d}.yml"], "tests": [group]}
    return split


def run_promtool(
    workdir: Path, rules: Mapping[str, Any], test_rules: Mapping[str, Any], tests: Mapping[str, Any]
) -> PromtoolResult:
    """Run `promtool check rules` on both rule files and `promtool test rules` on the tests.

    `rules` is the full form (templated annotations: check validates the templates);
    `test_rules` the same rules with static annotations only (`rules_document(..., templates=False)`),
    which the tests expect verbatim. Files are written to `workdir` (a pytest tmp_path); the
    tests run one group per file beside its own rules (`split_by_group`).
    """
    if PROMTOOL is None:
        raise RuntimeError("promtool is not installed (Debian package: prometheus)")
    workdir = Path(workdir)
    files = {"rules.yml": rules, "test_rules.yml": test_rules, "tests.yml": tests}
    files.update(split_by_group(files, tests))
    for name, document in files.items():
        (workdir / name).write_text(yaml.dump(dict(document), Dumper=_Dumper, sort_keys=False, width=1000))
    per_group = sorted(name for name in files if name.startswith("tests-")) or ["tests.yml"]
    output, ok = [], True
    for args in (["check", "rules", "rules.yml", "test_rules.yml"], ["test", "rules", *per_group]):
        proc = subprocess.run([PROMTOOL, *args], cwd=workdir, capture_output=True, text=True, timeout=600)
        shown = args if len(args) < 6 else [*args[:4], f"... ({len(args) - 2} files)"]
        output.append(f"$ promtool {' '.join(shown)} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
        ok = ok and proc.returncode == 0
    return PromtoolResult(ok, "\n".join(output))
