"""Operations whose requests skip FastAPI's per-request machinery: for the hottest small answers.

FastAPI finds a request's operation by walking its included routers, then solves the operation's
parameters and dependencies. For a small values answer from the cache that is about a third of the
server's time (bench/RESULTS.md). An operation served directly stays a FastAPI operation, declared,
validated at start-up and documented in the OpenAPI document as before; its requests are served by
a plain Starlette route at the top of the routing table, which calls the same handler with the
``Request`` and the path's parameters.

So that nothing is skipped, such a handler may take only the ``Request`` and the path's parameters
as plain strings: no dependencies, no query, header or body parameters. It validates the query
string itself (``app.api.query.parse_query``); its errors reach the app's handlers as any other's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.convertors import StringConvertor
from starlette.routing import Route

Handler = Callable[..., Awaitable[Response]]


def serve_directly(app: FastAPI, router: APIRouter, handler: Handler) -> None:
    """Serve the operations of ``router`` (included in ``app`` without a prefix) whose handler is ``handler``."""
    routes = [route for route in router.routes if isinstance(route, APIRoute) and route.endpoint is handler]
    if not routes:
        raise ValueError(f"{handler.__name__} is not the handler of an operation of this router")
    for route in routes:
        _check_plain(route)
        direct = Route(route.path, _call_with_path_params(route, handler), name=route.name, include_in_schema=False)
        # Starlette would answer HEAD for a GET route; the operation answers exactly its own methods.
        direct.methods = set(route.methods or ())
        app.router.routes.insert(0, direct)


def _call_with_path_params(route: APIRoute, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        # As FastAPI does: code reading the operation's declaration finds it in the scope.
        request.scope["route"] = route
        return await handler(request, **request.path_params)

    return endpoint


def _check_plain(route: APIRoute) -> None:
    """Refuse, at start-up, an operation that FastAPI would do more for than pass the request and path."""
    dependant = route.dependant
    extra: list[Any] = [
        *dependant.dependencies,
        *dependant.query_params,
        *dependant.header_params,
        *dependant.cookie_params,
        *dependant.body_params,
    ]
    path_params = {param.name for param in dependant.path_params}
    plain = all(isinstance(convertor, StringConvertor) for convertor in route.param_convertors.values()) and all(
        param.field_info.annotation is str and not param.field_info.metadata for param in dependant.path_params
    )
    if extra or dependant.request_param_name != "request" or path_params != set(route.param_convertors) or not plain:
        raise ValueError(
            f"{route.path} {sorted(route.methods or ())}: a handler served directly takes only `request` "
            "and the path's parameters as strings"
        )
