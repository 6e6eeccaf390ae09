"""Bounds on what one request may cost: the size of its body and its share of the CPU-heavy work.

Two pieces, both configured in ``Settings``:

- ``BodySizeLimitMiddleware`` answers 413 to a body over ``MAX_BODY_BYTES``, from its
  ``Content-Length`` before any of it is read, or by counting the bytes of a streamed body.
- ``HeavyWork`` (``async with heavy_work.slot():`` around the work itself) lets at most ``HEAVY_CONCURRENCY`` plots or
  analyses run at once in a worker process. Others wait for a slot for at most
  ``HEAVY_WAIT_SECONDS`` and at most ``HEAVY_QUEUE`` of them wait; past either bound the
  answer is 503 with ``Retry-After``, so a burst of expensive requests is shed instead of
  queueing forever and starving the cheap ones.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import orjson
from fastapi import FastAPI, HTTPException
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import settings

from . import metrics
from .errors import error_body
from .observability import observe_heavy
from .offload import LoopSemaphores, run_work

T = TypeVar("T")


def _too_large_detail(limit: int) -> str:
    return f"The request body is larger than the limit of {limit} bytes; send fewer points or split the request"


class _BodyTooLarge(HTTPException):
    """Raised from ``receive``; an HTTPException, so the framework turns it into the 413 it describes."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large_detail(limit))


class BodySizeLimitMiddleware:
    """413 for a request body over ``max_bytes``, with a JSON ``detail`` like every other error."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = orjson.dumps(error_body(_too_large_detail(self.max_bytes)))
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        # The unread rest of the body is not wanted: ask the client to close rather than send it.
        headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class HeavyWork:
    """At most ``slots`` heavy computations at once; a bounded, time-limited wait for the rest."""

    def __init__(self, slots: int, queue: int, wait_seconds: float) -> None:
        self.slots = slots
        self.queue = queue
        self.wait_seconds = wait_seconds
        self._semaphores = LoopSemaphores()
        self._waiting = 0

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait_seconds))

    def _semaphore(self) -> asyncio.Semaphore:
        return self._semaphores.get(self.slots)

    def _busy(self, why: str) -> HTTPException:
        metrics.HEAVY_SHED.inc()
        return HTTPException(
            503,
            f"The server is busy: {why}; retry in {self.retry_after} s",
            headers={"Retry-After": str(self.retry_after)},
        )

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the duration of the ``async with`` block: around the rendering, not the request,
        so that an answer the cache or the client already has never waits for one."""
        semaphore = self._semaphore()
        if semaphore.locked():
            if self._waiting >= self.queue:
                raise self._busy(f"{self._waiting} plots or analyses are already waiting")
            self._waiting += 1
            metrics.HEAVY_WAITING.inc()
            try:
                async with asyncio.timeout(self.wait_seconds):
                    await semaphore.acquire()
            except TimeoutError:
                raise self._busy(f"no plot or analysis slot came free within {self.wait_seconds:g} s") from None
            finally:
                self._waiting -= 1
                metrics.HEAVY_WAITING.dec()
        else:
            await semaphore.acquire()
        metrics.HEAVY_IN_USE.inc()
        try:
            yield
        finally:
            metrics.HEAVY_IN_USE.dec()
            semaphore.release()


heavy_work = HeavyWork(settings.HEAVY_CONCURRENCY, settings.HEAVY_QUEUE, settings.HEAVY_WAIT_SECONDS)


async def run_heavy(work: Callable[[], T], *, drawing: bool = False) -> T:
    """``work()`` in a thread, or a ``drawing`` in a render process (app.web.offload), holding a
    heavy-work slot while it runs (503 when none comes free)."""
    async with heavy_work.slot():
        started = time.perf_counter()
        result = await run_work(work, drawing=drawing)
        observe_heavy(time.perf_counter() - started)
        return result


BUSY_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "Too many plots or analyses are running or waiting; retry after `Retry-After` seconds",
        "headers": {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}},
    }
}

# For a route that reads a body.
BODY_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"description": f"The request body is over the limit (ACT_MAX_BODY_BYTES, {settings.MAX_BODY_BYTES} bytes)"},
}


def install(app: FastAPI) -> None:
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.MAX_BODY_BYTES)
