"""The article's claims, computed: sparsity, saturation, vanishing gradients, dead units, cost.

Every number here is computed from the function itself (or from a small random network
using it), never looked up; every random draw comes from ``np.random.default_rng(seed)``.
Numbers that come out non-finite (an expression that overflows, a network that diverges)
are returned as None, so a caller never sees nan or infinity.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from app.core import networks
from app.core.expression_tree import ActivationCall, Variable
from app.core.expressions import Expression
from app.core.expressions import evaluate as evaluate_expression
from app.core.functions import Array
from app.core.networks import Init, Nonlinearity
from app.core.registry import Activation, ParamValue

# Halvings of a bracket when locating where a property switches on or off: 2^-60 of a
# grid step is below float64 resolution for any grid the service allows.
_BISECTIONS = 60
# Saturation, by default: |f'(x)| below this, whatever the function.
DEFAULT_EPS = 0.1
DEFAULT_EPS_RULE = "|f'(x)| < 0.1"
DEFAULT_EPS_WHY = (
    "a layer there passes back less than a tenth of the gradient it receives, so two such layers "
    "lose 99% of it: the vanishing gradient of the article. An absolute threshold, the same for "
    "every function, so that ranges and functions compare."
)
GIVEN_EPS_WHY = "the threshold given as eps"
# Output range: |x| up to this is sampled, and the growth from there to _FAR tells an unbounded side.
_NEAR, _FAR = 1e3, 1e6
# Where an asymptote is reached in float64 (x / (1 + |x|) is exactly 1 only out there).
_LIMITS = (-1e300, -1e150, -1e30, 1e30, 1e150, 1e300)


def bind(activation: Activation, params: Mapping[str, ParamValue]) -> Nonlinearity:
    """``activation`` at ``params`` as a function of x alone."""
    fixed = dict(params)
    return Nonlinearity(
        activation.name,
        activation.label,
        lambda x: activation.value(x, fixed),
        lambda x: activation.grad(x, fixed),
        second=lambda x: activation.derivatives(x, fixed, 2)[2],
    )


def from_expression(expression: Expression) -> Nonlinearity:
    """An expression as a function of x; a plain activation call uses the registry directly."""
    tree = expression.tree
    if isinstance(tree, ActivationCall) and isinstance(tree.arg, Variable):
        bound = bind(tree.activation, tree.params)
        # A bare name stays a name ("relu"); with parameters it is the normalised call.
        name = tree.activation.name if dict(tree.params) == tree.activation.defaults else expression.text
        return Nonlinearity(name, expression.label, bound.value, bound.grad, second=bound.second)
    return Nonlinearity(
        expression.text,
        expression.label,
        lambda x: evaluate_expression(expression, x).y,
        lambda x: evaluate_expression(expression, x).dy,
        weight=expression.size,
        second=lambda x: evaluate_expression(expression, x, order=2).orders[2],
    )


def finite(value: float) -> float | None:
    """``value``, or None when it is nan or infinite."""
    return value if math.isfinite(value) else None


def finite_list(values: Sequence[float]) -> list[float | None]:
    return [finite(float(v)) for v in values]


Predicate = Callable[[Array], NDArray[np.bool_]]


@dataclass(frozen=True)
class Interval:
    start: float
    end: float


def _switch_points(predicate: Predicate, inside: Array, outside: Array) -> Array:
    """Bisect each bracket [inside_i, outside_i] to where ``predicate`` stops holding, all at once."""
    a, b = inside.copy(), outside.copy()
    for _ in range(_BISECTIONS):
        mid = 0.5 * (a + b)
        holds = predicate(mid)
        a = np.where(holds, mid, a)
        b = np.where(holds, b, mid)
    return a


def _tidy(values: Array, x: Array) -> Array:
    """Bisection ends ~2^-60 grid steps from a switch: round that noise away (and -0.0 to 0.0)."""
    scale = float(max(abs(x[0]), abs(x[-1]), x[-1] - x[0]))
    return np.round(values / scale, 14) * scale + 0.0


def intervals_where(predicate: Predicate, x: Array) -> tuple[list[Interval], list[float]]:
    """The x-intervals of the sorted grid ``x`` on which ``predicate`` holds, and isolated points.

    Runs of grid points where it holds are widened to the exact switch points between grid
    points by bisection (clipped to the grid's ends); a run that shrinks to a single point is
    reported as a point. A stretch narrower than one grid step can be missed.
    """
    with np.errstate(all="ignore"):
        mask = np.asarray(predicate(x), dtype=bool)
    if not mask.any():
        return [], []
    edges = np.diff(mask.astype(np.int8))
    starts = np.flatnonzero(edges == 1) + 1
    ends = np.flatnonzero(edges == -1)
    if mask[0]:
        starts = np.r_[0, starts]
    if mask[-1]:
        ends = np.r_[ends, x.size - 1]
    left = x[starts].astype(np.float64)
    right = x[ends].astype(np.float64)
    with np.errstate(all="ignore"):
        inner_left = starts > 0
        left[inner_left] = _switch_points(predicate, x[starts[inner_left]], x[starts[inner_left] - 1])
        inner_right = ends < x.size - 1
        right[inner_right] = _switch_points(predicate, x[ends[inner_right]], x[ends[inner_right] + 1])
    left, right = _tidy(left, x), _tidy(right, x)
    intervals = [Interval(float(lo), float(hi)) for lo, hi in zip(left, right, strict=True) if hi > lo]
    points = [float(lo) for lo, hi in zip(left, right, strict=True) if hi <= lo]
    return intervals, points


def _covered(intervals: list[Interval], x: Array) -> float:
    span = float(x[-1] - x[0])
    return sum(i.end - i.start for i in intervals) / span if span > 0 else 0.0


@dataclass(frozen=True)
class Saturation:
    eps: float
    eps_rule: str
    why: str
    intervals: list[Interval]
    fraction: float
    # Saturated at that end of the range: an interval reaches it.
    left: bool
    right: bool


def saturation(f: Nonlinearity, x: Array, eps: float | None = None) -> Saturation:
    """Where |f'(x)| < eps on the range (or f'(x) = 0, which counts even when eps is 0); eps is 0.1 by default."""
    if eps is None:
        eps, rule, why = DEFAULT_EPS, DEFAULT_EPS_RULE, DEFAULT_EPS_WHY
    else:
        rule, why = f"|f'(x)| < {eps:g}", GIVEN_EPS_WHY
    threshold = eps

    def saturated(t: Array) -> NDArray[np.bool_]:
        g = np.abs(f.grad(t))
        return np.asarray((g < threshold) | (g == 0.0), dtype=np.bool_)

    intervals, _ = intervals_where(saturated, x)
    left = bool(intervals) and intervals[0].start <= float(x[0])
    right = bool(intervals) and intervals[-1].end >= float(x[-1])
    return Saturation(eps, rule, why, intervals, _covered(intervals, x), left, right)


def output_range(f: Nonlinearity) -> tuple[float | None, float | None]:
    """The infimum and supremum of f over all real x; None for an unbounded side.

    f is sampled densely near 0 and logarithmically out to |x| = 1e3; a side is unbounded when f grows
    more than a hundredfold from there to 1e6. The extreme sample is refined between its neighbours.
    """
    near = np.linspace(-20.0, 20.0, 4001)
    tail = np.logspace(np.log10(20.0), np.log10(_NEAR), 400)
    x = np.unique(np.concatenate([-tail, near, tail]))
    with np.errstate(all="ignore"):
        y = np.asarray(f.value(x), dtype=np.float64)
        far = np.asarray(f.value(np.array([-_FAR, -_NEAR, _NEAR, _FAR, *_LIMITS])), dtype=np.float64)
    ok = np.isfinite(y)
    if not ok.any():
        return None, None
    scale = np.maximum(1.0, np.abs(far[[1, 2]]))
    grows_up = bool(np.any(~np.isfinite(far[[0, 3]]) & (far[[0, 3]] > 0)) or np.any(far[[0, 3]] > 100 * scale))
    grows_down = bool(np.any(~np.isfinite(far[[0, 3]]) & (far[[0, 3]] < 0)) or np.any(far[[0, 3]] < -100 * scale))
    tails = far[np.isfinite(far)]
    low = None if grows_down else _extreme(f.value, x, np.where(ok, y, np.inf), tails, sign=1.0)
    high = None if grows_up else _extreme(f.value, x, np.where(ok, -y, np.inf), tails, sign=-1.0)
    return low, high


def _extreme(fn: Callable[[Array], Array], x: Array, signed: Array, tails: Array, sign: float) -> float | None:
    """The smallest of ``sign * f`` over the samples and the far ``tails``, refined between the neighbours of
    the best sample."""
    i = int(np.argmin(signed))
    best = min(float(signed[i]), *(float(sign * t) for t in tails))
    lo, hi = float(x[max(i - 1, 0)]), float(x[min(i + 1, x.size - 1)])
    with np.errstate(all="ignore"):
        found = optimize.minimize_scalar(
            lambda t: float(sign * np.asarray(fn(np.array([t])), dtype=np.float64)[0]),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-12},
        )
    if math.isfinite(float(found.fun)):
        best = min(best, float(found.fun))
    return finite(sign * best + 0.0)


@dataclass(frozen=True)
class Zeros:
    intervals: list[Interval]
    points: list[float]
    fraction: float


def zeros(f: Nonlinearity, x: Array) -> Zeros:
    """Where f(x) is exactly 0 on the range: whole intervals, and single points (grid points or sign changes)."""

    def is_zero(t: Array) -> NDArray[np.bool_]:
        return np.asarray(f.value(t) == 0.0, dtype=np.bool_)

    intervals, points = intervals_where(is_zero, x)
    with np.errstate(all="ignore"):
        y = f.value(x)
    sign = np.sign(y)
    # A sign change between two grid points is a root; bisection finds it to float precision.
    crossing = np.flatnonzero((sign[:-1] * sign[1:]) < 0)
    if crossing.size:
        with np.errstate(all="ignore"):
            lo = x[crossing]
            hi = x[crossing + 1]
            negative_first = sign[crossing] < 0
            roots = _switch_points(
                lambda t: np.asarray(np.where(negative_first, f.value(t) < 0, f.value(t) > 0), dtype=np.bool_),
                lo,
                hi,
            )
        points = sorted({*points, *(float(r) for r in _tidy(roots, x))})
    return Zeros(intervals, points, _covered(intervals, x))


def gradient_peak(f: Nonlinearity, x: Array) -> tuple[float | None, float | None]:
    """The largest finite |f'| on the range and where it is reached, refined between grid points."""
    return peak(f.grad, x)


