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

from app.core import analysis
from app.core import expressions as expr
from app.core.evaluate import Method, evaluate, grid
from app.core.expression_kinks import kink_points
from app.core.expression_tree import ActivationCall, Variable
from app.core.functions import Array
from app.core.networks import Nonlinearity
from app.core.registry import Activation, Params

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
    """What is computed of each curve besides f: its derivative or not, and by which method."""

    derivative: bool = True
    method: Method = Method.analytic

    def __post_init__(self) -> None:
        # Without a derivative the method changes nothing: one canonical value.
        if not self.derivative:
            object.__setattr__(self, "method", Method.analytic)


@dataclass(frozen=True)
class Kink:
    """A point where f changes branch: f there, and f' taken there with its one-sided limits.

    ``dy_left``/``dy_right`` that differ from each other draw the derivative as a jump
    (open circles at the limits, a filled dot at the value taken, ``dy``); ``y_left``/``y_right``
    do the same for f itself where it is discontinuous (a step).
    """

    x: float
    y: float
    dy: float | None = None
    dy_left: float | None = None
    dy_right: float | None = None
    y_left: float | None = None
    y_right: float | None = None

    def limits(self, of: str) -> tuple[float, float] | None:
        """The one-sided limits of f (``of="y"``) or f' (``"dy"``) if they are given and differ."""
        left, right = (self.y_left, self.y_right) if of == "y" else (self.dy_left, self.dy_right)
        if left is None or right is None or left == right:
            return None
        return left, right


@dataclass(frozen=True)
class Values:
    """f(x) and f'(x) of one curve, nan where a number is not finite, and how many such points."""

    y: Array
    dy: Array
    undefined: int = 0
    undefined_dy: int = 0


def _beside(at: float) -> Array:
    """``at`` and a point just left and just right of it."""
    step = 1e-9 * max(1.0, abs(at))
    return np.array([at, at - step, at + step])


def _jump(left: float, right: float) -> tuple[float, float] | tuple[None, None]:
    """The one-sided limits if they differ by more than rounding."""
    if abs(left - right) <= JUMP_TOLERANCE * max(1.0, abs(left), abs(right)):
        return None, None
    return left, right


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

    def values(self, x: Array, how: Evaluation) -> Values:
        y, dy = evaluate(self.activation, x, self.params, derivative=how.derivative, method=how.method)
        return Values(y, dy if dy is not None else np.empty(0))

    def kinks(self, x_range: Grid) -> tuple[Kink, ...]:
        """f and f' at every kink, with the one-sided limits of whichever of them jumps there."""
        kinks = []
        for at in self.activation.kink_points(self.params):
            point = _beside(at)
            y = self.activation.value(point, self.params)
            dy = self.activation.grad(point, self.params)
            dy_left, dy_right = _jump(float(dy[1]), float(dy[2]))
            y_left, y_right = _jump(float(y[1]), float(y[2]))
            kinks.append(Kink(at, float(y[0]), float(dy[0]), dy_left, dy_right, y_left, y_right))
        return tuple(kinks)

    def nonlinearity(self) -> Nonlinearity:
        return analysis.bind(self.activation, self.params)


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

    def values(self, x: Array, how: Evaluation) -> Values:
        curve = expr.evaluate(self.expression, x, how.method)
        return Values(curve.y, curve.dy, curve.undefined, curve.undefined_dy)

    def kinks(self, x_range: Grid) -> tuple[Kink, ...]:
        """f and f' at each kink on the range, and the one-sided limits of f' where it jumps."""
        kinks = []
        for at in kink_points(self.expression.tree, x_range.x_min, x_range.x_max):
            curve = expr.evaluate(self.expression, _beside(at))
            if np.isnan(curve.y[0]) or np.isnan(curve.dy).any():
                continue
            dy_left, dy_right = _jump(float(curve.dy[1]), float(curve.dy[2]))
            kinks.append(Kink(at, float(curve.y[0]), float(curve.dy[0]), dy_left, dy_right))
        return tuple(kinks)

    def nonlinearity(self) -> Nonlinearity:
        return analysis.from_expression(self.expression)


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

    The curve that jumps gets nan there, so its line breaks; the others get the mean of
    their neighbours, which draws exactly the segment they had.
    """
    breaks = [set(expr.jumps(x, v.y, v.dy).tolist()) for v in values]
    where: NDArray[np.intp] = np.array(sorted(set().union(*breaks)), dtype=np.intp)
    if where.size == 0:
        return x, values
    middle = (x[where] + x[where + 1]) / 2.0
    result = []
    for v, own in zip(values, breaks, strict=True):
        gap = np.isin(where, list(own))
        mid_y = np.where(gap, np.nan, (v.y[where] + v.y[where + 1]) / 2.0)
        mid_dy = np.where(gap, np.nan, (v.dy[where] + v.dy[where + 1]) / 2.0)
        result.append(Values(np.insert(v.y, where + 1, mid_y), np.insert(v.dy, where + 1, mid_dy)))
    return np.insert(x, where + 1, middle), result
