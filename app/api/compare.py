"""Several functions or expressions side by side, on one shared x grid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.config import settings
from app.core.evaluate import Method
from app.core.expressions import Expression, evaluate
from app.core.rounding import round_half_even
from app.render import MAX_SERIES, Curve, Image, ImageOptions, render_overlay
from app.schemas import CompareResponse

from .deps import FormatQuery, RangeDep, StrictQuery, XRange, validation_error
from .expressions import (
    LANGUAGE,
    DerivativeQuery,
    MethodQuery,
    break_at_jumps,
    check_work,
    compile_query,
    kinks_of,
)
from .limits import BUSY_RESPONSES, HeavySlot
from .plotting import IMAGE_RESPONSES, PlotOptionsDep, PlotRangeDep, plot_response
from .responses import (
    CACHED_RESPONSES,
    TABULAR_RESPONSES,
    DecimalsQuery,
    Encoded,
    Format,
    cached_columns,
    encode_columns,
    encode_json,
    grid_values_key,
    negotiate,
)

router = APIRouter(prefix="/v1/compare", tags=["compare"])

# The overlay has a distinct colour and dash pattern for at most MAX_SERIES curves.
_MAX = min(settings.COMPARE_MAX_CURVES, MAX_SERIES)
# A title longer than this gives way to "N curves"; the legend names them all.
_TITLE_CHARS = 60


@dataclass(frozen=True)
class Curves:
    expressions: list[Expression]
    labels: list[str]


async def get_curves(
    f: Annotated[
        list[str],
        Query(
            description=f"one curve per `f`, at most {_MAX}: a function name or an expression. {LANGUAGE}",
            examples=[["tanh", "2*sigmoid(2*x) - 1"]],
        ),
    ],
    label: Annotated[
        list[str] | None,
        Query(
            description="legend labels, in the order of `f`; a missing or empty one is chosen for you",
            examples=[["tanh(x)", "2σ(2x) − 1"]],
        ),
    ] = None,
) -> Curves:
    # Counted before anything is parsed, so a flood of curves costs nothing.
    if len(f) > _MAX:
        raise validation_error(("query", "f"), f"at most {_MAX} curves can be compared; got {len(f)}")
    labels = label or []
    if len(labels) > len(f):
        raise validation_error(("query", "label"), f"{len(labels)} labels for {len(f)} curves; give at most one per f")
    for i, text in enumerate(labels):
        if len(text) > settings.COMPARE_MAX_LABEL_LENGTH:
            raise validation_error(
                ("query", "label", i), f"labels are at most {settings.COMPARE_MAX_LABEL_LENGTH} characters", text
            )
        if not text.isprintable():
            raise validation_error(("query", "label", i), "labels are printable text, without control characters")
    expressions = [compile_query(text, ("query", "f", i)) for i, text in enumerate(f)]
    given = [*labels, *[""] * (len(f) - len(labels))]
    return Curves(expressions, [text.strip() or e.label for text, e in zip(given, expressions, strict=True)])


CurvesDep = Annotated[Curves, Depends(get_curves)]


@router.get(
    "/values",
    response_model=CompareResponse,
    responses={**TABULAR_RESPONSES, **CACHED_RESPONSES},
    dependencies=[StrictQuery],
    summary="Values and exact derivatives of several curves",
)
async def read_compare_values(
    request: Request,
    curves: CurvesDep,
    x_range: RangeDep,
    derivative: DerivativeQuery = True,
    method: MethodQuery = Method.analytic,
    fmt: FormatQuery = None,
    decimals: DecimalsQuery = None,
) -> Response:
    """Up to 8 functions or expressions on one x grid, with f'(x) each; undefined points are null.

    CSV and NPY give the columns x, y1, dy1, y2, dy2, ... in the order of `f` (empty cells
    in CSV and nan in NPY where a curve is undefined). The answer carries an `ETag` and may be
    cached; `If-None-Match` with it gets a 304.
    """
    check_work(curves.expressions, x_range.num)
    chosen = negotiate(request, fmt)
    work = x_range.num * sum(e.size for e in curves.expressions)
    subject = {"compare values": [[e.text, label] for e, label in zip(curves.expressions, curves.labels, strict=True)]}
    return await cached_columns(
        request,
        grid_values_key(subject, x_range, derivative, method, chosen, decimals),
        work,
        lambda: _encode_comparison(curves, x_range, derivative, method, chosen, decimals),
    )


def _encode_comparison(
    curves: Curves, x_range: XRange, derivative: bool, method: Method, chosen: Format, decimals: int | None
) -> Encoded:
    x = x_range.points()
    results = [evaluate(e, x, method) for e in curves.expressions]
    columns = {"x": x}
    for i, curve in enumerate(results, start=1):
        columns[f"y{i}"] = curve.y
        if derivative:
            columns[f"dy{i}"] = curve.dy
    if chosen is not Format.json:
        return encode_columns(chosen, {}, columns, decimals)
    if decimals is not None:
        columns = {name: round_half_even(values, decimals) for name, values in columns.items()}
    series = [
        {
            "expr": e.text,
            "label": label,
            "y": columns[f"y{i}"],
            **({"dy": columns[f"dy{i}"]} if derivative else {}),
            "undefined": curve.undefined,
            "undefined_dy": curve.undefined_dy,
        }
        for i, (e, label, curve) in enumerate(zip(curves.expressions, curves.labels, results, strict=True), start=1)
    ]
    return encode_json({"method": method.value, "x": columns["x"], "series": series})


@router.get(
    "/plot",
    response_class=Response,
    responses={**IMAGE_RESPONSES, **BUSY_RESPONSES},
    dependencies=[StrictQuery, HeavySlot],
    summary="Overlay several curves and their derivatives",
)
def read_compare_plot(
    request: Request,
    curves: CurvesDep,
    x_range: PlotRangeDep,
    options: PlotOptionsDep,
    derivative: Annotated[bool, Query(description="draw the derivatives in a second panel", examples=[True])] = True,
    method: MethodQuery = Method.analytic,
) -> Response:
    """PNG (default) or SVG of up to 8 curves over their derivatives, each with its colour and dash pattern."""
    check_work(curves.expressions, x_range.num)
    key = {
        "plot": "compare",
        "curves": [[e.text, label] for e, label in zip(curves.expressions, curves.labels, strict=True)],
        "x": x_range,
        "derivative": derivative,
        "method": method if derivative else Method.analytic,
        "options": options,
    }
    return plot_response(
        request, key, lambda: plot_curves(curves, x_range, options, derivative, method), filename="comparison"
    )


def plot_curves(curves: Curves, x_range: XRange, options: ImageOptions, derivative: bool, method: Method) -> Image:
    """Evaluate every curve on the shared grid and overlay them; undefined points leave gaps."""
    x = x_range.points()
    results = [evaluate(e, x, method) for e in curves.expressions]
    x, values = break_at_jumps(x, [(r.y, r.dy) for r in results])
    drawn = [
        Curve(_literal(label), y, dy if derivative else None, kinks_of(expression, x_range))
        for expression, label, (y, dy) in zip(curves.expressions, curves.labels, values, strict=True)
    ]
    title = ", ".join(curves.labels)
    if len(title) > _TITLE_CHARS:
        title = f"{len(curves.labels)} curves"
    return render_overlay(x, drawn, options=options, derivative=derivative, title=_literal(title))


def _literal(text: str) -> str:
    """``text`` drawn as written: matplotlib would read $...$ as TeX, and fail on TeX it does not know."""
    return text.replace("$", r"\$")
