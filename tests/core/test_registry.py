"""Every property the registry claims is checked against the function itself."""

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import functions, registry
from app.core.evaluate import Method, central_difference, evaluate
from app.core.registry import Activation, ParamError

from .helpers import Counter, activation_and_params

ACTS = registry.ACTIVATIONS
IDS = [a.name for a in ACTS]
WIDE = np.concatenate([np.linspace(-1e6, 1e6, 2001), np.linspace(-50.0, 50.0, 100_001)])
EXTREMES = np.array([-1e6, 1e6, -1e-300, 1e-300, 0.0, -0.0, 5e-324, -5e-324])


def _values(a: Activation, x: np.ndarray) -> np.ndarray:
    return a.value(x, a.defaults)


def _grads(a: Activation, x: np.ndarray) -> np.ndarray:
    return a.grad(x, a.defaults)


def test_registry_has_every_function_of_the_spec() -> None:
    expected = {
        *[
            "relu",
            "relu6",
            "leaky_relu",
            "prelu",
            "rrelu",
            "elu",
            "celu",
            "selu",
            "gelu",
            "silu",
            "mish",
            "softplus",
            "softsign",
            "tanh",
            "sigmoid",
        ],
        *["logsigmoid", "hardtanh", "hardsigmoid", "hardswish", "tanhshrink", "softshrink", "hardshrink", "threshold"],
        *["identity", "binary_step", "squareplus", "sparse_plus", "sparse_sigmoid"],
    }
    assert set(registry.NAMES) == expected


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("swish", "silu"),
        ("log_sigmoid", "logsigmoid"),
        ("hard_tanh", "hardtanh"),
        ("hard_sigmoid", "hardsigmoid"),
        ("hard_swish", "hardswish"),
        ("hard_silu", "hardswish"),
        ("linear", "identity"),
        ("ReLU", "relu"),
        ("LeakyReLU", "leaky_relu"),
        ("leaky-relu", "leaky_relu"),
        ("GELU", "gelu"),
        ("SiLU", "silu"),
        ("  Tanh ", "tanh"),
        ("heaviside", "binary_step"),
    ],
)
def test_aliases_find_the_canonical_function(alias: str, name: str) -> None:
    assert registry.get(alias).name == name


def test_unknown_name_suggests_close_names() -> None:
    with pytest.raises(registry.UnknownActivationError) as info:
        registry.get("relx")
    assert "relu" in info.value.suggestions
    assert "relu" in str(info.value)


@pytest.mark.parametrize("activation", ACTS, ids=IDS)
def test_output_range_holds_and_is_tight(activation: Activation) -> None:
    y = _values(activation, WIDE)
    lo, hi = activation.properties.output_min, activation.properties.output_max
    if lo is None:
        assert y.min() < -1e3
    else:
        assert y.min() >= lo - 1e-12
        assert y.min() <= lo + 1e-5
    if hi is None:
        assert y.max() > 1e3
    else:
        assert y.max() <= hi + 1e-12
        assert y.max() >= hi - 1e-5


@pytest.mark.parametrize("activation", ACTS, ids=IDS)
def test_monotonic_claim(activation: Activation) -> None:
    steps = np.diff(_values(activation, np.linspace(-20.0, 20.0, 40_001)))
    if activation.properties.monotonic:
        assert steps.min() >= -1e-12
    else:
        assert steps.min() < -1e-6


def _dense_with_kinks(activation: Activation) -> np.ndarray:
    kinks = activation.kink_points(activation.defaults)
    around = [k + d for k in kinks for d in (-1e-9, 1e-9)]
    return np.sort(np.concatenate([np.linspace(-25.0, 25.0, 500_001), around]))


@pytest.mark.parametrize("activation", ACTS, ids=IDS)
def test_smooth_claim_means_no_jump_in_f_or_its_derivative(activation: Activation) -> None:
    x = _dense_with_kinks(activation)
    jump = max(np.abs(np.diff(_values(activation, x))).max(), np.abs(np.diff(_grads(activation, x))).max())
    if activation.properties.smooth:
        assert jump < 1e-2
    else:
        assert jump > 0.1


