"""``python -m app.serve``, the real launcher in a subprocess: metrics summed over workers, JSON logs, SIGTERM.

Every server is stopped in the fixture's ``finally``, killed if it does not stop within a bound.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
VALUES = "/v1/activations/relu/values"
VALUES_ROUTE = "/v1/activations/{name}/values"
START_SECONDS = 120  # a cold start imports numpy, scipy and matplotlib in each worker: slow on a busy machine
pytestmark = pytest.mark.timeout(600)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: IO[bytes]
    metrics_dir: Path

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if httpx.get(f"{server.base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not become ready: {server.stderr()[-3000:]}")


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Starts ``python -m app.serve`` with the given uvicorn options and settings; stops it afterwards."""
    started: list[Server] = []

    def start(*options: str, **env: str) -> Server:
        port = _free_port()
        metrics_dir = tmp_path / f"metrics-{port}"
        # A previous run's file, and not a valid one: the launcher must empty the directory before workers start.
        metrics_dir.mkdir()
        (metrics_dir / "counter_1.db").write_bytes(b"left over")
        log = (tmp_path / f"stderr-{port}").open("w+b")
        command = [sys.executable, "-m", "app.serve", "--host", "127.0.0.1", "--port", str(port), *options]
        environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), **env}
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=log)
        server = Server(process, f"http://127.0.0.1:{port}", log, metrics_dir)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.terminate()
                try:
                    server.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.process.kill()
                    server.process.wait(timeout=20)
            server.log.close()


def _requests_total(text: str, route: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels["route"] == route
    )


def test_metrics_sum_the_requests_of_every_worker(launch: Callable[..., Server]) -> None:
    server = launch("--workers", "2", ACT_LOG_FORMAT="json")
    _wait_ready(server)
    sent = 40
    with httpx.Client(base_url=server.base, timeout=30) as http:
        # A new connection each time, so that both workers take a share.
        statuses = [
            http.get(VALUES, params={"num": 5 + i % 3}, headers={"Connection": "close"}).status_code
            for i in range(sent)
        ]
        scraped = http.get("/metrics")
    assert statuses == [200] * sent
    assert scraped.status_code == 200
    assert _requests_total(scraped.text, VALUES_ROUTE) == sent
    assert not (server.metrics_dir / "counter_1.db").exists()
    assert any(path.name.startswith("counter_") for path in server.metrics_dir.iterdir())


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_one_json_line_per_request_and_no_uvicorn_access_log(launch: Callable[..., Server]) -> None:
    server = launch("--workers", "1", ACT_LOG_FORMAT="json")
    _wait_ready(server)
    with httpx.Client(base_url=server.base, timeout=30) as http:
        first = http.get(VALUES, params={"num": 9}, headers={"X-Request-ID": "log-line-1"})
        second = http.get(VALUES, params={"num": 9}, headers={"X-Request-ID": "log-line-2"})
        missing = http.get("/v1/activations/no_such_function", headers={"X-Request-ID": "log-line-3"})
    assert (first.status_code, second.status_code, missing.status_code) == (200, 200, 404)
    server.process.terminate()
    server.process.wait(timeout=30)
    records = _json_lines(server.stderr())
    assert records, server.stderr()[-2000:]
    by_id = {r.get("request_id"): r for r in records if r.get("logger") == "app.access"}
    line = by_id["log-line-1"]
    assert line["method"] == "GET"
    assert line["route"] == VALUES_ROUTE
    assert line["path"] == VALUES
    assert line["status"] == 200
    assert line["bytes"] == len(first.content)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["time"].startswith(time.strftime("%Y-", time.gmtime()))
    assert (line["cache"], by_id["log-line-2"]["cache"], by_id["log-line-3"]["cache"]) == ("miss", "hit", "uncacheable")
    assert by_id["log-line-3"]["status"] == 404
    assert not [r for r in records if r.get("logger") == "uvicorn.access"]
    # Every line is JSON: uvicorn's own as well.
    assert all(line.startswith("{") for line in server.stderr().splitlines() if line.strip())


def test_readyz_is_503_from_sigterm_on_until_the_server_stops(launch: Callable[..., Server]) -> None:
    server = launch("--workers", "1", ACT_SHUTDOWN_DELAY_SECONDS="4")
    _wait_ready(server)
    assert httpx.get(f"{server.base}/readyz", timeout=10).status_code == 200
    os.kill(server.process.pid, signal.SIGTERM)
    # Within the delay the listener is still open, and says it is draining.
    response = httpx.get(f"{server.base}/readyz", timeout=10)
    assert response.status_code == 503
    assert response.json()["status"] == "draining"
    assert httpx.get(f"{server.base}/livez", timeout=10).status_code == 200
    # Then uvicorn's own handling goes on: it stops, as it does on SIGTERM.
    exit_code = server.process.wait(timeout=60)
    assert exit_code in (0, 128 + signal.SIGTERM), server.stderr()[-2000:]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.base}/readyz", timeout=5)


def test_the_launcher_sets_up_logging_and_the_access_log_unless_told_otherwise(tmp_path: Path) -> None:
    from app.serve import uvicorn_args

    default = uvicorn_args(["--port", "1"], tmp_path)
    assert default[0] == "app.main:app"
    assert default[default.index("--log-config") + 1] == str(tmp_path / "logging.json")
    assert json.loads((tmp_path / "logging.json").read_text())["version"] == 1
    assert "--no-access-log" in default
    assert default[-2:] == ["--port", "1"]
    chosen = uvicorn_args(["--log-config=mine.json", "--access-log"], tmp_path)
    assert chosen == ["app.main:app", "--log-config=mine.json", "--access-log"]


def test_the_launcher_makes_a_fresh_metrics_dir_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.serve import MULTIPROC_ENV, metrics_dir

    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    directory, made_here = metrics_dir()
    try:
        assert made_here
        assert directory.is_dir()
        assert list(directory.iterdir()) == []
    finally:
        directory.rmdir()


def test_the_launcher_serves_another_app_when_one_is_named_first(tmp_path: Path) -> None:
    from app.serve import uvicorn_args

    assert uvicorn_args(["bench.floor_app:app", "--port", "1"], tmp_path)[0] == "bench.floor_app:app"
    assert uvicorn_args(["--port", "1"], tmp_path)[-2:] == ["--port", "1"]
