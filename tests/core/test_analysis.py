"""The analysis core against theory: sparsity, saturation, gradient flow, dead units, cost."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from app.core import analysis, networks, registry
from app.core.evaluate import grid
from app.core.expressions import Limits, compile_expression
from app.core.networks import Init, Nonlinearity

LIMITS = Limits(max_length=500, max_nodes=200, max_depth=64, max_exponent=100.0, max_literal=1e9)


def bound(name: str, **params: float) -> Nonlinearity:
    activation = registry.get(name)
    return analysis.bind(activation, activation.resolve_params(params))


def sigmoid_saturation_edge(eps: float) -> float:
    """The x > 0 where sigmoid'(x) = s(1 - s) = eps: s = (1 - sqrt(1 - 4 eps)) / 2 on the far side."""
    s = (1.0 - math.sqrt(1.0 - 4.0 * eps)) / 2.0
    return -math.log(s / (1.0 - s))


# --- sparsity and output statistics ---------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_sparsity_on_standard_normal_is_one_half_within_sampling_error(seed: int) -> None:
    stats = analysis.output_stats(bound("relu"), sigma=1.0, samples=100_000, seed=seed)
    standard_error = math.sqrt(0.25 / 100_000)
    assert abs(stats.sparsity - 0.5) < 4 * standard_error
    assert stats.sparsity_standard_error == pytest.approx(standard_error, rel=0.01)


def test_relu_output_mean_and_variance_match_the_half_normal() -> None:
    # E[max(0, X)] = 1/sqrt(2 pi); E[max(0, X)^2] = 1/2 for X ~ N(0, 1).
    stats = analysis.output_stats(bound("relu"), sigma=1.0, samples=200_000, seed=3)
    mean = 1.0 / math.sqrt(2.0 * math.pi)
    assert stats.mean is not None and stats.mean_standard_error is not None and stats.variance is not None
    assert abs(stats.mean - mean) < 4 * stats.mean_standard_error
    assert stats.variance == pytest.approx(0.5 - mean**2, rel=0.02)


def test_leaky_relu_and_tanh_are_never_exactly_zero_on_gaussian_inputs() -> None:
    for name in ("leaky_relu", "tanh", "sigmoid", "elu"):
        assert analysis.output_stats(bound(name), sigma=1.0, samples=50_000, seed=0).sparsity == 0.0


def test_tanh_output_is_zero_centred_and_sigmoid_is_not() -> None:
    tanh = analysis.output_stats(bound("tanh"), sigma=1.0, samples=100_000, seed=0)
    sigmoid = analysis.output_stats(bound("sigmoid"), sigma=1.0, samples=100_000, seed=0)
    assert tanh.mean is not None and tanh.mean_standard_error is not None and sigmoid.mean is not None
    assert abs(tanh.mean) < 4 * tanh.mean_standard_error
    assert sigmoid.mean == pytest.approx(0.5, abs=0.01)


def test_output_stats_are_reproduced_by_their_seed() -> None:
    a = analysis.output_stats(bound("relu"), sigma=2.0, samples=1000, seed=7)
    b = analysis.output_stats(bound("relu"), sigma=2.0, samples=1000, seed=7)
    c = analysis.output_stats(bound("relu"), sigma=2.0, samples=1000, seed=8)
    assert a == b
    assert a.mean != c.mean


# --- saturation and zeros -----------------------------------------------------------------------


def test_sigmoid_saturated_interval_matches_the_analytic_solution() -> None:
    eps = 0.01 * 0.25
    edge = sigmoid_saturation_edge(eps)  # 5.98644569...
    result = analysis.saturation(bound("sigmoid"), grid(-10, 10, 101), eps)
    assert [(i.start, i.end) for i in result.intervals] == [
        (-10.0, pytest.approx(-edge, abs=1e-9)),
        (pytest.approx(edge, abs=1e-9), 10.0),
    ]
    assert result.fraction == pytest.approx(2 * (10 - edge) / 20, abs=1e-9)


def test_default_eps_is_an_absolute_tenth_stated_with_its_reason() -> None:
    result = analysis.saturation(bound("sigmoid"), grid(-10, 10, 100))
    assert result.eps == 0.1
    assert result.eps_rule == "|f'(x)| < 0.1"
    assert "tenth of the gradient" in result.why
    assert result.intervals[1].start == pytest.approx(sigmoid_saturation_edge(0.1), abs=1e-9)


def test_a_given_eps_is_stated_as_given() -> None:
    result = analysis.saturation(bound("sigmoid"), grid(-5, 5, 100), 0.05)
    assert (result.eps, result.eps_rule, result.why) == (0.05, "|f'(x)| < 0.05", analysis.GIVEN_EPS_WHY)


