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

from app.core.evaluate import Method, central_difference
from app.core.expression_eval import forward
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
    """f(x) and f'(x), with nan wherever the number is not finite, and how many such points."""

    y: Array
    dy: Array
    undefined: int
    undefined_dy: int


def compile_expression(text: str, limits: Limits) -> Expression:
    """Parse and normalise ``text``; raise ExpressionError saying what is wrong and where."""
    tree = parse(text, limits)
    return Expression(to_text(tree), tree, default_label(tree), count_nodes(tree))


def evaluate(expression: Expression, x: Array, method: Method = Method.analytic) -> Curve:
    """f(x) and f'(x) (exact by the chain rule, or a central difference), undefined points as nan."""
    with np.errstate(all="ignore"):
        y, dy = forward(expression.tree, x)
        if method is Method.numeric:
            dy = central_difference(lambda t: forward(expression.tree, t)[0], x)
    y_ok = np.isfinite(y)
    dy_ok = np.isfinite(dy) & y_ok
    return Curve(
        y=np.where(y_ok, y, np.nan),
        dy=np.where(dy_ok, dy, np.nan),
        undefined=int(y_ok.size - np.count_nonzero(y_ok)),
        undefined_dy=int(dy_ok.size - np.count_nonzero(dy_ok)),
    )


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
