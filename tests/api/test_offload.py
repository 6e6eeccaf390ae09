"""Where work runs: small values requests on the event loop, big ones in a thread, drawings in a render
process; the same bytes wherever."""

import asyncio
import os
import pickle
import platform
import threading
import time
import types
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from app.api import curves
from app.config import settings
from app.core import registry
from app.web import encoding, offload

# (method, path, query, JSON body): each is 200 points of work or more.
REQUESTS = [
    ("GET", "/v1/activations/gelu/values", {"num": 300, "approximate": "tanh"}, None),
    ("POST", "/v1/activations/elu/values", {}, {"x": [i / 7 - 20 for i in range(300)], "params": {"alpha": 0.5}}),
    ("GET", "/v1/expressions/values", {"expr": "x * sigmoid(2*x)", "num": 300}, None),
    ("POST", "/v1/expressions/values", {}, {"expr": "tanh(x)**2", "x": [i / 9 for i in range(300)]}),
    ("GET", "/v1/compare/values", {"f": ["relu", "softplus(x, beta=2)"], "num": 300}, None),
]


@pytest.fixture
def encoding_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The thread of every JSON answer the routes encode."""
    threads: list[int] = []

    def dumps(*args: Any, **kwargs: Any) -> bytes:
        threads.append(threading.get_ident())
        return orjson.dumps(*args, **kwargs)

    proxy = types.SimpleNamespace(**{name: getattr(orjson, name) for name in dir(orjson) if name.startswith("OPT_")})
    proxy.dumps = dumps
    monkeypatch.setattr(encoding, "orjson", proxy)
    return threads


@pytest.mark.parametrize(("method", "path", "query", "body"), REQUESTS, ids=[f"{m} {p}" for m, p, _, _ in REQUESTS])
def test_work_in_a_thread_gives_the_bytes_of_work_in_place(
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    encoding_threads: list[int],
    method: str,
    path: str,
    query: dict[str, object],
    body: dict[str, object] | None,
) -> None:
    answers = []
    for limit in (10**9, 0):
        monkeypatch.setattr(settings, "INLINE_MAX_POINTS", limit)
        curves.values_cache.clear()
        answer = client.request(method, path, params=query, json=body)
        assert answer.status_code == 200, answer.text
        answers.append(answer.content)
    assert answers[0] == answers[1]
    # The first answer was encoded on the event loop's thread, the last on a worker thread.
    assert encoding_threads[0] != encoding_threads[-1]


def test_a_drawing_runs_in_a_render_process() -> None:
    pid = asyncio.run(offload.run_work(partial(os.getpid), drawing=True))
    assert pid != os.getpid()
    # The same process draws the next one: it is kept, not started per drawing.
    assert asyncio.run(offload.run_work(partial(os.getpid), drawing=True)) == pid


@pytest.mark.skipif(not hasattr(os, "nice"), reason="process priorities are POSIX's")
def test_a_render_process_runs_at_a_lower_cpu_priority_than_the_serving_one() -> None:
    niceness = asyncio.run(offload.run_work(partial(os.nice, 0), drawing=True))
    assert niceness == min(19, os.nice(0) + offload.RENDER_NICENESS)


def test_render_processes_start_ready_and_stop_for_the_lifespan() -> None:
    started = asyncio.run(offload.start_render_processes())
    assert started != os.getpid()
    assert asyncio.run(offload.run_work(partial(os.getpid), drawing=True)) == started
    offload.stop_render_processes()
    assert not Path(f"/proc/{started}").exists() or platform.system() != "Linux"
    # A drawing after the stop starts a new one.
    assert asyncio.run(offload.run_work(partial(os.getpid), drawing=True)) not in (started, os.getpid())


def test_work_that_cannot_be_sent_to_a_process_runs_in_a_thread_of_this_one() -> None:
    here = os.getpid()
    assert asyncio.run(offload.run_work(lambda: (os.getpid(), threading.get_ident()), drawing=True))[0] == here
    assert asyncio.run(offload.run_work(partial(os.getpid))) == here  # not a drawing


def test_without_render_processes_a_drawing_runs_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "RENDER_PROCESSES", 0)
    assert asyncio.run(offload.run_work(partial(os.getpid), drawing=True)) == os.getpid()


def test_a_render_process_that_dies_gives_503_and_the_next_drawing_gets_a_new_one() -> None:
    before = asyncio.run(offload.run_work(partial(os.getpid), drawing=True))
    with pytest.raises(HTTPException) as died:
        asyncio.run(offload.run_work(partial(os._exit, 1), drawing=True))
    assert died.value.status_code == 503
    assert died.value.headers == {"Retry-After": "1"}
    after = asyncio.run(offload.run_work(partial(os.getpid), drawing=True))
    assert after not in (before, os.getpid())


@pytest.mark.parametrize(
    "url",
    [
        "/v1/activations/gelu/plot?width=300&height=200&order=2",
        "/v1/compare/plot?f=relu&f=tanh&format=svg",
        "/v1/activations/tanh/precision/plot",
        "/v1/activations/softplus/plot?beta=2",
        "/v1/expressions/plot?expr=x*softplus(x, beta=3)",
    ],
)
def test_a_plot_drawn_in_a_render_process_has_the_bytes_of_one_drawn_in_a_thread(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    drawn = []
    for processes in (1, 0):
        monkeypatch.setattr(settings, "RENDER_PROCESSES", processes)
        curves.image_cache.clear()
        response = client.get(url)
        assert response.status_code == 200, response.text
        drawn.append(response.content)
    assert drawn[0] == drawn[1]


@pytest.mark.parametrize("name", registry.NAMES)
def test_every_activation_can_be_sent_to_a_render_process_as_itself(name: str) -> None:
    activation = registry.get(name)
    sent = offload._pickled(partial(id, activation))
    assert sent is not None
    assert pickle.loads(sent).args == (activation,)


def test_release_memory_trims_the_c_heap_where_glibc_has_it() -> None:
    # On glibc the function is found and callable; elsewhere it is None and releasing does nothing.
    if platform.libc_ver()[0] == "glibc":
        assert offload.MALLOC_TRIM is not None
    offload.release_memory()


@pytest.mark.parametrize("allowed", [1, 3])
def test_at_most_values_concurrency_big_values_requests_compute_at_once(
    monkeypatch: pytest.MonkeyPatch, allowed: int
) -> None:
    monkeypatch.setattr(settings, "VALUES_CONCURRENCY", allowed)
    running = 0
    most = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.2)
        with lock:
            running -= 1

    async def main() -> None:
        await asyncio.gather(*(offload.run_sized(settings.INLINE_MAX_POINTS + 1, work) for _ in range(6)))

    asyncio.run(main())
    assert most == allowed
