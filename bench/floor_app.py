"""The service's own app plus a no-op route: the floor that FastAPI and uvicorn cost before any work.

The route is added here rather than behind a setting in ``app.main`` so the public app never carries
it; it still passes through the same middleware, exception handlers and router as every real route.
"""

from fastapi import Response

from app.main import app

_EMPTY = b"{}"


@app.get("/bench/floor", include_in_schema=False)
def floor() -> Response:
    """Nothing at all, in the threadpool like every numeric handler."""
    return Response(_EMPTY, media_type="application/json")


@app.get("/bench/floor-async", include_in_schema=False)
async def floor_async() -> Response:
    """Nothing at all, on the event loop."""
    return Response(_EMPTY, media_type="application/json")
