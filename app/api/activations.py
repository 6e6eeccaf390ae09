"""Activation functions: metadata and values."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.config import settings
from app.core import registry
from app.core.evaluate import Method, evaluate
from app.schemas import ActivationInfo, ValuesRequest, ValuesResponse

from .body import RawBody, json_body_openapi, parse_json_body
from .deps import (
    FORMAT,
    NUM,
    UNKNOWN_NAME_RESPONSES,
    X_MAX,
    X_MIN,
    ActivationDep,
    FormatQuery,
    NamePath,
    XRange,
    checked_points,
    checked_range,
    param_error,
)
from .limits import BODY_RESPONSES
from .offload import BYTES_PER_POINT, run_sized
from .query import parse_query, query_openapi
from .responses import (
    CACHED_RESPONSES,
    DECIMALS,
    JSON_ONLY_RESPONSES,
    TABULAR_RESPONSES,
    AnswerKey,
    DecimalsQuery,
    Encoded,
    Format,
    JsonOnly,
    cached_columns,
    encode_columns,
    encoded_response,
    grid_values_key,
    json_response,
    negotiate,
    negotiate_accept,
)

router = APIRouter(prefix="/v1/activations", tags=["activations"])

# Metadata never changes: built once, at import.
_METADATA = {a.name: registry.metadata(a) for a in registry.ACTIVATIONS}
_CATALOGUE = list(_METADATA.values())


class ValuesQuery(BaseModel):
    """The query string of GET /values; any other name is one of the function's own parameters."""

    model_config = ConfigDict(extra="allow")

    x_min: float = Field(settings.DEFAULT_X_MIN, **X_MIN)
    x_max: float = Field(settings.DEFAULT_X_MAX, **X_MAX)
    num: int = Field(settings.DEFAULT_NUM, **NUM)
    derivative: bool = Field(True, description="include f'(x) as dy", examples=[True])
    method: Method = Field(
        Method.analytic, description="analytic (exact) or numeric (central difference)", examples=["numeric"]
    )
    format: Format | None = Field(None, **FORMAT)
    decimals: int | None = Field(None, **DECIMALS)


@router.get(
    "",
    response_model=list[ActivationInfo],
    responses=JSON_ONLY_RESPONSES,
    dependencies=[JsonOnly],
    summary="List every activation function",
)
async def list_activations() -> Response:
    """Every registered function with its formula, parameters, kinks and properties."""
    return json_response(_CATALOGUE)


@router.get(
    "/{name}",
    response_model=ActivationInfo,
    responses={**UNKNOWN_NAME_RESPONSES, **JSON_ONLY_RESPONSES},
    dependencies=[JsonOnly],
    summary="Describe one activation function",
)
async def read_activation(activation: ActivationDep) -> Response:
    """One function's metadata; any alias or capitalisation finds it."""
    return json_response(_METADATA[activation.name])


@router.get(
    "/{name}/values",
    response_model=ValuesResponse,
    responses={**TABULAR_RESPONSES, **CACHED_RESPONSES, **UNKNOWN_NAME_RESPONSES},
    summary="Values and derivatives on an x grid",
    # The query string is validated in one call (app/api/query.py): this route's small requests
    # cost about half as much as with each parameter resolved by FastAPI on its own.
    openapi_extra=query_openapi(ValuesQuery),
)
async def read_values(request: Request, name: NamePath) -> Response:
    """f(x) and f'(x) at `num` evenly spaced points from `x_min` to `x_max`.

    The function's own parameters go in the query string by name
    (`?negative_slope=0.2`); unknown names are rejected. The answer carries an `ETag`
    and may be cached; `If-None-Match` with it gets a 304.
    """
    grid = _grid_request(name, request.scope["query_string"], request.headers.get("accept", ""))
    return await cached_columns(request, grid.key, grid.query.num, grid.encode)


@dataclass(frozen=True)
class _GridRequest:
    """A valid GET values request: what to compute, and its answer's cache key."""

    activation: registry.Activation
    x_range: XRange
    params: registry.Params
    query: ValuesQuery
    chosen: Format
    key: AnswerKey

    def encode(self) -> Encoded:
        q = self.query
        return _encode_values(
            self.activation, self.x_range.points(), self.params, q.derivative, q.method, self.chosen, q.decimals
        )


# A pure function of its arguments (an invalid request raises, and is not kept): a client
# repeating a request skips its validation and the hashing of its key.
@functools.lru_cache(maxsize=settings.VALUES_CACHE_ENTRIES)
def _grid_request(name: str, query_string: bytes, accept: str) -> _GridRequest:
    activation = registry.get(name)
    query = parse_query(ValuesQuery, query_string)
    x_range = checked_range(query.x_min, query.x_max, query.num)
    try:
        params = activation.resolve_params(query.model_extra or {})
    except registry.ParamError as exc:
        raise param_error(exc) from None
    chosen = negotiate_accept(accept, query.format)
    subject = {"values": activation.name, "params": params}
    key = grid_values_key(subject, x_range, query.derivative, query.method, chosen, query.decimals)
    return _GridRequest(activation, x_range, params, query, chosen, key)


@router.post(
    "/{name}/values",
    response_model=ValuesResponse,
    responses={**TABULAR_RESPONSES, **UNKNOWN_NAME_RESPONSES, **BODY_RESPONSES},
    summary="Values and derivatives at given points",
    openapi_extra=json_body_openapi(ValuesRequest),
)
async def compute_values(
    request: Request,
    activation: ActivationDep,
    raw: RawBody,
    fmt: FormatQuery = None,
    decimals: DecimalsQuery = None,
) -> Response:
    """f(x) and f'(x) at arbitrary points, with the function's parameters in the body."""
    chosen = negotiate(request, fmt)
    # Parsing costs about as much per point as computing: a big body is parsed in a thread too.
    body = await run_sized(len(raw) // BYTES_PER_POINT, parse_json_body, ValuesRequest, request, raw)
    try:
        params = activation.resolve_params(body.params)
    except registry.ParamError as exc:
        raise param_error(exc, ("body", "params")) from None
    return encoded_response(await run_sized(len(body.x), _point_values, activation, body, params, chosen, decimals))


def _point_values(
    activation: registry.Activation,
    body: ValuesRequest,
    params: registry.Params,
    chosen: Format,
    decimals: int | None,
) -> Encoded:
    x = checked_points(body.x)
    return _encode_values(activation, x, params, body.derivative, body.method, chosen, decimals)


def _encode_values(
    activation: registry.Activation,
    x: np.ndarray,
    params: registry.Params,
    derivative: bool,
    method: Method,
    chosen: Format,
    decimals: int | None,
) -> Encoded:
    y, dy = evaluate(activation, x, params, derivative=derivative, method=method)
    meta = {"name": activation.name, "params": params, "method": method.value}
    columns = {"x": x, "y": y}
    if dy is not None:
        columns["dy"] = dy
    return encode_columns(chosen, meta, columns, decimals)
