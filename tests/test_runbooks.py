"""Runbooks as code: every alert's runbook link lands on a section, and every section has an alert.

The links come from the offline plan of every stack (each rule's `runbook_url`, `team` label and
panel annotations), never from a list kept here. They are resolved against the pages `make runbooks`
renders, as GitHub Pages serves them: `<runbookBaseUrl>/<team>` is `<team>.html`, `#<anchor>` the
id of one of its `<section>`s. A section no rule of any stack links to is an orphan. Each section
also names its alerts, as notifications title them, and the panel they open, by the title and path
the dashboard really has.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from model.panels import panels
from tests.plans import STACKS, plan_of
from tools import runbooks
from tools.plan import read_stack_config

ROOT = Path(__file__).resolve().parent.parent
RULES = "grafana:alerting/ruleGroup:RuleGroup"
WORKFLOW = ROOT / ".github" / "workflows" / "runbooks.yml"


@dataclass(frozen=True)
class AlertLink:
    stack: str
    rule: str
    team: str
    url: str
    dashboard_uid: str
    panel_id: int


def alert_links(stack: str) -> list[AlertLink]:
    links = []
    for group in plan_of(stack).plan["resources"]:
        if group["type"] != RULES:
            continue
        for rule in group["inputs"]["rules"]:
            notes = rule["annotations"]
            links.append(
                AlertLink(
                    stack=stack,
                    rule=rule["name"],
                    team=rule["labels"]["team"],
                    url=notes["runbook_url"],
                    dashboard_uid=notes["__dashboardUid__"],
                    panel_id=int(notes["__panelId__"]),
                )
            )
    return links


def runbook_base_url(stack: str) -> str:
    """As settings read it: the stack file's value without a trailing slash."""
    return read_stack_config(stack)["observability:runbookBaseUrl"].rstrip("/")


