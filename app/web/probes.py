"""Readiness of this worker: not ready until warmed up, and not ready again from SIGTERM on.

The app's lifespan (:func:`lifespan`) warms the worker up (the fonts loaded and a first plot
drawn, the slowest request a cold worker answers) and then declares it ready. On SIGTERM the
worker declares itself draining at once, waits ``SHUTDOWN_DELAY_SECONDS`` so that a load balancer
polling /readyz sees it before connections are refused, and then hands the signal to uvicorn's
own handler, which stops listening and lets the requests in flight finish.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from enum import StrEnum
from types import FrameType
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from app.config import settings

from . import metrics, offload

log = logging.getLogger(__name__)


class State(StrEnum):
    starting = "starting"
    ready = "ready"
    draining = "draining"


class Readiness:
    """This worker's state; one per process."""

    def __init__(self) -> None:
        self.state = State.starting

    @property
    def ready(self) -> bool:
        return self.state is State.ready


readiness = Readiness()


def warm_up() -> None:
    """Load the fonts and draw a first plot in each format: a cold worker's first plot is its slowest."""
    from app.render import warm_up as draw_once

    draw_once()


_Handler = Callable[[int, FrameType | None], Any]


def drain_on_sigterm(loop: asyncio.AbstractEventLoop, delay: float) -> Callable[[], None]:
    """Put a SIGTERM handler in front of the server's own; return what puts the server's back.

    Only where a server installed a handler of its own, from the main thread: under a test
    client there is nothing to wrap. A second signal goes to the server's handler at once.
    """
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        return lambda: None
    server_handler: _Handler = previous

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if readiness.state is State.draining:
            server_handler(signum, frame)
            return
        readiness.state = State.draining
        log.info("SIGTERM: /readyz answers 503; stopping in %g s", delay)
        # From a signal handler the loop may only be woken through its thread-safe entry.
        loop.call_soon_threadsafe(loop.call_later, delay, server_handler, signum, frame)

    signal.signal(signal.SIGTERM, on_sigterm)

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, server_handler)

    return restore


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Warm up, then serve as ready; at shutdown, this worker's live gauges stop counting."""
    await run_in_threadpool(warm_up)
    if settings.RENDER_PROCESSES:
        # Ready once a render process has loaded its fonts, so that the first plot does not wait for one.
        await offload.start_render_processes()
    restore = drain_on_sigterm(asyncio.get_running_loop(), settings.SHUTDOWN_DELAY_SECONDS)
    readiness.state = State.ready
    try:
        yield
    finally:
        restore()
        await run_in_threadpool(offload.stop_render_processes)
        metrics.forget_this_process()
