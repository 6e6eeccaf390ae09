"""oneDNN's x64 AVX-512 eltwise kernels that PyTorch calls for GELU, ported to numpy bit for bit.

PyTorch 2.13 hands ``F.gelu(x)`` (approximate='none') and its backward to oneDNN (``ideep::eltwise_forward``,
``eltwise_backward`` with ``eltwise_gelu_erf``) for float32 tensors, and for bfloat16 on CPUs with AVX-512,
when the tensor is contiguous with two elements or more. On AVX-512 the forward is a table of minimax
polynomials; the backward is Abramowitz and Stegun 7.1.26 with oneDNN's own polynomial exp. Both are
emulated here step by step (``src/cpu/x64/injectors/jit_uni_eltwise_injector.cpp``).
"""

from __future__ import annotations

import numpy as np

from app.core.precision.dtypes import Single
from app.core.precision.single import F, bits, single
from app.core.precision.sleef import fma

# oneDNN's exp: 2^n exp(r) by a degree-5 polynomial (jit_uni_eltwise_injector, exp_compute_vector_fwd).
_EXP_LN_MIN, _EXP_LN_MAX, _LOG2E, _LN2 = bits(0xC2AEAC50), bits(0x42B17218), bits(0x3FB8AA3B), bits(0x3F317218)
_EXP_POL = tuple(bits(p) for p in (0x3F7FFFFB, 0x3EFFFEE3, 0x3E2AAD40, 0x3D2B9D0D, 0x3C07CFCE))


def exp(a: Single) -> Single:
    a = single(a)
    below = a < _EXP_LN_MIN
    a = np.maximum(np.minimum(a, _EXP_LN_MAX), _EXP_LN_MIN)
    n = np.floor(a * _LOG2E + F(0.5))
    r = fma(-n, _LN2, a)
    # 2^(n - 1) from its exponent bits, times 2 at the end (2^128 is not a float32).
    exponent = (np.rint(n - F(1)).astype(np.int64) + 127) << 23
    scale = np.where(below, F(0), exponent.astype(np.uint32).view(np.float32))
    y = np.full_like(a, _EXP_POL[4])
    for c in (_EXP_POL[3], _EXP_POL[2], _EXP_POL[1], _EXP_POL[0], F(1)):
        y = fma(y, r, c)
    return y * scale * F(2)


