"""The service's own app plus two no-op routes, `def` and `async def`: what FastAPI and uvicorn cost.

The routes are added here rather than behind a setting in ``app.main`` so the public app never carries
them; they pass through the same middleware and exception handlers as every real route, and come
first in the routing table.
"""

from fastapi import Response

from app.main import app

_EMPTY = b"{}"


@app.get("/bench/floor", include_in_schema=False, tags=["bench"])
def floor() -> Response:
    """Nothing at all, in the threadpool, as FastAPI runs every `def` handler."""
    return Response(_EMPTY, media_type="application/json")


@app.get("/bench/floor-async", include_in_schema=False, tags=["bench"])
async def floor_async() -> Response:
    """Nothing at all, on the event loop."""
    return Response(_EMPTY, media_type="application/json")


# First in the routing table: the floor pays the least routing any route of the app can.
_floor = [route for route in app.router.routes if getattr(route, "tags", None) == ["bench"]]
app.router.routes[:] = _floor + [route for route in app.router.routes if route not in _floor]
