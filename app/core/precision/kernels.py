"""Each registered function and its derivative as PyTorch 2.13's CPU kernels compute them in low precision.

A kernel's forward takes the inputs as float32 arrays (exact values of the dtype) and returns f rounded
to the dtype; its backward takes the inputs, the stored output and the incoming gradient and returns
the gradient for the inputs, rounded to the dtype. What is emulated, measured against PyTorch 2.13 on an
x86-64 CPU with AVX-512 (tests/core/test_precision_torch.py):

- float32: the kernel's own float32 arithmetic, operation by operation in its order, with the fused
  multiply-adds the compiler forms (``1 - y * y`` in tanh_backward is one FMA) and SLEEF's functions
  (:mod:`app.core.precision.sleef`); GELU (approximate='none') is oneDNN's.
- float16 and bfloat16: PyTorch's kernels convert to float32, compute as above and round once when
  they store; forward and backward are separate kernels, so a backward that reads the forward's
  output (sigmoid_backward, tanh_backward) reads the rounded output, and log_sigmoid's backward reads
  the exp(-|x|) its forward stored in the dtype. float16's sigmoid_backward computes in float16
  arithmetic (1 - y rounds to float16 first). Functions PyTorch writes in Python from other
  operations (softsign, tanhshrink) round after each operation, as they run.
- Scalars (alpha, beta, negative_slope, ...) are converted as the kernels convert them: to float32,
  or to the dtype where the kernel does (hardtanh's bounds in the forward, hardshrink's lambd,
  softshrink's in the backward, threshold's value, prelu's weight tensor).
- Functions that are not in PyTorch (squareplus, sparse_plus, sparse_sigmoid, identity, binary_step)
  are computed as PyTorch's own activation kernels are: in float32 from their definitions (and their
  autograd, op by op), rounded once to the dtype, with the registry's conventions at their kinks.

float32 ``torch.tanh`` (tanh, tanhshrink) calls MKL's vsTanh, which is not reproducible bit for bit: it
is taken as the correctly rounded value, saturating to ±1 from |x| = 9.01084041595459, where MKL does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.core.functions import SELU_ALPHA, SELU_SCALE
from app.core.precision import onednn, sleef
from app.core.precision import single as s
from app.core.precision.dtypes import Dtype, Single, cast, rounder
from app.core.precision.sleef import fma
from app.core.registry import ParamValue

F = np.float32
Params = Mapping[str, ParamValue]


@dataclass(frozen=True)
class Context:
    """The dtype a kernel computes in, and the rounding to it that ends each kernel."""

    dtype: Dtype
    round: Callable[[Single], Single]

    @classmethod
    def of(cls, dtype: Dtype) -> Context:
        return cls(dtype, rounder(dtype))


Forward = Callable[[Single, Context, Params], Single]
# (x, y, grad) -> the gradient for x.
Backward = Callable[[Single, Single, Single, Context, Params], Single]
# (x, y, grad) -> the gradients autograd delivers to x one after another, for a function PyTorch runs
# as several operations that each use x.
Parts = Callable[[Single, Single, Single, Context, Params], list[Single]]


@dataclass(frozen=True)
class Kernel:
    """A function's forward, and its backward as one gradient or as the parts autograd adds up in turn."""

    forward: Forward
    backward_parts: Parts

    @classmethod
    def of(cls, forward: Forward, backward: Backward) -> Kernel:
        return cls(forward, lambda a, y, g, k, p: [backward(a, y, g, k, p)])

    def backward(self, a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
        """The gradient for x: the parts added up in order, each sum rounded to the dtype."""
        parts = self.backward_parts(a, y, g, k, p)
        total = parts[0]
        for part in parts[1:]:
            total = k.round(total + part)
        return total


def _f(value: ParamValue) -> np.float32:
    """A scalar parameter as a kernel holds it: ``Scalar.to<float>()``, a float32."""
    return F(float(value))


def _in_dtype(value: ParamValue, k: Context) -> np.float32:
    """A scalar converted to the tensor's own type (``Scalar.to<scalar_t>()``), as a float32."""
    return F(cast(np.array([float(value)]), k.dtype)[0])


class _Reused:
    """A function of one array that keeps its last result: a kernel's forward and backward on the same input
    array (function_in, an expression's node) compute an expensive part once."""

    def __init__(self, function: Callable[[Single], Single]) -> None:
        self.function = function
        self.last: tuple[Single, Single] | None = None

    def __call__(self, a: Single) -> Single:
        last = self.last
        if last is not None and last[0] is a:
            return last[1]
        result = self.function(a)
        self.last = (a, result)
        return result


def _where(condition: Any, yes: Any, no: Any) -> Single:
    return np.asarray(np.where(condition, yes, no), dtype=np.float32)


def _zero(values: Single) -> Single:
    return np.zeros_like(values)


# --- piecewise linear ----------------------------------------------------------------------------------


def _relu(a: Single, k: Context, p: Params) -> Single:
    return _where(a > 0, a, F(0))


def _relu_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    # threshold_backward(grad, result, 0): the output decides.
    return _where(y > 0, g, F(0))


def _bounds(p: Params) -> tuple[float, float]:
    return (float(p["min_val"]), float(p["max_val"])) if "min_val" in p else (0.0, 6.0)


def _clamp(a: Single, k: Context, p: Params) -> Single:
    low, high = _bounds(p)
    return np.minimum(np.maximum(a, _in_dtype(low, k)), _in_dtype(high, k))


def _clamp_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    # hardtanh_backward compares with the bounds as float32, not as the dtype.
    low, high = _bounds(p)
    return _where((a > _f(low)) & (a < _f(high)), g, F(0))


def _slope(p: Params) -> np.float32:
    if "negative_slope" in p:
        return _f(p["negative_slope"])
    # rrelu in evaluation mode: leaky_relu with (lower + upper) / 2, computed in double precision.
    return _f((float(p["lower"]) + float(p["upper"])) / 2.0)


def _leaky(a: Single, k: Context, p: Params) -> Single:
    return _where(a > 0, a, k.round(a * _slope(p)))


def _leaky_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    return _where(a > 0, g, k.round(g * _slope(p)))


def _prelu(a: Single, k: Context, p: Params) -> Single:
    # The weight is a one-element tensor of the input's type.
    return _where(a > 0, a, k.round(_in_dtype(p["weight"], k) * a))


def _prelu_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    return _where(a > 0, g, k.round(_in_dtype(p["weight"], k) * g))


def _hardsigmoid(a: Single, k: Context, p: Params) -> Single:
    return k.round(np.minimum(np.maximum(a + F(3), F(0)), F(6)) / F(6))


def _hardsigmoid_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    return _where((a > -3) & (a < 3), k.round(g * (F(1) / F(6))), F(0))


def _hardswish(a: Single, k: Context, p: Params) -> Single:
    return k.round(a * np.minimum(np.maximum(a + F(3), F(0)), F(6)) / F(6))


def _hardswish_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    return _where(a <= -3, F(0), _where(a < 3, k.round(g * (a / F(3) + F(0.5))), g))


def _softshrink(a: Single, k: Context, p: Params) -> Single:
    lambd = _f(p["lambd"])
    return k.round(_where(a > lambd, a - lambd, _where(a < -lambd, a + lambd, F(0))))


def _softshrink_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    # shrink_backward holds lambd in the dtype (the forward in float32).
    lambd = _in_dtype(p["lambd"], k)
    return _where((a >= -lambd) & (a <= lambd), F(0), g)


def _hardshrink_inside(a: Single, k: Context, p: Params) -> np.ndarray:
    lambd = _in_dtype(p["lambd"], k)
    return (a >= -lambd) & (a <= lambd)


def _hardshrink(a: Single, k: Context, p: Params) -> Single:
    return _where(_hardshrink_inside(a, k, p), F(0), a)


def _hardshrink_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    return _where(_hardshrink_inside(a, k, p), F(0), g)


def _threshold(a: Single, k: Context, p: Params) -> Single:
    # x <= threshold compares in float32; the replacement value is stored in the dtype.
    return _where(a <= _f(p["threshold"]), _in_dtype(p["value"], k), a)


def _threshold_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    return _where(a <= _f(p["threshold"]), F(0), g)


def _identity(a: Single, k: Context, p: Params) -> Single:
    return a.copy()


def _pass(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    return g.copy()


def _binary_step(a: Single, k: Context, p: Params) -> Single:
    return _where(a >= 0, F(1), F(0))


def _nothing(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    return _zero(a)


def _sparse_sigmoid(a: Single, k: Context, p: Params) -> Single:
    return k.round(F(0.5) * np.clip(a + F(1), F(0), F(2)))


def _sparse_sigmoid_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    # clamp's gradient passes where 0 <= x + 1 <= 2 in float32 (x = 1 + 2**-23 too: x + 1 rounds to 2), but
    # the registry's convention gives 0 at x = ±1 themselves.
    u = a + F(1)
    inside = (u >= 0) & (u <= 2) & (np.abs(a) != 1)
    return _where(inside, k.round(g * F(0.5)), F(0))


def _sparse_plus(a: Single, k: Context, p: Params) -> Single:
    u = a + F(1)
    return k.round(_where(a <= -1, F(0), _where(a >= 1, a, u * u / F(4))))


def _sparse_plus_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    # (x + 1)**2 / 4: div's backward g / 4, then pow's g * (2 * (x + 1)).
    middle = (g / F(4)) * (F(2) * (a + F(1)))
    return k.round(_where(a <= -1, F(0), _where(a >= 1, g, middle)))


# --- exponential family --------------------------------------------------------------------------------


def _sigmoid(a: Single, k: Context, p: Params) -> Single:
    return k.round(F(1) / (F(1) + sleef.exp(-a)))


def _sigmoid_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    # sigmoid_backward reads the stored output: grad * (1 - y) * y, in float32 for float32 and bfloat16,
    # in float16 arithmetic for float16 (each operation rounds).
    if k.dtype is Dtype.float16:
        return k.round(k.round(g * k.round(F(1) - y)) * y)
    return k.round(g * (F(1) - y) * y)


# MKL's vsTanh returns ±1 from here on; the correctly rounded tanh only from 9.010914.
_MKL_TANH_SATURATES = s.bits(0x41102C67)


def torch_tanh(a: Single, k: Context) -> Single:
    """``torch.tanh`` in the dtype: MKL's for float32 (see the module's note), SLEEF's otherwise."""
    if k.dtype is not Dtype.float32:
        return k.round(sleef.tanh(a))
    t = s.tanh(a)
    return _where(np.abs(a) >= _MKL_TANH_SATURATES, np.sign(a), t)


def _tanh(a: Single, k: Context, p: Params) -> Single:
    return torch_tanh(a, k)


def tanh_backward(y: Single, g: Single, k: Context) -> Single:
    """tanh_backward(grad, y): grad * (1 - y * y), the compiler fusing 1 - y * y into one FMA."""
    return k.round(g * fma(-y, y, F(1)))


def _tanh_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    return tanh_backward(y, g, k)


def _silu(a: Single, k: Context, p: Params) -> Single:
    return k.round(a / (F(1) + sleef.exp(-a)))


def _silu_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    sig = F(1) / (F(1) + sleef.exp(-a))
    return k.round(g * sig * fma(a, F(1) - sig, F(1)))


@_Reused
def _softplus_tanh(a: Single) -> Single:
    return sleef.tanh(sleef.log1p(sleef.exp(a)))


def _mish(a: Single, k: Context, p: Params) -> Single:
    return k.round(a * _softplus_tanh(a))


def _mish_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    t = _softplus_tanh(a)
    sig = F(1) / (F(1) + sleef.exp(-a))
    return k.round(g * fma(a * sig, fma(-t, t, F(1)), t))


def _softplus(a: Single, k: Context, p: Params) -> Single:
    beta, limit = _f(p["beta"]), _f(p["threshold"])
    bx = a * beta
    return k.round(_where(bx > limit, a, sleef.log1p(sleef.exp(bx)) / beta))


def _softplus_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    beta, limit = _f(p["beta"]), _f(p["threshold"])
    bx = a * beta
    z = sleef.exp(bx)
    return k.round(_where(bx > limit, g, g * z / (z + F(1))))


def _logsigmoid(a: Single, k: Context, p: Params) -> Single:
    return k.round(np.minimum(a, F(0)) - sleef.log1p(sleef.exp(-np.abs(a))))


def _logsigmoid_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    # The backward reads exp(-|x|) from the buffer the forward stored, in the dtype.
    z = k.round(sleef.exp(-np.abs(a)))
    negative = a < 0
    derivative = fma(-_where(negative, F(1), F(-1)), z / (F(1) + z), _where(negative, F(1), F(0)))
    return k.round(derivative * g)


# (alpha, scale, input_scale) of elu's kernel for each function that calls it.
EluConstants = Callable[[Params], tuple[float, float, float]]


def _elu_kernel(constants: EluConstants) -> Kernel:
    """elu_kernel and elu_backward (is_result=False): negcoef = alpha * scale (a float32 product)."""

    def coefficients(p: Params) -> tuple[np.float32, np.float32, np.float32]:
        alpha, scale, input_scale = constants(p)
        return _f(alpha) * _f(scale), _f(scale), _f(input_scale)

    def forward(a: Single, k: Context, p: Params) -> Single:
        negcoef, poscoef, negiptcoef = coefficients(p)
        return k.round(_where(a > 0, a * poscoef, sleef.expm1(a * negiptcoef) * negcoef))

    def backward(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
        negcoef, poscoef, negiptcoef = coefficients(p)
        negative = g * negiptcoef * negcoef * sleef.exp(a * negiptcoef)
        return k.round(_where(a > 0, g * poscoef, negative))

    return Kernel.of(forward, backward)


_SQRT1_2 = F(math.sqrt(0.5))
_GELU_BETA = F(2.0 / math.sqrt(math.pi) * math.sqrt(0.5) * 0.5)
_TANH_BETA = F(math.sqrt(2.0) * 2.0 / math.sqrt(math.pi) * 0.5)
_KAPPA = F(0.044715)


def _flush_subnormals(values: Single) -> Single:
    return _where(np.abs(values) < F(2.0**-126), values * F(0), values)


@_Reused
def _gelu_tanh_inner(a: Single) -> Single:
    # x + kappa x^3 is fused into one FMA by the compiler.
    return sleef.tanh(_TANH_BETA * fma(_KAPPA, a * a * a, a))


def _gelu(a: Single, k: Context, p: Params) -> Single:
    if p["approximate"] == "tanh":
        return k.round(F(0.5) * a * (F(1) + _gelu_tanh_inner(a)))
    if k.dtype is Dtype.float16:
        # PyTorch's own kernel with its vectorised erf.
        return k.round(a * F(0.5) * (F(1) + s.vec_erf(a * _SQRT1_2)))
    # float32 and bfloat16 go to oneDNN (contiguous tensors of two or more elements), whose conversion to
    # bfloat16 (vcvtneps2bf16) flushes subnormal results to zero.
    y = onednn.gelu(a)
    return k.round(_flush_subnormals(y) if k.dtype is Dtype.bfloat16 else y)


def _gelu_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> Single:
    if p["approximate"] == "tanh":
        t = _gelu_tanh_inner(a)
        inner_derivative = _TANH_BETA * fma(F(3) * _KAPPA, a * a, F(1))
        derivative = F(0.5) * (F(1) + t) + F(0.5) * a * fma(-t, t, F(1)) * inner_derivative
        return k.round(g * derivative)
    if k.dtype is Dtype.float16:
        cdf = F(0.5) * (F(1) + s.vec_erf(a * _SQRT1_2))
        pdf = _GELU_BETA * sleef.exp(a * a * F(-0.5))
        return k.round(g * (cdf + a * pdf))
    dx = onednn.gelu_derivative(a) * g
    return k.round(_flush_subnormals(dx) if k.dtype is Dtype.bfloat16 else dx)


# --- written in Python from other operations: each operation rounds --------------------------------------


def _softsign(a: Single, k: Context, p: Params) -> Single:
    # input / (input.abs() + 1)
    return k.round(a / k.round(np.abs(a) + F(1)))


def _softsign_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> list[Single]:
    # div's backward: grad / d for the numerator, -grad * ((x / d) / d) for d, which reaches x through
    # abs's grad * sgn(x).
    d = k.round(np.abs(a) + F(1))
    through_denominator = k.round(-g * k.round(k.round(a / d) / d))
    return [k.round(g / d), k.round(through_denominator * np.sign(a))]


def _tanhshrink(a: Single, k: Context, p: Params) -> Single:
    # input - input.tanh()
    return k.round(a - torch_tanh(a, k))


def _tanhshrink_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> list[Single]:
    # grad from the subtraction, then tanh_backward(-grad, t).
    return [g, tanh_backward(torch_tanh(a, k), -g, k)]


def _squareplus(a: Single, k: Context, p: Params) -> Single:
    # In float32 as torch runs s = sqrt(x * x + b); where(x >= 0, 0.5 * (x + s), (0.5 * b) / (s - min(x, 0)))
    # (c / t is reciprocal(t) * c in torch) with a correctly rounded square root, as Vectorized<float>::sqrt.
    b, c = _f(p["b"]), _f(0.5 * float(p["b"]))
    root = np.sqrt(a * a + b)
    q = F(1) / (root - np.minimum(a, F(0)))
    return k.round(_where(a >= 0, F(0.5) * (a + root), q * c))


def _squareplus_back(a: Single, y: Single, g: Single, k: Context, p: Params) -> list[Single]:
    # Its autograd op by op: the gradient reaching s through each branch of where (the other gets 0),
    # then sqrt's g / (2 s), then x * x's two gradients, reaching x in this order: clamp's, x + s's, and
    # the two of x * x. In float32 they are added to whatever else x gets; the 16-bit types add them in
    # float32 and round the sum once (x.float() is a separate node).
    b, c = _f(p["b"]), _f(0.5 * float(p["b"]))
    root = np.sqrt(a * a + b)
    q = F(1) / (root - np.minimum(a, F(0)))
    positive = a >= 0
    through_sum = _where(positive, g, F(0)) * F(0.5)
    through_u = -(_where(positive, F(0), g) * c) * (q * q)
    through_clamp = _where(a <= 0, -through_u, F(0))
    product = ((through_sum + through_u) / (F(2) * root)) * a
    if k.dtype is Dtype.float32:
        return [through_clamp, through_sum, product, product]
    return [k.round(((through_clamp + through_sum) + product) + product)]


KERNELS: dict[str, Kernel] = {
    "relu": Kernel.of(_relu, _relu_back),
    "relu6": Kernel.of(_clamp, _clamp_back),
    "leaky_relu": Kernel.of(_leaky, _leaky_back),
    "prelu": Kernel.of(_prelu, _prelu_back),
    "rrelu": Kernel.of(_leaky, _leaky_back),
    "elu": _elu_kernel(lambda p: (float(p["alpha"]), 1.0, 1.0)),
    # celu is elu with input_scale 1 / alpha (in double precision).
    "celu": _elu_kernel(lambda p: (float(p["alpha"]), 1.0, 1.0 / float(p["alpha"]))),
    "selu": _elu_kernel(lambda p: (SELU_ALPHA, SELU_SCALE, 1.0)),
    "gelu": Kernel.of(_gelu, _gelu_back),
    "silu": Kernel.of(_silu, _silu_back),
    "mish": Kernel.of(_mish, _mish_back),
    "softplus": Kernel.of(_softplus, _softplus_back),
    "softsign": Kernel(_softsign, _softsign_back),
    "tanh": Kernel.of(_tanh, _tanh_back),
    "sigmoid": Kernel.of(_sigmoid, _sigmoid_back),
    "logsigmoid": Kernel.of(_logsigmoid, _logsigmoid_back),
    "hardtanh": Kernel.of(_clamp, _clamp_back),
    "hardsigmoid": Kernel.of(_hardsigmoid, _hardsigmoid_back),
    "hardswish": Kernel.of(_hardswish, _hardswish_back),
    "tanhshrink": Kernel(_tanhshrink, _tanhshrink_back),
    "softshrink": Kernel.of(_softshrink, _softshrink_back),
    "hardshrink": Kernel.of(_hardshrink, _hardshrink_back),
    "threshold": Kernel.of(_threshold, _threshold_back),
    "identity": Kernel.of(_identity, _pass),
    "binary_step": Kernel.of(_binary_step, _nothing),
    "squareplus": Kernel(_squareplus, _squareplus_back),
    "sparse_plus": Kernel.of(_sparse_plus, _sparse_plus_back),
    "sparse_sigmoid": Kernel.of(_sparse_sigmoid, _sparse_sigmoid_back),
}


def value_and_grad(
    name: str, a: Single, k: Context, params: Params, grad: Single | None = None
) -> tuple[Single, Single]:
    """f and the gradient for x (``grad`` flowing in; ones by default), rounded to the dtype, in float32."""
    kernel = KERNELS[name]
    with np.errstate(all="ignore"):
        y = kernel.forward(a, k, params)
        dy = kernel.backward(a, y, np.ones_like(a) if grad is None else grad, k, params)
    return y, dy
