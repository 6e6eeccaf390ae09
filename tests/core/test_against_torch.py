"""Values and derivatives agree with PyTorch's float64 results and autograd, kinks included."""

from typing import Any

import numpy as np
import pytest

from app.core import registry
from app.core.registry import Activation

from .reference import GRAD_RTOL, PARAM_CASES, REFERENCE_DIFFERS_AT, torch_value_and_grad

EXTREMES = [-1e6, -1e3, -40.0, -20.0, -1e-300, -0.0, 0.0, 1e-300, 5e-324, 20.0, 40.0, 1e3, 1e6]


def _cases() -> list[tuple[Activation, dict[str, Any]]]:
    cases = []
    for activation in registry.ACTIVATIONS:
        cases.append((activation, dict(activation.defaults)))
        for extra in PARAM_CASES.get(activation.name, []):
            cases.append((activation, {**activation.defaults, **extra}))
    return cases


CASES = _cases()
IDS = [f"{a.name}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'defaults'}" for a, p in CASES]


def _points(activation: Activation, params: dict[str, Any]) -> np.ndarray:
    kinks = activation.kink_points(params)
    near = [k + d for k in kinks for d in (-1e-9, 0.0, 1e-9)]
    x = np.concatenate([np.linspace(-10.0, 10.0, 2001), EXTREMES, near])
    skip = REFERENCE_DIFFERS_AT.get(activation.name, ())
    return x[~np.isin(x, skip)]


@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_values_match_pytorch(activation: Activation, params: dict[str, Any]) -> None:
    x = _points(activation, params)
    expected, _ = torch_value_and_grad(activation.name, x, params)
    np.testing.assert_allclose(activation.value(x, params), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_derivatives_match_pytorch_autograd(activation: Activation, params: dict[str, Any]) -> None:
    x = _points(activation, params)
    _, expected = torch_value_and_grad(activation.name, x, params)
    rtol = GRAD_RTOL.get(activation.name, 1e-12)
    np.testing.assert_allclose(activation.grad(x, params), expected, rtol=rtol, atol=1e-14)


@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_derivatives_match_pytorch_at_every_kink(activation: Activation, params: dict[str, Any]) -> None:
    kinks = np.array(
        [k for k in activation.kink_points(params) if k not in REFERENCE_DIFFERS_AT.get(activation.name, ())]
    )
    if kinks.size == 0:
        assert not activation.kinks or activation.name in REFERENCE_DIFFERS_AT
        return
    _, expected = torch_value_and_grad(activation.name, kinks, params)
    np.testing.assert_allclose(activation.grad(kinks, params), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("activation", "params"), CASES, ids=IDS)
def test_value_and_grad_together_are_the_same_numbers_as_apart(activation: Activation, params: dict[str, Any]) -> None:
    x = _points(activation, params)
    y, dy = activation.value_and_grad(x, params)
    np.testing.assert_array_equal(y, activation.value(x, params), strict=True)
    np.testing.assert_array_equal(dy, activation.grad(x, params), strict=True)


def test_functions_that_share_work_compute_it_once() -> None:
    shared = [a for a in registry.ACTIVATIONS if a.with_derivative is not None]
    assert {a.name for a in shared} >= {"sigmoid", "tanh", "silu", "gelu", "mish", "tanhshrink"}
    calls = 0
    real = np.tanh

    def counting_tanh(x: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(x)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(np, "tanh", counting_tanh)
        registry.get("tanh").value_and_grad(np.linspace(-3, 3, 7), {})
    assert calls == 1
