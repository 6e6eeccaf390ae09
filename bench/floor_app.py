"""The service's own app plus no-op routes, `def` and `async def`: what FastAPI and uvicorn cost.

The routes are added here rather than behind a setting in ``app.main`` so the public app never carries
them; they pass through the same middleware and exception handlers as every real route, and come
first in the routing table.
"""

import orjson
from fastapi import Response

from app.api.deps import NamePath
from app.core.evaluate import grid
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


_VALUES_LIKE = orjson.dumps(
    {
        "name": "sigmoid",
        "params": {},
        "method": "analytic",
        "x": grid(-5, 5, 100),
        "y": grid(0, 1, 100),
        "dy": grid(0, 0.25, 100),
    },
    option=orjson.OPT_SERIALIZE_NUMPY,
)
_VALUES_HEADERS = {"ETag": 'W/"' + "0" * 40 + '"', "Cache-Control": "public, max-age=86400", "Vary": "Accept"}


@app.get("/bench/floor-async/{name}/values", include_in_schema=False, tags=["bench"])
async def floor_values_shaped(name: NamePath) -> Response:
    """Nothing, on the event loop, with the values route's path parameter and an answer of its size and headers."""
    return Response(_VALUES_LIKE, media_type="application/json", headers=_VALUES_HEADERS)


# First in the routing table: the floor pays the least routing any route of the app can.
_floor = [route for route in app.router.routes if getattr(route, "tags", None) == ["bench"]]
app.router.routes[:] = _floor + [route for route in app.router.routes if route not in _floor]
