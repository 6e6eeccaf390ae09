"""Evaluating expressions: exact derivatives by the chain rule, against hand-derived formulas,
a central difference and PyTorch's autograd; the registry's kinks; undefined points."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from app.core import registry
from app.core.evaluate import Method
from app.core.expression_tree import ActivationCall, Binary, Elementary, Negate, Node, Number, Power, Variable
from app.core.expressions import compile_expression, evaluate

from .reference import TORCH
from .test_expressions_parse import LIMITS


def curve(text: str, x: np.ndarray, method: Method = Method.analytic) -> tuple[np.ndarray, np.ndarray]:
    result = evaluate(compile_expression(text, LIMITS), x, method)
    return result.y, result.dy


GRID = np.linspace(-10.0, 10.0, 2001)


def test_tanh_equals_two_sigmoid_two_x_minus_one_to_1e_12() -> None:
    y_tanh, dy_tanh = curve("tanh(x)", GRID)
    y_sig, dy_sig = curve("2*sigmoid(2*x) - 1", GRID)
    np.testing.assert_allclose(y_sig, y_tanh, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dy_sig, dy_tanh, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", registry.NAMES)
def test_a_function_as_an_expression_equals_the_registry_exactly_kinks_included(name: str) -> None:
    activation = registry.get(name)
    params = activation.defaults
    x = np.concatenate([GRID, [k + d for k in activation.kink_points(params) for d in (-1e-12, 0.0, 1e-12)]])
    for text in (name, f"{name}(x)"):
        y, dy = curve(text, x)
        np.testing.assert_array_equal(y, activation.value(x, params))
        np.testing.assert_array_equal(dy, activation.grad(x, params))


def test_relu_derivative_at_zero_is_zero_as_in_the_registry() -> None:
    x = np.array([-1.0, -0.0, 0.0, 1.0])
    _, dy = curve("relu", x)
    np.testing.assert_array_equal(dy, [0.0, 0.0, 0.0, 1.0])
    _, dy = curve("leaky_relu(x, negative_slope=0.2)", x)
    np.testing.assert_array_equal(dy, [0.2, 0.2, 0.2, 1.0])


def sig(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


# (expression, its derivative written out by hand)
HAND_DERIVED = [
    ("x**3 - 2*x", lambda x: 3 * x**2 - 2),
    ("x*sigmoid(1.702*x)", lambda x: sig(1.702 * x) + 1.702 * x * sig(1.702 * x) * (1 - sig(1.702 * x))),
    ("exp(-x**2/2)", lambda x: -x * np.exp(-(x**2) / 2)),
    ("log1p(exp(x))", sig),
    ("sin(2*x)*cos(x)", lambda x: 2 * np.cos(2 * x) * np.cos(x) - np.sin(2 * x) * np.sin(x)),
    ("tanh(sigmoid(x))", lambda x: (1 - np.tanh(sig(x)) ** 2) * sig(x) * (1 - sig(x))),
    ("1/(1 + x**2)", lambda x: -2 * x / (1 + x**2) ** 2),
    ("sqrt(1 + x**2)", lambda x: x / np.sqrt(1 + x**2)),
    ("erf(x/2)", lambda x: np.exp(-(x**2) / 4) / np.sqrt(np.pi)),
    ("expm1(x/10)", lambda x: np.exp(x / 10) / 10),
    ("elu(3*x, alpha=2)", lambda x: np.where(3 * x > 0, 3.0, 6 * np.exp(3 * x))),
    ("relu(x)**2", lambda x: 2 * np.maximum(x, 0)),
    ("softplus(x, beta=0.5) - x/2", lambda x: sig(0.5 * x) - 0.5),
]


@pytest.mark.parametrize(("text", "derivative"), HAND_DERIVED, ids=[h[0] for h in HAND_DERIVED])
def test_derivative_matches_the_hand_derived_formula(text: str, derivative: object) -> None:
    x = GRID[GRID != 0.0]
    _, dy = curve(text, x)
    np.testing.assert_allclose(dy, derivative(x), rtol=1e-12, atol=1e-12)  # type: ignore[operator]


@pytest.mark.parametrize(("text", "derivative"), HAND_DERIVED, ids=[h[0] for h in HAND_DERIVED])
def test_derivative_matches_a_central_difference(text: str, derivative: object) -> None:
    # Away from the kinks of elu(3x) and relu(x)**2 at 0, where a difference straddles them.
    x = GRID[np.abs(GRID) > 0.01]
    _, exact = curve(text, x)
    _, numeric = curve(text, x, Method.numeric)
    np.testing.assert_allclose(exact, numeric, rtol=1e-6, atol=1e-8)


# Composed expressions checked against PyTorch's autograd, float64.
TORCH_CASES = [
    "2*sigmoid(2*x) - 1",
    "x*sigmoid(1.702*x)",
    "leaky_relu(x, negative_slope=0.2) + elu(x)/3",
    "gelu(x, approximate='tanh') * tanh(x)",
    "mish(2*x - 1)**2",
    "softplus(x, beta=2, threshold=5) / (1 + abs(x))",
    "hardswish(x) - hardtanh(x)*relu6(x + 1)",
    "maximum(x, 0) + minimum(x, 0.5)",
    "maximum(relu(x), x/2)",
    "selu(sin(x)) * celu(cos(x), alpha=0.5)",
    "exp(-x**2) * erf(x) + log1p(x**2)",
    "sqrt(softplus(x)) - expm1(-abs(x))",
    "silu(x)**3 - x**-2",
    "hardtanh(3*x, min_val=-2, max_val=2) + softshrink(x, lambd=1) + hardshrink(x)",
    "threshold(x, threshold=1, value=-1) * squareplus(x) + sparse_plus(x)",
    "logsigmoid(x) + tanhshrink(x) + softsign(x) + rrelu(x) + prelu(x, weight=0.1)",
    "relu(x) * relu(-x) + abs(x)",
    "elu(elu(elu(x, alpha=0.5)))",
    "sigmoid(tanh(softplus(x)))**2 / (1 + x**2)",
    "minimum(maximum(x, -1), 1) - hardtanh(x)",
]


def torch_forward(node: Node, x: torch.Tensor) -> torch.Tensor:
    """The same tree evaluated by PyTorch, to be differentiated by autograd."""
    if isinstance(node, Variable):
        return x
    if isinstance(node, Number):
        return torch.full_like(x, node.value)
    if isinstance(node, Negate):
        return -torch_forward(node.operand, x)
    if isinstance(node, Binary):
        a, b = torch_forward(node.left, x), torch_forward(node.right, x)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        return a * b if node.op == "*" else a / b
    if isinstance(node, Power):
        return torch_forward(node.base, x) ** node.exponent
    if isinstance(node, Elementary):
        args = [torch_forward(a, x) for a in node.args]
        ops = {"minimum": torch.minimum, "maximum": torch.maximum, "abs": torch.abs}
        return ops.get(node.name, getattr(torch, node.name))(*args)
    assert isinstance(node, ActivationCall)
    return TORCH[node.activation.name](torch_forward(node.arg, x), **node.params)


@pytest.mark.parametrize("text", TORCH_CASES)
def test_value_and_derivative_match_pytorch_autograd(text: str) -> None:
    expression = compile_expression(text, LIMITS)
    # The grid, its kinks and their neighbours, and the ties of minimum/maximum.
    x = np.concatenate([GRID, [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0]])
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = torch_forward(expression.tree, t)
    (grad,) = torch.autograd.grad(out.sum(), t)
    result = evaluate(expression, x)
    expected_y, expected_dy = out.detach().numpy(), grad.numpy()
    defined = np.isfinite(expected_y) & np.isfinite(expected_dy)
    assert np.array_equal(np.isfinite(result.dy), defined)
    np.testing.assert_allclose(result.y[defined], expected_y[defined], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(result.dy[defined], expected_dy[defined], rtol=1e-11, atol=1e-13)


def test_log_on_minus_one_to_one_gives_nan_where_undefined_and_counts_them() -> None:
    x = np.linspace(-1.0, 1.0, 5)  # -1, -0.5, 0, 0.5, 1
    result = evaluate(compile_expression("log(x)", LIMITS), x)
    assert result.undefined == 3
    assert result.undefined_dy == 3
    assert np.isnan(result.y[:3]).all()
    assert np.isnan(result.dy[:3]).all()
    np.testing.assert_allclose(result.y[3:], [np.log(0.5), 0.0])
    np.testing.assert_allclose(result.dy[3:], [2.0, 1.0])


def test_an_infinite_derivative_is_undefined_while_the_value_is_kept() -> None:
    result = evaluate(compile_expression("sqrt(abs(x))", LIMITS), np.array([-1.0, 0.0, 1.0]))
    np.testing.assert_array_equal(result.y, [1.0, 0.0, 1.0])
    assert result.undefined == 0
    assert result.undefined_dy == 1
    assert np.isnan(result.dy[1])


@pytest.mark.parametrize(
    ("text", "undefined"),
    [("1/x", 1), ("x/x", 1), ("exp(exp(x))", 1), ("x**-2", 1), ("x**0.5", 2), ("log(x - 10)", 4), ("x**0", 0)],
)
def test_undefined_and_overflowing_points_are_nan_without_warnings(text: str, undefined: int) -> None:
    # pytest turns warnings into errors, so a RuntimeWarning escaping numpy would fail here.
    x = np.array([-1e3, -1.0, 0.0, 1.0, 1e3])
    result = evaluate(compile_expression(text, LIMITS), x)
    assert result.undefined == undefined
    assert np.isnan(result.y).sum() == undefined
    assert np.isfinite(result.y[~np.isnan(result.y)]).all()
    assert np.isfinite(result.dy[~np.isnan(result.dy)]).all()


def test_a_constant_expression_has_zero_derivative() -> None:
    result = evaluate(compile_expression("2 - sigmoid(0)", LIMITS), GRID)
    np.testing.assert_array_equal(result.y, np.full_like(GRID, 1.5))
    np.testing.assert_array_equal(result.dy, np.zeros_like(GRID))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/x", [49]),
        ("x/(x - 1)", [59]),
        ("1/sin(x)", [18, 49, 80]),
        ("sin(50*x)", []),
        ("tanh(100*x)", []),
        ("relu", []),
    ],
)
def test_jumps_find_poles_between_grid_points_but_not_steep_or_fast_curves(text: str, expected: list[int]) -> None:
    from app.core.expressions import jumps

    x = np.linspace(-5.0, 5.0, 100)
    result = evaluate(compile_expression(text, LIMITS), x)
    assert jumps(x, result.y, result.dy).tolist() == expected
