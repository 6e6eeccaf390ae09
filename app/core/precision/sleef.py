"""SLEEF's single-precision u10 functions as PyTorch's AVX-512 kernels call them, ported to numpy.

PyTorch's ``Vectorized<float>`` methods (exp, expm1, log1p, tanh) call ``Sleef_*f16_u10``, built with
fused multiply-adds. These are SLEEF 3.x's algorithms (``src/libm/sleefsimdsp.c`` with the AVX-512
branches, and the double-float arithmetic of ``src/common/df.h``), step for step in float32, so that
their results, and those of the kernels built on them, come out bit for bit.

A double-float is a pair (x, y) of float32 arrays whose sum carries about 48 bits.
"""

from __future__ import annotations

import numpy as np

from app.core.precision.dtypes import Single

F = np.float32
Pair = tuple[Single, Single]

R_LN2 = F(1.442695040888963407359924681001892137426645954152985934135449406931)
L2U = F(0.693145751953125)
L2L = F(1.428606765330187045e-06)
_LN2_HI, _LN2_LO = F(0.69314718246459960938), F(-1.904654323148236017e-09)


def fma(a: object, b: object, c: object) -> Single:
    """a * b + c rounded once to float32 (through float64, where a * b is exact).

    The sum in float64 rounds once more before float32; the two roundings differ from one only when
    the float64 sum lands exactly halfway between two float32 numbers, about once in 10^9.
    """
    a64 = np.asarray(a, dtype=np.float32).astype(np.float64)
    b64 = np.asarray(b, dtype=np.float32).astype(np.float64)
    c64 = np.asarray(c, dtype=np.float32).astype(np.float64)
    return np.asarray(a64 * b64 + c64, dtype=np.float64).astype(np.float32)


def _ldexp2(d: Single, q: np.ndarray) -> Single:
    """d * 2**q (vldexp2_vf_vf_vi2: d * 2**(q >> 1) * 2**(q - (q >> 1)), one rounding wherever SLEEF uses it)."""
    return np.asarray(np.ldexp(d, np.clip(q, -300, 300).astype(np.int32)), dtype=np.float32)


def _rint(values: Single) -> np.ndarray:
    """Round to the nearest integer, ties to even, as cvtps2dq; clipped far outside every range used."""
    return np.rint(np.clip(values, F(-1e4), F(1e4))).astype(np.int64)


def exp(d: Single) -> Single:
    """``Sleef_expf16_u10`` (xexpf)."""
    d = np.asarray(d, dtype=np.float32)
    q = _rint(d * R_LN2)
    qf = q.astype(np.float32)
    s = fma(qf, -L2U, d)
    s = fma(qf, -L2L, s)
    u = np.full_like(d, F(0.000198527617612853646278381))
    for c in (
        0.00139304355252534151077271,
        0.00833336077630519866943359,
        0.0416664853692054748535156,
        0.166666671633720397949219,
        0.5,
    ):
        u = fma(u, s, F(c))
    u = F(1) + fma(s * s, u, s)
    u = _ldexp2(u, q)
    u = np.where(d < F(-104), F(0), u)
    return np.where(d > F(100), F(np.inf), u).astype(np.float32)


# --- double-float arithmetic (df.h with ENABLE_FMA_SP) -------------------------------------------------


def _add2_ff(x: Single, y: Single) -> Pair:
    s = x + y
    v = s - x
    return s, (x - (s - v)) + (y - v)


def _add2_pf(x: Pair, y: Single) -> Pair:
    s = x[0] + y
    v = s - x[0]
    t = (x[0] - (s - v)) + (y - v)
    return s, t + x[1]


def _add2_pp(x: Pair, y: Pair) -> Pair:
    s = x[0] + y[0]
    v = s - x[0]
    t = (x[0] - (s - v)) + (y[0] - v)
    return s, t + (x[1] + y[1])


def _add_fp(x: Single, y: Pair) -> Pair:
    s = x + y[0]
    return s, ((x - s) + y[0]) + y[1]


def _add_pf(x: Pair, y: Single) -> Pair:
    s = x[0] + y
    return s, ((x[0] - s) + y) + x[1]


def _add_pp(x: Pair, y: Pair) -> Pair:
    s = x[0] + y[0]
    return s, (((x[0] - s) + y[0]) + x[1]) + y[1]


def _mul_pf(x: Pair, y: Single) -> Pair:
    s = x[0] * y
    return s, fma(x[1], y, fma(x[0], y, -s))


def _mul_pp(x: Pair, y: Pair) -> Pair:
    s = x[0] * y[0]
    return s, fma(x[0], y[1], fma(x[1], y[0], fma(x[0], y[0], -s)))


def _square(x: Pair) -> Pair:
    s = x[0] * x[0]
    return s, fma(x[0] + x[0], x[1], fma(x[0], x[0], -s))


