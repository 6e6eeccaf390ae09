"""Figures on the Agg canvas: options, a layout computed without drawing, deterministic PNG and SVG.

matplotlib's shared state (font caches, mathtext, rcParams) is not thread-safe, so every
figure is built and drawn while holding :data:`RENDER_LOCK`; PNG compression, which needs
no matplotlib, runs outside it.

In an SVG the top panel (f in a function plot) has fixed ids, for clients that place things
over the picture: :data:`TOP_AXES_ID` on its group and :data:`PLOT_AREA_ID` on its background
rectangle, whose left and right edges are the x limits. matplotlib's own ids (``axes_1``,
``patch_2``) are counters that any change to the figure may shift.
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import XAxis, YAxis
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter
from matplotlib.transforms import Bbox, TransformedBbox

from .style import FONT_FAMILY, MIN_FONT, PALETTES, PX_PER_INCH, Palette, Theme, font_size, pt_to_px, text_width
from .ticks import compact_labels, linear_ticks, log_labels, log_ticks, short_label
from .words import Lang

RENDER_LOCK = threading.Lock()

# Equal inputs give equal bytes: SVG ids come from a fixed salt and no date is written.
matplotlib.rcParams["svg.hashsalt"] = "activation-plots"
matplotlib.rcParams["svg.fonttype"] = "path"
matplotlib.rcParams["font.family"] = FONT_FAMILY
matplotlib.rcParams["axes.unicode_minus"] = True

# The SVG ids of the top panel's axes group and of its plotting area's background rectangle
# (a <g> holding one rectangular <path>). The explorer (app/static/plot.js) reads PLOT_AREA_ID.
TOP_AXES_ID = "top-axes"
PLOT_AREA_ID = "plot-area"

PNG_COMPRESS_LEVEL = 1  # zlib level: several times faster than 6, for a few % more bytes
PNG_BAND_ROWS = 256


class ImageFormat(StrEnum):
    png = "png"
    svg = "svg"


MEDIA_TYPES = {ImageFormat.png: "image/png", ImageFormat.svg: "image/svg+xml"}


@dataclass(frozen=True)
class ImageOptions:
    """How to draw: size in CSS pixels, device-pixel scale, theme, grid, file format, text size, language and titles.

    A PNG is exactly ``width * scale`` by ``height * scale`` pixels; an SVG is
    ``width`` by ``height`` CSS pixels (``scale`` does not change it). ``font_scale`` multiplies
    the text size chosen for the figure's size, as far as the panels keep room for their data.
    ``title`` replaces the top panel's title and ``panel_titles`` those of the panels below it,
    in order; an empty one removes its title (an untitled top panel takes the room of its title).
    """

    width: int = 640
    height: int = 480
    scale: int = 1
    theme: Theme = Theme.light
    grid: bool = True
    format: ImageFormat = ImageFormat.png
    font_scale: float = 1.0
    lang: Lang = Lang.en
    title: str | None = None
    panel_titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Image:
    """Encoded image bytes and their format."""

    data: bytes
    format: ImageFormat

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


@dataclass(frozen=True)
class Panel:
    """What the layout needs to know about one axes: its title and axis labels."""

    title: str
    ylabel: str
    xlabel: str = ""


# Every panel is at least this many lines of tick labels tall, if need be by shrinking the font.
MIN_PANEL_LINES = 2.0


class _Lengths:
    """The layout's lengths at one font size: points where named so, else CSS pixels."""

    def __init__(self, font: float, *, titled: bool = True) -> None:
        self.title_font = font * 1.1
        self.px = pt_to_px(font)
        self.title_px = pt_to_px(self.title_font)
        self.pad = 0.6 * self.px
        self.tick_length = 0.35 * font  # points
        self.tick_pad = 0.3 * font  # points
        self.label_pad = 0.25 * font  # points
        self.title_pad = 0.45 * font  # points
        # The height of a line of tick labels, a little more than matplotlib's text box.
        self.line = 1.25 * self.px
        self.tick_room = pt_to_px(self.tick_length + self.tick_pad)
        self.label_room = self.line + pt_to_px(self.label_pad)
        # Above the top panel: its title. Between panels: the lower one's title, and under the
        # upper one its x tick marks and the overhang of its lowest y tick label.
        title_room = 1.3 * self.title_px + pt_to_px(self.title_pad)
        # Untitled, the top panel's highest y tick label may still stand out by half a line.
        self.top = self.pad + (title_room if titled else 0.5 * self.line)
        self.gap = self.pad + title_room + 0.5 * self.pad

    def bottom(self, xlabel: bool) -> float:
        """The margin under the lowest panel: its x tick labels and, if any, the x axis label."""
        return self.pad + self.tick_room + self.line + (self.label_room if xlabel else 0.0)

    def needed(self, panels: int, *, xlabel: bool) -> float:
        """The figure height that gives ``panels`` panels of ``MIN_PANEL_LINES`` lines each."""
        return self.top + self.bottom(xlabel) + (panels - 1) * self.gap + panels * MIN_PANEL_LINES * self.line


