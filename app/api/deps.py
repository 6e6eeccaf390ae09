"""Shared dependencies: function lookup, the x grid, function parameters, output format."""

from __future__ import annotations

from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import numpy as np
from fastapi import Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams

from app.config import settings
from app.core import registry
from app.core.evaluate import grid
from app.core.functions import Array
from app.core.registry import Activation, ParamError, Params
from app.schemas import ErrorMessage

from .responses import Format


def validation_error(
    loc: tuple[str | int, ...], msg: str, value: Any = None, kind: str = "value_error"
) -> RequestValidationError:
    """A 422 in FastAPI's own ``detail`` shape."""
    error: dict[str, Any] = {"type": kind, "loc": loc, "msg": msg}
    if value is not None:
        error["input"] = value
    return RequestValidationError([error])


def param_error(exc: ParamError, where: tuple[str, ...] = ("query",)) -> RequestValidationError:
    return validation_error((*where, exc.param), exc.message)


# The dependencies below are cheap and never block: as `async def` they run on the event loop,
# which saves each request one threadpool round trip per dependency.
NamePath = Annotated[
    str, Path(description="function name or alias, any case", examples=["leaky_relu", "relu", "swish"])
]


async def get_activation(name: NamePath) -> Activation:
    return registry.get(name)


ActivationDep = Annotated[Activation, Depends(get_activation)]

# For every route taking ActivationDep: an unknown name is a 404 with suggestions.
UNKNOWN_NAME_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorMessage, "description": "No activation function has this name or alias"}
}


@dataclass(frozen=True)
class XRange:
    x_min: float
    x_max: float
    num: int

    def points(self) -> Array:
        return grid(self.x_min, self.x_max, self.num)


_LIMIT = settings.MAX_ABS_X

# The x grid's query parameters, for Query(...) here and Field(...) in a query model (app/api/query.py).
X_MIN: dict[str, Any] = {
    "ge": -_LIMIT,
    "le": _LIMIT,
    "allow_inf_nan": False,
    "description": "left end of the x grid",
    "examples": [-3.0],
}
X_MAX: dict[str, Any] = {**X_MIN, "description": "right end of the x grid, included", "examples": [3.0]}
NUM: dict[str, Any] = {
    "ge": settings.MIN_NUM,
    "le": settings.MAX_NUM,
    "description": "number of evenly spaced points",
    "examples": [201],
}


async def get_range(
    x_min: Annotated[float, Query(**X_MIN)] = settings.DEFAULT_X_MIN,
    x_max: Annotated[float, Query(**X_MAX)] = settings.DEFAULT_X_MAX,
    num: Annotated[int, Query(**NUM)] = settings.DEFAULT_NUM,
) -> XRange:
    return checked_range(x_min, x_max, num)


def checked_range(x_min: float, x_max: float, num: int) -> XRange:
    """The grid, once x_max > x_min is checked (each bound is checked where it is parsed)."""
    if x_min >= x_max:
        raise validation_error(("query", "x_max"), f"x_max must be greater than x_min ({x_max:g} <= {x_min:g})", x_max)
    return XRange(x_min, x_max, num)


RangeDep = Annotated[XRange, Depends(get_range)]


def checked_points(given: list[float]) -> Array:
    """The points of a request body as an array, or a 422 at the first one beyond ``MAX_ABS_X``."""
    x = np.asarray(given, dtype=np.float64)
    too_far = np.flatnonzero(np.abs(x) > settings.MAX_ABS_X)
    if too_far.size:
        i = int(too_far[0])
        raise validation_error(("body", "x", i), f"|x| must be at most {settings.MAX_ABS_X:g}", given[i])
    return x


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


_declared: dict[int, frozenset[str]] = {}


def _declared_query_names(route: APIRoute) -> frozenset[str]:
    names = _declared.get(id(route))
    if names is None:
        names = _declared[id(route)] = frozenset(_query_names(route.dependant))
    return names


def _list_query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params if _takes_many(p.field_info.annotation)}
    for sub in dependant.dependencies:
        names |= _list_query_names(sub)
    return names


def _takes_many(annotation: Any) -> bool:
    """list[str], or list[str] | None."""
    if get_origin(annotation) in (list, tuple, set, frozenset):
        return True
    return get_origin(annotation) in (Union, UnionType) and any(_takes_many(arg) for arg in get_args(annotation))


_lists: dict[int, frozenset[str]] = {}


def reject_repeated_query(request: Request) -> None:
    """A query parameter that takes one value, given twice, is a 422 rather than a silent choice of one."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    lists = _lists.get(id(route))
    if lists is None:
        lists = _lists[id(route)] = frozenset(_list_query_names(route.dependant))
    reject_repeated(request.query_params, lists)


def reject_repeated(query: QueryParams, lists: frozenset[str] = frozenset()) -> None:
    """422 for a name given more than once in ``query``, unless it is one of ``lists``."""
    if len(query) == len(query.multi_items()):
        return
    for key in query:
        count = len(query.getlist(key))
        if count > 1 and key not in lists:
            raise validation_error(("query", key), f"{key[:40]} is given {count} times; give it once")


async def reject_unknown_query(request: Request) -> None:
    """A query parameter the route does not declare is a 422, as on the activation routes."""
    reject_repeated_query(request)
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = _declared_query_names(route)
    for key in request.query_params:
        if key not in declared:
            raise validation_error(("query", key), f"unknown query parameter {key[:40]!r}")


StrictQuery = Depends(reject_unknown_query)


async def get_function_params(request: Request, activation: ActivationDep) -> Params:
    """The function's parameters from the query string: every other unknown name is a 422."""
    reject_repeated_query(request)
    route = request.scope.get("route")
    declared = _declared_query_names(route) if isinstance(route, APIRoute) else frozenset()
    # Repeats were refused above, so each remaining name has exactly one value.
    given = {key: value for key, value in request.query_params.items() if key not in declared}
    try:
        return activation.resolve_params(given)
    except ParamError as exc:
        raise param_error(exc) from None


ParamsDep = Annotated[Params, Depends(get_function_params)]

FORMAT: dict[str, Any] = {"description": "json (default), csv or npy; overrides the Accept header", "examples": ["csv"]}
FormatQuery = Annotated[Format | None, Query(alias="format", **FORMAT)]
