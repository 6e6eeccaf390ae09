"""Error handlers: every error is a JSON body with a ``detail`` a user can act on."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.core.registry import UnknownActivationError
from app.schemas import ErrorMessage

from .encoding import model_response

_MAX_INPUT_CHARS = 200
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


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
    return JSONResponse({"detail": [_clean(e, content_type) for e in exc.errors()]}, status_code=422)


async def unknown_activation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UnknownActivationError)
    return model_response(ErrorMessage(detail=str(exc), suggestions=exc.suggestions), status_code=404)


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
        {"detail": f"{request.method} is not allowed here; allowed: {allow}"}, status_code=405, headers={"Allow": allow}
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_exception_handler)
    app.add_exception_handler(405, method_not_allowed_handler)
    app.add_exception_handler(UnknownActivationError, unknown_activation_handler)