@pytest.mark.parametrize("activation", ACTS, ids=IDS)
def test_zero_centred_claim_means_odd(activation: Activation) -> None:
    x = np.linspace(0.0, 20.0, 20_001)
    asymmetry = np.abs(_values(activation, -x) + _values(activation, x)).max()
    if activation.properties.zero_centred:
        assert asymmetry <= 1e-12
    else:
        assert asymmetry > 1e-3


@pytest.mark.parametrize("activation", ACTS, ids=IDS)
@pytest.mark.parametrize("side", [-1.0, 1.0], ids=["left", "right"])
def test_saturation_claims(activation: Activation, side: float) -> None:
    far = np.abs(_grads(activation, np.array([side * 1e3, side * 1e6])))
    claimed = activation.properties.saturates_left if side < 0 else activation.properties.saturates_right
    if claimed:
        assert far[0] < 1e-4
        assert far[1] < 1e-9
    else:
        assert far[1] > 1e-3


@pytest.mark.parametrize("activation", ACTS, ids=IDS)
def test_sparse_claim_means_exact_zeros_on_an_interval(activation: Activation) -> None:
    zeros = int(np.count_nonzero(_values(activation, np.linspace(-5.0, 5.0, 1001)) == 0.0))
    if activation.properties.sparse:
        assert zeros >= 50
    else:
        assert zeros <= 1


@pytest.fixture
def exp_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    counter = Counter()
    for name in ("exp", "expm1", "tanh", "logaddexp"):
        monkeypatch.setattr(functions.np, name, counter.wrap(getattr(np, name)))
    for name in ("expit", "ndtr"):
        monkeypatch.setattr(functions.special, name, counter.wrap(getattr(functions.special, name)))
    yield counter


@pytest.mark.parametrize("activation", ACTS, ids=IDS)
def test_uses_exp_claim(activation: Activation, exp_calls: Counter) -> None:
    x = np.linspace(-5.0, 5.0, 11)
    _values(activation, x)
    _grads(activation, x)
    assert (exp_calls.calls > 0) == activation.properties.uses_exp


@pytest.mark.parametrize("activation", ACTS, ids=IDS)
def test_extreme_inputs_give_finite_results_without_warnings(activation: Activation) -> None:
    for params in _param_corners(activation):
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for method in Method:
                y, dy = evaluate(activation, EXTREMES, params, method=method)
                assert np.isfinite(y).all()
                assert dy is not None
                assert np.isfinite(dy).all()


def _param_corners(activation: Activation) -> list[dict[str, Any]]:
    corners: list[dict[str, Any]] = [dict(activation.defaults)]
    for p in activation.params:
        for bound in (p.minimum, p.maximum):
            if bound is None:
                continue
            # A bound may conflict with another parameter's default: that corner is skipped.
            with contextlib.suppress(ParamError):
                corners.append(activation.resolve_params({p.name: bound}))
    return corners


@pytest.mark.parametrize("activation", ACTS, ids=IDS)
def test_analytic_derivative_matches_central_difference_away_from_kinks(activation: Activation) -> None:
    x = np.linspace(-8.0, 8.0, 1601) + 1e-3
    for k in activation.kink_points(activation.defaults):
        x = x[np.abs(x - k) > 1e-3]
    numeric = central_difference(lambda t: _values(activation, t), x)
    np.testing.assert_allclose(_grads(activation, x), numeric, rtol=1e-6, atol=1e-7)