@pytest.mark.parametrize(
    ("name", "left", "right"),
    [
        ("sigmoid", True, True),
        ("tanh", True, True),
        ("relu", True, False),
        ("gelu", True, False),
        ("silu", True, False),
        ("elu", True, False),
        ("identity", False, False),
        ("softplus", True, False),
    ],
)
def test_on_the_articles_range_the_default_finds_the_saturation_the_article_describes(
    name: str, left: bool, right: bool
) -> None:
    result = analysis.saturation(bound(name), grid(-5, 5, 100))
    assert (result.left, result.right) == (left, right)


def test_sigmoid_saturates_at_both_ends_of_the_articles_range() -> None:
    # sigmoid'(x) = s(1 - s) = 0.1 at |x| = 2.063...: 59% of [-5, 5].
    edge = sigmoid_saturation_edge(0.1)
    result = analysis.saturation(bound("sigmoid"), grid(-5, 5, 100))
    assert [(i.start, i.end) for i in result.intervals] == [
        (-5.0, pytest.approx(-edge, abs=1e-9)),
        (pytest.approx(edge, abs=1e-9), 5.0),
    ]
    assert result.fraction == pytest.approx((5 - edge) / 5, abs=1e-9)


def test_tanh_saturates_where_its_slope_falls_below_a_tenth() -> None:
    # tanh'(x) = 1 - tanh(x)^2 = 0.1  <=>  x = atanh(sqrt(0.9)).
    edge = math.atanh(math.sqrt(0.9))
    result = analysis.saturation(bound("tanh"), grid(-5, 5, 100))
    assert [(i.start, i.end) for i in result.intervals] == [
        (-5.0, pytest.approx(-edge, abs=1e-9)),
        (pytest.approx(edge, abs=1e-9), 5.0),
    ]


def test_an_interval_inside_the_range_is_not_an_end() -> None:
    # GELU's slope crosses 0 near x = -0.75: a small saturated stretch there, besides the left tail.
    result = analysis.saturation(bound("gelu"), grid(-5, 5, 100))
    assert len(result.intervals) == 2
    assert result.left and not result.right
    inner = result.intervals[1]
    assert -1.2 < inner.start < -0.75 < inner.end < -0.5


def test_relu_saturates_and_is_zero_exactly_on_the_negative_half() -> None:
    x = grid(-5, 5, 100)
    sat = analysis.saturation(bound("relu"), x)
    zeros = analysis.zeros(bound("relu"), x)
    assert [(i.start, i.end) for i in sat.intervals] == [(-5.0, 0.0)]
    assert [(i.start, i.end) for i in zeros.intervals] == [(-5.0, 0.0)]
    assert zeros.fraction == pytest.approx(0.5)


def test_leaky_relus_default_slope_is_below_the_threshold_and_it_has_a_single_zero() -> None:
    # Its negative side passes back 1% of the gradient per layer; with slope 0.25 it does not saturate.
    x = grid(-5, 5, 100)
    assert [(i.start, i.end) for i in analysis.saturation(bound("leaky_relu"), x).intervals] == [(-5.0, 0.0)]
    assert analysis.saturation(bound("leaky_relu", negative_slope=0.25), x).intervals == []
    zeros = analysis.zeros(bound("leaky_relu"), x)
    assert zeros.intervals == []
    assert zeros.points == [0.0]


def test_relu6_saturates_on_both_sides_of_its_linear_piece() -> None:
    sat = analysis.saturation(bound("relu6"), grid(-10, 10, 77))
    assert [(i.start, i.end) for i in sat.intervals] == [(-10.0, 0.0), (6.0, 10.0)]


def test_a_flat_function_is_saturated_everywhere_even_though_eps_is_zero() -> None:
    sat = analysis.saturation(bound("binary_step"), grid(-3, 3, 10), 0.0)
    assert sat.eps == 0.0
    assert [(i.start, i.end) for i in sat.intervals] == [(-3.0, 3.0)]


def test_softshrink_zero_interval_is_its_dead_zone() -> None:
    zeros = analysis.zeros(bound("softshrink", lambd=0.7), grid(-3, 3, 50))
    assert [(i.start, i.end) for i in zeros.intervals] == [
        (pytest.approx(-0.7, abs=1e-12), pytest.approx(0.7, abs=1e-12))
    ]


def test_intervals_where_reports_runs_and_isolated_points() -> None:
    x = grid(0, 10, 11)
    intervals, points = analysis.intervals_where(lambda t: (np.abs(t - 2.5) <= 1.0) | (t == 8.0), x)
    assert [(i.start, i.end) for i in intervals] == [(pytest.approx(1.5), pytest.approx(3.5))]
    assert points == [8.0]


