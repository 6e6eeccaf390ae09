"""The service's own app plus a no-op route: the floor that FastAPI and uvicorn cost before any work.

The route is added here rather than behind a setting in ``app.main`` so the public app never carries
it; it still passes through the same middleware, exception handlers and router as every real route.
"""

from fastapi import Request, Response

from app.api.activations import ValuesQuery
from app.api.deps import NamePath, checked_range
from app.api.query import parse_query
from app.api.responses import negotiate
from app.core import registry
from app.main import app

_EMPTY = b"{}"


@app.get("/bench/floor", include_in_schema=False, tags=["bench"])
def floor() -> Response:
    """Nothing at all, in the threadpool like every numeric handler."""
    return Response(_EMPTY, media_type="application/json")


@app.get("/bench/floor-async", include_in_schema=False, tags=["bench"])
async def floor_async() -> Response:
    """Nothing at all, on the event loop."""
    return Response(_EMPTY, media_type="application/json")


@app.get("/bench/floor-params/{name}", include_in_schema=False, tags=["bench"])
def floor_params(request: Request, name: NamePath) -> Response:
    """Nothing, after the values route's parsing and checking of its name and query string."""
    activation = registry.get(name)
    query = parse_query(ValuesQuery, request)
    checked_range(query.x_min, query.x_max, query.num)
    activation.resolve_params(query.model_extra or {})
    negotiate(request, query.format)
    return Response(_EMPTY, media_type="application/json")


# First in the routing table: the floor pays the least routing any route of the app can.
_floor = [route for route in app.router.routes if getattr(route, "tags", None) == ["bench"]]
app.router.routes[:] = _floor + [route for route in app.router.routes if route not in _floor]
