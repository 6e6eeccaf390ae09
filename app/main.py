"""The ASGI application: settings, middleware, routers, error handlers."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app import __version__
from app.api.router import include_routes
from app.config import settings
from app.web import docs, errors, explorer, limits, observability, probes
from app.web.encoding import install_gzip
from app.web.routing import HeadMiddleware


def _operation_id(route: APIRoute) -> str:
    # The most specific tag: an analysis of one function is under /v1/activations and tagged "analysis" too.
    return f"{route.tags[-1]}-{route.name}"


app = FastAPI(
    title="Activation functions",
    version=__version__,
    description="Neural-network activation functions and their exact derivatives, "
    "as numbers and pictures, with PyTorch's conventions at every kink.",
    generate_unique_id_function=_operation_id,
    # /docs and /redoc are served with local assets by app.web.docs.
    docs_url=None,
    redoc_url=None,
    openapi_tags=docs.OPENAPI_TAGS,
    # Ready once warmed up; not ready again from SIGTERM on (app.web.probes).
    lifespan=probes.lifespan,
)
# Innermost: where the router leaves the route it chose, for the metrics' route template.
observability.install_inside(app)
# Inside CORS, so that a 413 still carries the CORS headers a browser needs to read it.
limits.install(app)
app.add_middleware(
    CORSMiddleware,
    allow_origins=settings.CORS_ORIGINS,
    allow_methods=["GET", "HEAD", "POST"],
    allow_headers=["*"],
    # Readable by scripts in the browser: caching, when to retry a 503, a plot's file name.
    expose_headers=["ETag", "Retry-After", "Content-Disposition", observability.REQUEST_ID_HEADER],
)
# Every answer, errors included, is compressed once, after CORS has added its headers.
install_gzip(app)
# HEAD gets exactly the headers GET would.
app.add_middleware(HeadMiddleware)
# Outermost: metrics and a log line for every answer, and a request id on every answer.
observability.install_outside(app)
errors.install(app)
include_routes(app)
docs.install(app)
explorer.install(app)