def peak(fn: Callable[[Array], Array], x: Array) -> tuple[float | None, float | None]:
    """The largest finite |fn| on the range and where it is reached, refined between grid points."""
    with np.errstate(all="ignore"):
        g = np.abs(fn(x))
    ok = np.isfinite(g)
    if not ok.any():
        return None, None
    i = int(np.argmax(np.where(ok, g, -1.0)))
    best, where = float(g[i]), float(x[i])
    lo, hi = float(x[max(i - 1, 0)]), float(x[min(i + 1, x.size - 1)])
    if hi > lo:
        with np.errstate(all="ignore"):
            found = optimize.minimize_scalar(
                lambda t: -float(np.abs(fn(np.array([t]))[0])),
                bounds=(lo, hi),
                method="bounded",
                options={"xatol": 1e-12 * max(1.0, abs(where))},
            )
        value = -float(found.fun)
        if math.isfinite(value) and value > best:
            best, where = value, float(found.x)
    return best, where


@dataclass(frozen=True)
class GradientSummary:
    max_abs: float | None
    argmax: float | None
    at_zero: float | None
    depth: int
    gain_bound: float | None
    log10_gain_bound: float | None
    max_abs_second: float | None = None
    argmax_second: float | None = None


def gradient_summary(f: Nonlinearity, x: Array, depth: int) -> GradientSummary:
    """max|f'| on the range, where, f'(0), and max|f'|^depth: no chain of ``depth`` such factors exceeds it;
    and max|f''| on the range, where."""
    top, where = gradient_peak(f, x)
    with np.errstate(all="ignore"):
        at_zero = float(f.grad(np.zeros(1))[0])
    if top is None:
        bound, log_bound = None, None
    else:
        log_bound = depth * math.log10(top) if top > 0 else None
        bound = finite(top**depth) if log_bound is None or log_bound < 300 else None
    curvature, curvature_at = peak(f.second, x) if f.second is not None else (None, None)
    return GradientSummary(top, where, finite(at_zero), depth, bound, log_bound, curvature, curvature_at)


