"""Runbooks as code: `docs/runbooks/<team>.md` -> `build/runbooks/<team>.html` and `index.html`.

Every alert rule links to `<runbookBaseUrl>/<team>#<anchor>`. GitHub Pages serves `<team>.html` at
`<base>/<team>`, so publishing this directory at the base URL makes every link land on its section.

A runbook is CommonMark with one rule for its sections: each `## ` heading is one alert's section and
is preceded by its explicit anchor, the line `<a id="<anchor>"></a>`. The anchor is the id of the
rendered `<section>`, independent of the heading's words, so a heading can be reworded without
breaking a single link. Everything before the first section is the page's introduction. No other raw
HTML is accepted: the pages are published as they are rendered.

    python -m tools.runbooks                     # make runbooks
    python -m tools.runbooks --source docs/runbooks --output build/runbooks
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "docs" / "runbooks"
OUTPUT = ROOT / "build" / "runbooks"
ANCHOR_TAG = re.compile(r'<a id="([a-z0-9][a-z0-9-]*)">')
TEAM_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


class RunbookError(Exception):
    """A runbook that cannot be published as it stands; the message names the file and line."""


@dataclass(frozen=True)
class Section:
    anchor: str  # the `<section id>`: what a rule's runbook_url points at after `#`
    title: str
    source: str  # the section's Markdown, heading included
    html: str


@dataclass(frozen=True)
class Runbook:
    team: str  # the file's stem: the page is `<team>.html`, served at `<base>/<team>`
    title: str
    intro_html: str
    sections: tuple[Section, ...]

    @property
    def page(self) -> str:
        return f"{self.team}.html"


def markdown() -> MarkdownIt:
    # CommonMark with GitHub's tables; raw HTML is parsed so that it can be checked (see _checked).
    return MarkdownIt("commonmark", {"html": True}).enable("table")


def _anchor_of(token: Token, inline: Token | None) -> str | None:
    """`<a id="x"></a>` alone in a paragraph -> "x"."""
    if token.type != "paragraph_open" or inline is None or not inline.children:
        return None
    parts = [c for c in inline.children if not (c.type == "text" and not c.content.strip())]
    if len(parts) == 2 and [p.type for p in parts] == ["html_inline", "html_inline"]:
        match = ANCHOR_TAG.fullmatch(parts[0].content)
        if match and parts[1].content == "</a>":
            return match.group(1)
    return None


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


def _checked(path: Path, tokens: Sequence[Token]) -> None:
    """Refuse raw HTML other than section anchors (already taken out): it would be published unreviewed."""
    for token in tokens:
        raw = [token] if token.type == "html_block" else []
        raw += [c for c in token.children or [] if c.type == "html_inline"]
        if raw:
            raise RunbookError(
                f"{path}:{_line(token)}: raw HTML {raw[0].content.strip()!r} is not allowed; "
                'the only HTML a runbook holds is a section anchor, `<a id="anchor"></a>` on its own line '
                "directly above the section's `## ` heading"
            )


def parse(path: Path, md: MarkdownIt | None = None) -> Runbook:
    """Read one team's runbook and split it into its introduction and its anchored sections."""
    md = md or markdown()
    team = path.stem
    if not TEAM_NAME.fullmatch(team):
        raise RunbookError(f"{path}: a runbook is named after its team label, e.g. clerk.md")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    tokens = md.parse(text)
    title = ""
    intro: list[Token] = []
    sections: list[tuple[str, int, list[Token]]] = []  # anchor, first source line, tokens
    i = 0
    while i < len(tokens):
        token = tokens[i]
        inline = tokens[i + 1] if i + 1 < len(tokens) and tokens[i + 1].type == "inline" else None
        anchor = _anchor_of(token, inline)
        if anchor is not None:
            heading = tokens[i + 3] if i + 3 < len(tokens) else None
            if heading is None or heading.type != "heading_open" or heading.tag != "h2":
                raise RunbookError(
                    f'{path}:{_line(token)}: the anchor "{anchor}" must stand directly above a `## ` heading'
                )
            if any(a == anchor for a, _, _ in sections):
                raise RunbookError(f'{path}:{_line(token)}: the anchor "{anchor}" is used twice')
            sections.append((anchor, token.map[0] if token.map else 0, []))
            i += 3  # the anchor's paragraph is not rendered: its id moves to the <section>
            continue
        if token.type == "heading_open" and token.tag == "h1":
            if title or sections:
                raise RunbookError(f"{path}:{_line(token)}: one `# ` title, at the top of the runbook")
            title = tokens[i + 1].content
        if token.type == "heading_open" and token.tag == "h2" and (not sections or sections[-1][2]):
            raise RunbookError(
                f"{path}:{_line(token)}: the section {tokens[i + 1].content!r} has no anchor; "
                'put `<a id="<anchor>"></a>` on the line above it, the anchor its alert\'s runbook_url uses'
            )
        (sections[-1][2] if sections else intro).append(token)
        i += 1
    if not title:
        raise RunbookError(f"{path}: a runbook starts with a `# ` title")
    _checked(path, intro + [t for _, _, body in sections for t in body])
    ends = [start for _, start, _ in sections[1:]] + [len(lines)]
    return Runbook(
        team=team,
        title=title,
        intro_html=md.renderer.render(intro, md.options, {}),
        sections=tuple(
            Section(
                anchor=anchor,
                title=body[1].content,
                source="".join(lines[start:end]),
                html=md.renderer.render(body, md.options, {}),
            )
            for (anchor, start, body), end in zip(sections, ends, strict=True)
        ),
    )


