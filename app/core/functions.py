"""Activation functions and their analytic derivatives, in numpy.

Every function takes a float64 array and returns a new float64 array of the same
shape; a ``*_with_grad`` function returns the value and the derivative together, sharing
the work they have in common (an exponential, a tanh), and a ``*_jet`` function returns f,
f', f'' and f''' from one pass of that work. Derivatives follow PyTorch's autograd
conventions at every kink (nested ``torch.autograd.grad`` for f'' and f'''), so that the
numbers agree with ``torch.nn.functional`` in float64. Each form is chosen to stay finite,
without numpy warnings, for every finite input the service allows, and then to be the cheapest
numpy form of those exact numbers (signs of zero and nan included): a single ufunc, or in-place
steps, rather than ``np.where`` over two computed branches, which costs several nanoseconds per
element when the branch taken is unpredictable (bench/function_cost.py).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import special

Array = NDArray[np.float64]
# f, f', f'' and f''' at the same points.
Jet = tuple[Array, Array, Array, Array]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_KAPPA = 0.044715
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _where(cond: NDArray[np.bool_], a: Array | float, b: Array | float) -> Array:
    return np.where(cond, a, b).astype(np.float64, copy=False)


def _indicator(cond: NDArray[np.bool_], value: float = 1.0) -> Array:
    """``value`` where ``cond`` holds, else +0.0: ``np.where(cond, value, 0.0)`` for ``value >= 0``."""
    if value == 1.0:
        return cond.astype(np.float64)
    return np.multiply(cond, value)


def _linear_jet(f: Array, d1: Array) -> Jet:
    # A piecewise-linear f: PyTorch's double backward of threshold_backward, hardtanh_backward,
    # leaky_relu_backward, softshrink/hardshrink_backward and _prelu_kernel_backward is
    # zeros_like, so f'' = f''' = 0 everywhere, kinks included.
    return f, d1, np.zeros_like(f), np.zeros_like(f)


def sigmoid(x: Array) -> Array:
    r"""Logistic sigmoid :math:`1 / (1 + e^{-x})`, without overflow."""
    return np.asarray(special.expit(x), dtype=np.float64)


def sigmoid_grad(x: Array) -> Array:
    return sigmoid_with_grad(x)[1]


def sigmoid_with_grad(x: Array) -> tuple[Array, Array]:
    # From the output, as PyTorch's sigmoid_backward: one exponential for both.
    s = sigmoid(x)
    d = 1.0 - s
    d *= s
    return s, d


def sigmoid_jet(x: Array) -> Jet:
    # From the output again: s'' = s' (1 - 2s), as sigmoid_backward's double backward.
    s, d1 = sigmoid_with_grad(x)
    return s, d1, d1 * (1.0 - 2.0 * s), d1 * (1.0 - 6.0 * d1)


def relu(x: Array) -> Array:
    r""":math:`\max(0, x)`."""
    # fmax gives 0 for nan (as x > 0 does), and adding +0.0 turns the -0.0 it may give for x = -0.0 into 0.0.
    out = np.fmax(x, 0.0)
    out += 0.0
    return out


def relu_grad(x: Array) -> Array:
    # relu'(0) = 0, as in PyTorch's threshold_backward.
    return _indicator(x > 0)


def relu_jet(x: Array) -> Jet:
    return _linear_jet(relu(x), relu_grad(x))


def hardtanh(x: Array, min_val: float = -1.0, max_val: float = 1.0) -> Array:
    r""":math:`\min(\max(x, a), b)`."""
    return np.clip(x, min_val, max_val)


def hardtanh_grad(x: Array, min_val: float = -1.0, max_val: float = 1.0) -> Array:
    # Zero on the closed boundaries, as in PyTorch's hardtanh_backward.
    return _indicator((x > min_val) & (x < max_val))


def hardtanh_jet(x: Array, min_val: float = -1.0, max_val: float = 1.0) -> Jet:
    return _linear_jet(hardtanh(x, min_val, max_val), hardtanh_grad(x, min_val, max_val))


def relu6(x: Array) -> Array:
    r""":math:`\min(\max(0, x), 6)`."""
    return hardtanh(x, 0.0, 6.0)


def relu6_grad(x: Array) -> Array:
    return hardtanh_grad(x, 0.0, 6.0)


def relu6_jet(x: Array) -> Jet:
    return hardtanh_jet(x, 0.0, 6.0)


def leaky_relu(x: Array, negative_slope: float = 0.01) -> Array:
    r""":math:`x` for :math:`x > 0`, else :math:`a x`."""
    scaled = negative_slope * x
    # For 0 < a <= 1 the branch taken is the larger of x and a x, for a > 1 the smaller (nan, ±0 and
    # ±inf included); a <= 0 needs the select.
    if 0.0 < negative_slope <= 1.0:
        return np.maximum(x, scaled, out=scaled)
    if negative_slope > 1.0:
        return np.minimum(x, scaled, out=scaled)
    return _where(x > 0, x, scaled)


def leaky_relu_grad(x: Array, negative_slope: float = 0.01) -> Array:
    # The negative branch owns x = 0. For 0 < a <= 1, max(1, a) = 1 and max(0, a) = a.
    if 0.0 < negative_slope <= 1.0:
        return np.maximum(x > 0, negative_slope)
    return _where(x > 0, 1.0, negative_slope)


def leaky_relu_jet(x: Array, negative_slope: float = 0.01) -> Jet:
    return _linear_jet(leaky_relu(x, negative_slope), leaky_relu_grad(x, negative_slope))


def prelu(x: Array, weight: float = 0.25) -> Array:
    return leaky_relu(x, weight)


def prelu_grad(x: Array, weight: float = 0.25) -> Array:
    return leaky_relu_grad(x, weight)


def prelu_jet(x: Array, weight: float = 0.25) -> Jet:
    return leaky_relu_jet(x, weight)


def rrelu(x: Array, lower: float = 1.0 / 8.0, upper: float = 1.0 / 3.0) -> Array:
    """Randomised leaky ReLU in evaluation mode: the slope is (lower + upper) / 2."""
    return leaky_relu(x, (lower + upper) / 2.0)


def rrelu_grad(x: Array, lower: float = 1.0 / 8.0, upper: float = 1.0 / 3.0) -> Array:
    return leaky_relu_grad(x, (lower + upper) / 2.0)


def rrelu_jet(x: Array, lower: float = 1.0 / 8.0, upper: float = 1.0 / 3.0) -> Jet:
    return leaky_relu_jet(x, (lower + upper) / 2.0)


def _elu(x: Array, alpha: float, scale: float, input_scale: float) -> Array:
    # expm1 only sees the clipped negative branch, so it cannot overflow.
    out = np.minimum(x, 0.0)
    out *= input_scale
    np.expm1(out, out=out)
    out *= alpha
    # That branch is +0.0 wherever x > 0: adding x there, and -0.0 (which changes nothing, nan and
    # zeros included) elsewhere, takes the positive branch without a select.
    out += np.fmax(x, -0.0)
    if scale != 1.0:
        out *= scale
    return out


def _elu_grad(x: Array, alpha: float, scale: float, input_scale: float) -> Array:
    out = np.minimum(x, 0.0)
    out *= input_scale
    np.exp(out, out=out)
    out *= alpha * input_scale
    if math.copysign(1.0, alpha * input_scale) < 0:
        return scale * _where(x > 0, 1.0, out)  # alpha = -0.0: the branch is -0.0, which adding 0 would change
    # Where x > 0 that is alpha * input_scale, finite: times 0, plus 1, is exactly 1.
    positive = x > 0
    out *= ~positive
    out += positive
    if scale != 1.0:
        out *= scale
    return out


def _elu_jet(x: Array, alpha: float, scale: float, input_scale: float) -> Jet:
    d1 = _elu_grad(x, alpha, scale, input_scale)
    # Each further derivative is input_scale times the last, on x < 0 only: PyTorch's
    # elu_double_backward masks x < 0, so f''(0) = f'''(0) = 0, although f'(0) comes from the
    # x <= 0 branch and f'' tends to scale * alpha * input_scale**2 from the left.
    negative = x < 0
    d2 = _where(negative, input_scale * d1, 0.0)
    d3 = _where(negative, input_scale * d2, 0.0)
    return _elu(x, alpha, scale, input_scale), d1, d2, d3


def elu(x: Array, alpha: float = 1.0) -> Array:
    r""":math:`x` for :math:`x > 0`, else :math:`\alpha (e^x - 1)`."""
    return _elu(x, alpha, 1.0, 1.0)


def elu_grad(x: Array, alpha: float = 1.0) -> Array:
    # elu'(0) = alpha: PyTorch's elu_backward gives x <= 0 to the exponential branch.
    return _elu_grad(x, alpha, 1.0, 1.0)


def elu_jet(x: Array, alpha: float = 1.0) -> Jet:
    return _elu_jet(x, alpha, 1.0, 1.0)


def celu(x: Array, alpha: float = 1.0) -> Array:
    r""":math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))`."""
    return _elu(x, alpha, 1.0, 1.0 / alpha)


def celu_grad(x: Array, alpha: float = 1.0) -> Array:
    return _elu_grad(x, alpha, 1.0, 1.0 / alpha)


def celu_jet(x: Array, alpha: float = 1.0) -> Jet:
    return _elu_jet(x, alpha, 1.0, 1.0 / alpha)


def selu(x: Array) -> Array:
    r""":math:`\lambda \,\mathrm{elu}(x, \alpha)` with the self-normalising constants."""
    return _elu(x, SELU_ALPHA, SELU_SCALE, 1.0)


def selu_grad(x: Array) -> Array:
    return _elu_grad(x, SELU_ALPHA, SELU_SCALE, 1.0)


def selu_jet(x: Array) -> Jet:
    return _elu_jet(x, SELU_ALPHA, SELU_SCALE, 1.0)


def gelu(x: Array, approximate: str = "none") -> Array:
    r""":math:`x \Phi(x)`, or its tanh approximation."""
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + _GELU_KAPPA * x**3)
        return 0.5 * x * (1.0 + np.tanh(inner))
    return x * special.ndtr(x)


def gelu_grad(x: Array, approximate: str = "none") -> Array:
    if approximate == "tanh":
        return _gelu_tanh_from(x, np.tanh(_SQRT_2_OVER_PI * (x + _GELU_KAPPA * x**3)))[1]
    # cdf + x pdf, as _gelu_from, without x cdf. (Operands in the same order, for the same nan.)
    out = _gaussian_pdf(x)
    np.multiply(x, out, out=out)
    return np.add(special.ndtr(x), out, out=out)


def gelu_with_grad(x: Array, approximate: str = "none") -> tuple[Array, Array]:
    if approximate == "tanh":
        return _gelu_tanh_from(x, np.tanh(_SQRT_2_OVER_PI * (x + _GELU_KAPPA * x**3)))
    return _gelu_from(x, special.ndtr(x), _gaussian_pdf(x))


def gelu_jet(x: Array, approximate: str = "none") -> Jet:
    if approximate == "tanh":
        return _gelu_tanh_jet(x)
    cdf, pdf = special.ndtr(x), _gaussian_pdf(x)
    # f'' as PyTorch's gelu_double_backward writes it, 2 pdf - x^2 pdf; f''' is its derivative.
    return (*_gelu_from(x, cdf, pdf), 2.0 * pdf - x * x * pdf, x * pdf * (x * x - 4.0))


def _gaussian_pdf(x: Array) -> Array:
    # The density underflows to 0 long before x^3 * pdf could overflow.
    out = x * x
    np.minimum(out, 1e4, out=out)
    out *= -0.5
    np.exp(out, out=out)
    out *= _INV_SQRT_2PI
    return out


def _gelu_from(x: Array, cdf: Array, pdf: Array) -> tuple[Array, Array]:
    return x * cdf, cdf + x * pdf


def _gelu_tanh_slope(x: Array) -> Array:
    # The derivative of tanh's argument sqrt(2/pi) (x + kappa x^3).
    return _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_KAPPA * x * x)


def _gelu_tanh_from(x: Array, t: Array) -> tuple[Array, Array]:
    return 0.5 * x * (1.0 + t), 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _gelu_tanh_slope(x)


def _gelu_tanh_jet(x: Array) -> Jet:
    inner = _SQRT_2_OVER_PI * (x + _GELU_KAPPA * x**3)
    t = np.tanh(inner)
    # sech^2 from one exponential, not 1 - t^2: that cancels where t is near ±1, and the x u1^2
    # terms below magnify the error to 4e-13 near |x| = 7. (PyTorch's gelu_double_backward takes
    # 1/cosh^2 for that term; its cosh overflows, and f''' is nan, beyond |x| = 26.82, where this is 0.)
    e = np.exp(-2.0 * np.abs(inner))
    sech2 = 4.0 * e / ((1.0 + e) * (1.0 + e))
    u1 = _gelu_tanh_slope(x)
    u2 = 6.0 * _SQRT_2_OVER_PI * _GELU_KAPPA * x
    u3 = 6.0 * _SQRT_2_OVER_PI * _GELU_KAPPA
    # f = x (1 + t) / 2 with t' = sech2 u1, sech2' = -2 t u1 sech2; (sech2 u1)' = sech2 a.
    a = u2 - 2.0 * t * u1 * u1
    d2 = sech2 * (u1 + 0.5 * x * a)
    d3 = sech2 * (1.5 * a + 0.5 * x * (u3 - 2.0 * t * u1 * a - 2.0 * sech2 * u1**3 - 4.0 * t * u1 * u2))
    return (*_gelu_tanh_from(x, t), d2, d3)


def silu(x: Array) -> Array:
    r""":math:`x \sigma(x)` (also called swish)."""
    return x * sigmoid(x)


def silu_grad(x: Array) -> Array:
    # s (1 + x (1 - s)), as _silu_from, without x s.
    s = sigmoid(x)
    out = 1.0 - s
    np.multiply(x, out, out=out)
    out += 1.0
    return np.multiply(s, out, out=out)


def silu_with_grad(x: Array) -> tuple[Array, Array]:
    return _silu_from(x, sigmoid(x))


def _silu_from(x: Array, s: Array) -> tuple[Array, Array]:
    return x * s, s * (1.0 + x * (1.0 - s))


def silu_jet(x: Array) -> Jet:
    s = sigmoid(x)
    # (x s)^(k) = k s^(k-1) + x s^(k), with s' = d, s'' = d (1 - 2s), s''' = d (1 - 6d).
    d = s * (1.0 - s)
    d2 = d * (2.0 + x * (1.0 - 2.0 * s))
    d3 = d * (3.0 * (1.0 - 2.0 * s) + x * (1.0 - 6.0 * d))
    return (*_silu_from(x, s), d2, d3)


def softplus(x: Array, beta: float = 1.0, threshold: float = 20.0) -> Array:
    r""":math:`\frac{1}{\beta}\log(1 + e^{\beta x})`, and :math:`x` where :math:`\beta x > t`."""
    bx = x if beta == 1.0 else beta * x
    below = np.logaddexp(0.0, bx)
    if beta != 1.0:
        below /= beta
    return _where(bx > threshold, x, below)


def softplus_grad(x: Array, beta: float = 1.0, threshold: float = 20.0) -> Array:
    bx = x if beta == 1.0 else beta * x
    return _where(bx > threshold, 1.0, sigmoid(bx))


def softplus_jet(x: Array, beta: float = 1.0, threshold: float = 20.0) -> Jet:
    d1 = softplus_grad(x, beta, threshold)
    # Below the threshold f' is s = sigmoid(beta x) and f'' = beta s (1 - s). PyTorch's
    # softplus_double_backward keeps beta x < threshold (strict), so at x = threshold / beta
    # f'' = f''' = 0 while f' there is still sigmoid(threshold), from the log branch.
    below = beta * x < threshold
    d = (1.0 - d1) * d1
    d2 = _where(below, beta * d, 0.0)
    d3 = _where(below, beta * beta * d * (1.0 - 2.0 * d1), 0.0)
    return softplus(x, beta, threshold), d1, d2, d3


def mish(x: Array) -> Array:
    r""":math:`x \tanh(\mathrm{softplus}(x))`."""
    return x * np.tanh(np.logaddexp(0.0, x))


def mish_grad(x: Array) -> Array:
    # t + x s (1 - t^2), as _mish_from, without x t.
    t: Array = np.tanh(np.logaddexp(0.0, x))
    out = t * t
    np.subtract(1.0, out, out=out)
    np.multiply(x * sigmoid(x), out, out=out)
    return np.add(t, out, out=out)


def mish_with_grad(x: Array) -> tuple[Array, Array]:
    return _mish_from(x, np.tanh(np.logaddexp(0.0, x)), sigmoid(x))


def _mish_from(x: Array, t: Array, s: Array) -> tuple[Array, Array]:
    return x * t, t + x * s * (1.0 - t * t)


def mish_jet(x: Array) -> Jet:
    t, s = np.tanh(np.logaddexp(0.0, x)), sigmoid(x)
    # With g = 1 - t^2 (so t' = g s): f'' = 2 g s + x (g s)', where (g s)' = g s b, b = 1 - s - 2 t s.
    # PyTorch's double backward goes through log1p(exp(x)) and is nan beyond x = 709.78; this is 0.
    gs = (1.0 - t * t) * s
    b = 1.0 - s - 2.0 * t * s
    db = -s * ((1.0 - s) * (1.0 + 2.0 * t) + 2.0 * gs)
    return (*_mish_from(x, t, s), gs * (2.0 + x * b), gs * (3.0 * b + x * (b * b + db)))


def softsign(x: Array) -> Array:
    r""":math:`x / (1 + |x|)`."""
    out = np.abs(x)
    out += 1.0
    return np.divide(x, out, out=out)


def softsign_grad(x: Array) -> Array:
    out = np.abs(x)
    out += 1.0
    out *= out
    return np.divide(1.0, out, out=out)


def softsign_jet(x: Array) -> Jet:
    d = 1.0 + np.abs(x)
    d1 = 1.0 / (d * d)
    # PyTorch differentiates |x| through sign(x), whose own derivative is 0: f''(0) = 0 (sign(0) = 0,
    # between the one-sided limits 2 and -2) and f'''(0) = 0, though f''' = 6 / d^4 tends to 6 from
    # both sides.
    sign = np.sign(x)
    d2 = -2.0 * sign * d1 / d
    return x / d, d1, d2, -3.0 * sign * d2 / d


def tanh(x: Array) -> Array:
    r""":math:`\tanh x`."""
    return np.tanh(x)


def tanh_grad(x: Array) -> Array:
    return tanh_with_grad(x)[1]


def tanh_with_grad(x: Array) -> tuple[Array, Array]:
    # From the output, as PyTorch's tanh_backward.
    t = np.tanh(x)
    d = t * t
    return t, np.subtract(1.0, d, out=d)


def tanh_jet(x: Array) -> Jet:
    # From the output again, as tanh_backward's double backward: t'' = -2 t t'.
    t, d1 = tanh_with_grad(x)
    return t, d1, -2.0 * t * d1, d1 * (6.0 * t * t - 2.0)


def logsigmoid(x: Array) -> Array:
    r""":math:`\log \sigma(x) = -\mathrm{softplus}(-x)`."""
    out = np.negative(x)
    np.logaddexp(0.0, out, out=out)
    return np.negative(out, out=out)


def logsigmoid_grad(x: Array) -> Array:
    return sigmoid(-x)


def logsigmoid_jet(x: Array) -> Jet:
    q, s = logsigmoid_grad(x), sigmoid(x)
    # f'' = -s q with s = sigmoid(x) and q = sigmoid(-x): each factor is exact where it is small, so
    # f'' keeps its relative precision at both ends (PyTorch's (s - 1) s loses it for x > 0).
    d2 = -(s * q)
    return logsigmoid(x), q, d2, d2 * (q - s)


def hardsigmoid(x: Array) -> Array:
    r""":math:`\mathrm{ReLU6}(x + 3) / 6`."""
    out = x / 6.0
    out += 0.5
    return np.clip(out, 0.0, 1.0, out=out)


def hardsigmoid_grad(x: Array) -> Array:
    # Zero at x = ±3, as in PyTorch's hardsigmoid_backward.
    return _indicator((x > -3.0) & (x < 3.0), 1.0 / 6.0)


def hardsigmoid_jet(x: Array) -> Jet:
    # PyTorch has no double backward for hardsigmoid; the exact f'' = f''' = 0 is given, 0 at
    # x = ±3 (where f' jumps) included, as PyTorch gives it for relu6(x + 3) / 6.
    return _linear_jet(hardsigmoid(x), hardsigmoid_grad(x))


def hardswish(x: Array) -> Array:
    r""":math:`x \,\mathrm{ReLU6}(x + 3) / 6`."""
    out = hardsigmoid(x)
    return np.multiply(x, out, out=out)


def hardswish_grad(x: Array) -> Array:
    # PyTorch's hardswish_backward: 0 for x <= -3, x/3 + 1/2 for -3 < x < 3, 1 from 3 on.
    middle = x / 3.0 + 0.5
    return _where(x <= -3.0, 0.0, _where(x < 3.0, middle, 1.0))


def hardswish_jet(x: Array) -> Jet:
    # 1/3 on the open interval only, as hardswish_backward's double backward: f''(±3) = 0.
    d2 = _indicator((x > -3.0) & (x < 3.0), 1.0 / 3.0)
    return hardswish(x), hardswish_grad(x), d2, np.zeros_like(d2)


def tanhshrink(x: Array) -> Array:
    r""":math:`x - \tanh x`."""
    return x - np.tanh(x)


def tanhshrink_grad(x: Array) -> Array:
    t = np.tanh(x)
    return np.multiply(t, t, out=t)


def tanhshrink_with_grad(x: Array) -> tuple[Array, Array]:
    return _tanhshrink_from(x, np.tanh(x))


def _tanhshrink_from(x: Array, t: Array) -> tuple[Array, Array]:
    return x - t, t * t


def tanhshrink_jet(x: Array) -> Jet:
    t = np.tanh(x)
    g = 1.0 - t * t
    return (*_tanhshrink_from(x, t), 2.0 * t * g, g * (2.0 - 6.0 * t * t))


def softshrink(x: Array, lambd: float = 0.5) -> Array:
    r""":math:`x - \lambda` above :math:`\lambda`, :math:`x + \lambda` below :math:`-\lambda`, else 0."""
    # max(x - lambd, 0) + min(x + lambd, 0): one term is +0.0 wherever the other is not, both are +0.0
    # between (and for nan: fmax and fmin drop it), so the sum is each branch exactly.
    out = np.subtract(x, lambd)
    np.fmax(out, 0.0, out=out)
    low = np.add(x, lambd)
    np.fmin(low, 0.0, out=low)
    out += low
    return out


def _outside(x: Array, lambd: float) -> Array:
    """1.0 outside the closed interval [-lambd, lambd] (and for nan), else 0.0."""
    return _indicator(~(np.abs(x) <= lambd))


def softshrink_grad(x: Array, lambd: float = 0.5) -> Array:
    # Zero on the closed interval [-lambd, lambd].
    return _outside(x, lambd)


def softshrink_jet(x: Array, lambd: float = 0.5) -> Jet:
    return _linear_jet(softshrink(x, lambd), softshrink_grad(x, lambd))


def hardshrink(x: Array, lambd: float = 0.5) -> Array:
    r""":math:`x` where :math:`|x| > \lambda`, else 0."""
    # x times 0 is ±0 inside (nan stays nan, as the select keeps it); +0.0 makes it 0.0.
    out = np.multiply(x, np.abs(x) > lambd)
    out += 0.0
    return out


def hardshrink_grad(x: Array, lambd: float = 0.5) -> Array:
    return _outside(x, lambd)


def hardshrink_jet(x: Array, lambd: float = 0.5) -> Jet:
    return _linear_jet(hardshrink(x, lambd), hardshrink_grad(x, lambd))


def threshold(x: Array, threshold: float = 0.0, value: float = 0.0) -> Array:
    r""":math:`x` where :math:`x > t`, else the replacement value."""
    if value == threshold and math.copysign(1.0, value) > 0:
        # Replaced by the threshold itself: max(x, t); fmax gives t for nan, as the select does (nan > t is false).
        out = np.fmax(x, threshold)
        if value == 0.0:
            out += 0.0  # -0.0 (fmax may give it for x = -0.0) becomes the value 0.0
        return out
    return _where(x > threshold, x, value)


def threshold_grad(x: Array, threshold: float = 0.0, value: float = 0.0) -> Array:
    return _indicator(x > threshold)


# The parameter named threshold hides the function inside threshold_jet.
_threshold = threshold


def threshold_jet(x: Array, threshold: float = 0.0, value: float = 0.0) -> Jet:
    return _linear_jet(_threshold(x, threshold, value), threshold_grad(x, threshold, value))


def identity(x: Array) -> Array:
    """The input, unchanged."""
    return np.array(x, dtype=np.float64, copy=True)


def identity_grad(x: Array) -> Array:
    return np.ones_like(x, dtype=np.float64)


def identity_jet(x: Array) -> Jet:
    return _linear_jet(identity(x), identity_grad(x))


def binary_step(x: Array) -> Array:
    """Heaviside step with H(0) = 1."""
    return _indicator(x >= 0)


def binary_step_grad(x: Array) -> Array:
    # The jump at 0 has no derivative; 0 is taken there, as autograd would.
    return np.zeros_like(x, dtype=np.float64)


def binary_step_jet(x: Array) -> Jet:
    return _linear_jet(binary_step(x), binary_step_grad(x))


def squareplus(x: Array, b: float = 4.0) -> Array:
    r""":math:`(x + \sqrt{x^2 + b}) / 2`."""
    return _squareplus_from(x, np.sqrt(x * x + b), b)


def squareplus_grad(x: Array, b: float = 4.0) -> Array:
    return _squareplus_slope(x, np.sqrt(x * x + b), b)


def _squareplus_from(x: Array, s: Array, b: float) -> Array:
    # For x < 0 the direct form cancels; b / (s - x) is the same number, computed stably.
    negative = 0.5 * b / (s - np.minimum(x, 0.0))
    return _where(x >= 0, 0.5 * (x + s), negative)


def _squareplus_slope(x: Array, s: Array, b: float) -> Array:
    negative = 0.5 * b / (s * (s - np.minimum(x, 0.0)))
    return _where(x >= 0, 0.5 * (1.0 + x / s), negative)


def squareplus_jet(x: Array, b: float = 4.0) -> Jet:
    s = np.sqrt(x * x + b)
    # f'' = b / (2 s^3) and f''' = -3 x f'' / s^2: no cancellation on either side of 0.
    d2 = 0.5 * b / (s * s * s)
    return _squareplus_from(x, s, b), _squareplus_slope(x, s, b), d2, -3.0 * x * d2 / (s * s)


def sparse_plus(x: Array) -> Array:
    r"""0 below -1, :math:`(x + 1)^2 / 4` on (-1, 1), :math:`x` from 1 on."""
    middle = 0.25 * (x + 1.0) ** 2
    return _where(x <= -1.0, 0.0, _where(x >= 1.0, x, middle))


def sparse_plus_grad(x: Array) -> Array:
    # (x + 1) / 2 is at most 0 from -1 down and at least 1 from 1 up, so clipping it to [0, 1] gives
    # the outer branches (nan stays nan, as the selects keep it).
    return sparse_sigmoid(x)


def sparse_plus_jet(x: Array) -> Jet:
    # 1/2 on the open interval only: the outer branches own x = ±1, as for f'.
    d2 = _indicator((x > -1.0) & (x < 1.0), 0.5)
    return sparse_plus(x), sparse_plus_grad(x), d2, np.zeros_like(d2)


def sparse_sigmoid(x: Array) -> Array:
    r""":math:`\mathrm{clip}((x + 1) / 2, 0, 1)`."""
    out = x + 1.0
    out *= 0.5
    return np.clip(out, 0.0, 1.0, out=out)


def sparse_sigmoid_grad(x: Array) -> Array:
    return _indicator((x > -1.0) & (x < 1.0), 0.5)


def sparse_sigmoid_jet(x: Array) -> Jet:
    return _linear_jet(sparse_sigmoid(x), sparse_sigmoid_grad(x))