def _reciprocal(d: Pair) -> Pair:
    s = F(1) / d[0]
    return s, s * fma(-d[1], s, fma(-d[0], s, F(1)))


def _divide(n: Pair, d: Pair) -> Pair:
    t = F(1) / d[0]
    s = n[0] * t
    u = fma(t, n[0], -s)
    v = fma(-d[1], t, fma(-d[0], t, F(1)))
    return s, fma(s, v, fma(n[1], t, u))


def _expk2(d: Pair) -> Pair:
    u = (d[0] + d[1]) * R_LN2
    q = _rint(u)
    qf = q.astype(np.float32)
    s = _add2_pf(d, qf * -L2U)
    s = _add2_pf(s, qf * -L2L)
    v = np.full_like(s[0], F(+0.1980960224e-3))
    for c in (+0.1394256484e-2, +0.8333456703e-2, +0.4166637361e-1):
        v = fma(v, s[0], F(c))
    t = _add2_pf(_mul_pf(s, v), np.full_like(v, F(+0.166666659414234244790680580464e0)))
    t = _add2_pf(_mul_pp(s, t), np.full_like(v, F(0.5)))
    t = _add2_pp(s, _mul_pp(_square(s), t))
    t = _add_fp(np.ones_like(v), t)
    x, y = _ldexp2(t[0], q), _ldexp2(t[1], q)
    tiny = d[0] < F(-104)
    return np.where(tiny, F(0), x).astype(np.float32), np.where(tiny, F(0), y).astype(np.float32)


def tanh(x: Single) -> Single:
    """``Sleef_tanhf16_u10`` (xtanhf)."""
    x = np.asarray(x, dtype=np.float32)
    y = np.abs(x)
    d = _expk2((y, np.zeros_like(y)))
    e = _reciprocal(d)
    d = _divide(_add2_pp(d, (-e[0], -e[1])), _add2_pp(d, e))
    r = d[0] + d[1]
    r = np.where((y > F(8.664339742)) | np.isnan(r), F(1), r)
    r = np.where(np.signbit(x), -r, r)
    return np.where(np.isnan(x), x, r).astype(np.float32)


def expm1(a: Single) -> Single:
    """``Sleef_expm1f16_u10`` (xexpm1f)."""
    a = np.asarray(a, dtype=np.float32)
    d = _add2_pf(_expk2((a, np.zeros_like(a))), np.full_like(a, F(-1)))
    x = d[0] + d[1]
    x = np.where(a > F(88.72283172607421875), F(np.inf), x)
    x = np.where(a < F(-16.635532333438687426013570), F(-1), x)
    return np.where((a == 0) & np.signbit(a), F(-0.0), x).astype(np.float32)


def _exponent(d: Single) -> Single:
    """``_mm512_getexp_ps``: floor(log2 |d|) as a float, subnormals included; -inf at 0, inf at inf."""
    with np.errstate(divide="ignore"):
        _, e = np.frexp(np.abs(d).astype(np.float64))
    out = (e - 1).astype(np.float32)
    out = np.where(d == 0, F(-np.inf), out)
    return np.where(np.isinf(d), F(np.inf), out).astype(np.float32)


def log1p(d: Single) -> Single:
    """``Sleef_log1pf16_u10`` (xlog1pf, AVX-512 branch)."""
    d = np.asarray(d, dtype=np.float32)
    dp1 = d + F(1)
    e = _exponent(dp1 * F(1.0 / 0.75))
    e = np.where(np.isposinf(e), F(128), e)
    # vldexp3(1, -rint(e)): add -e to the exponent field of 1.0.
    k = np.rint(np.clip(e, F(-200), F(200))).astype(np.int64)
    t = ((np.int64(0x3F800000) - (k << 23)) % (1 << 32)).astype(np.uint32).view(np.float32)
    m = fma(d, t, t - F(1))
    s = _mul_pf((np.full_like(d, _LN2_HI), np.full_like(d, _LN2_LO)), e)
    x = _divide((m, np.zeros_like(m)), _add_fp(np.full_like(m, F(2)), (m, np.zeros_like(m))))
    x2 = x[0] * x[0]
    u = fma(np.full_like(d, F(+0.3027294874e0)), x2, F(+0.3996108174e0))
    u = fma(u, x2, F(+0.6666694880e0))
    s = _add_pp(s, (x[0] * F(2), x[1] * F(2)))
    s = _add_pf(s, x2 * x[0] * u)
    r = s[0] + s[1]
    # Beyond 1e38 SLEEF takes log(d); PyTorch's kernels reach it only where tanh or a division makes it moot.
    r = np.where(d > F(1e38), np.log(d.astype(np.float64)).astype(np.float32), r)
    r = np.where(d < F(-1), F(np.nan), r)
    r = np.where(d == F(-1), F(-np.inf), r)
    r = np.where(np.isposinf(d), F(np.inf), r)
    return np.where((d == 0) & np.signbit(d), F(-0.0), r).astype(np.float32)
