"""Small random networks per function: the gradient norm through depth, and units dying under SGD."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query, Request, Response

from app.config import settings
from app.core import analysis
from app.core.networks import INIT_RULES, TASK, TASK_INPUTS, Init, Nonlinearity
from app.render import ImageOptions, Line, Theme, render_lines

from .analysis_models import DeadUnitsResponse, GradientFlowResponse
from .analysis_params import (
    PLOT_RESPONSES,
    RESPONSES,
    FunctionsDep,
    SeedQuery,
    TrainingFunctionsDep,
    check_evaluations,
    check_limit,
    request_url,
)
from .deps import StrictQuery, validation_error
from .limits import HeavySlot
from .plotting import (
    GridQuery,
    ImageFormatQuery,
    ScaleQuery,
    ThemeQuery,
    get_plot_options,
    heavy_slot_unless_cached,
    plot_response,
)
from .responses import JsonOnly, json_response

# Included by the analysis router, under /v1/analysis.
router = APIRouter()


def _check_weights(depth: int, width: int) -> None:
    if depth * width * width > settings.NETWORK_MAX_WEIGHTS:
        raise validation_error(
            ("query", "width"),
            f"depth x width² = {depth * width * width:,} weights is over the limit "
            f"NETWORK_MAX_WEIGHTS = {settings.NETWORK_MAX_WEIGHTS:,}",
        )


DepthQuery = Annotated[
    int, Query(ge=1, le=settings.NETWORK_MAX_DEPTH, description="number of hidden layers", examples=[8])
]
WidthQuery = Annotated[int, Query(ge=1, le=settings.NETWORK_MAX_WIDTH, description="units per layer", examples=[32])]
BatchQuery = Annotated[int, Query(ge=1, le=settings.NETWORK_MAX_BATCH, description="inputs per batch", examples=[100])]
InitQuery = Annotated[
    Init,
    Query(
        description="weights: he N(0, 2/fan_in), xavier N(0, 2/(fan_in+fan_out)), lecun N(0, 1/fan_in), "
        "normal N(0, std²)",
        examples=["xavier"],
    ),
]
StdQuery = Annotated[
    float,
    Query(
        gt=0,
        le=10,
        allow_inf_nan=False,
        description="standard deviation of the weights when init=normal",
        examples=[0.05],
    ),
]


_SIZE = {"ge": settings.PLOT_MIN_SIZE, "le": settings.PLOT_MAX_SIZE}


async def get_network_plot_options(
    request: Request,
    image_width: Annotated[
        int, Query(**_SIZE, description="image width in CSS pixels", examples=[800])
    ] = settings.PLOT_DEFAULT_WIDTH,
    image_height: Annotated[
        int, Query(**_SIZE, description="image height in CSS pixels", examples=[600])
    ] = settings.PLOT_DEFAULT_HEIGHT,
    scale: ScaleQuery = 1,
    theme: ThemeQuery = Theme.light,
    grid: GridQuery = True,
    fmt: ImageFormatQuery = None,
) -> ImageOptions:
    """The plot options, with the image size as image_width and image_height: width is the network's."""
    return await get_plot_options(request, image_width, image_height, scale, theme, grid, fmt)


NetworkPlotOptionsDep = Annotated[ImageOptions, Depends(get_network_plot_options)]


@dataclass(frozen=True)
class FlowNetwork:
    """The network of a gradient-flow request, shared by its JSON and plot routes."""

    depth: int
    width: int
    init: Init
    std: float
    batch: int
    seed: int

    @property
    def std_used(self) -> float | None:
        return self.std if self.init is Init.normal else None

    def resolved(self) -> dict[str, object]:
        """The query parameters that reproduce it, std only where it is used."""
        std = {} if self.std_used is None else {"std": self.std}
        return {
            "depth": self.depth,
            "width": self.width,
            "init": self.init.value,
            **std,
            "batch": self.batch,
            "seed": self.seed,
        }


# The dependencies below only gather values: async, so they need no trip to the thread pool.
async def get_flow_network(
    depth: DepthQuery = 20,
    width: WidthQuery = 64,
    init: InitQuery = Init.he,
    std: StdQuery = 1.0,
    batch: BatchQuery = 256,
    seed: SeedQuery = 0,
) -> FlowNetwork:
    return FlowNetwork(depth, width, init, std, batch, seed)


FlowNetworkDep = Annotated[FlowNetwork, Depends(get_flow_network)]


def _flow(functions: list[Nonlinearity], net: FlowNetwork) -> list[analysis.Flow]:
    _check_weights(net.depth, net.width)
    check_limit(
        "batch",
        net.depth * net.width * net.width * net.batch * len(functions),
        settings.GRADIENT_FLOW_MAX_WORK,
        "GRADIENT_FLOW_MAX_WORK",
        "depth x width² x batch x number of f",
    )
    check_evaluations(functions, net.depth * net.width * net.batch)
    return analysis.gradient_flow(
        functions,
        depth=net.depth,
        width=net.width,
        batch=net.batch,
        init=net.init,
        std=net.std,
        seed=net.seed,
    )