class _SectionIds(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.fragments: list[str] = []  # links within the page: href="#..."

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.ids.append(dict(attrs).get("id") or "")
        if tag == "a" and (dict(attrs).get("href") or "").startswith("#"):
            self.fragments.append(dict(attrs)["href"][1:])


def read_site(directory: Path) -> dict[str, list[str]]:
    """Page name (as Pages serves it, without `.html`) -> the ids of its sections."""
    site = {}
    for page in sorted(directory.glob("*.html")):
        parser = _SectionIds()
        parser.feed(page.read_text(encoding="utf-8"))
        site[page.stem] = parser.ids
    return site


def broken_fragments(directory: Path) -> list[str]:
    broken = []
    for page in sorted(directory.glob("*.html")):
        parser = _SectionIds()
        parser.feed(page.read_text(encoding="utf-8"))
        broken += [f"{page.name}: #{f}" for f in parser.fragments if f not in parser.ids]
    return broken


def unresolved(links: list[AlertLink], base: str, site: dict[str, list[str]]) -> list[str]:
    problems = []
    for link in links:
        where = f"{link.stack}: rule {link.rule!r} links to {link.url}"
        if not link.url.startswith(base + "/"):
            problems.append(f"{where}, outside the runbooks' base URL {base}/")
            continue
        page, _, anchor = link.url[len(base) + 1 :].partition("#")
        if page != link.team:
            problems.append(f"{where}: not its team's page {link.team!r}")
        elif page not in site:
            problems.append(f"{where}: there is no runbook docs/runbooks/{page}.md")
        elif anchor not in site[page]:
            problems.append(f"{where}: {page}.html has no section with id {anchor!r}")
    return problems


def orphans(site: dict[str, list[str]], links: list[AlertLink]) -> list[str]:
    linked = {link.url.rpartition("/")[2] for link in links}  # "<team>#<anchor>"
    teams = {link.team for link in links}
    problems = [
        f"{page}.html belongs to no team with alerts" for page in site if page not in teams | {"index"}
    ]
    problems += [
        f"{page}.html#{anchor}: no alert of any stack links to this section"
        for page, ids in site.items()
        for anchor in ids
        if f"{page}#{anchor}" not in linked
    ]
    return problems


def disagreements(links: list[AlertLink], books: tuple[runbooks.Runbook, ...]) -> list[str]:
    """Each section names its alerts as notifications show them (the rule title without the severity
    suffix) and the panel they open: its title and its path, as the plan has them."""
    sections = {(book.team, s.anchor): s for book in books for s in book.sections}
    problems = []
    for link in links:
        section = sections.get((link.team, link.url.rpartition("#")[2]))
        if section is None:
            continue  # reported by unresolved()
        model = plan_of(link.stack).dashboards[link.dashboard_uid]
        title = next(p["title"] for p in panels(model) if p.get("id") == link.panel_id)
        path = f"/d/{link.dashboard_uid}?viewPanel={link.panel_id}"
        alert = re.sub(r" \((critical|warning|info)\)$", "", link.rule)
        for expected in (f"**{alert}**", f"**{title}**", path):
            if expected not in section.source:
                problems.append(f"{link.team}#{section.anchor} ({link.rule}): does not name {expected}")
    return problems


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> dict[str, list[str]]:
    out = tmp_path_factory.mktemp("runbooks")
    runbooks.render(runbooks.SOURCE, out)
    return read_site(out)


def every_link() -> list[AlertLink]:
    return [link for stack in STACKS for link in alert_links(stack)]


@pytest.mark.parametrize("stack", STACKS)
def test_every_runbook_url_lands_on_a_section(stack, published):
    links = alert_links(stack)
    assert links, "the plan has alert rules"
    assert unresolved(links, runbook_base_url(stack), published) == []


def test_every_section_belongs_to_an_alert(published):
    assert orphans(published, every_link()) == []


def test_links_between_sections_resolve(tmp_path):
    """Cross-references between sections, e.g. `[Availability SLO breach](#slo-availability)`, land."""
    runbooks.render(runbooks.SOURCE, tmp_path / "html")
    assert broken_fragments(tmp_path / "html") == []
    source = tmp_path / "md"
    shutil.copytree(runbooks.SOURCE, source)
    with (source / "clipper.md").open("a") as md:
        md.write("\nSee [the job runbook](#job-stale-typo).\n")
    runbooks.render(source, tmp_path / "planted")
    assert broken_fragments(tmp_path / "planted") == ["clipper.html: #job-stale-typo"]


def test_every_section_names_its_alerts_and_the_panel_they_open():
    assert disagreements(every_link(), runbooks.load()) == []


def test_a_wrong_anchor_team_or_base_is_caught(published):
    stack = STACKS[0]
    base = runbook_base_url(stack)
    link = alert_links(stack)[0]
    team, _, anchor = link.url[len(base) + 1 :].partition("#")
    planted = {
        "section": replace(link, url=f"{base}/{team}#{anchor}-typo"),
        "team": replace(link, url=f"{base}/{'clipper' if team != 'clipper' else 'clerk'}#{anchor}"),
        "base": replace(link, url=f"https://elsewhere.example.com/{team}#{anchor}"),
    }
    for what, bad in planted.items():
        problems = unresolved([bad], base, published)
        assert len(problems) == 1 and bad.url in problems[0], (what, problems)


def test_an_orphan_section_a_wrong_panel_and_a_renamed_alert_are_caught(tmp_path):
    source = tmp_path / "md"
    shutil.copytree(runbooks.SOURCE, source)
    with (source / "clerk.md").open("a") as md:
        md.write('\n<a id="not-an-alert"></a>\n## Not an alert\n\nNothing links here.\n')
    runbooks.render(source, tmp_path / "html")
    assert orphans(read_site(tmp_path / "html"), every_link()) == [
        "clerk.html#not-an-alert: no alert of any stack links to this section"
    ]
    link = next(link for link in every_link() if link.panel_id != 1)
    moved = replace(link, panel_id=1)
    assert any("viewPanel=1" in p for p in disagreements([moved], runbooks.load(source)))
    renamed = replace(link, rule="Renamed alert (critical)")
    assert any("**Renamed alert**" in p for p in disagreements([renamed], runbooks.load(source)))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clerk.md"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("# T\n\n## Stuck sites\n", r"clerk.md:3: the section 'Stuck sites' has no anchor"),
        (
            '# T\n\n<a id="a"></a>\n## A\n\n<a id="a"></a>\n## B\n',
            r'clerk.md:6: the anchor "a" is used twice',
        ),
        ('# T\n\n<a id="a"></a>\n### A\n', r'clerk.md:3: the anchor "a" must stand directly above'),
        ('# T\n\n<a id="a"></a>\n## A\n\n<script>alert(1)</script>\n', r"clerk.md:6: raw HTML '<script>"),
        ('# T\n\n<a id="a"></a>\n## A\n\ntext <img src=x onerror=y>\n', r"clerk.md:6: raw HTML '<img"),
        ("## A\n", r"has no anchor"),
        ("intro\n", r"clerk.md: a runbook starts with a `# ` title"),
    ],
)
def test_a_malformed_runbook_is_refused_with_file_and_line(tmp_path, text, error):
    with pytest.raises(runbooks.RunbookError, match=error):
        runbooks.parse(write(tmp_path, text))


