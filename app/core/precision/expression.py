"""Expressions evaluated node by node as PyTorch eager evaluates them in float32, float16 or bfloat16.

Each node is one PyTorch operation on tensors of the dtype: its output rounds to the dtype (the 16-bit
types compute in float32 and round once), and the derivative comes from reverse-mode autograd with each
backward operation rounded likewise, the gradients of x's occurrences added up in the order PyTorch's
engine adds them. The translation into PyTorch that this follows (tests/core/test_precision_expressions.py
runs it):

- ``u + c``, ``u - c``, ``c + u`` and ``c - u`` with a constant c: c converted to the dtype, then added;
  ``u * c``, ``c * u`` and ``u / c``: c in float32 (PyTorch's scalar operand), one rounding;
  ``c / u``: ``u.reciprocal() * c``, as ``Tensor.__rtruediv__`` computes it.
- ``u ** p``: ``torch.pow(u, p)`` with its special cases (p = 0, 1; float32 and bfloat16 compute p = 2,
  3 and -2 as products, bfloat16 rounding each; p = 0.5, -0.5, -1 are sqrt, rsqrt, reciprocal).
- exp, log, log1p, expm1, sqrt, abs, sin, cos, erf: ``torch.<name>``; minimum and maximum:
  ``torch.minimum`` / ``torch.maximum``, a constant argument as a full tensor of the dtype.
- an activation: its kernel (:mod:`app.core.precision.kernels`).
- A part of the expression without x is folded in double precision, as Python would, and used as c.

float32 ``torch.exp``, ``log``, ``sqrt``, ``sin``, ``cos`` and ``erf`` call MKL's VML functions, which
are within 1 ULP but not reproducible bit for bit; they are taken as the correctly rounded values.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.core import expressions
from app.core.expression_eval import jet
from app.core.expression_tree import ActivationCall, Binary, Elementary, Negate, Node, Number, Power, Variable
from app.core.functions import Array
from app.core.precision import single as s
from app.core.precision import sleef
from app.core.precision.dtypes import Dtype, Single, cast, to_single
from app.core.precision.kernels import KERNELS, Context

F = np.float32
Gradient = Single | list[Single] | None
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@dataclass(eq=False)
class _Tensor:
    """A value in the graph: its array, the order it was created in, and how to pass gradients back."""

    value: Single
    order: int
    # The gradients for each input (None for a constant) from the gradient of this value: one, or
    # several that autograd delivers in turn (an activation PyTorch runs as several operations).
    backward: Callable[[Single], Sequence[Gradient]] = field(repr=False)
    inputs: list[_Tensor | None]
    leaf: bool = False


Operand = _Tensor | float


class _Graph:
    def __init__(self, k: Context, x: Single) -> None:
        self.k = k
        self.created = 0
        self.x = _Tensor(x, -1, lambda g: [], [], leaf=True)

    # --- building ------------------------------------------------------------------------------------

    def tensor(
        self, value: Single, inputs: list[_Tensor | None], backward: Callable[[Single], Sequence[Gradient]]
    ) -> _Tensor:
        self.created += 1
        return _Tensor(value, self.created, backward, inputs)

    def evaluate(self, node: Node) -> Operand:
        if isinstance(node, Variable):
            return self.x
        if not _depends_on_x(node):
            # Folded in double precision, as Python folds constants before PyTorch sees them.
            return float(jet(node, np.zeros(1), 0)[0][0])
        if isinstance(node, Negate):
            operand = self.evaluate(node.operand)
            assert isinstance(operand, _Tensor)
            return self.tensor(-operand.value, [operand], lambda g: [-g])
        if isinstance(node, Binary):
            return self.binary(node.op, self.evaluate(node.left), self.evaluate(node.right))
        if isinstance(node, Power):
            base = self.evaluate(node.base)
            assert isinstance(base, _Tensor)
            return self.power(base, node.exponent)
        if isinstance(node, Elementary):
            args = [self.evaluate(a) for a in node.args]
            if len(args) == 2:
                return self.extremum(node.name, args[0], args[1])
            operand = args[0]
            assert isinstance(operand, _Tensor)
            return self.unary(node.name, operand)
        assert isinstance(node, ActivationCall)
        operand = self.evaluate(node.arg)
        assert isinstance(operand, _Tensor)
        return self.activation(node, operand)

    def in_dtype(self, c: float) -> np.float32:
        return F(cast(np.array([c]), self.k.dtype)[0])

    def binary(self, op: str, left: Operand, right: Operand) -> _Tensor:
        r = self.k.round
        if isinstance(left, _Tensor) and isinstance(right, _Tensor):
            u, v = left.value, right.value
            if op == "+":
                return self.tensor(r(u + v), [left, right], lambda g: [g, g])
            if op == "-":
                return self.tensor(r(u - v), [left, right], lambda g: [g, -g])
            if op == "*":
                return self.tensor(r(u * v), [left, right], lambda g: [r(g * v), r(g * u)])
            return self.tensor(r(u / v), [left, right], lambda g: [r(g / v), r(-g * r(r(u / v) / v))])
        if isinstance(left, _Tensor):
            assert isinstance(right, float)
            u = left.value
            if op in "+-":
                c = self.in_dtype(right)
                return self.tensor(r(u + c if op == "+" else u - c), [left], lambda g: [g])
            c32 = F(right)
            if op == "*":
                return self.tensor(r(u * c32), [left], lambda g: [r(g * c32)])
            return self.tensor(r(u / c32), [left], lambda g: [r(g / c32)])
        assert isinstance(left, float) and isinstance(right, _Tensor)
        v = right.value
        if op == "+":
            return self.tensor(r(self.in_dtype(left) + v), [right], lambda g: [g])
        if op == "-":
            return self.tensor(r(self.in_dtype(left) - v), [right], lambda g: [-g])
        c32 = F(left)
        if op == "*":
            return self.tensor(r(v * c32), [right], lambda g: [r(g * c32)])
        # c / v is v.reciprocal() * c.
        q = r(F(1) / v)
        return self.tensor(r(q * c32), [right], lambda g: [r(-r(g * c32) * r(q * q))])

    def power(self, base: _Tensor, p: float) -> _Tensor:
        r = self.k.round
        u = base.value
        value = pow_in(u, p, self.k)
        if p == 0.0:
            return self.tensor(value, [base], lambda g: [np.zeros_like(g)])
        # pow_backward: grad * (p * u.pow(p - 1)).
        return self.tensor(value, [base], lambda g: [r(g * r(pow_in(u, p - 1.0, self.k) * F(p)))])

    def unary(self, name: str, operand: _Tensor) -> _Tensor:
        r, k = self.k.round, self.k
        u = operand.value
        if name == "exp":
            e = exp_in(u, k)
            return self.tensor(e, [operand], lambda g: [r(g * e)])
        if name == "log":
            return self.tensor(r(s.log(u)), [operand], lambda g: [r(g / u)])
        if name == "log1p":
            return self.tensor(r(sleef.log1p(u)), [operand], lambda g: [r(g / r(u + F(1)))])
        if name == "expm1":
            e = r(sleef.expm1(u))
            return self.tensor(e, [operand], lambda g: [r(g * r(e + F(1)))])
        if name == "sqrt":
            root = r(np.sqrt(u))
            return self.tensor(root, [operand], lambda g: [r(g / r(F(2) * root))])
        if name == "abs":
            return self.tensor(np.abs(u), [operand], lambda g: [r(g * np.sign(u))])
        if name == "sin":
            return self.tensor(r(s.sin(u)), [operand], lambda g: [r(g * r(s.cos(u)))])
        if name == "cos":
            return self.tensor(r(s.cos(u)), [operand], lambda g: [r(g * -r(s.sin(u)))])
        if name == "erf":
            value = r(s.erf(u) if k.dtype is Dtype.float32 else s.vec_erf(u))

            def erf_back(g: Single) -> Sequence[Gradient]:
                # 2 / sqrt(pi) * exp(-(u ** 2)) * grad
                e = exp_in(-pow_in(u, 2.0, k), k)
                return [r(r(e * F(_TWO_OVER_SQRT_PI)) * g)]

            return self.tensor(value, [operand], erf_back)
        raise ValueError(f"unknown function {name}")

    def extremum(self, name: str, left: Operand, right: Operand) -> _Tensor:
        u = left.value if isinstance(left, _Tensor) else np.full_like(self.x.value, self.in_dtype(left))
        v = right.value if isinstance(right, _Tensor) else np.full_like(self.x.value, self.in_dtype(right))
        first = u < v if name == "minimum" else u > v
        nan = np.isnan(u) | np.isnan(v)
        value = np.where(nan, F(np.nan), np.where(first | (u == v), u, v)).astype(np.float32)

        def back(g: Single) -> Sequence[Gradient]:
            half = self.k.round(g / F(2))
            tied = np.where(u == v, half, g)
            to_left = np.where(first | (u == v), tied, F(0)).astype(np.float32)
            to_right = np.where(~first | (u == v), tied, F(0)).astype(np.float32)
            return [to_left, to_right]

        inputs = [left if isinstance(left, _Tensor) else None, right if isinstance(right, _Tensor) else None]
        return self.tensor(value, inputs, back)

    def activation(self, node: ActivationCall, operand: _Tensor) -> _Tensor:
        kernel = KERNELS[node.activation.name]
        u = operand.value
        y = kernel.forward(u, self.k, node.params)
        return self.tensor(y, [operand], lambda g: [kernel.backward_parts(u, y, g, self.k, node.params)])

    # --- differentiating --------------------------------------------------------------------------------

    def gradient(self, root: _Tensor) -> Single:
        """d root / d x by reverse mode: the engine runs the ready node created last first."""
        if root.leaf:
            return np.ones_like(root.value)
        arrived: list[Single] = []
        ready: list[tuple[int, int, _Tensor, Single]] = [(-root.order, 0, root, np.ones_like(root.value))]
        pushed = 1
        while ready:
            _, _, node, grad = heapq.heappop(ready)
            for target, g in zip(node.inputs, node.backward(grad), strict=True):
                if target is None or g is None:
                    continue
                parts = g if isinstance(g, list) else [g]
                if target.leaf:
                    arrived.extend(parts)
                else:
                    heapq.heappush(ready, (-target.order, pushed, target, self.add_up(parts)))
                    pushed += 1
        return self.add_up(arrived)

    def add_up(self, parts: list[Single]) -> Single:
        """Gradients added in the order they arrive, each sum rounded, as autograd's input buffers add them."""
        total = parts[0]
        for part in parts[1:]:
            total = self.k.round(total + part)
        return total


