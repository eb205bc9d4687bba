"""Grafana's value formats (packages/grafana-data/src/valueFormats), for the units the packs use.

`format_value(0.0042, "percentunit", 3)` -> "0.420%", as the panel would show it. A unit not
reproduced here is shown as Grafana shows an unknown unit: the number and the unit's text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

Formatter = Callable[[float, int | None], str]


def auto_decimals(value: float) -> int:
    """getDecimalsForValue: about two significant digits, none for whole numbers."""
    if value == 0 or not math.isfinite(value):
        return 0
    magnitude = abs(value)
    dec = -math.floor(math.log10(magnitude)) + 1
    norm = magnitude / 10 ** (-dec)
    if norm > 2.25:
        dec += 1
    if float(value).is_integer():
        dec = 0
    return max(0, dec)


def to_fixed(value: float, decimals: int | None = None) -> str:
    if not math.isfinite(value):
        return "-Inf" if value < 0 else ("+Inf" if value > 0 else "NaN")
    places = auto_decimals(value) if decimals is None else decimals
    text = f"{value:.{max(0, places)}f}"
    return text.lstrip("-") if float(text) == 0 else text  # no "-0"


def _scaled(factor: float, suffixes: Sequence[str]) -> Formatter:
    def fmt(value: float, decimals: int | None) -> str:
        steps = 0
        while abs(value) >= factor and steps < len(suffixes) - 1:
            steps += 1
            value /= factor
        return to_fixed(value, decimals) + suffixes[steps]

    return fmt


def _count(symbol: str) -> Formatter:
    """simpleCountUnit: 1500 -> "1.50 Kops/s"."""
    scale = _scaled(1000, ["", "K", "M", "B", "T"])

    def fmt(value: float, decimals: int | None) -> str:
        text = scale(value, decimals)
        number = text.rstrip("KMBT")
        return f"{number} {text[len(number) :]}{symbol}"

    return fmt


def _suffix(text: str) -> Formatter:
    return lambda value, decimals: to_fixed(value, decimals) + text


_TIME_STEPS = (  # (limit in ms, divisor in ms, suffix), as toMilliSeconds/toSeconds climb
    (1000, 1, " ms"),
    (60_000, 1000, " s"),
    (3_600_000, 60_000, " min"),
    (86_400_000, 3_600_000, " hour"),
    (604_800_000, 86_400_000, " day"),
    (31_536_000_000, 604_800_000, " week"),
    (math.inf, 31_536_000_000, " year"),
)


def _time(ms_per_unit: float) -> Formatter:
    def fmt(value: float, decimals: int | None) -> str:
        ms = value * ms_per_unit
        if abs(ms) < 1 and ms != 0:
            return to_fixed(ms * 1000, decimals) + " µs"
        for limit, divisor, suffix in _TIME_STEPS:
            if abs(ms) < limit:
                return to_fixed(ms / divisor, decimals) + suffix
        return to_fixed(ms, decimals) + " ms"  # unreachable: the last limit is infinite

    return fmt


def _hours(value: float, decimals: int | None) -> str:
    """toHours: hours below a day, then days and weeks."""
    if abs(value) < 24:
        return to_fixed(value, decimals) + " hour"
    return _time(3_600_000)(value, decimals)


FORMATS: dict[str, Formatter] = {
    "none": lambda value, decimals: to_fixed(value, decimals),
    "short": _scaled(1000, ["", " K", " Mil", " Bil", " Tri", " Quadr", " Quint"]),
    "percent": _suffix("%"),
    "percentunit": lambda value, decimals: to_fixed(value * 100, decimals) + "%",
    "s": _time(1000),
    "ms": _time(1),
    "µs": _time(0.001),
    "h": _hours,
    "ops": _count("ops/s"),
    "opm": _count("ops/min"),
    "reqps": _count("req/s"),
    "rps": _count("rd/s"),
    "wps": _count("wr/s"),
    "cps": _count("c/s"),
    "bytes": _scaled(1024, [" B", " KiB", " MiB", " GiB", " TiB", " PiB"]),
    "decbytes": _scaled(1000, [" B", " kB", " MB", " GB", " TB", " PB"]),
    "Bps": _scaled(1024, [" B/s", " KiB/s", " MiB/s", " GiB/s", " TiB/s"]),
}


def format_value(value: float | None, unit: str | None = None, decimals: int | None = None) -> str:
    """The text Grafana shows for `value` in `unit` with `decimals` (None: Grafana's automatic)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "No data"
    formatter = FORMATS.get(unit or "none")
    if formatter is not None:
        return formatter(float(value), decimals)
    if unit.startswith("suffix:"):
        return to_fixed(float(value), decimals) + unit.removeprefix("suffix:")
    if unit.startswith("prefix:"):
        return unit.removeprefix("prefix:") + to_fixed(float(value), decimals)
    return f"{to_fixed(float(value), decimals)} {unit}"
