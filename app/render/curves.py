"""Pictures of the core's results: a curve set's figure with its kinks and shading, and the network charts.

Each function here evaluates what it draws from the core and hands plain arrays to the charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from app.core import analysis, precision
from app.core.curves import CurveSet, Evaluation, FunctionCurve, Grid, Kind, break_at_jumps
from app.core.functions import Array
from app.core.networks import Nonlinearity
from app.core.precision import Dtype

from .canvas import Image, ImageOptions
from .charts import Curve, Line, Marks, Shade, as_written, render_function, render_lines, render_overlay
from .words import Lang, say

# A comparison's title longer than this gives way to "N curves"; the legend names them all.
_TITLE_CHARS = 60


class ShadeKind(StrEnum):
    saturation = "saturation"
    zeros = "zeros"


def overlays(
    f: Nonlinearity, x: Array, kinds: frozenset[ShadeKind], lang: Lang = Lang.en
) -> tuple[list[Shade], list[Marks]]:
    """The shaded intervals and marked points asked for, computed on the plot's grid."""
    shades: list[Shade] = []
    marks: list[Marks] = []
    if ShadeKind.saturation in kinds:
        saturation = analysis.saturation(f, x)
        if saturation.intervals:
            label = say("saturated", lang, eps=f"{saturation.eps:.3g}")
            shades.append(Shade(label, tuple((i.start, i.end) for i in saturation.intervals)))
    if ShadeKind.zeros in kinds:
        zeros = analysis.zeros(f, x)
        if zeros.intervals:
            shades.append(Shade(say("zero", lang), tuple((i.start, i.end) for i in zeros.intervals)))
        if zeros.points:
            marks.append(Marks(say("zero of f", lang), tuple(zeros.points)))
    return shades, marks


def _top_title(subject: CurveSet, lang: Lang) -> str | None:
    """A function's figure is titled with its name as a function and the parameters that differ from its
    defaults ("ELU (α = 2)", "ELU関数 (α = 2)"); an expression's with the expression, as written."""
    (curve,) = subject.curves
    if not isinstance(curve, FunctionCurve):
        return _literal(curve.label)
    title = say("function", lang, name=curve.label)
    return say("with parameters", lang, title=title, params=curve.changed_params) if curve.changed_params else title


def _joined(subject: CurveSet, lang: Lang) -> str:
    """A comparison's title: its labels joined, or "N curves" where that would be too long."""
    title = ", ".join(curve.label for curve in subject.curves)
    return title if len(title) <= _TITLE_CHARS else say("curves", lang, count=len(subject.curves))


def draw_curve_set(
    subject: CurveSet,
    x_range: Grid,
    options: ImageOptions,
    how: Evaluation,
    shade: frozenset[ShadeKind] = frozenset(),
) -> Image:
    """One curve as the article's figure (f over f' over f'' ..., a panel per order, kinks marked, shading on
    request), or several overlaid with a panel per order.

    An expression's lines break at its poles and jumps; a registered function has none.
    """
    if how.dtype is not Dtype.float64:
        return _draw_in_dtype(subject, x_range, options, how)
    x = x_range.points()
    # f' is computed even when not drawn: it places an expression's breaks.
    values = subject.values(x, Evaluation(max(how.order, 1), how.method))
    if subject.kind is not Kind.function:
        x, values = break_at_jumps(x, values)
    shown = how.order + 1
    if subject.kind is Kind.comparison:
        drawn = [
            Curve(_literal(curve.label), v.orders[:shown], curve.kinks(x_range))
            for curve, v in zip(subject.curves, values, strict=True)
        ]
        return render_overlay(x, drawn, options=options, title=_literal(_joined(subject, options.lang)))
    (curve,), (v,) = subject.curves, values
    shades, marks = overlays(curve.nonlinearity(), x_range.points(), shade, options.lang)
    return render_function(
        x,
        v.orders[:shown],
        label=_literal(curve.label),
        title=_top_title(subject, options.lang),
        options=options,
        kinks=curve.kinks(x_range),
        shades=shades,
        marks=marks,
    )


