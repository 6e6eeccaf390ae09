"""The four floating-point types, and rounding, ULPs and every value of a 16-bit type.

Every array here is float64 whose values are exactly values of the type in question: float64 holds
every float32, float16 and bfloat16 number, so results of any type travel in one array type.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import Any

import ml_dtypes
import numpy as np
from numpy.typing import NDArray

from app.core.functions import Array

Single = NDArray[np.float32]


class Dtype(StrEnum):
    """A floating-point type as PyTorch names it."""

    float64 = "float64"
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"


# The numpy scalar type of each: bfloat16 is ml_dtypes' numpy dtype.
NUMPY: dict[Dtype, Any] = {
    Dtype.float64: np.float64,
    Dtype.float32: np.float32,
    Dtype.float16: np.float16,
    Dtype.bfloat16: ml_dtypes.bfloat16,
}
# Significand bits (with the implicit one) and the exponent of the smallest normal number.
PRECISION = {Dtype.float64: 53, Dtype.float32: 24, Dtype.float16: 11, Dtype.bfloat16: 8}
MIN_EXPONENT = {Dtype.float64: -1022, Dtype.float32: -126, Dtype.float16: -14, Dtype.bfloat16: -126}
# The largest finite value of each.
MAX = {
    Dtype.float64: float(np.finfo(np.float64).max),
    Dtype.float32: float(np.finfo(np.float32).max),
    Dtype.float16: float(np.finfo(np.float16).max),
    Dtype.bfloat16: float(np.array([0x7F7F], dtype=np.uint16).view(ml_dtypes.bfloat16)[0]),
}


def round_to(x: Array, dtype: Dtype) -> Array:
    """``x`` rounded to ``dtype`` to nearest, ties to even, as numpy's and ml_dtypes' casts do; as float64.

    Values beyond the largest finite value round to ±inf as a cast does. (PyTorch's ``.to(dtype)``
    from float64 goes through float32 first; :func:`cast` does that.)
    """
    values = np.asarray(x, dtype=np.float64)
    if dtype is Dtype.float64:
        return values.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        return values.astype(NUMPY[dtype]).astype(np.float64)


def cast(x: Array, dtype: Dtype) -> Array:
    """``x`` converted to ``dtype`` as PyTorch converts a float64 tensor: to float32 first, then to dtype.

    The two roundings differ from :func:`round_to` only for a float64 value within 2**-24 (relative)
    of a point halfway between two neighbours in float16 or bfloat16.
    """
    if dtype is Dtype.float64:
        return np.array(x, dtype=np.float64, copy=True)
    return round_to(round_to(x, Dtype.float32), dtype)


def to_single(x: Array, dtype: Dtype) -> Single:
    """The values of ``dtype`` in ``x`` as float32, exactly (float32 holds every float16 and bfloat16)."""
    return cast(x, dtype).astype(np.float32)


def rounder(dtype: Dtype) -> Any:
    """A function rounding a float32 array to ``dtype``'s values (as float32): the cast at the end of a kernel."""
    if dtype is Dtype.float32:
        return _same
    kind = NUMPY[dtype]

    def to_dtype(values: Single) -> Single:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(values, dtype=np.float32).astype(kind).astype(np.float32)

    return to_dtype


def _same(values: Single) -> Single:
    return np.asarray(values, dtype=np.float32)


def ulp(values: Array, dtype: Dtype) -> Array:
    """The unit in the last place of ``dtype`` at each value: the spacing of its binade.

    2**(e - p + 1) for |v| in [2**e, 2**(e + 1)), p the type's significand bits; below the smallest
    normal number (subnormals and 0), the spacing of the subnormals; at ±inf and beyond the largest
    finite value, the spacing of the top binade; nan at nan.
    """
    magnitude = np.abs(np.asarray(values, dtype=np.float64))
    p, e_min = PRECISION[dtype], MIN_EXPONENT[dtype]
    finite = np.minimum(magnitude, MAX[dtype])
    _, exponent = np.frexp(finite)  # finite = m * 2**exponent, 0.5 <= m < 1; 0 gives exponent 0
    exponent = np.where(finite == 0.0, e_min, np.maximum(exponent.astype(np.int64) - 1, e_min))
    spacing: Array = np.ldexp(1.0, (exponent - p + 1).astype(np.int32))
    return np.asarray(np.where(np.isnan(magnitude), np.nan, spacing), dtype=np.float64)


@functools.lru_cache(maxsize=4)
def _finite_values(dtype: Dtype) -> Array:
    if dtype not in (Dtype.float16, Dtype.bfloat16):
        raise ValueError(f"finite_values is for the 16-bit types, not {dtype}")
    patterns = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    with np.errstate(invalid="ignore"):
        values = patterns.view(NUMPY[dtype]).astype(np.float64)
    values = values[np.isfinite(values)]
    # Ascending, -0.0 just before 0.0.
    order = np.lexsort((~np.signbit(values), values))
    result: Array = values[order]
    result.setflags(write=False)
    return result


def finite_values(dtype: Dtype) -> Array:
    """Every finite value of float16 or bfloat16, from its 65,536 bit patterns, ascending, as float64.

    -0.0 and 0.0 are both there (-0.0 first). The array is shared and read-only.
    """
    return _finite_values(Dtype(dtype))
