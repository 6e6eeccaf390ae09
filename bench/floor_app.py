"""The service's own app plus a no-op route: the floor that FastAPI and uvicorn cost before any work.

The route is added here rather than behind a setting in ``app.main`` so the public app never carries
it; it still passes through the same middleware, exception handlers and router as every real route.
"""

from fastapi import Request, Response

from app.api.activations import DerivativeQuery, MethodQuery
from app.api.deps import ActivationDep, FormatQuery, ParamsDep, RangeDep
from app.api.responses import DecimalsQuery
from app.core.evaluate import Method
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


@app.get("/bench/floor-params/{name}", include_in_schema=False)
def floor_params(
    request: Request,
    activation: ActivationDep,
    x_range: RangeDep,
    params: ParamsDep,
    derivative: DerivativeQuery = True,
    method: MethodQuery = Method.analytic,
    fmt: FormatQuery = None,
    decimals: DecimalsQuery = None,
) -> Response:
    """Nothing, after FastAPI has parsed and validated exactly the parameters of the values route."""
    return Response(_EMPTY, media_type="application/json")
