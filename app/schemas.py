"""Request and response models, as they appear in the OpenAPI document, each built from the core's result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, Self

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from app.config import settings
from app.core import analysis
from app.core.curves import CurveSet, Evaluation, ExpressionCurve, FunctionCurve, Kind, Values
from app.core.evaluate import Method
from app.core.functions import Array
from app.core.precision import Dtype
from app.core.registry import MAX_ORDER

# Strict: JSON true or "1" is not a number here (lax validation would read them as 1.0).
FiniteFloat = Annotated[float, Field(allow_inf_nan=False, strict=True)]
ParamValue = FiniteFloat | str


class ParamInfo(BaseModel):
    name: str
    default: float | str
    description: str
    type: str = Field(description="'number' or 'string'")
    minimum: float | None
    maximum: float | None
    suggested_range: list[float] | None = Field(description="a sensible slider range")
    choices: list[str] | None


class KinkInfo(BaseModel):
    where: str
    at_defaults: float
    derivative: str = Field(description="the derivative taken at this point, as in PyTorch's autograd")
    second_derivative: float = Field(
        description="f″ at this point at the defaults, as PyTorch's nested autograd gives it (or the exact value)"
    )
    third_derivative: float = Field(
        description="f‴ at this point at the defaults, as PyTorch's nested autograd gives it (or the exact value)"
    )


class PropertiesInfo(BaseModel):
    output_range: list[float | None] = Field(description="[min, max] at the defaults; null for an unbounded side")
    monotonic: bool
    smooth: bool
    zero_centred: bool
    saturates_left: bool
    saturates_right: bool
    sparse: bool
    uses_exp: bool


class ActivationInfo(BaseModel):
    name: str = Field(examples=["relu"])
    label: str = Field(examples=["ReLU"])
    aliases: list[str]
    formula: str
    latex: str
    latex_derivative: str
    params: list[ParamInfo]
    kinks: list[KinkInfo]
    properties: PropertiesInfo
    references: list[str]
    smoothness: int | Literal["infinite"] = Field(
        description="at the defaults, the largest k such that f is k times continuously differentiable: 0 for a "
        "jump in f′, -1 for a jump in f itself, 'infinite' when no derivative ever jumps",
        examples=[0],
    )
    second_derivative_vanishes: bool = Field(description="f″ = 0 wherever it exists: f is piecewise linear")
    higher_derivatives_note: str | None = Field(
        description="what f″ and f‴ do that needs saying (a surprising convention at a kink, or where PyTorch "
        "gives nan or no second derivative); null when nothing does"
    )


class PrecisionError(BaseModel):
    """How far an answer computed in a low-precision dtype is from the exact (float64) values, point by point."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "points": 5,
                    "y_max_ulp": 0.25,
                    "y_max_ulp_at": 9.0,
                    "dy_max_ulp": 1035.0,
                    "dy_max_ulp_at": 9.0,
                    "y_exact_share": 1.0,
                    "dy_exact_share": 0.2,
                    "underflows": 2,
                    "nonfinite": 0,
                }
            ]
        }
    )

    points: int
    y_max_ulp: float = Field(description="largest |y − f(x)| in units in the last place of the dtype")
    y_max_ulp_at: float | None = Field(description="an x where it is reached")
    dy_max_ulp: float = Field(description="largest |dy − f′(x)| in units in the last place of the dtype")
    dy_max_ulp_at: float | None = Field(description="an x where it is reached")
    y_exact_share: float = Field(description="share of the points where y is the exact f(x) rounded to the dtype")
    dy_exact_share: float = Field(description="share of the points where dy is the exact f′(x) rounded to the dtype")
    underflows: int = Field(description="points where dy is exactly 0 although the exact f′ is not: it underflowed")
    nonfinite: int = Field(description="points where y or dy is inf or nan although the exact value is finite")


class ValuesResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "elu",
                    "params": {"alpha": 1.0},
                    "method": "analytic",
                    "x": [-1.0, 0.0, 1.0],
                    "y": [-0.6321205588285577, 0.0, 1.0],
                    "dy": [0.36787944117144233, 1.0, 1.0],
                    "d2y": [0.36787944117144233, 0.0, 0.0],
                }
            ]
        }
    )

    name: str = Field(examples=["leaky_relu"])
    params: dict[str, float | str] = Field(description="effective parameters, defaults filled in")
    method: Method
    dtype: Dtype | None = Field(None, description="the dtype computed in; present when it is not float64")
    x: list[float]
    y: list[float | None] = Field(description="f(x); null only where a low-precision dtype overflows (see error)")
    dy: list[float | None] | None = Field(None, description="f'(x); absent when derivative=false or order=0")
    d2y: list[float] | None = Field(None, description="f″(x); present when order is 2 or 3")
    d3y: list[float] | None = Field(None, description="f‴(x); present when order is 3")
    error: PrecisionError | None = Field(
        None, description="against the exact values; present when dtype is not float64"
    )