# --- gradient summary -------------------------------------------------------------------------


def test_sigmoid_gradient_peaks_at_a_quarter_and_bounds_depth_by_a_quarter_to_the_l() -> None:
    summary = analysis.gradient_summary(bound("sigmoid"), grid(-5, 5, 100), depth=10)
    assert summary.max_abs == pytest.approx(0.25, rel=1e-12)
    assert summary.argmax == pytest.approx(0.0, abs=1e-5)
    assert summary.at_zero == 0.25
    assert summary.gain_bound == pytest.approx(0.25**10, rel=1e-10)
    assert summary.log10_gain_bound == pytest.approx(10 * math.log10(0.25))


def test_relu_derivative_at_zero_is_zero_and_its_gain_bound_is_one() -> None:
    summary = analysis.gradient_summary(bound("relu"), grid(-5, 5, 100), depth=50)
    assert summary.at_zero == 0.0
    assert summary.max_abs == 1.0
    assert summary.gain_bound == 1.0


def test_an_expression_is_analysed_like_the_function_it_equals() -> None:
    # tanh(x) = 2 sigmoid(2x) - 1, as the article shows.
    x = grid(-5, 5, 100)
    expression = analysis.from_expression(compile_expression("2*sigmoid(2*x) - 1", LIMITS))
    ours = analysis.saturation(expression, x)
    tanh = analysis.saturation(bound("tanh"), x)
    assert [(i.start, i.end) for i in ours.intervals] == [
        (pytest.approx(i.start, abs=1e-9), pytest.approx(i.end, abs=1e-9)) for i in tanh.intervals
    ]


def test_a_plain_call_keeps_its_name_and_a_parameterised_one_its_text() -> None:
    assert analysis.from_expression(compile_expression("ReLU", LIMITS)).name == "relu"
    call = analysis.from_expression(compile_expression("leaky_relu(x, negative_slope=0.2)", LIMITS))
    assert call.name != "leaky_relu"
    assert call.value(np.array([-1.0]))[0] == pytest.approx(-0.2)


# --- gradient flow --------------------------------------------------------------------------------


def test_backward_pass_matches_torch_autograd() -> None:
    rng = np.random.default_rng(0)
    net = networks.random_network(rng, [8, 8, 8, 8], Init.xavier)
    net.biases = [rng.standard_normal(8) * 0.1 for _ in net.biases]
    x = rng.standard_normal((5, 8))
    f = bound("tanh")
    pre, outputs = networks.forward(net, f, x)
    grads = networks.backward(net, f, pre, outputs, np.ones_like(outputs[-1]))

    weights = [torch.tensor(w, requires_grad=True) for w in net.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in net.biases]
    h = torch.tensor(x)
    for w, b in zip(weights, biases, strict=True):
        h = torch.tanh(h @ w + b)
    h.sum().backward()
    for ours, theirs in zip(grads.weights, weights, strict=True):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-12, atol=1e-14)
    for ours, theirs in zip(grads.biases, biases, strict=True):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigmoid_gradient_shrinks_about_fourfold_per_layer_under_xavier_init(seed: int) -> None:
    # Xavier keeps n Var(W) = 1 on square layers, so each layer multiplies the backpropagated
    # norm by about sqrt(E[sigmoid'(z)^2]) <= 0.25; with Var(z) ~ 0.3 it is ~0.23.
    (flow,) = analysis.gradient_flow(
        [bound("sigmoid")], depth=20, width=64, batch=256, init=Init.xavier, std=1, seed=seed
    )
    assert flow.ratio_per_layer is not None
    assert 0.18 < flow.ratio_per_layer < 0.26


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_gradient_keeps_its_size_under_he_init(seed: int) -> None:
    # He's 2/n variance exactly offsets the half of ReLU's units that pass no gradient.
    (flow,) = analysis.gradient_flow([bound("relu")], depth=20, width=64, batch=256, init=Init.he, std=1, seed=seed)
    assert flow.ratio_per_layer is not None
    assert 0.8 < flow.ratio_per_layer < 1.25
    norms = [n for n in flow.output_grad_norm if n is not None]
    assert len(norms) == 20
    assert max(norms) / min(norms) < 10


