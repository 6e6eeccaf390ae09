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

# Parameter sets beyond the defaults.
PARAM_CASES: dict[str, list[dict[str, Any]]] = {
    "leaky_relu": [{"negative_slope": 0.2}, {"negative_slope": -0.5}],
    "prelu": [{"weight": 0.1}],
    "rrelu": [{"lower": 0.05, "upper": 0.5}],
    "elu": [{"alpha": 0.5}, {"alpha": 2.0}],
    "celu": [{"alpha": 0.5}, {"alpha": 3.0}],
    "gelu": [{"approximate": "tanh"}],
    "softplus": [{"beta": 2.0, "threshold": 5.0}, {"beta": 0.5, "threshold": 30.0}],
    "hardtanh": [{"min_val": -2.0, "max_val": 3.0}],
    "softshrink": [{"lambd": 1.5}, {"lambd": 0.0}],
    "hardshrink": [{"lambd": 1.5}],
    "threshold": [{"threshold": 1.0, "value": -0.5}],
    "squareplus": [{"b": 0.5}],
}


def torch_value_and_grad(name: str, x: np.ndarray, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = TORCH[name](t, **params)
    (grad,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), grad.numpy()
