"""Swagger UI at /docs and ReDoc at /redoc, with every asset served by the app itself.

FastAPI's own pages load their JavaScript and CSS from a CDN and are blank on a closed
network; the files here come from the ``fastapi-offline`` package, installed with the app.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

# The groups of operations, in the order the docs show them.
OPENAPI_TAGS = [
    {
        "name": "activations",
        "description": "The functions: formula, parameters, kinks and properties of each; its values and exact "
        "derivatives as JSON, CSV or NPY; and its two-panel plot.",
    },
    {
        "name": "expressions",
        "description": "Any expression in x made of numbers, arithmetic, elementary functions and the activations, "
        "with exact derivatives by the chain rule.",
    },
    {"name": "compare", "description": "Several functions or expressions on one x grid, as numbers or one overlay."},
    {
        "name": "analysis",
        "description": "The article's claims, computed: sparsity, saturation, gradients through deep networks, "
        "dead units while training, and cost.",
    },
    {"name": "health", "description": "Liveness, for load balancers and container health checks."},
]

ASSETS_URL = "/docs-assets"
ASSETS_DIR = str(files("fastapi_offline") / "static")
FAVICON_URL = f"{ASSETS_URL}/favicon.png"

# The pages may load nothing from elsewhere: ReDoc's side menu, for one, would fetch a logo from its CDN.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; object-src 'none'"
)

SWAGGER_UI_PARAMETERS = {
    # No schema validator badge: it would send the document to an outside service.
    "validatorUrl": None,
    "tryItOutEnabled": True,
    "displayRequestDuration": True,
    "filter": True,
    "defaultModelsExpandDepth": 0,
}


def install(app: FastAPI) -> None:
    """Mount the assets and add the two pages (built with ``docs_url=None, redoc_url=None``)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False, tags=["pages"])
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} – API docs",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=root + FAVICON_URL,
            oauth2_redirect_url=oauth2_redirect_url,
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )
        return _self_contained(page)

    @app.get(oauth2_redirect_url, include_in_schema=False, tags=["pages"])
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False, tags=["pages"])
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} – reference",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=root + FAVICON_URL,
            with_google_fonts=False,
        )
        return _self_contained(page)


def _self_contained(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page