def _depends_on_x(node: Node) -> bool:
    if isinstance(node, Variable):
        return True
    if isinstance(node, Number):
        return False
    if isinstance(node, Negate):
        return _depends_on_x(node.operand)
    if isinstance(node, Binary):
        return _depends_on_x(node.left) or _depends_on_x(node.right)
    if isinstance(node, Power):
        return _depends_on_x(node.base)
    if isinstance(node, Elementary):
        return any(_depends_on_x(a) for a in node.args)
    return _depends_on_x(node.arg)


def exp_in(u: Single, k: Context) -> Single:
    """``torch.exp`` in the dtype: MKL's for float32 (taken as correctly rounded), SLEEF's otherwise."""
    return k.round(s.exp(u) if k.dtype is Dtype.float32 else sleef.exp(u))


def pow_in(u: Single, p: float, k: Context) -> Single:
    """``torch.pow(u, p)`` for a constant p in the dtype, with PyTorch's special cases."""
    r = k.round
    if p == 0.0:
        return np.ones_like(u)
    if p == 1.0:
        return u.copy()
    if k.dtype is not Dtype.float16:
        if p == 0.5:
            return r(np.sqrt(u).astype(np.float32))
        if p == -0.5:
            return r((F(1) / np.sqrt(u)).astype(np.float32))
        if p == -1.0:
            return r(F(1) / u)
        if p == 2.0:
            return r(u * u)
        if p == 3.0:
            # float32: u * u * u in float32; bfloat16: in bfloat16 arithmetic, each product rounding.
            return r(r(u * u) * u)
        if p == -2.0:
            return r(F(1) / r(u * u))
    # std::pow / SLEEF's powf, taken as correctly rounded in float32.
    return r(np.power(u.astype(np.float64), p).astype(np.float32))


