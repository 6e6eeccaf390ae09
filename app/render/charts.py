"""The charts: a function and its derivatives, overlays of several functions, and plain line charts.

Every entry point takes plain numpy arrays and :class:`ImageOptions` and returns an
:class:`Image`; none knows about the registry or HTTP. NaN and infinite values leave gaps.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from app.core.curves import JUMP_TOLERANCE, Kink

from .canvas import (
    INTEGER_X,
    KINK_MARK,
    RENDER_LOCK,
    Image,
    ImageFormat,
    ImageOptions,
    Panel,
    Sizes,
    draw_zero_lines,
    elide,
    encode,
    finish,
    label_axes,
    place_axes,
    pooled_figure,
)
from .style import MAX_SERIES, MIN_FONT, PALETTES, Palette, Theme, missing_glyphs, pt_to_px, series_style
from .words import say

Array = np.ndarray
log = logging.getLogger(__name__)

# Larger magnitudes are not drawn: margins and ticks around them would overflow float64.
LARGEST = 1e300
SHADE_COLOURS = ("#e69f00", "#56b4e9", "#cc79a7", "#009e73")
SHADE_HATCHES = (None, "///", "\\\\\\", "xx")
MARK_SHAPES = ("o", "D", "s", "^")


# The most panels a function or overlay plot has: f and its first three derivatives.
MAX_PANELS = 4


@dataclass(frozen=True)
class Curve:
    """One function in an overlay: its label and ``orders[k]``, its k-th derivative on the shared x
    (``orders[0]`` is f; every curve of an overlay has the same number of orders)."""

    label: str
    orders: tuple[Array, ...]
    kinks: tuple[Kink, ...] = ()


@dataclass(frozen=True)
class Line:
    """One series of a line chart."""

    label: str
    x: Array
    y: Array


@dataclass(frozen=True)
class Shade:
    """x-intervals shaded across every panel, with one legend entry (e.g. "saturation")."""

    label: str
    intervals: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Marks:
    """Points marked on the function panel with one legend entry (e.g. the zeros of f)."""

    label: str
    x: tuple[float, ...]
    y: tuple[float, ...] | None = None  # None: on y = 0


def render_function(
    x: Array,
    orders: Sequence[Array],
    *,
    label: str,
    options: ImageOptions,
    kinks: Sequence[Kink] = (),
    shades: Sequence[Shade] = (),
    marks: Sequence[Marks] = (),
    title: str | None = None,
) -> Image:
    """The article's figure: one panel per entry of ``orders`` (f, f′, f″, f‴: 1 to 4), stacked.

    ``orders[0]`` is f, titled ``title`` (by default ``label`` as a function: "ReLU", "ReLU関数");
    below it "Derivative of <label>", "Second derivative of <label>" and "Third derivative of
    <label>" ("ReLUの導関数", ...), unless the options title them. Kinks are marked on every panel
    and their values get y ticks; shades cover every panel, marks go on f's.
    """
    top = say("function", options.lang, name=label) if title is None else title
    panels = _panels(len(orders), "derivative", label, top, options)
    curve = Curve(label, tuple(orders), tuple(kinks))
    legend = bool(shades or marks)
    return _render_curves(x, [curve], options, panels, shades, marks, legend=legend, title=panels[0].title)


def warm_up() -> None:
    """Load the fonts and draw ReLU once in each format: a cold process's first plot is its slowest."""
    x = np.linspace(-5.0, 5.0, 100)
    for fmt in ImageFormat:
        render_function(x, [np.maximum(x, 0.0), (x > 0).astype(float)], label="ReLU", options=ImageOptions(format=fmt))


