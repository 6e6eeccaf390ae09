"""PyTorch float64 references for every registered function, and parameter sets to try."""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable, Iterator
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


# --- low precision: PyTorch in float32, float16 and bfloat16 -------------------------------------------------

TORCH_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
# The functions PyTorch lacks are written from their definitions and, as PyTorch's own activation kernels
# compute the 16-bit types, run in float32 and rounded once.
NOT_IN_TORCH = ("identity", "binary_step", "squareplus", "sparse_plus", "sparse_sigmoid")
# Tensors are padded to a multiple of this many elements: PyTorch's CPU kernels take their scalar code path
# (std::exp, std::erf) for the last few elements of each chunk, and their vectorised one for the rest.
PAD = 2048


class _CorrectlyRoundedSqrt(torch.autograd.Function):
    """sqrt rounded correctly, as Vectorized<float>::sqrt gives it (float32 torch.sqrt calls MKL, within 1 ULP)."""

    @staticmethod
    def forward(ctx: Any, t: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        root = t.double().sqrt().to(t.dtype)
        ctx.save_for_backward(root)
        return root

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        (root,) = ctx.saved_tensors
        return grad / (2 * root)


def _squareplus_low(x: torch.Tensor, b: float) -> torch.Tensor:
    # where() sends a zero gradient into the branch it does not take, and 0 * inf is nan: each branch's input
    # stays in its own range (x.clamp(max=0)), as the registry's formula does.
    s = _CorrectlyRoundedSqrt.apply(x * x + b)
    return torch.where(x >= 0, 0.5 * (x + s), (0.5 * b) / (s - x.clamp(max=0.0)))


def _sparse_plus_low(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x <= -1.0, 0.0, torch.where(x >= 1.0, x, (x.clamp(-1.0, 1.0) + 1.0) ** 2 / 4.0))


def _binary_step_low(x: torch.Tensor) -> torch.Tensor:
    # 0 * x is nan at x = ±inf (1e6 in float16): 0 * clamp(x) keeps the step differentiable and finite.
    return torch.where(x >= 0, 1.0, 0.0) + 0.0 * x.clamp(-1.0, 1.0)


LOW_PRECISION_TORCH: dict[str, TorchFn] = {
    "squareplus": _squareplus_low,
    "sparse_plus": _sparse_plus_low,
    "binary_step": _binary_step_low,
}


def torch_activation(name: str, x: torch.Tensor, params: dict[str, Any]) -> torch.Tensor:
    """The function in x's own dtype, as a PyTorch user computes it (16-bit: functions PyTorch lacks in float32)."""
    if name in NOT_IN_TORCH:
        function = LOW_PRECISION_TORCH.get(name, TORCH[name])
        return function(x.float(), **params).to(x.dtype)
    if name == "prelu":
        return F.prelu(x, torch.tensor([params["weight"]], dtype=x.dtype))
    return TORCH[name](x, **params)


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """One intra-op thread: chunks split across threads could end in the scalar tail path mid-tensor."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _padded(x: np.ndarray, dtype: str) -> torch.Tensor:
    size = max(PAD, -(-x.size // PAD) * PAD)
    padded = np.zeros(size)
    padded[: x.size] = x
    # float64 -> float32 -> dtype, as Tensor.to converts.
    return torch.tensor(padded, dtype=torch.float64).to(TORCH_DTYPES[dtype]).requires_grad_()


def torch_value_and_grad_in(
    name: str, x: np.ndarray, params: dict[str, Any], dtype: str
) -> tuple[np.ndarray, np.ndarray]:
    """f and autograd's f' (of y.sum()) in ``dtype`` on PyTorch's vectorised CPU path, as float64 arrays."""
    t = _padded(np.asarray(x, dtype=np.float64), dtype)
    with _one_thread():
        y = torch_activation(name, t, params)
        (grad,) = torch.autograd.grad(y, t, torch.ones_like(y))
    return y.detach().double().numpy()[: x.size].copy(), grad.double().numpy()[: x.size].copy()


_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def torch_expression_in(node: Any, x: np.ndarray, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """An expression tree run as PyTorch eager code in ``dtype``, and autograd's derivative, as float64 arrays.

    Parts without x are folded in double precision (as Python folds them); a constant argument of minimum
    or maximum is a full tensor of the dtype.
    """
    from app.core.expression_eval import jet
    from app.core.expression_tree import ActivationCall, Binary, Elementary, Negate, Number, Power, Variable

    def depends(n: Any) -> bool:
        if isinstance(n, Variable):
            return True
        if isinstance(n, Number):
            return False
        if isinstance(n, Negate):
            return depends(n.operand)
        if isinstance(n, Binary):
            return depends(n.left) or depends(n.right)
        if isinstance(n, Power):
            return depends(n.base)
        if isinstance(n, Elementary):
            return any(depends(a) for a in n.args)
        return depends(n.arg)

    def run(n: Any, t: torch.Tensor) -> Any:
        if isinstance(n, Variable):
            return t
        if not depends(n):
            return float(jet(n, np.zeros(1), 0)[0][0])
        if isinstance(n, Negate):
            return -run(n.operand, t)
        if isinstance(n, Binary):
            # As Python runs `left op right`: a constant on the left goes to the tensor's __radd__, __rsub__, ...
            return _OPERATORS[n.op](run(n.left, t), run(n.right, t))
        if isinstance(n, Power):
            return run(n.base, t) ** n.exponent
        if isinstance(n, Elementary):
            args = [run(a, t) for a in n.args]
            args = [a if isinstance(a, torch.Tensor) else torch.full_like(t, a) for a in args]
            return getattr(torch, n.name)(*args)
        assert isinstance(n, ActivationCall)
        return torch_activation(n.activation.name, run(n.arg, t), dict(n.params))

    t = _padded(np.asarray(x, dtype=np.float64), dtype)
    with _one_thread():
        y = run(node, t)
        (grad,) = torch.autograd.grad(y, t, torch.ones_like(y))
    return y.detach().double().numpy()[: x.size].copy(), grad.double().numpy()[: x.size].copy()
