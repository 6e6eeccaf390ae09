"""Short tick labels, so the space they need is known before anything is drawn."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.ticker import MaxNLocator

MINUS = "\N{MINUS SIGN}"
_FIXED_RANGE = (1e-3, 1e5)
_MAX_FIXED_CHARS = 8


def _decimals(values: np.ndarray, step: float) -> int:
    """Fewest decimals that write every value exactly, to well below the tick step."""
    tolerance = step * 1e-6
    for decimals in range(13):
        if np.all(np.abs(np.round(values, decimals) - values) <= tolerance):
            return decimals
    return 12


def _fixed(values: np.ndarray, decimals: int) -> list[str]:
    labels = [f"{v:.{decimals}f}" for v in values]
    return [
        MINUS + label[1:] if label.startswith("-") and label.strip("-0.") else label.lstrip("-") for label in labels
    ]


def compact_labels(values: Sequence[float]) -> list[str]:
    """Labels for tick values: plain decimals for ordinary magnitudes, ``2.5e6`` otherwise.

    All labels share one precision, the least that tells neighbouring ticks apart.
    """
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return []
    largest = float(np.max(np.abs(array)))
    if largest == 0.0:
        return ["0"] * array.size
    gaps = np.diff(np.sort(array))
    gaps = gaps[gaps > 0]
    step = float(np.min(gaps)) if gaps.size else largest
    if _FIXED_RANGE[0] <= largest < _FIXED_RANGE[1]:
        labels = _fixed(array, _decimals(array, step))
        if max(map(len, labels)) <= _MAX_FIXED_CHARS:
            return labels
    exponent = int(np.floor(np.log10(largest)))
    mantissas = array / 10.0**exponent
    heads = _fixed(mantissas, _decimals(mantissas, step / 10.0**exponent))
    return [head if head == "0" or set(head) <= {"0", "."} else f"{head}e{exponent}" for head in heads]


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


def linear_ticks(low: float, high: float, bins: int, *, integer: bool = False) -> list[float]:
    """At most ``bins + 1`` round tick values inside [low, high], as matplotlib's MaxNLocator picks.

    With ``integer``, only whole numbers (for counts such as layers and steps).
    """
    values = MaxNLocator(nbins=max(1, bins), steps=list(_STEPS), integer=integer).tick_values(low, high)
    slack = (high - low) * 1e-9
    return [float(v) for v in values if low - slack <= v <= high + slack]


def log_ticks(low: float, high: float, most: int) -> list[float]:
    """Powers of ten inside [low, high], every n-th decade so that there are at most ``most``."""
    first = int(np.ceil(np.log10(low) - 1e-9))
    last = int(np.floor(np.log10(high) + 1e-9))
    if last < first:
        return []
    every = max(1, int(np.ceil((last - first + 1) / max(1, most))))
    return [10.0**k for k in range(first, last + 1, every)]


def log_labels(values: Sequence[float]) -> list[str]:
    """``10⁻³``-style labels for powers of ten, in plain text (no mathtext to lay out)."""
    return ["10" + str(round(np.log10(v))).translate(_SUPERSCRIPT) for v in values]


def short_label(value: float) -> str:
    """A label of three significant digits, for a value that is not a round tick (a kink's value)."""
    label = f"{value:.3g}"
    return MINUS + label[1:] if label.startswith("-") else label
