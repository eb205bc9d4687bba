"""The Clerk pack's SQL, run on a real PostgreSQL exactly as Grafana would send it.

Queries come from the built pack (dashboard model and alert specs), never copied. Grafana's
variable interpolation and macros are reproduced by tools.engines.grafana_sql, with "now" pinned so
every answer is known: the seeded `sites` rows below are chosen so each panel has exact numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import psycopg
import pytest

from dashboards import clerk
from model.datasources import CATALOGUE
from model.pack import AlertSpec
from tests.clerk_sites import (
    ALPHA,
    BETA,
    GAMMA,
    NOW,
    OHARE,
    SQL_ALERT_CASES,
    TODAY,
    YESTERDAY,
    Site,
    at,
)
from tests.contexts import pack_context
from tools.engines.grafana_sql import ALL, Variable, custom_options, expand_macros, parse_interval, render
from tools.engines.postgres import SITES_SCHEMA

if TYPE_CHECKING:
    from tools.engines.postgres import PostgresServer

pytest_plugins = ["tools.engines.postgres"]

SQL_PANELS = {
    "Stuck Sites",
    "Stuck Site List",
    "Health Score",
    "Stage Distribution",
    "Completions per Hour",
    "Failure Rate by Stage",
    "Avg Time in Stage",
}


# Site(subdomain, stage, started h ago, updated h ago, (total, failed) for ocr, compilation,
# extraction, deploy). NOW is 2026-01-19 12:00 UTC; comments give the time of the last update.
SITES = (
    Site(ALPHA, "completed", 6, 3.5, ((10, 1), (4, 0), (4, 0), (2, 0))),  # 08:30
    Site(ALPHA, "completed", 5.5, 3.25, ((10, 3), (4, 1), (4, 0), (2, 0))),  # 08:45
    Site(BETA, "completed", 8, 1.5, ((20, 2), (5, 0), (5, 1), (2, 1))),  # 10:30
    Site(ALPHA, "ocr", 4, 3, ((12, 6),)),  # 09:00, stuck
    Site(BETA, "compilation", 7, 5, ((8, 0), (6, 3))),  # 07:00, stuck
    Site(OHARE, "extraction", 26, 2.5, ((5, 1), (5, 0), (4, 2))),  # 09:30, stuck; started yesterday
    Site(BETA, "deploy", 3.5, 1, ((6, 0), (3, 0), (3, 0), (2, 2))),  # 11:00
    Site(OHARE, "fetch", 2, 2),  # 10:00: idle exactly 2 hours, not stuck yet
    Site(BETA, None, 1, 0.5),  # 11:30: registered, never entered a stage
    # Yesterday (2026-01-18)
    Site(ALPHA, "ocr", 40, 30),  # 06:00, stuck since
    Site(BETA, "completed", 36, 35, ((4, 1),)),  # 01:00
    Site(ALPHA, "ocr", 27, 25),  # 11:00: idle 1 hour at the end of yesterday, stuck now
    Site(GAMMA, "completed", 101, 100),  # last seen days ago
)


@pytest.fixture(scope="module")
def pack():
    return clerk.build(
        pack_context(datasource_uids={"postgres": "pg-uid", "loki": "loki-uid", "prometheus": "prom-uid"})
    )


@pytest.fixture(scope="module")
def model(pack):
    (dashboard,) = pack.dashboards
    return dashboard.model


@pytest.fixture(scope="module")
def db(postgres_server: PostgresServer) -> Iterator[psycopg.Connection]:
    postgres_server.create_database("clerk_sql")
    with postgres_server.connect("clerk_sql") as conn:
        conn.execute(SITES_SCHEMA)
        yield conn


def load(db: psycopg.Connection, sites: Sequence[Site]) -> None:
    db.execute("TRUNCATE sites RESTART IDENTITY")
    with db.cursor() as cur:
        for site in sites:
            row = site.row()
            columns = ", ".join(row)
            cur.execute(
                f"INSERT INTO sites ({columns}) VALUES ({', '.join(['%s'] * len(row))})", list(row.values())
            )


@pytest.fixture
def seeded(db):
    load(db, SITES)
    return db


def plain(value):
    """Numbers as floats (Decimal('71.4') -> 71.4), so expectations read naturally."""
    return float(value) if isinstance(value, Decimal) else value


def execute(db, text: str) -> list[tuple]:
    return [tuple(plain(v) for v in row) for row in db.execute(text).fetchall()]


def panel(model, title: str) -> dict:
    (found,) = [p for p in model["panels"] if p["title"] == title]
    return found


def variable_model(model, name: str) -> dict:
    (found,) = [v for v in model["templating"]["list"] if v["name"] == name]
    return found


def subdomain_options(db, model, time_range) -> list[str]:
    """What the subdomain dropdown offers: its own query over the range, as Grafana runs it, then
    as Grafana lists the rows (metricNamesToVariableValues: duplicates removed, the variable's sort,
    here alphabetical)."""
    model_variable = variable_model(model, "subdomain")
    assert model_variable["sort"] == 1  # alphabetical, ascending
    rows = execute(db, render(model_variable["query"], *time_range))
    return sorted({row[0] for row in rows})


def variables(db, model, time_range, subdomain=ALL, stage=ALL) -> list[Variable]:
    stage_model = variable_model(model, "stage")
    return [
        Variable.from_model(
            variable_model(model, "subdomain"), subdomain, subdomain_options(db, model, time_range)
        ),
        Variable.from_model(stage_model, stage, custom_options(stage_model)),
    ]


def run_panel(db, model, title: str, time_range=TODAY, **selection) -> list[tuple]:
    (target,) = panel(model, title)["targets"]
    text = render(target["rawSql"], *time_range, variables(db, model, time_range, **selection))
    return execute(db, text)


def hours(rows: list[tuple]) -> list[tuple]:
    """Time-series rows with the epoch bucket shown as a UTC datetime."""
    return [(datetime.fromtimestamp(row[0], UTC), *row[1:]) for row in rows]


def alert(pack, name: str) -> AlertSpec:
    (found,) = [a for a in pack.alerts if a.name == name]
    return found


def evaluate(db, spec: AlertSpec) -> tuple[float, bool]:
    """The rule at NOW: its query over its relative range, the value column, comparator and threshold."""
    text = expand_macros(spec.query, NOW - parse_interval(spec.lookback), NOW)
    cursor = db.execute(text)
    column = [c.name for c in cursor.description].index(spec.value_column)
    (row,) = cursor.fetchall()
    value = plain(row[column])
    (threshold,) = spec.thresholds.values()
    return value, (value > threshold if spec.comparator == ">" else value < threshold)


# --- coverage: a new SQL query in the pack needs a case here ---------------------------------------


def test_every_sql_panel_has_a_case(model):
    def is_sql(p: dict) -> bool:
        return any(t["datasource"]["type"] == CATALOGUE["postgres"].plugin_type for t in p.get("targets", []))

    assert {p["title"] for p in model["panels"] if is_sql(p)} == SQL_PANELS


@pytest.mark.parametrize("title", sorted(SQL_PANELS))
@pytest.mark.parametrize(
    "selection",
    [
        {},
        {"subdomain": [OHARE]},
        {"subdomain": [ALPHA, OHARE], "stage": ["ocr", "deploy"]},
        {"subdomain": BETA},
    ],
    ids=["all", "quoted-subdomain", "several", "single-value"],
)
def test_panel_query_runs_for_any_selection(seeded, model, title, selection):
    run_panel(seeded, model, title, **selection)


# --- the subdomain variable ------------------------------------------------------------------------


def test_subdomain_dropdown_lists_the_sites_updated_in_the_range_and_the_stuck(seeded, model):
    """The seed's variable query (sites updated in the range, completed ones too: a completed site's
    run is traced) with Grafana's time macros, plus every site stuck at the range's end."""
    assert subdomain_options(seeded, model, TODAY) == [ALPHA, BETA, OHARE]
    # Yesterday: the two ocr sites and the completed beta site; the 06:00 ocr site is also stuck.
    assert subdomain_options(seeded, model, YESTERDAY) == [ALPHA, BETA]
    # Gamma completed days ago: offered for the range it was updated in, and nowhere else.
    days_ago = (NOW - timedelta(hours=101), NOW - timedelta(hours=99))
    assert subdomain_options(seeded, model, days_ago) == [GAMMA]
    assert GAMMA not in subdomain_options(seeded, model, TODAY)
    assert run_panel(seeded, model, "Stage Distribution", days_ago, subdomain=[GAMMA]) == [("completed", 1)]
    assert run_panel(seeded, model, "Stage Distribution", days_ago, subdomain=[ALPHA]) == []


def test_subdomain_dropdown_offers_a_site_stuck_since_before_the_range(db, model):
    load(db, (Site(ALPHA, "ocr", 40, 30), Site(BETA, "completed", 40, 30)))
    assert subdomain_options(db, model, TODAY) == [ALPHA]


@pytest.mark.parametrize("time_range", [TODAY, YESTERDAY], ids=["today", "yesterday"])
def test_every_stuck_site_is_offered(seeded, model, time_range):
    """The Stuck Sites stat says how many; the dropdown must offer each of them to drill into."""
    (target,) = panel(model, "Stuck Sites")["targets"]
    stuck_count = render(target["rawSql"], *time_range, variables(seeded, model, time_range))
    stuck_subdomains = stuck_count.replace("COUNT(*) AS stuck_count", "DISTINCT subdomain")
    stuck = {row[0] for row in execute(seeded, stuck_subdomains)}
    assert stuck and stuck <= set(subdomain_options(seeded, model, time_range))


def test_all_is_sent_as_match_anything_not_as_the_option_list(model):
    """Without a custom all value Grafana sends All as every option: at 10^6 sites, 36k quoted
    subdomains in every SQL panel and a 36k-way regex in every Loki query."""
    for name in ("subdomain", "stage"):
        assert variable_model(model, name)["allValue"] == ".*"
    # Run is a text box (see the pack's docstring): every run is the same `.*`, its default.
    run_id = variable_model(model, "run_id")
    assert (run_id["type"], run_id["query"], run_id["current"]["value"]) == ("textbox", ".*", ".*")
    assert variable_model(model, "subdomain")["allowCustomValue"] is True
    all_selected = [
        Variable.from_model(variable_model(model, "subdomain"), ALL, ["x"] * 1000),
        Variable.from_model(variable_model(model, "stage"), ALL, list(clerk.STAGES)),
    ]
    for title in SQL_PANELS:
        (target,) = panel(model, title)["targets"]
        text = render(target["rawSql"], *TODAY, all_selected)
        assert "'x'" not in text and "(x|" not in text, title


@pytest.mark.parametrize(
    "hostile",
    [
        "x'); DROP TABLE sites; --",
        "$$) OR true; DROP TABLE sites; --",
        "a|.*",  # regex syntax is escaped: matches only itself
        "civic.band",  # a part of every subdomain: the match is anchored, so it matches none
    ],
)
def test_a_typed_subdomain_cannot_change_the_query(seeded, model, hostile):
    for title in SQL_PANELS:
        (target,) = panel(model, title)["targets"]
        text = render(target["rawSql"], *TODAY, variables(seeded, model, TODAY, subdomain=[hostile]))
        rows = execute(seeded, text)
        assert rows in ([], [(0,)], [(None,)]), (title, rows)
    assert execute(seeded, "SELECT COUNT(*) FROM sites") == [(len(SITES),)]


# --- row 1 -----------------------------------------------------------------------------------------


def test_stuck_sites(seeded, model):
    # ocr (idle 3h), compilation (5h), extraction (2.5h) and yesterday's two ocr sites (30h, 25h):
    # not the fetch site idle exactly 2h, not the site without a stage.
    assert run_panel(seeded, model, "Stuck Sites") == [(5,)]
    assert run_panel(seeded, model, "Stuck Sites", subdomain=[ALPHA]) == [(3,)]
    assert run_panel(seeded, model, "Stuck Sites", subdomain=[ALPHA, OHARE]) == [(4,)]


def test_stuck_site_list_names_the_sites_the_stat_counts(seeded, model):
    """Subdomain, stage, idle for (seconds, shown as a duration) and last update, longest idle first."""
    assert run_panel(seeded, model, "Stuck Site List") == [
        (ALPHA, "ocr", 30 * 3600.0, at("2026-01-18T06:00")),
        (ALPHA, "ocr", 25 * 3600.0, at("2026-01-18T11:00")),
        (BETA, "compilation", 5 * 3600.0, at("2026-01-19T07:00")),
        (ALPHA, "ocr", 3 * 3600.0, at("2026-01-19T09:00")),
        (OHARE, "extraction", 2.5 * 3600.0, at("2026-01-19T09:30")),
    ]
    assert run_panel(seeded, model, "Stuck Site List", subdomain=[OHARE]) == [
        (OHARE, "extraction", 2.5 * 3600.0, at("2026-01-19T09:30"))
    ]
    # At the end of yesterday's range only the 06:00 ocr site had been idle for 2 hours.
    assert run_panel(seeded, model, "Stuck Site List", YESTERDAY) == [
        (ALPHA, "ocr", 6 * 3600.0, at("2026-01-18T06:00"))
    ]


def test_health_score(seeded, model):
    # Started today with a stage: 7 sites; 3 completed, deploy (1h idle) and fetch (exactly 2h) healthy.
    assert run_panel(seeded, model, "Health Score") == [(71.4,)]  # 5 / 7
    assert run_panel(seeded, model, "Health Score", subdomain=[ALPHA]) == [(66.7,)]  # 2 / 3
    assert run_panel(seeded, model, "Health Score", subdomain=[OHARE]) == [(100.0,)]  # fetch only


def test_stage_distribution(seeded, model):
    assert run_panel(seeded, model, "Stage Distribution") == [
        ("completed", 3),
        ("compilation", 1),
        ("deploy", 1),
        ("extraction", 1),
        ("fetch", 1),
        ("ocr", 1),
    ]
    assert run_panel(seeded, model, "Stage Distribution", subdomain=[BETA]) == [
        ("compilation", 1),
        ("completed", 1),
        ("deploy", 1),
    ]


# --- row 2 -----------------------------------------------------------------------------------------


def test_completions_per_hour(seeded, model):
    rows = run_panel(seeded, model, "Completions per Hour")
    assert hours(rows) == [(at("2026-01-19T08:00"), 2), (at("2026-01-19T10:00"), 1)]
    assert hours(run_panel(seeded, model, "Completions per Hour", subdomain=[BETA])) == [
        (at("2026-01-19T10:00"), 1)
    ]


def test_failure_rate_by_stage(seeded, model):
    rows = hours(run_panel(seeded, model, "Failure Rate by Stage"))
    assert rows == [
        (at("2026-01-19T07:00"), "compilation", 50.0),
        (at("2026-01-19T07:00"), "ocr", 0.0),
        (at("2026-01-19T08:00"), "compilation", 12.5),  # 1 / 8
        (at("2026-01-19T08:00"), "deploy", 0.0),
        (at("2026-01-19T08:00"), "extraction", 0.0),
        (at("2026-01-19T08:00"), "ocr", 20.0),  # 4 / 20
        (at("2026-01-19T09:00"), "compilation", 0.0),
        (at("2026-01-19T09:00"), "extraction", 50.0),
        (at("2026-01-19T09:00"), "ocr", 41.2),  # 7 / 17
        (at("2026-01-19T10:00"), "compilation", 0.0),
        (at("2026-01-19T10:00"), "deploy", 50.0),
        (at("2026-01-19T10:00"), "extraction", 20.0),
        (at("2026-01-19T10:00"), "ocr", 10.0),
        (at("2026-01-19T11:00"), "compilation", 0.0),
        (at("2026-01-19T11:00"), "deploy", 100.0),
        (at("2026-01-19T11:00"), "extraction", 0.0),
        (at("2026-01-19T11:00"), "ocr", 0.0),
    ]


def test_failure_rate_filters_by_stage_and_subdomain(seeded, model):
    rows = hours(run_panel(seeded, model, "Failure Rate by Stage", subdomain=[ALPHA], stage=["ocr"]))
    assert rows == [(at("2026-01-19T08:00"), "ocr", 20.0), (at("2026-01-19T09:00"), "ocr", 50.0)]


@pytest.mark.parametrize("title", ["Completions per Hour", "Failure Rate by Stage"])
def test_time_series_have_a_time_column_in_order(seeded, model, title):
    """Grafana's time_series format needs a `time` column, sorted (long-to-wide relies on it)."""
    (target,) = panel(model, title)["targets"]
    assert target["format"] == "time_series"
    text = render(target["rawSql"], *TODAY, variables(seeded, model, TODAY))
    cursor = seeded.execute(text)
    assert cursor.description[0].name == "time"
    times = [row[0] for row in cursor.fetchall()]
    assert times and times == sorted(times)


