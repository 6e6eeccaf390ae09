"""/v1/analysis: the article's claims over several functions — gradients through depth, dead units, cost."""

from __future__ import annotations

import platform
from collections.abc import Callable
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request, Response

from app.config import settings
from app.core import analysis, registry
from app.core.networks import INIT_RULES, TASK, TASK_INPUTS, Nonlinearity
from app.render import Image, ImageOptions
from app.render.curves import draw_dead_units, draw_gradient_flow
from app.schemas import (
    CostResponse,
    CostSeries,
    DeadSeries,
    DeadUnitsResponse,
    FlowNetwork,
    FlowSeries,
    GradientFlowResponse,
    TrainingInfo,
    TrainingNetwork,
)
from app.web.encoding import model_response
from app.web.limits import BUSY_RESPONSES, run_heavy
from app.web.negotiation import IMAGE_RESPONSES, JSON_ONLY_RESPONSES, JsonOnly
from app.web.routing import ApiRoute

from .. import curves
from ..deps import check_evaluations, check_limit, functions_of
from ..queries import CostQuery, DeadUnitsPlotQuery, DeadUnitsQuery, GradientFlowPlotQuery, GradientFlowQuery

router = APIRouter(route_class=ApiRoute)

_JSON_RESPONSES = {**BUSY_RESPONSES, **JSON_ONLY_RESPONSES}
_PLOT_RESPONSES = {**IMAGE_RESPONSES, **BUSY_RESPONSES}


def _flow_functions(query: GradientFlowQuery) -> list[Nonlinearity]:
    """The functions of ``f``, once the network is within every limit."""
    functions = functions_of(query.f)
    check_limit(
        "batch",
        query.depth * query.width * query.width * query.batch * len(functions),
        settings.GRADIENT_FLOW_MAX_WORK,
        "GRADIENT_FLOW_MAX_WORK",
        "depth x width² x batch x number of f",
    )
    check_evaluations(functions, query.depth * query.width * query.batch)
    return functions


def _flows(functions: list[Nonlinearity], query: GradientFlowQuery) -> list[analysis.Flow]:
    q = query
    return analysis.gradient_flow(
        functions, depth=q.depth, width=q.width, batch=q.batch, init=q.init, std=q.std, seed=q.seed
    )


@router.get(
    "/gradient-flow",
    response_model=GradientFlowResponse,
    summary="Gradient norm per layer of a random deep network, per function",
    responses=_JSON_RESPONSES,
    dependencies=[JsonOnly],
)
async def read_gradient_flow(request: Request, query: Annotated[GradientFlowQuery, Query()]) -> Response:
    """Forward a N(0, 1) batch through a random network (zero biases) and backpropagate the gradient of sum(outputs).

    Layer 1 is nearest the input. `output_grad_norm` is |dL/dh_l| (the signal backpropagated
    into layer l's output), `weight_grad_norm` is |dL/dW_l|; `ratio_per_layer` is
    (|dL/dh_1| / |dL/dh_L|)^(1/(L-1)): below 1 the gradient vanishes towards the input.
    Every function gets the same weights and the same batch.
    """
    functions = _flow_functions(query)
    flows = await run_heavy(lambda: _flows(functions, query))
    network = FlowNetwork(
        depth=query.depth,
        width=query.width,
        batch=query.batch,
        init=query.init.value,
        init_rule=INIT_RULES[query.init],
        std=query.std_used,
        seed=query.seed,
        inputs="N(0, 1)",
        loss="sum of the last layer's outputs (a unit gradient into every output)",
    )
    return model_response(
        GradientFlowResponse(
            network=network,
            functions=[FlowSeries.model_validate(flow, from_attributes=True) for flow in flows],
            request=_reproducing_url(request, functions, query),
        )
    )


@router.get(
    "/gradient-flow/plot",
    summary="Plot the gradient norm per layer, one line per function",
    response_class=Response,
    responses=_PLOT_RESPONSES,
)
async def read_gradient_flow_plot(request: Request, query: Annotated[GradientFlowPlotQuery, Query()]) -> Response:
    """|dL/dh_l| against layer l on a log scale: the picture of a vanishing (or exploding) gradient."""
    functions = _flow_functions(query)

    def draw(options: ImageOptions) -> Image:
        return draw_gradient_flow(_flows(functions, query), query.depth, query.width, query.init.value, options)

    return await _network_plot(request, "gradient-flow", query, functions, draw)


def _reproducing_url(request: Request, functions: list[Nonlinearity], query: GradientFlowQuery | DeadUnitsQuery) -> str:
    return curves.reproducing_url(request, {"f": [fn.name for fn in functions], **query.resolved()})


async def _network_plot(
    request: Request,
    name: str,
    query: GradientFlowPlotQuery | DeadUnitsPlotQuery,
    functions: list[Nonlinearity],
    draw: Callable[[ImageOptions], Image],
) -> Response:
    """The cached plot ``name`` of a network analysis."""
    options = query.image_options(request)
    key = {"plot": name, "f": [f.name for f in functions], "network": query.resolved()}
    return await curves.image(request, key, options, lambda: draw(options), filename=name)