class Sizes(_Lengths):
    """Font sizes and paddings for one figure size and panel count, in points and CSS pixels.

    The font starts from :func:`font_size` times the options' ``font_scale`` and shrinks, down to
    ``MIN_FONT``, until ``panels`` stacked panels of at least ``MIN_PANEL_LINES`` lines fit the
    height with their titles and tick labels. If even the smallest font leaves no such room, the x axis label goes
    (``xlabel`` is false; the titles say what each panel shows) and the font is the largest
    that fits without it; if that is still the smallest, panels are as tall as what is left
    and show fewer y ticks (see :func:`place_axes`), down to one. No text is ever clipped or
    overlaps another.
    """

    def __init__(self, options: ImageOptions, panels: int) -> None:
        base = font_size(options.width, options.height, panels) * options.font_scale
        titled = options.title != ""
        # Every length of the layout is proportional to the font: the height needed per point.
        fits = options.height / _Lengths(1.0, titled=titled).needed(panels, xlabel=True)
        self.xlabel = fits >= MIN_FONT
        if not self.xlabel:
            fits = options.height / _Lengths(1.0, titled=titled).needed(panels, xlabel=False)
        font = max(MIN_FONT, min(base, fits))
        super().__init__(font, titled=titled)
        self.font = font
        self.line_width = max(1.0, font / 5.0)
        # Thin lines (spines, ticks, zero lines, grid) thicken on large figures only.
        self.thin = 0.8 * max(1.0, font / 10.0)


def new_figure(options: ImageOptions, panels: int, *, log_y: bool = False) -> tuple[Figure, list[Axes], Sizes]:
    """An empty figure with ``panels`` stacked axes sharing x, styled for the theme."""
    sizes = Sizes(options, panels)
    palette = PALETTES[options.theme]
    dpi = PX_PER_INCH * options.scale
    # PNG: half a device pixel over, so that Agg's int() of the size never rounds down a pixel.
    extra = 0.5 / options.scale if options.format is ImageFormat.png else 0.0
    inches = ((options.width + extra) / PX_PER_INCH, (options.height + extra) / PX_PER_INCH)
    figure = Figure(figsize=inches, dpi=dpi, facecolor=palette.background)
    axes: list[Axes] = []
    for index in range(panels):
        ax = figure.add_axes((0.1, 0.1, 0.8, 0.8), sharex=axes[0] if axes else None)
        if log_y:
            ax.set_yscale("log")
        _style_axes(ax, palette, sizes, options.grid, log_y)
        if index == 0:
            ax.set_gid(TOP_AXES_ID)
            ax.patch.set_gid(PLOT_AREA_ID)
        if index < panels - 1:
            ax.tick_params(labelbottom=False)
        # Zero lines belong to the figure and are shown or hidden per plot.
        ax.axvline(0.0, color=palette.zero, linewidth=sizes.thin, zorder=1.5, gid=_ZERO)
        if not log_y:
            ax.axhline(0.0, color=palette.zero, linewidth=sizes.thin, zorder=1.5, gid=_ZERO)
        axes.append(ax)
    if options.format is ImageFormat.png:
        FigureCanvasAgg(figure)
    return figure, axes, sizes


_ZERO = "zero-line"
# The gid of the marks at kinks: their values get y ticks.
KINK_MARK = "kink-mark"
# A kept figure keeps its Agg renderer (and text metrics cached for it) up to this size.
KEEP_RENDERER_PIXELS = 1_300_000

