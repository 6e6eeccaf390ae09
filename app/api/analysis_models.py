"""Response models of the analysis endpoints, as they appear in the OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel, Field

_REQUEST = "the same request with every parameter spelled out: GET it to reproduce this response"
Intervals = list[list[float]]


class Sparsity(BaseModel):
    fraction_zero: float = Field(description="fraction of the N(0, sigma²) inputs where f(x) is exactly 0")
    standard_error: float = Field(description="sampling standard error of fraction_zero, sqrt(p(1-p)/samples)")
    inputs: str
    zero_intervals: Intervals = Field(description="[start, end] x-intervals of the range where f(x) = 0 exactly")
    zero_points: list[float] = Field(description="isolated zeros of f on the range (roots and single points)")
    zero_fraction_of_range: float


class SaturationInfo(BaseModel):
    eps: float = Field(description="threshold on |f'(x)|")
    eps_rule: str
    intervals: Intervals = Field(description="[start, end] x-intervals where |f'(x)| < eps (or f'(x) = 0)")
    fraction_of_range: float


class GradientInfo(BaseModel):
    max_abs: float | None = Field(description="largest |f'(x)| on the range")
    argmax: float | None = Field(description="an x where it is reached")
    at_zero: float | None = Field(description="f'(0)")
    depth: int
    gain_bound: float | None = Field(description="max|f'|^depth: a chain of depth derivative factors is at most this")
    log10_gain_bound: float | None


class OutputInfo(BaseModel):
    sigma: float
    samples: int
    seed: int
    mean: float | None = Field(description="mean of f(X), X ~ N(0, sigma²): 0 for a zero-centred output")
    mean_standard_error: float | None
    variance: float | None
    negative_fraction: float
    undefined: int = Field(description="inputs where f is not finite, left out of mean and variance")


class RangeInfo(BaseModel):
    x_min: float
    x_max: float
    num: int


class AnalysisResponse(BaseModel):
    name: str
    label: str
    params: dict[str, float | str]
    range: RangeInfo
    sparsity: Sparsity
    saturation: SaturationInfo
    gradient: GradientInfo
    outputs: OutputInfo
    request: str = Field(description=_REQUEST)


class FlowNetwork(BaseModel):
    depth: int
    width: int
    batch: int
    init: str
    init_rule: str
    std: float | None
    seed: int
    inputs: str
    loss: str


class FlowSeries(BaseModel):
    f: str = Field(description="the function, as a normalised name or expression")
    label: str
    weight_grad_norm: list[float | None] = Field(description="|dL/dW_l| for l = 1 (input side) .. depth")
    output_grad_norm: list[float | None] = Field(description="|dL/dh_l|, the gradient reaching layer l's output")
    activation_std: list[float | None] = Field(description="standard deviation of layer l's outputs")
    zero_fraction: list[float] = Field(description="fraction of layer l's outputs that are exactly 0 (sparsity)")
    ratio_per_layer: float | None = Field(description="(|dL/dh_1| / |dL/dh_depth|)^(1/(depth-1))")


class GradientFlowResponse(BaseModel):
    network: FlowNetwork
    functions: list[FlowSeries]
    request: str = Field(description=_REQUEST)


class TrainingNetwork(BaseModel):
    depth: int
    width: int
    inputs: int
    init: str
    init_rule: str
    std: float | None
    seed: int


class TrainingInfo(BaseModel):
    optimizer: str
    lr: float
    steps: int
    batch: int
    task: str
    dead: str


class DeadSeries(BaseModel):
    f: str
    label: str
    steps: list[int] = Field(description="the checkpoints (step 0 is before training)")
    loss: list[float | None] = Field(description="loss on the probe batch at each checkpoint")
    dead_fraction: list[float] = Field(description="fraction of all hidden units dead at each checkpoint")
    dead_fraction_per_layer: list[list[float]]
    final_dead_fraction: float
    final_loss: float | None
    diverged_at_step: int | None = Field(description="the step at which the weights stopped being finite, if any")


class DeadUnitsResponse(BaseModel):
    network: TrainingNetwork
    training: TrainingInfo
    functions: list[DeadSeries]
    request: str = Field(description=_REQUEST)


class CostSeries(BaseModel):
    f: str
    label: str
    value_ns_per_element: float
    derivative_ns_per_element: float
    value_relative_to_relu: float | None
    derivative_relative_to_relu: float | None
    value_repeats_ns_per_element: list[float]
    derivative_repeats_ns_per_element: list[float]


class CostResponse(BaseModel):
    note: str
    n: int
    repeats: int
    seed: int
    inputs: str
    numpy: str
    machine: str
    baseline: CostSeries = Field(description="ReLU, measured the same way in the same request")
    functions: list[CostSeries]
    request: str = Field(description=_REQUEST)
