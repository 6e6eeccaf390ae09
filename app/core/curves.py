"""The subject of every curve endpoint: a set of curves, each a function with its parameters or an expression.

A :class:`CurveSet` is one registered function (``/v1/activations/{name}/...``), one expression
(``/v1/expressions/...``) or up to eight of either side by side (``/v1/compare/...``). Everything
the service computes for a curve set is computed here once: its values and derivatives on a grid or
at given points, its kinks, and where a plot must break its line at a pole or jump.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.core import analysis, precision
from app.core import expressions as expr
from app.core.evaluate import Method, grid, numeric_derivatives
from app.core.expression_kinks import kink_points
from app.core.expression_tree import ActivationCall, Variable
from app.core.functions import Array
from app.core.networks import Nonlinearity
from app.core.precision import Dtype
from app.core.registry import MAX_ORDER, Activation, Params, ParamValue, Smoothness

# A derivative (or f) whose one-sided limits differ by less than this, relatively, is continuous there.
JUMP_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Grid:
    """``num`` evenly spaced points from ``x_min`` to ``x_max``, both included."""

    x_min: float
    x_max: float
    num: int

    def points(self) -> Array:
        return grid(self.x_min, self.x_max, self.num)


@dataclass(frozen=True)
class Evaluation:
    """What is computed of each curve besides f: its derivatives up to ``order``, and by which method."""

    order: int = 1
    method: Method = Method.analytic
    # The precision the numbers are computed in, as PyTorch's CPU kernels compute them in it.
    dtype: Dtype = Dtype.float64

    def __post_init__(self) -> None:
        if not 0 <= self.order <= MAX_ORDER:
            raise ValueError(f"order is 0 to {MAX_ORDER}")
        # Without a derivative the method changes nothing: one canonical value.
        if self.order == 0:
            object.__setattr__(self, "method", Method.analytic)
        if self.dtype is not Dtype.float64:
            if self.order > 1:
                raise ValueError(
                    f"order={self.order} is computed in float64 only: with dtype={self.dtype} the service gives f and "
                    "f′ as PyTorch's CPU kernels compute them in that dtype, and does not emulate their second and "
                    "third derivatives; ask for order 0 or 1 with a dtype, or for higher orders in float64"
                )
            if self.method is Method.numeric:
                raise ValueError(
                    f"method=numeric differences float64 values; with dtype={self.dtype} f′ is what PyTorch's "
                    "backward kernel gives in that dtype: use method=analytic, or dtype=float64"
                )

    @property
    def derivative(self) -> bool:
        return self.order >= 1

    @property
    def cost(self) -> int:
        """Work per point relative to f and f′: each derivative beyond the first costs about as much again."""
        return max(1, self.order)

    @classmethod
    def asked(
        cls,
        derivative: bool | None,
        order: int | None,
        method: Method = Method.analytic,
        dtype: Dtype = Dtype.float64,
    ) -> Evaluation:
        """From the two ways of asking, each None when not given: ``derivative=false`` is ``order=0``.

        Raise ValueError, naming both, when they disagree.
        """
        if order is None:
            order = 0 if derivative is False else 1
        elif derivative is not None and derivative != (order >= 1):
            raise ValueError(
                f"derivative={str(derivative).lower()} and order={order} disagree: derivative=false means "
                "order=0 (f alone); give one of them"
            )
        return cls(order, method, dtype)


@dataclass(frozen=True)
class Kink:
    """A point where f changes branch: f and its derivatives taken there, and their one-sided limits.

    ``values[k]`` is the k-th derivative taken at ``x`` as PyTorch's autograd takes it (``values[0]``
    is f itself). ``left[k]`` and ``right[k]``, when given, are its one-sided limits: where they
    differ, a plot draws the k-th derivative as a jump (open circles at the limits, a filled dot at
    the value taken).
    """

    x: float
    values: tuple[float, ...]
    left: tuple[float | None, ...] = ()
    right: tuple[float | None, ...] = ()

    def value(self, order: int) -> float | None:
        """The ``order``-th derivative taken at x, if it was computed."""
        return self.values[order] if order < len(self.values) else None

    def limits(self, order: int) -> tuple[float, float] | None:
        """The one-sided limits of the ``order``-th derivative if they are given and differ."""
        if order >= min(len(self.left), len(self.right)):
            return None
        left, right = self.left[order], self.right[order]
        if left is None or right is None or left == right:
            return None
        return left, right


# f and its derivatives at some points (nan where undefined, and counts): one type for every kind of curve.
Values = expr.Curve


def _number(value: ParamValue) -> str:
    """A parameter as a title writes it: 2, 0.2, −0.5, 1e-05, tanh."""
    if not isinstance(value, float):
        return value
    text = f"{value:.6g}"
    return "\N{MINUS SIGN}" + text[1:] if text.startswith("-") else text


def _beside(at: float) -> Array:
    """``at`` and a point just left and just right of it."""
    step = 1e-9 * max(1.0, abs(at))
    return np.array([at, at - step, at + step])


def _kink(at: float, orders: Sequence[Array]) -> Kink:
    """The kink at ``at`` from each derivative at (at, just left, just right): a jump where the sides differ."""
    taken: list[float] = []
    left: list[float | None] = []
    right: list[float | None] = []
    for values in orders:
        taken.append(float(values[0]))
        lo, hi = float(values[1]), float(values[2])
        jumps = abs(lo - hi) > JUMP_TOLERANCE * max(1.0, abs(lo), abs(hi))
        left.append(lo if jumps else None)
        right.append(hi if jumps else None)
    return Kink(at, tuple(taken), tuple(left), tuple(right))


@dataclass(frozen=True)
class FunctionCurve:
    """A registered function at its resolved parameters."""

    activation: Activation
    params: Params

    @property
    def label(self) -> str:
        return self.activation.label

    @property
    def nodes(self) -> int:
        return 1

    def identity(self) -> list[Any]:
        return ["function", self.activation.name, self.params]

    @property
    def title(self) -> str:
        """What answers about this curve call it: the function's name."""
        return self.activation.name

    @property
    def changed_params(self) -> str:
        """The parameters that differ from the defaults, by the formula's letters: "α = 2", "a = 0.2, β = 3".

        Only these: a parameter given at its default draws the same picture as one left out.
        """
        return ", ".join(
            f"{p.symbol or p.name} = {_number(self.params[p.name])}"
            for p in self.activation.params
            if self.params[p.name] != p.default
        )

    def query(self) -> dict[str, Any]:
        """The query parameters that name this curve in a reproducing URL: its parameters."""
        return dict(self.params)

    def values(self, x: Array, how: Evaluation) -> Values:
        if how.dtype is not Dtype.float64:
            y, dy = precision.function_in(how.dtype, self.activation, x, self.params)
            return expr.mask_undefined((y, dy)[: how.order + 1])
        if how.method is Method.analytic:
            orders = self.activation.derivatives(x, self.params, how.order)
        else:

            def f(t: Array) -> Array:
                return self.activation.value(t, self.params)

            orders = (f(x), *numeric_derivatives(f, x, how.order))
        return Values(tuple(orders), (0,) * len(orders))

    def kinks(self, x_range: Grid) -> tuple[Kink, ...]:
        """f and its derivatives at every kink, with the one-sided limits of each that jumps there.

        Every order is computed, so that a plot marks the kinks on each of its panels.
        """
        return self._kinks()

    def _kinks(self) -> tuple[Kink, ...]:
        # Every kink of the function on the real line, whatever the range.
        return tuple(
            _kink(at, self.activation.derivatives(_beside(at), self.params, MAX_ORDER))
            for at in self.activation.kink_points(self.params)
        )

    def smoothness(self) -> Smoothness | None:
        """How many times f is continuously differentiable at these parameters: one less than the lowest
        order that jumps at a kink (ELU is C¹ at α = 1, C⁰ otherwise); the registry's where none jumps."""
        jumps = [order for kink in self._kinks() for order in range(MAX_ORDER + 1) if kink.limits(order)]
        return min(jumps) - 1 if jumps else self.activation.smoothness

    def nonlinearity(self) -> Nonlinearity:
        return analysis.bind(self.activation, self.params)

    def precision_report(self, dtype: Dtype) -> precision.PrecisionReport:
        return precision.activation_report(dtype, self.activation, self.params)


