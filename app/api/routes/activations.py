"""/v1/activations: the functions, their values, plots and analyses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.core import registry
from app.schemas import ActivationInfo, AnalysisResponse, PrecisionResponse, ValuesRequest, ValuesResponse
from app.web.caching import CACHED_RESPONSES
from app.web.encoding import model_response
from app.web.limits import BODY_RESPONSES, BUSY_RESPONSES
from app.web.negotiation import IMAGE_RESPONSES, JSON_ONLY_RESPONSES, TABULAR_RESPONSES, JsonOnly
from app.web.routing import ApiRoute

from .. import curves
from ..deps import UNKNOWN_NAME_RESPONSES, ActivationDep, function_set
from ..queries import (
    FunctionAnalysisQuery,
    FunctionPlotQuery,
    FunctionPrecisionPlotQuery,
    FunctionPrecisionQuery,
    FunctionValuesQuery,
    PointsQuery,
)

router = APIRouter(route_class=ApiRoute)

# Metadata never changes: built once, at import.
_METADATA = {a.name: ActivationInfo.model_validate(registry.metadata(a)) for a in registry.ACTIVATIONS}
_CATALOGUE = list(_METADATA.values())


# First: the most frequent request is matched first (FastAPI tries an included router's routes in order).
@router.get(
    "/{name}/values",
    response_model=ValuesResponse,
    responses={**TABULAR_RESPONSES, **CACHED_RESPONSES, **UNKNOWN_NAME_RESPONSES},
    summary="Values and derivatives on an x grid",
)
async def read_values(
    request: Request, activation: ActivationDep, query: Annotated[FunctionValuesQuery, Query()]
) -> Response:
    """f(x) and its derivatives up to `order` (f'(x) by default) at `num` evenly spaced points from `x_min` to `x_max`.

    `order=2` adds f''(x) as `d2y` and `order=3` f'''(x) as `d3y` (CSV columns and NPY fields of the
    same names), with PyTorch's conventions at kinks; `order=0` (or `derivative=false`) gives f alone.

    The function's own parameters go in the query string by name
    (`?negative_slope=0.2`); unknown names are rejected. The answer carries an `ETag`
    and may be cached; `If-None-Match` with it gets a 304.
    """
    return await curves.values(request, function_set(activation, query.function_params()), query)


@router.get(
    "",
    response_model=list[ActivationInfo],
    responses=JSON_ONLY_RESPONSES,
    dependencies=[JsonOnly],
    summary="List every activation function",
)
async def list_activations() -> Response:
    """Every registered function with its formula, parameters, kinks and properties."""
    return model_response(_CATALOGUE)


@router.get(
    "/{name}",
    response_model=ActivationInfo,
    responses={**UNKNOWN_NAME_RESPONSES, **JSON_ONLY_RESPONSES},
    dependencies=[JsonOnly],
    summary="Describe one activation function",
)
async def read_activation(activation: ActivationDep) -> Response:
    """One function's metadata; any alias or capitalisation finds it."""
    return model_response(_METADATA[activation.name])


@router.post(
    "/{name}/values",
    response_model=ValuesResponse,
    responses={**TABULAR_RESPONSES, **UNKNOWN_NAME_RESPONSES, **BODY_RESPONSES},
    summary="Values and derivatives at given points",
)
async def compute_values(
    request: Request, activation: ActivationDep, body: ValuesRequest, query: Annotated[PointsQuery, Query()]
) -> Response:
    """f(x) and its derivatives up to `order` at arbitrary points, with the function's parameters in the body."""
    subject = function_set(activation, body.params, ("body", "params"))
    return await curves.point_values(request, subject, body.x, body.evaluation(), query)


@router.get(
    "/{name}/plot",
    response_class=Response,
    responses={**IMAGE_RESPONSES, **UNKNOWN_NAME_RESPONSES, **BUSY_RESPONSES},
    summary="Plot a function and its derivative",
)
async def read_plot(
    request: Request, activation: ActivationDep, query: Annotated[FunctionPlotQuery, Query()]
) -> Response:
    """PNG (default) or SVG of f titled with its name over f' titled "Derivative of ...", kinks marked.

    `order=2` and `order=3` add panels titled "Second derivative of ..." and "Third derivative of ...";
    `order=0` draws f alone.
    """
    return await curves.plot(request, function_set(activation, query.function_params()), query)


@router.get(
    "/{name}/analysis",
    response_model=AnalysisResponse,
    responses={**BUSY_RESPONSES, **JSON_ONLY_RESPONSES, **UNKNOWN_NAME_RESPONSES},
    dependencies=[JsonOnly],
    summary="Sparsity, saturation, gradient and output statistics of one function",
    tags=["analysis"],
)
async def read_analysis(
    request: Request, activation: ActivationDep, query: Annotated[FunctionAnalysisQuery, Query()]
) -> Response:
    """Where f saturates, is exactly 0 and is steepest on the range; its sparsity, mean and variance on N(0, sigma²).

    The sparsity is the fraction of exact zeros among `samples` inputs drawn with `seed`,
    with its standard error; the gain bound max|f'|^depth says how fast a chain of
    `depth` such derivatives can shrink or grow a gradient at most.
    """
    return await curves.analyse(request, function_set(activation, query.function_params()), query)


@router.get(
    "/{name}/precision",
    response_model=PrecisionResponse,
    responses={**BUSY_RESPONSES, **JSON_ONLY_RESPONSES, **UNKNOWN_NAME_RESPONSES},
    dependencies=[JsonOnly],
    summary="Where f and f′ break down in float32, float16 and bfloat16",
)
async def read_precision(
    request: Request, activation: ActivationDep, query: Annotated[FunctionPrecisionQuery, Query()]
) -> Response:
    """For each dtype, as PyTorch's CPU kernels compute the function in it: from where f′ is exactly 0, where
    f reaches its bound exactly, where f or f′ overflows, and the largest error in ULP with the share of exact
    inputs.

    float16 and bfloat16 are checked over every finite value; float32 and float64 over a stated sample, with
    every threshold bisected to a representable number. The function's parameters go in the query string.
    """
    return await curves.precision_answer(request, function_set(activation, query.function_params()))


@router.get(
    "/{name}/precision/plot",
    response_class=Response,
    responses={**IMAGE_RESPONSES, **UNKNOWN_NAME_RESPONSES, **BUSY_RESPONSES},
    summary="Plot |f′| in each dtype against the exact |f′|",
)
async def read_precision_plot(
    request: Request, activation: ActivationDep, query: Annotated[FunctionPrecisionPlotQuery, Query()]
) -> Response:
    """PNG (default) or SVG of |f′| as float32, float16 and bfloat16 compute it and exactly, on a log scale,
    with where each dtype's f′ is exactly 0 shaded."""
    return await curves.precision_plot(request, function_set(activation, query.function_params()), query)