# Building axes and their ticks costs more than drawing them, so figures are kept and reused:
# one per layout (size, scale, theme, grid, format, panels), the POOL_SIZE most recently used,
# emptied after each use. Only used while holding RENDER_LOCK.
_POOL: OrderedDict[tuple[object, ...], tuple[Figure, list[Axes], Sizes]] = OrderedDict()
POOL_SIZE = 8


# The gid of an x axis whose ticks must be whole numbers (layers, training steps).
INTEGER_X = "integer-x"


@contextmanager
def pooled_figure(
    options: ImageOptions, panels: int, *, log_y: bool = False
) -> Iterator[tuple[Figure, list[Axes], Sizes]]:
    """A figure like :func:`new_figure`, reused from earlier renders of the same layout.

    The caller must hold :data:`RENDER_LOCK`. On success the figure is emptied of data and
    kept for the next render; after an error it is dropped.
    """
    o = options
    key = (o.width, o.height, o.scale, o.theme, o.grid, o.format, o.font_scale, o.title == "", panels, log_y)
    entry = _POOL.pop(key, None) or new_figure(options, panels, log_y=log_y)
    yield entry
    _empty(entry[0], entry[1])
    _POOL[key] = entry
    while len(_POOL) > POOL_SIZE:
        _POOL.popitem(last=False)


def clear_pool() -> None:
    """Forget every kept figure (for tests that compare fresh and reused figures)."""
    with RENDER_LOCK:
        _POOL.clear()


def _empty(figure: Figure, axes: Sequence[Axes]) -> None:
    width, height = figure.canvas.get_width_height(physical=True)
    if not isinstance(figure.canvas, FigureCanvasAgg) or width * height > KEEP_RENDERER_PIXELS:
        # Drop the canvas and with it the pixel buffer of the last draw, which every text drawn
        # (legends about to be removed included) holds on to as well: forgotten as matplotlib
        # forgets it when pickling a text.
        FigureCanvasBase(figure)
        for text in figure.findobj(Text):
            text._renderer = None  # type: ignore[attr-defined]
    for ax in axes:
        for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.texts]:
            if artist.get_gid() != _ZERO:
                artist.remove()
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        ax.ignore_existing_data_limits = True
        ax.xaxis.set_gid(None)
        ax.set_title("")
        ax.set_xlabel("")
        ax.set_ylabel("")


def _style_axes(ax: Axes, palette: Palette, sizes: Sizes, grid: bool, log_y: bool) -> None:
    ax.set_facecolor(palette.background)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(palette.muted)
        ax.spines[side].set_linewidth(sizes.thin)
    ax.tick_params(
        colors=palette.muted,
        labelcolor=palette.foreground,
        labelsize=sizes.font,
        length=sizes.tick_length,
        pad=sizes.tick_pad,
        width=sizes.thin,
    )
    if log_y:
        ax.yaxis.set_minor_formatter(NullFormatter())
    if grid:
        ax.grid(True, color=palette.grid, linewidth=0.75 * sizes.thin, linestyle=(0, (4.0, 3.0)))
        ax.set_axisbelow(True)


def label_axes(ax: Axes, panel: Panel, palette: Palette, sizes: Sizes) -> None:
    """Title and axis labels; the x axis label only where the figure has room for it."""
    ax.set_title(panel.title, fontsize=sizes.title_font, color=palette.foreground, pad=sizes.title_pad, y=1.0)
    ax.set_ylabel(panel.ylabel, fontsize=sizes.font, color=palette.foreground, labelpad=sizes.label_pad)
    xlabel = panel.xlabel if sizes.xlabel else ""
    ax.set_xlabel(xlabel, fontsize=sizes.font, color=palette.foreground, labelpad=sizes.label_pad)


def draw_zero_lines(ax: Axes) -> None:
    """Show the lines through x = 0 and y = 0 when they fall inside the axes."""
    x_low, x_high = sorted(ax.get_xlim())
    y_low, y_high = sorted(ax.get_ylim())
    for line in ax.lines:
        if line.get_gid() == _ZERO:
            xs = np.asarray(line.get_xdata())
            vertical = bool(xs[0] == xs[-1])
            line.set_visible(bool(x_low < 0 < x_high) if vertical else bool(y_low < 0 < y_high))