def render_overlay(
    x: Array,
    curves: Sequence[Curve],
    *,
    options: ImageOptions,
    title: str = "",
    shades: Sequence[Shade] = (),
    marks: Sequence[Marks] = (),
) -> Image:
    """Up to eight curves over one x, with a legend; each has its own colour and dash pattern.

    One panel per derivative order the curves have (1 to 4, the same for all), with the legend
    once, on the top panel. Titles: ``title`` (by default the curves' labels joined, "ReLU,
    GELU"), then "Derivatives", "Second derivatives", "Third derivatives" ("導関数", ...),
    unless the options title them. Titles and legend labels too wide for the figure shrink and
    are elided; a legend that cannot fit a tiny figure is left out.
    """
    if not 1 <= len(curves) <= MAX_SERIES:
        raise ValueError(f"an overlay takes 1 to {MAX_SERIES} curves, got {len(curves)}")
    counts = sorted({len(curve.orders) for curve in curves})
    if len(counts) != 1:
        raise ValueError(f"every curve of an overlay has the same number of orders, got {counts}")
    title = title or ", ".join(c.label for c in curves)
    panels = _panels(counts[0], "derivatives", title, title, options)
    return _render_curves(x, curves, options, panels, shades, marks, legend=True, title=panels[0].title)


def _panels(count: int, below: str, name: str, top: str, options: ImageOptions) -> list[Panel]:
    """The panels of f and its first ``count - 1`` derivatives: ``top``, then the words ``below`` of each
    order (of ``name``), unless the options give titles; the lowest one's x axis is labelled."""
    if not 1 <= count <= MAX_PANELS:
        raise ValueError(f"a plot shows 1 to {MAX_PANELS} orders (f and its derivatives), got {count}")
    lang = options.lang
    titles = [top, *(say(f"{below} {k}", lang, name=name) for k in range(1, count))]
    given = [options.title, *options.panel_titles][:count]
    titles = [t if g is None else as_written(g) for t, g in itertools.zip_longest(titles, given)]
    panels = [Panel(text, say(f"f {k}", lang)) for k, text in enumerate(titles)]
    panels[-1] = Panel(panels[-1].title, panels[-1].ylabel, say("x", lang))
    return panels


def as_written(text: str) -> str:
    """``text`` drawn as written: matplotlib would read $...$ as TeX, and fail on TeX it does not know."""
    return text.replace("$", r"\$")


def render_lines(
    lines: Sequence[Line],
    *,
    options: ImageOptions,
    title: str,
    xlabel: str | None = None,
    ylabel: str = "",
    log_y: bool = False,
    shades: Sequence[Shade] = (),
    integer_x: bool = False,
) -> Image:
    """A single-panel line chart of up to eight series (log y on request), with a legend.

    The options' title replaces ``title``; ``xlabel`` is "x" by default. ``integer_x`` keeps the
    x ticks on whole numbers, for counts such as layers and steps.
    """
    if not 1 <= len(lines) <= MAX_SERIES:
        raise ValueError(f"a line chart takes 1 to {MAX_SERIES} series, got {len(lines)}")
    palette = PALETTES[options.theme]
    with RENDER_LOCK, pooled_figure(options, 1, log_y=log_y) as (figure, (ax,), sizes):
        if integer_x:
            ax.xaxis.set_gid(INTEGER_X)
        for index, line in enumerate(lines):
            colour, dashes = series_style(index, options.theme)
            y = _finite(np.asarray(line.y, dtype=np.float64), positive=log_y)
            ax.plot(line.x, y, color=colour, linestyle=dashes, linewidth=sizes.line_width, label=line.label)
        xs = [np.asarray(line.x, dtype=np.float64) for line in lines]
        _set_xlim(ax, np.concatenate(xs) if xs else np.zeros(0))
        _set_ylim(ax, [_finite(np.asarray(line.y, dtype=np.float64), positive=log_y) for line in lines], log_y)
        _draw_shades(ax, shades, options.theme, with_labels=True)
        if options.title is not None:
            title = as_written(options.title)
        label_axes(ax, Panel(title, ylabel, say("x", options.lang) if xlabel is None else xlabel), palette, sizes)
        draw_zero_lines(ax)
        drawn = _draw(figure, [ax], options, sizes, title, legend=True)
    return finish(drawn)