def load(source: Path = SOURCE) -> tuple[Runbook, ...]:
    md = markdown()
    runbooks = tuple(parse(path, md) for path in sorted(source.glob("*.md")))
    if not runbooks:
        raise RunbookError(f"{source}: no runbooks (<team>.md) found")
    return runbooks


STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
nav { font-size: 0.9rem; margin-bottom: 1rem; }
section { border-top: 1px solid #d0d7de; margin-top: 2rem; }
section:target { background: #fff8c5; }
code, pre { font: 0.9em ui-monospace, monospace; background: #f6f8fa; }
pre { padding: 0.75rem; overflow-x: auto; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.5rem; text-align: left; }
"""


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )


def render_page(runbook: Runbook) -> str:
    contents = "".join(
        f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>\n' for s in runbook.sections
    )
    sections = "".join(f'<section id="{s.anchor}">\n{s.html}</section>\n' for s in runbook.sections)
    body = (
        '<nav><a href="index.html">All runbooks</a></nav>\n<main>\n'
        f"{runbook.intro_html}<ul>\n{contents}</ul>\n{sections}</main>\n"
    )
    return _page(runbook.title, body)


def render_index(runbooks: Sequence[Runbook]) -> str:
    items = "".join(
        f'<li><a href="{rb.page}">{html.escape(rb.title)}</a> ({len(rb.sections)} sections)</li>\n'
        for rb in runbooks
    )
    return _page("Runbooks", f"<main>\n<h1>Runbooks</h1>\n<p>One page per team, one section per alert.</p>\n"
                 f"<ul>\n{items}</ul>\n</main>\n")  # fmt: skip


def render(source: Path = SOURCE, output: Path = OUTPUT) -> tuple[Runbook, ...]:
    """Write `<team>.html` per runbook and `index.html`; returns what was rendered."""
    runbooks = load(source)
    output.mkdir(parents=True, exist_ok=True)
    for stale in output.glob("*.html"):
        stale.unlink()
    for runbook in runbooks:
        (output / runbook.page).write_text(render_page(runbook), encoding="utf-8")
    (output / "index.html").write_text(render_index(runbooks), encoding="utf-8")
    return runbooks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="directory of <team>.md runbooks")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where the HTML pages are written")
    args = parser.parse_args(argv)
    try:
        runbooks = render(args.source, args.output)
    except RunbookError as error:
        print(f"runbooks: {error}", file=sys.stderr)
        return 2
    sections = sum(len(rb.sections) for rb in runbooks)
    print(f"runbooks: {len(runbooks)} pages, {sections} sections -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
