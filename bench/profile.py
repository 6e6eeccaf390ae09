"""Where the service spends its time under load: py-spy samples of one worker, summed by layer.

Samples only the thread holding the GIL (``py-spy record --gil``), i.e. the Python-level CPU
time, attributing each sample to the innermost Python frame. Used by ``bench/run_bench.py``.
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 3
# (label, path, POST?, cold: "" or the query parameter given a new value each request, as in load.lua)
CASES = [
    ("values num=100, JSON, cold", "/v1/activations/sigmoid/values?num=100", False, "x_max=5"),
    ("values num=100,000, JSON, cold", "/v1/activations/sigmoid/values?num=100000", False, "x_max=5"),
    ("values num=100,000, NPY, cold", "/v1/activations/sigmoid/values?num=100000&format=npy", False, "x_max=5"),
    ("POST 100,000 points", "/v1/activations/sigmoid/values", True, ""),
    ("plot cold", "/v1/activations/leaky_relu/plot", False, "negative_slope=0.01"),
]
# First match wins; matched against the file of the innermost frame.
LAYERS = [
    ("drawing (app/render, matplotlib, PIL)", ("/app/render/", "/matplotlib/", "/PIL/", "/mpl_toolkits/")),
    ("service code (app/api, app/core; orjson and pydantic calls in it)", ("/app/",)),
    ("numpy", ("/numpy/",)),
    ("threadpool hand-off (anyio, threading, queue)", ("/anyio/", "threading.py", "queue.py", "/concurrent/")),
    ("HTTP server and event loop (uvicorn, asyncio)", ("/uvicorn/", "/asyncio/", "/uvloop/", "/httptools/")),
    (
        "framework: routing, parameters, dependencies, middleware (FastAPI, Starlette, pydantic)",
        ("/fastapi/", "/starlette/", "/pydantic/", "/pydantic_core/", "typing.py", "copy.py", "weakref.py", "enum.py"),
    ),
]
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*):(?P<line>\d+)\)$")


def _short(path: str) -> str:
    """The path from site-packages or the project root on ("fastapi/routing.py", "app/api/deps.py")."""
    return path.split("site-packages/")[-1].removeprefix(f"{ROOT}/").lstrip("/")


def _layer(path: str) -> str:
    path = "/" + _short(path)
    for name, markers in LAYERS:
        if any(marker in path for marker in markers):
            return name
    return "other (standard library, logging, ...)"


def _summarise(raw: str) -> tuple[collections.Counter[str], collections.Counter[str], int]:
    layers: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frame = FRAME.match(stack.split(";")[-1])
        if frame is None:
            continue
        n = int(count)
        total += n
        layers[_layer(frame["file"])] += n
        leaves[f"{frame['function']} ({_short(frame['file'])})"] += n
    return layers, leaves, total


def _load(base: str, path: str, post: bool, cold: str, body_file: str) -> subprocess.Popen[bytes]:
    args = ["1000", cold, body_file if post else ""]
    command = ["wrk", "-t1", "-c8", f"-d{SECONDS + 2}s", "-s", str(ROOT / "bench/load.lua"), base + path, "--", *args]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


def report(serve: Callable[..., Any], app: str, body_file: str) -> str:
    title = "## Where the time goes"
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(pyspy).exists() or shutil.which("wrk") is None:
        return f"{title}\n\nNot sampled: py-spy (dev extra) and wrk are both needed."
    parts = [
        title,
        "",
        f"py-spy samples (`record --gil`, 200 Hz, {SECONDS} s) of the one-worker service under the same "
        "load, each sample given to the layer of its innermost Python frame. Time spent in C called "
        "from Python (orjson, numpy kernels, Agg) counts for the Python function that called it.",
    ]
    with serve(app, 1) as (base, process), tempfile.TemporaryDirectory() as directory:
        for label, path, post, cold in CASES:
            load = _load(base, path, post, cold, body_file)
            time.sleep(1)
            out = Path(directory) / "profile.txt"
            options = ["-d", str(SECONDS), "-r", "200", "--gil", "--nonblocking", "-f", "raw", "-o", str(out)]
            subprocess.run(
                [pyspy, "record", "-p", str(process.pid), *options],
                capture_output=True,
                check=False,
            )
            load.wait()
            if not out.exists():
                parts += ["", f"### {label}", "", "py-spy could not attach (it needs ptrace permission)."]
                continue
            layers, leaves, total = _summarise(out.read_text())
            parts += ["", f"### {label} ({total} samples)", "", "| layer | share |", "|---|--:|"]
            parts += [f"| {name} | {n / total:.0%} |" for name, n in layers.most_common()]
            parts += ["", "Innermost functions with the most samples:", "", "| function | share |", "|---|--:|"]
            parts += [f"| `{name}` | {n / total:.1%} |" for name, n in leaves.most_common(8)]
    return "\n".join(parts)
