"""The fast forms of the piecewise functions give, bit for bit, the numbers of their definitions as selects.

Each function is written without ``np.where`` where a single ufunc or in-place steps give the same
numbers (app/core/functions.py); the selects below are those definitions, branch by branch. They must
agree on every bit, the sign of zero and nan included, at kinks, infinities and subnormals, for
parameters on each side of every fast path, and on short arrays, which numpy computes without SIMD.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from app.core import functions as fn

POINTS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 1e300, -1e300, 1e6, -1e6]
BREAKS = [0.0, 0.5, 1.0, 2.0, 3.0, 6.0]


def _inputs(*breaks: float) -> np.ndarray:
    at = np.array([b for k in (*BREAKS, *breaks) for b in (k, -k)])
    x = np.concatenate(
        [
            POINTS,
            at,
            np.nextafter(at, np.inf),
            np.nextafter(at, -np.inf),
            np.linspace(-8.0, 8.0, 1601),
            np.random.default_rng(0).standard_normal(1000) * 3.0,
        ]
    )
    return x


def _bits(a: np.ndarray) -> bytes:
    assert a.dtype == np.float64
    return a.tobytes()


def _select(cond: np.ndarray, a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    return np.where(cond, a, b).astype(np.float64)


def _assert_same_bits(
    fast: Callable[[np.ndarray], np.ndarray], select: Callable[[np.ndarray], np.ndarray], x: np.ndarray
) -> None:
    with np.errstate(all="ignore"):
        # Whole, and in short pieces whose elements numpy computes one at a time.
        for piece in (x, x[:1], x[:3], x[5:22], x[::7]):
            piece = np.ascontiguousarray(piece)
            got, want = fast(piece), select(piece)
            assert got.shape == want.shape
            if _bits(got) != _bits(want):
                bad = np.flatnonzero(got.view(np.uint64) != want.view(np.uint64))
                raise AssertionError(f"at x = {piece[bad[:5]]}: {got[bad[:5]]} != {want[bad[:5]]}")


SLOPES = [0.01, 0.25, 1.0, 1.5, 10.0, 0.0, -0.0, -0.5, -10.0]


def test_relu_is_the_select_with_0_for_nan_and_positive_zero() -> None:
    x = _inputs()
    _assert_same_bits(fn.relu, lambda t: _select(t > 0, t, 0.0), x)
    _assert_same_bits(fn.relu_grad, lambda t: _select(t > 0, 1.0, 0.0), x)
    with np.errstate(invalid="ignore"):
        assert _bits(fn.relu(np.array([-0.0, np.nan]))) == _bits(np.array([0.0, 0.0]))


@pytest.mark.parametrize("slope", SLOPES)
def test_leaky_relu_is_the_select_for_every_slope(slope: float) -> None:
    x = _inputs(slope)
    _assert_same_bits(lambda t: fn.leaky_relu(t, slope), lambda t: _select(t > 0, t, slope * t), x)
    _assert_same_bits(lambda t: fn.leaky_relu_grad(t, slope), lambda t: _select(t > 0, 1.0, slope), x)


@pytest.mark.parametrize(
    ("alpha", "scale", "input_scale"),
    [
        (1.0, 1.0, 1.0),
        (2.0, 1.0, 0.5),
        (0.5, 1.0, 2.0),
        (0.0, 1.0, 1.0),
        (-0.0, 1.0, 1.0),
        (fn.SELU_ALPHA, fn.SELU_SCALE, 1.0),
    ],
)
def test_elu_family_is_the_select(alpha: float, scale: float, input_scale: float) -> None:
    def value(t: np.ndarray) -> np.ndarray:
        return scale * _select(t > 0, t, alpha * np.expm1(np.minimum(t, 0.0) * input_scale))

    def grad(t: np.ndarray) -> np.ndarray:
        return scale * _select(t > 0, 1.0, alpha * input_scale * np.exp(np.minimum(t, 0.0) * input_scale))

    x = _inputs()
    _assert_same_bits(lambda t: fn._elu(t, alpha, scale, input_scale), value, x)
    _assert_same_bits(lambda t: fn._elu_grad(t, alpha, scale, input_scale), grad, x)


@pytest.mark.parametrize(
    ("threshold", "value"), [(0.0, 0.0), (1.0, 1.0), (-2.0, -2.0), (0.5, 0.0), (0.0, -0.0), (-0.0, 0.0), (0.0, 3.0)]
)
def test_threshold_is_the_select(threshold: float, value: float) -> None:
    x = _inputs(threshold, value)
    _assert_same_bits(lambda t: fn.threshold(t, threshold, value), lambda t: _select(t > threshold, t, value), x)
    _assert_same_bits(lambda t: fn.threshold_grad(t, threshold, value), lambda t: _select(t > threshold, 1.0, 0.0), x)


@pytest.mark.parametrize("lambd", [0.0, 0.5, 2.0])
def test_shrinks_are_the_select(lambd: float) -> None:
    x = _inputs(lambd)

    def inside(t: np.ndarray) -> np.ndarray:
        return (t >= -lambd) & (t <= lambd)

    _assert_same_bits(
        lambda t: fn.softshrink(t, lambd),
        lambda t: _select(t > lambd, t - lambd, _select(t < -lambd, t + lambd, 0.0)),
        x,
    )
    _assert_same_bits(lambda t: fn.softshrink_grad(t, lambd), lambda t: _select(inside(t), 0.0, 1.0), x)
    _assert_same_bits(lambda t: fn.hardshrink(t, lambd), lambda t: _select(inside(t), 0.0, t), x)
    _assert_same_bits(lambda t: fn.hardshrink_grad(t, lambd), lambda t: _select(inside(t), 0.0, 1.0), x)


def test_hard_and_sparse_functions_are_the_selects() -> None:
    x = _inputs()
    _assert_same_bits(fn.hardtanh_grad, lambda t: _select((t > -1.0) & (t < 1.0), 1.0, 0.0), x)
    _assert_same_bits(fn.hardsigmoid, lambda t: np.clip(t / 6.0 + 0.5, 0.0, 1.0), x)
    _assert_same_bits(fn.hardsigmoid_grad, lambda t: _select((t > -3.0) & (t < 3.0), 1.0 / 6.0, 0.0), x)
    _assert_same_bits(fn.hardswish, lambda t: t * np.clip(t / 6.0 + 0.5, 0.0, 1.0), x)
    _assert_same_bits(fn.hardswish_grad, lambda t: _select(t <= -3.0, 0.0, _select(t < 3.0, t / 3.0 + 0.5, 1.0)), x)
    _assert_same_bits(
        fn.sparse_plus_grad, lambda t: _select(t <= -1.0, 0.0, _select(t >= 1.0, 1.0, 0.5 * (t + 1.0))), x
    )
    _assert_same_bits(fn.sparse_sigmoid, lambda t: np.clip(0.5 * (t + 1.0), 0.0, 1.0), x)
    _assert_same_bits(fn.sparse_sigmoid_grad, lambda t: _select((t > -1.0) & (t < 1.0), 0.5, 0.0), x)
    _assert_same_bits(fn.binary_step, lambda t: _select(t >= 0, 1.0, 0.0), x)


@pytest.mark.parametrize(
    ("name", "params"),
    [("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}), ("tanhshrink", {})],
)
def test_a_derivative_alone_is_the_one_computed_with_the_value(name: str, params: dict[str, str]) -> None:
    alone = getattr(fn, f"{name}_grad")
    together = getattr(fn, f"{name}_with_grad")
    _assert_same_bits(lambda t: alone(t, **params), lambda t: together(t, **params)[1], _inputs())