def _training_functions(query: DeadUnitsQuery) -> list[Nonlinearity]:
    """The functions of ``f``, once the training is within every limit."""
    functions = functions_of(query.f)
    q, n = query, len(functions)
    check_limit(
        "steps",
        q.depth * q.steps * n,
        settings.DEAD_UNITS_MAX_LAYER_STEPS,
        "DEAD_UNITS_MAX_LAYER_STEPS",
        "depth x steps x number of f",
    )
    check_limit(
        "steps",
        q.depth * q.width * q.width * q.batch * q.steps * n,
        settings.DEAD_UNITS_MAX_WORK,
        "DEAD_UNITS_MAX_WORK",
        "depth x width² x batch x steps x number of f",
    )
    check_evaluations(functions, q.depth * q.width * q.batch * q.steps)
    return functions


def _runs(functions: list[Nonlinearity], query: DeadUnitsQuery) -> list[analysis.DeadRun]:
    q = query
    return analysis.dead_units(
        functions,
        depth=q.depth,
        width=q.width,
        batch=q.batch,
        steps=q.steps,
        lr=q.lr,
        init=q.init,
        std=q.std,
        seed=q.seed,
        checkpoints=min(q.checkpoints, q.steps),
    )


@router.get(
    "/dead-units",
    response_model=DeadUnitsResponse,
    summary="Fraction of dead units while a network trains with plain SGD, per function",
    responses=_JSON_RESPONSES,
    dependencies=[JsonOnly],
)
async def read_dead_units(request: Request, query: Annotated[DeadUnitsQuery, Query()]) -> Response:
    """Train on a small regression task; at each checkpoint, count units whose output is 0 on a whole probe batch.

    A dead unit gets no gradient through its own weights; only a change in the layers below it,
    or a training input unlike the probe batch, can bring it back, so the fraction can fall as
    well as rise. Training stops at the first step whose weights are not finite (`diverged_at_step`).
    """
    functions = _training_functions(query)
    runs = await run_heavy(lambda: _runs(functions, query))
    q = query
    return model_response(
        DeadUnitsResponse(
            network=TrainingNetwork(
                depth=q.depth,
                width=q.width,
                inputs=TASK_INPUTS,
                init=q.init.value,
                init_rule=INIT_RULES[q.init],
                std=q.std_used,
                seed=q.seed,
            ),
            training=TrainingInfo(
                optimizer="plain SGD: no momentum, no weight decay, a fresh batch each step",
                lr=q.lr,
                steps=q.steps,
                batch=q.batch,
                task=TASK,
                dead="a unit whose output is exactly 0 for every input of a fixed probe batch of the same size",
            ),
            functions=[DeadSeries.model_validate(run, from_attributes=True) for run in runs],
            request=_reproducing_url(request, functions, q),
        )
    )


@router.get(
    "/dead-units/plot",
    summary="Plot the fraction of dead units against the training step",
    response_class=Response,
    responses=_PLOT_RESPONSES,
)
async def read_dead_units_plot(request: Request, query: Annotated[DeadUnitsPlotQuery, Query()]) -> Response:
    """Dead fraction (all layers together) against the SGD step, one line per function."""
    functions = _training_functions(query)
    q = query

    def draw(options: ImageOptions) -> Image:
        return draw_dead_units(_runs(functions, q), q.lr, q.depth, q.width, q.init.value, options)

    return await _network_plot(request, "dead-units", query, functions, draw)


_COST_NOTE = (
    "Measured on this server for this request: the CPU time of one numpy call on n float64 inputs "
    "(time the measuring thread waits while other work runs is not counted), median of the repeats "
    "after one warm-up call; every function is timed once per round, in a new random order each round. "
    "It varies with hardware, load and library versions; read it as a measurement, not a constant. "
    "An expression computes f and f' in one forward-mode pass, so both of its timings are that pass."
)


@router.get(
    "/cost",
    response_model=CostResponse,
    summary="Measured time per element of each function and its derivative",
    responses=_JSON_RESPONSES,
    dependencies=[JsonOnly],
)
async def read_cost(request: Request, query: Annotated[CostQuery, Query()]) -> Response:
    """Nanoseconds per element of f(x) and f'(x) on n N(0, 1) inputs, on this server, now; and each relative to ReLU.

    A measurement, not a constant: it changes with the machine, its load and the numpy build.
    """
    functions = functions_of(query.f)
    n, repeats = query.n, query.repeats
    check_limit(
        "n",
        n * 2 * (repeats + 1) * (1 + sum(f.weight for f in functions)),
        settings.COST_MAX_WORK,
        "COST_MAX_WORK",
        "n x 2 x (repeats + 1) x (1 + the functions' weights: 1 per name, nodes per expression)",
    )
    relu = registry.get("relu")
    baseline = analysis.bind(relu, relu.defaults)
    costs, base = await run_heavy(
        lambda: analysis.measure_cost(functions, baseline, n=n, repeats=repeats, seed=query.seed)
    )
    resolved = {"f": [fn.name for fn in functions], "n": n, "repeats": repeats, "seed": query.seed}
    return model_response(
        CostResponse(
            note=_COST_NOTE,
            n=n,
            repeats=repeats,
            seed=query.seed,
            inputs="N(0, 1)",
            numpy=np.__version__,
            machine=platform.machine(),
            baseline=CostSeries.model_validate(base, from_attributes=True),
            functions=[CostSeries.model_validate(c, from_attributes=True) for c in costs],
            request=curves.reproducing_url(request, resolved),
        )
    )
