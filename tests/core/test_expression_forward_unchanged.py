"""First-order evaluation keeps its numbers bit for bit: ``forward``, and ``evaluate`` at order 1
by either method, against a frozen copy of the first-order evaluator that Taylor mode replaced.

Existing tests and cached answers pin these numbers; rewriting the rules for higher orders
must not move a single bit of f or f' (signs of zero and nan included).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy import special

from app.core.evaluate import Method, central_difference
from app.core.expression_eval import forward, jet
from app.core.expression_tree import ActivationCall, Binary, Elementary, Negate, Node, Number, Power, Variable
from app.core.expressions import compile_expression, evaluate

from .test_expressions_eval import HAND_DERIVED, TORCH_CASES
from .test_expressions_parse import LIMITS

Dual = tuple[np.ndarray, np.ndarray]
_C = 2.0 / math.sqrt(math.pi)


# --- The first-order evaluator as it was (app/core/expression_eval.py before Taylor mode). ---


def frozen_forward(node: Node, x: np.ndarray) -> Dual:
    if isinstance(node, Variable):
        return x.copy(), np.ones_like(x)
    if isinstance(node, Number):
        return np.full_like(x, node.value), np.zeros_like(x)
    if isinstance(node, Negate):
        u, du = frozen_forward(node.operand, x)
        return -u, -du
    if isinstance(node, Binary):
        return _binary(node.op, frozen_forward(node.left, x), frozen_forward(node.right, x))
    if isinstance(node, Power):
        u, du = frozen_forward(node.base, x)
        if node.exponent == 0.0:
            return np.ones_like(u), np.zeros_like(u)
        return u**node.exponent, node.exponent * u ** (node.exponent - 1.0) * du
    if isinstance(node, Elementary):
        args = [frozen_forward(a, x) for a in node.args]
        if len(args) == 2:
            return _extremum(node.name, args[0], args[1])
        return _UNARY[node.name](*args[0])
    assert isinstance(node, ActivationCall)
    u, du = frozen_forward(node.arg, x)
    value, slope = node.activation.value_and_grad(u, node.params)
    return np.asarray(value, dtype=np.float64), np.asarray(slope, dtype=np.float64) * du


def _binary(op: str, left: Dual, right: Dual) -> Dual:
    u, du = left
    v, dv = right
    if op == "+":
        return u + v, du + dv
    if op == "-":
        return u - v, du - dv
    if op == "*":
        return u * v, du * v + u * dv
    return u / v, du / v - dv * u / (v * v)


def _extremum(name: str, left: Dual, right: Dual) -> Dual:
    u, du = left
    v, dv = right
    first = u > v if name == "maximum" else u < v
    tied = u == v
    value = np.where(first | tied, u, v)
    derivative = np.where(tied, (du + dv) / 2.0, np.where(first, du, dv))
    return value.astype(np.float64, copy=False), derivative.astype(np.float64, copy=False)


_UNARY: dict[str, Callable[[np.ndarray, np.ndarray], Dual]] = {
    "exp": lambda u, du: (np.exp(u), np.exp(u) * du),
    "log": lambda u, du: (np.log(u), du / u),
    "log1p": lambda u, du: (np.log1p(u), du / (1.0 + u)),
    "expm1": lambda u, du: (np.expm1(u), (np.expm1(u) + 1.0) * du),
    "sqrt": lambda u, du: (np.sqrt(u), du / (2.0 * np.sqrt(u))),
    "abs": lambda u, du: (np.abs(u), np.sign(u) * du),
    "sin": lambda u, du: (np.sin(u), np.cos(u) * du),
    "cos": lambda u, du: (np.cos(u), -np.sin(u) * du),
    "erf": lambda u, du: (np.asarray(special.erf(u), dtype=np.float64), _C * np.exp(-(u * u)) * du),
}

# --- The checks. ---

EXTRA = [
    "log(x)",
    "1/x",
    "x/x",
    "sqrt(x)",
    "x**0",
    "x**-2",
    "x**0.5",
    "x**3",
    "abs(x)**1.5",
    "exp(exp(x))",
    "log1p(x) - expm1(x)/x",
    "minimum(relu(x), 1) + maximum(x, 0.5*x)",
    "sqrt(abs(x) + 1) * erf(x/2) / cos(x)",
    "relu(x - 1)**2 + leaky_relu(x, negative_slope=0.2)**3",
]
TEXTS = list(dict.fromkeys([*TORCH_CASES, *(h[0] for h in HAND_DERIVED), *EXTRA]))
KINKS = [-3.0, -1.0, -0.5, -1 / 3, 0.0, 1 / 3, 0.5, 1.0, 3.0, 6.0]
X = np.concatenate(
    [
        np.linspace(-10.0, 10.0, 2001),
        KINKS,
        np.nextafter(KINKS, -np.inf),
        np.nextafter(KINKS, np.inf),
        [-0.0, 1e-300, -1e-300, 1e300, -1e300, np.inf, -np.inf, np.nan],
    ]
)


def bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype=np.float64).tobytes()


@pytest.mark.parametrize("text", TEXTS)
def test_forward_gives_the_first_order_numbers_bit_for_bit(text: str) -> None:
    tree = compile_expression(text, LIMITS).tree
    with np.errstate(all="ignore"):
        y, dy = forward(tree, X)
        old_y, old_dy = frozen_forward(tree, X)
        jet_y, jet_dy = jet(tree, X, 1)
    assert bits(y) == bits(old_y)
    assert bits(dy) == bits(old_dy)
    assert bits(jet_y) == bits(y)
    assert bits(jet_dy) == bits(dy)


@pytest.mark.parametrize("text", TEXTS)
def test_higher_orders_leave_f_and_f_prime_unchanged(text: str) -> None:
    tree = compile_expression(text, LIMITS).tree
    with np.errstate(all="ignore"):
        old_y, old_dy = frozen_forward(tree, X)
        for order in (2, 3):
            orders = jet(tree, X, order)
            assert bits(orders[0]) == bits(old_y)
            assert bits(orders[1]) == bits(old_dy)
        assert bits(jet(tree, X, 0)[0]) == bits(old_y)


@pytest.mark.parametrize("text", TEXTS)
def test_evaluate_at_order_one_masks_as_before_by_either_method(text: str) -> None:
    expression = compile_expression(text, LIMITS)
    with np.errstate(all="ignore"):
        old_y, old_dy = frozen_forward(expression.tree, X)
        numeric_dy = central_difference(lambda t: frozen_forward(expression.tree, t)[0], X)
    y_ok = np.isfinite(old_y)
    for method, expected_dy in ((Method.analytic, old_dy), (Method.numeric, numeric_dy)):
        dy_ok = np.isfinite(expected_dy) & y_ok
        curve = evaluate(expression, X, method)
        assert bits(curve.y) == bits(np.where(y_ok, old_y, np.nan))
        assert bits(curve.dy) == bits(np.where(dy_ok, expected_dy, np.nan))
        assert curve.undefined == X.size - np.count_nonzero(y_ok)
        assert curve.undefined_dy == X.size - np.count_nonzero(dy_ok)
        assert len(curve.orders) == len(curve.undefined_counts) == 2
