"""The bounds of app.api.limits: 413 for big bodies, 503 with Retry-After when heavy work is saturated."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.concurrency import run_in_threadpool

from app.config import settings
from app.web.limits import BodySizeLimitMiddleware, HeavyWork

LIMIT = settings.MAX_BODY_BYTES
VALUES = "/v1/activations/relu/values"


def _json_of_size(size: int) -> bytes:
    head, tail = b'{"x": [1.0], "pad": "', b'"}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


def test_body_over_the_limit_by_content_length_is_413(client: TestClient) -> None:
    response = client.post(VALUES, content=_json_of_size(LIMIT + 1), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    assert f"limit of {LIMIT} bytes" in response.json()["detail"]


def test_413_carries_cors_headers_so_a_browser_can_read_it(client: TestClient) -> None:
    headers = {"content-type": "application/json", "origin": "https://example.org"}
    response = client.post(VALUES, content=_json_of_size(LIMIT + 1), headers=headers)
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] in ("*", "https://example.org")


def test_streamed_body_over_the_limit_is_413(client: TestClient) -> None:
    body = _json_of_size(LIMIT + 1)
    chunks = iter([body[: LIMIT // 2], body[LIMIT // 2 :]])  # no Content-Length: sent chunked
    response = client.post(VALUES, content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert f"limit of {LIMIT} bytes" in response.json()["detail"]


def test_body_at_the_limit_is_read_and_judged_on_its_content(client: TestClient) -> None:
    response = client.post(VALUES, content=_json_of_size(LIMIT), headers={"content-type": "application/json"})
    assert response.status_code == 422  # read in full; rejected for the unknown field, not for its size
    assert response.json()["detail"][0]["loc"] == ["body", "pad"]


def test_largest_allowed_request_fits_under_the_body_limit() -> None:
    widest = "-1.2345678901234567e-300"
    body = b'{"x": [' + b", ".join([widest.encode()] * settings.MAX_POINTS) + b"]}"
    assert len(body) <= LIMIT


def test_body_limit_ignores_other_scopes() -> None:
    seen: list[str] = []

    async def inner(scope: dict, receive: object, send: object) -> None:
        seen.append(scope["type"])

    asyncio.run(BodySizeLimitMiddleware(inner, max_bytes=1)({"type": "lifespan"}, None, None))  # type: ignore[arg-type]
    assert seen == ["lifespan"]


Gated = tuple[FastAPI, threading.Event, HeavyWork]
# How long a request waits for a slot: long enough that a slow machine never lets one run out
# before the test has sent the next request, short enough to keep the test quick.
WAIT_SECONDS = 1.0
# Bounds for conditions the tests wait for: generous, for a slow and busy machine, but every wait ends.
DEADLINE_SECONDS = 30.0


@pytest.fixture
def gated_app() -> Iterator[Gated]:
    """A route holding one heavy slot until the test opens the gate."""
    gate = threading.Event()
    heavy = HeavyWork(slots=1, queue=1, wait_seconds=WAIT_SECONDS)
    app = FastAPI()

    @app.get("/heavy")
    async def heavy_route() -> dict[str, bool]:
        async with heavy.slot():
            return {"opened": await run_in_threadpool(gate.wait, DEADLINE_SECONDS)}

    yield app, gate, heavy
    gate.set()


async def _until(condition: Callable[[], bool], what: str) -> None:
    """Let the event loop run until ``condition()`` holds, for at most DEADLINE_SECONDS."""
    async with asyncio.timeout(DEADLINE_SECONDS):
        while not condition():
            await asyncio.sleep(0.005)
    assert condition(), what


def _holding(heavy: HeavyWork) -> Callable[[], bool]:
    return lambda: heavy._semaphore().locked()


def _waiting(heavy: HeavyWork, count: int) -> Callable[[], bool]:
    return lambda: heavy._waiting == count


def test_heavy_work_over_capacity_is_503_with_retry_after(gated_app: Gated) -> None:
    app, gate, heavy = gated_app

    async def scenario() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            first = asyncio.create_task(http.get("/heavy"))
            await _until(_holding(heavy), "the first holding the slot")
            waiting = asyncio.create_task(http.get("/heavy"))
            await _until(_waiting(heavy, 1), "the second waiting in the queue, which is then full")
            refused = await http.get("/heavy")
            timed_out = await waiting
            gate.set()
            return [await first, timed_out, refused]

    held, timed_out, refused = asyncio.run(scenario())
    assert held.status_code == 200
    assert held.json() == {"opened": True}
    for response, why in ((timed_out, f"within {WAIT_SECONDS:g} s"), (refused, "already waiting")):
        assert response.status_code == 503
        assert response.headers["retry-after"] == str(heavy.retry_after) == "1"
        assert why in response.json()["detail"]


def test_heavy_slot_is_released_after_each_request(gated_app: Gated) -> None:
    app, gate, _ = gated_app
    gate.set()
    with TestClient(app) as http:
        statuses = [http.get("/heavy").status_code for _ in range(5)]
    assert statuses == [200] * 5


def test_waiting_request_gets_the_slot_when_it_frees(gated_app: Gated) -> None:
    app, gate, heavy = gated_app

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            first = asyncio.create_task(http.get("/heavy"))
            await _until(_holding(heavy), "the first holding the slot")
            second = asyncio.create_task(http.get("/heavy"))
            await _until(_waiting(heavy, 1), "the second waiting for the slot")
            gate.set()  # frees the first within the second's wait
            return [(await first).status_code, (await second).status_code]

    assert asyncio.run(scenario()) == [200, 200]
