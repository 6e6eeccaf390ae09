"""Where a handler's work runs: on the event loop, in a thread, or in a render process; and the
memory a process gives back after the heavy kind.

- :func:`run_sized`: a values request's work on the event loop when it is small, in the threadpool
  when not. Handing work to a worker thread and back costs about as much as computing and encoding
  a thousand points (bench/RESULTS.md): a small request is cheaper done in place, and a big one
  must not hold the event loop while other requests wait. At most ``VALUES_CONCURRENCY`` big ones
  run at once and the rest wait their turn: an answer of 8 curves at 100,000 points is 30 MB, and
  40 at once (the whole threadpool) took a worker past a gigabyte, while they share one GIL anyway.
- :func:`run_work`: a plot or analysis (called by ``run_heavy``, which holds a heavy-work slot
  meanwhile). A drawing goes to a render process of this worker (``RENDER_PROCESSES``): matplotlib
  holds the GIL for tens of milliseconds at a time in C (a 4000x4000 canvas alone takes 80 ms to
  allocate), which in a thread of the serving process would stall every cheap request behind it.
  Work that cannot be sent to another process (a closure) and analyses, whose numpy work releases
  the GIL, run in a thread. The render processes start with the first drawing, or at start-up
  with :func:`start_render_processes` (then stopped by :func:`stop_render_processes`).
- After either, the memory the C allocator keeps free is handed back to the system
  (:func:`release_memory`), so that resident memory returns near its warmed-up figure after the
  largest plots (tests/api/test_memory.py).

At import the interpreter's GIL switch interval is set to ``GIL_SWITCH_INTERVAL``: whatever runs
in a thread yields the GIL to the event loop sooner, and cheap requests wait less beside it.
"""

from __future__ import annotations

import asyncio
import ctypes
import io
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ParamSpec, TypeVar
from weakref import WeakKeyDictionary

from fastapi import HTTPException
from starlette.concurrency import run_in_threadpool

from app.config import settings
from app.core import registry
from app.core.registry import Activation

# A point of a JSON request body is about this many bytes ("-1.2345678901234567,"): parsing a body
# costs about as much per point as computing, so a big one is parsed in a thread too.
BYTES_PER_POINT = 20

P = ParamSpec("P")
T = TypeVar("T")

sys.setswitchinterval(settings.GIL_SWITCH_INTERVAL)


async def run_sized(points: int, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work(*args, **kwargs)``, in place for at most ``INLINE_MAX_POINTS`` points, else in a thread.

    ``points`` is the work in points of one function: for an expression, points x its nodes.
    """
    if points <= settings.INLINE_MAX_POINTS:
        return work(*args, **kwargs)
    async with _large_values.get(settings.VALUES_CONCURRENCY):
        return await run_in_threadpool(work, *args, **kwargs)


class LoopSemaphores:
    """One semaphore per event loop: each test client runs its own loop; a server has one."""

    def __init__(self) -> None:
        self._semaphores: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = WeakKeyDictionary()

    def get(self, slots: int) -> asyncio.Semaphore:
        """The running loop's semaphore, made with ``slots`` the first time."""
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.Semaphore(slots)
        return semaphore


_large_values = LoopSemaphores()


async def run_work(work: Callable[[], T], *, drawing: bool = False) -> T:
    """``work()``: a ``drawing`` in a render process when there are any and it can be sent to one, else in a thread."""
    if drawing and settings.RENDER_PROCESSES > 0:
        sent = _pickled(work)
        if sent is not None:
            return await _render_processes.run(sent)  # type: ignore[no-any-return]
    return await run_in_threadpool(run_and_release, work)


def _pickled(work: Callable[[], Any]) -> bytes | None:
    """``work`` as sent to another process; None for a closure or anything else pickle cannot send."""
    out = io.BytesIO()
    try:
        _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(work)
    except (pickle.PicklingError, AttributeError, TypeError):
        return None
    return out.getvalue()


class _Pickler(pickle.Pickler):
    """Sends an activation of the registry by its name: a render process has the same registry, and
    some of its entries hold lambdas (where a kink lies), which pickle cannot send."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Activation):
            try:
                known = registry.get(obj.name)
            except LookupError:
                return NotImplemented
            if known is obj:
                return registry.get, (obj.name,)
        return NotImplemented


class RenderProcesses:
    """``RENDER_PROCESSES`` processes of this worker that draw, started on first use and started again
    if one dies (killed for its memory, say): the drawing in flight then gets a 503 with Retry-After."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    settings.RENDER_PROCESSES,
                    # Not fork: the serving process has threads and an event loop that a child must not inherit.
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_render_process,
                )
            return self._pool

    async def start(self) -> int:
        """Start the processes (one drawing starts one), and wait until one has loaded its fonts: its pid."""
        return await asyncio.wrap_future(self._executor().submit(os.getpid))

    def stop(self) -> None:
        """Stop the processes, after the drawings in flight (a later drawing starts them again)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    async def run(self, pickled: bytes) -> Any:
        pool = self._executor()
        try:
            return await asyncio.wrap_future(pool.submit(_run_pickled, pickled))
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise HTTPException(
                503, "The render process stopped while drawing; retry in 1 s", headers={"Retry-After": "1"}
            ) from None


_render_processes = RenderProcesses()
# For the app's lifespan: a worker is ready once its render processes are, and stops them at shutdown.
start_render_processes = _render_processes.start
stop_render_processes = _render_processes.stop
# Added to a render process's nice value: lower priority than the serving process (unprivileged).
RENDER_NICENESS = 10


def _start_render_process() -> None:
    """In a new render process: leave Ctrl-C to the serving process, which stops this one; exit with
    the serving process however it ends (killed, it cannot stop this one); load the fonts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Where the CPU is short, the kernel runs the serving process first: a cheap request waits less.
    if hasattr(os, "nice"):
        os.nice(RENDER_NICENESS)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), name="exit-with-parent", daemon=True).start()
    from app.render import warm_up

    warm_up()


def _exit_with(parent_sentinel: int) -> None:
    """Wait for the serving process to end, then end this one at once."""
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(0)


def _run_pickled(pickled: bytes) -> Any:
    """In a render process: the work sent, then the memory it freed handed back."""
    return run_and_release(pickle.loads(pickled))


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS, Windows)."""
    try:
        # The symbols the process has loaded, the C library's among them (dlopen(NULL)).
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


# A call through ctypes.CDLL releases the GIL, so trimming does not hold up the event loop.
MALLOC_TRIM = _malloc_trim()


def release_memory() -> None:
    """Hand the memory that the C allocator keeps free back to the system (glibc only; nothing elsewhere).

    A large plot or analysis allocates and frees hundreds of MB (pixels, PNG rows, samples): glibc
    keeps much of it in its heaps, where it counts as the process's memory until reused.
    """
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)


def run_and_release(work: Callable[[], T]) -> T:
    """``work()``, then :func:`release_memory`, whether the work succeeded or not."""
    try:
        return work()
    finally:
        release_memory()
