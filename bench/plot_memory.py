"""Show that plotting does not leak: resident memory over thousands of distinct plots.

Run: ``.venv/bin/python bench/plot_memory.py`` (``--plots N``, ``--limit-mb M``). Linux only
(reads ``/proc/self/status``). Every request goes through the app in-process and asks for a
plot never drawn before: all functions, varied ranges, sizes, scales, themes, PNG and SVG.

Warm-up draws until the in-process image cache is full (it is bounded by
``PLOT_CACHE_ENTRIES`` and ``PLOT_CACHE_BYTES``), so that what follows measures leaks and
not the cache filling up. Then ``--plots`` more distinct plots are drawn and the growth of
the resident set is printed; the exit status is 1 if it is ``--limit-mb`` or more.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

from app.api.curves import image_cache
from app.core import registry
from app.main import app

SIZES = ((640, 480, 1), (320, 240, 2), (1200, 400, 1), (200, 600, 1))


def rss_mb() -> float:
    """Resident memory of this process and its children (the render processes that draw), in MB."""
    pids = [str(os.getpid())]
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    if children.exists():
        pids += children.read_text().split()
    total = 0.0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError), open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024.0
    return total


def distinct_plots() -> Iterator[tuple[str, dict[str, object]]]:
    for i in itertools.count():
        width, height, scale = SIZES[i % len(SIZES)]
        params: dict[str, object] = {
            "x_max": 3.0 + i * 1e-4,
            "width": width,
            "height": height,
            "scale": scale,
            "theme": "dark" if i % 3 == 0 else "light",
            "format": "svg" if i % 7 == 0 else "png",
            "num": 100 + i % 400,
        }
        yield f"/v1/activations/{registry.NAMES[i % len(registry.NAMES)]}/plot", params


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=2000, help="distinct plots measured after warm-up")
    parser.add_argument("--limit-mb", type=float, default=30.0, help="allowed growth of the resident set")
    args = parser.parse_args()

    client = TestClient(app)
    plots = distinct_plots()
    start = time.perf_counter()
    warm = 0
    while len(image_cache) < image_cache.max_entries and image_cache.nbytes < 0.95 * image_cache.max_bytes:
        url, params = next(plots)
        assert client.get(url, params=params).status_code == 200
        warm += 1
    before = rss_mb()
    print(
        f"warm-up: {warm} plots in {time.perf_counter() - start:.0f} s; cache {len(image_cache)} images, "
        f"{image_cache.nbytes / 2**20:.1f} MB; RSS {before:.1f} MB"
    )
    start = time.perf_counter()
    for n in range(1, args.plots + 1):
        url, params = next(plots)
        assert client.get(url, params=params).status_code == 200
        if n % 250 == 0:
            rss = rss_mb()
            cached = image_cache.nbytes / 2**20
            print(f"  after {n:5d} plots: RSS {rss:.1f} MB ({rss - before:+.1f} MB), cache {cached:.1f} MB")
    growth = rss_mb() - before
    print(
        f"{args.plots} distinct plots in {time.perf_counter() - start:.0f} s: RSS grew {growth:+.1f} MB "
        f"(limit {args.limit_mb:g} MB)"
    )
    return 0 if growth < args.limit_mb else 1


if __name__ == "__main__":
    sys.exit(main())