def _render_curves(
    x: Array,
    curves: Sequence[Curve],
    options: ImageOptions,
    panels: Sequence[Panel],
    shades: Sequence[Shade],
    marks: Sequence[Marks],
    *,
    legend: bool,
    title: str,
) -> Image:
    palette = PALETTES[options.theme]
    x = np.asarray(x, dtype=np.float64)
    with RENDER_LOCK, pooled_figure(options, len(panels)) as (figure, axes, sizes):
        top = axes[0]
        for index, curve in enumerate(curves):
            colour, dashes = series_style(index, options.theme)
            style: dict[str, Any] = {"color": colour, "linestyle": dashes, "linewidth": sizes.line_width}
            for order, (ax, values) in enumerate(zip(axes, curve.orders, strict=True)):
                xs, ys = _with_kinks(x, np.asarray(values, dtype=np.float64), curve.kinks, order)
                if order == 0:
                    ax.plot(xs, ys, label=curve.label, **style)
                else:
                    ax.plot(xs, ys, **style)
        _set_xlim(top, x)
        for order, ax in enumerate(axes):
            _set_ylim(ax, [_finite(np.asarray(c.orders[order], dtype=np.float64)) for c in curves], False)
        for index, curve in enumerate(curves):
            _mark_kinks(axes, curve.kinks, series_style(index, options.theme)[0], palette, sizes)
        for ax_index, ax in enumerate(axes):
            _draw_shades(ax, shades, options.theme, with_labels=ax_index == 0)
        _draw_marks(top, marks, palette, sizes)
        for ax, panel in zip(axes, panels, strict=True):
            label_axes(ax, panel, palette, sizes)
            draw_zero_lines(ax)
        drawn = _draw(figure, axes, options, sizes, title, legend=legend)
    return finish(drawn)


def _draw(
    figure: Figure, axes: Sequence[Axes], options: ImageOptions, sizes: Sizes, title: str, *, legend: bool
) -> Image | Array:
    place_axes(figure, axes, options, sizes)
    if legend:
        _legend(axes[0], PALETTES[options.theme], sizes, options.width, options.height)
    _log_missing_glyphs(axes)
    # The SVG's own title is plain text: no TeX to escape.
    return encode(figure, options, title.replace("\\$", "$"))


def _log_missing_glyphs(axes: Sequence[Axes]) -> None:
    """Log every title, axis label and legend entry that the fonts cannot draw in full (matplotlib
    draws a box for each such character, and warns once)."""
    for ax in axes:
        legend = ax.get_legend()
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *(legend.get_texts() if legend is not None else ())]
        for text in texts:
            missing = missing_glyphs(text.get_text())
            if missing:
                log.warning("no font of the plots draws %r, in the text %r", missing, text.get_text())


def _finite(values: Array, positive: bool = False) -> Array:
    """Values with inf, |v| > 1e300 (and for log axes v <= 1e-300) turned into NaN gaps.

    The bounds keep every limit, margin and tick computed from the data finite.
    """
    with np.errstate(invalid="ignore"):
        values = np.where(np.abs(values) <= LARGEST, values, np.nan)
        if positive:
            values = np.where(values >= 1.0 / LARGEST, values, np.nan)
    return values


