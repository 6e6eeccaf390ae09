"""Rounding arrays to a number of decimals, exactly as Python's ``round(value, decimals)``."""

from __future__ import annotations

import numpy as np

from app.core.functions import Array

# Below 2**53 every integer is a float64, so rint(x * 10**d) is an exact integer k and
# k / 10**d is the float nearest the decimal k·10**-d, which is what round() returns.
_EXACT_INTEGERS = 2.0**53
# x * 10**d carries one rounding error of at most 2**-53 relative; a product closer than
# this to a half can lie on the wrong side of it, so those few go through round() itself.
_TIE_MARGIN = 2.0**-50


def round_half_even(values: Array, decimals: int) -> Array:
    """``values`` rounded to ``decimals`` places (0-22), element for element equal to ``round(v, decimals)``.

    Vectorised as ``rint(v * 10**d) / 10**d``; the values where that could differ from the
    correctly rounded result (near a tie, or too large to have a fractional digit) are rounded
    one by one with Python's ``round``, which works on the exact binary value.
    """
    if not 0 <= decimals <= 22:
        raise ValueError(f"decimals must be from 0 to 22, got {decimals}")
    scale = 10.0**decimals
    # Huge values overflow to inf here; they fall on the "unchanged" side below, as they should.
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = values * scale
        magnitude = np.abs(scaled)
        small = magnitude < _EXACT_INTEGERS
        # Where |scaled| >= 2**53 the value has no digit left to drop and round() returns it unchanged.
        rounded: Array = np.where(small, np.rint(scaled) / scale, values)
        distance_to_half = np.abs(scaled - np.floor(scaled) - 0.5)
    doubtful = np.flatnonzero(small & (distance_to_half <= magnitude * _TIE_MARGIN))
    if doubtful.size:
        rounded[doubtful] = [round(v, decimals) for v in values[doubtful].tolist()]
    return rounded
