"""The ASGI application: settings, middleware, routers, error handlers."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app import __version__
from app.api import activations, analysis, compare, docs, errors, explorer, expressions, health, limits, plots
from app.api.direct import serve_directly
from app.api.responses import install_gzip
from app.config import settings


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}"


app = FastAPI(
    title="Activation functions",
    version=__version__,
    description="Neural-network activation functions and their exact derivatives, "
    "as numbers and pictures, with PyTorch's conventions at every kink.",
    generate_unique_id_function=_operation_id,
    # /docs and /redoc are served with local assets by app.api.docs.
    docs_url=None,
    redoc_url=None,
    openapi_tags=docs.OPENAPI_TAGS,
)
# Inside CORS, so that a 413 still carries the CORS headers a browser needs to read it.
limits.install(app)
app.add_middleware(
    CORSMiddleware,
    allow_origins=settings.CORS_ORIGINS,
    allow_methods=["GET", "POST"],
    allow_headers=["*"],
    # Readable by scripts in the browser: caching, when to retry a 503, a plot's file name.
    expose_headers=["ETag", "Retry-After", "Content-Disposition"],
)
# Outermost: every answer, errors included, is compressed once, after CORS has added its headers.
install_gzip(app)
errors.install(app)
app.include_router(health.router)
app.include_router(activations.router)
app.include_router(plots.router)
app.include_router(expressions.router)
app.include_router(compare.router)
app.include_router(analysis.function_router)
app.include_router(analysis.router)
# The hottest small request, a values answer, skips FastAPI's routing and parameter solving.
serve_directly(app, activations.router, activations.read_values)
docs.install(app)
explorer.install(app)
