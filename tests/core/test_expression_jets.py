"""Taylor mode: f, f', f'' and f''' of composed expressions against PyTorch's nested autograd
(float64), kinks and their neighbours included; the registry's own derivatives for a lone
activation; undefined points in every order."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from app.core import registry
from app.core.expression_eval import jet
from app.core.expressions import compile_expression, evaluate

from .reference import PARAM_CASES
from .test_expressions_parse import LIMITS

Torch = Callable[[torch.Tensor], torch.Tensor]

# Each expression beside its PyTorch reference, written from torch ops directly (not from the
# parsed tree), so the parser and the rules are checked together.
CASES: list[tuple[str, Torch]] = [
    ("relu(x - 1)**2", lambda t: torch.relu(t - 1) ** 2),
    ("x*sigmoid(x)", lambda t: t * torch.sigmoid(t)),
    ("log1p(exp(x))", lambda t: torch.log1p(torch.exp(t))),
    ("2*sigmoid(2*x) - 1", lambda t: 2 * torch.sigmoid(2 * t) - 1),
    ("leaky_relu(x, negative_slope=0.2)**3", lambda t: F.leaky_relu(t, 0.2) ** 3),
    ("elu(2*x)*tanh(x)", lambda t: F.elu(2 * t) * torch.tanh(t)),
    ("exp(-x**2)", lambda t: torch.exp(-(t**2))),
    ("sqrt(abs(x) + 1)", lambda t: torch.sqrt(torch.abs(t) + 1)),
    ("1/(1 + x**2)", lambda t: 1 / (1 + t**2)),
    ("log(x)", torch.log),
    ("maximum(x, 0.5*x)", lambda t: torch.maximum(t, 0.5 * t)),
    ("minimum(relu(x), 1)", lambda t: torch.minimum(torch.relu(t), torch.ones_like(t))),
    ("sin(x)*cos(2*x)", lambda t: torch.sin(t) * torch.cos(2 * t)),
    ("erf(x/2)", lambda t: torch.erf(t / 2)),
    ("softplus(x, beta=2)", lambda t: F.softplus(t, beta=2)),
    ("gelu(x, approximate='tanh')**2", lambda t: F.gelu(t, approximate="tanh") ** 2),
    ("x**3 - 2*x", lambda t: t**3 - 2 * t),
    ("mish(x) - silu(x)", lambda t: F.mish(t) - F.silu(t)),
    ("hardtanh(3*x)", lambda t: F.hardtanh(3 * t)),
    ("x/(x - 1)", lambda t: t / (t - 1)),
    ("sqrt(x)", torch.sqrt),
    ("x**2.5 + (x + 3)**-2", lambda t: t**2.5 + (t + 3) ** -2),
    ("x**2*relu(x)", lambda t: t**2 * torch.relu(t)),
    ("cos(sigmoid(x))/(2 + sin(x))", lambda t: torch.cos(torch.sigmoid(t)) / (2 + torch.sin(t))),
    ("log(1 + x**2)*erf(x)", lambda t: torch.log(1 + t**2) * torch.erf(t)),
    ("expm1(-abs(x))*selu(x)", lambda t: torch.expm1(-torch.abs(t)) * F.selu(t)),
    ("celu(x, alpha=0.5)**2 + softsign(x)", lambda t: F.celu(t, 0.5) ** 2 + F.softsign(t)),
    ("hardswish(x)*exp(x/4) - relu6(2*x)", lambda t: F.hardswish(t) * torch.exp(t / 4) - F.relu6(2 * t)),
    ("logsigmoid(x)*tanh(2*x) + gelu(x)", lambda t: F.logsigmoid(t) * torch.tanh(2 * t) + F.gelu(t)),
    ("abs(x - 1)**3", lambda t: torch.abs(t - 1) ** 3),
    ("maximum(x**3, x)", lambda t: torch.maximum(t**3, t)),
    ("elu(elu(x, alpha=0.5))", lambda t: F.elu(F.elu(t, 0.5))),
]

# Kinks and ties of the cases above (0, ±1, ±1/3 for hardtanh(3x), 3 for relu6(2x)), points
# where a quotient is undefined, and their floating-point neighbours.
KINKS = np.array([-3.0, -1.0, -1 / 3, 0.0, 1 / 3, 0.5, 1.0, 3.0])
GRID = np.concatenate(
    [np.linspace(-10.0, 10.0, 2001), KINKS, np.nextafter(KINKS, -np.inf), np.nextafter(KINKS, np.inf), [-1e-9, 1e-9]]
)


def torch_jet(fn: Torch, x: np.ndarray, order: int) -> list[np.ndarray]:
    """f and its derivatives up to ``order`` by autograd applied ``order`` times, float64."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = fn(t)
    result = [out.detach().numpy()]
    for _ in range(order):
        if not out.requires_grad:  # a constant derivative: autograd stops, the rest are 0
            out = torch.zeros_like(t)
        else:
            (out,) = torch.autograd.grad(out.sum(), t, create_graph=True, materialize_grads=True)
        result.append(out.detach().numpy())
    return result