class EvaluationFields(BaseModel):
    """Which derivatives, and how: as a query string gives them (a body model makes them strict).

    ``derivative=false`` is ``order=0``; the two must agree when both are given.
    """

    derivative: bool = Field(
        True,
        description="include f'(x): as dy in numbers, as a second panel in plots; false is order=0",
        examples=[True],
    )
    order: int | None = Field(
        None,
        ge=0,
        le=MAX_ORDER,
        description="the highest derivative returned: 0 is f alone, 1 (the default) adds f′ (dy), 2 adds f″ "
        "(d2y), 3 adds f‴ (d3y), each with PyTorch's conventions at kinks. derivative=false means order=0; "
        "derivative=false with an order of 1 to 3, or derivative=true with order=0, is a 422",
        # Examples are sent together by "Try it out": they must agree (orders 2 and 3 are float64 only).
        examples=[1],
    )
    method: Method = Field(
        Method.analytic,
        description="the derivatives: analytic (exact) or numeric (central differences of each order)",
        examples=["analytic"],
    )
    dtype: Dtype = Field(
        Dtype.float64,
        description="the precision of the numbers: float64 (default, exact), or float32, float16 or bfloat16, where "
        "the inputs are rounded to the dtype and f and f′ are computed as PyTorch's CPU kernels compute them in "
        "it (half types in float32, rounded once per kernel; sigmoid′ and tanh′ from the rounded output). Every "
        "number returned is then a value of the dtype, and JSON adds an `error` object against the exact values. "
        "Orders above 1, and method=numeric, are float64 only",
        examples=["bfloat16"],
    )

    @model_validator(mode="after")
    def _agree(self) -> Self:
        self.evaluation()
        return self

    def evaluation(self) -> Evaluation:
        given = self.derivative if "derivative" in self.model_fields_set else None
        try:
            return Evaluation.asked(given, self.order, self.method, self.dtype)
        except ValueError as exc:
            raise PydanticCustomError("value_error", str(exc)) from None


class _Evaluation(EvaluationFields):
    # JSON true or 1.0 is not a boolean or an order here (lax validation would read them so).
    derivative: StrictBool = Field(True, description="include f'(x) as dy; false is order=0")
    order: StrictInt | None = Field(
        None, ge=0, le=MAX_ORDER, description="the highest derivative returned, as the query parameter of GET"
    )
    method: Method = Method.analytic


class ValuesRequest(_Evaluation):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"x": [-1.0, 0.0, 0.5, 2.0], "params": {}, "derivative": True}]},
    )

    x: list[FiniteFloat] = Field(min_length=1, max_length=settings.MAX_POINTS, description="points to evaluate at")
    params: dict[str, ParamValue] = Field(default_factory=dict, description="the function's parameters")


class ErrorMessage(BaseModel):
    detail: str
    suggestions: list[str] | None = Field(None, description="known names close to the one asked for")
    request_id: str | None = Field(None, description="the request's X-Request-ID: quote it when reporting a problem")


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    version: str


class ExpressionValuesResponse(BaseModel):
    expr: str = Field(examples=["2 * sigmoid(2 * x) - 1"], description="the expression, normalised")
    label: str = Field(description="a label for legends")
    method: Method
    dtype: Dtype | None = Field(None, description="the dtype computed in; present when it is not float64")
    undefined: int = Field(description="points where f is undefined or overflows; their y (and dy) is null")
    undefined_dy: int = Field(description="points where f' is undefined or infinite; their dy is null")
    undefined_d2y: int | None = Field(
        None, description="points where f″ is undefined or infinite (null in d2y); present when order is 2 or 3"
    )
    undefined_d3y: int | None = Field(
        None, description="points where f‴ is undefined or infinite (null in d3y); present when order is 3"
    )
    x: list[float]
    y: list[float | None]
    dy: list[float | None] | None = Field(None, description="f'(x); absent when derivative=false or order=0")
    d2y: list[float | None] | None = Field(None, description="f″(x); present when order is 2 or 3")
    d3y: list[float | None] | None = Field(None, description="f‴(x); present when order is 3")
    error: PrecisionError | None = Field(
        None, description="against the exact values; present when dtype is not float64"
    )


class ExpressionValuesRequest(_Evaluation):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"expr": "2*sigmoid(2*x) - 1", "x": [-1.0, 0.0, 0.5, 2.0]}]},
    )

    expr: str = Field(description="an expression in x, as for GET /v1/expressions/values")
    x: list[FiniteFloat] = Field(min_length=1, max_length=settings.MAX_POINTS, description="points to evaluate at")


