"""Liveness."""

from fastapi import APIRouter

from app import __version__
from app.schemas import Health
from app.web.routing import ApiRoute

router = APIRouter(route_class=ApiRoute)


@router.get("/healthz", response_model=Health, summary="Liveness probe")
async def read_health() -> Health:
    """Answers 200 while the process can serve requests."""
    return Health(status="ok", version=__version__)
