"""``make bench``: the service against the floor and the straightforward version, over HTTP.

Starts three servers with uvicorn on free ports, with the same settings: the service with a
no-op floor route (``bench/floor_app.py``) in one worker process and in two, and the
straightforward version (``bench/straightforward_app.py``) in one. Drives each case with wrk
(one thread, 8 connections), or with a Python async client if wrk is missing; rounds are
interleaved so that load from elsewhere on the machine falls on every case alike. Then times
serialisation, parsing and gzip in-process, samples where the service spends its time with
py-spy, and writes ``bench/RESULTS.md``.

    .venv/bin/python bench/run_bench.py [--duration 2] [--rounds 3] [--no-profile]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import micro, profile  # noqa: E402

CONNECTIONS = 8
VALUES = "/v1/activations/sigmoid/values"
PLOT = "/v1/activations/leaky_relu/plot"
SERVERS = {
    "service": ("bench.floor_app:app", 1),
    "service, 2 workers": ("bench.floor_app:app", 2),
    "straightforward": ("bench.straightforward_app:app", 1),
    # Started as `make run` starts the service (python -m app.serve: metrics, a JSON log line per request),
    # with that request telemetry on and off: what it costs a request.
    "launched, telemetry on": ("bench.floor_app:app", 1),
    "launched, telemetry off": ("bench.floor_app:app", 1),
}
TELEMETRY = {"launched, telemetry on": "true", "launched, telemetry off": "false"}


@dataclass(frozen=True)
class Case:
    label: str
    server: str
    path: str
    post: bool = False
    # "name=start": every request adds this query parameter with a new value, so no cache answers it.
    cold: str = ""
    headers: tuple[str, ...] = ()


SLOPE = "negative_slope=0.01"
X_MAX = "x_max=5"
CASES = [
    Case("floor: no-op `def` route", "service", "/bench/floor"),
    Case(
        "floor: no-op `async def` route with a path parameter, sending a values answer's bytes and headers",
        "service",
        "/bench/floor-async/sigmoid/values",
    ),
    # Next to the values rows it is compared with, so that both see the machine alike.
    Case("floor: no-op `async def` route", "service", "/bench/floor-async"),
    Case("floor: no-op `async def` route", "launched, telemetry on", "/bench/floor-async"),
    Case("floor: no-op `async def` route", "launched, telemetry off", "/bench/floor-async"),
    Case("values num=100, JSON", "service", f"{VALUES}?num=100"),
    Case("values num=100, JSON, cold (new x_max each time)", "service", f"{VALUES}?num=100", cold=X_MAX),
    Case("values num=100, JSON", "straightforward", f"{VALUES}?num=100"),
    Case("values num=100,000, JSON", "service", f"{VALUES}?num=100000"),
    Case("values num=100,000, JSON, cold (new x_max each time)", "service", f"{VALUES}?num=100000", cold=X_MAX),
    Case("values num=100,000, JSON", "straightforward", f"{VALUES}?num=100000"),
    Case("values num=100,000, NPY", "service", f"{VALUES}?num=100000&format=npy"),
    Case(
        "values num=100,000, NPY, cold (new x_max each time)", "service", f"{VALUES}?num=100000&format=npy", cold=X_MAX
    ),
    Case(
        "values num=100,000, CSV, cold (new x_max each time)", "service", f"{VALUES}?num=100000&format=csv", cold=X_MAX
    ),
    # In the half-precision dtypes, as PyTorch's CPU kernels compute them: each against float64.
    Case(
        "values num=100,000, JSON, float16, cold (new x_max each time)",
        "service",
        f"{VALUES}?num=100000&dtype=float16",
        cold=X_MAX,
    ),
    Case(
        "values num=100,000, JSON, bfloat16, cold (new x_max each time)",
        "service",
        f"{VALUES}?num=100000&dtype=bfloat16",
        cold=X_MAX,
    ),
    # The second and third derivatives beside f and f': each order's cost against order 1.
    Case(
        "values num=100,000, JSON, order=2, cold (new x_max each time)",
        "service",
        f"{VALUES}?num=100000&order=2",
        cold=X_MAX,
    ),
    Case(
        "values num=100,000, JSON, order=3, cold (new x_max each time)",
        "service",
        f"{VALUES}?num=100000&order=3",
        cold=X_MAX,
    ),
    Case(
        "values num=100,000, NPY, order=2, cold (new x_max each time)",
        "service",
        f"{VALUES}?num=100000&format=npy&order=2",
        cold=X_MAX,
    ),
    Case(
        "values num=100,000, NPY, order=3, cold (new x_max each time)",
        "service",
        f"{VALUES}?num=100000&format=npy&order=3",
        cold=X_MAX,
    ),
    Case(
        "values num=100,000, JSON, gzip, cold (new x_max each time)",
        "service",
        f"{VALUES}?num=100000",
        cold=X_MAX,
        headers=("Accept-Encoding: gzip",),
    ),
    Case(
        "values num=100,000, JSON, decimals=4, gzip, cold (new x_max each time)",
        "service",
        f"{VALUES}?num=100000&decimals=4",
        cold=X_MAX,
        headers=("Accept-Encoding: gzip",),
    ),
    Case("POST 100,000 points, JSON", "service", VALUES, post=True),
    Case("POST 100,000 points, JSON", "straightforward", VALUES, post=True),
    Case("plot cold (new negative_slope each time)", "service", PLOT, cold=SLOPE),
    Case("plot cold (new negative_slope each time)", "service, 2 workers", PLOT, cold=SLOPE),
    Case("plot cold (new negative_slope each time)", "straightforward", PLOT, cold=SLOPE),
    Case("plot repeated", "service", PLOT),
    Case("plot repeated", "service, 2 workers", PLOT),
    Case("plot repeated", "straightforward", PLOT),
]

FLOOR, FLOOR_ASYNC = "floor: no-op `def` route", "floor: no-op `async def` route"
FLOOR_SHAPED = "floor: no-op `async def` route with a path parameter, sending a values answer's bytes and headers"
V100, V100K, NPY = "values num=100, JSON", "values num=100,000, JSON", "values num=100,000, NPY"
COLD_VALUES = ", cold (new x_max each time)"
FLOAT16_JSON = "values num=100,000, JSON, float16" + COLD_VALUES
BFLOAT16_JSON = "values num=100,000, JSON, bfloat16" + COLD_VALUES
ORDER2_JSON = "values num=100,000, JSON, order=2" + COLD_VALUES
ORDER3_JSON = "values num=100,000, JSON, order=3" + COLD_VALUES
ORDER2_NPY = "values num=100,000, NPY, order=2" + COLD_VALUES
ORDER3_NPY = "values num=100,000, NPY, order=3" + COLD_VALUES
POST, COLD, REPEATED = "POST 100,000 points, JSON", "plot cold (new negative_slope each time)", "plot repeated"
ONE, TWO, STRAIGHT = "service", "service, 2 workers", "straightforward"
# (what, numerator (case, server), denominator (case, server), target)
RATIOS = [
    ("values num=100 / floor (`def`)", (V100, ONE), (FLOOR, ONE), 0.9),
    ("values num=100, cold / floor (`def`)", (V100 + COLD_VALUES, ONE), (FLOOR, ONE), 0.9),
    ("values num=100 / floor (`async def`)", (V100, ONE), (FLOOR_ASYNC, ONE), 0.9),
    ("values num=100, cold / floor (`async def`)", (V100 + COLD_VALUES, ONE), (FLOOR_ASYNC, ONE), 0.9),
    (
        "values num=100 / floor (`async def`) sending the same bytes, for reference",
        (V100, ONE),
        (FLOOR_SHAPED, ONE),
        None,
    ),
    ("values num=100,000 JSON / straightforward", (V100K, ONE), (V100K, STRAIGHT), 3.0),
    ("values num=100,000 JSON, cold / straightforward", (V100K + COLD_VALUES, ONE), (V100K, STRAIGHT), 3.0),
    ("values num=100,000 NPY / straightforward JSON", (NPY, ONE), (V100K, STRAIGHT), 20.0),
    ("values num=100,000 NPY, cold / straightforward JSON", (NPY + COLD_VALUES, ONE), (V100K, STRAIGHT), 20.0),
    ("POST 100,000 points / straightforward", (POST, ONE), (POST, STRAIGHT), 3.0),
    # Requests per second in float16 and bfloat16 against float64: at least 1/2 is at most 2x the cost.
    ("values num=100,000 JSON, cold: float16 / float64", (FLOAT16_JSON, ONE), (V100K + COLD_VALUES, ONE), 0.5),
    ("values num=100,000 JSON, cold: bfloat16 / float64", (BFLOAT16_JSON, ONE), (V100K + COLD_VALUES, ONE), 0.5),
    # Requests per second of order k against order 1: at least 1/2 for order 2 and 1/3 for order 3
    # is at most 2x and 3x the cost.
    ("values num=100,000 JSON, cold: order 2 / order 1", (ORDER2_JSON, ONE), (V100K + COLD_VALUES, ONE), 0.5),
    ("values num=100,000 JSON, cold: order 3 / order 1", (ORDER3_JSON, ONE), (V100K + COLD_VALUES, ONE), 1 / 3),
    ("values num=100,000 NPY, cold: order 2 / order 1", (ORDER2_NPY, ONE), (NPY + COLD_VALUES, ONE), 0.5),
    ("values num=100,000 NPY, cold: order 3 / order 1", (ORDER3_NPY, ONE), (NPY + COLD_VALUES, ONE), 1 / 3),
    ("plot cold / straightforward", (COLD, ONE), (COLD, STRAIGHT), 3.0),
    ("plot repeated / straightforward", (REPEATED, ONE), (REPEATED, STRAIGHT), 50.0),
    ("plot cold, 2 workers / 1 worker", (COLD, TWO), (COLD, ONE), 1.7),
    ("plot repeated, 2 workers / 1 worker", (REPEATED, TWO), (REPEATED, ONE), None),
    (
        "floor (`async def`), launched: request telemetry on / off",
        (FLOOR_ASYNC, "launched, telemetry on"),
        (FLOOR_ASYNC, "launched, telemetry off"),
        None,
    ),
]


NOTES = [
    "## Reading the results",
    "",
    "- Cached and cold: a GET values answer is a pure function of its parameters, so the service keeps "
    "recent answers (LRU, ETag, 304); the plain rows repeat one URL, as a client polling a view would, "
    "and are answered from that cache. The *cold* rows add a new `x_max` to every request, so every "
    "answer is computed and encoded afresh. The straightforward version has no cache: its rows are cold.",
    "- Small requests: every operation is served by one route class (`app/web/routing.py`). A GET request "
    "seen and validated before (same path, query string and Accept header) whose answer the cache still has "
    "is answered by it before FastAPI solves the operation's parameters and dependencies again, which the "
    "floors pay on every request: that is how a cached answer can outrun the `async def` floor. The handlers "
    "are `async def` and compute up to `ACT_INLINE_MAX_POINTS` points in place, so they skip the threadpool "
    "hand-off that a `def` route pays (the gap between the `def` and `async def` floors). A cold request pays "
    "FastAPI's solving of the query model, the grid, the function, the JSON and the cache's bookkeeping.",
    "- The straightforward version is not slow at serialising: FastAPI serialises a `response_model` with "
    "pydantic's compiled serialiser. At 100,000 points the difference is `.tolist()`, validating 300,000 "
    "floats and pydantic's float formatting against orjson writing straight from the arrays (in-process "
    "tables below). Cold, orjson's 7 ms for 300,000 numbers is most of the service's time, and it holds "
    "the GIL throughout, so requests cannot overlap it; sending the same 5.9 MB costs both servers alike.",
    "- NPY skips text altogether: what remains cold is the grid, the function and its derivative (numpy; "
    "scipy's `expit` is most of it) and moving 2.4 MB through the socket, which alone caps a cached "
    "answer at the rate in its row.",
    "- Plots: the service draws on reused figures with a precomputed layout and caches the PNG (LRU, "
    "ETag); the straightforward version builds a new pyplot figure with `tight_layout` for every request.",
    "- Two workers can only double throughput when two cores are free: wrk and anything else running on "
    "the machine share them (see the load average above). And both must have connections: uvicorn's "
    "workers share one listening socket, and the worker that wakes first may accept all 8 of wrk's "
    "connections at once (one round in three of the cold plot case, in each run here; libuv's "
    "UV_TCP_SINGLE_ACCEPT did not prevent it). "
    "Such a run measures one worker: the last column counts, for each round, the workers that did at "
    "least a fifth of the busiest one's work. Many clients, or a proxy's pool of connections, spread "
    "over the workers.",
]


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    failures: int
    # For a server of several workers: how many of them did at least a fifth of the busiest one's work.
    busy_workers: int | None = None


@dataclass
class Row:
    case: Case
    runs: list[Run] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(app: str, workers: int, telemetry: str | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"] + (["--workers", str(workers)] if workers > 1 else [])
    env = {**os.environ, **micro.RUN_ENVIRONMENT}
    if telemetry is not None:
        # The launcher, its JSON log lines written (to nowhere) as a log collector would read them.
        command = [sys.executable, "-m", "app.serve", app, "--host", "127.0.0.1", "--port", str(port)]
        env |= {"ACT_REQUEST_TELEMETRY": telemetry, "ACT_LOG_FORMAT": "json"}
    output = subprocess.DEVNULL if telemetry is not None else None
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, env=env, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/openapi.json", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{app} did not start") from None
                time.sleep(0.3)
        yield base, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def cpu_by_process(session: int) -> dict[int, float]:
    """CPU seconds used so far by each process of a session (a server and its workers)."""
    used = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[3]) == session:  # the session id, field 6 of /proc/PID/stat
                ticks = int(fields[11]) + int(fields[12])  # utime + stime, fields 14 and 15
                used[int(stat.parent.name)] = ticks / os.sysconf("SC_CLK_TCK")
    return used


def cpu_seconds(session: int) -> float:
    return sum(cpu_by_process(session).values())


def busy_workers(before: dict[int, float], after: dict[int, float]) -> int:
    """How many processes used at least a fifth of the CPU time of the busiest between two readings."""
    used = [after[pid] - before.get(pid, 0.0) for pid in after]
    busiest = max(used, default=0.0)
    return sum(1 for seconds in used if busiest > 0 and seconds >= busiest / 5)


def settle(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Wait until the server has used no CPU for 0.2 s (at most ``timeout`` s)."""
    if not Path("/proc/self/stat").exists():
        time.sleep(2)
        return
    deadline = time.monotonic() + timeout
    last = cpu_seconds(process.pid)
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = cpu_seconds(process.pid)
        if now - last < 0.015:
            return
        last = now