def ours(text: str, x: np.ndarray, order: int = 3) -> tuple[np.ndarray, ...]:
    return evaluate(compile_expression(text, LIMITS), x, order=order).orders


# Relative tolerance per order: each derivative is computed by other (equally valid) formulas
# than autograd's. The worst seen was 4e-15 for f, f' and f'' and 8e-14 for f''' (the square of
# gelu's tanh form), as an error relative to |exact| + the largest |exact| of that order.
RTOL = (1e-13, 1e-13, 1e-13, 1e-12)


@pytest.mark.parametrize(("text", "reference"), CASES, ids=[c[0] for c in CASES])
def test_every_order_matches_nested_autograd(text: str, reference: Torch) -> None:
    expected = torch_jet(reference, GRID, 3)
    got = ours(text, GRID)
    f_ok = np.isfinite(expected[0])
    for k in range(4):
        defined = f_ok & np.isfinite(expected[k])
        assert np.array_equal(np.isfinite(got[k]), defined), f"order {k}: undefined at other points"
        # Near a zero (or a cancellation, as in mish(x) - silu(x) for large x) only an absolute
        # error means anything: relative to the largest value of that order on the grid.
        scale = np.max(np.abs(expected[k][defined]), initial=1.0)
        np.testing.assert_allclose(
            got[k][defined], expected[k][defined], rtol=RTOL[k], atol=RTOL[k] * scale, err_msg=f"order {k}"
        )


# Cases with kinks or ties, at those points: the numbers there are exact in both (0, 0.75, 2,
# 6, ...), so PyTorch's conventions must hold to the bit.
AT_KINKS = {
    "relu(x - 1)**2": [1.0],
    "leaky_relu(x, negative_slope=0.2)**3": [0.0],
    "elu(2*x)*tanh(x)": [0.0],
    "sqrt(abs(x) + 1)": [0.0],
    "maximum(x, 0.5*x)": [0.0],
    "minimum(relu(x), 1)": [0.0, 1.0],
    "hardtanh(3*x)": [-1 / 3, 1 / 3],
    "x**2*relu(x)": [0.0],
    "expm1(-abs(x))*selu(x)": [0.0],
    "abs(x - 1)**3": [1.0],
    "maximum(x**3, x)": [-1.0, 0.0, 1.0],
    "elu(elu(x, alpha=0.5))": [0.0],
}


@pytest.mark.parametrize(("text", "at"), AT_KINKS.items(), ids=list(AT_KINKS))
def test_pytorch_conventions_at_kinks_hold_exactly(text: str, at: list[float]) -> None:
    x = np.array(at)
    expected = torch_jet(dict(CASES)[text], x, 3)
    got = ours(text, x)
    for k in range(4):
        np.testing.assert_array_equal(got[k], expected[k], err_msg=f"order {k}")


