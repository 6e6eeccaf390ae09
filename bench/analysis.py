"""Time the analysis endpoints: their defaults and the heaviest requests the limits allow.

    .venv/bin/python bench/analysis.py [--repeats 3]

Runs in-process (FastAPI's TestClient, no network), so the figures are the work of the
request itself. Each line is the median wall-clock time of the repeats; "cap" cases sit at
or just under a Settings limit, so they show what the slowest allowed request costs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from fastapi.testclient import TestClient

from app.api.deps import compile_at
from app.config import settings
from app.main import app

SLOW = ["gelu", "mish", "selu", "silu", "softplus", "elu", "tanh", "sigmoid"]
EXPRESSIONS = [f"x * sigmoid({k} * x) + 0.1 * tanh(x)" for k in range(1, 9)]


def cases() -> list[tuple[str, str, dict[str, Any]]]:
    s = settings
    gf = "/v1/analysis/gradient-flow"
    du = "/v1/analysis/dead-units"
    expr_weight = sum(compile_at(e, ("query", "f")).size for e in EXPRESSIONS)
    evals = s.NETWORK_MAX_EVALUATIONS
    # A small learning rate, so no run stops early by diverging: the whole budget is spent.
    slow_lr = {"lr": 0.01}
    return [
        ("analysis, default", "/v1/activations/relu/analysis", {}),
        (
            "analysis, cap: samples and num",
            "/v1/activations/gelu/analysis",
            {"samples": s.ANALYSIS_MAX_SAMPLES, "num": s.MAX_NUM},
        ),
        ("gradient-flow, default", gf, {}),
        ("gradient-flow, cap: 1 f, 4 x 1024, batch 64", gf, {"f": "relu", "depth": 4, "width": 1024, "batch": 64}),
        ("gradient-flow, cap: 1 f, 100 x 51, batch 1024", gf, {"f": "relu", "depth": 100, "width": 51, "batch": 1024}),
        (
            "gradient-flow, cap: 8 slow names, 100 x 16",
            gf,
            {"f": SLOW, "depth": 100, "width": 16, "batch": evals // (100 * 16 * len(SLOW))},
        ),
        (
            "gradient-flow, cap: 8 expressions, 100 x 9",
            gf,
            {"f": EXPRESSIONS, "depth": 100, "width": 9, "batch": evals // (100 * 9 * expr_weight)},
        ),
        ("gradient-flow/plot, default", gf + "/plot", {}),
        ("dead-units, default", du, {}),
        (
            "dead-units, cap: multiply-adds, 4 x 256",
            du,
            {
                "f": "relu",
                "depth": 4,
                "width": 256,
                "batch": 64,
                "steps": s.DEAD_UNITS_MAX_WORK // (4 * 256**2 * 64),
                **slow_lr,
            },
        ),
        (
            "dead-units, cap: evaluations, 8 slow names",
            du,
            {
                "f": SLOW,
                "depth": 10,
                "width": 16,
                "batch": 128,
                "steps": evals // (10 * 16 * 128 * len(SLOW)),
                **slow_lr,
            },
        ),
        (
            "dead-units, cap: evaluations, 8 expressions",
            du,
            {
                "f": EXPRESSIONS,
                "depth": 4,
                "width": 16,
                "batch": 64,
                "steps": evals // (4 * 16 * 64 * expr_weight),
                **slow_lr,
            },
        ),
        (
            "dead-units, cap: layer-steps, 100 x 1",
            du,
            {
                "f": "relu",
                "depth": 100,
                "width": 1,
                "batch": 1,
                "steps": s.DEAD_UNITS_MAX_LAYER_STEPS // 100,
                **slow_lr,
            },
        ),
        ("dead-units/plot, default", du + "/plot", {}),
        ("cost, default", "/v1/analysis/cost", {}),
        (
            "cost, cap: 8 slow names",
            "/v1/analysis/cost",
            {"f": SLOW, "n": s.COST_MAX_WORK // (2 * 6 * (1 + len(SLOW)))},
        ),
        (
            "cost, cap: 8 expressions",
            "/v1/analysis/cost",
            {"f": EXPRESSIONS, "n": s.COST_MAX_WORK // (2 * 6 * (1 + expr_weight))},
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with TestClient(app) as client:
        for name, path, params in cases():
            times, status = [], 0
            for _ in range(args.repeats):
                start = time.perf_counter()
                # A changing seed defeats the plot cache, so every repeat draws.
                response = client.get(path, params={**params, "seed": len(times)})
                times.append(time.perf_counter() - start)
                status = response.status_code
            detail = "" if status == 200 else f"  {response.text[:160]}"
            print(f"{name:52s} {status}  median {statistics.median(times):7.3f} s  max {max(times):7.3f} s{detail}")


if __name__ == "__main__":
    main()
