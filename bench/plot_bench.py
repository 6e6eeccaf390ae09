"""Time plots: the article's pyplot approach against the service's cold and cached renders.

Run: ``.venv/bin/python bench/plot_bench.py`` (``--repeat N``). All cases run in one process
and are interleaved round by round, so load on the machine hits them alike; in each round
the slow cases run once and the fast ones ten times in a row. Printed: the
median and fastest time of each case and the ratios of medians against the article.

- article: ``plt.figure()``, two ``add_subplot`` panels, ``tight_layout``, ``savefig`` (PNG,
  640x480), as in the article's figures, plus ``plt.close``;
- cold render: the service's plot of a function with parameters never drawn before
  (evaluation, kinks, drawing and PNG encoding), at the default 640x480;
- cold request: the same through HTTP (in-process client), a new ``negative_slope`` each time;
- cached request: a repeated request answered from the in-process cache;
- cached lookup: the plot cache's answer for a cached key (``Answers.known``), without HTTP;
- health request: ``GET /healthz``, the cost of any request through the in-process client;
- over HTTP: the cached plot and ``/healthz`` from a uvicorn server on localhost (one worker,
  started by this script), through one keep-alive connection.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")

import httpx
import matplotlib.pyplot as plt
import numpy as np
from fastapi.testclient import TestClient
from starlette.requests import Request

from app.api.curves import plot_answers
from app.core import registry
from app.core.curves import CurveSet, Evaluation, Grid
from app.main import app
from app.render import ImageOptions
from app.render.curves import draw_curve_set
from app.web.caching import Answer, AnswerKey

X = np.linspace(-5, 5, 100)
SLOW = {"article (pyplot + tight_layout)", "cold render", "cold request"}


def article(slope: float) -> bytes:
    y = np.where(X > 0, X, slope * X)
    dy = np.where(X > 0, 1.0, slope)
    fig = plt.figure()
    ax1 = fig.add_subplot(2, 1, 1)
    ax1.plot(X, y)
    ax1.set_title("Leaky ReLU")
    ax2 = fig.add_subplot(2, 1, 2)
    ax2.plot(X, dy)
    ax2.set_title("Derivative of Leaky ReLU")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


@contextmanager
def served() -> Iterator[str]:
    """A uvicorn server of the app on a free localhost port, stopped on exit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command)
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base_url}/healthz").raise_for_status()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="rounds (each case runs once per round)")
    args = parser.parse_args()

    leaky = registry.get("leaky_relu")
    x_range = Grid(-5.0, 5.0, 100)
    options = ImageOptions()
    slopes = itertools.count(1)
    client = TestClient(app)
    url = "/v1/activations/leaky_relu/plot"
    client.get(url, params={"negative_slope": 0.5})  # warm the cache entry the cached cases use
    request = Request({"type": "http", "method": "GET", "path": url, "headers": [], "query_string": b""})
    key = AnswerKey.of({"plot": "bench", "options": options})

    def plot_activation(slope: float) -> bytes:
        subject = CurveSet.function(leaky, leaky.resolve_params({"negative_slope": slope}))
        return draw_curve_set(subject, x_range, options, Evaluation()).data

    async def drawn() -> Answer:
        return Answer(plot_activation(0.5), "image/png")

    asyncio.run(plot_answers.respond(request, key, drawn))  # the entry the cached lookup finds

    def fresh_slope() -> float:
        return 1.0 / (next(slopes) + 7)

    cases: dict[str, Callable[[], object]] = {
        "article (pyplot + tight_layout)": lambda: article(fresh_slope()),
        "cold render": lambda: plot_activation(fresh_slope()),
        "cold request": lambda: client.get(url, params={"negative_slope": fresh_slope()}),
        "cached request": lambda: client.get(url, params={"negative_slope": 0.5}),
        "health request (client floor)": lambda: client.get("/healthz"),
        "cached lookup": lambda: plot_answers.known(request, key),
    }
    with served() as base_url, httpx.Client(base_url=base_url) as http:
        http.get(url, params={"negative_slope": 0.5}).raise_for_status()
        cases["cached request over HTTP"] = lambda: http.get(url, params={"negative_slope": 0.5})
        cases["health request over HTTP (floor)"] = lambda: http.get("/healthz")
        for case in cases.values():  # warm-up: imports, font caches, the figure pool
            case()
            case()
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.repeat):
            for name, case in cases.items():
                # Fast cases run in a burst of ten calls per round, as a stream of requests would.
                for _ in range(1 if name in SLOW else 10):
                    start = time.perf_counter()
                    case()
                    times[name].append(time.perf_counter() - start)

    base = statistics.median(times["article (pyplot + tight_layout)"])
    print(f"{'case':34} {'median ms':>10} {'min ms':>8} {'article / case':>15}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:34} {median * 1e3:10.2f} {min(values) * 1e3:8.2f} {base / median:14.1f}x")


if __name__ == "__main__":
    main()
