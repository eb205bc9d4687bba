"""index.html: every picture of a stack with its findings; static HTML, no script, no external resource."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from tools.preview.render import Picture

STYLE = """
body { background: #111217; color: #ccccdc; font-family: "DejaVu Sans", sans-serif; margin: 24px; }
h1 { font-size: 22px; font-weight: 500; } h2 { font-size: 17px; font-weight: 500; margin-top: 32px; }
a { color: #8AB8FF; } nav a { margin-right: 14px; } img { max-width: 100%; border: 1px solid #2a2d33; }
.finding { color: #FF9830; font-size: 13px; } .ok { color: #73BF69; font-size: 13px; }
"""


def gallery(stack: str, pictures: Sequence[Picture], models: Mapping[str, Mapping[str, Any]]) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Dashboards of stack {esc(stack)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Dashboards of stack <code>{esc(stack)}</code></h1>",
        "<nav>"
        + "".join(f'<a href="#{esc(p.uid)}">{esc(models[p.uid].get("title", p.uid))}</a>' for p in pictures)
        + "</nav>",
    ]
    for picture in pictures:
        title = models[picture.uid].get("title", picture.uid)
        parts.append(
            f'<section id="{esc(picture.uid)}"><h2>{esc(title)} <small>({esc(picture.uid)})</small></h2>'
        )
        if picture.findings:
            parts += [f'<p class="finding">{esc(str(f))}</p>' for f in picture.findings]
        else:
            parts.append('<p class="ok">every panel has data</p>')
        parts.append(f'<img src="{esc(picture.uid)}.png" alt="{esc(title)}"></section>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