def test_the_anchor_survives_a_reworded_heading(tmp_path):
    book = runbooks.parse(
        write(tmp_path, '# T\n\nintro\n\n<a id="stuck-sites"></a>\n## Any words `at all`\n\nbody\n')
    )
    assert [(s.anchor, s.title) for s in book.sections] == [("stuck-sites", "Any words `at all`")]
    page = runbooks.render_page(book)
    assert '<section id="stuck-sites">\n<h2>Any words <code>at all</code></h2>' in page
    assert "&lt;a id=" not in page and '<a id="' not in page, "the anchor line itself is not rendered"


def test_make_runbooks_is_deterministic_and_fails_cleanly(tmp_path, capsys):
    assert runbooks.main(["--output", str(tmp_path / "a")]) == 0
    assert runbooks.main(["--output", str(tmp_path / "b")]) == 0
    pages = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert pages == sorted([f"{md.stem}.html" for md in runbooks.SOURCE.glob("*.md")] + ["index.html"])
    for name in pages:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    write(tmp_path, "# T\n\n## No anchor\n")
    capsys.readouterr()
    assert runbooks.main(["--source", str(tmp_path), "--output", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("runbooks: ") and "has no anchor" in err and "Traceback" not in err


def test_both_stacks_link_to_the_one_published_site():
    bases = {runbook_base_url(stack) for stack in STACKS}
    assert len(bases) == 1 and next(iter(bases)).startswith("https://"), bases


def test_workflow_publishes_build_runbooks_with_least_privilege():
    text = WORKFLOW.read_text()
    doc = yaml.safe_load(text)
    on = doc.get("on", doc.get(True))
    assert on["push"]["branches"] == ["main"] and "docs/runbooks/**" in on["push"]["paths"]
    assert doc["permissions"] == {"contents": "read"}
    assert "secrets." not in text, "publishing runbooks needs no secret"
    build, deploy = doc["jobs"]["build"], doc["jobs"]["deploy"]
    assert "permissions" not in build, "the build job keeps the read-only default"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    runs = [step.get("run", "") for step in build["steps"]]
    checked = next(i for i, run in enumerate(runs) if "pytest -q tests/test_runbooks.py" in run)
    rendered = next(i for i, run in enumerate(runs) if "make runbooks" in run)
    assert checked < rendered, "the links are checked before anything is published"
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "build/runbooks"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", text, flags=re.MULTILINE)
    assert len(uses) == sum("uses" in step for job in doc["jobs"].values() for step in job["steps"])
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), f"pin {action} to a commit SHA"
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), f"{action}: the version it is, as a comment"