@dataclass(frozen=True)
class ExpressionCurve:
    """An expression in x, with the label its legend shows."""

    expression: expr.Expression
    label: str

    @property
    def nodes(self) -> int:
        return self.expression.size

    @property
    def name(self) -> str:
        """The function's name for a lone activation of x, else "expression"."""
        tree = self.expression.tree
        if isinstance(tree, ActivationCall) and isinstance(tree.arg, Variable):
            return tree.activation.name
        return "expression"

    def identity(self) -> list[Any]:
        return ["expression", self.expression.text, self.label]

    @property
    def params(self) -> Params:
        """An expression carries its parameters in its text."""
        return {}

    @property
    def title(self) -> str:
        """What answers about this curve call it: the normalised expression."""
        return self.expression.text

    def query(self) -> dict[str, Any]:
        """The query parameters that name this curve in a reproducing URL: the expression."""
        return {"expr": self.expression.text}

    def values(self, x: Array, how: Evaluation) -> Values:
        # f' is always evaluated: its count of undefined points is part of every answer about an expression.
        if how.dtype is not Dtype.float64:
            curve = precision.expression_in(how.dtype, self.expression, x)
        else:
            curve = expr.evaluate(self.expression, x, how.method, max(how.order, 1))
        return Values(curve.orders[: how.order + 1], curve.undefined_counts)

    def kinks(self, x_range: Grid) -> tuple[Kink, ...]:
        """f and its derivatives at each kink on the range where f and f' are defined, with their jumps."""
        kinks = []
        for at in kink_points(self.expression.tree, x_range.x_min, x_range.x_max):
            curve = expr.evaluate(self.expression, _beside(at), order=MAX_ORDER)
            if np.isnan(curve.y).any() or np.isnan(curve.dy).any():
                continue
            kinks.append(_kink(at, curve.orders))
        return tuple(kinks)

    def smoothness(self) -> Smoothness | None:
        """Not known for an expression: its kinks are found on a range only."""
        return None

    def nonlinearity(self) -> Nonlinearity:
        return analysis.from_expression(self.expression)

    def precision_report(self, dtype: Dtype) -> precision.PrecisionReport:
        return precision.expression_report(dtype, self.expression)


