"""/v1/expressions: values, plots and analyses of any expression in x."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.schemas import AnalysisResponse, ExpressionValuesRequest, ExpressionValuesResponse, PrecisionResponse
from app.web.caching import CACHED_RESPONSES
from app.web.limits import BODY_RESPONSES, BUSY_RESPONSES
from app.web.negotiation import IMAGE_RESPONSES, JSON_ONLY_RESPONSES, TABULAR_RESPONSES, JsonOnly
from app.web.routing import ApiRoute

from .. import curves
from ..deps import expression_set
from ..queries import (
    ExpressionAnalysisQuery,
    ExpressionPlotQuery,
    ExpressionPrecisionPlotQuery,
    ExpressionPrecisionQuery,
    ExpressionValuesQuery,
    PointsQuery,
)

router = APIRouter(route_class=ApiRoute)


@router.get(
    "/values",
    response_model=ExpressionValuesResponse,
    responses={**TABULAR_RESPONSES, **CACHED_RESPONSES},
    summary="Values and exact derivatives of an expression",
)
async def read_expression_values(request: Request, query: Annotated[ExpressionValuesQuery, Query()]) -> Response:
    """f(x) and its derivatives up to `order` (f'(x) by default) of an expression at `num` evenly spaced points.

    JSON echoes the normalised expression and counts the undefined points (`undefined`,
    `undefined_dy`, and `undefined_d2y`, `undefined_d3y` with `order`); CSV leaves their cells
    empty and NPY holds nan there. The answer carries an `ETag` and may be cached;
    `If-None-Match` with it gets a 304.
    """
    return await curves.values(request, expression_set(query.expr), query)


@router.post(
    "/values",
    response_model=ExpressionValuesResponse,
    responses={**TABULAR_RESPONSES, **BODY_RESPONSES},
    summary="Values and exact derivatives of an expression at given points",
)
async def compute_expression_values(
    request: Request, body: ExpressionValuesRequest, query: Annotated[PointsQuery, Query()]
) -> Response:
    """f(x) and its derivatives up to `order` of an expression at arbitrary points; undefined points are null."""
    subject = expression_set(body.expr, ("body", "expr"))
    return await curves.point_values(request, subject, body.x, body.evaluation(), query)


@router.get(
    "/plot",
    response_class=Response,
    responses={**IMAGE_RESPONSES, **BUSY_RESPONSES},
    summary="Plot an expression and its derivative",
)
async def read_expression_plot(request: Request, query: Annotated[ExpressionPlotQuery, Query()]) -> Response:
    """PNG (default) or SVG of the expression over its derivatives up to `order`, a panel each; gaps where undefined."""
    return await curves.plot(request, expression_set(query.expr), query)


@router.get(
    "/analysis",
    response_model=AnalysisResponse,
    responses={**BUSY_RESPONSES, **JSON_ONLY_RESPONSES},
    dependencies=[JsonOnly],
    summary="Sparsity, saturation, gradient and output statistics of an expression",
    tags=["analysis"],
)
async def read_expression_analysis(request: Request, query: Annotated[ExpressionAnalysisQuery, Query()]) -> Response:
    """The analysis of `/v1/activations/{name}/analysis` for an expression in x, such as `2*sigmoid(2*x) - 1`.

    Its work is bounded like the expression's values: nodes x `num` and nodes x `samples`
    are each at most `EXPR_MAX_WORK`.
    """
    return await curves.analyse(request, expression_set(query.expr), query)


@router.get(
    "/precision",
    response_model=PrecisionResponse,
    responses={**BUSY_RESPONSES, **JSON_ONLY_RESPONSES},
    dependencies=[JsonOnly],
    summary="Where an expression and its derivative break down in float32, float16 and bfloat16",
)
async def read_expression_precision(request: Request, query: Annotated[ExpressionPrecisionQuery, Query()]) -> Response:
    """The report of `/v1/activations/{name}/precision` for an expression, computed node by node as PyTorch
    eager computes it in each dtype."""
    return await curves.precision_answer(request, expression_set(query.expr))


@router.get(
    "/precision/plot",
    response_class=Response,
    responses={**IMAGE_RESPONSES, **BUSY_RESPONSES},
    summary="Plot an expression's |f′| in each dtype against the exact |f′|",
)
async def read_expression_precision_plot(
    request: Request, query: Annotated[ExpressionPrecisionPlotQuery, Query()]
) -> Response:
    """PNG (default) or SVG of |f′| in each dtype and exactly, on a log scale, zero regions shaded."""
    return await curves.precision_plot(request, expression_set(query.expr), query)