# oneDNN's AVX-512 GELU (erf form): erf(x / sqrt 2) by 24 minimax quintics, chosen by the exponent and
# two leading mantissa bits of |x| (gelu_erf_minimax_approx_compute_vector_fwd, oneDNN 3.12, the version
# PyTorch 2.13 builds with). The float32 bit patterns of the coefficients, degree 0 to 5, 24 per degree.
_GELU_POLYNOMIALS = """
a6f2cb94 32827792 3381cc0c 34523d4a 351ac44d 35f36d88 36ee8229 37b8a3bb 3867a213 3940033b 3a2a5a1d 3ae35863
3b7828f2 3c08b14b 3c515ed3 bb503236 bd8d8e5e be8abcd9 bf0c19a2 beccb328 3e176ced 3f470d99 3f7abb28 3f800000
3f4c422a 3f4c421f 3f4c4207 3f4c41cb 3f4c413b 3f4c3fad 3f4c3a2f 3f4c2d40 3f4c146a 3f4bc341 3f4ad08c 3f48f8cf
3f45fac7 3f404e07 3f3b980f 3f48dff3 3f78b21b 3fbb0704 40019c32 3fe536d6 3f81331e 3e6c8684 3c98f936 00000000
b62173f4 3735e4cf 37f2ff89 388c23be 3917535c 39ab2ab0 3a60fadb 3af9b960 3b6e5491 3c0a4ec5 3ca5aa8c 3d2138d9
3d8737d4 3ddfb660 3e0f27ab 3d94004b be0efdeb bf1d96c3 bf89db58 bf6d9897 bef69fb8 bdc4f8a8 bbde6422 00000000
be081a19 be084570 be08639b be089837 be08f409 be09ab95 be0b66d0 be0e400a be124df8 be1bde02 be2f19c9 be4931bf
be685fbc be89c95f be96cbca be8044aa be0550f2 3dcfd6a1 3e94c826 3e79345f 3decec91 3ca46568 3aa1e00a 00000000
ba3d61db 39f097a3 3a5845dc 3ab1fa35 3b0cefb8 3b653ab6 3bcae527 3c221712 3c6c5840 3cc0a703 3d1dcc19 3d63656d
3d955907 3dbf9910 3dd53f69 3db7dcef 3d639ebe ba6ede48 bd22be69 bd041cf1 bc64f5ab bb097a32 b8ebf380 00000000
3cb7d80c 3c9b6050 3c978d11 3c92e850 3c8d058b 3c848454 3c6cd623 3c4c824b 3c2a7935 3be0b390 3b0651ac bb232f53
bbd42fa0 bc2c5366 bc492c9e bc2a7aa6 bbd55d04 ba823a76 3b102aa8 3ae25a7e 3a31f792 38b84375 3689bb5a 00000000
"""
# Degree 0 to 5, 32 entries each (the last 8 are the table's zero padding).
_GELU_TABLE = np.zeros((6, 32), dtype=np.uint32)
_GELU_TABLE[:, :24] = np.array([int(h, 16) for h in _GELU_POLYNOMIALS.split()], dtype=np.uint32).reshape(6, 24)
_GELU_COEFFICIENTS = _GELU_TABLE.view(np.float32)
_GELU_INDEX_BIAS = np.int64(np.array([0xC21FFFFF], dtype=np.uint32).view(np.int32)[0])
_GELU_RBOUND = bits(0x40B15CEE)


def gelu(a: Single) -> Single:
    """oneDNN's AVX-512 ``eltwise_gelu_erf`` forward: x (1 + erf(x / sqrt 2)) / 2."""
    a = single(a)
    positive = np.abs(a)
    wrapped = (positive.view(np.int32).astype(np.int64) + _GELU_INDEX_BIAS + (1 << 31)) % (1 << 32) - (1 << 31)
    index = np.clip(wrapped >> 21, 1, 24)
    index = np.where(positive > _GELU_RBOUND, 23, index)
    polynomial = _GELU_COEFFICIENTS[5][index]
    for degree in range(4, -1, -1):
        polynomial = fma(polynomial, positive, _GELU_COEFFICIENTS[degree][index])
    polynomial = single(np.where(np.signbit(a), -polynomial, polynomial))
    return single(a * (polynomial + F(1)) * F(0.5))


_ONE_OVER_SQRT_2, _ONE_OVER_SQRT_PI, _DNN_AS_P = bits(0x3F3504F3), bits(0x3F106EBA), bits(0x3EA7BA05)
_DNN_AS = tuple(bits(p) for p in (0x3E827906, 0xBE91A98E, 0x3FB5F0E3, 0xBFBA00E3, 0x3F87DC22))


def gelu_derivative(a: Single) -> Single:
    """oneDNN's ``eltwise_gelu_erf`` derivative: 1/2 + erf(R)/2 + R exp(-R^2)/sqrt(pi), R = x/sqrt 2.

    The backward multiplies it by the incoming gradient afterwards.
    """
    a = single(a)
    r_ = a * _ONE_OVER_SQRT_2
    q = exp(-(r_ * r_))
    t = r_ * _ONE_OVER_SQRT_PI * q
    w = F(1) / fma(_DNN_AS_P, np.abs(r_), F(1))
    qw = -q * w
    p = np.full_like(a, _DNN_AS[4])
    for c in (_DNN_AS[3], _DNN_AS[2], _DNN_AS[1], _DNN_AS[0]):
        p = fma(p, w, c)
    e = fma(qw, p, F(1))
    e = np.where(np.signbit(r_), -e, e)
    return fma(e, F(0.5), t + F(0.5))
