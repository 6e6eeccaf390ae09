"""Forward-mode evaluation: every node gives its value and its derivative in x, as arrays.

The rules are the chain rule with PyTorch's autograd conventions: activations use the
registry's analytic derivatives (so their kinks match it exactly), |u|' = sign(u) (0 at
0), and minimum/maximum split the derivative equally between tied arguments. Undefined
points come out as nan or inf; callers run this under ``np.errstate`` and mask them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import special

from app.core.expression_tree import ActivationCall, Binary, Elementary, Negate, Node, Number, Power, Variable
from app.core.functions import Array

Dual = tuple[Array, Array]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def forward(node: Node, x: Array) -> Dual:
    """(f(x), f'(x)) for the expression ``node``."""
    if isinstance(node, Variable):
        return x.copy(), np.ones_like(x)
    if isinstance(node, Number):
        return np.full_like(x, node.value), np.zeros_like(x)
    if isinstance(node, Negate):
        u, du = forward(node.operand, x)
        return -u, -du
    if isinstance(node, Binary):
        return _binary(node.op, forward(node.left, x), forward(node.right, x))
    if isinstance(node, Power):
        return _power(forward(node.base, x), node.exponent)
    if isinstance(node, Elementary):
        args = [forward(a, x) for a in node.args]
        if len(args) == 2:
            return _extremum(node.name, args[0], args[1])
        return _UNARY[node.name](*args[0])
    return _activation(node, forward(node.arg, x))


def _binary(op: str, left: Dual, right: Dual) -> Dual:
    u, du = left
    v, dv = right
    if op == "+":
        return u + v, du + dv
    if op == "-":
        return u - v, du - dv
    if op == "*":
        return u * v, du * v + u * dv
    # d(u/v) = du/v - u dv/v^2, in the order of PyTorch's div backward.
    return u / v, du / v - dv * u / (v * v)


def _power(base: Dual, p: float) -> Dual:
    u, du = base
    if p == 0.0:
        # As PyTorch's pow_backward: the derivative of u**0 is 0 everywhere, 0**-1 notwithstanding.
        return np.ones_like(u), np.zeros_like(u)
    return u**p, p * u ** (p - 1.0) * du


def _extremum(name: str, left: Dual, right: Dual) -> Dual:
    u, du = left
    v, dv = right
    first = u > v if name == "maximum" else u < v
    tied = u == v
    value = np.where(first | tied, u, v)
    derivative = np.where(tied, (du + dv) / 2.0, np.where(first, du, dv))
    return value.astype(np.float64, copy=False), derivative.astype(np.float64, copy=False)


def _exp(u: Array, du: Array) -> Dual:
    e = np.exp(u)
    return e, e * du


def _expm1(u: Array, du: Array) -> Dual:
    e = np.expm1(u)
    return e, (e + 1.0) * du


def _sqrt(u: Array, du: Array) -> Dual:
    s = np.sqrt(u)
    return s, du / (2.0 * s)


def _erf(u: Array, du: Array) -> Dual:
    value = np.asarray(special.erf(u), dtype=np.float64)
    return value, _TWO_OVER_SQRT_PI * np.exp(-(u * u)) * du


_UNARY: dict[str, Callable[[Array, Array], Dual]] = {
    "exp": _exp,
    "log": lambda u, du: (np.log(u), du / u),
    "log1p": lambda u, du: (np.log1p(u), du / (1.0 + u)),
    "expm1": _expm1,
    "sqrt": _sqrt,
    "abs": lambda u, du: (np.abs(u), np.sign(u) * du),
    "sin": lambda u, du: (np.sin(u), np.cos(u) * du),
    "cos": lambda u, du: (np.cos(u), -np.sin(u) * du),
    "erf": _erf,
}


def _activation(node: ActivationCall, arg: Dual) -> Dual:
    u, du = arg
    value, slope = node.activation.value_and_grad(u, node.params)
    return np.asarray(value, dtype=np.float64), np.asarray(slope, dtype=np.float64) * du
