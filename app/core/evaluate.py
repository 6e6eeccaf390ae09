"""Evaluating a registered function on a grid or at points, exactly or numerically."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

import numpy as np

from app.core.functions import Array
from app.core.registry import MAX_ORDER, Activation, ParamValue

# Step of the central difference, relative to max(|x|, 1): the cube root of machine
# epsilon balances truncation error (O(h^2)) against rounding error (O(eps / h)).
NUMERIC_STEP = float(np.cbrt(np.finfo(np.float64).eps))

# Steps of the second and third differences, relative to max(|x|, 1) and rounded to a power
# of two, so that h^2 and h^3 carry no rounding and x ± h, x ± 2h are exact (unless one crosses
# into the next binade: then it is rounded, by at most one ulp of x). Each balances the O(h^2)
# truncation error against the rounding error of f's values, about eps |f| / h^k:
# - f'' = (f(x + h) - 2 f(x) + f(x - h)) / h^2 with h / max(|x|, 1) in (eps^(1/4), 2 eps^(1/4)]
#   (1.2e-4 to 2.4e-4): error about sqrt(eps) = 1.5e-8.
# - f''' = (f(x + 2h) - 2 f(x + h) + 2 f(x - h) - f(x - 2h)) / 2h^3 with h / max(|x|, 1) in
#   (4.9e-4, 9.8e-4], around eps^(1/5) = 7.4e-4: error about eps^(2/5) = 5e-7.
# Measured as |error| / max(|exact|, 1) over x in [-10, 10] (tests/core/test_numeric_derivatives.py),
# the worst was 1.3e-10, 6.2e-8 and 7.2e-6 for f', f'' and f''' on activations and other smooth
# functions, and 1.3e-8, 3.9e-6 and 1.9e-4 on sin(x) cos(2x) and cos(3x) + x^2/7, whose
# wavelength does not grow with |x| as the step does. Steps half or twice these were worse on
# the activations.
SECOND_DIFFERENCE_STEP = 2.0**-13
THIRD_DIFFERENCE_STEP = 2.0**-11


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


def _power_of_two_step(x: Array, relative: float) -> Array:
    """The power of two h with relative < h / max(|x|, 1) <= 2 relative, for ``relative`` a power of two."""
    _, exponent = np.frexp(np.maximum(np.abs(x), 1.0))
    return np.ldexp(relative, exponent)


def second_difference(f: Callable[[Array], Array], x: Array) -> Array:
    """(f(x + h) - 2 f(x) + f(x - h)) / h^2, h a power of two near eps^(1/4) max(|x|, 1)."""
    h = _power_of_two_step(x, SECOND_DIFFERENCE_STEP)
    return (f(x + h) - 2.0 * f(x) + f(x - h)) / (h * h)


def third_difference(f: Callable[[Array], Array], x: Array) -> Array:
    """(f(x + 2h) - 2 f(x + h) + 2 f(x - h) - f(x - 2h)) / 2h^3, h a power of two near eps^(1/5) max(|x|, 1)."""
    h = _power_of_two_step(x, THIRD_DIFFERENCE_STEP)
    return (f(x + 2.0 * h) - 2.0 * f(x + h) + 2.0 * f(x - h) - f(x - 2.0 * h)) / (2.0 * h * h * h)


_DIFFERENCES = (central_difference, second_difference, third_difference)


def numeric_derivatives(f: Callable[[Array], Array], x: Array, order: int) -> tuple[Array, ...]:
    """Central-difference estimates of f', ..., f^(order) at x (order 0 to 3), each with its own step."""
    if not 0 <= order <= MAX_ORDER:
        raise ValueError(f"order must be 0 to {MAX_ORDER}, got {order}")
    return tuple(difference(f, x) for difference in _DIFFERENCES[:order])


def evaluate_orders(
    activation: Activation,
    x: Array,
    params: Mapping[str, ParamValue],
    order: int,
    method: Method = Method.analytic,
) -> tuple[Array, ...]:
    """(f(x), f'(x), ...) up to the ``order``-th derivative (0 to 3), exact or by central differences."""
    if method is Method.analytic:
        return activation.derivatives(x, params, order)

    def f(t: Array) -> Array:
        return activation.value(t, params)

    return (f(x), *numeric_derivatives(f, x, order))


def evaluate(
    activation: Activation,
    x: Array,
    params: Mapping[str, ParamValue],
    *,
    derivative: bool = True,
    method: Method = Method.analytic,
) -> tuple[Array, Array | None]:
    """f(x) and, when asked, f'(x) by the chosen method (``evaluate_orders`` gives higher derivatives)."""
    orders = evaluate_orders(activation, x, params, 1 if derivative else 0, method)
    return orders[0], orders[1] if derivative else None
