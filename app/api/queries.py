"""Every operation's query string, declared once as pydantic models and read by FastAPI (``Annotated[M, Query()]``).

The OpenAPI document lists each model's fields as the operation's query parameters. A model
refuses names it does not declare (``extra="forbid"``), except on a function's own routes, where
any other name is one of the function's parameters and is checked against the registry. Checks
that involve two fields are field validators on the later one, so that an error names it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from app.config import settings
from app.core.curves import Grid
from app.core.networks import Init
from app.render import ImageFormat, ImageOptions, Lang, Theme, missing_glyphs
from app.render.curves import ShadeKind
from app.schemas import EvaluationFields
from app.web.encoding import Format
from app.web.negotiation import negotiate_image

LANGUAGE = (
    "An expression in x: numbers, pi and e, + - * /, ** with a constant exponent, parentheses, "
    "exp, log, log1p, expm1, sqrt, abs, sin, cos, erf, minimum(a, b), maximum(a, b), and every "
    "activation by any of its names with its parameters by name, as in `leaky_relu(x, negative_slope=0.2)`. "
    f"A bare name (`relu`) is that function of x. At most {settings.EXPR_MAX_LENGTH} characters; in a URL, "
    "send + as %2B."
)
_LIMIT = settings.MAX_ABS_X
_SIZE: dict[str, Any] = {"ge": settings.PLOT_MIN_SIZE, "le": settings.PLOT_MAX_SIZE}


def _error(msg: str) -> PydanticCustomError:
    return PydanticCustomError("value_error", msg)


# Set on each operation's model: mixins' configurations would be merged in an order easy to misread.
_FORBID = ConfigDict(extra="forbid")
_ALLOW = ConfigDict(extra="allow")


class _WithParams(BaseModel):
    """A function's route: names not declared here are the function's own parameters (``extra="allow"``)."""

    def function_params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


# The subject of an expression or a comparison.


class _Expression(BaseModel):
    expr: str = Field(description=LANGUAGE, examples=["2*sigmoid(2*x) - 1", "leaky_relu(x, negative_slope=0.2)"])


class _Curves(BaseModel):
    f: list[str] = Field(
        description=f"one curve per `f`, at most {settings.COMPARE_MAX_CURVES}: a function name or an expression. "
        f"{LANGUAGE}",
        examples=[["tanh", "2*sigmoid(2*x) - 1"]],
    )
    label: list[str] | None = Field(
        None,
        description="legend labels, in the order of `f`; a missing or empty one is chosen for you",
        examples=[["tanh(x)", "2σ(2x) − 1"]],
    )


# The x grid, and what is computed on it.


class _Grid(BaseModel):
    x_min: float = Field(
        settings.DEFAULT_X_MIN,
        ge=-_LIMIT,
        le=_LIMIT,
        allow_inf_nan=False,
        description="left end of the x grid",
        examples=[-3.0],
    )
    x_max: float = Field(
        settings.DEFAULT_X_MAX,
        ge=-_LIMIT,
        le=_LIMIT,
        allow_inf_nan=False,
        description="right end of the x grid, included",
        examples=[3.0],
    )
    num: int = Field(
        settings.DEFAULT_NUM,
        ge=settings.MIN_NUM,
        le=settings.MAX_NUM,
        description="number of evenly spaced points",
        examples=[201],
    )

    @field_validator("x_max")
    @classmethod
    def _after_x_min(cls, x_max: float, info: ValidationInfo) -> float:
        x_min = info.data.get("x_min")
        if x_min is not None and x_max <= x_min:
            raise _error(f"x_max must be greater than x_min ({x_max:g} <= {x_min:g})")
        return x_max

    def x_grid(self) -> Grid:
        return Grid(self.x_min, self.x_max, self.num)


class _PlotGrid(_Grid):
    @field_validator("num")
    @classmethod
    def _plottable(cls, num: int) -> int:
        if num > settings.PLOT_MAX_NUM:
            raise _error(f"a plot takes at most {settings.PLOT_MAX_NUM} points (num)")
        return num


# derivative, order and method, declared once for query strings and bodies alike.
_Derivative = EvaluationFields


class _Output(BaseModel):
    format: Format | None = Field(
        None, description="json (default), csv or npy; overrides the Accept header", examples=["csv"]
    )
    decimals: int | None = Field(
        None,
        ge=1,
        le=17,
        description="round every number to this many decimal places (as Python's round) before encoding; "
        "shorter JSON and CSV",
        examples=[6],
    )


def _drawable(text: str) -> str:
    """Text a plot can draw as written: not too long, printable, every character in one of its fonts."""
    if len(text) > settings.PLOT_MAX_TITLE_LENGTH:
        raise _error(f"at most {settings.PLOT_MAX_TITLE_LENGTH} characters, got {len(text)}")
    if not text.isprintable():
        raise _error("printable text, without control characters")
    return _with_glyphs(text)


def _with_glyphs(text: str) -> str:
    missing = missing_glyphs(text)
    if missing:
        raise _error(
            f"no font of the plots can draw {missing[:10]!r} (they draw Latin, Greek, Cyrillic, Japanese and "
            "common symbols)"
        )
    return text


_Title = Annotated[str, AfterValidator(_drawable)]


class _ImageStyle(BaseModel):
    scale: int = Field(
        1, ge=1, le=settings.PLOT_MAX_SCALE, description="device pixels per CSS pixel (PNG only)", examples=[2]
    )
    theme: Theme = Field(Theme.light, description="light or dark background", examples=["dark"])
    grid: bool = Field(True, description="draw a dashed grid", examples=[True])
    format: ImageFormat | None = Field(
        None, description="png (default) or svg; overrides the Accept header", examples=["svg"]
    )
    font_scale: float = Field(
        1.0,
        ge=settings.PLOT_MIN_FONT_SCALE,
        le=settings.PLOT_MAX_FONT_SCALE,
        allow_inf_nan=False,
        description="text size relative to the default for the figure's size, with lines and marks in proportion: "
        "2 for a slide. Where panels would have no room left for their data the text is smaller",
        examples=[2.0],
    )
    lang: Lang = Field(
        Lang.en,
        description="the language of the words drawn: en (default) or ja, in the article's words (titles such as "
        "ReLU関数, ReLUの導関数, ReLUの2階導関数; axis labels and legends)",
        examples=["ja"],
    )
    title: _Title | None = Field(
        None,
        description="the figure's title, in place of the default (the top panel's); empty for none, and the plot "
        "takes its room. By default a function is titled with its name and the parameters that differ from its "
        "defaults, by the formula's letters: `ELU (α = 2)`, with lang=ja `ELU関数 (α = 2)`",
        examples=["ReLU（ランプ関数）"],
    )

    def _panel_titles(self) -> tuple[str, ...]:
        return ()

    def _options(self, request: Request, width: int, height: int) -> ImageOptions:
        chosen = negotiate_image(request, self.format)
        # An SVG does not depend on the scale: one canonical value keeps one cache entry per picture.
        return ImageOptions(
            width,
            height,
            self.scale if chosen is ImageFormat.png else 1,
            self.theme,
            self.grid,
            chosen,
            font_scale=self.font_scale,
            lang=self.lang,
            title=self.title,
            panel_titles=self._panel_titles(),
        )


class _PanelTitles(BaseModel):
    """Titles of the panels below the top one: the derivatives'."""

    panel_title: list[_Title] | None = Field(
        None,
        description="titles of the panels below the top one, in order: f′'s first, then f″'s and f‴'s, one "
        "`panel_title` each (`panel_title=傾き`); an empty one removes its panel's title, and panels not given "
        "one keep the default. At most one per derivative drawn",
        examples=[["slope"]],
    )

    @field_validator("panel_title")
    @classmethod
    def _one_per_derivative(cls, titles: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if "derivative" not in info.data or "order" not in info.data:
            return titles
        order = info.data["order"]
        below = (1 if info.data["derivative"] else 0) if order is None else order
        if titles and len(titles) > below:
            raise _error(f"{len(titles)} panel titles for {below} panels below the top one (one per derivative)")
        return titles

    def _panel_titles(self) -> tuple[str, ...]:
        return tuple(self.panel_title or ())


def _check_pixels(width: int, height: int, scale: int) -> int:
    pixels = width * scale * height * scale
    if pixels > settings.PLOT_MAX_PIXELS:
        raise _error(
            f"width*scale x height*scale is {pixels:,} pixels; at most {settings.PLOT_MAX_PIXELS:,} are allowed"
        )
    return scale


class _Image(BaseModel):
    width: int = Field(settings.PLOT_DEFAULT_WIDTH, **_SIZE, description="width in CSS pixels", examples=[800])
    height: int = Field(settings.PLOT_DEFAULT_HEIGHT, **_SIZE, description="height in CSS pixels", examples=[600])


class _ImageOptions(_ImageStyle, _Image):
    @field_validator("scale")
    @classmethod
    def _within_pixels(cls, scale: int, info: ValidationInfo) -> int:
        return _check_pixels(info.data.get("width", 1), info.data.get("height", 1), scale)

    def image_options(self, request: Request) -> ImageOptions:
        return self._options(request, self.width, self.height)


def _known_shades(text: str) -> str:
    for part in text.split(","):
        name = part.strip().lower()
        if name and name not in ShadeKind.__members__:
            choices = ", ".join(k.value for k in ShadeKind)
            raise _error(f"unknown shade {name[:40]!r}; use {choices}")
    return text


class _Shade(BaseModel):
    shade: list[Annotated[str, AfterValidator(_known_shades)]] | None = Field(
        None,
        description="comma-separated extras: `saturation` shades where |f′(x)| < 0.1 (the analysis' default "
        "threshold), "
        "`zeros` shades where f(x) is exactly 0 and marks its isolated zeros",
        examples=["saturation,zeros"],
    )

    def shades(self) -> frozenset[ShadeKind]:
        return frozenset(
            ShadeKind(part.strip().lower()) for text in self.shade or [] for part in text.split(",") if part.strip()
        )


class _Seed(BaseModel):
    seed: int = Field(
        0,
        ge=0,
        le=2**32 - 1,
        description="seed of numpy's default_rng: the same seed gives the same numbers",
        examples=[42],
    )


class _Analysis(_Seed):
    eps: float | None = Field(
        None,
        ge=0,
        le=1e6,
        allow_inf_nan=False,
        description="saturated where |f'(x)| < eps; default 0.1: a layer there passes back under a tenth of "
        "its gradient, the same threshold for every function",
        examples=[0.001],
    )
    depth: int = Field(
        settings.ANALYSIS_DEFAULT_DEPTH,
        ge=1,
        le=settings.NETWORK_MAX_DEPTH,
        description="L of the per-layer gain bound max|f'|^L",
        examples=[20],
    )
    sigma: float = Field(
        1.0,
        gt=0,
        le=settings.ANALYSIS_MAX_SIGMA,
        allow_inf_nan=False,
        description="inputs are drawn from N(0, sigma²)",
        examples=[2.0],
    )
    samples: int = Field(
        settings.ANALYSIS_DEFAULT_SAMPLES,
        ge=1,
        le=settings.ANALYSIS_MAX_SAMPLES,
        description="number of N(0, sigma²) inputs",
        examples=[10000],
    )

    def resolved(self) -> dict[str, Any]:
        """The options that reproduce the answer; eps only when given."""
        eps = {} if self.eps is None else {"eps": self.eps}
        return {**eps, "depth": self.depth, "sigma": self.sigma, "samples": self.samples, "seed": self.seed}


# One model per operation.


class FunctionValuesQuery(_Output, _Derivative, _Grid, _WithParams):
    model_config = _ALLOW


class FunctionPlotQuery(_PanelTitles, _Shade, _ImageOptions, _Derivative, _PlotGrid, _WithParams):
    model_config = _ALLOW


class FunctionAnalysisQuery(_Analysis, _Grid, _WithParams):
    model_config = _ALLOW


class PointsQuery(_Output):
    model_config = _FORBID


class ExpressionValuesQuery(_Output, _Derivative, _Grid, _Expression):
    model_config = _FORBID


class ExpressionPlotQuery(_PanelTitles, _Shade, _ImageOptions, _Derivative, _PlotGrid, _Expression):
    model_config = _FORBID


class ExpressionAnalysisQuery(_Analysis, _Grid, _Expression):
    model_config = _FORBID


class CompareValuesQuery(_Output, _Derivative, _Grid, _Curves):
    model_config = _FORBID


class ComparePlotQuery(_PanelTitles, _ImageOptions, _Derivative, _PlotGrid, _Curves):
    model_config = _FORBID

    @field_validator("label")
    @classmethod
    def _drawable_labels(cls, labels: list[str] | None) -> list[str] | None:
        """Legend labels every character of which a font can draw (their length is checked with ``f``)."""
        for text in labels or []:
            _with_glyphs(text)
        return labels

    def shades(self) -> frozenset[ShadeKind]:
        """A comparison is not shaded."""
        return frozenset()


class FunctionPrecisionQuery(_WithParams):
    model_config = _ALLOW


class ExpressionPrecisionQuery(_Expression):
    model_config = _FORBID


class _PrecisionGrid(_PlotGrid):
    """A precision plot's grid: wide enough by default to reach where gradients vanish in half precision."""

    x_min: float = Field(
        -20.0, ge=-_LIMIT, le=_LIMIT, allow_inf_nan=False, description="left end of the x grid", examples=[-30.0]
    )
    x_max: float = Field(
        20.0,
        ge=-_LIMIT,
        le=_LIMIT,
        allow_inf_nan=False,
        description="right end of the x grid, included",
        examples=[30.0],
    )
    num: int = Field(
        1001, ge=settings.MIN_NUM, le=settings.MAX_NUM, description="number of evenly spaced points", examples=[2001]
    )


class FunctionPrecisionPlotQuery(_ImageOptions, _PrecisionGrid, _WithParams):
    model_config = _ALLOW


class ExpressionPrecisionPlotQuery(_ImageOptions, _PrecisionGrid, _Expression):
    model_config = _FORBID


ValuesOptions = FunctionValuesQuery | ExpressionValuesQuery | CompareValuesQuery
PlotOptions = FunctionPlotQuery | ExpressionPlotQuery | ComparePlotQuery
AnalysisOptions = FunctionAnalysisQuery | ExpressionAnalysisQuery
PrecisionPlotOptions = FunctionPrecisionPlotQuery | ExpressionPrecisionPlotQuery


# The analyses of /v1/analysis: the functions compared, the network, its training, the image.

_F = f"one per function compared, at most {settings.ANALYSIS_MAX_CURVES}: a name or an expression. {LANGUAGE}"


class _Functions(BaseModel):
    f: list[str] = Field(["relu", "sigmoid", "tanh"], description=_F, examples=[["relu", "sigmoid", "tanh"]])


class _TrainingFunctions(BaseModel):
    f: list[str] = Field(["relu", "leaky_relu"], description=_F, examples=[["relu", "elu"]])


class _Network(BaseModel):
    depth: int = Field(20, ge=1, le=settings.NETWORK_MAX_DEPTH, description="number of hidden layers", examples=[8])
    width: int = Field(64, ge=1, le=settings.NETWORK_MAX_WIDTH, description="units per layer", examples=[32])
    init: Init = Field(
        Init.he,
        description="weights: he N(0, 2/fan_in), xavier N(0, 2/(fan_in+fan_out)), lecun N(0, 1/fan_in), "
        "normal N(0, std²)",
        examples=["xavier"],
    )
    std: float = Field(
        1.0,
        gt=0,
        le=10,
        allow_inf_nan=False,
        description="standard deviation of the weights when init=normal",
        examples=[0.05],
    )
    batch: int = Field(256, ge=1, le=settings.NETWORK_MAX_BATCH, description="inputs per batch", examples=[100])

    @field_validator("width")
    @classmethod
    def _weights(cls, width: int, info: ValidationInfo) -> int:
        depth = info.data.get("depth", 1)
        if depth * width * width > settings.NETWORK_MAX_WEIGHTS:
            raise _error(
                f"depth x width² = {depth * width * width:,} weights is over the limit "
                f"NETWORK_MAX_WEIGHTS = {settings.NETWORK_MAX_WEIGHTS:,}"
            )
        return width

    @property
    def std_used(self) -> float | None:
        return self.std if self.init is Init.normal else None

    def resolved(self) -> dict[str, Any]:
        """The network's part of the query that reproduces the answer (all but ``f``), std only where it is used."""
        own = (set(_Training.model_fields) | set(_Seed.model_fields)) & set(type(self).model_fields)
        return self.model_dump(mode="json", include=own - ({"std"} if self.std_used is None else set()))


class _Training(_Network):
    depth: int = Field(4, ge=1, le=settings.NETWORK_MAX_DEPTH, description="number of hidden layers", examples=[8])
    batch: int = Field(64, ge=1, le=settings.NETWORK_MAX_BATCH, description="inputs per batch", examples=[100])
    lr: float = Field(0.5, gt=0, le=100, allow_inf_nan=False, description="learning rate of plain SGD", examples=[0.5])
    steps: int = Field(200, ge=1, le=settings.NETWORK_MAX_STEPS, description="SGD steps", examples=[300])
    checkpoints: int = Field(
        20,
        ge=1,
        le=settings.DEAD_UNITS_MAX_CHECKPOINTS,
        description="number of evenly spaced checkpoints",
        examples=[20],
    )


class _NetworkImageSize(BaseModel):
    image_width: int = Field(
        settings.PLOT_DEFAULT_WIDTH, **_SIZE, description="image width in CSS pixels", examples=[800]
    )
    image_height: int = Field(
        settings.PLOT_DEFAULT_HEIGHT, **_SIZE, description="image height in CSS pixels", examples=[600]
    )


class _NetworkImage(_ImageStyle, _NetworkImageSize):
    """The image options of a network plot: ``width`` there is the network's, so the image's is ``image_width``."""

    @field_validator("scale")
    @classmethod
    def _within_pixels(cls, scale: int, info: ValidationInfo) -> int:
        return _check_pixels(info.data.get("image_width", 1), info.data.get("image_height", 1), scale)

    def image_options(self, request: Request) -> ImageOptions:
        return self._options(request, self.image_width, self.image_height)


class GradientFlowQuery(_Seed, _Network, _Functions):
    model_config = _FORBID


class GradientFlowPlotQuery(_NetworkImage, GradientFlowQuery):
    model_config = _FORBID


class DeadUnitsQuery(_Seed, _Training, _TrainingFunctions):
    model_config = _FORBID


class DeadUnitsPlotQuery(_NetworkImage, DeadUnitsQuery):
    model_config = _FORBID


class CostQuery(_Seed, _Functions):
    model_config = _FORBID
    n: int = Field(
        settings.COST_DEFAULT_N, ge=1, le=settings.COST_MAX_N, description="elements per evaluation", examples=[100000]
    )
    repeats: int = Field(
        5, ge=1, le=settings.COST_MAX_REPEATS, description="timed runs; the median is reported", examples=[9]
    )
