"""Central differences of every order: their steps, their accuracy against the exact
derivatives, and ``evaluate``/``evaluate_orders`` for registered functions."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from app.core import registry
from app.core.evaluate import (
    SECOND_DIFFERENCE_STEP,
    THIRD_DIFFERENCE_STEP,
    Method,
    central_difference,
    evaluate,
    evaluate_orders,
    numeric_derivatives,
)
from app.core.expressions import compile_expression
from app.core.expressions import evaluate as evaluate_expression

from .test_expressions_parse import LIMITS

GRID = np.linspace(-10.0, 10.0, 20001)

# Smooth on [-10, 10]: no kink for a difference to straddle.
SMOOTH = [
    "exp(x/3)",
    "x**3 - 2*x",
    "1/(1 + x**2)",
    "erf(x/2)",
    "log1p(exp(x))",
    "exp(-x**2)",
    "sqrt(1 + x**2)",
    "log(x**2 + 1)",
    "sigmoid(x)",
    "tanh(x)",
    "gelu(x)",
    "gelu(x, approximate='tanh')",
    "silu(x)",
    "mish(x)",
    "softplus(x)",
    "logsigmoid(x)",
    "tanhshrink(x)",
    "squareplus(x)",
    "softsign(x + 20)",
    "x*sigmoid(1.702*x)",
    "elu(x + 11)*tanh(x/2)",
]
# Smooth too, but with a wavelength that does not grow with |x| as the step does: near |x| = 10
# the step is ten times its size at 1, and truncation error takes over.
OSCILLATING = ["sin(x)", "sin(x)*cos(2*x)", "cos(3*x) + x**2/7"]

# Largest |numeric - exact| / max(|exact|, 1) allowed per order on GRID, about three times the
# worst measured: 1.3e-10, 6.2e-8 and 7.2e-6 on SMOOTH (elu(x + 11) tanh(x/2) for the first
# derivative, 1/(1 + x^2) for the second and third), and 1.3e-8, 3.9e-6 and 1.9e-4 on
# OSCILLATING (sin(x) cos(2x) and cos(3x) + x^2/7 near |x| = 9).
TOLERANCE = {1: 5e-10, 2: 2e-7, 3: 2e-5}
OSCILLATING_TOLERANCE = {1: 5e-8, 2: 1e-5, 3: 5e-4}


def relative_error(numeric: np.ndarray, exact: np.ndarray) -> float:
    return float(np.max(np.abs(numeric - exact) / np.maximum(np.abs(exact), 1.0)))


@pytest.mark.parametrize("text", SMOOTH + OSCILLATING)
def test_numeric_derivatives_of_every_order_are_within_their_tolerance(text: str) -> None:
    expression = compile_expression(text, LIMITS)
    exact = evaluate_expression(expression, GRID, order=3).orders
    numeric = evaluate_expression(expression, GRID, Method.numeric, order=3).orders
    np.testing.assert_array_equal(numeric[0], exact[0])
    tolerance = OSCILLATING_TOLERANCE if text in OSCILLATING else TOLERANCE
    for order in (1, 2, 3):
        assert relative_error(numeric[order], exact[order]) <= tolerance[order], f"order {order}"


def test_each_order_is_far_more_accurate_with_its_own_step_than_with_the_first_orders() -> None:
    # With cbrt(eps) the second and third differences would be bound by rounding, eps |f| / h^k:
    # errors of about 1e-5 and 1 here, against 4e-8 and 2e-6 with their own steps.
    expression = compile_expression("exp(x/3)", LIMITS)
    exact = evaluate_expression(expression, GRID, order=3).orders
    numeric = evaluate_expression(expression, GRID, Method.numeric, order=3).orders
    h = np.cbrt(np.finfo(np.float64).eps) * np.maximum(np.abs(GRID), 1.0)
    y = evaluate_expression(expression, GRID + np.multiply.outer([-2, -1, 0, 1, 2], h), order=0).y
    with_first_step = ((y[1] - 2 * y[2] + y[3]) / h**2, (y[4] - 2 * y[3] + 2 * y[1] - y[0]) / (2 * h**3))
    for order, crude in zip((2, 3), with_first_step, strict=True):
        assert relative_error(numeric[order], exact[order]) * 100 < relative_error(crude, exact[order])


def test_order_one_is_todays_central_difference_bit_for_bit() -> None:
    (first,) = numeric_derivatives(np.sin, GRID, 1)
    assert first.tobytes() == central_difference(np.sin, GRID).tobytes()
    assert numeric_derivatives(np.sin, GRID, 3)[0].tobytes() == first.tobytes()


def test_order_zero_gives_nothing_and_order_four_is_refused() -> None:
    assert numeric_derivatives(np.sin, GRID, 0) == ()
    with pytest.raises(ValueError, match="order"):
        numeric_derivatives(np.sin, GRID, 4)


def nodes_asked(order: int) -> list[np.ndarray]:
    """The points at which the ``order``-th difference evaluates f on GRID, in its order."""
    asked: list[np.ndarray] = []

    def record(t: np.ndarray) -> np.ndarray:
        asked.append(t)
        return np.zeros_like(t)

    numeric_derivatives(record, GRID, order)
    return asked[-(order + 1) :]  # x + h, x, x - h; or x + 2h, x + h, x - h, x - 2h


STEPS = {2: (SECOND_DIFFERENCE_STEP, (1, 0, -1)), 3: (THIRD_DIFFERENCE_STEP, (2, 1, -1, -2))}


@pytest.mark.parametrize("order", [2, 3])
def test_steps_are_powers_of_two_proportional_to_max_abs_x_one(order: int) -> None:
    relative, multiples = STEPS[order]
    h = (nodes_asked(order)[0] - GRID) / multiples[0]
    mantissa, _ = np.frexp(h)
    np.testing.assert_array_equal(mantissa, 0.5)
    ratio = h / np.maximum(np.abs(GRID), 1.0)
    assert (ratio > relative).all()
    assert (ratio <= 2 * relative).all()


@pytest.mark.parametrize("order", [2, 3])
def test_the_nodes_are_exact_unless_they_cross_into_the_next_binade(order: int) -> None:
    relative, multiples = STEPS[order]
    _, exponent = np.frexp(np.maximum(np.abs(GRID), 1.0))
    h = np.ldexp(relative, exponent)
    inexact = 0
    for node, m in zip(nodes_asked(order), multiples, strict=True):
        for x, t, step in zip(GRID.tolist(), node.tolist(), h.tolist(), strict=True):
            error = Fraction(t) - Fraction(x) - m * Fraction(step)
            if error:
                inexact += 1
                assert abs(t) >= 2.0 ** np.frexp(x)[1] > abs(x)
                assert abs(error) <= abs(np.spacing(t)) / 2
    assert inexact < GRID.size * len(multiples) // 1000


def test_evaluate_orders_gives_the_registry_derivatives_or_differences_of_its_values() -> None:
    activation = registry.get("gelu")
    params = activation.defaults
    for order in range(4):
        analytic = evaluate_orders(activation, GRID, params, order)
        expected = activation.derivatives(GRID, params, order)
        assert len(analytic) == order + 1
        for got, want in zip(analytic, expected, strict=True):
            np.testing.assert_array_equal(got, want)
        numeric = evaluate_orders(activation, GRID, params, order, Method.numeric)
        differences = numeric_derivatives(lambda t: activation.value(t, params), GRID, order)
        for got, want in zip(numeric, (activation.value(GRID, params), *differences), strict=True):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ["relu", "gelu", "tanh", "softplus", "hardswish"])
def test_evaluate_keeps_its_first_order_numbers(name: str) -> None:
    activation = registry.get(name)
    params = activation.defaults
    y, dy = evaluate(activation, GRID, params)
    value, slope = activation.value_and_grad(GRID, params)
    np.testing.assert_array_equal(y, value)
    np.testing.assert_array_equal(dy, slope)  # type: ignore[arg-type]
    y, dy = evaluate(activation, GRID, params, derivative=False)
    np.testing.assert_array_equal(y, activation.value(GRID, params))
    assert dy is None
    y, dy = evaluate(activation, GRID, params, method=Method.numeric)
    np.testing.assert_array_equal(dy, central_difference(lambda t: activation.value(t, params), GRID))  # type: ignore[arg-type]
