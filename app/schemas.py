"""Request and response models, as they appear in the OpenAPI document."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from app.config import settings
from app.core.evaluate import Method

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


class ValuesResponse(BaseModel):
    name: str = Field(examples=["leaky_relu"])
    params: dict[str, float | str] = Field(description="effective parameters, defaults filled in")
    method: Method
    x: list[float]
    y: list[float]
    dy: list[float] | None = Field(None, description="f'(x); absent when derivative=false")


class ValuesRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"x": [-1.0, 0.0, 0.5, 2.0], "params": {}, "derivative": True}]},
    )

    x: list[FiniteFloat] = Field(min_length=1, max_length=settings.MAX_POINTS, description="points to evaluate at")
    params: dict[str, ParamValue] = Field(default_factory=dict, description="the function's parameters")
    derivative: StrictBool = True
    method: Method = Method.analytic


class ErrorMessage(BaseModel):
    detail: str
    suggestions: list[str] | None = Field(None, description="known names close to the one asked for")


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    version: str


class ExpressionValuesResponse(BaseModel):
    expr: str = Field(examples=["2 * sigmoid(2 * x) - 1"], description="the expression, normalised")
    label: str = Field(description="a label for legends")
    method: Method
    undefined: int = Field(description="points where f is undefined or overflows; their y (and dy) is null")
    undefined_dy: int = Field(description="points where f' is undefined or infinite; their dy is null")
    x: list[float]
    y: list[float | None]
    dy: list[float | None] | None = Field(None, description="f'(x); absent when derivative=false")


class ExpressionValuesRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"expr": "2*sigmoid(2*x) - 1", "x": [-1.0, 0.0, 0.5, 2.0]}]},
    )

    expr: str = Field(description="an expression in x, as for GET /v1/expressions/values")
    x: list[FiniteFloat] = Field(min_length=1, max_length=settings.MAX_POINTS, description="points to evaluate at")
    derivative: StrictBool = True
    method: Method = Method.analytic


class Series(BaseModel):
    expr: str = Field(description="the expression, normalised")
    label: str = Field(description="the label given, else the function's label or the expression")
    y: list[float | None]
    dy: list[float | None] | None = Field(None, description="f'(x); absent when derivative=false")
    undefined: int = Field(description="points where f is undefined or overflows (null in y)")
    undefined_dy: int = Field(description="points where f' is undefined or infinite (null in dy)")


class CompareResponse(BaseModel):
    method: Method
    x: list[float]
    series: list[Series]
