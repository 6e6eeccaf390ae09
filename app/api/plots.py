"""Plots of one activation function and its derivative, as PNG or SVG."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.analysis import bind
from app.core.evaluate import Method, evaluate
from app.core.registry import Activation, Params
from app.render import Image, ImageOptions, Kink, render_function

from .deps import UNKNOWN_NAME_RESPONSES, ActivationDep, ParamsDep, XRange
from .limits import BUSY_RESPONSES
from .plotting import IMAGE_RESPONSES, PlotOptionsDep, PlotRangeDep, heavy_slot_unless_cached, plot_response
from .shading import ShadeDep, ShadeKind, overlays

router = APIRouter(prefix="/v1/activations", tags=["activations"])

# A derivative whose one-sided limits differ by less than this is drawn as continuous.
_JUMP_TOLERANCE = 1e-7


@dataclass(frozen=True)
class FunctionPlot:
    """Everything that decides a function's plot, canonical: the name resolved, defaults filled in."""

    activation: Activation
    x_range: XRange
    params: Params
    options: ImageOptions
    shade: frozenset[ShadeKind]
    derivative: bool
    method: Method

    def key(self) -> dict[str, object]:
        return {
            "plot": "function",
            "name": self.activation.name,
            "params": self.params,
            "x": self.x_range,
            "derivative": self.derivative,
            # The method changes nothing when the derivative is not drawn.
            "method": self.method if self.derivative else Method.analytic,
            "shade": sorted(self.shade),
            "options": self.options,
        }


# The dependency below only gathers values: async, so it needs no trip to the thread pool.
async def get_function_plot(
    activation: ActivationDep,
    x_range: PlotRangeDep,
    params: ParamsDep,
    options: PlotOptionsDep,
    shade: ShadeDep,
    derivative: Annotated[bool, Query(description="draw f'(x) in a second panel below f(x)", examples=[True])] = True,
    method: Annotated[
        Method, Query(description="derivative: analytic (exact) or numeric", examples=["analytic"])
    ] = Method.analytic,
) -> FunctionPlot:
    return FunctionPlot(activation, x_range, params, options, shade, derivative, method)


FunctionPlotDep = Annotated[FunctionPlot, Depends(get_function_plot)]


@router.get(
    "/{name}/plot",
    response_class=Response,
    responses={**IMAGE_RESPONSES, **UNKNOWN_NAME_RESPONSES, **BUSY_RESPONSES},
    summary="Plot a function and its derivative",
)
def read_plot(
    request: Request,
    plot: FunctionPlotDep,
    slot: Annotated[None, heavy_slot_unless_cached(get_function_plot)],
) -> Response:
    """PNG (default) or SVG of f titled with its name over f' titled "Derivative of ...", kinks marked."""
    return plot_response(
        request,
        plot.key(),
        lambda: plot_activation(
            plot.activation, plot.x_range, plot.params, plot.options, plot.derivative, plot.method, plot.shade
        ),
        filename=plot.activation.name,
    )


def plot_activation(
    activation: Activation,
    x_range: XRange,
    params: Params,
    options: ImageOptions,
    derivative: bool,
    method: Method,
    shade: frozenset[ShadeKind] = frozenset(),
) -> Image:
    """Evaluate the function on the grid and draw it (and f') with its kinks, and any shading asked for."""
    x = x_range.points()
    y, dy = evaluate(activation, x, params, derivative=derivative, method=method)
    kinks = [_kink(activation, params, at) for at in activation.kink_points(params)]
    shades, marks = overlays(bind(activation, params), x, shade)
    return render_function(x, y, dy, label=activation.label, options=options, kinks=kinks, shades=shades, marks=marks)


def _kink(activation: Activation, params: Params, at: float) -> Kink:
    """f and f' at a kink, with the one-sided limits of whichever of them jumps there."""
    point = np.array([at, at - 1e-9 * max(1.0, abs(at)), at + 1e-9 * max(1.0, abs(at))])
    y = activation.value(point, params)
    dy = activation.grad(point, params)
    dy_limits = _jump(float(dy[1]), float(dy[2]))
    y_limits = _jump(float(y[1]), float(y[2]))
    return Kink(
        at,
        float(y[0]),
        float(dy[0]),
        *(dy_limits or (None, None)),
        *(y_limits or (None, None)),
    )


def _jump(left: float, right: float) -> tuple[float, float] | None:
    """The one-sided limits if they differ by more than rounding, else None."""
    if abs(left - right) <= _JUMP_TOLERANCE * max(1.0, abs(left), abs(right)):
        return None
    return left, right