def expression_in(dtype: Dtype, expression: expressions.Expression, x: Array) -> expressions.Curve:
    """f and f' of ``expression`` at ``x`` (rounded to ``dtype`` first) as PyTorch eager computes them in ``dtype``.

    The result is an :class:`~app.core.expressions.Curve` of order 1, as :func:`~app.core.expressions.evaluate`
    gives: nan where f or f' is not finite (undefined, or overflowed in the dtype), with those points
    counted; its values are values of ``dtype``. For float64 it is ``evaluate`` itself.
    """
    dtype = Dtype(dtype)
    if dtype is Dtype.float64:
        return expressions.evaluate(expression, np.asarray(x, dtype=np.float64), order=1)
    k = Context.of(dtype)
    a = to_single(np.asarray(x, dtype=np.float64), dtype)
    with np.errstate(all="ignore"):
        graph = _Graph(k, a)
        root = graph.evaluate(expression.tree)
        if isinstance(root, _Tensor):
            y, dy = root.value, graph.gradient(root)
        else:
            y, dy = np.full_like(a, graph.in_dtype(root)), np.zeros_like(a)
    return _masked(y.astype(np.float64), dy.astype(np.float64))


def _masked(y: Array, dy: Array) -> expressions.Curve:
    """nan where y, or dy, is not finite (dy wherever y is), and the count of each, as expressions.evaluate does."""
    y_ok = np.isfinite(y)
    dy_ok = np.isfinite(dy) & y_ok
    return expressions.Curve(
        (np.where(y_ok, y, np.nan), np.where(dy_ok, dy, np.nan)),
        (int(y.size - np.count_nonzero(y_ok)), int(dy.size - np.count_nonzero(dy_ok))),
    )


__all__ = ["exp_in", "expression_in", "pow_in"]
