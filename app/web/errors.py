"""Error handlers: every error is a JSON body with a ``detail`` a user can act on and the ``request_id`` to quote."""

from __future__ import annotations

import math
from typing import Any

from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.core.registry import UnknownActivationError

from .observability import REQUEST_ID_HEADER

_MAX_INPUT_CHARS = 200
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def error_body(detail: Any, **more: Any) -> dict[str, Any]:
    """An error's JSON body: what is wrong, anything more to say, and the id of the request."""
    return {"detail": detail, **more, "request_id": correlation_id.get()}


def validation_error(
    loc: tuple[str | int, ...], msg: str, value: Any = None, kind: str = "value_error"
) -> RequestValidationError:
    """A 422 in FastAPI's own ``detail`` shape, for a check no declaration can make."""
    error: dict[str, Any] = {"type": kind, "loc": loc, "msg": msg}
    if value is not None:
        error["input"] = value
    return RequestValidationError([error])


def _safe_input(value: Any) -> Any:
    """The offending input, made JSON-safe and short."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _MAX_INPUT_CHARS else text[:_MAX_INPUT_CHARS] + "..."


def _is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _clean(error: dict[str, Any], content_type: str) -> dict[str, Any]:
    cleaned = {
        "type": error.get("type", "value_error"),
        "loc": list(error.get("loc", ())),
        "msg": str(error.get("msg", "")),
    }
    if cleaned["type"] == "extra_forbidden" and cleaned["loc"][:1] == ["query"] and len(cleaned["loc"]) == 2:
        # A query model refuses names it does not declare; say which, in words.
        cleaned["msg"] = f"unknown query parameter {str(cleaned['loc'][1])[:40]!r}"
    if cleaned["type"] == "json_invalid":
        # What the parser found, and where ("trailing comma at line 1 column 10"); the body is not echoed.
        cleaned["loc"] = ["body"]
        cleaned["msg"] = f"Invalid JSON: {error.get('ctx', {}).get('error', 'not JSON')}"
        return cleaned
    if cleaned["loc"] == ["body"] and cleaned["type"] == "model_attributes_type" and not _is_json(content_type):
        cleaned["msg"] = "The body must be JSON, sent with Content-Type: application/json"
    if cleaned["type"] == "expression_error":
        # Where in the expression the problem is, for a client to point at it.
        cleaned["ctx"] = {"offset": int(error.get("ctx", {}).get("offset", 0))}
    if "input" in error:
        cleaned["input"] = _safe_input(error["input"])
    return cleaned


async def validation_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    content_type = request.headers.get("content-type", "")
    return JSONResponse(error_body([_clean(e, content_type) for e in exc.errors()]), status_code=422)


async def unknown_activation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UnknownActivationError)
    return JSONResponse(error_body(str(exc), suggestions=exc.suggestions), status_code=404)


async def method_not_allowed_handler(request: Request, exc: Exception) -> JSONResponse:
    """405 whose ``Allow`` lists the methods of every route on the path, not only the first one found."""
    assert isinstance(exc, StarletteHTTPException)
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]
    allow = ", ".join(allowed) or (exc.headers or {}).get("Allow", "")
    return JSONResponse(
        error_body(f"{request.method} is not allowed here; allowed: {allow}"), status_code=405, headers={"Allow": allow}
    )


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's own handler (404, 413, 503 and the rest) with the request's id in the body."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return JSONResponse(error_body(exc.detail), status_code=exc.status_code, headers=exc.headers)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    """A 500 for a bug, with the id to find its traceback in the logs.

    Starlette sends it from outside every middleware, so it adds the request id header itself.
    """
    request_id = correlation_id.get()
    headers = {REQUEST_ID_HEADER: request_id} if request_id else None
    body = error_body("Internal server error: the request failed; quote its request_id when reporting it")
    return JSONResponse(body, status_code=500, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_exception_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(Exception, server_error_handler)
    app.add_exception_handler(405, method_not_allowed_handler)
    app.add_exception_handler(UnknownActivationError, unknown_activation_handler)
