"""Analysis: the article's claims computed for any function — sparsity, saturation, gradients, dead units, cost."""

from __future__ import annotations

import platform
from typing import Annotated, Any
from urllib.parse import urlencode

import numpy as np
from fastapi import APIRouter, Depends, Query, Request, Response

from app.config import settings
from app.core import analysis, registry
from app.core.analysis import Interval
from app.core.networks import INIT_RULES, TASK, TASK_INPUTS, Init, Nonlinearity
from app.render import ImageFormat, ImageOptions, Line, Theme, render_lines

from .analysis_models import AnalysisResponse, CostResponse, DeadUnitsResponse, GradientFlowResponse
from .deps import UNKNOWN_NAME_RESPONSES, ActivationDep, ParamsDep, RangeDep, validation_error
from .expressions import LANGUAGE, StrictQuery, compile_query
from .limits import BUSY_RESPONSES, HeavySlot
from .plotting import IMAGE_RESPONSES, get_plot_options, plot_response
from .responses import json_response

function_router = APIRouter(prefix="/v1/activations", tags=["analysis"])
router = APIRouter(prefix="/v1/analysis", tags=["analysis"])

_RESPONSES: dict[int | str, dict[str, Any]] = {**BUSY_RESPONSES}
_PLOT_RESPONSES: dict[int | str, dict[str, Any]] = {**IMAGE_RESPONSES, **BUSY_RESPONSES}

SeedQuery = Annotated[
    int, Query(ge=0, le=2**32 - 1, description="seed of numpy's default_rng: the same seed gives the same numbers")
]


def _url(request: Request, resolved: dict[str, Any]) -> str:
    """The request that reproduces this response, every parameter spelled out."""
    pairs: list[tuple[str, Any]] = []
    for key, value in resolved.items():
        if isinstance(value, list):
            pairs.extend((key, v) for v in value)
        else:
            pairs.append((key, value))
    return f"{request.url.path}?{urlencode(pairs)}"


def _intervals(intervals: list[Interval]) -> list[list[float]]:
    return [[i.start, i.end] for i in intervals]


# --- one function --------------------------------------------------------------------------


