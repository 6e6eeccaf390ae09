"""`make stack` for real: two instances behind Debian's nginx, cached, rate-limited, and a killed instance.

scripts/stack.py runs as `make stack` runs it, on a free port. Each test sends from a loopback address
of its own (127.0.0.x), since nginx limits requests per client address; load tests stay far under the
limit, and the burst test goes far over it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.config import settings

ROOT = Path(__file__).resolve().parents[2]
NGINX = Path("/usr/sbin/nginx")
# Bounds, generous for a slow, busy machine: the stack starting (two instances, then nginx), and stopping.
START_TIMEOUT = 180.0
STOP_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
LOAD_SECONDS = 10.0

pytestmark = pytest.mark.timeout(600)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie left to a container's init is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


@dataclass
class Stack:
    """A running scripts/stack.py: nginx's URL, and each instance's URL and process id."""

    process: subprocess.Popen[bytes]
    log: IO[bytes]
    url: str = ""
    nginx_pid: int = 0
    instances: dict[str, int] = field(default_factory=dict)

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def tail(self) -> str:
        return self.output()[-3000:]

    def client(self, address: str) -> httpx.Client:
        """A client sending from loopback ``address``: nginx counts each address on its own."""
        transport = httpx.HTTPTransport(local_address=address)
        return httpx.Client(base_url=self.url, transport=transport, timeout=REQUEST_TIMEOUT)

    def ports(self) -> list[int]:
        return [int(self.url.rpartition(":")[2])] + [int(url.rpartition(":")[2]) for url in self.instances]


def _wait_started(stack: Stack) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        output = stack.output()
        served = re.search(r"^stack: nginx on (http://\S+) \(pid (\d+)\)", output, re.MULTILINE)
        if served:
            stack.url, stack.nginx_pid = served.group(1), int(served.group(2))
            found = re.findall(r"^stack: instance \d+ on (http://\S+) \(pid (\d+)\)", output, re.MULTILINE)
            stack.instances = {url: int(pid) for url, pid in found}
            assert len(stack.instances) == 2, stack.tail()
            return
        if stack.process.poll() is not None:
            pytest.fail(f"make stack exited with status {stack.process.returncode}:\n{stack.tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"make stack did not start within {START_TIMEOUT:g} s:\n{stack.tail()}")
        time.sleep(0.2)


def _stop(stack: Stack, how: signal.Signals = signal.SIGTERM) -> int | None:
    """Signal the stack, wait for it to exit (its exit status), and kill whatever it left."""
    if stack.process.poll() is None:
        stack.process.send_signal(how)
    try:
        code: int | None = stack.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        code = None
    if code != 0:
        # The stack did not stop its children itself: every process group it and they started goes.
        for pid in [stack.process.pid, stack.nginx_pid, *stack.instances.values()]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if pid:
                    os.killpg(pid, signal.SIGKILL)
    stack.process.wait(timeout=STOP_TIMEOUT)
    return code


def _stack_command(port: int) -> list[str]:
    """The Makefile's `stack` recipe, run with this Python on loopback and ``port``."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(number for number, line in enumerate(lines) if line.startswith("stack:"))
    (recipe,) = [line.strip() for line in itertools.takewhile(lambda line: line.startswith("\t"), lines[start + 1 :])]
    values = {"$(BIN)/python": sys.executable, "$(HOST)": "127.0.0.1", "$(PORT)": str(port)}
    command = [values.get(word, word) for word in shlex.split(recipe)]
    assert not [word for word in command if "$(" in word], recipe
    return command


@contextlib.contextmanager
def running_stack() -> Iterator[Stack]:
    """scripts/stack.py on a free port, as `make stack` starts it; always stopped afterwards."""
    if not NGINX.exists():
        pytest.fail(f"{NGINX} is missing: install Debian's nginx with `apt-get install -y nginx` (.ci/run does)")
    command = _stack_command(_free_port())
    with tempfile.NamedTemporaryFile(prefix="stack-", suffix=".log") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        stack = Stack(process, log)
        try:
            _wait_started(stack)
            yield stack
        finally:
            _stop(stack)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running


