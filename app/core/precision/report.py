"""Where low precision bites: the thresholds and errors of a function computed in a dtype.

The inputs are every finite value for float16 and bfloat16 (65,536 bit patterns less the infinities and
nans), and a stated sample for float32 and float64 (:func:`sample`); every threshold found on the sample
is then refined over the representable numbers between the two sample points that bracket it, so it is
a representable number of the dtype, not a grid point.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.core.functions import Array
from app.core.precision.dtypes import MAX, Dtype, finite_values, round_to, ulp

ValuesAndGrad = Callable[[Array], tuple[Array, Array]]

# The sample for float32 and float64: every (2**13 - 1)-th (float32) or (2**45 - 1)-th (float64) bit pattern
# of the positive finite numbers, which spaces them evenly in log scale from the smallest subnormal to the
# largest finite value (1,024 per power of 2 in float32; an odd stride, so that both odd and even patterns
# are sampled), their negatives, 0, and 200,001 evenly spaced points on [-20, 20] (every 0.0002) rounded to
# the dtype: about 720,000 values in float32, 725,000 in float64.
SAMPLE_STRIDE = {Dtype.float32: (1 << 13) - 1, Dtype.float64: (1 << 45) - 1}
LINEAR = (-20.0, 20.0, 200_001)
# Points evaluated at once while refining a threshold between two sample points: a gap of at most this
# many representable numbers is evaluated whole.
_REFINE_POINTS = 1 << 16
# Representable numbers beyond a tail's start checked one by one: the start moves past any that fails.
_TAIL_CHECK = 1 << 16

_UINT = {Dtype.float32: np.uint32, Dtype.float64: np.uint64, Dtype.float16: np.uint16}
_FLOAT = {Dtype.float32: np.float32, Dtype.float64: np.float64, Dtype.float16: np.float16}


@dataclass(frozen=True)
class ErrorSummary:
    """How far values computed in a dtype are from the exact ones, in ULPs of the dtype.

    ``y_max_ulp`` is the largest |y - exact| / ulp(exact) over the points where both are finite, at
    ``y_max_ulp_at`` (an x); likewise for dy. ``y_exact_share`` is the share of points where y equals the
    exact value rounded to the dtype. ``underflows`` counts the points where dy is exactly 0 although the
    exact derivative is not; ``nonfinite`` those where y or dy is inf or nan although both exact values
    are finite.
    """

    points: int
    y_max_ulp: float
    y_max_ulp_at: float | None
    dy_max_ulp: float
    dy_max_ulp_at: float | None
    y_exact_share: float
    dy_exact_share: float
    underflows: int
    nonfinite: int


@dataclass(frozen=True)
class PrecisionReport:
    """Thresholds and errors of f and f' computed in ``dtype``, over ``inputs``.

    Every x is a representable number of the dtype (None where there is none):

    - ``zero_gradient_from``: the smallest x > 0 such that f' is exactly 0 at x and at every input above;
      ``zero_gradient_below``: the largest x < 0 such that f' is exactly 0 at x and at every input below.
    - ``saturates_from``: the smallest x > 0 from which on f equals ``upper_bound`` exactly, the value f
      takes at the largest finite input, where the exact f has a finite limit at +inf (sigmoid: 1);
      ``saturates_below`` and ``lower_bound`` likewise towards -inf (sigmoid: 0).
    - ``nonfinite_value_from``: the smallest x > 0 where f is inf or nan, ``nonfinite_value_below`` the
      largest x < 0; ``nonfinite_gradient_from`` and ``nonfinite_gradient_below`` for f'.
    - ``error``: f and f' against the exact values (None for float64, the reference itself).
    """

    dtype: Dtype
    inputs: str
    points: int
    zero_gradient_from: float | None
    zero_gradient_below: float | None
    saturates_from: float | None
    upper_bound: float | None
    saturates_below: float | None
    lower_bound: float | None
    nonfinite_value_from: float | None
    nonfinite_value_below: float | None
    nonfinite_gradient_from: float | None
    nonfinite_gradient_below: float | None
    error: ErrorSummary | None


# --- inputs ----------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _sample(dtype: Dtype) -> Array:
    if dtype in (Dtype.float16, Dtype.bfloat16):
        return finite_values(dtype)
    kind, stride = _UINT[dtype], SAMPLE_STRIDE[dtype]
    largest = int(np.array([MAX[dtype]], dtype=_FLOAT[dtype]).view(kind)[0])
    ends = np.array([1, largest], dtype=np.uint64)
    patterns = np.concatenate([np.arange(stride, largest, stride, dtype=np.uint64), ends]).astype(kind)
    positive = patterns.view(_FLOAT[dtype]).astype(np.float64)
    linear = round_to(np.linspace(*LINEAR), dtype)
    values = np.unique(np.concatenate([positive, -positive, [0.0], linear]))
    values.setflags(write=False)
    return values


def sample(dtype: Dtype) -> Array:
    """The inputs of a report: every finite value for float16 and bfloat16, the stated sample otherwise.

    Ascending, read-only, each value representable in ``dtype`` (float32: about 720,000 values).
    """
    return _sample(Dtype(dtype))


def describe_inputs(dtype: Dtype) -> str:
    dtype = Dtype(dtype)
    count = sample(dtype).size
    if dtype in (Dtype.float16, Dtype.bfloat16):
        return f"all {count:,} finite {dtype} values"
    start, stop, num = LINEAR
    return (
        f"{count:,} {dtype} values: every {SAMPLE_STRIDE[dtype]:,}th bit pattern of the positive finite "
        f"numbers and their negatives, 0, and {num:,} evenly spaced points on [{start:g}, {stop:g}]; thresholds "
        f"refined over every representable number between the sample points around them"
    )


# --- representable numbers between two sample points --------------------------------------------------------


def _magnitudes_between(dtype: Dtype, low: float, high: float, count: int) -> Array:
    """Up to ``count`` representable magnitudes evenly spaced in bit patterns from ``low`` to ``high`` (both in)."""
    if dtype is Dtype.bfloat16:
        values = finite_values(dtype)
        inside = values[(values >= low) & (values <= high)]
        return inside[:: max(1, inside.size // count)]
    kind, float_kind = _UINT[dtype], _FLOAT[dtype]
    a = int(np.array([low], dtype=float_kind).view(kind)[0])
    b = int(np.array([high], dtype=float_kind).view(kind)[0])
    if b - a + 1 <= count:
        patterns = np.arange(a, b + 1, dtype=np.uint64)
    else:
        # Integer steps (float64 cannot hold every 64-bit pattern).
        steps = np.floor(np.linspace(0.0, 1.0, count) * float(b - a)).astype(np.uint64)
        patterns = np.unique(np.minimum(np.uint64(a) + steps, np.uint64(b)))
        patterns[-1] = b
    return patterns.astype(kind).view(float_kind).astype(np.float64)


def _following(dtype: Dtype, magnitude: float, count: int) -> Array:
    """The ``count`` representable magnitudes just above ``magnitude`` (fewer near the largest finite value)."""
    kind, float_kind = _UINT[dtype], _FLOAT[dtype]
    start = int(np.array([magnitude], dtype=float_kind).view(kind)[0]) + 1
    largest = int(np.array([MAX[dtype]], dtype=float_kind).view(kind)[0])
    patterns = np.arange(start, min(start + count, largest + 1), dtype=np.uint64)
    return patterns.astype(kind).view(float_kind).astype(np.float64)


def _refine(
    dtype: Dtype, sign: float, low: float, high: float, holds: Callable[[Array], NDArray[np.bool_]], *, last: bool
) -> float:
    """The first magnitude in (low, high] where ``holds`` switches on, ``holds`` being false at low and true at high.

    ``last``: the one after the last false point (a tail that holds from there on); otherwise the first
    true point. Narrowed by evaluating up to 65,536 evenly spaced representable points at a time until
    every representable point in the remaining gap has been evaluated.
    """
    while True:
        magnitudes = _magnitudes_between(dtype, low, high, _REFINE_POINTS)
        on = holds(sign * magnitudes)
        on[0], on[-1] = False, True
        i = int(np.flatnonzero(~on)[-1]) if last else int(np.flatnonzero(on)[0]) - 1
        new_low, new_high = float(magnitudes[i]), float(magnitudes[i + 1])
        if magnitudes.size < _REFINE_POINTS or (new_low, new_high) == (low, high):
            return new_high
        low, high = new_low, new_high


def _side(x: Array, sign: float) -> NDArray[np.intp]:
    """The positions of the inputs on one side of 0, by increasing magnitude."""
    return np.flatnonzero(x > 0) if sign > 0 else np.flatnonzero(x < 0)[::-1]


def _tail(
    dtype: Dtype, x: Array, on: NDArray[np.bool_], sign: float, holds: Callable[[Array], NDArray[np.bool_]]
) -> float | None:
    """The smallest magnitude on one side from which ``holds`` is true at every input further out."""
    side = _side(x, sign)
    if side.size == 0 or not on[side[-1]]:
        return None
    off = np.flatnonzero(~on[side])
    if off.size == 0:
        return float(x[side[0]])
    i = int(off[-1])
    low, high = abs(float(x[side[i]])), abs(float(x[side[i + 1]]))
    if dtype in (Dtype.float16, Dtype.bfloat16):
        return sign * high
    start = _refine(dtype, sign, low, high, holds, last=True)
    # Between sample points a predicate can flicker (softsign' in float32 is 0 at every other number for a
    # while): the 65,536 numbers beyond the start are checked too, and the start moves past any failure.
    for _ in range(64):
        beyond = _following(dtype, start, _TAIL_CHECK)
        if beyond.size == 0:
            break
        failing = np.flatnonzero(~holds(sign * beyond))
        if failing.size == 0:
            break
        after = _following(dtype, float(beyond[failing[-1]]), 1)
        if after.size == 0:
            return None
        start = float(after[0])
    return sign * start


def _first(
    dtype: Dtype, x: Array, on: NDArray[np.bool_], sign: float, holds: Callable[[Array], NDArray[np.bool_]]
) -> float | None:
    """The smallest magnitude on one side where ``holds`` is true."""
    side = _side(x, sign)
    hits = np.flatnonzero(on[side])
    if hits.size == 0:
        return None
    j = int(hits[0])
    if j == 0 or dtype in (Dtype.float16, Dtype.bfloat16):
        return float(x[side[j]])
    low, high = abs(float(x[side[j - 1]])), abs(float(x[side[j]]))
    return sign * _refine(dtype, sign, low, high, holds, last=False)


# --- reports ---------------------------------------------------------------------------------------------------


def _limit(exact: ValuesAndGrad, sign: float) -> float | None:
    """The exact f's limit at sign * inf where it is finite and reached in double precision, else None."""
    with np.errstate(all="ignore"):
        far, farther = exact(np.array([sign * 1e150, sign * 1e300]))[0]
    return float(far) if far == farther and np.isfinite(far) else None