class Series(BaseModel):
    expr: str = Field(description="the expression, normalised")
    label: str = Field(description="the label given, else the function's label or the expression")
    y: list[float | None]
    dy: list[float | None] | None = Field(None, description="f'(x); absent when derivative=false or order=0")
    d2y: list[float | None] | None = Field(None, description="f″(x); present when order is 2 or 3")
    d3y: list[float | None] | None = Field(None, description="f‴(x); present when order is 3")
    undefined: int = Field(description="points where f is undefined or overflows (null in y)")
    undefined_dy: int = Field(description="points where f' is undefined or infinite (null in dy)")
    undefined_d2y: int | None = Field(
        None, description="points where f″ is undefined or infinite (null in d2y); present when order is 2 or 3"
    )
    undefined_d3y: int | None = Field(
        None, description="points where f‴ is undefined or infinite (null in d3y); present when order is 3"
    )
    error: PrecisionError | None = Field(
        None, description="against the exact values; present when dtype is not float64"
    )


class CompareResponse(BaseModel):
    method: Method
    dtype: Dtype | None = Field(None, description="the dtype computed in; present when it is not float64")
    x: list[float]
    series: list[Series]


# Analysis

# The core names a function's result "name"; the answers call it "f", as the query does.
_NAME = AliasChoices("f", "name")
_REQUEST = "the same request with every parameter spelled out: GET it to reproduce this response"


def _pairs(intervals: Any) -> Any:
    """The core's intervals as [start, end] pairs."""
    if isinstance(intervals, list) and all(isinstance(i, analysis.Interval) for i in intervals):
        return [[i.start, i.end] for i in intervals]
    return intervals


Intervals = Annotated[list[list[float]], BeforeValidator(_pairs)]


class Sparsity(BaseModel):
    fraction_zero: float = Field(description="fraction of the N(0, sigma²) inputs where f(x) is exactly 0")
    standard_error: float = Field(description="sampling standard error of fraction_zero, sqrt(p(1-p)/samples)")
    inputs: str
    zero_intervals: Intervals = Field(description="[start, end] x-intervals of the range where f(x) = 0 exactly")
    zero_points: list[float] = Field(description="isolated zeros of f on the range (roots and single points)")
    zero_fraction_of_range: float


class SaturationInfo(BaseModel):
    eps: float = Field(description="threshold on |f'(x)|: 0.1 unless eps is given")
    eps_rule: str = Field(examples=["|f'(x)| < 0.1"])
    why: str = Field(description="why this threshold")
    intervals: Intervals = Field(description="[start, end] x-intervals where |f'(x)| < eps (or f'(x) = 0)")
    fraction_of_range: float = Field(validation_alias=AliasChoices("fraction_of_range", "fraction"))
    left: bool = Field(description="saturated at the left end of the range: an interval reaches x_min")
    right: bool = Field(description="saturated at the right end of the range: an interval reaches x_max")


class GradientInfo(BaseModel):
    max_abs: float | None = Field(description="largest |f'(x)| on the range")
    argmax: float | None = Field(description="an x where it is reached")
    at_zero: float | None = Field(description="f'(0)")
    depth: int
    gain_bound: float | None = Field(description="max|f'|^depth: a chain of depth derivative factors is at most this")
    log10_gain_bound: float | None
    max_abs_second: float | None = Field(None, description="largest |f″(x)| on the range")
    argmax_second: float | None = Field(None, description="an x where it is reached")


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
    output_range: list[float | None] = Field(
        description="[infimum, supremum] of f over all real x at these parameters; null for an unbounded side",
        min_length=2,
        max_length=2,
    )
    smoothness: int | Literal["infinite"] | None = Field(
        description="how many times f is continuously differentiable at these parameters (-1: f itself jumps), "
        "from the one-sided limits at every kink; null for an expression",
        examples=[0],
    )
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
    f: str = Field(description="the function, as a normalised name or expression", validation_alias=_NAME)
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
    f: str = Field(validation_alias=_NAME)
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
    f: str = Field(validation_alias=_NAME)
    label: str
    value_ns_per_element: float
    derivative_ns_per_element: float
    value_relative_to_relu: float | None = Field(
        validation_alias=AliasChoices("value_relative_to_relu", "value_relative")
    )
    derivative_relative_to_relu: float | None = Field(
        validation_alias=AliasChoices("derivative_relative_to_relu", "derivative_relative")
    )
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


