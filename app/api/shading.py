"""`shade=saturation,zeros` on the plot endpoints: where f saturates and where it is exactly zero."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query

from app.core import analysis
from app.core.functions import Array
from app.core.networks import Nonlinearity
from app.render import Marks, Shade

from .deps import validation_error


class ShadeKind(StrEnum):
    saturation = "saturation"
    zeros = "zeros"


async def get_shade(
    shade: Annotated[
        list[str] | None,
        Query(
            description="comma-separated extras: `saturation` shades where |f′(x)| < 0.01·max|f′| on the range, "
            "`zeros` shades where f(x) is exactly 0 and marks its isolated zeros",
            examples=["saturation,zeros"],
        ),
    ] = None,
) -> frozenset[ShadeKind]:
    kinds: set[ShadeKind] = set()
    for i, text in enumerate(shade or []):
        for part in text.split(","):
            name = part.strip().lower()
            if not name:
                continue
            try:
                kinds.add(ShadeKind(name))
            except ValueError:
                choices = ", ".join(k.value for k in ShadeKind)
                raise validation_error(("query", "shade", i), f"unknown shade {name[:40]!r}; use {choices}") from None
    return frozenset(kinds)


ShadeDep = Annotated[frozenset[ShadeKind], Depends(get_shade)]


def overlays(f: Nonlinearity, x: Array, kinds: frozenset[ShadeKind]) -> tuple[list[Shade], list[Marks]]:
    """The shaded intervals and marked points asked for, computed on the plot's grid."""
    shades: list[Shade] = []
    marks: list[Marks] = []
    if ShadeKind.saturation in kinds:
        saturation = analysis.saturation(f, x)
        if saturation.intervals:
            label = f"saturated: |f′| < {saturation.eps:.3g}"
            shades.append(Shade(label, tuple((i.start, i.end) for i in saturation.intervals)))
    if ShadeKind.zeros in kinds:
        zeros = analysis.zeros(f, x)
        if zeros.intervals:
            shades.append(Shade("f(x) = 0 exactly", tuple((i.start, i.end) for i in zeros.intervals)))
        if zeros.points:
            marks.append(Marks("zero of f", tuple(zeros.points)))
    return shades, marks
