"""/v1/compare: several functions or expressions side by side, on one shared x grid."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.schemas import CompareResponse
from app.web.caching import CACHED_RESPONSES
from app.web.limits import BUSY_RESPONSES
from app.web.negotiation import IMAGE_RESPONSES, TABULAR_RESPONSES
from app.web.routing import ApiRoute

from .. import curves
from ..deps import comparison_set
from ..queries import ComparePlotQuery, CompareValuesQuery

router = APIRouter(route_class=ApiRoute)


@router.get(
    "/values",
    response_model=CompareResponse,
    responses={**TABULAR_RESPONSES, **CACHED_RESPONSES},
    summary="Values and exact derivatives of several curves",
)
async def read_compare_values(request: Request, query: Annotated[CompareValuesQuery, Query()]) -> Response:
    """Up to 8 functions or expressions on one x grid, with their derivatives up to `order` (f'(x) by default).

    CSV and NPY give the columns x, y1, dy1 (d2y1, d3y1), y2, dy2, ... in the order of `f` (empty cells
    in CSV and nan in NPY where a curve is undefined). The answer carries an `ETag` and may be
    cached; `If-None-Match` with it gets a 304.
    """
    return await curves.values(request, comparison_set(query), query)


@router.get(
    "/plot",
    response_class=Response,
    responses={**IMAGE_RESPONSES, **BUSY_RESPONSES},
    summary="Overlay several curves and their derivatives",
)
async def read_compare_plot(request: Request, query: Annotated[ComparePlotQuery, Query()]) -> Response:
    """PNG (default) or SVG of up to 8 curves and their derivatives up to `order`, a panel per order, one legend."""
    return await curves.plot(request, comparison_set(query), query)