def test_relu_layers_output_exact_zeros_about_half_the_time_and_sigmoid_layers_never() -> None:
    # Zero biases and weights symmetric about 0 make every pre-activation symmetric about 0.
    relu, sigmoid = analysis.gradient_flow(
        [bound("relu"), bound("sigmoid")], depth=6, width=64, batch=512, init=Init.he, std=1, seed=0
    )
    standard_error = math.sqrt(0.25 / (64 * 512))
    assert abs(relu.zero_fraction[0] - 0.5) < 4 * standard_error
    # Deeper units are correlated through shared inputs, so only a loose band is honest there.
    assert all(0.35 < z < 0.65 for z in relu.zero_fraction)
    assert sigmoid.zero_fraction == [0.0] * 6


def test_same_seed_gives_every_function_the_same_network() -> None:
    flows = analysis.gradient_flow(
        [bound("relu"), bound("relu")], depth=5, width=16, batch=32, init=Init.he, std=1, seed=4
    )
    assert flows[0] == flows[1]


def test_an_exploding_network_reports_none_instead_of_infinity() -> None:
    (flow,) = analysis.gradient_flow([bound("relu")], depth=100, width=128, batch=8, init=Init.normal, std=10.0, seed=0)
    assert None in flow.weight_grad_norm
    assert all(v is None or math.isfinite(v) for v in flow.weight_grad_norm + flow.output_grad_norm)


# --- dead units -------------------------------------------------------------------------------------


def dead(name: str, lr: float, seed: int) -> analysis.DeadRun:
    (run,) = analysis.dead_units(
        [bound(name)], depth=4, width=64, batch=128, steps=200, lr=lr, init=Init.he, std=1.0, seed=seed, checkpoints=10
    )
    return run


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_high_learning_rate_kills_relu_units_but_not_leaky_relu_units(seed: int) -> None:
    fast, slow, leaky = dead("relu", 0.5, seed), dead("relu", 0.01, seed), dead("leaky_relu", 0.5, seed)
    assert fast.diverged_at_step is None and slow.diverged_at_step is None and leaky.diverged_at_step is None
    assert fast.dead_fraction[-1] > slow.dead_fraction[-1]
    assert fast.dead_fraction[-1] > leaky.dead_fraction[-1]
    assert leaky.dead_fraction[-1] == 0.0


def test_training_reports_checkpoints_and_lowers_the_loss() -> None:
    run = dead("leaky_relu", 0.1, 0)
    assert run.steps == [0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200]
    assert len(run.dead_fraction_per_layer[0]) == 4
    assert run.loss[0] is not None and run.final_loss is not None
    assert run.final_loss < run.loss[0]


def test_a_diverging_run_stops_and_says_when() -> None:
    run = dead("relu", 50.0, 0)
    assert run.diverged_at_step is not None
    assert run.final_loss is None
    assert run.steps[-1] < run.diverged_at_step


# --- cost ---------------------------------------------------------------------------------------------


def test_cost_reports_a_median_per_element_for_value_and_derivative() -> None:
    costs, base = analysis.measure_cost([bound("sigmoid"), bound("tanh")], bound("relu"), n=1000, repeats=3, seed=0)
    assert [c.name for c in costs] == ["sigmoid", "tanh"]
    assert base.name == "relu" and base.value_relative == 1.0 and base.derivative_relative == 1.0
    for c in costs:
        assert len(c.value_repeats_ns_per_element) == 3 and len(c.derivative_repeats_ns_per_element) == 3
        assert c.value_ns_per_element == sorted(c.value_repeats_ns_per_element)[1]
        assert c.value_ns_per_element > 0 and c.derivative_ns_per_element > 0
        assert c.value_relative == pytest.approx(c.value_ns_per_element / base.value_ns_per_element)


# --- output range ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", registry.all_names())
def test_output_range_at_the_defaults_is_the_registrys_exact_bounds(name: str) -> None:
    activation = registry.get(name)
    low, high = analysis.output_range(bound(name))
    claimed = (activation.properties.output_min, activation.properties.output_max)
    for got, want in zip((low, high), claimed, strict=True):
        if want is None:
            assert got is None
        else:
            assert got == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("elu", {"alpha": 2.0}, (-2.0, None)),
        ("celu", {"alpha": 0.5}, (-0.5, None)),
        ("leaky_relu", {"negative_slope": 0.0}, (0.0, None)),
        ("hardtanh", {"min_val": -2.0, "max_val": 3.0}, (-2.0, 3.0)),
        ("softshrink", {"lambd": 1.0}, (None, None)),
    ],
)
def test_output_range_follows_the_parameters(name: str, params: dict[str, float], expected: tuple) -> None:
    assert analysis.output_range(bound(name, **params)) == expected


def test_output_range_of_an_expression_finds_an_inner_minimum() -> None:
    low, high = analysis.output_range(analysis.from_expression(compile_expression("x**2 - 1", LIMITS)))
    assert low == pytest.approx(-1.0, abs=1e-12)
    assert high is None