Curve = FunctionCurve | ExpressionCurve


class Kind(StrEnum):
    """What a curve set is about; it decides the shape of its answers."""

    function = "function"
    expression = "expression"
    comparison = "comparison"


@dataclass(frozen=True)
class CurveSet:
    """One function, one expression, or several of either compared on one grid."""

    kind: Kind
    curves: tuple[Curve, ...]

    @classmethod
    def function(cls, activation: Activation, params: Params) -> CurveSet:
        return cls(Kind.function, (FunctionCurve(activation, params),))

    @classmethod
    def expression(cls, expression: expr.Expression) -> CurveSet:
        return cls(Kind.expression, (ExpressionCurve(expression, expression.label),))

    @classmethod
    def comparison(cls, expressions: Sequence[expr.Expression], labels: Sequence[str]) -> CurveSet:
        """The curves in order; an empty label gives way to the expression's own."""
        curves = (ExpressionCurve(e, label.strip() or e.label) for e, label in zip(expressions, labels, strict=True))
        return cls(Kind.comparison, tuple(curves))

    @property
    def nodes(self) -> int:
        """The work of one point: a function counts 1, an expression its nodes."""
        return sum(curve.nodes for curve in self.curves)

    def identity(self) -> dict[str, Any]:
        """Everything that decides this set's numbers, canonical: spellings of one expression agree."""
        return {"kind": self.kind, "curves": [curve.identity() for curve in self.curves]}

    def values(self, x: Array, how: Evaluation) -> list[Values]:
        return [curve.values(x, how) for curve in self.curves]


def break_at_jumps(x: Array, values: list[Values]) -> tuple[Array, list[Values]]:
    """x and each curve's values with a midpoint added wherever some curve has a pole or jump between grid points.

    The curve that jumps gets nan there in every order, so its lines break; the others get the mean
    of their neighbours, which draws exactly the segment they had. Each curve needs f and f'.
    """
    breaks = [set(expr.jumps(x, v.y, v.dy).tolist()) for v in values]
    where: NDArray[np.intp] = np.array(sorted(set().union(*breaks)), dtype=np.intp)
    if where.size == 0:
        return x, values
    middle = (x[where] + x[where + 1]) / 2.0
    result = []
    for v, own in zip(values, breaks, strict=True):
        gap = np.isin(where, list(own))
        orders = tuple(
            np.insert(a, where + 1, np.where(gap, np.nan, (a[where] + a[where + 1]) / 2.0)) for a in v.orders
        )
        result.append(Values(orders, v.undefined_counts))
    return np.insert(x, where + 1, middle), result