@function_router.get(
    "/{name}/analysis",
    response_model=AnalysisResponse,
    responses={**_RESPONSES, **UNKNOWN_NAME_RESPONSES},
    dependencies=[HeavySlot],
    summary="Sparsity, saturation, gradient and output statistics of one function",
)
def read_analysis(
    request: Request,
    activation: ActivationDep,
    x_range: RangeDep,
    params: ParamsDep,
    eps: Annotated[
        float | None,
        Query(ge=0, le=1e6, allow_inf_nan=False, description="saturated where |f'(x)| < eps; default 0.01·max|f'|"),
    ] = None,
    depth: Annotated[
        int, Query(ge=1, le=settings.NETWORK_MAX_DEPTH, description="L of the per-layer gain bound max|f'|^L")
    ] = settings.ANALYSIS_DEFAULT_DEPTH,
    sigma: Annotated[
        float,
        Query(
            gt=0, le=settings.ANALYSIS_MAX_SIGMA, allow_inf_nan=False, description="inputs are drawn from N(0, sigma²)"
        ),
    ] = 1.0,
    samples: Annotated[
        int, Query(ge=1, le=settings.ANALYSIS_MAX_SAMPLES, description="number of N(0, sigma²) inputs")
    ] = settings.ANALYSIS_DEFAULT_SAMPLES,
    seed: SeedQuery = 0,
) -> Response:
    """Where f saturates, is exactly 0 and is steepest on the range; its sparsity, mean and variance on N(0, sigma²).

    The sparsity is the fraction of exact zeros among `samples` inputs drawn with `seed`,
    with its standard error; the gain bound max|f'|^depth says how fast a chain of
    `depth` such derivatives can shrink or grow a gradient at most.
    """
    f = analysis.bind(activation, params)
    x = x_range.points()
    result = analysis.analyse(f, x, eps=eps, depth=depth, sigma=sigma, samples=samples, seed=seed)
    resolved = {
        **params,
        "x_min": x_range.x_min,
        "x_max": x_range.x_max,
        "num": x_range.num,
        **({"eps": eps} if eps is not None else {}),
        "depth": depth,
        "sigma": sigma,
        "samples": samples,
        "seed": seed,
    }
    out, sat, zeros, grad = result.outputs, result.saturation, result.zeros, result.gradient
    return json_response(
        {
            "name": activation.name,
            "label": activation.label,
            "params": params,
            "range": {"x_min": x_range.x_min, "x_max": x_range.x_max, "num": x_range.num},
            "sparsity": {
                "fraction_zero": out.sparsity,
                "standard_error": out.sparsity_standard_error,
                "inputs": f"N(0, {sigma:g}²), {samples} samples, seed {seed}",
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
            "request": _url(request, resolved),
        }
    )


# --- several functions ----------------------------------------------------------------------


def _resolve_functions(f: list[str]) -> list[Nonlinearity]:
    """The functions of ``f``, each a name or an expression, checked before any work."""
    if len(f) > settings.ANALYSIS_MAX_CURVES:
        raise validation_error(
            ("query", "f"), f"at most {settings.ANALYSIS_MAX_CURVES} functions (ANALYSIS_MAX_CURVES); got {len(f)}"
        )
    functions = [analysis.from_expression(compile_query(text, ("query", "f", i))) for i, text in enumerate(f)]
    seen: dict[str, int] = {}
    for i, fn in enumerate(functions):
        if fn.name in seen:
            raise validation_error(("query", "f", i), f"{fn.name!r} is given twice (as f number {seen[fn.name] + 1})")
        seen[fn.name] = i
    return functions


_F_DESCRIPTION = (
    f"one per function compared, at most {settings.ANALYSIS_MAX_CURVES}: a name or an expression. {LANGUAGE}"
)


def get_functions(
    f: Annotated[list[str], Query(description=_F_DESCRIPTION, examples=[["relu", "sigmoid", "tanh"]])] = [  # noqa: B006
        "relu",
        "sigmoid",
        "tanh",
    ],
) -> list[Nonlinearity]:
    return _resolve_functions(f)


def get_training_functions(
    f: Annotated[list[str], Query(description=_F_DESCRIPTION, examples=[["relu", "leaky_relu", "elu"]])] = [  # noqa: B006
        "relu",
        "leaky_relu",
    ],
) -> list[Nonlinearity]:
    return _resolve_functions(f)


FunctionsDep = Annotated[list[Nonlinearity], Depends(get_functions)]
TrainingFunctionsDep = Annotated[list[Nonlinearity], Depends(get_training_functions)]


def _check(loc: str, amount: int, limit: int, setting: str, formula: str) -> None:
    """A 422 at ``loc`` naming the Settings limit when ``amount`` is over it."""
    if amount > limit:
        raise validation_error(
            ("query", loc), f"{formula} = {amount:,} is over the limit {setting} = {limit:,}; ask for less"
        )


def _evaluations(functions: list[Nonlinearity], units: int) -> None:
    """Each unit evaluation costs its function's weight: 1 for a name, the node count for an expression."""
    weight = sum(f.weight for f in functions)
    _check(
        "batch",
        units * weight,
        settings.NETWORK_MAX_EVALUATIONS,
        "NETWORK_MAX_EVALUATIONS",
        "unit evaluations x the functions' weights (1 per name, nodes per expression)",
    )


def _check_weights(depth: int, width: int) -> None:
    if depth * width * width > settings.NETWORK_MAX_WEIGHTS:
        raise validation_error(
            ("query", "width"),
            f"depth x width² = {depth * width * width:,} weights is over the limit "
            f"NETWORK_MAX_WEIGHTS = {settings.NETWORK_MAX_WEIGHTS:,}",
        )


DepthQuery = Annotated[int, Query(ge=1, le=settings.NETWORK_MAX_DEPTH, description="number of hidden layers")]
WidthQuery = Annotated[int, Query(ge=1, le=settings.NETWORK_MAX_WIDTH, description="units per layer")]
BatchQuery = Annotated[int, Query(ge=1, le=settings.NETWORK_MAX_BATCH, description="inputs per batch")]
InitQuery = Annotated[
    Init,
    Query(
        description="weights: he N(0, 2/fan_in), xavier N(0, 2/(fan_in+fan_out)), lecun N(0, 1/fan_in), "
        "normal N(0, std²)"
    ),
]
StdQuery = Annotated[
    float, Query(gt=0, le=10, allow_inf_nan=False, description="standard deviation of the weights when init=normal")
]


_SIZE = {"ge": settings.PLOT_MIN_SIZE, "le": settings.PLOT_MAX_SIZE}


def get_network_plot_options(
    request: Request,
    image_width: Annotated[int, Query(**_SIZE, description="image width in CSS pixels")] = settings.PLOT_DEFAULT_WIDTH,
    image_height: Annotated[
        int, Query(**_SIZE, description="image height in CSS pixels")
    ] = settings.PLOT_DEFAULT_HEIGHT,
    scale: Annotated[
        int, Query(ge=1, le=settings.PLOT_MAX_SCALE, description="device pixels per CSS pixel (PNG only)")
    ] = 1,
    theme: Annotated[Theme, Query(description="light or dark background")] = Theme.light,
    grid: Annotated[bool, Query(description="draw a dashed grid")] = True,
    fmt: Annotated[
        ImageFormat | None, Query(alias="format", description="png (default) or svg; overrides the Accept header")
    ] = None,
) -> ImageOptions:
    """The plot options, with the image size as image_width and image_height: width is the network's."""
    return get_plot_options(request, image_width, image_height, scale, theme, grid, fmt)


NetworkPlotOptionsDep = Annotated[ImageOptions, Depends(get_network_plot_options)]


def _flow(
    functions: list[Nonlinearity], depth: int, width: int, batch: int, init: Init, std: float, seed: int
) -> list[analysis.Flow]:
    _check_weights(depth, width)
    n = len(functions)
    _check(
        "batch",
        depth * width * width * batch * n,
        settings.GRADIENT_FLOW_MAX_WORK,
        "GRADIENT_FLOW_MAX_WORK",
        "depth x width² x batch x number of f",
    )
    _evaluations(functions, depth * width * batch)
    return analysis.gradient_flow(functions, depth=depth, width=width, batch=batch, init=init, std=std, seed=seed)


@router.get(
    "/gradient-flow",
    response_model=GradientFlowResponse,
    responses=_RESPONSES,
    dependencies=[StrictQuery, HeavySlot],
    summary="Gradient norm per layer of a random deep network, per function",
)
def read_gradient_flow(
    request: Request,
    functions: FunctionsDep,
    depth: DepthQuery = 20,
    width: WidthQuery = 64,
    init: InitQuery = Init.he,
    std: StdQuery = 1.0,
    batch: BatchQuery = 256,
    seed: SeedQuery = 0,
) -> Response:
    """Forward a N(0, 1) batch through a random network (zero biases) and backpropagate the gradient of sum(outputs).

    Layer 1 is nearest the input. `output_grad_norm` is |dL/dh_l| (the signal backpropagated
    into layer l's output), `weight_grad_norm` is |dL/dW_l|; `ratio_per_layer` is
    (|dL/dh_1| / |dL/dh_L|)^(1/(L-1)): below 1 the gradient vanishes towards the input.
    Every function gets the same weights and the same batch.
    """
    flows = _flow(functions, depth, width, batch, init, std, seed)
    resolved = {"f": [fn.name for fn in functions], "depth": depth, "width": width, "init": init.value}
    resolved |= {"std": std} if init is Init.normal else {}
    resolved |= {"batch": batch, "seed": seed}
    return json_response(
        {
            "network": {
                "depth": depth,
                "width": width,
                "batch": batch,
                "init": init.value,
                "init_rule": INIT_RULES[init],
                "std": std if init is Init.normal else None,
                "seed": seed,
                "inputs": "N(0, 1)",
                "loss": "sum of the last layer's outputs (a unit gradient into every output)",
            },
            "functions": [
                {
                    "f": flow.name,
                    "label": flow.label,
                    "weight_grad_norm": flow.weight_grad_norm,
                    "output_grad_norm": flow.output_grad_norm,
                    "activation_std": flow.activation_std,
                    "ratio_per_layer": flow.ratio_per_layer,
                }
                for flow in flows
            ],
            "request": _url(request, resolved),
        }
    )


@router.get(
    "/gradient-flow/plot",
    response_class=Response,
    responses=_PLOT_RESPONSES,
    dependencies=[StrictQuery, HeavySlot],
    summary="Plot the gradient norm per layer, one line per function",
)
def read_gradient_flow_plot(
    request: Request,
    functions: FunctionsDep,
    options: NetworkPlotOptionsDep,
    depth: DepthQuery = 20,
    width: WidthQuery = 64,
    init: InitQuery = Init.he,
    std: StdQuery = 1.0,
    batch: BatchQuery = 256,
    seed: SeedQuery = 0,
) -> Response:
    """|dL/dh_l| against layer l on a log scale: the picture of a vanishing (or exploding) gradient."""
    key = {
        "plot": "gradient-flow",
        "f": [fn.name for fn in functions],
        "network": [depth, width, init.value, std if init is Init.normal else None, batch, seed],
        "options": options,
    }

    def render() -> Any:
        flows = _flow(functions, depth, width, batch, init, std, seed)
        layers = np.arange(1, depth + 1, dtype=np.float64)
        lines = [Line(flow.label, layers, _array(flow.output_grad_norm)) for flow in flows]
        title = f"Gradient norm per layer ({depth} x {width}, {init.value} init)"
        return render_lines(
            lines, options=options, title=title, xlabel="layer (1 = input side)", ylabel="|dL/dh|", log_y=True
        )

    return plot_response(request, key, render)


def _array(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


StepsQuery = Annotated[int, Query(ge=1, le=settings.NETWORK_MAX_STEPS, description="SGD steps")]
LrQuery = Annotated[float, Query(gt=0, le=100, allow_inf_nan=False, description="learning rate of plain SGD")]
CheckpointsQuery = Annotated[
    int, Query(ge=1, le=settings.DEAD_UNITS_MAX_CHECKPOINTS, description="number of evenly spaced checkpoints")
]


def _train(
    functions: list[Nonlinearity],
    depth: int,
    width: int,
    batch: int,
    steps: int,
    lr: float,
    init: Init,
    std: float,
    seed: int,
    checkpoints: int,
) -> list[analysis.DeadRun]:
    _check_weights(depth, width)
    n = len(functions)
    _check(
        "steps",
        depth * steps * n,
        settings.DEAD_UNITS_MAX_LAYER_STEPS,
        "DEAD_UNITS_MAX_LAYER_STEPS",
        "depth x steps x number of f",
    )
    _check(
        "steps",
        depth * width * width * batch * steps * n,
        settings.DEAD_UNITS_MAX_WORK,
        "DEAD_UNITS_MAX_WORK",
        "depth x width² x batch x steps x number of f",
    )
    _evaluations(functions, depth * width * batch * steps)
    return analysis.dead_units(
        functions,
        depth=depth,
        width=width,
        batch=batch,
        steps=steps,
        lr=lr,
        init=init,
        std=std,
        seed=seed,
        checkpoints=min(checkpoints, steps),
    )


@router.get(
    "/dead-units",
    response_model=DeadUnitsResponse,
    responses=_RESPONSES,
    dependencies=[StrictQuery, HeavySlot],
    summary="Fraction of dead units while a network trains with plain SGD, per function",
)
def read_dead_units(
    request: Request,
    functions: TrainingFunctionsDep,
    depth: DepthQuery = 4,
    width: WidthQuery = 64,
    lr: LrQuery = 0.5,
    steps: StepsQuery = 200,
    batch: BatchQuery = 128,
    init: InitQuery = Init.he,
    std: StdQuery = 1.0,
    seed: SeedQuery = 0,
    checkpoints: CheckpointsQuery = 20,
) -> Response:
    """Train on a small regression task; at each checkpoint, count units whose output is 0 on a whole probe batch.

    Dead units get no gradient and never come back. Training stops at the first step whose
    weights are not finite (`diverged_at_step`).
    """
    runs = _train(functions, depth, width, batch, steps, lr, init, std, seed, checkpoints)
    resolved = {"f": [fn.name for fn in functions], "depth": depth, "width": width, "lr": lr, "steps": steps}
    resolved |= {"batch": batch, "init": init.value, **({"std": std} if init is Init.normal else {})}
    resolved |= {"seed": seed, "checkpoints": checkpoints}
    return json_response(
        {
            "network": {
                "depth": depth,
                "width": width,
                "inputs": TASK_INPUTS,
                "init": init.value,
                "init_rule": INIT_RULES[init],
                "std": std if init is Init.normal else None,
                "seed": seed,
            },
            "training": {
                "optimizer": "plain SGD: no momentum, no weight decay, a fresh batch each step",
                "lr": lr,
                "steps": steps,
                "batch": batch,
                "task": TASK,
                "dead": "a unit whose output is exactly 0 for every input of a fixed probe batch of the same size",
            },
            "functions": [
                {
                    "f": run.name,
                    "label": run.label,
                    "steps": run.steps,
                    "loss": run.loss,
                    "dead_fraction": run.dead_fraction,
                    "dead_fraction_per_layer": run.dead_fraction_per_layer,
                    "final_dead_fraction": run.dead_fraction[-1],
                    "final_loss": run.final_loss,
                    "diverged_at_step": run.diverged_at_step,
                }
                for run in runs
            ],
            "request": _url(request, resolved),
        }
    )


@router.get(
    "/dead-units/plot",
    response_class=Response,
    responses=_PLOT_RESPONSES,
    dependencies=[StrictQuery, HeavySlot],
    summary="Plot the fraction of dead units against the training step",
)
def read_dead_units_plot(
    request: Request,
    options: NetworkPlotOptionsDep,
    functions: TrainingFunctionsDep,
    depth: DepthQuery = 4,
    width: WidthQuery = 64,
    lr: LrQuery = 0.5,
    steps: StepsQuery = 200,
    batch: BatchQuery = 128,
    init: InitQuery = Init.he,
    std: StdQuery = 1.0,
    seed: SeedQuery = 0,
    checkpoints: CheckpointsQuery = 20,
) -> Response:
    """Dead fraction (all layers together) against the SGD step, one line per function."""
    key = {
        "plot": "dead-units",
        "f": [fn.name for fn in functions],
        "network": [depth, width, lr, steps, batch, init.value, std if init is Init.normal else None, seed],
        "checkpoints": checkpoints,
        "options": options,
    }

    def render() -> Any:
        runs = _train(functions, depth, width, batch, steps, lr, init, std, seed, checkpoints)
        lines = [Line(run.label, np.array(run.steps, dtype=np.float64), np.array(run.dead_fraction)) for run in runs]
        title = f"Dead units, SGD at lr {lr:g} ({depth} x {width}, {init.value} init)"
        return render_lines(lines, options=options, title=title, xlabel="step", ylabel="fraction of units dead")

    return plot_response(request, key, render)


@router.get(
    "/cost",
    response_model=CostResponse,
    responses=_RESPONSES,
    dependencies=[StrictQuery, HeavySlot],
    summary="Measured time per element of each function and its derivative",
)
def read_cost(
    request: Request,
    functions: FunctionsDep,
    n: Annotated[
        int, Query(ge=1, le=settings.COST_MAX_N, description="elements per evaluation")
    ] = settings.COST_DEFAULT_N,
    repeats: Annotated[
        int, Query(ge=1, le=settings.COST_MAX_REPEATS, description="timed runs; the median is reported")
    ] = 5,
    seed: SeedQuery = 0,
) -> Response:
    """Nanoseconds per element of f(x) and f'(x) on n N(0, 1) inputs, on this server, now; and each relative to ReLU.

    A measurement, not a constant: it changes with the machine, its load and the numpy build.
    """
    weight = 1 + sum(f.weight for f in functions)
    _check(
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
            "versions; read it as a measurement, not a constant.",
            "n": n,
            "repeats": repeats,
            "seed": seed,
            "inputs": "N(0, 1)",
            "numpy": np.__version__,
            "machine": platform.machine(),
            "baseline": _cost(base),
            "functions": [_cost(c) for c in costs],
            "request": _url(request, resolved),
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