# The JSON keys of f and its derivatives, and of their counts of undefined points.
ORDER_KEYS = ("y", "dy", "d2y", "d3y")
UNDEFINED_KEYS = ("undefined", "undefined_dy", "undefined_d2y", "undefined_d3y")


def values_model(
    subject: CurveSet, x: Array, results: Sequence[Values], how: Evaluation, errors: Sequence[Any] = ()
) -> ValuesResponse | ExpressionValuesResponse | CompareResponse:
    """The JSON answer of a values request, its arrays left as numpy arrays (nan where undefined) for the encoder.

    Only the derivatives asked for are set, and ``dtype`` and each curve's ``error`` (the core's
    error summaries, one per curve) only in a low-precision dtype: a field not set is not written.
    """
    series: list[dict[str, Any]] = []
    for i, (curve, v) in enumerate(zip(subject.curves, results, strict=True)):
        orders = dict(zip(ORDER_KEYS, v.orders, strict=False))
        error = {"error": PrecisionError.model_validate(errors[i], from_attributes=True)} if errors else {}
        if isinstance(curve, FunctionCurve):
            series.append({"name": curve.activation.name, "params": curve.params, **orders, **error})
        else:
            assert isinstance(curve, ExpressionCurve)
            undefined = dict(zip(UNDEFINED_KEYS, v.undefined_counts, strict=False))
            series.append({"expr": curve.expression.text, "label": curve.label, **orders, **undefined, **error})
    grid: dict[str, Any] = {"method": how.method, "x": x}
    if how.dtype is not Dtype.float64:
        grid["dtype"] = how.dtype
    if subject.kind is Kind.comparison:
        return CompareResponse.model_construct(**grid, series=[Series.model_construct(**fields) for fields in series])
    (fields,) = series
    if subject.kind is Kind.function:
        return ValuesResponse.model_construct(**fields, **grid)
    return ExpressionValuesResponse.model_construct(**fields, **grid)


def analysis_model(
    f: analysis.Analysis,
    name: str,
    label: str,
    params: dict[str, Any],
    x_range: RangeInfo,
    request: str,
    smoothness: int | Literal["infinite"] | None,
) -> AnalysisResponse:
    out, zeros = f.outputs, f.zeros
    return AnalysisResponse(
        name=name,
        label=label,
        params=params,
        range=x_range,
        output_range=list(f.output_range),
        smoothness=smoothness,
        sparsity=Sparsity(
            fraction_zero=out.sparsity,
            standard_error=out.sparsity_standard_error,
            inputs=f"N(0, {out.sigma:g}²), {out.samples} samples, seed {out.seed}",
            zero_intervals=_pairs(zeros.intervals),
            zero_points=zeros.points,
            zero_fraction_of_range=zeros.fraction,
        ),
        saturation=SaturationInfo.model_validate(f.saturation, from_attributes=True),
        gradient=GradientInfo.model_validate(f.gradient, from_attributes=True),
        outputs=OutputInfo.model_validate(out, from_attributes=True),
        request=request,
    )


class DtypePrecision(BaseModel):
    """Where f and f′ computed in one dtype break down: every x is a representable number of the dtype."""

    dtype: Dtype
    inputs: str = Field(description="the inputs checked: every finite value of a 16-bit dtype, or a stated sample")
    points: int
    zero_gradient_from: float | None = Field(
        description="the smallest x > 0 from which f′ is exactly 0 at every input (null: nowhere)"
    )
    zero_gradient_below: float | None = Field(
        description="the largest x < 0 below which f′ is exactly 0 at every input (null: nowhere)"
    )
    saturates_from: float | None = Field(description="the smallest x > 0 from which f equals upper_bound exactly")
    upper_bound: float | None = Field(description="the value f reaches exactly towards +inf, where it has one")
    saturates_below: float | None = Field(description="the largest x < 0 below which f equals lower_bound exactly")
    lower_bound: float | None = Field(description="the value f reaches exactly towards -inf, where it has one")
    nonfinite_value_from: float | None = Field(description="the smallest x > 0 where f is inf or nan")
    nonfinite_value_below: float | None = Field(description="the largest x < 0 where f is inf or nan")
    nonfinite_gradient_from: float | None = Field(description="the smallest x > 0 where f′ is inf or nan")
    nonfinite_gradient_below: float | None = Field(description="the largest x < 0 where f′ is inf or nan")
    error: PrecisionError | None = Field(description="against the exact values over the inputs; null for float64")


class PrecisionResponse(BaseModel):
    name: str = Field(description="the function, or the normalised expression")
    label: str
    params: dict[str, float | str]
    dtypes: list[DtypePrecision] = Field(description="float64, float32, float16 and bfloat16, in that order")
    request: str = Field(description=_REQUEST)
