"""Analysis: the article's claims computed for any function or expression — sparsity, saturation, gradients, cost.

The network experiments (gradient flow, dead units) live in ``network_analysis`` and are
served under the same ``/v1/analysis`` prefix.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query, Request, Response

from app.config import settings
from app.core import analysis, registry
from app.core.analysis import Interval
from app.core.networks import Nonlinearity

from . import network_analysis
from .analysis_models import AnalysisResponse, CostResponse
from .analysis_params import RESPONSES, FunctionsDep, SeedQuery, check_limit, request_url
from .deps import UNKNOWN_NAME_RESPONSES, ActivationDep, ParamsDep, RangeDep, StrictQuery, XRange
from .expressions import ExpressionDep, check_work
from .limits import HeavySlot
from .responses import JsonOnly, json_response

# One function, by name or as an expression: full paths, beside the activation and expression routes.
function_router = APIRouter(tags=["analysis"])
router = APIRouter(prefix="/v1/analysis", tags=["analysis"])
router.include_router(network_analysis.router)


def _intervals(intervals: list[Interval]) -> list[list[float]]:
    return [[i.start, i.end] for i in intervals]


@dataclass(frozen=True)
class AnalysisOptions:
    eps: float | None
    depth: int
    sigma: float
    samples: int
    seed: int

    def resolved(self) -> dict[str, Any]:
        eps = {"eps": self.eps} if self.eps is not None else {}
        return {**eps, "depth": self.depth, "sigma": self.sigma, "samples": self.samples, "seed": self.seed}


async def get_analysis_options(
    eps: Annotated[
        float | None,
        Query(
            ge=0,
            le=1e6,
            allow_inf_nan=False,
            description="saturated where |f'(x)| < eps; default 0.01·max|f'|",
            examples=[0.001],
        ),
    ] = None,
    depth: Annotated[
        int,
        Query(
            ge=1, le=settings.NETWORK_MAX_DEPTH, description="L of the per-layer gain bound max|f'|^L", examples=[20]
        ),
    ] = settings.ANALYSIS_DEFAULT_DEPTH,
    sigma: Annotated[
        float,
        Query(
            gt=0,
            le=settings.ANALYSIS_MAX_SIGMA,
            allow_inf_nan=False,
            description="inputs are drawn from N(0, sigma²)",
            examples=[2.0],
        ),
    ] = 1.0,
    samples: Annotated[
        int,
        Query(ge=1, le=settings.ANALYSIS_MAX_SAMPLES, description="number of N(0, sigma²) inputs", examples=[10000]),
    ] = settings.ANALYSIS_DEFAULT_SAMPLES,
    seed: SeedQuery = 0,
) -> AnalysisOptions:
    return AnalysisOptions(eps, depth, sigma, samples, seed)


AnalysisOptionsDep = Annotated[AnalysisOptions, Depends(get_analysis_options)]


def _analysis_response(
    request: Request,
    f: Nonlinearity,
    params: dict[str, Any],
    x_range: XRange,
    options: AnalysisOptions,
    identity: dict[str, Any],
) -> Response:
    """The analysis of ``f`` as JSON; ``identity`` names the function in the reproducing URL."""
    o = options
    result = analysis.analyse(
        f, x_range.points(), eps=o.eps, depth=o.depth, sigma=o.sigma, samples=o.samples, seed=o.seed
    )
    grid = {"x_min": x_range.x_min, "x_max": x_range.x_max, "num": x_range.num}
    out, sat, zeros, grad = result.outputs, result.saturation, result.zeros, result.gradient
    return json_response(
        {
            "name": f.name,
            "label": f.label,
            "params": params,
            "range": grid,
            "sparsity": {
                "fraction_zero": out.sparsity,
                "standard_error": out.sparsity_standard_error,
                "inputs": f"N(0, {o.sigma:g}²), {o.samples} samples, seed {o.seed}",
                "zero_intervals": _intervals(zeros.intervals),
                "zero_points": zeros.points,
                "zero_fraction_of_range": zeros.fraction,
            },
            "saturation": {
                "eps": sat.eps,
                "eps_rule": sat.eps_rule,
                "intervals": _intervals(sat.intervals),
                "fraction_of_range": sat.fraction,
            },
            "gradient": {
                "max_abs": grad.max_abs,
                "argmax": grad.argmax,
                "at_zero": grad.at_zero,
                "depth": grad.depth,
                "gain_bound": grad.gain_bound,
                "log10_gain_bound": grad.log10_gain_bound,
            },
            "outputs": {
                "sigma": out.sigma,
                "samples": out.samples,
                "seed": out.seed,
                "mean": out.mean,
                "mean_standard_error": out.mean_standard_error,
                "variance": out.variance,
                "negative_fraction": out.negative_fraction,
                "undefined": out.undefined,
            },
            "request": request_url(request, {**identity, **params, **grid, **options.resolved()}),
        }
    )


@function_router.get(
    "/v1/activations/{name}/analysis",
    response_model=AnalysisResponse,
    responses={**RESPONSES, **UNKNOWN_NAME_RESPONSES},
    dependencies=[JsonOnly, HeavySlot],
    summary="Sparsity, saturation, gradient and output statistics of one function",
)
def read_analysis(
    request: Request, activation: ActivationDep, x_range: RangeDep, params: ParamsDep, options: AnalysisOptionsDep
) -> Response:
    """Where f saturates, is exactly 0 and is steepest on the range; its sparsity, mean and variance on N(0, sigma²).

    The sparsity is the fraction of exact zeros among `samples` inputs drawn with `seed`,
    with its standard error; the gain bound max|f'|^depth says how fast a chain of
    `depth` such derivatives can shrink or grow a gradient at most.
    """
    return _analysis_response(request, analysis.bind(activation, params), dict(params), x_range, options, {})


@function_router.get(
    "/v1/expressions/analysis",
    response_model=AnalysisResponse,
    responses=RESPONSES,
    dependencies=[StrictQuery, JsonOnly, HeavySlot],
    summary="Sparsity, saturation, gradient and output statistics of an expression",
)
def read_expression_analysis(
    request: Request, expression: ExpressionDep, x_range: RangeDep, options: AnalysisOptionsDep
) -> Response:
    """The analysis of `/v1/activations/{name}/analysis` for an expression in x, such as `2*sigmoid(2*x) - 1`.

    Its work is bounded like the expression's values: nodes x `num` and nodes x `samples`
    are each at most `EXPR_MAX_WORK`.
    """
    check_work([expression], x_range.num)
    check_work([expression], options.samples, ("query", "samples"))
    f = analysis.from_expression(expression)
    return _analysis_response(request, f, {}, x_range, options, {"expr": expression.text})


@router.get(
    "/cost",
    response_model=CostResponse,
    responses=RESPONSES,
    dependencies=[StrictQuery, JsonOnly, HeavySlot],
    summary="Measured time per element of each function and its derivative",
)
def read_cost(
    request: Request,
    functions: FunctionsDep,
    n: Annotated[
        int, Query(ge=1, le=settings.COST_MAX_N, description="elements per evaluation", examples=[100000])
    ] = settings.COST_DEFAULT_N,
    repeats: Annotated[
        int, Query(ge=1, le=settings.COST_MAX_REPEATS, description="timed runs; the median is reported", examples=[9])
    ] = 5,
    seed: SeedQuery = 0,
) -> Response:
    """Nanoseconds per element of f(x) and f'(x) on n N(0, 1) inputs, on this server, now; and each relative to ReLU.

    A measurement, not a constant: it changes with the machine, its load and the numpy build.
    """
    weight = 1 + sum(f.weight for f in functions)
    check_limit(
        "n",
        n * 2 * (repeats + 1) * weight,
        settings.COST_MAX_WORK,
        "COST_MAX_WORK",
        "n x 2 x (repeats + 1) x (1 + the functions' weights: 1 per name, nodes per expression)",
    )
    relu = registry.get("relu")
    costs, base = analysis.measure_cost(functions, analysis.bind(relu, relu.defaults), n=n, repeats=repeats, seed=seed)
    resolved = {"f": [fn.name for fn in functions], "n": n, "repeats": repeats, "seed": seed}
    return json_response(
        {
            "note": "Measured on this server for this request: wall-clock time of one numpy call on n float64 "
            "inputs, median of the repeats after one warm-up call. It varies with hardware, load and library "
            "versions; read it as a measurement, not a constant. An expression computes f and f' in one "
            "forward-mode pass, so both of its timings are that pass.",
            "n": n,
            "repeats": repeats,
            "seed": seed,
            "inputs": "N(0, 1)",
            "numpy": np.__version__,
            "machine": platform.machine(),
            "baseline": _cost(base),
            "functions": [_cost(c) for c in costs],
            "request": request_url(request, resolved),
        }
    )


def _cost(c: analysis.Cost) -> dict[str, Any]:
    return {
        "f": c.name,
        "label": c.label,
        "value_ns_per_element": c.value_ns_per_element,
        "derivative_ns_per_element": c.derivative_ns_per_element,
        "value_relative_to_relu": c.value_relative,
        "derivative_relative_to_relu": c.derivative_relative,
        "value_repeats_ns_per_element": c.value_repeats_ns_per_element,
        "derivative_repeats_ns_per_element": c.derivative_repeats_ns_per_element,
    }
