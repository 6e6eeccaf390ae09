"""Nanoseconds per element of every function and its derivative, before and after: a Markdown table.

*Before* is ``app/core/functions.py`` as committed at a git revision (the commit before the fast
forms unless ``--before`` names another), read with ``git show`` and loaded as a module of its own:
the checkout is left as it is.
*After* is the working tree. Each function runs at its default parameters on the same ``n``
N(0, 1) inputs (the inputs ``GET /v1/analysis/cost`` times), before and after interleaved call by
call; each figure is the median of the repeats, each repeat the CPU time of this thread (numpy's
elementwise loops run in it), so that other processes on a shared machine do not count. Every form
is also checked to give the same bits before and after on those inputs. It runs under the allocator
settings ``make run`` gives the service (bench/RESULTS.md): with glibc's defaults a new array can
cost more in page faults than the function computing it.

    .venv/bin/python bench/function_cost.py [--n 100000] [--repeats 21] [--before HEAD]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core import functions, registry  # noqa: E402
from bench.micro import RUN_ENVIRONMENT  # noqa: E402

SOURCE = "app/core/functions.py"
# Calls per timed sample: one call on 100,000 points takes 20 µs to 1 ms, far above the clock's resolution.
CALLS = 3

Fn = Callable[..., np.ndarray]


def committed_functions(revision: str) -> ModuleType:
    """``app/core/functions.py`` at ``revision``, imported under a name of its own."""
    source = subprocess.run(
        ["git", "show", f"{revision}:{SOURCE}"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "functions_before.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("functions_before", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def _sample(fn: Fn, x: np.ndarray, params: Mapping[str, object]) -> float:
    start = time.thread_time_ns()
    for _ in range(CALLS):
        fn(x, **params)
    return (time.thread_time_ns() - start) / (CALLS * x.size)


def compare(
    before: Fn | None, after: Fn, x: np.ndarray, params: Mapping[str, object], repeats: int
) -> tuple[float | None, float, bool]:
    """Median ns per element of ``before`` and ``after`` (interleaved), and whether they give the same bits."""
    with np.errstate(all="ignore"):
        same = before is None or np.array_equal(before(x, **params).view(np.uint64), after(x, **params).view(np.uint64))
        old: list[float] = []
        new: list[float] = []
        for _ in range(repeats):
            if before is not None:
                old.append(_sample(before, x, params))
            new.append(_sample(after, x, params))
    return (statistics.median(old) if old else None), statistics.median(new), same


def _ns(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _speedup(before: float | None, after: float) -> str:
    return "—" if before is None or after <= 0 else f"{before / after:.1f}×"


# The last commit before the fast forms: "before" in make bench's table.
BEFORE_FAST_FORMS = "31e337776968359e8e549f0966022a98f9970711"


def table(n: int = 100_000, repeats: int = 21, revision: str = BEFORE_FAST_FORMS, seed: int = 0) -> list[str]:
    """The Markdown table, one row per registered function at its defaults, and a line on the bits."""
    before = committed_functions(revision)
    x = np.random.default_rng(seed).standard_normal(n)
    lines = [
        f"CPU ns per element on {n:,} N(0, 1) inputs, median of {repeats} repeats; before: `{SOURCE}` "
        f"at {revision}, after: the working tree.",
        "",
        "| function | f before | f after | f speed-up | f′ before | f′ after | f′ speed-up |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    changed = []
    for activation in registry.ACTIVATIONS:
        params = dict(activation.defaults)
        cells = []
        for fn in (activation.function, activation.derivative):
            # The registry holds the working tree's functions; the committed ones are found by name.
            old = getattr(before, fn.__name__, None) if getattr(functions, fn.__name__, None) is fn else None
            old_ns, new_ns, same = compare(old, fn, x, params, repeats)
            if not same:
                changed.append(f"{activation.name} ({fn.__name__})")
            cells += [_ns(old_ns), _ns(new_ns), _speedup(old_ns, new_ns)]
        lines.append(f"| {activation.name} | " + " | ".join(cells) + " |")
    lines.append("")
    if changed:
        lines.append("Different bits before and after on these inputs: " + ", ".join(changed) + ".")
    else:
        lines.append("Before and after give the same bits on these inputs, for every function and derivative.")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--before", default=BEFORE_FAST_FORMS, help="the git revision whose functions are 'before'")
    args = parser.parse_args()
    if not RUN_ENVIRONMENT:
        print(
            "bench/micro.py found no allocator settings in the Makefile: timing under this environment's",
            file=sys.stderr,
        )
    elif any(os.environ.get(name) != value for name, value in RUN_ENVIRONMENT.items()):
        # glibc reads these when the process starts: start again with them.
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **RUN_ENVIRONMENT})
    print("\n".join(table(args.n, args.repeats, args.before)))


if __name__ == "__main__":
    main()
