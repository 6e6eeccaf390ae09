"""round_half_even agrees with Python's round() value for value, ties and huge magnitudes included."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.rounding import round_half_even

TRICKY = [0.125, 0.375, 2.675, 0.285, 1.005, -0.5, 0.5, 1.5, 2.5, -2.5, 1e-300, -1e-300, 0.0, -0.0, 5e-324]
TRICKY += [1e6, -1e6, 0.045, 123456.78901234567, 4503599627370495.5, 9007199254740993.0, 1e22, np.nextafter(0.5, 1)]


def _python(values: np.ndarray, decimals: int) -> np.ndarray:
    return np.array([round(v, decimals) for v in values.tolist()], dtype=np.float64)


def _assert_same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_array_equal(a, b)
    assert np.array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.parametrize("decimals", range(18))
def test_rounding_matches_python_round_on_ties_and_edges(decimals: int) -> None:
    rng = np.random.default_rng(decimals)
    values = np.concatenate(
        [
            np.array(TRICKY),
            np.linspace(-5, 5, 2001),
            # Exact decimal ties at this many places, and their float neighbours.
            (rng.integers(-(10**6), 10**6, 2000) + 0.5) / 10.0**decimals,
            rng.normal(0, 1, 2000) * 10.0 ** rng.integers(-20, 7, 2000),
        ]
    )
    _assert_same(round_half_even(values, decimals), _python(values, decimals))


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=50), st.integers(0, 17))
def test_rounding_matches_python_round_on_any_float(values: list[float], decimals: int) -> None:
    array = np.array(values, dtype=np.float64)
    _assert_same(round_half_even(array, decimals), _python(array, decimals))


def test_nan_and_infinities_pass_through() -> None:
    out = round_half_even(np.array([np.nan, np.inf, -np.inf, 1.26]), 1)
    assert np.isnan(out[0])
    assert out[1:].tolist() == [np.inf, -np.inf, 1.3]


@pytest.mark.parametrize("decimals", [-1, 23])
def test_decimals_outside_0_to_22_are_refused(decimals: int) -> None:
    with pytest.raises(ValueError, match="decimals"):
        round_half_even(np.array([1.0]), decimals)
