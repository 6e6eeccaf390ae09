"""Graceful shutdown: on SIGTERM the server finishes the requests in flight, then exits cleanly.

The real uvicorn, started as `make run` starts it (a supervisor and two workers), in a
subprocess; the app is the service plus one route that takes two seconds. Every wait ends on a
condition (the request has started, the answer came, the process is gone) within a generous bound.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from .live_server import STOP_SECONDS, live_server, make_run_environment, wait_until
from .slow_route import SLOW_SECONDS, STARTED_FILE_ENV

pytestmark = pytest.mark.timeout(600)


def test_sigterm_lets_the_request_in_flight_finish(tmp_path: Path) -> None:
    started_file = tmp_path / "started"
    env = {**make_run_environment(), STARTED_FILE_ENV: str(started_file)}
    answers: list[httpx.Response | Exception] = []
    answered_at: list[float] = []

    with live_server("tests.api.slow_app:app", workers=2, env=env) as server:

        def slow_request() -> None:
            try:
                answers.append(httpx.get(f"{server.url}/test-only/slow", timeout=STOP_SECONDS))
            except httpx.HTTPError as exc:
                answers.append(exc)
            answered_at.append(time.monotonic())

        client = threading.Thread(target=slow_request)
        client.start()
        wait_until(started_file.exists, STOP_SECONDS, "the slow request starting")
        signalled = time.monotonic()
        os.kill(server.process.pid, signal.SIGTERM)
        client.join(timeout=STOP_SECONDS)
        exit_code = server.process.wait(timeout=STOP_SECONDS)
        stopped = time.monotonic()

    assert not client.is_alive()
    (answer,) = answers
    assert isinstance(answer, httpx.Response), answer
    assert answer.status_code == 200
    assert answer.json() == {"slept": SLOW_SECONDS}
    assert exit_code == 0
    # It waited for the request: the answer came after SIGTERM, and the server stopped after it.
    assert signalled < answered_at[0] <= stopped
