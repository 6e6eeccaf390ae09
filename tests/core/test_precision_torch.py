"""Values, derivatives and thresholds in float32, float16 and bfloat16 against PyTorch 2.13 on the CPU.

PyTorch runs every function on the inputs in the dtype (tensors padded so that its vectorised code path
computes them); app.core.precision emulates its kernels. The 16-bit types are compared on every finite
value, and agree bit for bit; float32 on the report's sample (about 720,000 values from the smallest
subnormal to the largest finite number) plus extremes, and agrees bit for bit except where PyTorch calls
MKL's tanh, which is within 1 ULP.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
import torch

from app.core import registry
from app.core.precision import Dtype, activation_report, finite_values, function_in, sample, ulp
from app.core.registry import Activation

from .reference import PARAM_CASES, REFERENCE_DIFFERS_AT, torch_value_and_grad_in

LOW = (Dtype.float32, Dtype.float16, Dtype.bfloat16)
# Parameters no dtype represents exactly: which conversion each kernel makes shows here.
UNREPRESENTABLE: dict[str, dict[str, Any]] = {
    "hardtanh": {"min_val": -0.3, "max_val": 0.7},
    "softshrink": {"lambd": 0.3},
    "hardshrink": {"lambd": 0.3},
    "threshold": {"threshold": 0.3, "value": -0.7},
    "leaky_relu": {"negative_slope": 0.3},
    "prelu": {"weight": 0.3},
    "elu": {"alpha": 0.3},
    "celu": {"alpha": 0.3},
    "softplus": {"beta": 0.3, "threshold": 7.7},
    "squareplus": {"b": 0.3},
}
EXTREMES = [-1e6, 1e6, -1e3, 1e3, -1e-300, 1e-300, -0.0, 0.0, -1e-40, 1e-40, -3e38, 3e38]
# Only float32 torch.tanh (MKL's vsTanh) is not reproduced bit for bit; it is within 1 ULP.
NOT_BIT_EXACT = {("tanh", Dtype.float32), ("tanhshrink", Dtype.float32)}
AVX512 = torch.backends.cpu.get_cpu_capability() == "AVX512"


def _cases() -> list[tuple[Activation, dict[str, Any]]]:
    cases = []
    for activation in registry.ACTIVATIONS:
        cases.append((activation, dict(activation.defaults)))
        extras = [*PARAM_CASES.get(activation.name, []), UNREPRESENTABLE.get(activation.name)]
        cases.extend((activation, {**activation.defaults, **extra}) for extra in extras if extra)
    return cases


CASES = _cases()
IDS = [f"{a.name}-{'-'.join(f'{k}={v}' for k, v in p.items() if v != a.defaults[k]) or 'defaults'}" for a, p in CASES]


def _key(params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(params.items()))


def inputs(dtype: Dtype) -> np.ndarray:
    """Every finite value (16-bit types) or the report's sample (float32), and the extremes."""
    base = sample(dtype) if dtype is Dtype.float32 else finite_values(dtype)
    return np.concatenate([base, EXTREMES])


def _torch_at(name: str, x: np.ndarray, params: dict[str, Any], dtype: Dtype) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's f and f', with f' = 0 at the kinks where the registry's convention differs from the reference's."""
    y, dy = torch_value_and_grad_in(name, x, params, dtype.value)
    dy[np.isin(x, REFERENCE_DIFFERS_AT.get(name, ()))] = 0.0
    return y, dy


@functools.lru_cache(maxsize=8)
def _torch(name: str, params: tuple[tuple[str, Any], ...], dtype: Dtype) -> tuple[np.ndarray, np.ndarray]:
    return _torch_at(name, inputs(dtype), dict(params), dtype)


def _needs_avx512(activation: Activation, params: dict[str, Any], dtype: Dtype) -> None:
    # float32 and bfloat16 GELU go to oneDNN, whose AVX-512 kernel is the one emulated.
    if activation.name == "gelu" and params["approximate"] == "none" and dtype is not Dtype.float16 and not AVX512:
        pytest.skip("oneDNN's GELU differs without AVX-512")


def agreement(expected: np.ndarray, got: np.ndarray, dtype: Dtype) -> tuple[float, float, float]:
    """(share equal, share within 1 ULP of the dtype, largest error in ULPs); nan matches nan, inf matches itself."""
    same = (expected == got) | (np.isnan(expected) & np.isnan(got))
    with np.errstate(all="ignore"):
        errors = np.where(same, 0.0, np.abs(expected - got) / ulp(expected, dtype))
    errors = np.where(np.isnan(errors), np.inf, errors)
    return float(np.mean(same)), float(np.mean(errors <= 1.0)), float(errors.max())


def _compared(activation: Activation, params: dict[str, Any], dtype: Dtype) -> tuple[np.ndarray, ...]:
    x = inputs(dtype)
    expected_y, expected_dy = _torch(activation.name, _key(params), dtype)
    y, dy = function_in(dtype, activation, x, params)
    return x, expected_y, expected_dy, y, dy


