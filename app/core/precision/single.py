"""The float32 functions of PyTorch's kernels that are not SLEEF's: MKL's, and its own erf.

numpy's float32 ``+ - * / sqrt`` round correctly, as the vector instructions do. Besides SLEEF
(:mod:`app.core.precision.sleef`) and oneDNN (:mod:`app.core.precision.onednn`), PyTorch's float32
``torch.exp``, ``log``, ``sqrt``, ``sin``, ``cos``, ``erf`` and ``tanh`` call MKL's VML functions (high
accuracy mode). They are within 1 ULP but not correctly rounded everywhere, and MKL's code is not open;
the functions here are the correctly rounded values (computed in float64 and rounded), which agree with
MKL's at 96% (sin, cos, log) to 99.95% (tanh) of float32 inputs and are 1 ULP away at the rest.

``vec_erf`` is PyTorch's own ``Vectorized<float>::erf`` (Abramowitz and Stegun 7.1.26 with fused
multiply-adds and SLEEF's exp), which ``torch.erf`` and GELU use for float16 and bfloat16.

Every function takes and returns float32 arrays; callers run them under ``np.errstate(all="ignore")``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

from app.core.precision import sleef
from app.core.precision.dtypes import Single
from app.core.precision.sleef import fma

F = np.float32


def bits(pattern: int) -> np.float32:
    """The float32 with this bit pattern."""
    return F(np.array([pattern], dtype=np.uint32).view(np.float32)[0])


def single(values: object) -> Single:
    return np.asarray(values, dtype=np.float32)


def _rounded(function: Callable[[Any], Any], a: Single) -> Single:
    return np.asarray(function(single(a).astype(np.float64)), dtype=np.float64).astype(np.float32)


def exp(a: Single) -> Single:
    return _rounded(np.exp, a)


def log(a: Single) -> Single:
    return _rounded(np.log, a)


def tanh(a: Single) -> Single:
    return _rounded(np.tanh, a)


def sin(a: Single) -> Single:
    return _rounded(np.sin, a)


def cos(a: Single) -> Single:
    return _rounded(np.cos, a)


def erf(a: Single) -> Single:
    return _rounded(special.erf, a)


# Abramowitz and Stegun 7.1.26, as PyTorch's Vectorized<float>::erf writes the constants.
_AS_P = F(0.3275911)
_AS = (F(0.254829592), F(-0.284496736), F(1.421413741), F(-1.453152027), F(1.061405429))


def vec_erf(a: Single) -> Single:
    """PyTorch's AVX-512 ``Vectorized<float>::erf``: sign(x) (1 - t r(t) exp(-x^2)), t = 1 / (1 + p|x|)."""
    a = single(a)
    t = F(1) / fma(_AS_P, np.abs(a), F(1))
    r = fma(_AS[4], t, _AS[3])
    r = fma(r, t, _AS[2])
    r = fma(r, t, _AS[1])
    r = fma(r, t, _AS[0])
    e = sleef.exp(-(a * a))
    value = fma(-e * t, r, F(1))
    return single(np.where(np.signbit(a), -value, value))
