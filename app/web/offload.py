"""Where a handler's numeric work runs: on the event loop when it is small, in the threadpool when not.

Handing work to a worker thread and back costs about as much as computing and encoding a thousand
points (bench/RESULTS.md): a small request is cheaper done in place, and a big one must not hold
the event loop while other requests wait.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from app.config import settings

# A point of a JSON request body is about this many bytes ("-1.2345678901234567,"): parsing a body
# costs about as much per point as computing, so a big one is parsed in a thread too.
BYTES_PER_POINT = 20

P = ParamSpec("P")
T = TypeVar("T")


async def run_sized(points: int, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work(*args, **kwargs)``, in place for at most ``INLINE_MAX_POINTS`` points, else in a thread.

    ``points`` is the work in points of one function: for an expression, points x its nodes.
    """
    if points <= settings.INLINE_MAX_POINTS:
        return work(*args, **kwargs)
    return await run_in_threadpool(work, *args, **kwargs)
