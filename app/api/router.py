"""Every API operation: each route module included once, here, with its URL prefix and tag."""

from fastapi import FastAPI

from .routes import activations, analysis, compare, expressions, health


def include_routes(app: FastAPI) -> None:
    # Straight into the app rather than through one more router: FastAPI walks every level of
    # included routers for each request, and a level costs a small request about a tenth of its time.
    # In the order requests are most frequent: FastAPI tries routers, and their routes, in order.
    app.include_router(activations.router, prefix="/v1/activations", tags=["activations"])
    app.include_router(expressions.router, prefix="/v1/expressions", tags=["expressions"])
    app.include_router(compare.router, prefix="/v1/compare", tags=["compare"])
    app.include_router(analysis.router, prefix="/v1/analysis", tags=["analysis"])
    app.include_router(health.router, tags=["health"])
