"""PyTorch float64 references for every registered function, and parameter sets to try."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

TorchFn = Callable[..., torch.Tensor]


def _prelu(x: torch.Tensor, weight: float) -> torch.Tensor:
    return F.prelu(x, torch.tensor([weight], dtype=torch.float64))


def _sparse_plus(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x <= -1.0, torch.zeros_like(x), torch.where(x >= 1.0, x, (x + 1.0) ** 2 / 4.0))


def _squareplus(x: torch.Tensor, b: float) -> torch.Tensor:
    s = torch.sqrt(x * x + b)
    # (x + s) / 2 cancels for x << 0; b / (2 (s - x)) is the same number there.
    return torch.where(x >= 0, (x + s) / 2.0, b / (2.0 * (s - x)))


# The functions beyond PyTorch are written here from their definitions (JAX's, for
# squareplus and the sparse pair), so autograd differentiates them independently.
TORCH: dict[str, TorchFn] = {
    "relu": F.relu,
    "relu6": F.relu6,
    "leaky_relu": F.leaky_relu,
    "prelu": _prelu,
    "rrelu": lambda x, lower, upper: F.rrelu(x, lower, upper, training=False),
    "elu": F.elu,
    "celu": F.celu,
    "selu": F.selu,
    "gelu": F.gelu,
    "silu": F.silu,
    "mish": F.mish,
    "softplus": F.softplus,
    "softsign": F.softsign,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "logsigmoid": F.logsigmoid,
    "hardtanh": F.hardtanh,
    "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish,
    "tanhshrink": F.tanhshrink,
    "softshrink": F.softshrink,
    "hardshrink": F.hardshrink,
    "threshold": F.threshold,
    "identity": lambda x: x * 1.0,
    "binary_step": lambda x: torch.where(x >= 0, 1.0, 0.0).to(x.dtype) + 0.0 * x,
    "squareplus": _squareplus,
    "sparse_plus": _sparse_plus,
    "sparse_sigmoid": lambda x: 0.5 * torch.clamp(x + 1.0, 0.0, 2.0),
}

# Kinks where the hand-written references above follow autograd's generic rule (clamp's
# gradient is 1 on the closed interval) rather than the documented convention; the
# convention itself is pinned by its own tests.
REFERENCE_DIFFERS_AT = {"sparse_sigmoid": (-1.0, 1.0)}

# PyTorch's hardsigmoid_backward multiplies by 1/6 in single precision (a relative error
# of 3e-8); the registry returns the exact 1/6.
GRAD_RTOL = {"hardsigmoid": 5e-8}

# f'' and f''' where the absolute tolerance must exceed 1e-14: (name, order) -> atol. PyTorch's
# gelu(approximate='tanh') f''' goes through tanh_backward's 1 - tanh^2, which cancels near |x| = 7
# and leaves it 1.6e-14 from the exact value there (mpmath, 40 digits); the registry's is within
# 1e-15 (tests/core/test_higher_against_torch.py checks both against mpmath).
HIGHER_ATOL = {("gelu", 3): 5e-14}

# Where PyTorch's nested autograd overflows to nan in float64: name -> (the parameters it needs,
# the orders, and the interval outside which). The registry gives the exact value there, 0 in
# double precision.
TORCH_NAN: dict[str, tuple[dict[str, Any], tuple[int, ...], tuple[float, float]]] = {
    "gelu": ({"approximate": "tanh"}, (3,), (-26.82, 26.82)),
    "mish": ({}, (2, 3), (-np.inf, 709.78)),
}

# Parameter sets beyond the defaults.
PARAM_CASES: dict[str, list[dict[str, Any]]] = {
    "leaky_relu": [{"negative_slope": 0.2}, {"negative_slope": -0.5}],
    "prelu": [{"weight": 0.1}, {"weight": -2.0}],
    "rrelu": [{"lower": 0.05, "upper": 0.5}, {"lower": 0.3, "upper": 0.3}],
    "elu": [{"alpha": 0.5}, {"alpha": 2.0}],
    # 0.125 is exact in single precision: PyTorch's celu takes 1 / float(alpha).
    "celu": [{"alpha": 0.5}, {"alpha": 3.0}, {"alpha": 0.125}],
    "gelu": [{"approximate": "tanh"}],
    "softplus": [{"beta": 2.0, "threshold": 5.0}, {"beta": 0.5, "threshold": 30.0}, {"beta": 10.0, "threshold": 0.0}],
    "hardtanh": [{"min_val": -2.0, "max_val": 3.0}, {"min_val": 0.25, "max_val": 0.5}],
    "softshrink": [{"lambd": 1.5}, {"lambd": 0.0}],
    "hardshrink": [{"lambd": 1.5}, {"lambd": 0.0}],
    "threshold": [{"threshold": 1.0, "value": -0.5}, {"threshold": -2.0, "value": 3.0}],
    "squareplus": [{"b": 0.5}, {"b": 1e-3}, {"b": 1e3}],
}


# PyTorch has no double backward for hardsigmoid (hardsigmoid_backward is not differentiable). Its
# f'' and f''' are checked against relu6(x + 3) / 6: the same function with the same f' at ±3
# (hardtanh_backward is 0 on the closed boundaries), whose double backward exists.
HIGHER_TORCH: dict[str, TorchFn] = {"hardsigmoid": lambda x: F.relu6(x + 3.0) / 6.0}


def torch_derivatives(name: str, x: np.ndarray, params: dict[str, Any], order: int = 3) -> list[np.ndarray]:
    """f and its first ``order`` derivatives by nested ``torch.autograd.grad`` in float64.

    A derivative that autograd reports as not depending on x (the one before it does not require
    grad, or grad with allow_unused gives None) is 0, and so is every one after it.
    """
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    current = HIGHER_TORCH.get(name, TORCH[name])(t, **params) if order >= 2 else TORCH[name](t, **params)
    results = [current.detach().numpy().copy()]
    for _ in range(order):
        grad = None
        if current.requires_grad:
            (grad,) = torch.autograd.grad(current.sum(), t, create_graph=True, allow_unused=True)
        if grad is None:
            results.extend(np.zeros_like(x, dtype=np.float64) for _ in range(order + 1 - len(results)))
            break
        results.append(grad.detach().numpy().copy())
        current = grad
    return results


def torch_value_and_grad(name: str, x: np.ndarray, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = TORCH[name](t, **params)
    (grad,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), grad.numpy()
