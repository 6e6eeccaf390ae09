"""Every API operation, included once with its URL prefix and tag."""

from fastapi import APIRouter

from .routes import activations, analysis, compare, expressions, health

api_router = APIRouter()
api_router.include_router(health.router, tags=["health"])
api_router.include_router(activations.router, prefix="/v1/activations", tags=["activations"])
api_router.include_router(expressions.router, prefix="/v1/expressions", tags=["expressions"])
api_router.include_router(compare.router, prefix="/v1/compare", tags=["compare"])
api_router.include_router(analysis.router, prefix="/v1/analysis", tags=["analysis"])
