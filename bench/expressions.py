"""Time parsing and evaluating expressions, and rejecting hostile ones: medians of repeated runs.

Run: ``.venv/bin/python bench/expressions.py`` (``--repeat N``). Prints one line per case:
the median and the fastest time, and for evaluation the cost relative to the registry's
own function on the same grid.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from app.api.deps import EXPRESSION_LIMITS as LIMITS
from app.core import registry
from app.core.expressions import ExpressionError, compile_expression, evaluate

HOSTILE = {
    "9**9**9": "9**9**9",
    "__import__('os')": "__import__('os')",
    "().__class__.__bases__": "().__class__.__bases__",
    "1 MB string": "x" * 1_000_000,
    "10,000-deep parentheses": "(" * 10_000 + "x" + ")" * 10_000,
    "64-deep parentheses": "(" * 65 + "x" + ")" * 65,
    "431 parts": "*".join(["(" + "+".join(["x"] * 8) + ")"] * 27),
}

COMPOSED = {
    "relu": "relu",
    "2*sigmoid(2*x) - 1": "2*sigmoid(2*x) - 1",
    "gelu(x)*tanh(x) + log1p(x**2)": "gelu(x)*tanh(x) + log1p(x**2)",
    "sum of 8 activations": "relu + elu + gelu + silu + mish + softplus + tanh + sigmoid",
}


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), min(runs)


def reject(text: str) -> None:
    try:
        compile_expression(text, LIMITS)
    except ExpressionError:
        return
    raise AssertionError(f"{text[:40]!r} was accepted")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=51)
    repeat = parser.parse_args().repeat

    print(f"rejecting hostile input (median, min of {repeat})")
    for name, text in HOSTILE.items():
        median, fastest = timed(lambda text=text: reject(text), repeat)
        print(f"  {name:34s} {median * 1e3:8.3f} ms  {fastest * 1e3:8.3f} ms")

    relu = registry.get("relu")
    for num in (1_000, 100_000):
        x = np.linspace(-5.0, 5.0, num)
        base, _ = timed(lambda x=x: (relu.value(x, {}), relu.grad(x, {})), repeat)
        print(f"evaluating on {num:,} points (median, min, ratio to registry relu value+grad {base * 1e3:.3f} ms)")
        for name, text in COMPOSED.items():
            expression = compile_expression(text, LIMITS)
            median, fastest = timed(lambda e=expression, x=x: evaluate(e, x), repeat)
            print(f"  {name:34s} {median * 1e3:8.3f} ms  {fastest * 1e3:8.3f} ms  x{median / base:7.1f}")


if __name__ == "__main__":
    main()
