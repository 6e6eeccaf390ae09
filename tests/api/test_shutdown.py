"""Graceful shutdown: on SIGTERM the server finishes the requests in flight, then exits cleanly.

The real uvicorn, started as `make run` starts it (a supervisor and two workers), in a
subprocess; the app is the service plus one route that takes two seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "tests.api.slow_app:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "2", "--log-level", "warning"]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed after the yield)
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.seek(0)
                raise RuntimeError(f"the server did not start: {log.read().decode()[-2000:]}") from None
            time.sleep(0.1)
    yield process, base
    if process.poll() is None:
        process.kill()
        process.wait()
    log.close()


def test_sigterm_lets_the_request_in_flight_finish(server: tuple[subprocess.Popen[bytes], str]) -> None:
    process, base = server
    answers: list[httpx.Response | Exception] = []

    def slow_request() -> None:
        try:
            answers.append(httpx.get(f"{base}/test-only/slow", timeout=30))
        except httpx.HTTPError as exc:
            answers.append(exc)

    client = threading.Thread(target=slow_request)
    client.start()
    time.sleep(0.5)  # the request is being served: it takes 2 s
    signalled = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    client.join(timeout=30)
    exit_code = process.wait(timeout=30)
    stopped_after = time.monotonic() - signalled

    (answer,) = answers
    assert isinstance(answer, httpx.Response), answer
    assert answer.status_code == 200
    assert answer.json() == {"slept": 2.0}
    assert exit_code == 0
    assert 1.0 < stopped_after < 20  # it waited for the request, and no longer than needed