def precision_report(dtype: Dtype, f_in: ValuesAndGrad, exact: ValuesAndGrad) -> PrecisionReport:
    """The thresholds and errors of ``f_in`` (f and f' computed in ``dtype``) against ``exact`` (float64).

    ``f_in`` and ``exact`` take float64 arrays of values of ``dtype`` and return (f, f') as float64 arrays.
    """
    dtype = Dtype(dtype)
    x = sample(dtype)
    with np.errstate(all="ignore"):
        y, dy = f_in(x)

    def zero_gradient(t: Array) -> NDArray[np.bool_]:
        return np.asarray(f_in(t)[1] == 0.0)

    def nonfinite_value(t: Array) -> NDArray[np.bool_]:
        return ~np.isfinite(f_in(t)[0])

    def nonfinite_gradient(t: Array) -> NDArray[np.bool_]:
        return ~np.isfinite(f_in(t)[1])

    with np.errstate(all="ignore"):
        zero = dy == 0.0
        bounds: dict[float, tuple[float | None, float | None]] = {}
        for sign in (1.0, -1.0):
            if _limit(exact, sign) is None:
                bounds[sign] = (None, None)
                continue
            end = float(f_in(np.array([sign * MAX[dtype]]))[0][0])
            if not np.isfinite(end):
                bounds[sign] = (None, None)
                continue

            def at_bound(t: Array, end: float = end) -> NDArray[np.bool_]:
                return np.asarray(f_in(t)[0] == end)

            bounds[sign] = (_tail(dtype, x, y == end, sign, at_bound), end)
        return PrecisionReport(
            dtype=dtype,
            inputs=describe_inputs(dtype),
            points=int(x.size),
            zero_gradient_from=_tail(dtype, x, zero, 1.0, zero_gradient),
            zero_gradient_below=_tail(dtype, x, zero, -1.0, zero_gradient),
            saturates_from=bounds[1.0][0],
            upper_bound=bounds[1.0][1],
            saturates_below=bounds[-1.0][0],
            lower_bound=bounds[-1.0][1],
            nonfinite_value_from=_first(dtype, x, ~np.isfinite(y), 1.0, nonfinite_value),
            nonfinite_value_below=_first(dtype, x, ~np.isfinite(y), -1.0, nonfinite_value),
            nonfinite_gradient_from=_first(dtype, x, ~np.isfinite(dy), 1.0, nonfinite_gradient),
            nonfinite_gradient_below=_first(dtype, x, ~np.isfinite(dy), -1.0, nonfinite_gradient),
            error=None if dtype is Dtype.float64 else gradient_error(dtype, x, y, dy, *exact(x)),
        )


