"""The house style: themes, colour-blind-safe colours and line styles, font sizes, text metrics."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import matplotlib_fontja
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties, findfont, fontManager, get_font

# matplotlib's own font, then IPAexGothic (shipped by matplotlib-fontja) for every character it lacks,
# Japanese above all: images never depend on what fonts a machine has.
CJK_FONT = "IPAexGothic"
FONT_FAMILY = ["DejaVu Sans", CJK_FONT]
if CJK_FONT not in {font.name for font in fontManager.ttflist}:
    fontManager.addfont(matplotlib_fontja.get_font_ttf_path())
# Figures are laid out in CSS pixels at this many pixels per inch; `scale` multiplies the dpi.
PX_PER_INCH = 100.0
PT_PER_INCH = 72.0


class Theme(StrEnum):
    light = "light"
    dark = "dark"


@dataclass(frozen=True)
class Palette:
    background: str
    foreground: str
    muted: str
    grid: str
    zero: str
    shade: str
    series: tuple[str, ...]


# Okabe & Ito's colour-blind-safe palette, ordered per theme so the first colours contrast most.
PALETTES = {
    Theme.light: Palette(
        background="#ffffff",
        foreground="#222222",
        muted="#555555",
        grid="#d9d9d9",
        zero="#8c8c8c",
        shade="#e69f00",
        series=("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"),
    ),
    Theme.dark: Palette(
        background="#16181d",
        foreground="#e8e8e8",
        muted="#b0b0b0",
        grid="#3a3d45",
        zero="#8a8d95",
        shade="#e69f00",
        series=("#56b4e9", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#f0e442", "#ffffff", "#0072b2"),
    ),
}

# Distinct dash patterns (in line widths), so curves that coincide stay visible and
# series are told apart without colour.
LINE_STYLES: tuple[str | tuple[int, tuple[float, ...]], ...] = (
    "-",
    (0, (4.0, 2.0)),
    (0, (1.0, 1.6)),
    (0, (6.0, 2.0, 1.0, 2.0)),
    (0, (2.0, 2.0)),
    (0, (8.0, 2.5)),
    (0, (4.0, 1.5, 1.0, 1.5, 1.0, 1.5)),
    (0, (10.0, 2.0, 2.0, 2.0)),
)
MAX_SERIES = len(LINE_STYLES)


def series_style(index: int, theme: Theme) -> tuple[str, str | tuple[int, tuple[float, ...]]]:
    """Colour and line style of the index-th series; both cycle together."""
    palette = PALETTES[theme]
    return palette.series[index % len(palette.series)], LINE_STYLES[index % len(LINE_STYLES)]


MIN_FONT = 4.0


def font_size(width: float, height: float, panels: int) -> float:
    """Base font size in points: 10 at the article's 640x480 with one or two panels, smaller on
    small figures and with more panels (9 with three, 8 with four at 640x480).

    Each panel beyond the second takes an eighth more height per point, so that stacked
    panels keep room for their data. On large figures the size grows with the square root
    of the size, so a poster-sized plot is still legible without its text crowding the data.
    The layout may shrink it further (see ``canvas.Sizes``) where panels would not fit.
    """
    by_width = width / 64.0
    by_height = height / (48.0 * (1.0 + 0.125 * (panels - 2))) if panels > 1 else height / 40.0
    size = max(5.0, min(by_width, by_height))
    return float(size if size <= 10.0 else 10.0 * (size / 10.0) ** 0.5)


def pt_to_px(points: float) -> float:
    return points * PX_PER_INCH / PT_PER_INCH


_METRICS = RendererAgg(1, 1, PX_PER_INCH)  # type: ignore[no-untyped-call]


@lru_cache(maxsize=4096)
def _char_width(char: str, size: float) -> float:
    width, _, _ = _METRICS.get_text_width_height_descent(char, FontProperties(family=FONT_FAMILY, size=size), False)  # type: ignore[no-untyped-call]
    return float(width)


@lru_cache(maxsize=4096)
def _math_width(text: str, size: float) -> float:
    width, _, _ = _METRICS.get_text_width_height_descent(text, FontProperties(family=FONT_FAMILY, size=size), True)  # type: ignore[no-untyped-call]
    return float(width)


def text_width(text: str, size: float) -> float:
    """Width of ``text`` in CSS pixels at ``size`` points (cached per character)."""
    if text.count("$") >= 2:
        return _math_width(text, size)
    # Summing per-character advances ignores kerning, which only ever makes text narrower.
    return sum(_char_width(char, size) for char in text)


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    """The code points that one of the fonts draws."""
    points: set[int] = set()
    for family in FONT_FAMILY:
        path = findfont(FontProperties(family=family), fallback_to_default=False)
        points.update(get_font(path).get_charmap())
    return frozenset(points)


def missing_glyphs(text: str) -> str:
    """The characters of ``text`` (each once, in order) that no font of the plots can draw."""
    covered = _covered()
    return "".join(dict.fromkeys(c for c in text if ord(c) not in covered and c not in "\n\r\t"))
