"""Settings: every limit and default of the service, overridable by ACT_* variables."""

from typing import Annotated, Any, Literal

import orjson
from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACT_", case_sensitive=False)

    # Range and size of the x grid (defaults are the article's np.linspace(-5, 5, 100)).
    DEFAULT_X_MIN: float = -5.0
    DEFAULT_X_MAX: float = 5.0
    DEFAULT_NUM: int = 100
    MAX_ABS_X: float = 1e6
    MIN_NUM: int = 2
    MAX_NUM: int = 100_000
    # Points accepted in one POST body.
    MAX_POINTS: int = 100_000
    # Bytes accepted in one request body (413 beyond): MAX_POINTS numbers at full precision fit.
    MAX_BODY_BYTES: int = 4 * 1024 * 1024

    # Values requests of at most this many points (times its nodes, for an expression) are computed
    # on the event loop: below it the work costs less than handing it to a worker thread; above it a
    # thread keeps the loop free.
    INLINE_MAX_POINTS: int = 1_000
    # Bigger values requests computed at once per worker; the rest wait their turn. They share one GIL,
    # so more at once gains nothing, and each holds its answer (up to 30 MB) in memory meanwhile.
    VALUES_CONCURRENCY: int = 4

    # Values answers (GET) kept in memory per worker, and how long clients may cache one.
    VALUES_CACHE_ENTRIES: int = 1_024
    VALUES_CACHE_BYTES: int = 8 * 1024 * 1024
    VALUES_MAX_AGE: int = 86_400
    # GET requests remembered per worker with the key of their answer, so that the same request
    # again is answered from the cache (or with a 304) without being validated again.
    REQUEST_MEMO_ENTRIES: int = 2_048

    # CPU-heavy work (plots, analysis), per worker process: slots running at once, requests
    # allowed to wait for a slot, and how long one waits before a 503 with Retry-After.
    HEAVY_CONCURRENCY: int = 1
    HEAVY_QUEUE: int = 64
    HEAVY_WAIT_SECONDS: float = 10.0
    # Seconds a thread may hold the GIL before another may take it (Python's default is 0.005):
    # shorter, the event loop answers cheap requests sooner while a plot is drawn in a thread
    # (bench/load.py, "cheap beside expensive").
    GIL_SWITCH_INTERVAL: float = 0.001
    # Processes of each worker that draw plots (0: drawn in the worker's threads). matplotlib holds
    # the GIL for up to 90 ms at a time while drawing a large plot: in a process of its own, at a
    # lower CPU priority, it cannot hold up the cheap requests the worker answers meanwhile
    # (bench/load.py). Each costs about 150 MB of memory.
    RENDER_PROCESSES: int = 1

    # Logs on stderr: one line per request, and errors with their traceback. "json" for a log
    # collector, "text" for a person; "auto" is text when stderr is a terminal (make run), else json.
    LOG_FORMAT: Literal["auto", "json", "text"] = "auto"
    LOG_LEVEL: Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"] = "INFO"
    # Request metrics (/metrics) and the log line per request; off only to measure what they cost.
    REQUEST_TELEMETRY: bool = True
    # Seconds between SIGTERM and closing the listener, while /readyz already answers 503: a load
    # balancer polling it stops sending new requests before connections are refused. In-flight
    # requests are then drained as uvicorn does (--timeout-graceful-shutdown bounds it).
    SHUTDOWN_DELAY_SECONDS: float = 2.0

    # Browsers may call the API from these origins.
    # A JSON list or a comma-separated one: ACT_CORS_ORIGINS=http://127.0.0.1:3000,http://localhost:3000.
    CORS_ORIGINS: Annotated[list[str], NoDecode] = ["*"]

    # Responses of at least GZIP_MIN_BYTES are gzipped for clients that accept it: below one
    # TCP segment nothing is saved. Level 1 compresses JSON about 4x faster than 6 for 10% more
    # bytes (bench/RESULTS.md). NPY and PNG are sent as they are: they hardly shrink.
    GZIP_MIN_BYTES: int = 1_400
    GZIP_LEVEL: int = 1

    # Plots: grid points, size in CSS pixels, device-pixel scale, and pixels of one PNG.
    PLOT_MAX_NUM: int = 10_000
    PLOT_DEFAULT_WIDTH: int = 640
    PLOT_DEFAULT_HEIGHT: int = 480
    PLOT_MIN_SIZE: int = 100
    PLOT_MAX_SIZE: int = 4_000
    PLOT_MAX_SCALE: int = 4
    PLOT_MAX_PIXELS: int = 16_000_000
    # Text size relative to the size chosen for the figure (font_scale), and the characters of a
    # title or legend label given in the query.
    PLOT_MIN_FONT_SCALE: float = 0.5
    PLOT_MAX_FONT_SCALE: float = 4.0
    PLOT_MAX_TITLE_LENGTH: int = 200
    # Rendered plots kept in memory per worker (least recently used dropped first), and how
    # long clients may cache one: a plot is a pure function of its parameters. 1024 plots of the
    # default size take about 30 MB; the bytes bound is counted in a worker's memory budget
    # (tests/api/test_memory.py): within 100 MB of its warmed-up figure after the largest plots.
    PLOT_CACHE_ENTRIES: int = 1_024
    PLOT_CACHE_BYTES: int = 32 * 1024 * 1024
    PLOT_MAX_AGE: int = 86_400

    # Expressions (/v1/expressions, /v1/compare), all checked before anything is evaluated:
    # characters, parts (AST nodes), nesting of brackets and operations, |number| and |exponent|.
    EXPR_MAX_LENGTH: int = 500
    EXPR_MAX_NODES: int = 200
    EXPR_MAX_DEPTH: int = 64
    EXPR_MAX_LITERAL: float = 1e9
    EXPR_MAX_EXPONENT: float = 100.0
    # Work per request: expression nodes x grid points, summed over the curves (about 0.1 s per 1e6).
    EXPR_MAX_WORK: int = 5_000_000
    # Nodes of an expression whose /precision report is computed: the report evaluates about 1.6 million
    # inputs over the four dtypes, about 20 ms per node on this machine (bench/RESULTS.md), so 40 nodes
    # stay under a second.
    PRECISION_MAX_NODES: int = 40
    # Curves overlaid by /v1/compare, and the length of a legend label.
    COMPARE_MAX_CURVES: int = 8
    COMPARE_MAX_LABEL_LENGTH: int = 80

    # Analysis (/v1/activations/{name}/analysis, /v1/analysis/*). Every work cap counts all the
    # functions of one request, so the slowest allowed request stays bounded (bench/analysis.py).
    # A function's weight is 1 for a name and its node count for an expression.
    ANALYSIS_MAX_CURVES: int = 8
    ANALYSIS_DEFAULT_SAMPLES: int = 100_000
    ANALYSIS_MAX_SAMPLES: int = 1_000_000
    ANALYSIS_MAX_SIGMA: float = 1e3
    ANALYSIS_DEFAULT_DEPTH: int = 10
    NETWORK_MAX_DEPTH: int = 100
    NETWORK_MAX_WIDTH: int = 1_024
    NETWORK_MAX_BATCH: int = 4_096
    NETWORK_MAX_STEPS: int = 2_000
    # depth x width² (the weights held in memory, 8 bytes each).
    NETWORK_MAX_WEIGHTS: int = 4_194_304
    # depth x width x batch (x steps) x sum of the functions' weights: unit evaluations.
    NETWORK_MAX_EVALUATIONS: int = 16_777_216
    # depth x width² x batch x number of f: multiply-adds of one forward pass.
    GRADIENT_FLOW_MAX_WORK: int = 268_435_456
    # depth x width² x batch x steps x number of f: multiply-adds of the forward passes.
    DEAD_UNITS_MAX_WORK: int = 1_073_741_824
    # depth x steps x number of f: each layer of each step costs ~0.1 ms of fixed overhead.
    DEAD_UNITS_MAX_LAYER_STEPS: int = 20_000
    DEAD_UNITS_MAX_CHECKPOINTS: int = 200
    # n x 2 x (repeats + 1) x (1 + sum of the functions' weights): elements one cost request evaluates.
    COST_DEFAULT_N: int = 200_000
    COST_MAX_N: int = 10_000_000
    COST_MAX_REPEATS: int = 20
    COST_MAX_WORK: int = 40_000_000

    @field_validator("LOG_FORMAT", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("CORS_ORIGINS", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        """A JSON list as written, or the items of a comma-separated list."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            return orjson.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]


settings = Settings()
