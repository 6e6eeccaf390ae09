"""f'' and f''' agree with PyTorch's nested autograd in float64, kinks included; the registry's
claims about them (smoothness, a vanishing f'', the numbers at each kink) hold for the functions."""

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import functions, registry
from app.core.registry import Activation, ParamError
from app.schemas import ActivationInfo

from .helpers import Counter, activation_and_params
from .reference import GRAD_RTOL, HIGHER_ATOL, HIGHER_TORCH, TORCH, TORCH_NAN, torch_derivatives
from .test_against_torch import CASES, EXTREMES, IDS

ACTS = registry.ACTIVATIONS
NAMES = [a.name for a in ACTS]
ORDERS = [2, 3]


def _points(activation: Activation, params: dict[str, Any]) -> np.ndarray:
    near = [k + d for k in activation.kink_points(params) for d in (-1e-9, 0.0, 1e-9)]
    return np.concatenate([np.linspace(-10.0, 10.0, 2001), EXTREMES, near])


def _torch_nan_allowed(activation: Activation, params: dict[str, Any], order: int, x: np.ndarray) -> np.ndarray:
    """Where PyTorch is known to give nan (reference.TORCH_NAN): the registry gives 0 there."""
    if activation.name not in TORCH_NAN:
        return np.zeros_like(x, dtype=bool)
    needs, orders, (low, high) = TORCH_NAN[activation.name]
    applies = order in orders and all(params[k] == v for k, v in needs.items())
    return ((x < low) | (x > high)) if applies else np.zeros_like(x, dtype=bool)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_higher_derivatives_match_nested_autograd(activation: Activation, params: dict[str, Any], order: int) -> None:
    x = _points(activation, params)
    expected = torch_derivatives(activation.name, x, params, order)[order]
    got = activation.derivatives(x, params, order)[order]
    nan = np.isnan(expected)
    np.testing.assert_array_equal(nan, _torch_nan_allowed(activation, params, order, x))
    np.testing.assert_array_equal(got[nan], 0.0)
    atol = HIGHER_ATOL.get((activation.name, order), 1e-14)
    np.testing.assert_allclose(got[~nan], expected[~nan], rtol=1e-12, atol=atol)


@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_higher_derivatives_match_pytorch_exactly_at_every_kink(activation: Activation, params: dict[str, Any]) -> None:
    kinks = np.array(activation.kink_points(params))
    if kinks.size == 0:
        assert not activation.kinks
        return
    expected = torch_derivatives(activation.name, kinks, params, 3)
    got = activation.derivatives(kinks, params, 3)
    for order in ORDERS:
        np.testing.assert_array_equal(got[order], expected[order], err_msg=f"order {order}")


SURPRISES = [
    # elu_double_backward keeps x < 0 only: f''(0) = 0, though f' takes the x <= 0 branch at 0.
    ("elu", {}, 0.0, 2, 0.0),
    ("elu", {}, -5e-324, 2, 1.0),
    ("elu", {"alpha": 2.0}, 0.0, 3, 0.0),
    ("celu", {"alpha": 0.5}, 0.0, 2, 0.0),
    ("selu", {}, 0.0, 2, 0.0),
    ("selu", {}, -5e-324, 2, functions.SELU_SCALE * functions.SELU_ALPHA),
    # softplus_double_backward keeps beta x < threshold only, while f' there is sigmoid(threshold).
    ("softplus", {}, 20.0, 1, 1.0 / (1.0 + np.exp(-20.0))),
    ("softplus", {}, 20.0, 2, 0.0),
    ("softplus", {"beta": 10.0, "threshold": 0.0}, 0.0, 2, 0.0),
    # |x| is differentiated through sign(x), whose derivative is 0.
    ("softsign", {}, 0.0, 2, 0.0),
    ("softsign", {}, 0.0, 3, 0.0),
    ("softsign", {}, 5e-324, 3, 6.0),
    ("hardswish", {}, -3.0, 2, 0.0),
    ("hardswish", {}, 3.0, 2, 0.0),
    ("hardswish", {}, 0.0, 2, 1.0 / 3.0),
    ("hardsigmoid", {}, 3.0, 2, 0.0),
    ("sparse_plus", {}, -1.0, 2, 0.0),
    ("sparse_plus", {}, 1.0, 2, 0.0),
    ("tanh", {}, 0.0, 3, -2.0),
    ("tanhshrink", {}, 0.0, 3, 2.0),
    # Where PyTorch gives nan, the exact value.
    ("gelu", {"approximate": "tanh"}, 30.0, 3, 0.0),
    ("mish", {}, 1e3, 2, 0.0),
]