def run_wrk(url: str, case: Case, duration: float, run_id: int, body_file: str) -> Run:
    args = [str(run_id), case.cold, body_file if case.post else "", *case.headers]
    command = [
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{duration:g}s",
        "--timeout",
        "30s",
        "-s",
        str(ROOT / "bench/load.lua"),
    ]
    out = subprocess.run([*command, url, "--", *args], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^BENCH (.*)$", out, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    data = json.loads(found.group(1))
    return Run(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1e3,
        p99_ms=data["p99_us"] / 1e3,
        failures=data["errors"] + data["non2xx"],
    )


def run_python(url: str, case: Case, duration: float, run_id: int, body_file: str) -> Run:
    """The fallback load generator: CONNECTIONS concurrent httpx clients in one event loop."""
    import httpx

    body = Path(body_file).read_bytes() if case.post else None
    headers = dict(h.split(": ", 1) for h in case.headers)
    if case.post:
        headers["Content-Type"] = "application/json"
    latencies: list[float] = []
    failures = 0
    counter = iter(range(10**9))

    async def worker(client: httpx.AsyncClient, deadline: float) -> None:
        nonlocal failures
        while time.perf_counter() < deadline:
            target = url
            if case.cold:
                name, _, start = case.cold.partition("=")
                value = float(start) + run_id * 0.001 + next(counter) * 1e-8
                target += ("&" if "?" in url else "?") + f"{name}={value:.10f}"
            start = time.perf_counter()
            response = await client.request("POST" if case.post else "GET", target, content=body, headers=headers)
            latencies.append(time.perf_counter() - start)
            failures += response.status_code >= 300

    async def main() -> float:
        limits = httpx.Limits(max_connections=CONNECTIONS)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            start = time.perf_counter()
            await asyncio.gather(*(worker(client, start + duration) for _ in range(CONNECTIONS)))
            return time.perf_counter() - start

    elapsed = asyncio.run(main())
    ms = np.array(latencies) * 1e3
    return Run(len(ms) / elapsed, float(np.percentile(ms, 50)), float(np.percentile(ms, 99)), failures)


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    versions = {}
    for package in ("fastapi", "starlette", "uvicorn", "pydantic", "orjson", "numpy", "matplotlib"):
        with contextlib.suppress(Exception):
            versions[package] = __import__(package).__version__
    return {
        "cores": str(os.cpu_count()),
        "cpu": model.group(1) if model else "unknown",
        "python": sys.version.split()[0],
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }


def make_post_body(directory: str) -> str:
    x = np.random.default_rng(0).normal(0, 3, 100_000)
    path = os.path.join(directory, "post_100k.json")
    Path(path).write_bytes(orjson.dumps({"x": x}, option=orjson.OPT_SERIALIZE_NUMPY))
    return path


def measure(
    cases: list[Case], duration: float, rounds: int, load: str, body_file: str
) -> tuple[list[Row], dict[str, list[float]]]:
    drive = run_wrk if load == "wrk" else run_python
    rows = [Row(case) for case in cases]
    loads: dict[str, list[float]] = {"before": list(os.getloadavg())}
    used = {case.server for case in cases}
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(serve(app, workers, TELEMETRY.get(name)))
            for name, (app, workers) in SERVERS.items()
            if name in used
        }
        run_id = 0
        for row in rows:  # warm-up: imports, caches of the "repeated" cases, connection pools
            run_id += 1
            base, process = servers[row.case.server]
            drive(base + row.case.path, row.case, 1, run_id, body_file)
            settle(process)
        for round_number in range(rounds):
            for row in rows:
                run_id += 1
                base, process = servers[row.case.server]
                before = cpu_by_process(process.pid)
                run = drive(base + row.case.path, row.case, duration, run_id, body_file)
                if SERVERS[row.case.server][1] > 1:
                    run.busy_workers = busy_workers(before, cpu_by_process(process.pid))
                # wrk has gone, but requests it left queued are still being served: let them finish,
                # or they would take the CPU from the next case.
                settle(process)
                row.runs.append(run)
                print(
                    f"  {row.case.label} [{row.case.server}]: {run.rps:,.1f} req/s, p50 {run.p50_ms:.2f} ms", flush=True
                )
            print(f"round {round_number + 1}/{rounds} done", flush=True)
        loads["after"] = list(os.getloadavg())
    return rows, loads


