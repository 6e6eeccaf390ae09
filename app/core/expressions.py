"""Expressions in x: parsed safely, normalised, and evaluated with exact derivatives.

An expression combines numbers, x, ``+ - * /``, ``**`` with a constant exponent, the
elementary functions (exp, log, log1p, expm1, sqrt, abs, sin, cos, erf, minimum,
maximum) and every registered activation by any of its names, with its parameters as
keyword arguments: ``leaky_relu(x, negative_slope=0.2)``, ``2*sigmoid(2*x) - 1``. A bare
function name means that function of x at its defaults.

Points where the expression is undefined or overflows (log of a negative number,
division by zero, exp of a large number) come back as nan and are counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.core.evaluate import Method, numeric_derivatives
from app.core.expression_eval import jet
from app.core.expression_parser import Limits, parse
from app.core.expression_tree import ExpressionError, Node, count_nodes, default_label, to_text
from app.core.functions import Array

__all__ = ["Curve", "Expression", "ExpressionError", "Limits", "compile_expression", "evaluate"]


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its normalised text, its tree, a label for legends, and its size in nodes."""

    text: str
    tree: Node
    label: str
    size: int


@dataclass(frozen=True)
class Curve:
    """f and its derivatives up to the order asked for, nan wherever a number is not finite, and how many such points.

    ``orders[k]`` is the k-th derivative (``orders[0]`` is f) and ``undefined_counts[k]`` counts
    its nan points; a derivative is nan wherever f is. ``y``, ``dy``, ``undefined`` and
    ``undefined_dy`` name the first two; at order 0, ``dy`` is an empty array and
    ``undefined_dy`` is 0.
    """

    orders: tuple[Array, ...]
    undefined_counts: tuple[int, ...]

    @property
    def y(self) -> Array:
        return self.orders[0]

    @property
    def dy(self) -> Array:
        return self.orders[1] if len(self.orders) > 1 else np.empty(0)

    @property
    def undefined(self) -> int:
        return self.undefined_counts[0]

    @property
    def undefined_dy(self) -> int:
        return self.undefined_counts[1] if len(self.undefined_counts) > 1 else 0


def compile_expression(text: str, limits: Limits) -> Expression:
    """Parse and normalise ``text``; raise ExpressionError saying what is wrong and where."""
    tree = parse(text, limits)
    return Expression(to_text(tree), tree, default_label(tree), count_nodes(tree))


def evaluate(expression: Expression, x: Array, method: Method = Method.analytic, order: int = 1) -> Curve:
    """f(x) and its derivatives up to ``order`` (0 to 3), exact or by central differences, undefined points as nan."""
    with np.errstate(all="ignore"):
        if method is Method.numeric and order >= 1:

            def f(t: Array) -> Array:
                return jet(expression.tree, t, 0)[0]

            orders = (f(x), *numeric_derivatives(f, x, order))
        else:
            orders = jet(expression.tree, x, order)
    return mask_undefined(orders)


def mask_undefined(orders: tuple[Array, ...]) -> Curve:
    """Each order with nan where it, or f itself, is not finite; and the count of such points."""
    y_ok = np.isfinite(orders[0])
    masked, counts = [], []
    for values in orders:
        ok = np.isfinite(values) & y_ok
        masked.append(np.where(ok, values, np.nan))
        counts.append(int(ok.size - np.count_nonzero(ok)))
    return Curve(tuple(masked), tuple(counts))


def jumps(x: Array, y: Array, dy: Array) -> NDArray[np.intp]:
    """Indices i where f cannot be continuous on [x[i], x[i+1]]: a pole or a jump between grid points.

    f rose (or fell) between the points while its exact derivative at both ends says it was
    falling (rising), by more than half what that derivative could account for. A plot
    breaks its line there instead of drawing a vertical stroke through the pole of 1/x.
    """
    rise = np.diff(y)
    step = np.diff(x)
    left, right = dy[:-1], dy[1:]
    with np.errstate(invalid="ignore"):
        against = (rise * left < 0) & (rise * right < 0)
        large = np.abs(rise) > 0.5 * step * np.maximum(np.abs(left), np.abs(right))
    return np.flatnonzero(against & large)
