"""Probes, for an orchestrator or a load balancer."""

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from app import __version__
from app.schemas import Health
from app.web.errors import error_body
from app.web.probes import readiness
from app.web.routing import ApiRoute

router = APIRouter(route_class=ApiRoute)

_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "This worker is warming up (fonts, a first plot) or shutting down: send requests elsewhere",
    }
}


@router.get("/healthz", response_model=Health, summary="Liveness probe")
async def read_health() -> Health:
    """Answers 200 while the process can serve requests."""
    return Health(status="ok", version=__version__)


@router.get("/livez", response_model=Health, summary="Liveness probe for an orchestrator")
async def read_liveness() -> Health:
    """Answers 200 while the process runs: a failure means it should be restarted."""
    return Health(status="ok", version=__version__)


@router.get("/readyz", response_model=Health, summary="Readiness probe", responses=_NOT_READY)
async def read_readiness() -> Response:
    """Answers 200 once this worker has warmed up, and 503 before it and from SIGTERM on, while it drains."""
    # Never from a cache: each poll asks this worker.
    headers = {"Cache-Control": "no-store"}
    if not readiness.ready:
        body = error_body(f"not ready: {readiness.state.value}", status=readiness.state.value)
        return JSONResponse(body, status_code=503, headers=headers)
    return JSONResponse(Health(status="ready", version=__version__).model_dump(), headers=headers)