def test_relu_of_x_minus_one_squared_at_one_follows_relu_prime_of_zero_being_zero() -> None:
    # relu'(0) = 0 (PyTorch), so (relu(x - 1)^2)'' = 2 relu'(x - 1)^2 = 0 at x = 1, not 2.
    got = ours("relu(x - 1)**2", np.array([1.0 - 1e-9, 1.0, 1.0 + 1e-9]))
    np.testing.assert_array_equal(got[2], [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(got[3], [0.0, 0.0, 0.0])


def test_maximum_splits_every_order_between_tied_arguments() -> None:
    got = ours("maximum(x**3, x**2)", np.array([0.0, 1.0]))
    # At 0 and 1 the arguments tie: each derivative is the mean of 3x^2 | 2x, 6x | 2, 6 | 0.
    np.testing.assert_array_equal(got[1], [0.0, 2.5])
    np.testing.assert_array_equal(got[2], [1.0, 4.0])
    np.testing.assert_array_equal(got[3], [3.0, 3.0])


def test_tanh_equals_two_sigmoid_two_x_minus_one_in_every_order_to_1e_12() -> None:
    x = np.linspace(-10.0, 10.0, 2001)
    for k, (a, b) in enumerate(zip(ours("tanh(x)", x), ours("2*sigmoid(2*x) - 1", x), strict=True)):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12, err_msg=f"order {k}")


def test_expm1_x_over_x_matches_autograd_away_from_zero() -> None:
    # Near 0 both quotient rules cancel catastrophically (terms of 1/x^4 summing to 1/4), each
    # in its own way, so the comparison keeps |x| >= 0.1 where they agree to 1e-10.
    x = np.linspace(-10.0, 10.0, 2001)
    x = x[np.abs(x) >= 0.1]
    expected = torch_jet(lambda t: torch.expm1(t) / t, x, 3)
    for k, got in enumerate(ours("expm1(x)/x", x)):
        np.testing.assert_allclose(got, expected[k], rtol=1e-10, atol=1e-12, err_msg=f"order {k}")


def _activation_cases() -> list[tuple[str, dict[str, object]]]:
    cases: list[tuple[str, dict[str, object]]] = [(name, {}) for name in registry.NAMES]
    cases += [(name, params) for name, sets in PARAM_CASES.items() for params in sets]
    return cases


def _call(name: str, params: dict[str, object]) -> str:
    given = [f"{k}={v!r}" for k, v in params.items()]
    return f"{name}({', '.join(['x', *given])})"


@pytest.mark.parametrize(("name", "given"), _activation_cases(), ids=lambda v: str(v) if isinstance(v, dict) else v)
def test_a_lone_activation_gives_the_registry_derivatives_bit_for_bit(name: str, given: dict[str, object]) -> None:
    activation = registry.get(name)
    params = activation.resolve_params(given)
    kinks = activation.kink_points(params)
    x = np.concatenate(
        [np.linspace(-10.0, 10.0, 2001), kinks, np.nextafter(kinks, -np.inf), np.nextafter(kinks, np.inf)]
    )
    for order in range(4):
        expected = activation.derivatives(x, params, order)
        got = ours(_call(name, given), x, order)
        assert len(got) == order + 1
        for k in range(order + 1):
            np.testing.assert_array_equal(got[k], expected[k], err_msg=f"{name} order {order}, derivative {k}")


def test_order_one_asks_activations_for_their_first_derivative_only(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    original = registry.Activation.derivatives

    def spy(self: registry.Activation, x: np.ndarray, params: object, order: int) -> tuple[np.ndarray, ...]:
        asked.append(order)
        return original(self, x, params, order)  # type: ignore[arg-type]

    monkeypatch.setattr(registry.Activation, "derivatives", spy)
    tree = compile_expression("sigmoid(tanh(x)) * relu(x)", LIMITS).tree
    for order in range(4):
        asked.clear()
        assert len(jet(tree, np.linspace(-1.0, 1.0, 5), order)) == order + 1
        assert asked == [order, order, order]


def test_undefined_points_are_nan_in_every_order_and_counted() -> None:
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    curve = evaluate(compile_expression("log(x)", LIMITS), x, order=3)
    assert curve.undefined_counts == (3, 3, 3, 3)
    for values in curve.orders:
        assert np.isnan(values[:3]).all()
        assert np.isfinite(values[3:]).all()
    np.testing.assert_allclose(np.stack(curve.orders)[:, 4], [0.0, 1.0, -1.0, 2.0])


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("sqrt(x)", (2, 3, 3, 3)),  # x < 0 undefined; f'(0) infinite, and so all above it
        ("x**2.5", (2, 2, 2, 3)),  # 2.5 * 1.5 * 0.5 * 0**-0.5 is infinite only in f'''
        ("1/x", (1, 1, 1, 1)),
        ("x**2", (0, 0, 0, 0)),  # 2 * 1 * 0 * 0**-1 would be nan: the coefficient 0 wins
        ("exp(exp(exp(x)))", (0, 0, 0, 0)),
        ("exp(exp(exp(2*x)))", (1, 1, 1, 1)),  # overflow at x = 1
    ],
)
def test_undefined_counts_per_order(text: str, counts: tuple[int, ...]) -> None:
    # pytest turns warnings into errors, so a RuntimeWarning escaping numpy would fail here.
    curve = evaluate(compile_expression(text, LIMITS), np.array([-1.0, -0.5, 0.0, 0.5, 1.0]), order=3)
    assert curve.undefined_counts == counts
    assert tuple(int(np.isnan(v).sum()) for v in curve.orders) == counts
    for values in curve.orders:
        assert not np.isinf(values).any()
        assert np.isnan(values[np.isnan(curve.y)]).all()


def test_order_zero_gives_f_only_and_an_empty_derivative() -> None:
    curve = evaluate(compile_expression("log(x)", LIMITS), np.array([-1.0, 1.0]), order=0)
    assert len(curve.orders) == 1
    assert curve.undefined_counts == (1,)
    assert curve.dy.size == 0
    assert curve.undefined_dy == 0


@pytest.mark.parametrize("order", [-1, 4])
def test_orders_beyond_three_are_refused(order: int) -> None:
    with pytest.raises(ValueError, match="order"):
        jet(compile_expression("x", LIMITS).tree, np.zeros(1), order)


def test_leibniz_third_order_of_a_product() -> None:
    # (x^2 sin x)''' = -x^2 cos x - 6x sin x + 6 cos x: each binomial factor 1, 3, 3, 1 shows.
    x = np.linspace(-4.0, 4.0, 81)
    got = ours("x**2*sin(x)", x)
    np.testing.assert_allclose(got[2], -(x**2) * np.sin(x) + 4 * x * np.cos(x) + 2 * np.sin(x), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(got[3], -(x**2) * np.cos(x) - 6 * x * np.sin(x) + 6 * np.cos(x), rtol=1e-13, atol=1e-13)


def test_faa_di_bruno_third_order_of_a_composition() -> None:
    # exp(u)''' = exp(u) (u'^3 + 3 u' u'' + u''') with u = x^2: exp(x^2) (8x^3 + 12x).
    x = np.linspace(-2.0, 2.0, 41)
    got = ours("exp(x**2)", x)
    np.testing.assert_allclose(got[3], np.exp(x**2) * (8 * x**3 + 12 * x), rtol=1e-14, atol=1e-14)