def test_avg_time_in_stage(seeded, model):
    assert run_panel(seeded, model, "Avg Time in Stage") == [
        ("extraction", 23.5),
        ("completed", 3.75),  # (2.5 + 2.25 + 6.5) / 3
        ("deploy", 2.5),
        ("compilation", 2.0),
        ("ocr", 1.0),
        ("fetch", 0.0),
    ]
    assert run_panel(seeded, model, "Avg Time in Stage", stage=["ocr", "deploy"]) == [
        ("deploy", 2.5),
        ("ocr", 1.0),
    ]


# --- a range in the past shows that range (the seed's NOW() - INTERVAL '$__range' did not) ----------


def test_past_range_shows_the_rows_of_that_range(seeded, model):
    # At the end of yesterday's range only the 06:00 ocr site was stuck; the 11:00 one had been
    # idle for 1 hour (it is stuck now, which a NOW()-based query would have counted).
    assert run_panel(seeded, model, "Stuck Sites", YESTERDAY) == [(1,)]
    assert run_panel(seeded, model, "Stage Distribution", YESTERDAY) == [("ocr", 2), ("completed", 1)]
    assert hours(run_panel(seeded, model, "Completions per Hour", YESTERDAY)) == [(at("2026-01-18T01:00"), 1)]
    assert hours(run_panel(seeded, model, "Failure Rate by Stage", YESTERDAY)) == [
        (at("2026-01-18T01:00"), "ocr", 25.0)
    ]
    # Started yesterday: o'hare extraction (updated since), 06:00 ocr (stuck), completed, 11:00 ocr
    # (1h idle). With All selected o'hare counts although it was not updated inside the range.
    assert run_panel(seeded, model, "Health Score", YESTERDAY) == [(75.0,)]