@pytest.mark.parametrize(("name", "params", "at", "order", "expected"), SURPRISES)
def test_higher_derivative_convention(
    name: str, params: dict[str, Any], at: float, order: int, expected: float
) -> None:
    activation = registry.get(name)
    resolved = activation.resolve_params(params)
    assert activation.derivatives(np.array([at]), resolved, 3)[order][0] == pytest.approx(expected, rel=1e-15, abs=0)


def test_pytorch_has_no_hardsigmoid_double_backward() -> None:
    # When a PyTorch release adds one, HIGHER_TORCH's stand-in can go.
    t = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(F.hardsigmoid(t).sum(), t, create_graph=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        torch.autograd.grad(grad.sum(), t)


@pytest.mark.parametrize("name", sorted(HIGHER_TORCH))
def test_stand_in_reference_agrees_with_pytorch_to_first_order(name: str) -> None:
    activation = registry.get(name)
    x = _points(activation, activation.defaults)
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y, stand_in = TORCH[name](t), HIGHER_TORCH[name](t)
    (grad,) = torch.autograd.grad(y.sum(), t)
    (stand_in_grad,) = torch.autograd.grad(stand_in.sum(), t)
    np.testing.assert_allclose(stand_in.detach().numpy(), y.detach().numpy(), rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(stand_in_grad.numpy(), grad.numpy(), rtol=GRAD_RTOL.get(name, 1e-15), atol=0)


def test_gelu_tanh_higher_derivatives_are_exact_where_pytorch_is_not() -> None:
    # The reason for HIGHER_ATOL: near |x| = 7 PyTorch's f''' is 1.6e-14 from the exact value.
    gelu, params = registry.get("gelu"), {"approximate": "tanh"}
    x = np.linspace(-9.0, 9.0, 73) + 0.01
    torch_orders = torch_derivatives("gelu", x, params, 3)
    ours = gelu.derivatives(x, params, 3)
    with mpmath.workdps(40):
        c, kappa = mpmath.sqrt(2 / mpmath.pi), mpmath.mpf("0.044715")

        def f(t: Any) -> Any:
            return t / 2 * (1 + mpmath.tanh(c * (t + kappa * t**3)))

        for order in ORDERS:
            exact = np.array([float(mpmath.diff(f, mpmath.mpf(v), order)) for v in x])
            np.testing.assert_allclose(ours[order], exact, rtol=1e-13, atol=1e-15)
            if order == 3:
                assert np.abs(torch_orders[order] - exact).max() > 1e-14


# Parameter values at their bounds, where they do not conflict with another parameter's default.
def _param_corners(activation: Activation) -> list[dict[str, Any]]:
    corners: list[dict[str, Any]] = [dict(activation.defaults)]
    for p in activation.params:
        for bound in (p.minimum, p.maximum):
            if bound is not None:
                with contextlib.suppress(ParamError):
                    corners.append(activation.resolve_params({p.name: bound}))
        for choice in p.choices or ():
            corners.append(activation.resolve_params({p.name: choice}))
    return corners


@contextlib.contextmanager
def _no_numpy_warnings() -> Iterator[None]:
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("activation", ACTS, ids=NAMES)
def test_higher_derivatives_are_finite_without_warnings(activation: Activation) -> None:
    for params in _param_corners(activation):
        x = _points(activation, params)
        with _no_numpy_warnings():
            orders = activation.derivatives(x, params, 3)
        for order, values in enumerate(orders):
            assert np.isfinite(values).all(), (params, order)


@settings(max_examples=300, deadline=None)
@given(activation_and_params(), st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=20))
def test_any_finite_input_within_limits_gives_finite_higher_derivatives(
    case: tuple[Activation, dict[str, Any]], xs: list[float]
) -> None:
    activation, params = case
    with _no_numpy_warnings():
        orders = activation.derivatives(np.array(xs), params, 3)
    assert all(np.isfinite(values).all() for values in orders)


@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_orders_0_and_1_are_value_and_value_and_grad(activation: Activation, params: dict[str, Any]) -> None:
    x = _points(activation, params)
    (y,) = activation.derivatives(x, params, 0)
    np.testing.assert_array_equal(y, activation.value(x, params), strict=True)
    y, dy = activation.derivatives(x, params, 1)
    expected_y, expected_dy = activation.value_and_grad(x, params)
    np.testing.assert_array_equal(y, expected_y, strict=True)
    np.testing.assert_array_equal(dy, expected_dy, strict=True)


@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_orders_2_and_3_extend_value_and_grad(activation: Activation, params: dict[str, Any]) -> None:
    x = _points(activation, params)
    y, dy = activation.value_and_grad(x, params)
    for order in ORDERS:
        orders = activation.derivatives(x, params, order)
        assert len(orders) == order + 1
        np.testing.assert_array_equal(orders[0], y, strict=True)
        np.testing.assert_array_equal(orders[1], dy, strict=True)
    np.testing.assert_array_equal(activation.derivatives(x, params, 2)[2], activation.derivatives(x, params, 3)[2])


@pytest.mark.parametrize("order", [-1, 4])
def test_order_outside_0_to_3_is_refused(order: int) -> None:
    relu = registry.get("relu")
    with pytest.raises(ValueError, match="order"):
        relu.derivatives(np.array([1.0]), relu.defaults, order)


def _transcendental_calls(activation: Activation, params: dict[str, Any], order: int) -> int:
    counter = Counter()
    with pytest.MonkeyPatch.context() as patch:
        for name in ("exp", "expm1", "tanh", "logaddexp", "sqrt"):
            patch.setattr(functions.np, name, counter.wrap(getattr(np, name)))
        for name in ("expit", "ndtr"):
            patch.setattr(functions.special, name, counter.wrap(getattr(functions.special, name)))
        activation.derivatives(np.linspace(-5.0, 5.0, 11), params, order)
    return counter.calls


# One more transcendental than f and f' need: gelu-tanh's accurate sech^2, and sigmoid(x) beside
# logsigmoid's sigmoid(-x), each for precision at the tails (see functions.py).
EXTRA_CALLS = {"gelu-approximate=tanh": 1, "logsigmoid-defaults": 1}


@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_higher_orders_reuse_the_work_of_f_and_f_prime(activation: Activation, params: dict[str, Any]) -> None:
    case = IDS[CASES.index((activation, params))]
    extra = _transcendental_calls(activation, params, 3) - _transcendental_calls(activation, params, 1)
    assert extra <= EXTRA_CALLS.get(case, 0)


H = 1e-9


def _one_sided(activation: Activation, at: float, order: int) -> tuple[float, float, float]:
    """Left limit, value and right limit of the order-th derivative at ``at``, at the defaults.

    Each limit is extrapolated linearly from two points on its side, so that a continuous derivative's
    limits agree to rounding (h^2 f^(order+2)), while a jump as small as softplus's 2e-9 still shows.
    """
    x = at + np.array([-2.0 * H, -H, 0.0, H, 2.0 * H])
    g = activation.derivatives(x, activation.defaults, 3)[order]
    return 2.0 * g[1] - g[0], g[2], 2.0 * g[3] - g[4]


def _continuous(left: float, value: float, right: float) -> bool:
    return max(abs(right - left), abs(value - left)) <= 1e-12 * (1.0 + abs(left))


def _jumps(left: float, right: float) -> bool:
    return abs(right - left) > 1e-11 * (1.0 + max(abs(left), abs(right)))


SPOTS = [-7.5, -2.0, -0.6, 0.0, 0.3, 1.7, 4.0, 12.0]


@pytest.mark.parametrize("activation", ACTS, ids=NAMES)
def test_smoothness_claim(activation: Activation) -> None:
    k = activation.smoothness
    kinks = activation.kink_points(activation.defaults)
    spots = [x for x in SPOTS if min((abs(x - a) for a in kinks), default=1.0) > 1e-3]
    for at in spots:
        for order in range(4):
            assert _continuous(*_one_sided(activation, at, order)), (at, order)
    if k == "infinite":
        assert not kinks
        return
    assert isinstance(k, int)
    assert -1 <= k <= 2, "a jump in f''' is the highest this test can see"
    for at in kinks:
        for order in range(k + 1):
            assert _continuous(*_one_sided(activation, at, order)), (at, order)
    jumps = [at for at in kinks if _jumps(*_one_sided(activation, at, k + 1)[::2])]
    assert jumps, f"no derivative of order {k + 1} jumps at a kink"


@pytest.mark.parametrize("activation", ACTS, ids=NAMES)
def test_second_derivative_vanishes_claim(activation: Activation) -> None:
    x = np.linspace(-10.0, 10.0, 2001) + 1e-3
    for at in activation.kink_points(activation.defaults):
        x = x[np.abs(x - at) > 1e-3]
    _, _, d2, d3 = activation.derivatives(x, activation.defaults, 3)
    if activation.second_derivative_vanishes:
        assert np.all(d2 == 0.0)
        assert np.all(d3 == 0.0)
    else:
        assert np.count_nonzero(d2) > 0


@pytest.mark.parametrize("activation", ACTS, ids=NAMES)
def test_kink_metadata_gives_the_higher_derivatives_at_each_kink(activation: Activation) -> None:
    meta = registry.metadata(activation)
    assert len(meta["kinks"]) == len(activation.kinks)
    for kink in meta["kinks"]:
        _, _, d2, d3 = activation.derivatives(np.array([kink["at_defaults"]]), activation.defaults, 3)
        assert type(kink["second_derivative"]) is float
        assert type(kink["third_derivative"]) is float
        assert kink["second_derivative"] == d2[0]
        assert kink["third_derivative"] == d3[0]


OLD_KEYS = ["name", "label", "aliases", "formula", "latex", "latex_derivative", "params", "kinks", "properties"]
NEW_KEYS = ["smoothness", "second_derivative_vanishes", "higher_derivatives_note"]


@pytest.mark.parametrize("activation", ACTS, ids=NAMES)
def test_metadata_adds_the_higher_derivative_keys_after_the_existing_ones(activation: Activation) -> None:
    meta = registry.metadata(activation)
    assert list(meta) == [*OLD_KEYS, "references", *NEW_KEYS]
    assert [list(k) for k in meta["kinks"]] == [
        ["where", "at_defaults", "derivative", "second_derivative", "third_derivative"] for _ in meta["kinks"]
    ]
    info = ActivationInfo.model_validate(meta)
    assert info.smoothness == activation.smoothness
    assert info.higher_derivatives_note == activation.higher_derivatives_note


def test_notes_are_given_where_something_needs_saying() -> None:
    noted = {a.name for a in ACTS if a.higher_derivatives_note}
    assert noted == {"elu", "celu", "selu", "gelu", "mish", "softplus", "softsign", "hardsigmoid"}
    note = registry.get("hardsigmoid").higher_derivatives_note
    assert note is not None
    assert "no double backward" in note