@dataclass(frozen=True)
class OutputStats:
    sigma: float
    samples: int
    seed: int
    sparsity: float
    sparsity_standard_error: float
    negative_fraction: float
    mean: float | None
    mean_standard_error: float | None
    variance: float | None
    undefined: int


def output_stats(f: Nonlinearity, sigma: float, samples: int, seed: int) -> OutputStats:
    """Statistics of f(X) for X ~ N(0, sigma²): the fraction of exact zeros, mean and variance."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, sigma, samples)
    with np.errstate(all="ignore"):
        y = f.value(x)
    ok = np.isfinite(y)
    y_ok = y[ok]
    zero = float(np.mean(y == 0.0))
    mean = float(np.mean(y_ok)) if y_ok.size else math.nan
    variance = float(np.var(y_ok)) if y_ok.size else math.nan
    return OutputStats(
        sigma=sigma,
        samples=samples,
        seed=seed,
        sparsity=zero,
        sparsity_standard_error=math.sqrt(zero * (1.0 - zero) / samples),
        negative_fraction=float(np.mean(y < 0.0)),
        mean=finite(mean),
        mean_standard_error=finite(math.sqrt(variance / y_ok.size)) if y_ok.size else None,
        variance=finite(variance),
        undefined=int(samples - y_ok.size),
    )


@dataclass(frozen=True)
class Analysis:
    saturation: Saturation
    zeros: Zeros
    gradient: GradientSummary
    outputs: OutputStats
    output_range: tuple[float | None, float | None]


def analyse(
    f: Nonlinearity, x: Array, *, eps: float | None, depth: int, sigma: float, samples: int, seed: int
) -> Analysis:
    """Everything the analysis endpoint reports about one function."""
    gradient = gradient_summary(f, x, depth)
    return Analysis(
        saturation=saturation(f, x, eps),
        zeros=zeros(f, x),
        gradient=gradient,
        outputs=output_stats(f, sigma, samples, seed),
        output_range=output_range(f),
    )


@dataclass(frozen=True)
class Flow:
    name: str
    label: str
    weight_grad_norm: list[float | None]
    output_grad_norm: list[float | None]
    activation_std: list[float | None]
    zero_fraction: list[float]
    ratio_per_layer: float | None


def _geometric_ratio(norms: list[float]) -> float | None:
    """How much the gradient norm shrinks (< 1) or grows (> 1) per layer, from the last layer to the first."""
    if len(norms) < 2 or not all(math.isfinite(n) and n > 0 for n in (norms[0], norms[-1])):
        return None
    return finite((norms[0] / norms[-1]) ** (1.0 / (len(norms) - 1)))


def gradient_flow(
    functions: Sequence[Nonlinearity], *, depth: int, width: int, batch: int, init: Init, std: float, seed: int
) -> list[Flow]:
    """Per-layer gradient norms of a random network, one per function, all on the same weights and batch."""
    flows = []
    results = networks.gradient_flow(functions, depth, width, batch, init, std, seed)
    for f, result in zip(functions, results, strict=True):
        flows.append(
            Flow(
                f.name,
                f.label,
                finite_list(result.weight_grad_norms),
                finite_list(result.output_grad_norms),
                finite_list(result.activation_std),
                result.zero_fraction,
                _geometric_ratio(result.output_grad_norms),
            )
        )
    return flows


@dataclass(frozen=True)
class DeadRun:
    name: str
    label: str
    steps: list[int]
    loss: list[float | None]
    dead_fraction: list[float]
    dead_fraction_per_layer: list[list[float]]
    final_loss: float | None
    diverged_at_step: int | None

    @property
    def final_dead_fraction(self) -> float:
        return self.dead_fraction[-1]


def dead_units(
    functions: Sequence[Nonlinearity],
    *,
    depth: int,
    width: int,
    batch: int,
    steps: int,
    lr: float,
    init: Init,
    std: float,
    seed: int,
    checkpoints: int,
) -> list[DeadRun]:
    """Train one network per function with plain SGD; the fraction of dead units at each checkpoint."""
    runs = []
    for f in functions:
        result = networks.train_sgd(f, depth, width, batch, steps, lr, init, std, seed, checkpoints)
        marks = result.checkpoints
        runs.append(
            DeadRun(
                f.name,
                f.label,
                [c.step for c in marks],
                finite_list([c.loss for c in marks]),
                [float(np.mean(c.dead_fraction)) for c in marks],
                [c.dead_fraction for c in marks],
                finite(result.final_loss) if result.final_loss is not None else None,
                result.diverged_at_step,
            )
        )
    return runs


@dataclass(frozen=True)
class Cost:
    name: str
    label: str
    value_ns_per_element: float
    derivative_ns_per_element: float
    value_relative: float | None
    derivative_relative: float | None
    value_repeats_ns_per_element: list[float]
    derivative_repeats_ns_per_element: list[float]


def _time_per_element(
    fns: Sequence[Callable[[Array], Array]], x: Array, repeats: int, rng: np.random.Generator
) -> list[list[float]]:
    """CPU nanoseconds per element of each of ``fns`` on ``x``, ``repeats`` times, in rounds.

    The CPU time of this thread, in which numpy's elementwise loops run: time the thread spends
    waiting while other work on a shared machine runs is not the function's cost. Each function is
    timed once per round, in an order drawn afresh each round, so that neither a change during the
    measurement nor what ran just before (the caches, the allocator's free memory) favours one.
    """
    times: list[list[float]] = [[] for _ in fns]
    with np.errstate(all="ignore"):
        for fn in fns:
            fn(x)  # warm-up: first-call allocations and caches are not what is measured
        for _ in range(repeats):
            for i in rng.permutation(len(fns)):
                start = time.thread_time_ns()
                fns[i](x)
                times[i].append((time.thread_time_ns() - start) / x.size)
    return times


def measure_cost(
    functions: Sequence[Nonlinearity], baseline: Nonlinearity, *, n: int, repeats: int, seed: int
) -> tuple[list[Cost], Cost]:
    """Nanoseconds per element of f and f' on ``n`` N(0, 1) inputs, the median of ``repeats`` runs.

    Each is also given relative to ``baseline``, measured the same way in the same rounds. What is
    timed is the registered numpy form itself, one call on all ``n`` inputs (the call's own overhead,
    about a microsecond, is below 1% of it from n = 100,000 up).
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    subjects = [baseline, *functions]
    runs = _time_per_element([fn for f in subjects for fn in (f.value, f.grad)], x, repeats, rng)
    medians = [statistics.median(r) for r in runs]
    v0, d0 = medians[0], medians[1]

    def cost(i: int, f: Nonlinearity) -> Cost:
        v, d = medians[2 * i], medians[2 * i + 1]
        return Cost(
            f.name,
            f.label,
            v,
            d,
            finite(v / v0) if v0 > 0 else None,
            finite(d / d0) if d0 > 0 else None,
            runs[2 * i],
            runs[2 * i + 1],
        )

    base = replace(cost(0, baseline), value_relative=1.0, derivative_relative=1.0)
    return [cost(i, f) for i, f in enumerate(functions, start=1)], base
