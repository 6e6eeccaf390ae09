"""Expressions node by node in float32, float16 and bfloat16 against PyTorch eager and autograd in the dtype."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from app.core.expressions import Limits, compile_expression, evaluate
from app.core.precision import Dtype, expression_in, expression_report, finite_values, round_to, sample, ulp

from .reference import torch_expression_in

LIMITS = Limits(max_length=500, max_nodes=200, max_depth=64, max_exponent=100.0, max_literal=1e9)
EXPRESSIONS = [
    "2*sigmoid(2*x) - 1",
    "x*sigmoid(x)",
    "relu(x)**2",
    "tanh(x) + 0.1*x",
    "log1p(exp(x))",
    "exp(-x**2)",
    "leaky_relu(x, negative_slope=0.2)*2",
    "gelu(x)/2",
    "softplus(x, beta=2)",
    "sigmoid(x)*(1 - sigmoid(x))",
    "x/(1 + abs(x))",
    "x**3 - 3*x",
    "maximum(x, 0.1*x) + minimum(x, 0)",
    "expm1(x) - x",
    "0.3/x - (0.3 - x)",
    "x*tanh(softplus(x))",
    "softsign(x) + tanhshrink(x)",
    "squareplus(x) - x/2",
    "x**-2 + x**0.5",
    "hardswish(x) + elu(x, alpha=0.3)",
    "celu(x, alpha=0.5)*mish(x) - hardtanh(x, min_val=-0.3)",
]
LOW = (Dtype.float32, Dtype.float16, Dtype.bfloat16)


@functools.lru_cache(maxsize=3)
def inputs(dtype: Dtype) -> np.ndarray:
    """Every finite value (16-bit types) or the report's sample below 1e6 in magnitude (float32)."""
    if dtype is Dtype.float32:
        x = sample(dtype)
        return x[np.abs(x) <= 1e6]
    return finite_values(dtype)


def _within_one_ulp(expected: np.ndarray, got: np.ndarray, dtype: Dtype) -> tuple[float, float, float]:
    same = (expected == got) | (np.isnan(expected) & np.isnan(got))
    with np.errstate(all="ignore"):
        errors = np.where(same, 0.0, np.abs(expected - got) / ulp(expected, dtype))
    errors = np.where(np.isnan(errors), np.inf, errors)
    return float(np.mean(same)), float(np.mean(errors <= 1.0)), float(errors.max())


@pytest.mark.parametrize("dtype", LOW, ids=str)
@pytest.mark.parametrize("text", EXPRESSIONS)
def test_expressions_match_pytorch_eager_and_autograd(text: str, dtype: Dtype) -> None:
    expression = compile_expression(text, LIMITS)
    x = inputs(dtype)
    expected_y, expected_dy = torch_expression_in(expression.tree, x, dtype.value)
    # Not finite in PyTorch is undefined here (nan, and counted), as evaluate() treats float64.
    y_ok = np.isfinite(expected_y)
    expected_y = np.where(y_ok, expected_y, np.nan)
    expected_dy = np.where(y_ok & np.isfinite(expected_dy), expected_dy, np.nan)
    curve = expression_in(dtype, expression, x)
    assert curve.undefined == np.count_nonzero(np.isnan(expected_y))
    assert curve.undefined_dy == np.count_nonzero(np.isnan(expected_dy))
    for what, expected, got in (("f", expected_y, curve.y), ("f'", expected_dy, curve.dy)):
        exact, within_one, worst = _within_one_ulp(expected, got, dtype)
        assert within_one >= 0.999, f"{what}: {within_one:.5f} within 1 ULP, worst {worst:.3g} ULP"
        if dtype is not Dtype.float32:  # float32's exp, log, sqrt, erf and tanh are MKL's; the rest are exact
            assert exact == 1.0, f"{what}: {exact:.6f} equal"
        with np.errstate(over="ignore"):
            assert np.array_equal(round_to(got, dtype), got, equal_nan=True)


def test_float64_is_evaluate_itself() -> None:
    x = np.linspace(-10, 10, 2001)
    for text in EXPRESSIONS:
        expression = compile_expression(text, LIMITS)
        ours, theirs = expression_in(Dtype.float64, expression, x), evaluate(expression, x)
        np.testing.assert_array_equal(ours.y, theirs.y)
        np.testing.assert_array_equal(ours.dy, theirs.dy)
        assert ours.undefined_counts == theirs.undefined_counts


def test_constants_follow_pytorchs_scalar_rules() -> None:
    # 0.1 - x converts 0.1 to float16 first; 0.1 * x multiplies by 0.1 in float32 and rounds once.
    x = np.array([3.0])
    for text, expected in (
        ("0.1 - x", float(np.float16(0.1)) - 3.0),
        ("x * 0.1", float(np.float16(np.float32(0.1) * 3))),
    ):
        curve = expression_in(Dtype.float16, compile_expression(text, LIMITS), x)
        assert curve.y[0] == float(np.float16(expected))
    # A part without x is folded in double precision: exp(1) * x is e (as float32) times x.
    curve = expression_in(Dtype.float32, compile_expression("exp(1)*x", LIMITS), np.array([1.0]))
    assert curve.y[0] == float(np.float32(np.e)) and curve.dy[0] == float(np.float32(np.e))


def test_undefined_points_are_counted() -> None:
    x = np.array([-1.0, 0.0, 1.0, 20.0])
    curve = expression_in(Dtype.float16, compile_expression("log(x) + exp(x)", LIMITS), x)
    # log(-1) is nan, log(0) -inf, and exp(20) overflows float16.
    assert curve.undefined == 3 and np.isnan(curve.y[[0, 1, 3]]).all() and curve.y[2] == float(np.float16(np.e))
    assert curve.undefined_dy == 3


def test_expression_reports_find_pytorchs_thresholds() -> None:
    expression = compile_expression("2*sigmoid(2*x) - 1", LIMITS)
    x = finite_values(Dtype.float16)
    _, dy = torch_expression_in(expression.tree, x, "float16")
    report = expression_report(Dtype.float16, expression)
    positive = x > 0
    last_nonzero = x[positive & (dy != 0.0)].max()
    assert report.zero_gradient_from == x[x > last_nonzero][0] == 4.16015625
    assert report.upper_bound == 1.0 and report.lower_bound == -1.0
    assert expression_report(Dtype.float16, expression) is report  # cached
