"""A worker's memory comes back down after the largest plots: within a bound of its warmed-up figure.

The real server, as `make run` starts it (its allocator settings), in a subprocess, so that the
resident set measured is a worker's and nothing else's: the worker and the render process that
draws for it, summed. Each large plot is new, so the image cache holds it as well: the bound
counts the cache, which may hold up to PLOT_CACHE_BYTES.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from .live_server import live_server, make_run_environment

# The bound of issue "a worker's RSS returns to within 100 MB of its warmed-up figure".
BOUND_MB = 100.0
# Each of these is the largest PNG the limits allow (16 million device pixels) and a new one;
# one such render takes 112 MB at its peak (pixels and their copy) and several hundred ms.
LARGE_PLOTS = [
    "/v1/activations/gelu/plot?width=2000&height=2000&scale=2",
    "/v1/activations/mish/plot?width=4000&height=4000&num=10000",
    "/v1/compare/plot?f=relu&f=gelu&f=tanh&width=2000&height=1999&scale=2",
    "/v1/expressions/plot?expr=x*sigmoid(x)&width=4000&height=3999&order=2",
    "/v1/activations/tanh/precision/plot?width=4000&height=3998",
]
WARM_UP = [
    "/v1/activations/relu/plot",
    "/v1/compare/plot?f=relu&f=gelu",
    "/v1/expressions/plot?expr=x*sigmoid(x)",
    "/v1/activations/tanh/precision/plot",
    "/v1/activations/relu/values?num=100",
]

pytestmark = pytest.mark.timeout(600)


def _memory_mb(pids: list[int]) -> dict[str, float]:
    """VmRSS (resident now) and VmHWM (the peak) summed over ``pids``, in MB."""
    figures = {"VmRSS": 0.0, "VmHWM": 0.0}
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in figures:
                figures[key] += int(value.split()[0]) / 1024
    return figures


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the resident set from /proc (Linux)")
def test_worker_memory_returns_near_its_warmed_up_figure_after_the_largest_plots() -> None:
    with live_server(env=make_run_environment()) as server, httpx.Client(base_url=server.url, timeout=300) as http:
        for url in WARM_UP:
            assert http.get(url).status_code == 200, url
        # One worker, with the processes that draw for it, if any.
        pids = server.processes()
        warm = _memory_mb(pids)["VmRSS"]
        for url in LARGE_PLOTS:
            response = http.get(url)
            assert response.status_code == 200, (url, response.text)
            assert response.headers["content-type"].startswith("image/")
        assert server.processes() == pids, "a process started or ended while drawing"
        after = _memory_mb(pids)
    # Drawn, not taken from a cache: the peak shows the pixels of a large render were there.
    assert after["VmHWM"] - warm > 50, after
    assert after["VmRSS"] - warm < BOUND_MB, f"warmed up {warm:.0f} MB, after the largest plots {after}"
