"""Activation functions and their analytic derivatives, in numpy.

Every function takes a float64 array and returns a new float64 array of the same
shape; a ``*_with_grad`` function returns the value and the derivative together, sharing
the work they have in common (an exponential, a tanh). Derivatives follow PyTorch's
autograd conventions at every kink, so that the numbers agree with ``torch.nn.functional``
in float64. Each form is chosen to stay finite, without numpy warnings, for every finite
input the service allows.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import special

Array = NDArray[np.float64]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_KAPPA = 0.044715
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _where(cond: NDArray[np.bool_], a: Array | float, b: Array | float) -> Array:
    return np.where(cond, a, b).astype(np.float64, copy=False)


def sigmoid(x: Array) -> Array:
    r"""Logistic sigmoid :math:`1 / (1 + e^{-x})`, without overflow."""
    return np.asarray(special.expit(x), dtype=np.float64)


def sigmoid_grad(x: Array) -> Array:
    return sigmoid_with_grad(x)[1]


def sigmoid_with_grad(x: Array) -> tuple[Array, Array]:
    # From the output, as PyTorch's sigmoid_backward: one exponential for both.
    s = sigmoid(x)
    return s, (1.0 - s) * s


def relu(x: Array) -> Array:
    r""":math:`\max(0, x)`."""
    return _where(x > 0, x, 0.0)


def relu_grad(x: Array) -> Array:
    # relu'(0) = 0, as in PyTorch's threshold_backward.
    return _where(x > 0, 1.0, 0.0)


def hardtanh(x: Array, min_val: float = -1.0, max_val: float = 1.0) -> Array:
    r""":math:`\min(\max(x, a), b)`."""
    return np.clip(x, min_val, max_val).astype(np.float64, copy=False)


def hardtanh_grad(x: Array, min_val: float = -1.0, max_val: float = 1.0) -> Array:
    # Zero on the closed boundaries, as in PyTorch's hardtanh_backward.
    return _where((x > min_val) & (x < max_val), 1.0, 0.0)


def relu6(x: Array) -> Array:
    r""":math:`\min(\max(0, x), 6)`."""
    return hardtanh(x, 0.0, 6.0)


def relu6_grad(x: Array) -> Array:
    return hardtanh_grad(x, 0.0, 6.0)


def leaky_relu(x: Array, negative_slope: float = 0.01) -> Array:
    r""":math:`x` for :math:`x > 0`, else :math:`a x`."""
    return _where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x: Array, negative_slope: float = 0.01) -> Array:
    # The negative branch owns x = 0.
    return _where(x > 0, 1.0, negative_slope)


def prelu(x: Array, weight: float = 0.25) -> Array:
    return leaky_relu(x, weight)


def prelu_grad(x: Array, weight: float = 0.25) -> Array:
    return leaky_relu_grad(x, weight)


def rrelu(x: Array, lower: float = 1.0 / 8.0, upper: float = 1.0 / 3.0) -> Array:
    """Randomised leaky ReLU in evaluation mode: the slope is (lower + upper) / 2."""
    return leaky_relu(x, (lower + upper) / 2.0)


def rrelu_grad(x: Array, lower: float = 1.0 / 8.0, upper: float = 1.0 / 3.0) -> Array:
    return leaky_relu_grad(x, (lower + upper) / 2.0)


def _elu(x: Array, alpha: float, scale: float, input_scale: float) -> Array:
    # expm1 only sees the clipped negative branch, so it cannot overflow.
    negative = alpha * np.expm1(np.minimum(x, 0.0) * input_scale)
    return scale * _where(x > 0, x, negative)


def _elu_grad(x: Array, alpha: float, scale: float, input_scale: float) -> Array:
    negative = alpha * input_scale * np.exp(np.minimum(x, 0.0) * input_scale)
    return scale * _where(x > 0, 1.0, negative)


def elu(x: Array, alpha: float = 1.0) -> Array:
    r""":math:`x` for :math:`x > 0`, else :math:`\alpha (e^x - 1)`."""
    return _elu(x, alpha, 1.0, 1.0)


def elu_grad(x: Array, alpha: float = 1.0) -> Array:
    # elu'(0) = alpha: PyTorch's elu_backward gives x <= 0 to the exponential branch.
    return _elu_grad(x, alpha, 1.0, 1.0)


def celu(x: Array, alpha: float = 1.0) -> Array:
    r""":math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))`."""
    return _elu(x, alpha, 1.0, 1.0 / alpha)


def celu_grad(x: Array, alpha: float = 1.0) -> Array:
    return _elu_grad(x, alpha, 1.0, 1.0 / alpha)


def selu(x: Array) -> Array:
    r""":math:`\lambda \,\mathrm{elu}(x, \alpha)` with the self-normalising constants."""
    return _elu(x, SELU_ALPHA, SELU_SCALE, 1.0)


def selu_grad(x: Array) -> Array:
    return _elu_grad(x, SELU_ALPHA, SELU_SCALE, 1.0)


def gelu(x: Array, approximate: str = "none") -> Array:
    r""":math:`x \Phi(x)`, or its tanh approximation."""
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + _GELU_KAPPA * x**3)
        return 0.5 * x * (1.0 + np.tanh(inner))
    return x * special.ndtr(x)


def gelu_grad(x: Array, approximate: str = "none") -> Array:
    return gelu_with_grad(x, approximate)[1]


def gelu_with_grad(x: Array, approximate: str = "none") -> tuple[Array, Array]:
    if approximate == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_KAPPA * x**3))
        d_inner = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_KAPPA * x * x)
        return 0.5 * x * (1.0 + t), 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * d_inner
    cdf = special.ndtr(x)
    # The Gaussian density underflows to 0 long before x * pdf could overflow.
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * np.minimum(x * x, 1e4))
    return x * cdf, cdf + x * pdf


def silu(x: Array) -> Array:
    r""":math:`x \sigma(x)` (also called swish)."""
    return x * sigmoid(x)


def silu_grad(x: Array) -> Array:
    return silu_with_grad(x)[1]


def silu_with_grad(x: Array) -> tuple[Array, Array]:
    s = sigmoid(x)
    return x * s, s * (1.0 + x * (1.0 - s))


def softplus(x: Array, beta: float = 1.0, threshold: float = 20.0) -> Array:
    r""":math:`\frac{1}{\beta}\log(1 + e^{\beta x})`, and :math:`x` where :math:`\beta x > t`."""
    bx = beta * x
    return _where(bx > threshold, x, np.logaddexp(0.0, bx) / beta)


def softplus_grad(x: Array, beta: float = 1.0, threshold: float = 20.0) -> Array:
    bx = beta * x
    return _where(bx > threshold, 1.0, sigmoid(bx))


def mish(x: Array) -> Array:
    r""":math:`x \tanh(\mathrm{softplus}(x))`."""
    return x * np.tanh(np.logaddexp(0.0, x))


def mish_grad(x: Array) -> Array:
    return mish_with_grad(x)[1]


def mish_with_grad(x: Array) -> tuple[Array, Array]:
    t = np.tanh(np.logaddexp(0.0, x))
    return x * t, t + x * sigmoid(x) * (1.0 - t * t)


def softsign(x: Array) -> Array:
    r""":math:`x / (1 + |x|)`."""
    return x / (1.0 + np.abs(x))


def softsign_grad(x: Array) -> Array:
    d = 1.0 + np.abs(x)
    return 1.0 / (d * d)


def tanh(x: Array) -> Array:
    r""":math:`\tanh x`."""
    return np.tanh(x)


def tanh_grad(x: Array) -> Array:
    return tanh_with_grad(x)[1]


def tanh_with_grad(x: Array) -> tuple[Array, Array]:
    # From the output, as PyTorch's tanh_backward.
    t = np.tanh(x)
    return t, 1.0 - t * t


def logsigmoid(x: Array) -> Array:
    r""":math:`\log \sigma(x) = -\mathrm{softplus}(-x)`."""
    return -np.logaddexp(0.0, -x)


def logsigmoid_grad(x: Array) -> Array:
    return sigmoid(-x)


def hardsigmoid(x: Array) -> Array:
    r""":math:`\mathrm{ReLU6}(x + 3) / 6`."""
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0).astype(np.float64, copy=False)


def hardsigmoid_grad(x: Array) -> Array:
    # Zero at x = ±3, as in PyTorch's hardsigmoid_backward.
    return _where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0)


def hardswish(x: Array) -> Array:
    r""":math:`x \,\mathrm{ReLU6}(x + 3) / 6`."""
    return x * hardsigmoid(x)


def hardswish_grad(x: Array) -> Array:
    # PyTorch's hardswish_backward: 0 for x <= -3, x/3 + 1/2 for -3 < x < 3, 1 from 3 on.
    middle = x / 3.0 + 0.5
    return _where(x <= -3.0, 0.0, _where(x < 3.0, middle, 1.0))


def tanhshrink(x: Array) -> Array:
    r""":math:`x - \tanh x`."""
    return x - np.tanh(x)


def tanhshrink_grad(x: Array) -> Array:
    return tanhshrink_with_grad(x)[1]


def tanhshrink_with_grad(x: Array) -> tuple[Array, Array]:
    t = np.tanh(x)
    return x - t, t * t


def softshrink(x: Array, lambd: float = 0.5) -> Array:
    r""":math:`x - \lambda` above :math:`\lambda`, :math:`x + \lambda` below :math:`-\lambda`, else 0."""
    return _where(x > lambd, x - lambd, _where(x < -lambd, x + lambd, 0.0))


def softshrink_grad(x: Array, lambd: float = 0.5) -> Array:
    # Zero on the closed interval [-lambd, lambd].
    return _where((x >= -lambd) & (x <= lambd), 0.0, 1.0)


def hardshrink(x: Array, lambd: float = 0.5) -> Array:
    r""":math:`x` where :math:`|x| > \lambda`, else 0."""
    return _where((x >= -lambd) & (x <= lambd), 0.0, x)


def hardshrink_grad(x: Array, lambd: float = 0.5) -> Array:
    return _where((x >= -lambd) & (x <= lambd), 0.0, 1.0)


def threshold(x: Array, threshold: float = 0.0, value: float = 0.0) -> Array:
    r""":math:`x` where :math:`x > t`, else the replacement value."""
    return _where(x > threshold, x, value)


def threshold_grad(x: Array, threshold: float = 0.0, value: float = 0.0) -> Array:
    return _where(x > threshold, 1.0, 0.0)


def identity(x: Array) -> Array:
    """The input, unchanged."""
    return np.array(x, dtype=np.float64, copy=True)


def identity_grad(x: Array) -> Array:
    return np.ones_like(x, dtype=np.float64)


def binary_step(x: Array) -> Array:
    """Heaviside step with H(0) = 1."""
    return _where(x >= 0, 1.0, 0.0)


def binary_step_grad(x: Array) -> Array:
    # The jump at 0 has no derivative; 0 is taken there, as autograd would.
    return np.zeros_like(x, dtype=np.float64)


def squareplus(x: Array, b: float = 4.0) -> Array:
    r""":math:`(x + \sqrt{x^2 + b}) / 2`."""
    s = np.sqrt(x * x + b)
    # For x < 0 the direct form cancels; b / (s - x) is the same number, computed stably.
    negative = 0.5 * b / (s - np.minimum(x, 0.0))
    return _where(x >= 0, 0.5 * (x + s), negative)


def squareplus_grad(x: Array, b: float = 4.0) -> Array:
    s = np.sqrt(x * x + b)
    negative = 0.5 * b / (s * (s - np.minimum(x, 0.0)))
    return _where(x >= 0, 0.5 * (1.0 + x / s), negative)


def sparse_plus(x: Array) -> Array:
    r"""0 below -1, :math:`(x + 1)^2 / 4` on (-1, 1), :math:`x` from 1 on."""
    middle = 0.25 * (x + 1.0) ** 2
    return _where(x <= -1.0, 0.0, _where(x >= 1.0, x, middle))


def sparse_plus_grad(x: Array) -> Array:
    middle = 0.5 * (x + 1.0)
    return _where(x <= -1.0, 0.0, _where(x >= 1.0, 1.0, middle))


def sparse_sigmoid(x: Array) -> Array:
    r""":math:`\mathrm{clip}((x + 1) / 2, 0, 1)`."""
    return np.clip(0.5 * (x + 1.0), 0.0, 1.0).astype(np.float64, copy=False)


def sparse_sigmoid_grad(x: Array) -> Array:
    return _where((x > -1.0) & (x < 1.0), 0.5, 0.0)