def _with_kinks(x: Array, values: Array, kinks: Sequence[Kink], order: int) -> tuple[Array, Array]:
    """The ``order``-th derivative's polyline (x ascending) with each kink in it: a corner exactly, a jump as a gap.

    Where that order jumps, a grid point exactly at the kink is left out: the filled dot shows
    the value taken there, and the line runs from the left limit to a gap to the right limit.
    Where it is continuous, the (finite) value taken at the kink is put in, so a corner is drawn
    exactly even between grid points.
    """
    values = _finite(values)
    extra_x: list[float] = []
    extra_y: list[float] = []
    keep = np.ones(x.shape, dtype=bool)
    for kink in kinks:
        limits = kink.limits(order)
        if x.size and limits is not None and kink.x in (x[0], x[-1]):
            # At an end of the range the line starts (or stops) at the limit from inside it.
            values = np.where(x == kink.x, limits[1] if kink.x == x[0] else limits[0], values)
        if not x.size or not x[0] < kink.x < x[-1]:
            continue
        taken = kink.value(order)
        if limits is not None:
            extra_x += [kink.x, kink.x, kink.x]
            extra_y += [limits[0], np.nan, limits[1]]
            keep &= x != kink.x
        elif taken is not None and np.isfinite(taken):
            extra_x.append(kink.x)
            extra_y.append(taken)
    if not extra_x:
        return x, values
    all_x = np.concatenate([x[keep], np.asarray(extra_x)])
    all_y = np.concatenate([values[keep], _finite(np.asarray(extra_y, dtype=np.float64))])
    # A stable sort keeps the left limit, the gap and the right limit in order.
    ascending = np.argsort(all_x, kind="stable")
    return all_x[ascending], all_y[ascending]


def _mark_kinks(axes: Sequence[Axes], kinks: Sequence[Kink], colour: str, palette: Palette, sizes: Sizes) -> None:
    """On the k-th panel, a filled dot at the k-th derivative taken at each kink and open circles at
    its one-sided limits where it jumps (but not at the dot); values not finite are not marked."""
    low, high = axes[0].get_xlim()
    shown = [k for k in kinks if low <= k.x <= high]
    dot = {"linestyle": "none", "marker": "o", "color": colour, "markersize": 2.2 * sizes.line_width + 1.5}
    circle = {**dot, "markerfacecolor": palette.background, "markeredgewidth": sizes.line_width * 0.7}
    circle["markeredgecolor"] = colour
    for order, ax in enumerate(axes):
        filled: list[tuple[float, float]] = []
        opened: list[tuple[float, float]] = []
        for kink in shown:
            taken = kink.value(order)
            if taken is not None:
                filled.append((kink.x, taken))
            opened += [(kink.x, v) for v in sorted(set(kink.limits(order) or ())) if not _same(v, taken)]
        # The values taken first: where ticks at two marks would touch, the first one's is kept.
        _points(ax, filled, zorder=5, **dot)
        _points(ax, opened, zorder=4, **circle)


def _same(limit: float, taken: float | None) -> bool:
    """Whether a one-sided limit is the value taken, to the core's tolerance: a circle there hides under the dot."""
    return taken is not None and abs(limit - taken) <= JUMP_TOLERANCE * max(1.0, abs(limit), abs(taken))


def _points(ax: Axes, points: Sequence[tuple[float, float]], **style: Any) -> None:
    finite = [(x, y) for x, y in points if np.isfinite(x) and np.isfinite(y) and abs(y) <= LARGEST]
    if finite:
        xs, ys = zip(*finite, strict=True)
        ax.plot(xs, ys, gid=KINK_MARK, **style)


def _set_xlim(ax: Axes, x: Array) -> None:
    finite = _finite(x)
    finite = finite[np.isfinite(finite)]
    if finite.size and finite.max() > finite.min():
        ax.set_xlim(float(finite.min()), float(finite.max()))
    else:
        # Always set: a reused figure must not keep the previous plot's limits.
        centre = float(finite[0]) if finite.size else 0.0
        ax.set_xlim(centre - 1.0, centre + 1.0)