def _y_ticks(ax: Axes, panel_h: float, sizes: Sizes) -> tuple[list[float], list[str]]:
    """Round y ticks, as many as the panel's height holds with a line of room for each label.

    Where even two labels would touch, the one nearest the middle is kept; in a short panel
    it may stand out of the panel by less than half a line, into the margin or the gap
    between panels that holds no other y tick labels.
    """
    low, high = sorted(ax.get_ylim())
    log = ax.get_yscale() == "log"
    bins = int(np.clip(panel_h // (2.2 * sizes.px), 1, 8))

    def position(value: float) -> float:
        """Pixels from the bottom of the panel."""
        if log:
            return float(np.log10(value / low) / np.log10(high / low) * panel_h)
        return (value - low) / (high - low) * panel_h

    while True:
        values = log_ticks(low, high, bins + 1) if log else linear_ticks(low, high, bins)
        spacing = min((position(b) - position(a) for a, b in itertools.pairwise(values)), default=np.inf)
        if spacing >= sizes.line:
            break
        if bins == 1:
            values = [min(values, key=lambda v: abs(position(v) - panel_h / 2.0))]
            break
        bins -= 1
    if log:
        return values, log_labels(values)
    marked: list[float] = []
    for value in _marked_values(ax):
        if low <= value <= high and all(abs(position(value) - position(m)) >= sizes.line for m in marked):
            marked.append(value)
    # A round tick gives way to a marked value within a line of it.
    rounds = [v for v in values if all(abs(position(v) - position(m)) >= sizes.line or v == m for m in marked)]
    marked = [m for m in marked if m not in rounds]
    ticks = sorted(rounds + marked)
    labels = compact_labels(ticks)
    if max(map(len, labels), default=0) > 8:
        # A value such as 0.2291666 would write every label long: round labels stay round.
        by_value = dict(zip(rounds, compact_labels(rounds), strict=True)) | {m: short_label(m) for m in marked}
        labels = [by_value[v] for v in ticks]
    return ticks, labels


def _marked_values(ax: Axes) -> list[float]:
    """The finite y values of the kink marks of a panel, each once, in the order drawn."""
    found = [
        float(v)
        for line in ax.lines
        if line.get_gid() == KINK_MARK
        for v in np.asarray(line.get_ydata(), dtype=np.float64)
        if np.isfinite(v)
    ]
    return list(dict.fromkeys(found))


def _reach(line: Line2D) -> float:
    """How far, in points, a line's ink reaches beyond its data points: half its width (its square
    ends a little further) or a marker's radius with its edge."""
    reach = 0.0
    if line.get_linestyle() not in ("None", "none", "", " "):
        reach = float(line.get_linewidth()) * 0.75
    if line.get_marker() not in ("None", "none", "", " ", None):
        reach = max(reach, float(line.get_markersize()) / 2.0 + float(line.get_markeredgewidth()) / 2.0)
    return reach


def _data_lines(ax: Axes) -> list[Line2D]:
    return [line for line in ax.lines if line.get_gid() != _ZERO and line.get_visible()]


def _fit_data(ax: Axes, panel_h: float) -> None:
    """Widen the y limits just enough that every line and marker lies wholly inside the panel.

    The data's extremes [a, b] must stay ``p`` of the span S from the edges (p: the widest
    reach over the panel's height). The span needed is the largest fixed point of the four ways
    the limits [lo, hi] can grow: kept, only one end moved, or both.
    """
    lines = _data_lines(ax)
    log = ax.get_yscale() == "log"
    ys = [np.asarray(line.get_ydata(), dtype=np.float64) for line in lines]
    finite = [y[np.isfinite(y) & (y > 0 if log else True)] for y in ys]
    data = np.concatenate(finite) if finite else np.zeros(0)
    if not data.size:
        return
    # At most 0.4: in the tiniest panels the data keeps a fifth of the height.
    p = min(pt_to_px(max(_reach(line) for line in lines)) / max(panel_h, 1.0), 0.4)
    low, high = sorted(ax.get_ylim())
    to, back = (np.log10, lambda v: 10.0**v) if log else (float, float)
    lo, hi, a, b = float(to(low)), float(to(high)), float(to(data.min())), float(to(data.max()))
    span = max(hi - lo, (hi - a) / (1.0 - p), (b - lo) / (1.0 - p), (b - a) / (1.0 - 2.0 * p))
    new_lo, new_hi = min(lo, a - p * span), max(hi, b + p * span)
    if (new_lo, new_hi) != (lo, hi):
        ax.set_ylim(back(new_lo), back(new_hi))


def _unclip_ends(ax: Axes, width: float) -> None:
    """Let lines and markers reach past the x limits by their own reach: a mark at the first or last
    x is drawn whole, into the margin beside the panel; vertically :func:`_fit_data` keeps them inside."""
    for line in _data_lines(ax):
        overhang = pt_to_px(_reach(line)) / max(width, 1.0)
        line.set_clip_path(None)
        line.set_clip_box(TransformedBbox(Bbox.from_extents(-overhang, 0.0, 1.0 + overhang, 1.0), ax.transAxes))


def _x_ticks(ax: Axes, width: float, sizes: Sizes) -> tuple[list[float], list[str]]:
    """As many x ticks as fit side by side with a gap of an em between labels."""
    low, high = sorted(ax.get_xlim())
    bins = int(np.clip(width // (3.0 * sizes.px), 1, 9))
    integer = ax.xaxis.get_gid() == INTEGER_X
    while True:
        values = linear_ticks(low, high, bins, integer=integer)
        labels = compact_labels(values)
        needed = sum(text_width(label, sizes.font) + sizes.px for label in labels)
        if needed <= width or bins == 1:
            return values, labels
        bins -= 1


def _fix_ticks(axis: XAxis | YAxis, values: list[float], labels: list[str]) -> None:
    # Fixed ticks: the draw need not run the locator and formatter again.
    axis.set_major_locator(FixedLocator(values))
    axis.set_major_formatter(FixedFormatter(labels))


def place_axes(figure: Figure, axes: Sequence[Axes], options: ImageOptions, sizes: Sizes) -> None:
    """Set every axes' position from font sizes and the tick labels it will show.

    Tick labels are computed from the locators and formatters without drawing, so the
    margins fit them exactly at any figure size; this replaces ``tight_layout``. Panels are
    stacked with the same height, each with its title in the gap above it; only the lowest
    shows x tick labels. The y axis labels are aligned in one column left of every panel's
    tick labels, and titles stay over their axes and the tick marks beside them, so no text
    of one panel can reach another's. The y limits leave room for every line and mark (no dot is
    cut in half at an edge), and each value a kink's mark shows is a y tick.
    """
    w, h = float(options.width), float(options.height)
    px = sizes.px
    count = len(axes)
    bottom = sizes.bottom(bool(axes[-1].get_xlabel()))
    panel_h = max((h - sizes.top - bottom - sizes.gap * (count - 1)) / count, 1.0)
    # Vertical positions first: the y tick labels depend on the axes' height, not width.
    lefts = []
    for index, ax in enumerate(axes):
        y0 = bottom + (count - 1 - index) * (panel_h + sizes.gap)
        ax.set_position((0.2, y0 / h, 0.6, panel_h / h))
        _fit_data(ax, panel_h)
        values, labels = _y_ticks(ax, panel_h, sizes)
        _fix_ticks(ax.yaxis, values, labels)
        lefts.append(max((text_width(label, sizes.font) for label in labels), default=0.0))
    # A y axis label is centred on its panel: it may reach as far as half the gap towards
    # the next panel's label (or the figure's edge) on either side, no further.
    room = panel_h + min(sizes.gap, 2.0 * sizes.top, 2.0 * bottom) - sizes.pad
    for ax in axes:
        _fit_ylabel(ax, room, sizes)
    has_ylabel = any(ax.get_ylabel() for ax in axes)
    widest = max(lefts)
    left = sizes.pad + (sizes.label_room if has_ylabel else 0.0) + widest + sizes.tick_room
    right = sizes.pad
    values, labels = _x_ticks(axes[-1], max(w - left - 2.0 * right, 1.0), sizes)
    for ax in axes:
        _fix_ticks(ax.xaxis, values, labels)
    if labels:
        overhang = text_width(labels[-1], sizes.font) / 2.0
        right = max(sizes.pad, overhang + 0.3 * px)
        left = max(left, text_width(labels[0], sizes.font) / 2.0 + 0.3 * px)
    width = max(w - left - right, 1.0)
    # Axis labels go where the layout reserved room for them, so matplotlib need not measure
    # the tick labels at draw time to place them.
    for ax in axes:
        position = ax.get_position()
        ax.set_position((left / w, position.y0, width / w, position.height))
        _unclip_ends(ax, width)
        ax.yaxis.set_label_coords(-(sizes.tick_room + widest + pt_to_px(sizes.label_pad)) / width, 0.5)
        ax.xaxis.set_label_coords(0.5, -(sizes.tick_room + sizes.line + pt_to_px(sizes.label_pad)) / panel_h)
        # Centred over the axes, a title may overhang them by the y tick marks on the left
        # (the y tick labels start a tick pad further left) and by the right margin less half an em.
        _fit_title(ax, width + 2.0 * min(pt_to_px(sizes.tick_length), right - 0.5 * px), sizes)


def _fit_ylabel(ax: Axes, room: float, sizes: Sizes) -> None:
    """Elide a y axis label longer than ``room`` pixels; leave it out if that would cut off most of it."""
    text = ax.get_ylabel()
    if not text or text_width(text, sizes.font) <= room:
        return
    elided = elide(text, room, sizes.font)
    ax.set_ylabel(elided if len(elided) - 1 >= len(text) / 2 else "")


def _fit_title(ax: Axes, room: float, sizes: Sizes) -> None:
    """Shrink a title that is wider than ``room`` pixels, down to the smallest font, then elide it."""
    title = ax.title
    text = title.get_text()
    width = text_width(text, sizes.title_font)
    if width <= room:
        return
    size = max(MIN_FONT, sizes.title_font * room / width)
    title.set_fontsize(size)
    title.set_text(elide(text, room, size))


def elide(text: str, room: float, size: float) -> str:
    """``text``, cut and ended with an ellipsis if it is wider than ``room`` pixels at ``size`` points."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def encode(figure: Figure, options: ImageOptions, title: str) -> Image | np.ndarray:
    """Draw the figure: SVG bytes, or for PNG the RGB pixels (compressed by :func:`finish`)."""
    if options.format is ImageFormat.svg:
        out = io.BytesIO()
        FigureCanvasSVG(figure).print_svg(out, metadata={"Date": None, "Title": title})  # type: ignore[no-untyped-call]
        return Image(_css_size(out.getvalue(), options), ImageFormat.svg)
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]
    pixels = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
    return np.asarray(pixels)[:, :, :3].copy()


def finish(drawn: Image | np.ndarray) -> Image:
    """PNG-compress drawn pixels (no matplotlib involved, so no lock needed)."""
    if isinstance(drawn, Image):
        return drawn
    return Image(png_bytes(drawn), ImageFormat.png)


def png_bytes(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of ``rgb`` (height x width x 3), without metadata.

    Every row uses PNG's filter 0 (none): plots are mostly flat colour, which deflate
    compresses well unfiltered, and choosing a filter per row (as Pillow does) costs
    more than the compression itself.
    """
    height, width, _ = rgb.shape
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # A band of rows at a time: the same bytes as compressing all rows at once, without a copy
    # of the whole image (48 MB at 4000x4000).
    compressor = zlib.compressobj(PNG_COMPRESS_LEVEL)
    parts = []
    for top in range(0, height, PNG_BAND_ROWS):
        band = rgb[top : top + PNG_BAND_ROWS]
        rows = np.zeros((len(band), 1 + 3 * width), dtype=np.uint8)
        rows[:, 1:] = band.reshape(len(band), 3 * width)
        parts.append(compressor.compress(rows.data))
    parts.append(compressor.flush())
    data = b"".join(parts)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


_SVG_SIZE = re.compile(rb'<svg([^>]*?) width="[0-9.]+pt" height="[0-9.]+pt"')


def _css_size(svg: bytes, options: ImageOptions) -> bytes:
    """Give the SVG its size in CSS pixels; the viewBox keeps the drawing's own units."""
    return _SVG_SIZE.sub(
        rb'<svg\1 width="%dpx" height="%dpx"' % (options.width, options.height),
        svg,
        count=1,
    )
