"""The real uvicorn in a subprocess, for tests of what only a running server shows (shutdown, memory).

Every wait is bounded and generous, for a slow and busy machine, and ends on a condition, not a
pause: the server is ready when it answers, stopped when its process is gone. Whatever happens
in the test, the server is killed on the way out.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]
# Start-up imports numpy, scipy and matplotlib and draws a first plot: seconds when idle, far more when not.
START_SECONDS = 180.0
STOP_SECONDS = 60.0
POLL_SECONDS = 0.1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_run_environment() -> dict[str, str]:
    """The variables `make run` exports to the server (the allocator's settings), read from the Makefile."""
    makefile = (ROOT / "Makefile").read_text()
    found = dict(re.findall(r"^(?:[\w-]+ )*run(?: [\w-]+)*: export (\w+) = (\S+)$", makefile, flags=re.MULTILINE))
    assert found, "the Makefile's run target exports no variables"
    return found


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: IO[bytes]

    def log_tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def processes(self) -> list[int]:
        """The server's process and every process under it (workers, render processes), read from /proc."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                todo += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
            except OSError:
                continue
        return found


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``condition()`` until it is true, for at most ``seconds``; AssertionError naming ``what`` after that."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds:g} s")
        time.sleep(POLL_SECONDS)


@contextmanager
def live_server(
    app: str = "app.main:app", *, workers: int | None = None, env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """uvicorn serving ``app`` on a free port until the block ends, ready (``/healthz`` answers 200) when entered."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning"]
    if workers is not None:
        command += ["--workers", str(workers)]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed on the way out)
    # A session of its own, so that the supervisor and its workers are killed together.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_ready(server)
        yield server
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        try:
            process.wait(timeout=STOP_SECONDS)
        finally:
            log.close()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if server.process.poll() is not None:
            raise AssertionError(f"the server exited while starting: {server.log_tail()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not answer within {START_SECONDS:g} s: {server.log_tail()}")
        time.sleep(POLL_SECONDS)
