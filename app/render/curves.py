"""Pictures of the core's results: a curve set's figure with its kinks and shading, and the network charts.

Each function here evaluates what it draws from the core and hands plain arrays to the charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from app.core import analysis, precision
from app.core.curves import CurveSet, Evaluation, Grid, Kind, break_at_jumps
from app.core.functions import Array
from app.core.networks import Nonlinearity
from app.core.precision import Dtype

from .canvas import Image, ImageOptions
from .charts import Curve, Line, Marks, Shade, render_function, render_lines, render_overlay

# A comparison's title longer than this gives way to "N curves"; the legend names them all.
_TITLE_CHARS = 60


class ShadeKind(StrEnum):
    saturation = "saturation"
    zeros = "zeros"


def overlays(f: Nonlinearity, x: Array, kinds: frozenset[ShadeKind]) -> tuple[list[Shade], list[Marks]]:
    """The shaded intervals and marked points asked for, computed on the plot's grid."""
    shades: list[Shade] = []
    marks: list[Marks] = []
    if ShadeKind.saturation in kinds:
        saturation = analysis.saturation(f, x)
        if saturation.intervals:
            label = f"saturated: |f′| < {saturation.eps:.3g}"
            shades.append(Shade(label, tuple((i.start, i.end) for i in saturation.intervals)))
    if ShadeKind.zeros in kinds:
        zeros = analysis.zeros(f, x)
        if zeros.intervals:
            shades.append(Shade("f(x) = 0 exactly", tuple((i.start, i.end) for i in zeros.intervals)))
        if zeros.points:
            marks.append(Marks("zero of f", tuple(zeros.points)))
    return shades, marks


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
        title = ", ".join(curve.label for curve in subject.curves)
        if len(title) > _TITLE_CHARS:
            title = f"{len(subject.curves)} curves"
        return render_overlay(x, drawn, options=options, title=_literal(title))
    (curve,), (v,) = subject.curves, values
    shades, marks = overlays(curve.nonlinearity(), x_range.points(), shade)
    return render_function(
        x,
        v.orders[:shown],
        label=curve.label,
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
    drawn = [
        Curve(_literal(f"{curve.label} ({how.dtype})"), v.orders[:shown])
        for curve, v in zip(subject.curves, low, strict=True)
    ]
    shades: list[Shade] = []
    if subject.kind is not Kind.comparison:
        (curve,), (v,), (e,) = subject.curves, low, exact
        drawn.append(Curve(_literal(f"{curve.label} (exact)"), e.orders[:shown]))
        zero = _runs(x, (v.dy == 0) & (e.dy != 0))
        if zero:
            shades.append(Shade(f"f′ = 0 exactly in {how.dtype}", zero))
    title = ", ".join(curve.label for curve in subject.curves)
    if len(title) > _TITLE_CHARS:
        title = f"{len(subject.curves)} curves"
    return render_overlay(x, drawn, options=options, title=_literal(f"{title} in {how.dtype}"), shades=shades)


def draw_precision(subject: CurveSet, x_range: Grid, options: ImageOptions) -> Image:
    """|f′| as float32, float16 and bfloat16 compute it against the exact |f′|, on a log scale, with where
    each dtype's f′ is exactly 0 (although the exact one is not) shaded."""
    (curve,) = subject.curves
    x = x_range.points()
    exact = curve.values(x, Evaluation(1))
    lines = [Line(_literal(f"{curve.label} (exact)"), x, np.abs(exact.dy))]
    shades = []
    for dtype in (Dtype.float32, Dtype.float16, Dtype.bfloat16):
        rounded = precision.cast(x, dtype)
        low = curve.values(rounded, Evaluation(1, dtype=dtype))
        lines.append(Line(dtype.value, rounded, np.abs(low.dy)))
        zero = _runs(x, (low.dy == 0) & (exact.dy != 0))
        if zero:
            shades.append(Shade(f"f′ = 0 in {dtype}", zero))
    return render_lines(
        lines,
        options=options,
        title=_literal(f"|f′| of {curve.label} by precision"),
        ylabel="|f′(x)|",
        log_y=True,
        shades=shades,
    )


def _runs(x: Array, where: NDArray[np.bool_]) -> tuple[tuple[float, float], ...]:
    """The x-intervals of the grid where ``where`` holds at consecutive points."""
    edges = np.diff(np.concatenate(([0], where.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return tuple((float(x[a]), float(x[b])) for a, b in zip(starts, stops, strict=True))


def _literal(text: str) -> str:
    """``text`` drawn as written: matplotlib would read $...$ as TeX, and fail on TeX it does not know."""
    return text.replace("$", r"\$")


def draw_gradient_flow(
    flows: Sequence[analysis.Flow], depth: int, width: int, init: str, options: ImageOptions
) -> Image:
    """|dL/dh_l| against layer l on a log scale, one line per function."""
    layers = np.arange(1, depth + 1, dtype=np.float64)
    lines = [Line(flow.label, layers, _array(flow.output_grad_norm)) for flow in flows]
    return render_lines(
        lines,
        options=options,
        title=f"Gradient norm per layer ({depth} x {width}, {init} init)",
        xlabel="layer (1 = input side)",
        ylabel="|dL/dh|",
        log_y=True,
        integer_x=True,
    )


def draw_dead_units(
    runs: Sequence[analysis.DeadRun], lr: float, depth: int, width: int, init: str, options: ImageOptions
) -> Image:
    """The fraction of dead units (all layers together) against the SGD step, one line per function."""
    lines = [Line(run_label(run), np.array(run.steps, dtype=np.float64), np.array(run.dead_fraction)) for run in runs]
    return render_lines(
        lines,
        options=options,
        title=f"Dead units, SGD at lr {lr:g} ({depth} x {width}, {init} init)",
        xlabel="step",
        ylabel="fraction of units dead",
        integer_x=True,
    )


def run_label(run: analysis.DeadRun) -> str:
    """The legend label; a run that diverged says so, since its line stops early."""
    if run.diverged_at_step is None:
        return run.label
    return f"{run.label} (diverged at step {run.diverged_at_step})"


def _array(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
