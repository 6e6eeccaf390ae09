"""The service's Prometheus metrics, and their text for /metrics, right with one worker or several.

With several uvicorn workers each process counts in files of its own under prometheus-client's
``PROMETHEUS_MULTIPROC_DIR`` (``python -m app.serve`` creates and empties it before the workers
start), and a scrape, answered by any one worker, sums the files of all of them. Without the
variable (one process, the tests) the metrics live in the process's default registry.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# A cached answer takes well under a millisecond and the largest plot seconds.
_DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_SIZE_BUCKETS = (256, 1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216)
_WORK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter("http_requests", "HTTP requests answered", ["method", "route", "status_class"])
REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer",
    ["method", "route", "status_class"],
    buckets=_DURATION_BUCKETS,
)
RESPONSE_SIZE = Histogram(
    "http_response_size_bytes", "Bytes of an answer's body, as sent", ["method", "route"], buckets=_SIZE_BUCKETS
)

CACHE_HITS = Counter("cache_hits", "Lookups a cache answered", ["cache"])
CACHE_MISSES = Counter("cache_misses", "Lookups a cache could not answer", ["cache"])
CACHE_EVICTIONS = Counter("cache_evictions", "Entries dropped to stay within a cache's bounds", ["cache"])

HEAVY_IN_USE = Gauge(
    "heavy_slots_in_use", "Plots and analyses running (ACT_HEAVY_CONCURRENCY per worker)", multiprocess_mode="livesum"
)
HEAVY_WAITING = Gauge(
    "heavy_requests_waiting",
    "Plots and analyses waiting for a slot (ACT_HEAVY_QUEUE per worker)",
    multiprocess_mode="livesum",
)
HEAVY_SHED = Counter("heavy_shed", "Plots and analyses answered 503 because no slot came free")

RENDER_DURATION = Histogram("render_duration_seconds", "Drawing and encoding one plot", ["kind"], buckets=_WORK_BUCKETS)
ANALYSIS_DURATION = Histogram(
    "analysis_duration_seconds", "Computing one analysis or precision report", ["kind"], buckets=_WORK_BUCKETS
)

# A multiprocess file name: "<type>_<mode>_<pid>.db", e.g. gauge_livesum_1234.db.
_LIVE_FILE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")


def multiprocess_dir() -> Path | None:
    directory = os.environ.get(MULTIPROC_ENV)
    return Path(directory) if directory else None


def exposition() -> bytes:
    """The text of every metric, summed over the live and past workers when there are several."""
    directory = multiprocess_dir()
    if directory is None:
        return generate_latest(REGISTRY)
    forget_dead_processes(directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def forget_dead_processes(directory: Path) -> None:
    """Drop the gauges of workers that are gone (killed, crashed): their slots are no longer in use.

    Counters and histograms of a dead worker stay: what it counted still happened.
    """
    for path in directory.glob("gauge_live*.db"):
        found = _LIVE_FILE.match(path.name)
        if found and not _alive(int(found[1])):
            multiprocess.mark_process_dead(int(found[1]), str(directory))  # type: ignore[no-untyped-call]


def forget_this_process() -> None:
    """At a worker's orderly exit: its live gauges no longer count."""
    directory = multiprocess_dir()
    if directory is not None:
        multiprocess.mark_process_dead(os.getpid(), str(directory))  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