# --- alerts: both sides of every threshold ----------------------------------------------------------


def test_alerts_on_the_seeded_data(seeded, pack, model):
    # The stuck alert has no lower bound: yesterday's two stalled sites still count.
    assert evaluate(seeded, alert(pack, "clerk_stuck_sites")) == (5, False)
    assert run_panel(seeded, model, "Stuck Sites") == [(5,)]  # the stat counts the same sites
    # Health: the alert's 24h window is the panel's default view.
    assert evaluate(seeded, alert(pack, "clerk_health_degraded")) == (71.4, True)
    assert run_panel(seeded, model, "Health Score") == [(71.4,)]
    # OCR in the last hour: only the deploy site (0 of 6 failed).
    assert evaluate(seeded, alert(pack, "clerk_ocr_failures_high")) == (0.0, False)


@pytest.mark.parametrize(
    ("name", "case"),
    [(name, case) for name, cases in SQL_ALERT_CASES.items() for case in cases],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_sql_alert_threshold(db, pack, name, case):
    """Each SQL alert on both sides of its threshold (tests/clerk_sites.py, keyed by alert name)."""
    load(db, case.sites)
    assert evaluate(db, alert(pack, name)) == (case.value, case.fires)


# --- the page and the dashboard agree ---------------------------------------------------------------


@pytest.fixture(scope="module", params=["timestamptz", "timestamp"])
def any_time_type(request, postgres_server: PostgresServer) -> Iterator[psycopg.Connection]:
    """A `sites` table whose time columns are `timestamptz` or `timestamp` (without time zone, read
    as UTC as Grafana expects; the session is UTC)."""
    name = f"clerk_sql_{request.param}"
    postgres_server.create_database(name)
    with postgres_server.connect(name) as conn:
        conn.execute(SITES_SCHEMA.replace("timestamptz", request.param))
        (column_type,) = conn.execute(
            "SELECT data_type FROM information_schema.columns"
            " WHERE table_name = 'sites' AND column_name = 'updated_at'"
        ).fetchone()
        assert column_type.startswith(request.param.replace("tz", " with time zone"))
        yield conn


def test_stat_and_alert_share_one_definition_of_stuck(pack, model):
    (target,) = panel(model, "Stuck Sites")["targets"]
    assert target["rawSql"] == clerk.stuck_sql(clerk.IN_SUBDOMAIN)
    assert alert(pack, "clerk_stuck_sites").query == clerk.stuck_sql()
    (listed,) = panel(model, "Stuck Site List")["targets"]
    assert clerk.STUCK in target["rawSql"] and clerk.STUCK in listed["rawSql"]
    # sargable: the bare column meets a constant, so the partial index reads the stuck entries only
    assert "updated_at < $__timeTo()::timestamptz - INTERVAL '2 hours'" in clerk.STUCK


def test_sites_stuck_longer_than_the_range_page_and_show(any_time_type, pack, model):
    """12 sites idle for 30 h: the alert pages, and the stat on the default 24 h range says the same."""
    db = any_time_type
    idle = tuple(Site(f"idle-{i}.civic.band", "ocr", 40, 30) for i in range(12))
    load(db, idle + (Site(BETA, "ocr", 3, 1), Site(GAMMA, "completed", 40, 30)))
    assert model["time"] == {"from": "now-24h", "to": "now"}  # TODAY ends at the pinned NOW
    assert evaluate(db, alert(pack, "clerk_stuck_sites")) == (12, True)
    assert run_panel(db, model, "Stuck Sites", TODAY) == [(12,)]
    listed = run_panel(db, model, "Stuck Site List", TODAY)
    assert sorted(row[0] for row in listed) == sorted(site.subdomain for site in idle)
    assert {row[2] for row in listed} == {30 * 3600.0}
    assert set(subdomain_options(db, model, TODAY)) >= {site.subdomain for site in idle}
    # Health: the 12 were started before the 24 h window; only the moving site counts.
    assert run_panel(db, model, "Health Score", TODAY) == [(100.0,)]


def test_stuck_site_list_link_reads_a_column_of_its_rows(seeded, model):
    """The row link's `${__data.fields.subdomain}` names a column the query really returns."""
    listed = panel(model, "Stuck Site List")
    (link,) = listed["fieldConfig"]["defaults"]["links"]
    (target,) = listed["targets"]
    cursor = seeded.execute(render(target["rawSql"], *TODAY, variables(seeded, model, TODAY)))
    columns = [c.name for c in cursor.description]
    assert columns == ["subdomain", "stage", "idle_for", "last_update"]
    assert "${__data.fields.subdomain:percentencode}" in link["url"]
