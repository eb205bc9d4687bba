"""Grafana's dark theme: the colours, named colours and fonts the pictures are drawn with.

Values are those of Grafana's `createColors` / `getColorDefinitions` for the dark theme, so a
threshold named "red" is the red an on-call sees on screen.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless and deterministic; set before pyplot is imported anywhere

from matplotlib import rcParams  # noqa: E402

CANVAS = "#111217"  # page background
PANEL = "#181b1f"  # panel background
BORDER = "#2a2d33"  # panel border (rgba(204, 204, 220, 0.12) over the panel)
TEXT = "#ccccdc"  # primary text
TEXT_SECONDARY = "#9fa0ab"  # secondary text, axis labels
TEXT_DISABLED = "#6f7079"
GRID = "#26282d"  # axis grid lines
ERROR = "#F2495C"
CHANGED = "#FF9830"  # outline of a panel that a pull request changes
SAMPLE_BADGE = "#8AB8FF"

# Named colours of Grafana's visualisation palette (dark theme, main shades).
NAMED = {
    "red": "#F2495C",
    "semi-dark-red": "#E02F44",
    "dark-red": "#C4162A",
    "light-red": "#FF7383",
    "super-light-red": "#FFA6B0",
    "orange": "#FF9830",
    "semi-dark-orange": "#FF780A",
    "dark-orange": "#FA6400",
    "light-orange": "#FFB357",
    "super-light-orange": "#FFCB7D",
    "yellow": "#FADE2A",
    "semi-dark-yellow": "#F2CC0C",
    "dark-yellow": "#E0B400",
    "light-yellow": "#FFEE52",
    "super-light-yellow": "#FFF899",
    "green": "#73BF69",
    "semi-dark-green": "#56A64B",
    "dark-green": "#37872D",
    "light-green": "#96D98D",
    "super-light-green": "#C8F2C2",
    "blue": "#5794F2",
    "semi-dark-blue": "#3274D9",
    "dark-blue": "#1F60C4",
    "light-blue": "#8AB8FF",
    "super-light-blue": "#C0D8FF",
    "purple": "#B877D9",
    "semi-dark-purple": "#A352CC",
    "dark-purple": "#8F3BB8",
    "light-purple": "#CA95E5",
    "super-light-purple": "#DEB6F2",
    "text": TEXT,
    "transparent": "#00000000",
}

# palette-classic, the default colour scheme of series (Grafana's classicColors, in order).
CLASSIC = (
    "#7EB26D", "#EAB839", "#6ED0E0", "#EF843C", "#E24D42", "#1F78C1", "#BA43A9", "#705DA0",
    "#508642", "#CCA300", "#447EBC", "#C15C17", "#890F02", "#0A437C", "#6D1F62", "#584477",
    "#B7DBAB", "#F4D598", "#70DBED", "#F9BA8F", "#F29191", "#82B5D8", "#E5A8E2", "#AEA2E0",
)  # fmt: skip

FONT = "DejaVu Sans"  # ships with matplotlib: the same glyphs on every machine


def color(name: str | None, default: str = TEXT) -> str:
    """A Grafana colour (named, #hex or rgb()/rgba()) as a hex string matplotlib accepts."""
    if not name:
        return default
    if name in NAMED:
        return NAMED[name]
    if name.startswith("#"):
        return name
    if name.startswith("rgb"):
        parts = [p.strip() for p in name[name.index("(") + 1 : name.rindex(")")].split(",")]
        r, g, b = (int(float(p)) for p in parts[:3])
        a = float(parts[3]) if len(parts) > 3 else 1.0
        return f"#{r:02X}{g:02X}{b:02X}{round(a * 255):02X}"
    return default


def is_transparent(value: str) -> bool:
    return len(value) == 9 and value.endswith("00")


def series_color(index: int) -> str:
    return CLASSIC[index % len(CLASSIC)]


def configure() -> None:
    """rcParams for every picture: our font and colours, nothing taken from the user's matplotlibrc."""
    rcParams.update(matplotlib.rcParamsDefault)
    rcParams.update(
        {
            "font.family": FONT,
            "font.size": 8,
            "text.color": TEXT,
            "axes.facecolor": PANEL,
            "axes.edgecolor": GRID,
            "axes.labelcolor": TEXT_SECONDARY,
            "xtick.color": TEXT_SECONDARY,
            "ytick.color": TEXT_SECONDARY,
            "savefig.facecolor": CANVAS,
            "path.simplify": False,
            "svg.hashsalt": "preview",
        }
    )
