"""Expressions in x: values and exact derivatives of any composition of activations."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from app.config import settings
from app.core.analysis import from_expression
from app.core.evaluate import Method
from app.core.expression_kinks import kink_points
from app.core.expression_tree import ActivationCall, Variable
from app.core.expressions import Expression, ExpressionError, Limits, compile_expression, evaluate, jumps
from app.core.functions import Array
from app.render import Image, ImageOptions, Kink, render_function
from app.schemas import ExpressionValuesRequest, ExpressionValuesResponse

from .body import RawBody, json_body_openapi, parse_json_body
from .deps import FormatQuery, RangeDep, StrictQuery, XRange, checked_points, validation_error
from .limits import BODY_RESPONSES, BUSY_RESPONSES, HeavySlot
from .offload import BYTES_PER_POINT, run_sized
from .plotting import IMAGE_RESPONSES, PlotOptionsDep, PlotRangeDep, plot_response
from .responses import (
    CACHED_RESPONSES,
    TABULAR_RESPONSES,
    DecimalsQuery,
    Encoded,
    Format,
    cached_columns,
    encode_columns,
    encoded_response,
    grid_values_key,
    negotiate,
)
from .shading import ShadeDep, ShadeKind, overlays

router = APIRouter(prefix="/v1/expressions", tags=["expressions"])

LIMITS = Limits(
    max_length=settings.EXPR_MAX_LENGTH,
    max_nodes=settings.EXPR_MAX_NODES,
    max_depth=settings.EXPR_MAX_DEPTH,
    max_exponent=settings.EXPR_MAX_EXPONENT,
    max_literal=settings.EXPR_MAX_LITERAL,
)

LANGUAGE = (
    "An expression in x: numbers, + - * /, ** with a constant exponent, parentheses, "
    "exp, log, log1p, expm1, sqrt, abs, sin, cos, erf, minimum(a, b), maximum(a, b), and every "
    "activation by any of its names with its parameters by name, as in `leaky_relu(x, negative_slope=0.2)`. "
    f"A bare name (`relu`) is that function of x. At most {settings.EXPR_MAX_LENGTH} characters."
)

# f' whose one-sided limits differ by less than this (relatively) is drawn as continuous, as in plots.py.
_JUMP_TOLERANCE = 1e-7

DerivativeQuery = Annotated[bool, Query(description="include f'(x) as dy", examples=[True])]
MethodQuery = Annotated[
    Method, Query(description="analytic (exact, chain rule) or numeric (central difference)", examples=["analytic"])
]


def compile_query(text: str, loc: tuple[str | int, ...]) -> Expression:
    """The expression ``text``, or a 422 whose message says what is wrong and at which character."""
    try:
        return compile_expression(text, LIMITS)
    except ExpressionError as exc:
        error = {"type": "expression_error", "loc": loc, "msg": str(exc), "input": text, "ctx": {"offset": exc.offset}}
        raise RequestValidationError([error]) from None


def check_work(expressions: list[Expression], num: int, loc: tuple[str, ...] = ("query", "num")) -> None:
    """A 422 at ``loc`` when nodes x points, over every expression, exceed ``EXPR_MAX_WORK``."""
    nodes = sum(e.size for e in expressions)
    if nodes * num > settings.EXPR_MAX_WORK:
        most = max(settings.EXPR_MAX_WORK // nodes, 1)
        raise validation_error(
            loc,
            f"{nodes} expression nodes x {num} points is more work than allowed "
            f"({settings.EXPR_MAX_WORK:,}); use at most {most} points or a simpler expression",
            num,
        )


async def get_expression(
    expr: Annotated[
        str, Query(description=LANGUAGE, examples=["2*sigmoid(2*x) - 1", "leaky_relu(x, negative_slope=0.2)"])
    ],
) -> Expression:
    return compile_query(expr, ("query", "expr"))


ExpressionDep = Annotated[Expression, Depends(get_expression)]


@router.get(
    "/values",
    response_model=ExpressionValuesResponse,
    responses={**TABULAR_RESPONSES, **CACHED_RESPONSES},
    dependencies=[StrictQuery],
    summary="Values and exact derivatives of an expression",
)
async def read_expression_values(
    request: Request,
    expression: ExpressionDep,
    x_range: RangeDep,
    derivative: DerivativeQuery = True,
    method: MethodQuery = Method.analytic,
    fmt: FormatQuery = None,
    decimals: DecimalsQuery = None,
) -> Response:
    """f(x) and f'(x) of an expression at `num` evenly spaced points; undefined points are null.

    JSON echoes the normalised expression and counts the undefined points (`undefined`,
    `undefined_dy`); CSV leaves their cells empty and NPY holds nan there. The answer carries
    an `ETag` and may be cached; `If-None-Match` with it gets a 304.
    """
    check_work([expression], x_range.num)
    chosen = negotiate(request, fmt)
    # Keyed on the normalised text: spellings of one expression share an answer.
    subject = {"expression values": expression.text, "label": expression.label}
    return await cached_columns(
        request,
        grid_values_key(subject, x_range, derivative, method, chosen, decimals),
        x_range.num * expression.size,
        lambda: _encode_values(chosen, expression, x_range.points(), derivative, method, decimals),
    )


@router.post(
    "/values",
    response_model=ExpressionValuesResponse,
    responses={**TABULAR_RESPONSES, **BODY_RESPONSES},
    dependencies=[StrictQuery],
    summary="Values and exact derivatives of an expression at given points",
    openapi_extra=json_body_openapi(ExpressionValuesRequest),
)
async def compute_expression_values(
    request: Request,
    raw: RawBody,
    fmt: FormatQuery = None,
    decimals: DecimalsQuery = None,
) -> Response:
    """f(x) and f'(x) of an expression at arbitrary points; undefined points are null."""
    chosen = negotiate(request, fmt)
    body = await run_sized(len(raw) // BYTES_PER_POINT, parse_json_body, ExpressionValuesRequest, request, raw)
    expression = compile_query(body.expr, ("body", "expr"))
    check_work([expression], len(body.x), ("body", "x"))
    # Turning the points into an array is work per point too: in the thread with the rest.
    encoded = await run_sized(
        len(body.x) * expression.size,
        lambda: _encode_values(chosen, expression, checked_points(body.x), body.derivative, body.method, decimals),
    )
    return encoded_response(encoded)


def _encode_values(
    chosen: Format, expression: Expression, x: Array, derivative: bool, method: Method, decimals: int | None
) -> Encoded:
    curve = evaluate(expression, x, method)
    meta = {
        "expr": expression.text,
        "label": expression.label,
        "method": method.value,
        "undefined": curve.undefined,
        "undefined_dy": curve.undefined_dy,
    }
    columns = {"x": x, "y": curve.y, **({"dy": curve.dy} if derivative else {})}
    return encode_columns(chosen, meta, columns, decimals)


@router.get(
    "/plot",
    response_class=Response,
    responses={**IMAGE_RESPONSES, **BUSY_RESPONSES},
    dependencies=[StrictQuery, HeavySlot],
    summary="Plot an expression and its derivative",
)
def read_expression_plot(
    request: Request,
    expression: ExpressionDep,
    x_range: PlotRangeDep,
    options: PlotOptionsDep,
    shade: ShadeDep,
    derivative: Annotated[bool, Query(description="draw f'(x) in a second panel below f(x)", examples=[True])] = True,
    method: MethodQuery = Method.analytic,
) -> Response:
    """PNG (default) or SVG of the expression over its derivative; undefined points leave gaps."""
    check_work([expression], x_range.num)
    key = {
        "plot": "expression",
        "expr": expression.text,
        "label": expression.label,
        "x": x_range,
        "derivative": derivative,
        "method": method if derivative else Method.analytic,
        "shade": sorted(shade),
        "options": options,
    }
    return plot_response(
        request,
        key,
        lambda: plot_expression(expression, x_range, options, derivative, method, shade),
        filename=_plot_name(expression),
    )


def _plot_name(expression: Expression) -> str:
    """The saved file's name: the function for a lone activation of x, else "expression"."""
    tree = expression.tree
    if isinstance(tree, ActivationCall) and isinstance(tree.arg, Variable):
        return tree.activation.name
    return "expression"


def plot_expression(
    expression: Expression,
    x_range: XRange,
    options: ImageOptions,
    derivative: bool,
    method: Method,
    shade: frozenset[ShadeKind] = frozenset(),
) -> Image:
    """Evaluate on the grid and draw f (and f'), kinks marked, lines broken at poles, shading on request."""
    x = x_range.points()
    shades, marks = overlays(from_expression(expression), x, shade)
    curve = evaluate(expression, x, method)
    x, ((y, dy),) = break_at_jumps(x, [(curve.y, curve.dy)])
    shown = dy if derivative else None
    kinks = kinks_of(expression, x_range)
    return render_function(
        x, y, shown, label=expression.label, options=options, kinks=kinks, shades=shades, marks=marks
    )


def break_at_jumps(x: Array, curves: list[tuple[Array, Array]]) -> tuple[Array, list[tuple[Array, Array]]]:
    """x and each (y, dy) with a midpoint added wherever some curve has a pole or jump between grid points.

    The curve that jumps gets nan there, so its line breaks; the others get the mean of
    their neighbours, which draws exactly the segment they had.
    """
    breaks = [set(jumps(x, y, dy).tolist()) for y, dy in curves]
    where = np.array(sorted(set().union(*breaks)), dtype=np.intp)
    if where.size == 0:
        return x, curves
    middle = (x[where] + x[where + 1]) / 2.0
    result = []
    for (y, dy), own in zip(curves, breaks, strict=True):
        gap = np.isin(where, list(own))
        mid_y = np.where(gap, np.nan, (y[where] + y[where + 1]) / 2.0)
        mid_dy = np.where(gap, np.nan, (dy[where] + dy[where + 1]) / 2.0)
        result.append((np.insert(y, where + 1, mid_y), np.insert(dy, where + 1, mid_dy)))
    return np.insert(x, where + 1, middle), result


def kinks_of(expression: Expression, x_range: XRange) -> tuple[Kink, ...]:
    """The kinks to mark on a plot: f and f' at each, and the one-sided limits of f' where it jumps."""
    kinks = []
    for at in kink_points(expression.tree, x_range.x_min, x_range.x_max):
        step = 1e-9 * max(1.0, abs(at))
        curve = evaluate(expression, np.array([at, at - step, at + step]))
        if np.isnan(curve.y[0]) or np.isnan(curve.dy).any():
            continue
        y, dy, left, right = float(curve.y[0]), float(curve.dy[0]), float(curve.dy[1]), float(curve.dy[2])
        if abs(left - right) <= _JUMP_TOLERANCE * max(1.0, abs(left), abs(right)):
            kinks.append(Kink(at, y, dy))
        else:
            kinks.append(Kink(at, y, dy, left, right))
    return tuple(kinks)