def test_make_stack_runs_the_stack_script_on_host_and_port() -> None:
    command = _stack_command(8123)
    assert command[1:] == ["scripts/stack.py", "--host", "127.0.0.1", "--port", "8123"]
    phony = next(line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith(".PHONY:"))
    assert "stack" in phony.split()


def test_ci_installs_nginx_when_it_is_missing() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"[ -x {NGINX} ] || missing+=(nginx)" in ci
    assert 'apt-get install -y "${missing[@]}"' in ci


def _values_url(x_max: float, num: int = 20) -> str:
    return f"/v1/activations/tanh/values?num={num}&x_max={x_max!r}"


def test_a_repeated_get_is_a_cache_hit_with_the_new_request_id(stack: Stack) -> None:
    with stack.client("127.0.0.11") as client:
        first = client.get(_values_url(1.5), headers={"X-Request-ID": "stack-hit-1"})
        again = client.get(_values_url(1.5), headers={"X-Request-ID": "stack-hit-2"})
    assert first.status_code == 200, first.text
    assert first.headers["X-Cache-Status"] == "MISS"
    assert first.headers["X-Upstream"] in {url.removeprefix("http://") for url in stack.instances}
    assert again.status_code == 200
    assert again.headers["X-Cache-Status"] == "HIT"
    assert "X-Upstream" not in again.headers
    assert again.content == first.content
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    # The cached answer was made for stack-hit-1; this answer is to stack-hit-2.
    assert first.headers["X-Request-ID"] == "stack-hit-1"
    assert again.headers["X-Request-ID"] == "stack-hit-2"


def test_an_error_is_not_cached(stack: Stack) -> None:
    with stack.client("127.0.0.12") as client:
        answers = [client.get("/v1/activations/no_such_function/values") for _ in range(2)]
    assert [answer.status_code for answer in answers] == [404, 404]
    assert [answer.headers["X-Cache-Status"] for answer in answers] == ["MISS", "MISS"]
    assert all("X-Upstream" in answer.headers for answer in answers)
    assert "detail" in answers[0].json()


def test_the_request_id_reaches_the_instance_and_comes_back(stack: Stack) -> None:
    with stack.client("127.0.0.13") as client:
        kept = client.get("/v1/activations/no_such_function/values", headers={"X-Request-ID": "stack-id-42"})
        made = client.get("/v1/activations/no_such_function/values")
        replaced = client.get("/v1/activations/no_such_function/values", headers={"X-Request-ID": 'a b"c'})
    assert kept.status_code == 404
    assert kept.headers["X-Request-ID"] == "stack-id-42"
    # The instance's error body names the id it was given.
    assert kept.json()["request_id"] == "stack-id-42"
    for answer in (made, replaced):
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"]), answer.headers
        assert answer.json()["request_id"] == answer.headers["X-Request-ID"]


def test_a_304_passes_through(stack: Stack) -> None:
    # Every instance tags an answer alike: a tag from one is good at any other.
    tags = {httpx.get(url + _values_url(3.5), timeout=REQUEST_TIMEOUT).headers["ETag"] for url in stack.instances}
    assert len(tags) == 1
    (unseen,) = tags
    with stack.client("127.0.0.14") as client:
        first = client.get(_values_url(2.5))
        etag = first.headers["ETag"]
        cached = client.get(_values_url(2.5), headers={"If-None-Match": etag})
        # An answer nginx has not cached yet: its ETag, asked of the instances directly, gets a 304 all the same.
        missed = client.get(_values_url(3.5), headers={"If-None-Match": unseen})
        other = client.get(_values_url(2.5), headers={"If-None-Match": unseen})
    assert first.status_code == 200
    assert cached.status_code == 304
    assert cached.headers["X-Cache-Status"] == "HIT"
    assert cached.headers["ETag"] == etag
    assert cached.content == b""
    assert missed.status_code == 304
    assert missed.headers["X-Cache-Status"] == "MISS"
    assert missed.headers["ETag"] == unseen
    # Another answer's tag: the whole answer.
    assert other.status_code == 200
    assert other.content == first.content


def test_both_instances_answer_a_share(stack: Stack) -> None:
    with stack.client("127.0.0.15") as client:
        answers = [client.get(_values_url(4 + n / 1000)) for n in range(40)]
    assert [answer.status_code for answer in answers] == [200] * 40
    shares = Counter(answer.headers["X-Upstream"] for answer in answers)
    assert set(shares) == {url.removeprefix("http://") for url in stack.instances}
    assert min(shares.values()) >= 10, shares


