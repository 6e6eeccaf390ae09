"""Curve sets: kinks found where an affine argument reaches one, lines broken at poles."""

import numpy as np
import pytest

from app.api.deps import EXPRESSION_LIMITS
from app.core import registry
from app.core.curves import ExpressionCurve, FunctionCurve, Grid, Values, break_at_jumps
from app.core.expressions import compile_expression

GRID = Grid(-5.0, 5.0, 100)


def _kinks(text: str, grid: Grid = GRID) -> tuple:
    return ExpressionCurve(compile_expression(text, EXPRESSION_LIMITS), text).kinks(grid)


def test_kinks_are_found_wherever_an_affine_argument_reaches_one() -> None:
    (kink,) = _kinks("leaky_relu(x, negative_slope=0.2)")
    assert (kink.x, kink.value(0), kink.value(1), kink.limits(1)) == (0.0, 0.0, 0.2, (0.2, 1.0))
    assert kink.limits(0) is None and kink.value(2) == 0.0 and kink.limits(2) is None
    assert [k.x for k in _kinks("hardtanh")] == [-1.0, 1.0]
    clipped = _kinks("relu(x) - relu(x - 1)")
    assert [(k.x, k.value(0), k.value(1), k.limits(1)) for k in clipped] == [
        (0.0, 0.0, 0.0, (0.0, 1.0)),
        (1.0, 1.0, 1.0, (1.0, 0.0)),
    ]
    (smooth,) = _kinks("softplus(x, beta=5)")  # at x = 20 / 5
    assert smooth.limits(1) is None  # the jump of f' at the threshold is below the drawing tolerance
    assert _kinks("relu(x - 10)") == ()
    assert _kinks("sqrt(abs(x))") == ()  # f' is infinite there


def test_a_pole_between_grid_points_breaks_only_its_own_line() -> None:
    x = np.linspace(-1.0, 1.0, 4)  # -1, -1/3, 1/3, 1: the pole of 1/x is between the middle two
    pole = Values((1 / x, -1 / x**2), (0, 0))
    line = Values((2 * x, np.full(4, 2.0)), (0, 0))
    new_x, (a, b) = break_at_jumps(x, [pole, line])
    np.testing.assert_allclose(new_x, [-1, -1 / 3, 0, 1 / 3, 1], atol=1e-15)
    assert np.isnan(a.y[2]) and np.isnan(a.dy[2])
    np.testing.assert_allclose(b.y, 2 * new_x, atol=1e-15)
    np.testing.assert_allclose(b.dy, 2.0)


@pytest.mark.parametrize("name", registry.all_names())
def test_smoothness_at_the_defaults_is_the_registrys(name: str) -> None:
    activation = registry.get(name)
    assert FunctionCurve(activation, activation.defaults).smoothness() == activation.smoothness


@pytest.mark.parametrize(("alpha", "expected"), [(1.0, 1), (2.0, 0), (0.5, 0)])
def test_elu_is_c1_only_where_its_slopes_meet(alpha: float, expected: int) -> None:
    assert FunctionCurve(registry.get("elu"), {"alpha": alpha}).smoothness() == expected