def _draw_in_dtype(subject: CurveSet, x_range: Grid, options: ImageOptions, how: Evaluation) -> Image:
    """Each curve as ``how.dtype`` computes it, over the exact curve for one function or expression,
    with where its f′ is exactly 0 although the exact f′ is not shaded."""
    x = precision.cast(x_range.points(), how.dtype)
    first = Evaluation(1, how.method, how.dtype)
    low = subject.values(x, first)
    exact = subject.values(x, Evaluation(1))
    shown = how.order + 1
    lang = options.lang
    drawn = [
        Curve(_literal(say("label in dtype", lang, label=curve.label, dtype=how.dtype)), v.orders[:shown])
        for curve, v in zip(subject.curves, low, strict=True)
    ]
    shades: list[Shade] = []
    if subject.kind is not Kind.comparison:
        (curve,), (v,), (e,) = subject.curves, low, exact
        drawn.append(Curve(_literal(say("exact", lang, label=curve.label)), e.orders[:shown]))
        zero = _runs(x, (v.dy == 0) & (e.dy != 0))
        if zero:
            shades.append(Shade(say("gradient zero in dtype", lang, dtype=how.dtype), zero))
    title = say("in dtype", lang, title=_joined(subject, lang), dtype=how.dtype)
    return render_overlay(x, drawn, options=options, title=_literal(title), shades=shades)


def draw_precision(subject: CurveSet, x_range: Grid, options: ImageOptions) -> Image:
    """|f′| as float32, float16 and bfloat16 compute it against the exact |f′|, on a log scale, with where
    each dtype's f′ is exactly 0 (although the exact one is not) shaded."""
    (curve,) = subject.curves
    lang = options.lang
    x = x_range.points()
    exact = curve.values(x, Evaluation(1))
    lines = [Line(_literal(say("exact", lang, label=curve.label)), x, np.abs(exact.dy))]
    shades = []
    for dtype in (Dtype.float32, Dtype.float16, Dtype.bfloat16):
        rounded = precision.cast(x, dtype)
        low = curve.values(rounded, Evaluation(1, dtype=dtype))
        lines.append(Line(dtype.value, rounded, np.abs(low.dy)))
        zero = _runs(x, (low.dy == 0) & (exact.dy != 0))
        if zero:
            shades.append(Shade(say("gradient zero in", lang, dtype=dtype), zero))
    return render_lines(
        lines,
        options=options,
        title=_literal(say("precision", lang, label=curve.label)),
        ylabel=say("|f′|", lang),
        log_y=True,
        shades=shades,
    )


def _runs(x: Array, where: NDArray[np.bool_]) -> tuple[tuple[float, float], ...]:
    """The x-intervals of the grid where ``where`` holds at consecutive points."""
    edges = np.diff(np.concatenate(([0], where.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return tuple((float(x[a]), float(x[b])) for a, b in zip(starts, stops, strict=True))


_literal = as_written


def draw_gradient_flow(
    flows: Sequence[analysis.Flow], depth: int, width: int, init: str, options: ImageOptions
) -> Image:
    """|dL/dh_l| against layer l on a log scale, one line per function."""
    layers = np.arange(1, depth + 1, dtype=np.float64)
    lang = options.lang
    lines = [Line(_literal(flow.label), layers, _array(flow.output_grad_norm)) for flow in flows]
    return render_lines(
        lines,
        options=options,
        title=say("gradient flow", lang, depth=depth, width=width, init=init),
        xlabel=say("layer", lang),
        ylabel=say("|dL/dh|", lang),
        log_y=True,
        integer_x=True,
    )


def draw_dead_units(
    runs: Sequence[analysis.DeadRun], lr: float, depth: int, width: int, init: str, options: ImageOptions
) -> Image:
    """The fraction of dead units (all layers together) against the SGD step, one line per function."""
    lang = options.lang
    lines = [
        Line(_literal(run_label(run, lang)), np.array(run.steps, dtype=np.float64), np.array(run.dead_fraction))
        for run in runs
    ]
    return render_lines(
        lines,
        options=options,
        title=say("dead units", lang, lr=f"{lr:g}", depth=depth, width=width, init=init),
        xlabel=say("step", lang),
        ylabel=say("dead fraction", lang),
        integer_x=True,
    )


def run_label(run: analysis.DeadRun, lang: Lang = Lang.en) -> str:
    """The legend label; a run that diverged says so, since its line stops early."""
    if run.diverged_at_step is None:
        return run.label
    return say("diverged", lang, label=run.label, step=run.diverged_at_step)


def _array(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
