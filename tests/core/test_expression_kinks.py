"""Kinks of expressions: where an affine argument reaches a kink of an activation, |u| or a min/max tie."""

import pytest

from app.core.expression_kinks import affine, kink_points
from app.core.expressions import compile_expression

from .test_expressions_parse import LIMITS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x", (1.0, 0.0)),
        ("3", (0.0, 3.0)),
        ("2*x + 1", (2.0, 1.0)),
        ("-(x - 4)/2", (-0.5, 2.0)),
        ("(1 - x)*3", (-3.0, 3.0)),
        ("x**1", (1.0, 0.0)),
        ("x*x", None),
        ("x**2", None),
        ("1/x", None),
        ("relu(x)", None),
    ],
)
def test_affine_recognises_a_x_plus_b(text: str, expected: tuple[float, float] | None) -> None:
    assert affine(compile_expression(text, LIMITS).tree) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("relu", [0.0]),
        ("relu(x - 1)", [1.0]),
        ("2*relu(x)", [0.0]),
        ("leaky_relu(-x)", [0.0]),
        ("abs(2*x + 1)", [-0.5]),
        ("maximum(x, 0.5)", [0.5]),
        ("minimum(2*x, x + 1)", [1.0]),
        ("hardtanh(x/2)", [-2.0, 2.0]),
        ("relu(x) - relu(x - 1)", [0.0, 1.0]),
        ("relu(relu(x) - 1)", [0.0]),  # the outer kink, at x = 1, is not affine in x and is not found
        ("relu(x - 10)", []),  # outside the range
        ("relu(x**2)", []),
        ("relu(0*x)", []),
        ("sin(x)", []),
    ],
)
def test_kink_points_within_the_range(text: str, expected: list[float]) -> None:
    assert kink_points(compile_expression(text, LIMITS).tree, -5.0, 5.0) == expected