def test_a_body_over_the_services_limit_gets_a_json_413_from_nginx(stack: Stack) -> None:
    limit = settings.MAX_BODY_BYTES
    headers = {"Content-Type": "application/json"}
    with stack.client("127.0.0.19") as client:
        # At the limit: the body reaches an instance, which finds it is no JSON.
        at_limit = client.post("/v1/activations/relu/values", content=b" " * limit, headers=headers)
        over = client.post("/v1/activations/relu/values", content=b" " * (limit + 1), headers=headers)
    assert at_limit.status_code == 422, at_limit.text
    assert "X-Upstream" in at_limit.headers
    assert over.status_code == 413, over.text
    assert "X-Upstream" not in over.headers
    assert over.headers["Content-Type"] == "application/json"
    assert f"limit of {limit} bytes" in over.json()["detail"]
    assert over.json()["request_id"] == over.headers["X-Request-ID"]


def _requests_counted(instance: str) -> float:
    """The instance's http_requests_total, summed over its labels (and its workers)."""
    text = httpx.get(instance + "/metrics", timeout=REQUEST_TIMEOUT).raise_for_status().text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "http_requests_total"
    )


def test_metrics_count_the_requests_that_reached_each_instance(stack: Stack) -> None:
    before = {instance: _requests_counted(instance) for instance in stack.instances}
    paths = [_values_url(6 + n / 1000) for n in range(15)] * 2  # each answer cached, then a HIT
    paths += ["/v1/activations/no_such_function/values"] * 5  # 404: not cached
    paths += ["/v1/activations/relu/values?num=1"] * 3  # 422: not cached
    paths += ["/v1/activations/relu/plot?width=200&height=150&num=50"] * 2
    with stack.client("127.0.0.16") as client:
        answers = [client.get(path) for path in paths]
    assert Counter(answer.status_code for answer in answers) == {200: 32, 404: 5, 422: 3}
    hits = sum(answer.headers.get("X-Cache-Status") == "HIT" for answer in answers)
    assert hits == 16
    reached = Counter(answer.headers.get("X-Upstream") for answer in answers if "X-Upstream" in answer.headers)
    assert sum(reached.values()) == len(paths) - hits
    # The counters may be written just after the answer went out: wait (boundedly) until they settle.
    deadline = time.monotonic() + 30
    while True:
        counted = {instance: _requests_counted(instance) - before[instance] for instance in stack.instances}
        expected = {instance: reached[instance.removeprefix("http://")] for instance in stack.instances}
        if counted == expected or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert counted == expected
    assert sum(counted.values()) == len(paths) - hits


def _pipelined(stack: Stack, address: str, path: str, count: int) -> list[tuple[int, dict[str, str], bytes]]:
    """``count`` GETs of ``path`` written at once on one connection from ``address``: (status, headers, body) each.

    Pipelined, the requests reach nginx as fast as it reads them, however slow this client is.
    """
    host, _, port = stack.url.removeprefix("http://").rpartition(":")
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    last = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=REQUEST_TIMEOUT, source_address=(address, 0)) as sock:
        sock.sendall(request * (count - 1) + last)
        received = b"".join(iter(lambda: sock.recv(1 << 16), b""))
    answers = []
    while received:
        head, _, rest = received.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        length = int(headers.get("content-length", "0"))
        answers.append((int(status_line.split()[1]), headers, rest[:length]))
        received = rest[length:]
    assert len(answers) == count
    return answers


