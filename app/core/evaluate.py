"""Evaluating a registered function on a grid or at points, exactly or numerically."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

import numpy as np

from app.core.functions import Array
from app.core.registry import Activation, ParamValue

# Step of the central difference, relative to max(|x|, 1): the cube root of machine
# epsilon balances truncation error (O(h^2)) against rounding error (O(eps / h)).
NUMERIC_STEP = float(np.cbrt(np.finfo(np.float64).eps))


class Method(StrEnum):
    analytic = "analytic"
    numeric = "numeric"


def grid(x_min: float, x_max: float, num: int) -> Array:
    """``num`` evenly spaced points from x_min to x_max inclusive, as np.linspace."""
    return np.linspace(x_min, x_max, num, dtype=np.float64)


def central_difference(f: Callable[[Array], Array], x: Array) -> Array:
    """(f(x + h) - f(x - h)) / 2h with h = cbrt(eps) * max(|x|, 1).

    The step is rounded so that x + h and x - h are exactly representable apart
    by 2h, which removes one source of rounding error.
    """
    h = NUMERIC_STEP * np.maximum(np.abs(x), 1.0)
    upper = x + h
    lower = x - h
    return (f(upper) - f(lower)) / (upper - lower)


def evaluate(
    activation: Activation,
    x: Array,
    params: Mapping[str, ParamValue],
    *,
    derivative: bool = True,
    method: Method = Method.analytic,
) -> tuple[Array, Array | None]:
    """f(x) and, when asked, f'(x) by the chosen method."""
    if derivative and method is Method.analytic:
        return activation.value_and_grad(x, params)
    y = activation.value(x, params)
    if not derivative:
        return y, None
    return y, central_difference(lambda t: activation.value(t, params), x)
