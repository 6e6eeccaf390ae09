"""Load and abuse: the real server, as `make run` starts it, under 64 clients and under expensive requests.

1. Starts `make run` on a free port (uvicorn, one worker per core) and waits for /healthz.
2. Warm-up: the mix below for WARMUP seconds; then the resident memory (RSS) of every server
   process is summed.
3. Load: CLIENTS concurrent clients, each sending the next request as soon as the last is
   answered, for DURATION seconds, on a mix of values (GET and POST), plots (new and repeated),
   expressions, comparisons and analyses. Counted: every status, every dropped connection
   (connect, read or protocol errors, timeouts), latency percentiles; then RSS again.
4. Cheap beside expensive: one connection sends a small cached values request (CHEAP) again as
   soon as the last is answered, first alone (idle), then while HEAVY clients loop on the largest
   plots the limits allow (4000x4000, num=10000, each one new so that no cache answers).
5. SIGTERM, and the server must exit cleanly.

Passes (exit 0) when there is no 5xx and no dropped connection, memory after the run is within
50 MB of memory after warm-up, and the loaded p99 of the cheap requests is under 5x their idle
p99. Writes the figures, with the load average of the machine, to bench/load_results.json (read
by bench/reliability_report.py).

    python bench/load.py [--duration 30] [--clients 64] [--only-contention]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "load_results.json"
MEMORY_BUDGET_MB = 50.0
SLOWDOWN_BUDGET = 5.0

FUNCTIONS = ["relu", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh", "softplus", "swish", "mish"]
EXPRESSIONS = ["2*sigmoid(2*x) - 1", "x*sigmoid(x)", "relu(x) - relu(x - 1)", "log1p(exp(x))", "tanh(x)**2"]
# A handful of plots asked for again and again: after the first, the cache answers.
REPEATED_PLOTS = [f"/v1/activations/{name}/plot" for name in ("relu", "gelu", "tanh", "sigmoid")]
# The cheap request, answered from the values cache after the first time.
CHEAP = "/v1/activations/relu/values?num=100"
# The largest plot the limits allow; {n} makes each one new.
LARGEST_PLOT = "/v1/activations/{name}/plot?width=4000&height=4000&num=10000&x_max={x_max}"


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    rss_mb: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def note(self, problem: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(problem[:300])

    def record(self, kind: str, status: int, seconds: float) -> None:
        self.statuses[status] += 1
        self.latencies[kind].append(seconds)

    def all_latencies(self) -> list[float]:
        return [t for values in self.latencies.values() for t in values]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def next_request(rng: random.Random) -> tuple[str, str, str, dict[str, Any] | None]:
    """(kind, method, url, json body) drawn from the mix."""
    name = rng.choice(FUNCTIONS)
    roll = rng.random()
    if roll < 0.35:
        num = rng.choice([50, 100, 1000, 10_000])
        return "values", "GET", f"/v1/activations/{name}/values?num={num}&x_min=-{rng.randint(1, 9)}", None
    if roll < 0.45:
        xs = [round(rng.uniform(-10, 10), 3) for _ in range(rng.choice([10, 1000]))]
        return "values-post", "POST", f"/v1/activations/{name}/values", {"x": xs}
    if roll < 0.55:
        return "plot-repeated", "GET", rng.choice(REPEATED_PLOTS), None
    if roll < 0.62:
        # A size never asked for before: the plot is drawn, not taken from the cache.
        width, height = rng.randint(300, 900), rng.randint(200, 700)
        return "plot-new", "GET", f"/v1/activations/{name}/plot?width={width}&height={height}", None
    if roll < 0.80:
        expr = rng.choice(EXPRESSIONS)
        return "expression", "GET", f"/v1/expressions/values?expr={quote(expr)}&num=500", None
    if roll < 0.87:
        other = rng.choice(FUNCTIONS)
        return "compare", "GET", f"/v1/compare/values?f={name}&f={other}&num=200", None
    if roll < 0.95:
        return "analysis", "GET", f"/v1/activations/{name}/analysis?samples=20000", None
    return "analysis-network", "GET", f"/v1/analysis/gradient-flow?f={name}&depth=10&width=64&batch=64", None


async def client_loop(base: str, tally: Tally, until: float, seed: int) -> None:
    """One client on its own keep-alive connection, like a browser tab or a wrk connection."""
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=1), timeout=60) as http:
        await _client_requests(http, rng, tally, until)


async def _client_requests(http: httpx.AsyncClient, rng: random.Random, tally: Tally, until: float) -> None:
    while time.monotonic() < until:
        kind, method, url, body = next_request(rng)
        started = time.perf_counter()
        try:
            response = await http.request(method, url, json=body)
        except httpx.TransportError as exc:
            tally.dropped[type(exc).__name__] += 1
            tally.note(f"{method} {url}: {type(exc).__name__} {exc}")
            continue
        tally.record(kind, response.status_code, time.perf_counter() - started)
        if response.status_code >= 500:
            tally.note(f"{method} {url}: {response.status_code} {response.text}")


async def run_mix(base: str, clients: int, seconds: float, server_pid: int) -> Tally:
    tally = Tally()
    until = time.monotonic() + seconds
    loops = [client_loop(base, tally, until, seed) for seed in range(clients)]
    await asyncio.gather(*loops, sample_rss(tally, until, server_pid))
    return tally


async def sample_rss(tally: Tally, until: float, server_pid: int) -> None:
    while time.monotonic() < until:
        await asyncio.sleep(min(5.0, max(0.0, until - time.monotonic())))
        tally.rss_mb.append(server_rss_mb(server_pid)[0])


async def cheap_beside_expensive(base: str, seconds: float, heavy: int) -> tuple[list[float], Tally]:
    """Latencies of CHEAP sent back to back on one connection, while `heavy` clients loop on the largest plots."""
    cheap: list[float] = []
    heavy_tally = Tally()
    stop = time.monotonic() + seconds

    async def prober(http: httpx.AsyncClient) -> None:
        assert (await http.get(CHEAP)).status_code == 200  # cached from here on
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = await http.get(CHEAP)
            assert response.status_code == 200, response.text
            cheap.append(time.perf_counter() - started)

    async def abuser(http: httpx.AsyncClient, i: int) -> None:
        n = 0
        while time.monotonic() < stop:
            n += 1
            # A range never asked for before: drawn, not taken from a cache.
            url = LARGEST_PLOT.format(name=FUNCTIONS[i % len(FUNCTIONS)], x_max=f"{5 + i + n * 1e-6:.6f}")
            started = time.perf_counter()
            try:
                response = await http.get(url)
            except httpx.TransportError as exc:
                heavy_tally.dropped[type(exc).__name__] += 1
                heavy_tally.note(f"{url}: {type(exc).__name__} {exc}")
                continue
            heavy_tally.record("largest plot", response.status_code, time.perf_counter() - started)

    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as cheap_http:
        heavy_clients = [httpx.AsyncClient(base_url=base, timeout=120, limits=limits) for _ in range(heavy)]
        try:
            await asyncio.gather(prober(cheap_http), *(abuser(http, i) for i, http in enumerate(heavy_clients)))
        finally:
            for http in heavy_clients:
                await http.aclose()
    return cheap, heavy_tally


def measure_contention(base: str, seconds: float, heavy: int) -> dict[str, Any]:
    """The cheap request's latency idle and beside `heavy` clients drawing the largest plots, and their ratio."""
    idle, _ = asyncio.run(cheap_beside_expensive(base, seconds, heavy=0))
    busy, heavy_tally = asyncio.run(cheap_beside_expensive(base, seconds, heavy=heavy))
    idle_p99, busy_p99 = percentile(idle, 99), percentile(busy, 99)
    ratio = round(busy_p99 / idle_p99, 2)
    return {
        "request": CHEAP,
        "idle_small_requests": len(idle),
        "idle_p50_ms": ms(percentile(idle, 50)),
        "idle_p99_ms": ms(idle_p99),
        "busy_small_requests": len(busy),
        "busy_p50_ms": ms(percentile(busy, 50)),
        "busy_p99_ms": ms(busy_p99),
        "p99_ratio": ratio,
        "p99_ratio_budget": SLOWDOWN_BUDGET,
        "within_budget": ratio < SLOWDOWN_BUDGET,
        "heavy_clients": heavy,
        "heavy": summarise(heavy_tally, seconds),
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children[int(fields[1])].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def server_rss_mb(root_pid: int) -> tuple[float, dict[int, float]]:
    """Summed RSS of the uvicorn processes under `make run` (make itself excluded)."""
    per_process: dict[int, float] = {}
    for pid in descendants(root_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if b"uvicorn" not in cmdline and b"multiprocessing" not in cmdline:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                per_process[pid] = int(line.split()[1]) / 1024
    return round(sum(per_process.values()), 1), per_process


def stop(server: subprocess.Popen[bytes]) -> float:
    """SIGTERM to uvicorn's supervisor (make's child), which stops its workers; seconds until all are gone."""
    started = time.monotonic()
    supervisor = [pid for pid in descendants(server.pid) if _parent(pid) == server.pid]
    for pid in supervisor or [server.pid]:
        os.kill(pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        for pid in reversed(descendants(server.pid)):
            os.kill(pid, signal.SIGKILL)
        server.wait()
    return round(time.monotonic() - started, 2)


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1


def wait_ready(base: str, server: subprocess.Popen[bytes], seconds: float = 300) -> None:
    """Until /healthz answers (`make run` may first install the package)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"the server at {base} did not become ready within {seconds:g} s")


def summarise(tally: Tally, seconds: float) -> dict[str, Any]:
    latencies = tally.all_latencies()
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / seconds, 1),
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "server_errors": sum(v for k, v in tally.statuses.items() if k >= 500),
        "dropped_connections": sum(tally.dropped.values()),
        "dropped_by_kind": dict(tally.dropped),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
        "max_ms": ms(max(latencies, default=float("nan"))),
        "rss_mb_every_5_s": tally.rss_mb,
        "problems": tally.problems,
        "by_kind": {
            kind: {"n": len(v), "p50_ms": ms(percentile(v, 50)), "p99_ms": ms(percentile(v, 99))}
            for kind, v in sorted(tally.latencies.items())
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds of warm-up before the first RSS")
    parser.add_argument("--probe", type=float, default=15.0, help="seconds of each small-request probe")
    parser.add_argument("--heavy", type=int, default=4, help="clients sending the largest plots")
    parser.add_argument("--only-contention", action="store_true", help="skip the load; only cheap beside expensive")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workers = os.cpu_count() or 1
    env = {**os.environ, "PORT": str(port)}
    server = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=env)
    try:
        wait_ready(base, server)
        time.sleep(1.0)
        print(f"server: make run on port {port}, {workers} workers", flush=True)

        load: dict[str, Any] = {}
        rss_warm = rss_after = 0.0
        if not args.only_contention:
            warm = asyncio.run(run_mix(base, args.clients, args.warmup, server.pid))
            rss_warm, per_process = server_rss_mb(server.pid)
            print(f"warm-up RSS every 5 s: {warm.rss_mb}", flush=True)
            print(f"warm-up {args.warmup:g} s done; server RSS {rss_warm} MB over {len(per_process)} processes")
            loaded = asyncio.run(run_mix(base, args.clients, args.duration, server.pid))
            time.sleep(2.0)
            rss_after, _ = server_rss_mb(server.pid)
            load = summarise(loaded, args.duration)
            print(json.dumps(load, indent=1), flush=True)

        contention = measure_contention(base, args.probe, args.heavy)
        print(json.dumps(contention, indent=1), flush=True)
    finally:
        stop_seconds = stop(server)

    results = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "server": f"make run: uvicorn, {workers} workers",
        "clients": args.clients,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "load": load,
        "rss_after_warmup_mb": rss_warm,
        "rss_after_run_mb": rss_after,
        "rss_delta_mb": round(rss_after - rss_warm, 1),
        "contention": contention,
        "shutdown_s": stop_seconds,
    }
    failures = []
    heavy = contention["heavy"]
    if load.get("server_errors") or heavy["server_errors"] - heavy["statuses"].get("503", 0):
        failures.append("5xx answers")
    if load.get("dropped_connections") or heavy["dropped_connections"]:
        failures.append("dropped connections")
    if abs(results["rss_delta_mb"]) > MEMORY_BUDGET_MB:
        failures.append(f"memory moved {results['rss_delta_mb']} MB")
    if not contention["within_budget"]:
        failures.append(f"cheap requests {contention['p99_ratio']}x slower beside expensive ones")
    results["passed"] = not failures
    results["failures"] = failures
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    if not args.only_contention:
        print(f"memory: {rss_warm} MB after warm-up, {rss_after} MB after the run ({results['rss_delta_mb']:+} MB)")
    print(
        f"cheap beside expensive: p99 {contention['idle_p99_ms']:g} ms idle, {contention['busy_p99_ms']:g} ms beside "
        f"{args.heavy} clients drawing the largest plots: {contention['p99_ratio']:g}x (target under "
        f"{SLOWDOWN_BUDGET:g}x); load average {contention['load_average']}"
    )
    print("PASSED" if not failures else "FAILED: " + ", ".join(failures))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
