"""`make preview` and `make preview-compare`: pictures of every dashboard, with data from real engines.

Every stack's dashboards are drawn with their panels' queries answered by a seeded PostgreSQL, a
Prometheus server with backfilled series and the Loki fixture; the pictures are then read back
pixel by pixel: panel frames where the grid puts them, a stat filled with the colour of the
threshold its value falls in, as many series colours as the query returns series, byte-identical
renders, the gallery opened in headless Chromium, and before/after pictures on real git history.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from model.panels import panels
from tests.plans import STACKS, plan_of
from tools.pr_comment import preview_images
from tools.preview import theme
from tools.preview.compare import changes, comment
from tools.preview.data import DataSourceSettings, Engines
from tools.preview.frames import PanelData, Table
from tools.preview.layout import grid_rect, picture_size, place
from tools.preview.render import render
from tools.preview.run import CACHE, render_all, write
from tools.preview.sources import demo
from tools.preview.timing import NOW

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
CHROMIUM = "/usr/bin/chromium"
# Flags for a closed network: nothing phones home, no sandbox (root in CI), a fresh profile.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def colour_at(image: np.ndarray, x: float, y: float) -> tuple[int, int, int]:
    return tuple(int(c) for c in image[int(y), int(x)])


def has_colour(region: np.ndarray, color: str) -> bool:
    return bool(np.all(region == np.array(rgb(color)), axis=-1).any())


@pytest.fixture(scope="module")
def prod_engines():
    plan = plan_of("prod")
    with Engines(list(plan.dashboards.values()), DataSourceSettings.from_plan(plan.plan), CACHE) as engines:
        yield engines


@pytest.fixture(scope="module")
def prod_pictures(prod_engines):
    models = plan_of("prod").dashboards
    return {
        uid: render(model, lambda panel, m=model: prod_engines.panel_data(m, panel))
        for uid, model in sorted(models.items())
    }


# --- every stack, every dashboard ------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_every_dashboard_of_the_stack_is_pictured_with_data(stack, prod_pictures):
    plan = plan_of(stack)
    pictures = list(prod_pictures.values()) if stack == "prod" else render_all(plan.plan, plan.dashboards)
    assert sorted(p.uid for p in pictures) == sorted(plan.dashboards)
    for picture in pictures:
        image = Image.open(io.BytesIO(picture.png))
        assert image.format == "PNG"
        assert image.size == picture_size(place(plan.dashboards[picture.uid]))
        # No panel failed to draw, errored or came back empty on the demo data.
        assert picture.findings == [], "\n".join(map(str, picture.findings))


def test_make_preview_writes_pictures_and_gallery(prod_pictures, tmp_path):
    models = plan_of("prod").dashboards
    target = write("prod", list(prod_pictures.values()), models, tmp_path)
    assert sorted(p.name for p in target.glob("*.png")) == sorted(f"{uid}.png" for uid in models)
    html = (target / "index.html").read_text()
    for uid, model in models.items():
        assert f'src="{uid}.png"' in html and model["title"] in html


# --- the grid ----------------------------------------------------------------------------------


def test_grid_rectangles_match_the_models_grid_pos(prod_pictures):
    """Grafana's grid: 24 columns over 1600 px with 8 px gutters, rows of 30 px plus 8 px margin;
    the drawn frame sits exactly there (panel colour inside its corners, page colour outside)."""
    column = (1600 - 23 * 8) / 24
    for uid, model in plan_of("prod").dashboards.items():
        picture = prod_pictures[uid]
        image = pixels(picture.png)
        for panel in model["panels"]:
            pos = panel["gridPos"]
            expected = (
                16 + round((column + 8) * pos["x"]),
                16 + 64 + round(38 * pos["y"]),
                round(column * pos["w"] + 8 * (pos["w"] - 1)),
                round(30 * pos["h"] + 8 * (pos["h"] - 1)),
            )
            rect = picture.rects[panel["id"]]
            assert (rect.x, rect.y, rect.w, rect.h) == expected, (uid, panel["title"])
            if panel["type"] == "row":
                continue
            assert colour_at(image, rect.x + 3, rect.y + 3) == rgb(theme.PANEL), (uid, panel["title"])
            assert colour_at(image, rect.right - 4, rect.y + 3) == rgb(theme.PANEL), (uid, panel["title"])
            assert colour_at(image, rect.x - 3, rect.y + 3) == rgb(theme.CANVAS), (uid, panel["title"])
            assert colour_at(image, rect.right + 3, rect.y + 3) == rgb(theme.CANVAS), (uid, panel["title"])
            assert colour_at(image, rect.x + 3, rect.y - 3) == rgb(theme.CANVAS), (uid, panel["title"])


def test_panels_do_not_overlap():
    for model in plan_of("prod").dashboards.values():
        rects = [grid_rect(p["gridPos"]) for p in model["panels"]]
        for i, a in enumerate(rects):
            for b in rects[i + 1 :]:
                assert a.right <= b.x or b.right <= a.x or a.bottom <= b.y or b.bottom <= a.y


# --- pixels on known data ----------------------------------------------------------------------


def stat_model(value_color_mode: str = "background") -> dict:
    return {
        "uid": "stat-check",
        "title": "stat check",
        "time": {"from": "now-6h", "to": "now"},
        "panels": [
            {
                "id": 1,
                "type": "stat",
                "title": "Stuck",
                "gridPos": {"x": 0, "y": 0, "w": 8, "h": 6},
                "fieldConfig": {
                    "defaults": {
                        "unit": "none",
                        "thresholds": {
                            "mode": "absolute",
                            "steps": [
                                {"color": "green", "value": None},
                                {"color": "yellow", "value": 5},
                                {"color": "red", "value": 11},
                            ],
                        },
                    },
                    "overrides": [],
                },
                "options": {"colorMode": value_color_mode, "graphMode": "none"},
                "targets": [],
            }
        ],
    }


@pytest.mark.parametrize(
    ("value", "color"), [(0, "green"), (4, "green"), (5, "yellow"), (10, "yellow"), (11, "red")]
)
def test_stat_is_filled_with_the_colour_of_the_threshold_its_value_falls_in(value, color):
    model = stat_model()
    picture = render(model, lambda panel: PanelData(tables=[Table(["stuck"], [[value]])]))
    rect = picture.rects[1]
    # Inside the body (below the 32 px title), away from the centred value text.
    assert colour_at(pixels(picture.png), rect.x + 12, rect.y + 36) == rgb(theme.NAMED[color])


def test_clerk_stuck_sites_stat_shows_the_seeded_count_in_its_threshold_colour(prod_engines, prod_pictures):
    """The count PostgreSQL returns is the one the demo day holds, and the tile has its colour."""
    model = plan_of("prod").dashboards["clerk-pipeline"]
    panel = next(p for p in panels(model) if p["title"] == "Stuck Sites")
    data = prod_engines.panel_data(model, panel)
    (table,) = data.tables
    stuck = [
        s
        for s in demo.sites()
        if s.stage not in (None, "completed")
        and NOW - timedelta(hours=24) <= s.updated <= NOW
        and s.updated + timedelta(hours=2) < NOW
    ]
    assert table.rows == [[len(stuck)]] and len(stuck) > 0
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    expected = [s["color"] for s in steps if s["value"] is None or len(stuck) >= s["value"]][-1]
    rect = prod_pictures["clerk-pipeline"].rects[panel["id"]]
    image = pixels(prod_pictures["clerk-pipeline"].png)
    assert colour_at(image, rect.x + 12, rect.y + 36) == rgb(theme.NAMED[expected])


def test_timeseries_draws_one_colour_per_series_its_query_returns(prod_engines, prod_pictures):
    model = plan_of("prod").dashboards["background-jobs"]
    panel = next(p for p in panels(model) if p["title"] == "Executions by status")
    series = prod_engines.panel_data(model, panel).series
    count = len(series)
    assert count > 1
    assert sorted(s.name for s in series) == sorted({s.name for s in series})  # distinct legends
    rect = prod_pictures["background-jobs"].rects[panel["id"]]
    region = pixels(prod_pictures["background-jobs"].png)[rect.y : rect.bottom, rect.x : rect.right]
    shown = [has_colour(region, theme.series_color(i)) for i in range(count + 1)]
    assert shown == [True] * count + [False]


def test_panel_without_data_is_drawn_as_no_data_and_reported():
    model = stat_model()
    picture = render(model, lambda panel: PanelData())
    assert [str(f) for f in picture.findings] == ["stat-check: panel 'Stuck': No data"]
    failed = render(model, lambda panel: PanelData(errors=["A: bad_data: parse error"]))
    assert [f.problem for f in failed.findings] == ["query error: A: bad_data: parse error"]
    rect = failed.rects[1]
    assert colour_at(pixels(failed.png), rect.x + 2, rect.y + 2) == rgb(theme.ERROR)  # the corner


# --- determinism -------------------------------------------------------------------------------


def test_two_renders_are_byte_identical(prod_pictures, tmp_path):
    """A second run with new servers and a fresh block cache gives the same bytes for every dashboard."""
    plan = plan_of("prod")
    again = render_all(plan.plan, plan.dashboards, cache=tmp_path / "cache")
    assert {p.uid: p.png for p in again} == {uid: p.png for uid, p in prod_pictures.items()}
    assert not any(b"Software" in p.png or b"tIME" in p.png for p in again)


# --- the gallery in headless Chromium ----------------------------------------------------------


def open_in_chromium(page_path: Path, screenshot: Path) -> tuple[list[str], int]:
    """Console errors, page errors and failed loads of a page, and how many images rendered."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium not installed: run `make system-deps` (Debian package chromium)")
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = context.new_page()
            page.on(
                "console",
                lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            page.goto(page_path.as_uri(), wait_until="load")
            loaded = page.evaluate(
                "Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length"
            )
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            context.close()
    return problems, loaded


def test_gallery_opens_in_headless_chromium_without_errors(prod_pictures, tmp_path):
    models = plan_of("prod").dashboards
    target = write("prod", list(prod_pictures.values()), models, tmp_path)
    shot = tmp_path / "gallery-screenshot.png"
    problems, loaded = open_in_chromium(target / "index.html", shot)
    assert problems == []
    assert loaded == len(models)
    screenshot = pixels(shot.read_bytes())
    assert screenshot.shape[0] > 2000  # the full page, every picture below the other
    assert colour_at(screenshot, 5, 5) == rgb(theme.CANVAS)


def test_the_chromium_check_catches_a_broken_page(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><img src="missing.png"><script>console.error("boom")</script>')
    problems, loaded = open_in_chromium(page, tmp_path / "shot.png")
    assert loaded == 0
    assert "console error: boom" in problems
    assert any(p.startswith("failed: ") and p.endswith("missing.png") for p in problems)


# --- before/after on pull requests -------------------------------------------------------------


def test_changes_name_only_changed_dashboards_and_panels():
    models = plan_of("prod").dashboards
    head = {uid: dict(m) for uid, m in models.items()}
    board = head["clerk-pipeline"]
    board["panels"] = [dict(p) for p in board["panels"]]
    stuck = next(p for p in board["panels"] if p["title"] == "Stuck Sites")
    stuck["title"] = "Stuck sites (idle 2 h)"
    board["panels"].append(
        {"id": 99, "type": "stat", "title": "Queue Depth", "gridPos": {"x": 0, "y": 99, "w": 4, "h": 4}}
    )
    found = changes("prod", models, head)
    assert [(c.uid, c.changed, c.added, c.removed) for c in found] == [
        ("clerk-pipeline", {stuck["id"]}, {99}, set())
    ]
    text = comment(found, "origin/main", "0123456789abcdef")
    assert "changed: Stuck sites (idle 2 h); added: Queue Depth" in text
    assert "| ![before](@IMAGE_BASE_URL@/prod-clerk-pipeline-before.png) |" in text
    assert "| ![after](@IMAGE_BASE_URL@/prod-clerk-pipeline-after.png) |" in text
    assert "clipper" not in text
    assert comment([], "origin/main", "0123456789abcdef") == ""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def git(repo: Path, *args: str) -> str:
    return run("git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args, cwd=repo).stdout


def test_make_preview_compare_on_git_history(tmp_path):
    """A commit lowering the stuck-sites red threshold: the Clerk dashboard alone gets a before
    (yellow tile) and an after (red tile) picture, its Stuck Sites panel outlined in both."""
    repo = tmp_path / "project"
    listed = run("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    unchanged = run(
        sys.executable, "-m", "tools.preview.compare", "--base", "HEAD", "--out", "same", cwd=repo
    )
    assert "no dashboard changed" in unchanged.stdout
    assert list((repo / "same").iterdir()) == []  # no pictures, no comment section
    shutil.rmtree(repo / "same")
    pack = repo / "dashboards" / "clerk.py"
    source = pack.read_text()
    assert "STUCK_CRITICAL_ABOVE = 10 " in source
    pack.write_text(source.replace("STUCK_CRITICAL_ABOVE = 10 ", "STUCK_CRITICAL_ABOVE = 6 "))
    git(repo, "commit", "-qam", "page on more than 6 stuck sites")

    proc = run(
        "make",
        "--no-print-directory",
        "preview-compare",
        "BASE=HEAD~1",
        "STACK=prod",
        f"VENV={VENV}",
        cwd=repo,
    )
    out = repo / "build" / "preview-compare"
    assert sorted(p.name for p in out.iterdir()) == [
        "comment.md",
        "prod-clerk-pipeline-after.png",
        "prod-clerk-pipeline-before.png",
    ], proc.stdout
    # The comment job's own check of the directory accepts it (names, PNG signature, sizes).
    assert [p.name for p in preview_images(repo / "build")] == [
        "prod-clerk-pipeline-after.png",
        "prod-clerk-pipeline-before.png",
    ]
    text = (out / "comment.md").read_text()
    assert "changed: Stuck Sites" in text and "@IMAGE_BASE_URL@/prod-clerk-pipeline-after.png" in text
    rect = place(plan_of("prod").dashboards["clerk-pipeline"])
    stuck = next(p.rect for p in rect if p.panel.get("title") == "Stuck Sites")
    before = pixels((out / "prod-clerk-pipeline-before.png").read_bytes())
    after = pixels((out / "prod-clerk-pipeline-after.png").read_bytes())
    for image in (before, after):
        assert colour_at(image, stuck.x - 2, stuck.y + stuck.h / 2) == rgb(theme.CHANGED)
    assert colour_at(before, stuck.x + 12, stuck.y + 36) == rgb(theme.NAMED["yellow"])
    assert colour_at(after, stuck.x + 12, stuck.y + 36) == rgb(theme.NAMED["red"])
    # Panels that did not change are not outlined.
    health = next(p.rect for p in rect if p.panel.get("title") == "Health Score")
    assert colour_at(after, health.x - 2, health.y + health.h / 2) == rgb(theme.CANVAS)
    assert len(git(repo, "worktree", "list").splitlines()) == 1


# --- the pieces, on known input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "text"),
    [
        (0.0042, "percentunit", 3, "0.420%"),
        (94.94, "percent", 1, "94.9%"),
        (1500, "ops", None, "1.50 Kops/s"),
        (0.25, "s", None, "250 ms"),
        (90, "s", None, "1.50 min"),
        (2.5, "h", 1, "2.5 hour"),
        (1536, "bytes", None, "1.50 KiB"),
        (258_000, "short", 0, "258 K"),
        (7, "none", 0, "7"),
        (None, "none", 0, "No data"),
    ],
)
def test_values_are_written_in_grafanas_units(value, unit, decimals, text):
    from tools.preview.units import format_value

    assert format_value(value, unit, decimals) == text


def test_variables_at_their_defaults_and_grafanas_intervals():
    from tools.preview.timing import TimeRange, interval_seconds
    from tools.preview.variables import builtins, interpolate_promql

    model = plan_of("prod").dashboards["prisma-migration"]
    one_hour = TimeRange(NOW - timedelta(hours=1), NOW)
    interval = interval_seconds(one_hour, 780, 30)  # 3600 s / 780 px rounds to 5 s, the scrape is 30 s
    assert interval == 30
    values = builtins(one_hour, interval, 30)
    assert values["__rate_interval"] == "2m0s"  # max(interval + scrape, 4 x scrape), a Go duration
    thirty_days = TimeRange(NOW - timedelta(days=30), NOW)
    assert builtins(thirty_days, interval_seconds(thirty_days, 780, 30), 30)["__rate_interval"] == "1h0m30s"
    expr = 'sum(rate(db_query_total{module=~"$module"}[$__rate_interval])) * $__interval_ms'
    assert interpolate_promql(expr, model, values) == 'sum(rate(db_query_total{module=~".*"}[2m0s])) * 30000'


def test_table_transformations_and_hidden_columns():
    from tools.preview.draw.table import prepared, visible_columns
    from tools.preview.frames import LogLine
    from tools.preview.sources.loki import to_table

    model = plan_of("prod").dashboards["clerk-pipeline"]
    panel = next(p for p in panels(model) if p["title"] == "Recent Errors")
    labels = {"job": "clerk", "level": "error", "stage": "ocr", "subdomain": "a.civic.band", "message": "m"}
    frame = to_table([LogLine(NOW.timestamp(), "{}", {**labels, "job_id": "ocr-001"})])
    table = prepared(panel, PanelData(tables=[frame]))
    assert table.columns == ["Time", "Subdomain", "Stage", "Message", "Job ID", "Log line"]
    assert table.rows == [[NOW.timestamp(), "a.civic.band", "ocr", "m", "ocr-001", "{}"]]
    hide = {
        "matcher": {"id": "byName", "options": "Job ID"},
        "properties": [{"id": "custom.hidden", "value": True}],
    }
    hiding = {**panel, "fieldConfig": {"defaults": {}, "overrides": [hide]}}
    assert visible_columns(hiding, table) == ["Time", "Subdomain", "Stage", "Message", "Log line"]


def test_loki_panels_select_the_fixture_lines_their_query_asks_for():
    from tools.preview.sources.loki import LokiSource

    lines = demo.log_lines(demo.sites())
    source = LokiSource(lines, 5000)
    model = plan_of("prod").dashboards["clerk-pipeline"]
    panel = next(p for p in panels(model) if p["title"] == "Recent Errors")
    (target,) = panel["targets"]
    expr = target["expr"].replace("$subdomain", ".*").replace("$stage", ".*")
    data = source.query(expr, target, NOW - timedelta(hours=24), NOW)
    assert data.sample and not data.errors
    assert 0 < len(data.logs) <= target["maxLines"]
    assert {entry.labels["level"] for entry in data.logs} <= {"error", "warning"}
    assert [e.time for e in data.logs] == sorted((e.time for e in data.logs), reverse=True)  # newest first
    only_ocr = source.query(
        expr.replace('stage=~".*"', 'stage=~"ocr"'), target, NOW - timedelta(hours=24), NOW
    )
    assert only_ocr.logs and {e.labels["stage"] for e in only_ocr.logs} == {"ocr"}
    refused = source.query('{job="clerk"} | pattern "<_> <level>"', target, NOW - timedelta(hours=1), NOW)
    assert refused.errors and "pattern" in refused.errors[0]


def test_histogram_buckets_are_de_accumulated_for_heatmaps():
    from tools.preview.frames import Series
    from tools.preview.sources.prometheus import heatmap_buckets

    cumulative = [
        Series("+Inf", [0.0], [10.0], {"le": "+Inf"}),
        Series("0.1", [0.0], [4.0], {"le": "0.1"}),
        Series("0.5", [0.0], [9.0], {"le": "0.5"}),
    ]
    assert [(s.name, s.values) for s in heatmap_buckets(cumulative)] == [
        ("0.1", [4.0]),
        ("0.5", [5.0]),
        ("+Inf", [1.0]),
    ]


def test_legend_calcs_use_grafanas_reducers():
    from tools.preview.frames import reduce

    values = [1.0, 4.0, 2.0]
    assert [reduce(values, c) for c in ("mean", "max", "min", "lastNotNull", "sum")] == [
        7 / 3,
        4.0,
        1.0,
        2.0,
        7.0,
    ]


def test_sort_by_is_grafanas_stable_one_field_sort():
    """As @grafana/data's sortBy: only the first entry counts, equal values keep their order (the
    Clerk trace groups runs this way, tests/test_clerk_dashboard.py runs Grafana's own code)."""
    from tools.preview.frames import Table
    from tools.preview.transform import apply

    table = Table(["Run", "Time"], [["a", 1], ["b", 2], ["a", 3], [None, 4], ["b", 5]])
    sort = [{"id": "sortBy", "options": {"sort": [{"field": "Run", "desc": True}, {"field": "Time"}]}}]
    assert apply(table, sort).rows == [[None, 4], ["b", 2], ["b", 5], ["a", 1], ["a", 3]]
    ascending = [{"id": "sortBy", "options": {"sort": [{"field": "Run"}]}}]
    assert apply(table, ascending).rows == [["a", 1], ["a", 3], ["b", 2], ["b", 5], [None, 4]]