KINK_CONVENTIONS = [
    ("relu", {}, 0.0, 0.0),
    ("leaky_relu", {}, 0.0, 0.01),
    ("leaky_relu", {"negative_slope": 0.3}, 0.0, 0.3),
    ("prelu", {}, 0.0, 0.25),
    ("rrelu", {}, 0.0, (1 / 8 + 1 / 3) / 2),
    ("elu", {}, 0.0, 1.0),
    ("elu", {"alpha": 0.4}, 0.0, 0.4),
    ("selu", {}, 0.0, functions.SELU_SCALE * functions.SELU_ALPHA),
    ("hardtanh", {}, -1.0, 0.0),
    ("hardtanh", {}, 1.0, 0.0),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}, 0.5, 0.0),
    ("relu6", {}, 0.0, 0.0),
    ("relu6", {}, 6.0, 0.0),
    ("hardsigmoid", {}, -3.0, 0.0),
    ("hardsigmoid", {}, 3.0, 0.0),
    ("hardswish", {}, -3.0, 0.0),
    ("hardswish", {}, 3.0, 1.0),
    ("softshrink", {}, -0.5, 0.0),
    ("softshrink", {}, 0.5, 0.0),
    ("hardshrink", {}, -0.5, 0.0),
    ("hardshrink", {}, 0.5, 0.0),
    ("threshold", {"threshold": 1.0, "value": 2.0}, 1.0, 0.0),
    ("binary_step", {}, 0.0, 0.0),
    ("sparse_sigmoid", {}, -1.0, 0.0),
    ("sparse_sigmoid", {}, 1.0, 0.0),
]


@pytest.mark.parametrize(("name", "params", "at", "expected"), KINK_CONVENTIONS)
def test_derivative_convention_at_kink(name: str, params: dict[str, Any], at: float, expected: float) -> None:
    activation = registry.get(name)
    resolved = activation.resolve_params(params)
    assert activation.grad(np.array([at]), resolved)[0] == pytest.approx(expected, abs=0.0, rel=1e-15)
    assert at in activation.kink_points(resolved)


def test_softplus_is_x_with_derivative_one_above_threshold() -> None:
    softplus = registry.get("softplus")
    params = softplus.resolve_params({"beta": 2.0, "threshold": 10.0})
    x = np.array([5.0 + 1e-12, 7.0, 1e6])
    np.testing.assert_array_equal(softplus.value(x, params), x)
    np.testing.assert_array_equal(softplus.grad(x, params), np.ones(3))


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("relu", {"negative_slope": 0.1}, "does not take"),
        ("celu", {"alpha": 0}, "at least"),
        ("elu", {"alpha": "abc"}, "must be a number"),
        ("elu", {"alpha": float("nan")}, "finite"),
        ("hardtanh", {"min_val": 2.0}, "less than max_val"),
        ("rrelu", {"lower": 0.5, "upper": 0.1}, "at most upper"),
        ("gelu", {"approximate": "sigmoid"}, "one of"),
        ("softshrink", {"lambd": -1.0}, "at least"),
    ],
)
def test_bad_parameters_are_rejected_with_a_reason(name: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ParamError, match=message):
        registry.get(name).resolve_params(params)


def test_metadata_documents_every_kink_and_parameter() -> None:
    for activation in ACTS:
        meta = registry.metadata(activation)
        assert meta["label"] and meta["formula"] and meta["latex"] and meta["latex_derivative"]
        assert [p["name"] for p in meta["params"]] == [p.name for p in activation.params]
        assert len(meta["kinks"]) == len(activation.kinks)
        assert all(k["derivative"] for k in meta["kinks"])
        assert meta["references"]


finite_x = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(activation_and_params(), st.lists(finite_x, min_size=1, max_size=20))
def test_any_finite_input_within_limits_gives_finite_output(
    case: tuple[Activation, dict[str, Any]], xs: list[float]
) -> None:
    activation, params = case
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for method in Method:
            y, dy = evaluate(activation, np.array(xs), params, method=method)
            assert np.isfinite(y).all()
            assert dy is not None
            assert np.isfinite(dy).all()


@pytest.mark.parametrize("typo", ["sigmod", "logsigmod", "swish2", "relu7", "gleu"])
def test_suggestions_name_each_function_once(typo: str) -> None:
    with pytest.raises(registry.UnknownActivationError) as info:
        registry.get(typo)
    functions = [registry.get(name).name for name in info.value.suggestions]
    assert functions and len(functions) == len(set(functions))
