"""What an operator sees of each request: its id, its metrics and its log line.

- Request ids: ``asgi-correlation-id`` keeps a client's (or a proxy's) ``X-Request-ID`` when it is
  at most 128 safe characters, else makes a new one; every answer carries it, every log line about
  the request (:mod:`app.web.logs`) and every error body (:mod:`app.web.errors`) too.
- :class:`TelemetryMiddleware` counts each request in :mod:`app.web.metrics` by method, route
  template and status class, and logs one line with its duration, bytes and whether a cache
  answered it (:func:`mark_cache`, called by the caching layer). Requests for /metrics are not
  counted, and they and the probes are logged at DEBUG only.
"""

from __future__ import annotations

import logging
import re
import time
from contextvars import ContextVar
from typing import Any, Literal

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI, Request, Response
from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import settings

from . import metrics
from .logs import ACCESS_LOGGER, mark_logged

REQUEST_ID_HEADER = "X-Request-ID"
UNMATCHED = "<unmatched>"
# Anything else a client sends as a method is counted as one label, so labels stay few.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_SAFE_ID = re.compile(r"[A-Za-z0-9._~:/+=-]{1,128}")
_QUIET_ROUTES = frozenset({"/metrics", "/livez", "/readyz", "/healthz"})

CacheOutcome = Literal["hit", "miss"]
access_log = logging.getLogger(ACCESS_LOGGER)


def valid_request_id(value: str) -> bool:
    """An incoming id is kept when it is 1 to 128 characters, each a letter, digit or one of ``._~:/+=-``."""
    return _SAFE_ID.fullmatch(value) is not None


class _Seen:
    """What the layers of one request tell its telemetry: the scope the router fills in, and the cache's answer."""

    __slots__ = ("cache", "routed")

    def __init__(self) -> None:
        self.routed: Scope | None = None
        self.cache: CacheOutcome | None = None


_current: ContextVar[_Seen | None] = ContextVar("telemetry", default=None)


def mark_cache(outcome: CacheOutcome) -> None:
    """Note whether the caching layer answered this request from a cache (or with a 304) or computed it."""
    seen = _current.get()
    if seen is not None:
        seen.cache = outcome


class _Templates:
    """The route template of a routed scope: ``/v1/activations/{name}/values``, never the path itself."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._by_id: dict[int, str] | None = None

    def _build(self) -> dict[int, str]:
        by_id: dict[int, str] = {}
        for context in iter_route_contexts(self.app.routes):
            template = context.path_format or context.path or UNMATCHED
            by_id.setdefault(id(context.original_route), template)
            # Starlette's own routes (the OpenAPI document, mounted files) leave only their endpoint in the scope.
            route = context.original_route
            for endpoint in (getattr(route, "endpoint", None), getattr(route, "app", None)):
                if endpoint is not None:
                    by_id.setdefault(id(endpoint), template)
        self._by_id = by_id
        return by_id

    def of(self, scope: Scope | None) -> str:
        if scope is None:
            return UNMATCHED
        by_id = self._by_id if self._by_id is not None else self._build()
        route = scope.get("route")
        if route is not None:
            return by_id.get(id(route)) or str(getattr(route, "path_format", UNMATCHED))
        return by_id.get(id(scope.get("endpoint")), UNMATCHED)


class _RoutedScope:
    """Innermost: hands the scope the router fills in to the request's telemetry (HEAD runs on a copy of it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        seen = _current.get()
        if seen is not None:
            seen.routed = scope
        await self.app(scope, receive, send)


class TelemetryMiddleware:
    """Metrics and a log line for every HTTP request; outside everything but the request id."""

    def __init__(self, app: ASGIApp, templates: _Templates) -> None:
        self.app = app
        self.templates = templates
        # The labelled series of each (method, route, status class), looked up once: a few per route.
        self._series: dict[tuple[str, str, str], tuple[Any, Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = _Seen()
        token = _current.set(seen)
        status = 0
        sent = 0

        async def observing_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        started = time.perf_counter()
        error: BaseException | None = None
        try:
            await self.app(scope, receive, observing_send)
        except Exception as exc:
            error = exc
            raise
        except BaseException:
            # Cancelled before answering (the server stopping, the client gone): nginx's 499, not a server error.
            status = status or 499
            raise
        finally:
            _current.reset(token)
            if not status:
                # Nothing was sent: the server answers an exception with a 500.
                status = 500
            self._record(scope, seen, status, sent, time.perf_counter() - started, error)

    def _record(
        self, scope: Scope, seen: _Seen, status: int, sent: int, seconds: float, error: BaseException | None
    ) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        route = self.templates.of(seen.routed)
        if route != "/metrics":
            labels = (method, route, f"{status // 100}xx")
            series = self._series.get(labels)
            if series is None:
                series = self._series[labels] = (
                    metrics.REQUESTS.labels(*labels),
                    metrics.REQUEST_DURATION.labels(*labels),
                    metrics.RESPONSE_SIZE.labels(method, route),
                )
            count, duration, size = series
            count.inc()
            duration.observe(seconds)
            size.observe(sent)
        level = logging.ERROR if error is not None else logging.DEBUG if route in _QUIET_ROUTES else logging.INFO
        if not access_log.isEnabledFor(level):
            return
        cache = seen.cache or "uncacheable"
        duration_ms = round(seconds * 1000, 3)
        path = scope["path"]
        if not path.isprintable():
            # A decoded %0A must not start a line of its own in a text log.
            path = path.encode("unicode_escape").decode("ascii")
        access_log.log(
            level,
            "%s %s %d %.1f ms %d B cache=%s",
            scope["method"],
            path,
            status,
            duration_ms,
            sent,
            cache,
            extra={
                "method": scope["method"],
                "route": route,
                "path": path,
                "status": status,
                "duration_ms": duration_ms,
                "bytes": sent,
                "cache": cache,
            },
            exc_info=error,
        )
        if error is not None:
            mark_logged(error)


def observe_heavy(seconds: float) -> None:
    """Time one plot or analysis run in a heavy-work slot, by the operation it was run for."""
    seen = _current.get()
    route = None if seen is None or seen.routed is None else seen.routed.get("route")
    name = str(getattr(route, "name", None) or "other").removeprefix("read_")
    histogram = metrics.RENDER_DURATION if name.endswith("plot") else metrics.ANALYSIS_DURATION
    histogram.labels(name).observe(seconds)


def read_metrics(request: Request) -> Response:
    """Prometheus' text format, summed over the workers."""
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)


def install_inside(app: FastAPI) -> None:
    """The piece next to the router: add it before any other middleware."""
    if settings.REQUEST_TELEMETRY:
        app.add_middleware(_RoutedScope)


def install_outside(app: FastAPI) -> None:
    """/metrics; metrics and logs, and request ids outside them: add them after every other middleware."""
    # Not an API operation: left out of the OpenAPI document.
    app.add_route("/metrics", read_metrics, include_in_schema=False)
    if settings.REQUEST_TELEMETRY:
        app.add_middleware(TelemetryMiddleware, templates=_Templates(app))
    app.add_middleware(CorrelationIdMiddleware, header_name=REQUEST_ID_HEADER, validator=valid_request_id)