@router.get(
    "/gradient-flow",
    response_model=GradientFlowResponse,
    responses=RESPONSES,
    dependencies=[StrictQuery, JsonOnly, HeavySlot],
    summary="Gradient norm per layer of a random deep network, per function",
)
def read_gradient_flow(request: Request, net: FlowNetworkDep, functions: FunctionsDep) -> Response:
    """Forward a N(0, 1) batch through a random network (zero biases) and backpropagate the gradient of sum(outputs).

    Layer 1 is nearest the input. `output_grad_norm` is |dL/dh_l| (the signal backpropagated
    into layer l's output), `weight_grad_norm` is |dL/dW_l|; `ratio_per_layer` is
    (|dL/dh_1| / |dL/dh_L|)^(1/(L-1)): below 1 the gradient vanishes towards the input.
    Every function gets the same weights and the same batch.
    """
    flows = _flow(functions, net)
    return json_response(
        {
            "network": {
                "depth": net.depth,
                "width": net.width,
                "batch": net.batch,
                "init": net.init.value,
                "init_rule": INIT_RULES[net.init],
                "std": net.std_used,
                "seed": net.seed,
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
                    "zero_fraction": flow.zero_fraction,
                    "ratio_per_layer": flow.ratio_per_layer,
                }
                for flow in flows
            ],
            "request": request_url(request, {"f": [fn.name for fn in functions], **net.resolved()}),
        }
    )


@dataclass(frozen=True)
class FlowPlot:
    """Everything that decides a gradient-flow plot."""

    functions: list[Nonlinearity]
    options: ImageOptions
    net: FlowNetwork

    def key(self) -> dict[str, object]:
        n = self.net
        return {
            "plot": "gradient-flow",
            "f": [f.name for f in self.functions],
            "network": [n.depth, n.width, n.init.value, n.std_used, n.batch, n.seed],
            "options": self.options,
        }


async def get_flow_plot(net: FlowNetworkDep, functions: FunctionsDep, options: NetworkPlotOptionsDep) -> FlowPlot:
    return FlowPlot(functions, options, net)


FlowPlotDep = Annotated[FlowPlot, Depends(get_flow_plot)]


@router.get(
    "/gradient-flow/plot",
    response_class=Response,
    responses=PLOT_RESPONSES,
    dependencies=[StrictQuery],
    summary="Plot the gradient norm per layer, one line per function",
)
def read_gradient_flow_plot(
    request: Request, plot: FlowPlotDep, slot: Annotated[None, heavy_slot_unless_cached(get_flow_plot)]
) -> Response:
    """|dL/dh_l| against layer l on a log scale: the picture of a vanishing (or exploding) gradient."""
    net = plot.net

    def render() -> Any:
        flows = _flow(plot.functions, net)
        layers = np.arange(1, net.depth + 1, dtype=np.float64)
        lines = [Line(flow.label, layers, _array(flow.output_grad_norm)) for flow in flows]
        title = f"Gradient norm per layer ({net.depth} x {net.width}, {net.init.value} init)"
        return render_lines(
            lines,
            options=plot.options,
            title=title,
            xlabel="layer (1 = input side)",
            ylabel="|dL/dh|",
            log_y=True,
            integer_x=True,
        )

    return plot_response(request, plot.key(), render, filename="gradient-flow")


