"""In-process timings behind the choices in the values code: serialiser, CSV writer, body parser, gzip.

Each figure is the median of several timeit repeats, in one process. Run alone with
``.venv/bin/python bench/micro.py``; ``bench/run_bench.py`` includes its tables in RESULTS.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
import timeit
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.api.curves import values_cache
from app.core.rounding import round_half_even
from app.schemas import ValuesRequest, ValuesResponse
from app.web.encoding import _csv, _npy
from bench.floor_app import app as service
from bench.straightforward_app import app as straightforward

NUMPY = orjson.OPT_SERIALIZE_NUMPY


def ms(function: Callable[[], object], repeat: int = 5) -> float:
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    number = max(1, number // 4)
    return statistics.median(t / number for t in timer.repeat(repeat, number)) * 1e3


def columns(num: int) -> dict[str, np.ndarray]:
    x = np.linspace(-5, 5, num)
    y = 1 / (1 + np.exp(-x))
    return {"x": x, "y": y, "dy": y * (1 - y)}


def csv_by_python(table: dict[str, np.ndarray]) -> bytes:
    """The CSV writer the service had before: one repr per cell."""
    rows = zip(*(values.tolist() for values in table.values()), strict=True)
    return ("\n".join([",".join(table), *(",".join(map(repr, row)) for row in rows)]) + "\n").encode()


def serialisers() -> list[str]:
    lines = ["| num | orjson, numpy arrays (used) | orjson, `.tolist()` | pydantic model + `model_dump_json` |"]
    lines.append("|--:|--:|--:|--:|")
    meta = {"name": "sigmoid", "params": {}, "method": "analytic"}
    for num in (100, 100_000):
        table = columns(num)
        direct = ms(lambda: orjson.dumps({**meta, **table}, option=NUMPY))  # noqa: B023
        lists = ms(lambda: orjson.dumps({**meta, **{k: v.tolist() for k, v in table.items()}}))  # noqa: B023
        pydantic = ms(
            lambda: ValuesResponse(**meta, **{k: v.tolist() for k, v in table.items()}).model_dump_json()  # noqa: B023
        )
        lines.append(f"| {num:,} | {direct:.3f} ms | {lists:.3f} ms | {pydantic:.3f} ms |")
    return lines


def formats() -> list[str]:
    table = columns(100_000)
    body = orjson.dumps({"x": table["x"]}, option=NUMPY)
    rows = [
        ("CSV, orjson rows (used)", ms(lambda: _csv(table))),
        ("CSV, a Python `repr` per cell", ms(lambda: csv_by_python(table), repeat=3)),
        ("NPY structured array", ms(lambda: _npy(table))),
        ("round to 4 decimals (3 columns)", ms(lambda: [round_half_even(v, 4) for v in table.values()])),
        ("POST body: `model_validate_json` on the bytes (used)", ms(lambda: ValuesRequest.model_validate_json(body))),
        ("POST body: `json.loads`, then `model_validate`", ms(lambda: ValuesRequest.model_validate(json.loads(body)))),
    ]
    lines = ["| 100,000 points | time |", "|---|--:|"]
    lines += [f"| {what} | {value:.2f} ms |" for what, value in rows]
    return lines


def gzip_table() -> list[str]:
    small = orjson.dumps(columns(100), option=NUMPY)
    big = columns(100_000)
    rounded = {name: round_half_even(values, 4) for name, values in big.items()}
    bodies = [
        ("JSON num=100", small),
        ("JSON num=100,000", orjson.dumps(big, option=NUMPY)),
        ("JSON num=100,000, decimals=4", orjson.dumps(rounded, option=NUMPY)),
        ("CSV num=100,000", _csv(big)),
        ("NPY num=100,000", _npy(big)),
    ]
    lines = [
        "| body | bytes | level | gzipped bytes | saved | time | pays below |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for what, body in bodies:
        for level in (1, 6):
            packed = zlib.compress(body, level)
            seconds = ms(lambda: zlib.compress(body, level), repeat=3) / 1e3  # noqa: B023
            saved = len(body) - len(packed)
            # Gzip pays when sending the saved bytes would take longer than compressing them.
            break_even = saved * 8 / seconds / 1e6
            lines.append(
                f"| {what} | {len(body):,} | {level} | {len(packed):,} | {saved / len(body):.0%} | "
                f"{seconds * 1e3:.2f} ms | {break_even:,.0f} Mbit/s |"
            )
    return lines


def asgi_ms(app: Any, url: str, repeat: int, cold: bool = False) -> float:
    """Median wall time of one request through the ASGI app, no HTTP and no socket.

    ``cold``: the values cache is emptied before each request, so every answer is computed.
    """
    path, _, query = url.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise RuntimeError(f"{url}: {message['status']}")

    async def requests() -> list[float]:
        times = []
        for _ in range(repeat + 2):
            if cold:
                values_cache.clear()
            start = time.perf_counter()
            await app(dict(scope), receive, send)
            times.append(time.perf_counter() - start)
        return times[2:]

    return statistics.median(asyncio.run(requests())) * 1e3


def in_app() -> list[str]:
    values = "/v1/activations/sigmoid/values"
    cases = [
        ("floor: no-op `def` route", service, "/bench/floor", 300, False),
        ("floor: no-op `async def` route", service, "/bench/floor-async", 300, False),
        ("values num=100, JSON, cached", service, f"{values}?num=100", 300, False),
        ("values num=100, JSON, cold", service, f"{values}?num=100", 300, True),
        ("values num=100, JSON (straightforward)", straightforward, f"{values}?num=100", 300, False),
        ("values num=100,000, JSON, cached", service, f"{values}?num=100000", 15, False),
        ("values num=100,000, JSON, cold", service, f"{values}?num=100000", 15, True),
        ("values num=100,000, NPY, cold", service, f"{values}?num=100000&format=npy", 15, True),
        ("values num=100,000, JSON (straightforward)", straightforward, f"{values}?num=100000", 15, False),
    ]
    lines = ["| request | ms |", "|---|--:|"]
    lines += [f"| {label} | {asgi_ms(app, url, repeat, cold):.3f} |" for label, app, url, repeat, cold in cases]
    return lines


_ALLOCATOR_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from bench.micro import asgi_ms
from bench.floor_app import app
url = "/v1/activations/sigmoid/values?num=100000"
print(json.dumps([asgi_ms(app, url + "&format=npy", 40, cold=True), asgi_ms(app, url, 20, cold=True)]))
"""