def ratio(rows: list[Row], top: tuple[str, str], bottom: tuple[str, str]) -> float:
    by_key = {(row.case.label, row.case.server): row for row in rows}
    pairs = zip(by_key[top].runs, by_key[bottom].runs, strict=True)
    per_round = [a.rps / b.rps if b.rps else float("nan") for a, b in pairs]
    return statistics.median(per_round)


def render(
    rows: list[Row],
    loads: dict[str, list[float]],
    load: str,
    duration: float,
    rounds: int,
    micro_md: str,
    profile_md: str,
    seconds: float,
) -> str:
    info = machine()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`bench/run_bench.py`) on {now}, in {seconds:.0f} s.",
        "",
        f"- Machine: {info['cores']} cores, {info['cpu']}; load average {loads['before'][0]:.2f} before, "
        f"{loads['after'][0]:.2f} after (the machine is shared: absolute figures are noisy, ratios less so).",
        f"- Python {info['python']}; {info['versions']}.",
        f"- Load: {'wrk' if load == 'wrk' else 'a Python async client (httpx; wrk was not found)'}, one thread, "
        f"{CONNECTIONS} connections, {duration:g} s per run, {rounds} rounds interleaved case by case after a 1 s "
        "warm-up of each. Servers: uvicorn (httptools, uvloop), access log off; one worker process unless stated.",
        "- The floor is the service's own app with no-op routes added first in its routing table "
        "(`bench/floor_app.py`): the same middleware and error handlers as every real route. Both floors are "
        "shown: `def`, which FastAPI runs in its threadpool, and `async def`, on the event loop. One more, for "
        "reference, sends a values answer's bytes and headers from a FastAPI `async def` route with the values "
        "route's path parameter.",
        "- Every server runs with the environment `make run` exports (glibc's allocator settings).",
        "",
        "## Requests per second and latency",
        "",
        "Median of the rounds; p50 and p99 latency of the median run.",
        "",
        "| case | server | req/s | p50 ms | p99 ms | failed | workers busy, by round |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        by_rps = sorted(row.runs, key=lambda r: r.rps)
        middle = by_rps[len(by_rps) // 2]
        rps = statistics.median(r.rps for r in row.runs)
        failed = sum(r.failures for r in row.runs)
        latency = f"{middle.p50_ms:.2f} | {middle.p99_ms:.2f}"
        busy = ", ".join(str(r.busy_workers) for r in row.runs if r.busy_workers is not None)
        lines.append(f"| {row.case.label} | {row.case.server} | {rps:,.1f} | {latency} | {failed} | {busy} |")
    lines += ["", "## Ratios", "", "Median over the rounds of the ratio of requests per second within a round.", ""]
    lines += ["| ratio | measured | target | met |", "|---|--:|--:|:-:|"]
    measured = {(row.case.label, row.case.server) for row in rows}
    for what, top, bottom, target in RATIOS:
        if top not in measured or bottom not in measured:
            continue
        value = ratio(rows, top, bottom)
        met = "" if target is None else ("yes" if value >= target else "**no**")
        shown = "" if target is None else f"≥ {target:.2g}"
        lines.append(f"| {what} | {value:.2f} | {shown} | {met} |")
    lines += ["", *NOTES, "", micro_md, "", profile_md, ""]
    return "\n".join(lines)


def function_cost_report() -> str:
    """bench/function_cost.py's table of every function and derivative, before and after the fast forms."""
    table = subprocess.run(
        [sys.executable, str(ROOT / "bench/function_cost.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env={**os.environ, **micro.RUN_ENVIRONMENT},
    ).stdout
    return "## Functions: ns per element, before and after the fast forms\n\n" + table.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=2, help="whole seconds per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy sampling")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/RESULTS.md")
    parser.add_argument("--only", help="run only the cases whose label matches this regular expression")
    args = parser.parse_args()
    cases = [case for case in CASES if args.only is None or re.search(args.only, case.label)]
    started = time.monotonic()
    load = "wrk" if shutil.which("wrk") else "python"
    print(f"load generator: {load}", flush=True)
    with tempfile.TemporaryDirectory() as directory:
        body_file = make_post_body(directory)
        rows, loads = measure(cases, args.duration, args.rounds, load, body_file)
        if args.only is not None:
            micro_md, profile_md = "A partial run (--only): no in-process timings and no profile.", ""
        else:
            print(f"in-process timings ({time.monotonic() - started:.0f} s)", flush=True)
            micro_md = micro.report()
            print(f"functions, ns per element ({time.monotonic() - started:.0f} s)", flush=True)
            micro_md += "\n\n" + function_cost_report()
            print(f"profiles ({time.monotonic() - started:.0f} s)", flush=True)
            profile_md = (
                "## Where the time goes\n\nNot sampled (--no-profile)."
                if args.no_profile
                else profile.report(serve, SERVERS["service"][0], body_file)
            )
    text = render(rows, loads, load, args.duration, args.rounds, micro_md, profile_md, time.monotonic() - started)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