def _array(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


StepsQuery = Annotated[int, Query(ge=1, le=settings.NETWORK_MAX_STEPS, description="SGD steps", examples=[300])]
LrQuery = Annotated[
    float, Query(gt=0, le=100, allow_inf_nan=False, description="learning rate of plain SGD", examples=[0.5])
]
CheckpointsQuery = Annotated[
    int,
    Query(
        ge=1, le=settings.DEAD_UNITS_MAX_CHECKPOINTS, description="number of evenly spaced checkpoints", examples=[20]
    ),
]


@dataclass(frozen=True)
class Training:
    """The network and training of a dead-units request, shared by its JSON and plot routes."""

    depth: int
    width: int
    lr: float
    steps: int
    batch: int
    init: Init
    std: float
    seed: int
    checkpoints: int

    @property
    def std_used(self) -> float | None:
        return self.std if self.init is Init.normal else None

    def resolved(self) -> dict[str, object]:
        """The query parameters that reproduce it, std only where it is used."""
        std = {} if self.std_used is None else {"std": self.std}
        return {
            "depth": self.depth,
            "width": self.width,
            "lr": self.lr,
            "steps": self.steps,
            "batch": self.batch,
            "init": self.init.value,
            **std,
            "seed": self.seed,
            "checkpoints": self.checkpoints,
        }


async def get_training(
    depth: DepthQuery = 4,
    width: WidthQuery = 64,
    lr: LrQuery = 0.5,
    steps: StepsQuery = 200,
    batch: BatchQuery = 64,
    init: InitQuery = Init.he,
    std: StdQuery = 1.0,
    seed: SeedQuery = 0,
    checkpoints: CheckpointsQuery = 20,
) -> Training:
    return Training(depth, width, lr, steps, batch, init, std, seed, checkpoints)


TrainingDep = Annotated[Training, Depends(get_training)]


def _train(functions: list[Nonlinearity], t: Training) -> list[analysis.DeadRun]:
    _check_weights(t.depth, t.width)
    n = len(functions)
    check_limit(
        "steps",
        t.depth * t.steps * n,
        settings.DEAD_UNITS_MAX_LAYER_STEPS,
        "DEAD_UNITS_MAX_LAYER_STEPS",
        "depth x steps x number of f",
    )
    check_limit(
        "steps",
        t.depth * t.width * t.width * t.batch * t.steps * n,
        settings.DEAD_UNITS_MAX_WORK,
        "DEAD_UNITS_MAX_WORK",
        "depth x width² x batch x steps x number of f",
    )
    check_evaluations(functions, t.depth * t.width * t.batch * t.steps)
    return analysis.dead_units(
        functions,
        depth=t.depth,
        width=t.width,
        batch=t.batch,
        steps=t.steps,
        lr=t.lr,
        init=t.init,
        std=t.std,
        seed=t.seed,
        checkpoints=min(t.checkpoints, t.steps),
    )


@router.get(
    "/dead-units",
    response_model=DeadUnitsResponse,
    responses=RESPONSES,
    dependencies=[StrictQuery, JsonOnly, HeavySlot],
    summary="Fraction of dead units while a network trains with plain SGD, per function",
)
def read_dead_units(request: Request, training: TrainingDep, functions: TrainingFunctionsDep) -> Response:
    """Train on a small regression task; at each checkpoint, count units whose output is 0 on a whole probe batch.

    A dead unit gets no gradient through its own weights; only a change in the layers below it,
    or a training input unlike the probe batch, can bring it back, so the fraction can fall as
    well as rise. Training stops at the first step whose weights are not finite (`diverged_at_step`).
    """
    t = training
    runs = _train(functions, t)
    return json_response(
        {
            "network": {
                "depth": t.depth,
                "width": t.width,
                "inputs": TASK_INPUTS,
                "init": t.init.value,
                "init_rule": INIT_RULES[t.init],
                "std": t.std_used,
                "seed": t.seed,
            },
            "training": {
                "optimizer": "plain SGD: no momentum, no weight decay, a fresh batch each step",
                "lr": t.lr,
                "steps": t.steps,
                "batch": t.batch,
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
            "request": request_url(request, {"f": [fn.name for fn in functions], **t.resolved()}),
        }
    )


@dataclass(frozen=True)
class DeadPlot:
    """Everything that decides a dead-units plot."""

    functions: list[Nonlinearity]
    options: ImageOptions
    training: Training

    def key(self) -> dict[str, object]:
        t = self.training
        return {
            "plot": "dead-units",
            "f": [f.name for f in self.functions],
            "network": [t.depth, t.width, t.lr, t.steps, t.batch, t.init.value, t.std_used, t.seed],
            "checkpoints": t.checkpoints,
            "options": self.options,
        }


async def get_dead_plot(
    training: TrainingDep, options: NetworkPlotOptionsDep, functions: TrainingFunctionsDep
) -> DeadPlot:
    return DeadPlot(functions, options, training)


DeadPlotDep = Annotated[DeadPlot, Depends(get_dead_plot)]


@router.get(
    "/dead-units/plot",
    response_class=Response,
    responses=PLOT_RESPONSES,
    dependencies=[StrictQuery],
    summary="Plot the fraction of dead units against the training step",
)
def read_dead_units_plot(
    request: Request, plot: DeadPlotDep, slot: Annotated[None, heavy_slot_unless_cached(get_dead_plot)]
) -> Response:
    """Dead fraction (all layers together) against the SGD step, one line per function."""
    t = plot.training

    def render() -> Any:
        runs = _train(plot.functions, t)
        lines = [
            Line(_run_label(run), np.array(run.steps, dtype=np.float64), np.array(run.dead_fraction)) for run in runs
        ]
        title = f"Dead units, SGD at lr {t.lr:g} ({t.depth} x {t.width}, {t.init.value} init)"
        return render_lines(
            lines, options=plot.options, title=title, xlabel="step", ylabel="fraction of units dead", integer_x=True
        )

    return plot_response(request, plot.key(), render, filename="dead-units")


def _run_label(run: analysis.DeadRun) -> str:
    """The legend label; a run that diverged says so, since its line stops early."""
    if run.diverged_at_step is None:
        return run.label
    return f"{run.label} (diverged at step {run.diverged_at_step})"