@pytest.mark.parametrize("dtype", LOW, ids=str)
@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_values_and_gradients_match_pytorch(activation: Activation, params: dict[str, Any], dtype: Dtype) -> None:
    _needs_avx512(activation, params, dtype)
    x, expected_y, expected_dy, y, dy = _compared(activation, params, dtype)
    for what, expected, got in (("f", expected_y, y), ("f'", expected_dy, dy)):
        exact, within_one, worst = agreement(expected, got, dtype)
        assert within_one >= 0.999, f"{what}: {within_one:.5f} within 1 ULP (worst {worst:.3g} ULP)"
        assert exact >= 0.999, f"{what}: {exact:.5f} equal"
        if (activation.name, dtype) not in NOT_BIT_EXACT:
            bad = np.flatnonzero(~((expected == got) | (np.isnan(expected) & np.isnan(got))))
            assert bad.size == 0, f"{what} differs at x = {x[bad][:5]}: {expected[bad][:5]} vs {got[bad][:5]}"


def _tail(x: np.ndarray, holds: np.ndarray, sign: float) -> float | None:
    """The smallest |x| on one side from which ``holds`` is true at every input further out (x ascending)."""
    side = np.flatnonzero(x > 0) if sign > 0 else np.flatnonzero(x < 0)[::-1]
    if not holds[side[-1]]:
        return None
    off = np.flatnonzero(~holds[side])
    return float(x[side[0]]) if off.size == 0 else float(x[side[off[-1] + 1]])


def _first(x: np.ndarray, holds: np.ndarray, sign: float) -> float | None:
    side = np.flatnonzero(x > 0) if sign > 0 else np.flatnonzero(x < 0)[::-1]
    hits = np.flatnonzero(holds[side])
    return float(x[side[hits[0]]]) if hits.size else None


@pytest.mark.parametrize("dtype", [Dtype.float16, Dtype.bfloat16], ids=str)
@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_16_bit_thresholds_are_pytorchs_over_every_input(
    activation: Activation, params: dict[str, Any], dtype: Dtype
) -> None:
    _needs_avx512(activation, params, dtype)
    x = finite_values(dtype)
    y, dy = (values[: x.size] for values in _torch(activation.name, _key(params), dtype))
    report = activation_report(dtype, activation, params)
    assert report.zero_gradient_from == _tail(x, dy == 0, 1.0)
    assert report.zero_gradient_below == _tail(x, dy == 0, -1.0)
    for sign, bound, start in (
        (1.0, report.upper_bound, report.saturates_from),
        (-1.0, report.lower_bound, report.saturates_below),
    ):
        if bound is not None:
            assert bound == y[-1 if sign > 0 else 0]
            assert start == _tail(x, y == bound, sign)
    assert report.nonfinite_value_from == _first(x, ~np.isfinite(y), 1.0)
    assert report.nonfinite_value_below == _first(x, ~np.isfinite(y), -1.0)
    assert report.nonfinite_gradient_from == _first(x, ~np.isfinite(dy), 1.0)
    assert report.nonfinite_gradient_below == _first(x, ~np.isfinite(dy), -1.0)


def _neighbours(t: float) -> tuple[float, float]:
    """The float32 numbers just inside (towards 0) and just outside t."""
    v = np.float32(t)
    inner = np.nextafter(v, np.float32(0.0))
    outer = np.nextafter(v, np.float32(np.copysign(np.inf, t)))
    return float(inner), float(outer)


@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_float32_thresholds_are_pytorchs_at_them_and_their_neighbours(
    activation: Activation, params: dict[str, Any]
) -> None:
    _needs_avx512(activation, params, Dtype.float32)
    report = activation_report(Dtype.float32, activation, params)
    checks: list[tuple[float, str]] = []
    for t in (report.zero_gradient_from, report.zero_gradient_below):
        if t is not None:
            checks.append((t, "zero gradient"))
    for t, bound in ((report.saturates_from, report.upper_bound), (report.saturates_below, report.lower_bound)):
        if t is not None:
            checks.append((t, f"bound {bound}"))
    for t in (report.nonfinite_value_from, report.nonfinite_value_below):
        if t is not None:
            checks.append((t, "nonfinite value"))
    for t, what in checks:
        inner, outer = _neighbours(t)
        points = np.array([inner, t, outer])
        y, dy = _torch_at(activation.name, points, params, Dtype.float32)
        ours_y, ours_dy = function_in(Dtype.float32, activation, points, params)
        np.testing.assert_array_equal(ours_y, y, err_msg=f"{what} at {t!r}")
        np.testing.assert_array_equal(ours_dy, dy, err_msg=f"{what} at {t!r}")
        tiny = inner == 0.0  # the threshold is the smallest magnitude: nothing lies inside it
        if what == "zero gradient":
            assert dy[1] == 0.0 and dy[2] == 0.0 and (tiny or dy[0] != 0.0), (t, dy)
        elif what.startswith("bound"):
            bound = report.upper_bound if t > 0 else report.lower_bound
            assert y[1] == bound and y[2] == bound and (tiny or y[0] != bound), (t, y)
        else:
            assert not np.isfinite(y[1]) and np.isfinite(y[0]), (t, y)