ROOT = Path(__file__).resolve().parent.parent
# The environment `make run` exports (glibc's allocator settings): every benchmark server runs with it.
RUN_ENVIRONMENT = dict(
    re.findall(r"^run\b[^:\n]*: export (\w+) = (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
)


def allocator_table() -> list[str]:
    """Big answers under glibc's defaults, the earlier 128 KiB mmap threshold, and `make run`'s settings."""
    made = RUN_ENVIRONMENT
    settings = [
        ("glibc's defaults", {}),
        ("2 arenas, mmap and trim from 128 KiB", {"MALLOC_ARENA_MAX": "2", **dict.fromkeys(_THRESHOLDS, "131072")}),
        ("`make run`'s: " + ", ".join(f"{k}={v}" for k, v in made.items()), made),
    ]
    lines = ["| allocator | NPY num=100,000 | JSON num=100,000 |", "|---|--:|--:|"]
    for label, extra in settings:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")} | extra
        out = subprocess.run(
            [sys.executable, "-c", _ALLOCATOR_PROBE, str(ROOT)], env=env, capture_output=True, text=True, check=True
        )
        npy, text = json.loads(out.stdout.strip().splitlines()[-1])
        lines.append(f"| {label} | {npy:.2f} ms | {text:.2f} ms |")
    return lines


_THRESHOLDS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")

PRECISION_FUNCTIONS = ("sigmoid", "tanh", "gelu", "silu", "softplus", "mish", "elu", "relu")


def precision_table(repeat: int = 3) -> list[str]:
    """A cold `GET /v1/activations/{name}/precision` (all four dtypes, every cache emptied) per function."""
    from fastapi.testclient import TestClient

    from app.api.curves import values_cache
    from app.core import precision
    from app.main import app

    client = TestClient(app)
    rows = []
    for name in PRECISION_FUNCTIONS:
        times = []
        for _ in range(repeat):
            precision.clear_reports()
            values_cache.clear()
            start = time.perf_counter()
            client.get(f"/v1/activations/{name}/precision").raise_for_status()
            times.append((time.perf_counter() - start) * 1e3)
        rows.append(f"| {name} | {statistics.median(times):.0f} ms |")
    return ["| function | cold /precision, median |", "|---|--:|", *rows]


def report() -> str:
    parts = [
        "## In-process timings",
        "",
        "Serialising the values answer (name, params, method, x, y, dy) to JSON bytes; pydantic's own "
        "serialiser is what a `response_model` of float lists costs:",
        "",
        *serialisers(),
        "",
        "One request at a time through each ASGI app in this process (no HTTP, no socket: what is left "
        "when the transfer of the bytes is taken away), median:",
        "",
        *in_app(),
        "",
        "The same two big answers in a fresh process under three settings of glibc's allocator. With "
        "a low mmap threshold every array of 100,000 numbers is mapped fresh and its pages faulted in "
        "on first touch:",
        "",
        *allocator_table(),
        "",
        "A cold `/precision` report (float64, float32, float16 and bfloat16: every finite value of the "
        "16-bit types, about 720,000 values of the others, thresholds bisected), every cache emptied, "
        "through the in-process client (target: under 1 s):",
        "",
        *precision_table(),
        "",
        "Other formats and the POST body parser:",
        "",
        *formats(),
        "",
        "Gzip (zlib) by level. *Pays below* is the link speed under which compressing saves more "
        "transfer time than it costs CPU time. The service uses level 1 from 1,400 bytes on (one TCP "
        "segment; below that nothing is saved), and never for NPY or PNG.",
        "",
        *gzip_table(),
    ]
    return "\n".join(parts)


if __name__ == "__main__":
    print(report())
