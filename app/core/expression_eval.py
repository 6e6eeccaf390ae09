"""Taylor-mode evaluation: every node gives its value and its derivatives in x up to order 3, as arrays.

A jet is ``(f, f', f'', f''')[: order + 1]``. The rules are those of calculus with PyTorch's
nested-autograd conventions at kinks: activations use the registry's analytic derivatives
(so their kinks match it exactly), |u|' = sign(u) (0 at 0) with no higher derivative, and
minimum/maximum split every derivative equally between tied arguments (the masks are
constants, so higher derivatives pass through them). Only the orders asked for are
computed, and order 1 computes f' by exactly the expressions of the first-order evaluator
it replaces, so its numbers (pinned by tests and caches) are unchanged. Undefined points
come out as nan or inf; callers run this under ``np.errstate`` and mask them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy import special

from app.core.expression_tree import ActivationCall, Binary, Elementary, Negate, Node, Number, Power, Variable
from app.core.functions import Array
from app.core.registry import MAX_ORDER

Jet = tuple[Array, ...]
Dual = tuple[Array, Array]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def forward(node: Node, x: Array) -> Dual:
    """(f(x), f'(x)) for the expression ``node``."""
    y, dy = jet(node, x, 1)
    return y, dy


def jet(node: Node, x: Array, order: int) -> Jet:
    """(f(x), f'(x), ...) up to the ``order``-th derivative (0 to 3) for the expression ``node``."""
    if not 0 <= order <= MAX_ORDER:
        raise ValueError(f"order must be 0 to {MAX_ORDER}, got {order}")
    return _jet(node, x, order)


def _jet(node: Node, x: Array, order: int) -> Jet:
    if isinstance(node, Variable):
        return (x.copy(), np.ones_like(x), *_zeros(x, order - 1)) if order else (x.copy(),)
    if isinstance(node, Number):
        return (np.full_like(x, node.value), *_zeros(x, order))
    if isinstance(node, Negate):
        return tuple(-a for a in _jet(node.operand, x, order))
    if isinstance(node, Binary):
        return _BINARY[node.op](_jet(node.left, x, order), _jet(node.right, x, order))
    if isinstance(node, Power):
        return _power(_jet(node.base, x, order), node.exponent)
    if isinstance(node, Elementary):
        args = [_jet(a, x, order) for a in node.args]
        if len(args) == 2:
            return _extremum(node.name, args[0], args[1])
        return _UNARY[node.name](args[0])
    return _activation(node, _jet(node.arg, x, order))


def _zeros(x: Array, count: int) -> list[Array]:
    return [np.zeros_like(x) for _ in range(count)]


def _compose(g: Sequence[Array], u: Jet, first: Array | None = None) -> Jet:
    """The jet of g(u(x)) by Faà di Bruno, from g's derivatives at u, ``g[k]`` = g^(k)(u), and u's jet.

    ``first`` is f' when a rule computes it in a form of its own (du / u rather than
    (1 / u) du), which keeps the first-order numbers those rules always gave.
    """
    order = len(u) - 1
    out = [g[0]]
    if order >= 1:
        out.append(g[1] * u[1] if first is None else first)
    if order >= 2:
        out.append(g[2] * (u[1] * u[1]) + g[1] * u[2])
    if order >= 3:
        out.append(g[3] * (u[1] * u[1] * u[1]) + 3.0 * g[2] * u[1] * u[2] + g[1] * u[3])
    return tuple(out)


def _add(u: Jet, v: Jet) -> Jet:
    return tuple(a + b for a, b in zip(u, v, strict=True))


def _subtract(u: Jet, v: Jet) -> Jet:
    return tuple(a - b for a, b in zip(u, v, strict=True))


def _multiply(u: Jet, v: Jet) -> Jet:
    """Leibniz: (uv)^(n) = sum over k of C(n, k) u^(k) v^(n-k)."""
    order = len(u) - 1
    out = [u[0] * v[0]]
    if order >= 1:
        out.append(u[1] * v[0] + u[0] * v[1])
    if order >= 2:
        out.append(u[2] * v[0] + 2.0 * (u[1] * v[1]) + u[0] * v[2])
    if order >= 3:
        out.append(u[3] * v[0] + 3.0 * (u[2] * v[1] + u[1] * v[2]) + u[0] * v[3])
    return tuple(out)


def _divide(u: Jet, v: Jet) -> Jet:
    """q = u/v; each derivative from Leibniz on u = qv, solved for q^(n) given the lower ones."""
    order = len(u) - 1
    q = u[0] / v[0]
    out = [q]
    if order >= 1:
        # d(u/v) = du/v - u dv/v^2, in the order of PyTorch's div backward.
        out.append(u[1] / v[0] - v[1] * u[0] / (v[0] * v[0]))
    if order >= 2:
        out.append((u[2] - 2.0 * (out[1] * v[1]) - q * v[2]) / v[0])
    if order >= 3:
        out.append((u[3] - 3.0 * (out[2] * v[1] + out[1] * v[2]) - q * v[3]) / v[0])
    return tuple(out)


_BINARY: dict[str, Callable[[Jet, Jet], Jet]] = {"+": _add, "-": _subtract, "*": _multiply, "/": _divide}


def _power(u: Jet, p: float) -> Jet:
    """u**p for a constant p: g^(k)(u) = p (p - 1) ... (p - k + 1) u**(p - k)."""
    if p == 0.0:
        # As PyTorch's pow_backward: the derivatives of u**0 are 0 everywhere, 0**-1 notwithstanding.
        return (np.ones_like(u[0]), *_zeros(u[0], len(u) - 1))
    g = [u[0] ** p]
    coefficient = 1.0
    for k in range(1, len(u)):
        coefficient *= p - (k - 1)
        # A vanishing coefficient (integer p below k) makes the derivative exactly 0, as nested
        # autograd gives, where 0 * u**(p - k) would be 0 * inf = nan at u = 0.
        g.append(coefficient * u[0] ** (p - k) if coefficient != 0.0 else np.zeros_like(u[0]))
    return _compose(g, u)


def _extremum(name: str, left: Jet, right: Jet) -> Jet:
    u, v = left[0], right[0]
    first = u > v if name == "maximum" else u < v
    tied = u == v
    value = np.where(first | tied, u, v).astype(np.float64, copy=False)
    derivatives = (
        np.where(tied, (du + dv) / 2.0, np.where(first, du, dv)).astype(np.float64, copy=False)
        for du, dv in zip(left[1:], right[1:], strict=True)
    )
    return (value, *derivatives)


def _exp(u: Jet) -> Jet:
    e = np.exp(u[0])
    return _compose([e] * len(u), u)


def _expm1(u: Jet) -> Jet:
    e = np.expm1(u[0])
    if len(u) == 1:
        return (e,)
    return _compose([e, *[e + 1.0] * (len(u) - 1)], u)


def _log_of(w: Array, value: Array, u: Jet) -> Jet:
    """log(w) where w = u + c: g' = 1/w, g'' = -1/w^2, g''' = 2/w^3; f' = du/w as it always was."""
    if len(u) == 1:
        return (value,)
    first = u[1] / w
    if len(u) == 2:
        return (value, first)
    r = 1.0 / w
    return _compose([value, r, -(r * r), 2.0 * (r * r * r)][: len(u)], u, first)


def _log(u: Jet) -> Jet:
    return _log_of(u[0], np.log(u[0]), u)


def _log1p(u: Jet) -> Jet:
    return _log_of(1.0 + u[0], np.log1p(u[0]), u)


def _sqrt(u: Jet) -> Jet:
    s = np.sqrt(u[0])
    if len(u) == 1:
        return (s,)
    first = u[1] / (2.0 * s)
    if len(u) == 2:
        return (s, first)
    g1 = 0.5 / s
    g2 = -0.5 * g1 / u[0]  # -1 / (4 u^(3/2))
    g3 = -1.5 * g2 / u[0]  # 3 / (8 u^(5/2))
    return _compose([s, g1, g2, g3][: len(u)], u, first)


def _abs(u: Jet) -> Jet:
    # sign(u) is a constant mask, as PyTorch's sgn backward (0): no term in sign's own derivatives.
    sign = np.sign(u[0])
    return (np.abs(u[0]), *(sign * d for d in u[1:]))


def _sin(u: Jet) -> Jet:
    s = np.sin(u[0])
    if len(u) == 1:
        return (s,)
    c = np.cos(u[0])
    return _compose([s, c, -s, -c][: len(u)], u)


def _cos(u: Jet) -> Jet:
    c = np.cos(u[0])
    if len(u) == 1:
        return (c,)
    s = np.sin(u[0])
    return _compose([c, -s, -c, s][: len(u)], u)


def _erf(u: Jet) -> Jet:
    value = np.asarray(special.erf(u[0]), dtype=np.float64)
    if len(u) == 1:
        return (value,)
    g1 = _TWO_OVER_SQRT_PI * np.exp(-(u[0] * u[0]))
    g = [value, g1]
    if len(u) > 2:
        g.append(-2.0 * u[0] * g1)
    if len(u) > 3:
        g.append((4.0 * (u[0] * u[0]) - 2.0) * g1)
    return _compose(g, u)


_UNARY: dict[str, Callable[[Jet], Jet]] = {
    "exp": _exp,
    "log": _log,
    "log1p": _log1p,
    "expm1": _expm1,
    "sqrt": _sqrt,
    "abs": _abs,
    "sin": _sin,
    "cos": _cos,
    "erf": _erf,
}


def _activation(node: ActivationCall, u: Jet) -> Jet:
    g = node.activation.derivatives(u[0], node.params, len(u) - 1)
    return _compose([np.asarray(a, dtype=np.float64) for a in g], u)
