"""`make stack`'s arrangement measured: requests per second per replica behind nginx, nginx's cache, a killed instance.

Starts scripts/stack.py (nginx in front of one instance, then two) on free ports with its rate limit
raised out of the way (one load generator is one client address), and prints a Markdown summary:

- uncacheable small values requests (a new x_max each) through nginx, per replica, beside the
  same requests sent to one instance directly;
- the hit rate of nginx's cache over a repeated workload: the article's four functions, values
  and plots, requested again and again by clients that do and do not accept gzip;
- a 10-second load during which one of the two instances is killed (SIGKILL): requests sent, failed.

Load comes from wrk (with bench/load.lua) when it is installed, else from Python threads.

    .venv/bin/python bench/stack_bench.py [--duration 10] [--connections 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
VALUES = "/v1/activations/relu/values?num=100"
ARTICLE = ("relu", "leaky_relu", "sigmoid", "tanh")
# Far above any load generated here: the benchmark measures the service and the cache, not the limit.
UNLIMITED = ["--rate", "1000000", "--burst", "1000000"]


@dataclass
class Stack:
    url: str
    instances: dict[str, int]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_stack(instances: int) -> Iterator[Stack]:
    """scripts/stack.py with ``instances`` instances, until the block ends."""
    port = free_port()
    command = [sys.executable, "scripts/stack.py", "--port", str(port), "--instances", str(instances)]
    command += [*UNLIMITED, "--no-access-log"]
    with tempfile.NamedTemporaryFile(prefix="stack-", suffix=".log") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180
            while "stack: nginx on" not in (output := Path(log.name).read_text(errors="replace")):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the stack did not start:\n{output[-3000:]}")
                time.sleep(0.2)
            found = re.findall(r"^stack: instance \d+ on (http://\S+) \(pid (\d+)\)", output, re.MULTILINE)
            yield Stack(f"http://127.0.0.1:{port}", {url: int(pid) for url, pid in found})
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                process.kill()  # its children get SIGTERM as it dies (scripts/stack.py)
                process.wait()
                print(f"the stack did not stop within 90 s:\n{Path(log.name).read_text()[-3000:]}", file=sys.stderr)


def wrk_load(url: str, seconds: float, connections: int, run: int) -> dict[str, int]:
    """wrk on ``url`` with a new x_max each request: requests, duration_us, errors, non2xx."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s", "-s", "bench/load.lua"]
    out = subprocess.run([*command, url, "--", str(run), "x_max=5"], cwd=ROOT, capture_output=True, text=True).stdout
    found = re.search(r"^BENCH (.*)$", out, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    return dict(json.loads(found.group(1)))


def python_load(url: str, seconds: float, connections: int, run: int) -> dict[str, int]:
    """The same load from Python threads, one connection each, when wrk is missing."""
    numbers = itertools.count()
    lock = threading.Lock()
    totals = Counter[str]()

    def send(deadline: float) -> None:
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < deadline:
                with lock:
                    x_max = 5 + run * 0.001 + next(numbers) * 1e-8
                try:
                    failed = client.get(f"{url}&x_max={x_max:.10f}").status_code >= 300
                    outcome = "non2xx" if failed else "ok"
                except httpx.HTTPError:
                    outcome = "errors"
                with lock:
                    totals[outcome] += 1

    start = time.monotonic()
    threads = [threading.Thread(target=send, args=(start + seconds,)) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    requests = sum(totals.values())
    return {
        "requests": requests,
        "duration_us": int(elapsed * 1e6),
        "errors": totals["errors"],
        "non2xx": totals["non2xx"],
    }


def load(url: str, seconds: float, connections: int, run: int) -> dict[str, int]:
    drive = wrk_load if shutil.which("wrk") else python_load
    return drive(url, seconds, connections, run)


def per_second(result: dict[str, int]) -> float:
    return result["requests"] / (result["duration_us"] / 1e6)


def throughput(seconds: float, connections: int, rounds: int) -> list[tuple[str, int, float]]:
    """(case, replicas, median requests a second): one instance directly, nginx in front of one and of two.

    Both stacks run throughout and the cases take turns, round after round, so that load from
    elsewhere on the machine falls on each alike.
    """
    with running_stack(1) as one, running_stack(2) as two:
        cases = [("one instance, directly", 1, next(iter(one.instances))), ("nginx + 1 instance", 1, one.url)]
        cases.append(("nginx + 2 instances", 2, two.url))
        runs = itertools.count()
        for _, _, url in cases:  # warm-up
            load(url + VALUES, 2, connections, next(runs))
        measured: dict[str, list[float]] = {case: [] for case, _, _ in cases}
        for _ in range(rounds):
            for case, _, url in cases:
                measured[case].append(per_second(load(url + VALUES, seconds, connections, next(runs))))
    return [(case, replicas, statistics.median(measured[case])) for case, replicas, _ in cases]


def requests_counted(instance: str) -> float:
    text = httpx.get(instance + "/metrics", timeout=30).raise_for_status().text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "http_requests_total"
    )


def article_urls() -> list[str]:
    urls = []
    for name in ARTICLE:
        urls += [f"/v1/activations/{name}/values", f"/v1/activations/{name}/values?format=csv"]
        urls += [f"/v1/activations/{name}/plot", f"/v1/activations/{name}/plot?format=svg"]
    return urls


def hit_rate(rounds: int = 20, clients: int = 4) -> dict[str, float]:
    """The article's URLs, each requested ``rounds`` times in a random order by clients with and without gzip."""
    work = [(url, encoding) for url in article_urls() for _ in range(rounds) for encoding in ("gzip", "identity")]
    random.Random(0).shuffle(work)
    statuses = Counter[str]()
    lock = threading.Lock()
    with running_stack(2) as stack:
        before = sum(requests_counted(instance) for instance in stack.instances)

        def send(share: list[tuple[str, str]]) -> None:
            with httpx.Client(base_url=stack.url, timeout=60) as client:
                for url, encoding in share:
                    answer = client.get(url, headers={"Accept-Encoding": encoding})
                    with lock:
                        statuses[
                            answer.headers.get("X-Cache-Status", "") if answer.status_code == 200 else "failed"
                        ] += 1

        threads = [threading.Thread(target=send, args=(work[n::clients],)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(1)  # counters are written just after the answers go out
        reached = sum(requests_counted(instance) for instance in stack.instances) - before
    sent = len(work)
    return {
        "sent": sent,
        "distinct": len(article_urls()),
        "hits": statuses["HIT"],
        "failed": statuses["failed"],
        "reached": reached,
        "hit_rate": statuses["HIT"] / sent,
    }


def killed_instance(seconds: float, connections: int) -> dict[str, float]:
    """A load of ``seconds`` through nginx in front of two instances; one is killed a third of the way in."""
    with running_stack(2) as stack:
        load(stack.url + VALUES, 2, connections, 1000)
        result: dict[str, int] = {}
        loader = threading.Thread(target=lambda: result.update(load(stack.url + VALUES, seconds, connections, 1001)))
        loader.start()
        time.sleep(seconds / 3)
        os.killpg(next(iter(stack.instances.values())), signal.SIGKILL)
        loader.join()
    return {"sent": result["requests"], "failed": result["errors"] + result["non2xx"], "rps": per_second(result)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each load")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections of each load")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the throughput cases (the median is shown)")
    args = parser.parse_args()
    generator = "wrk" if shutil.which("wrk") else "Python threads"
    rows = throughput(args.duration, args.connections, args.rounds)
    cache = hit_rate()
    killed = killed_instance(args.duration, args.connections)

    print(f"### make stack, measured ({os.cpu_count()} cores, {generator}, {args.connections} connections)\n")
    print(f"Median of {args.rounds} rounds of {args.duration:g} s, the cases in turn.\n")
    print("| uncacheable values requests (relu, num=100, a new x_max each) | replicas | requests/s | per replica |")
    print("| --- | ---: | ---: | ---: |")
    for case, replicas, rps in rows:
        print(f"| {case} | {replicas} | {rps:,.0f} | {rps / replicas:,.0f} |")
    print(
        f"\nRepeated workload: the article's {cache['distinct']} URLs (values JSON and CSV, plots PNG and SVG of "
        f"relu, leaky_relu, sigmoid, tanh), {cache['sent']:.0f} requests in a random order, with and without gzip: "
        f"nginx's cache answered {cache['hits']:.0f} ({cache['hit_rate']:.1%}); the instances' /metrics counted "
        f"{cache['reached']:.0f} requests; {cache['failed']:.0f} failed."
    )
    print(
        f"\nKilled instance: {killed['sent']:.0f} uncacheable requests in {args.duration:g} s "
        f"({killed['rps']:,.0f}/s) through nginx in front of two instances, one killed (SIGKILL) a third of the "
        f"way in: {killed['failed']:.0f} failed."
    )


if __name__ == "__main__":
    main()