def test_a_burst_over_the_limit_gets_429_with_retry_after(stack: Stack) -> None:
    path = _values_url(7.5)
    with stack.client("127.0.0.17") as client:
        assert client.get(path).status_code == 200
    answers: list[tuple[int, dict[str, str], bytes]] = []
    # Far more at once than the burst allowed (at most five rounds, for a machine too slow for one).
    for _ in range(5):
        answers += _pipelined(stack, "127.0.0.17", path, 800)
        if any(status == 429 for status, _, _ in answers):
            break
    with stack.client("127.0.0.18") as other:
        during = other.get(path)
    statuses = Counter(status for status, _, _ in answers)
    assert set(statuses) == {200, 429}, statuses
    _, headers, body = next(answer for answer in answers if answer[0] == 429)
    retry_after = int(headers["retry-after"])
    assert retry_after >= 1
    assert headers["content-type"] == "application/json"
    detail = json.loads(body)
    assert "Too many requests" in detail["detail"]
    assert detail["request_id"] == headers["x-request-id"]
    # Per client address: another address is served meanwhile.
    assert during.status_code == 200
    # And the limited address is served again once it waited as told.
    time.sleep(retry_after)
    with stack.client("127.0.0.17") as client:
        assert client.get(path).status_code == 200


@dataclass
class Load:
    """GETs the cache cannot answer (a new x_max each), from a few threads at a bounded rate."""

    stack: Stack
    threads: int = 4
    # Requests a second per thread: 40 in all, far under the limit per address.
    rate: float = 10.0
    answers: list[tuple[float, int, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _numbers: Iterator[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, seconds: float, during: threading.Event) -> None:
        workers = [threading.Thread(target=self._send, args=(seconds,)) for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        during.set()
        for worker in workers:
            worker.join(timeout=seconds + 2 * REQUEST_TIMEOUT)

    def _send(self, seconds: float) -> None:
        start = time.monotonic()
        with self.stack.client("127.0.0.21") as client:
            sent = 0
            while (now := time.monotonic()) < start + seconds:
                with self._lock:
                    number = next(self._numbers)
                try:
                    answer = client.get(_values_url(8 + number / 10_000))
                except httpx.HTTPError as error:
                    with self._lock:
                        self.failures.append(f"{type(error).__name__}: {error}")
                else:
                    with self._lock:
                        self.answers.append((now, answer.status_code, answer.headers.get("X-Upstream", "")))
                sent += 1
                time.sleep(max(0.0, start + sent / self.rate - time.monotonic()))


def test_no_request_fails_when_an_instance_is_killed_mid_load() -> None:
    with running_stack() as stack:
        victim, survivor = (url.removeprefix("http://") for url in stack.instances)
        load = Load(stack)
        started = threading.Event()
        loader = threading.Thread(target=load.run, args=(LOAD_SECONDS, started))
        loader.start()
        started.wait(timeout=REQUEST_TIMEOUT)
        time.sleep(LOAD_SECONDS / 3)
        killed_at = time.monotonic()
        os.killpg(stack.instances[f"http://{victim}"], signal.SIGKILL)
        loader.join(timeout=LOAD_SECONDS + 3 * REQUEST_TIMEOUT)
        assert not loader.is_alive()
        assert load.failures == []
        statuses = Counter(status for _, status, _ in load.answers)
        assert statuses == {200: len(load.answers)}, statuses
        # The instance that answered is the last one nginx tried.
        answered = [(sent, upstream.split(", ")[-1]) for sent, _, upstream in load.answers]
        before = Counter(upstream for sent, upstream in answered if sent < killed_at)
        after = [upstream for sent, upstream in answered if sent > killed_at + 1]
        # Both served before the kill; afterwards the survivor served everything, the load went on.
        assert before[victim] > 0 and before[survivor] > 0, before
        assert len(after) >= 20
        assert set(after) == {survivor}
        # The stack said so, and kept serving.
        assert re.search(r"instance \d+ \(http://" + re.escape(victim) + r"\) exited", stack.output()), stack.tail()
        assert stack.process.poll() is None
        # Ctrl-C stops the rest.
        assert _stop(stack, signal.SIGINT) == 0, stack.tail()
        assert not _listening(int(survivor.rpartition(":")[2]))


def test_sigterm_stops_nginx_and_both_instances() -> None:
    with running_stack() as stack:
        ports = stack.ports()
        pids = [stack.nginx_pid, *stack.instances.values()]
        assert all(_listening(port) for port in ports)
        stack.process.send_signal(signal.SIGTERM)
        assert stack.process.wait(timeout=STOP_TIMEOUT) == 0, stack.tail()
        assert [pid for pid in pids if _running(pid)] == []
        assert [port for port in ports if _listening(port)] == []
        assert "stack: stopped" in stack.output()