def _largest_error(dtype: Dtype, x: Array, values: Array, exact: Array) -> tuple[float, float | None]:
    both = np.isfinite(values) & np.isfinite(exact)
    if not np.any(both):
        return 0.0, None
    errors = np.abs(values[both] - exact[both]) / ulp(exact[both], dtype)
    i = int(np.argmax(errors))
    return float(errors[i]), float(x[both][i])


def gradient_error(dtype: Dtype, x: Array, y: Array, dy: Array, exact_y: Array, exact_dy: Array) -> ErrorSummary:
    """How far y and dy, computed in ``dtype`` at ``x``, are from the exact values, in ULPs of ``dtype``."""
    dtype = Dtype(dtype)
    with np.errstate(all="ignore"):
        y_ulp, y_at = _largest_error(dtype, x, y, exact_y)
        dy_ulp, dy_at = _largest_error(dtype, x, dy, exact_dy)
        exact_finite = np.isfinite(exact_y) & np.isfinite(exact_dy)
        nonfinite = exact_finite & ~(np.isfinite(y) & np.isfinite(dy))
        underflows = (dy == 0.0) & (exact_dy != 0.0) & np.isfinite(exact_dy)
        points = max(int(x.size), 1)
        return ErrorSummary(
            points=int(x.size),
            y_max_ulp=y_ulp,
            y_max_ulp_at=y_at,
            dy_max_ulp=dy_ulp,
            dy_max_ulp_at=dy_at,
            y_exact_share=float(np.count_nonzero(_same(y, round_to(exact_y, dtype)))) / points,
            dy_exact_share=float(np.count_nonzero(_same(dy, round_to(exact_dy, dtype)))) / points,
            underflows=int(np.count_nonzero(underflows)),
            nonfinite=int(np.count_nonzero(nonfinite)),
        )


def _same(a: Array, b: Array) -> NDArray[np.bool_]:
    return np.asarray((a == b) | (np.isnan(a) & np.isnan(b)))