def _set_ylim(ax: Axes, series: Sequence[Array], log: bool) -> None:
    finite = np.concatenate([s[np.isfinite(s)] for s in series]) if series else np.zeros(0)
    if not finite.size:
        ax.set_ylim((0.1, 10.0) if log else (-1.0, 1.0))
        return
    low, high = float(finite.min()), float(finite.max())
    if log:
        low_log, high_log = float(np.log10(low)), float(np.log10(high))
        # At least two decades, so that at least two powers of ten are labelled.
        margin = max(0.05 * (high_log - low_log), (2.0 - (high_log - low_log)) / 2.0)
        ax.set_ylim(10 ** max(low_log - margin, -305.0), 10 ** min(high_log + margin, 305.0))
        return
    middle = (high + low) / 2.0
    if high - low <= 1e-9 * max(abs(low), abs(high)):
        # Constant (to rounding): centre it in a window of half its size, or ±1 around 0.
        half = abs(middle) / 2.0 if abs(middle) >= 1.0 / LARGEST else 1.0
    else:
        # Never zoom in so far that ticks need more than a few significant digits.
        half = max(high - low, 1e-3 * max(abs(low), abs(high)), 1e-12) / 2.0 * 1.08
    ax.set_ylim(middle - half, middle + half)


def _draw_shades(ax: Axes, shades: Sequence[Shade], theme: Theme, *, with_labels: bool) -> None:
    """Each shade as one collection of full-height bands; the second and later are hatched too,
    so that overlapping shades stay apart without relying on colour."""
    alpha = 0.18 if theme is Theme.light else 0.3
    # Hatching in the text colour: in SVG the band's opacity applies to its hatching as well,
    # so hatching in the band's own colour would vanish into it.
    hatch_colour = (*to_rgba(PALETTES[theme].foreground)[:3], 0.4)
    for index, shade in enumerate(shades):
        colour = to_rgba(SHADE_COLOURS[index % len(SHADE_COLOURS)])
        bands = [(start, stop - start) for start, stop in shade.intervals if stop > start]
        if not bands:
            continue
        ax.broken_barh(
            bands, (0.0, 1.0), transform=ax.get_xaxis_transform(), facecolor=(*colour[:3], alpha),
            edgecolor=hatch_colour, linewidth=0.0, hatch=SHADE_HATCHES[index % len(SHADE_HATCHES)],
            zorder=0.5, label=shade.label if with_labels else None,
        )  # fmt: skip


def _draw_marks(ax: Axes, marks: Sequence[Marks], palette: Palette, sizes: Sizes) -> None:
    for index, mark in enumerate(marks):
        ys = mark.y if mark.y is not None else (0.0,) * len(mark.x)
        ax.plot(
            list(mark.x), list(ys), linestyle="none", marker=MARK_SHAPES[index % len(MARK_SHAPES)],
            markerfacecolor="none", markeredgecolor=palette.foreground, markeredgewidth=1.2,
            markersize=2.5 * sizes.line_width + 3, label=mark.label, zorder=6,
        )  # fmt: skip


def _legend(ax: Axes, palette: Palette, sizes: Sizes, figure_width: int, figure_height: int) -> None:
    """A legend in the emptiest corner of the axes; labels too wide for it are elided."""
    handles, labels = ax.get_legend_handles_labels()
    # Rows of about 1.5 em (the label and the spacing) plus 1.2 em of padding must fit the axes:
    # shrink the font if need be, and leave the legend out where even the smallest would not fit.
    height = ax.get_position().height * figure_height
    font = min(sizes.font * 0.9, height / ((1.5 * len(labels) + 1.2) * pt_to_px(1.0)))
    if font < MIN_FONT or not labels:
        return
    # Room for the text: the axes' width less the handle, paddings and frame (about 5 em).
    room = max(ax.get_position().width * figure_width - 5.0 * pt_to_px(font), pt_to_px(font))
    labels = [elide(label, room, font) for label in labels]
    legend = ax.legend(
        handles,
        labels,
        loc="best", fontsize=font, frameon=True, framealpha=0.85, handlelength=3.0,
        facecolor=palette.background, edgecolor=palette.grid, labelcolor=palette.foreground,
    )  # fmt: skip
    legend.get_frame().set_linewidth(0.6)
