"""Short tick labels, so the space they need is known before anything is drawn."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.ticker import Formatter

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


class CompactFormatter(Formatter):
    """A matplotlib formatter writing :func:`compact_labels`."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return compact_labels([x])[0]

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        return compact_labels(values)
