"""The registry of activation functions: each function, its derivative and metadata.

Names and parameters follow ``torch.nn.functional`` with PyTorch's defaults; lookup is
case-insensitive and ignores ``_`` and ``-``, and accepts the usual aliases.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.core import functions as fn
from app.core.functions import Array

ParamValue = float | str
Params = dict[str, ParamValue]


class UnknownActivationError(LookupError):
    """Raised for a name that is neither a canonical name nor an alias."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Unknown activation function {name!r}.{hint}")


class ParamError(ValueError):
    """Raised for a parameter a function does not take, or a value out of bounds."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        self.message = message
        super().__init__(f"{param}: {message}")


@dataclass(frozen=True)
class Param:
    """One parameter of a function, with its default, bounds and a suggested range."""

    name: str
    default: ParamValue
    description: str
    minimum: float | None = None
    maximum: float | None = None
    suggested: tuple[float, float] | None = None
    choices: tuple[str, ...] | None = None

    def coerce(self, raw: object) -> ParamValue:
        """Return ``raw`` as this parameter's value, or raise ParamError."""
        if self.choices is not None:
            value = str(raw).strip().lower()
            if value not in self.choices:
                raise ParamError(self.name, f"must be one of {', '.join(self.choices)}")
            return value
        if isinstance(raw, bool):
            raise ParamError(self.name, "must be a number")
        try:
            number = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ParamError(self.name, f"must be a number, got {str(raw)[:40]!r}") from None
        if not math.isfinite(number):
            raise ParamError(self.name, "must be a finite number")
        if self.minimum is not None and number < self.minimum:
            raise ParamError(self.name, f"must be at least {self.minimum:g}")
        if self.maximum is not None and number > self.maximum:
            raise ParamError(self.name, f"must be at most {self.maximum:g}")
        return number


@dataclass(frozen=True)
class Kink:
    """A point where the formula changes branch, and the derivative taken there."""

    where: str
    derivative: str
    at: Callable[[Mapping[str, ParamValue]], float]


@dataclass(frozen=True)
class Properties:
    """Claims about a function at its default parameters; each is tested."""

    output_min: float | None
    output_max: float | None
    monotonic: bool
    smooth: bool
    zero_centred: bool
    saturates_left: bool
    saturates_right: bool
    sparse: bool
    uses_exp: bool


PROPERTY_DEFINITIONS = {
    "output_min": "infimum of f at the defaults; null when unbounded below",
    "output_max": "supremum of f at the defaults; null when unbounded above",
    "monotonic": "f never decreases",
    "smooth": "f is continuously differentiable (no jump in f')",
    "zero_centred": "f is odd, f(-x) = -f(x), so symmetric inputs give zero-mean outputs",
    "saturates_left": "f'(x) tends to 0 as x tends to -infinity",
    "saturates_right": "f'(x) tends to 0 as x tends to +infinity",
    "sparse": "f is exactly 0 on a whole interval of inputs",
    "uses_exp": "computing f needs exp or a function built on it (tanh, erf, log1p(exp))",
}


@dataclass(frozen=True)
class Activation:
    """A registered activation function."""

    name: str
    label: str
    function: Callable[..., Array]
    derivative: Callable[..., Array]
    formula: str
    latex: str
    latex_derivative: str
    properties: Properties
    params: tuple[Param, ...] = ()
    kinks: tuple[Kink, ...] = ()
    aliases: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    check: Callable[[Params], None] | None = None
    defaults: Params = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", {p.name: p.default for p in self.params})

    def resolve_params(self, given: Mapping[str, object]) -> Params:
        """Defaults filled in, every value coerced and checked; raise ParamError."""
        by_name = {p.name: p for p in self.params}
        for name in given:
            if name not in by_name:
                takes = ", ".join(by_name) or "no parameters"
                raise ParamError(name, f"{self.name} does not take {name!r} (it takes {takes})")
        resolved = {p.name: p.coerce(given[p.name]) if p.name in given else p.default for p in self.params}
        if self.check is not None:
            self.check(resolved)
        return resolved

    def value(self, x: Array, params: Mapping[str, ParamValue]) -> Array:
        return self.function(x, **params)

    def grad(self, x: Array, params: Mapping[str, ParamValue]) -> Array:
        return self.derivative(x, **params)

    def kink_points(self, params: Mapping[str, ParamValue]) -> list[float]:
        return sorted({k.at(params) for k in self.kinks})


def _zero(_: Mapping[str, ParamValue]) -> float:
    return 0.0


def _const(value: float) -> Callable[[Mapping[str, ParamValue]], float]:
    return lambda _: value


def _param(name: str, sign: float = 1.0) -> Callable[[Mapping[str, ParamValue]], float]:
    return lambda p: sign * float(p[name])


def _props(
    lo: float | None,
    hi: float | None,
    *,
    monotonic: bool = True,
    smooth: bool = False,
    zero_centred: bool = False,
    saturates: str = "",
    sparse: bool = False,
    uses_exp: bool = False,
) -> Properties:
    return Properties(
        output_min=lo,
        output_max=hi,
        monotonic=monotonic,
        smooth=smooth,
        zero_centred=zero_centred,
        saturates_left="left" in saturates,
        saturates_right="right" in saturates,
        sparse=sparse,
        uses_exp=uses_exp,
    )


def _torch(cls: str) -> str:
    return f"https://pytorch.org/docs/stable/generated/torch.nn.{cls}.html"


def _ordered(low: str, high: str, *, strict: bool) -> Callable[[Params], None]:
    def check(params: Params) -> None:
        a, b = float(params[low]), float(params[high])
        if a > b or (strict and a == b):
            relation = "less than" if strict else "at most"
            raise ParamError(low, f"must be {relation} {high} ({a:g} vs {b:g})")

    return check


_SLOPE = "slope for x < 0"
_ALPHA = Param("alpha", 1.0, "value approached as x -> -inf is -alpha", 0.0, 100.0, (0.0, 3.0))
_LAMBD = Param("lambd", 0.5, "half-width of the interval mapped to 0", 0.0, 1e3, (0.0, 3.0))


_SELU_MIN = -fn.SELU_SCALE * fn.SELU_ALPHA
# Minima of the non-monotonic smooth functions, found numerically and checked by the tests.
_GELU_MIN = -0.16997120747990

_SILU_MIN = -0.27846454276107
_MISH_MIN = -0.30884341301725
_HARDSWISH_MIN = -0.375

ACTIVATIONS: tuple[Activation, ...] = (
    Activation(
        "relu",
        "ReLU",
        fn.relu,
        fn.relu_grad,
        "max(0, x)",
        r"\max(0, x)",
        r"\begin{cases}1 & x > 0\\0 & x \le 0\end{cases}",
        _props(0.0, None, saturates="left", sparse=True),
        kinks=(Kink("x = 0", "0 (PyTorch's convention)", _zero),),
        aliases=("rectifier",),
        references=(_torch("ReLU"), "Nair & Hinton, Rectified Linear Units Improve RBMs, ICML 2010"),
    ),
    Activation(
        "relu6",
        "ReLU6",
        fn.relu6,
        fn.relu6_grad,
        "min(max(0, x), 6)",
        r"\min(\max(0, x), 6)",
        r"\begin{cases}1 & 0 < x < 6\\0 & \text{otherwise}\end{cases}",
        _props(0.0, 6.0, saturates="left right", sparse=True),
        kinks=(Kink("x = 0", "0", _zero), Kink("x = 6", "0", _const(6.0))),
        references=(_torch("ReLU6"), "Krizhevsky, Convolutional Deep Belief Networks on CIFAR-10, 2010"),
    ),
    Activation(
        "leaky_relu",
        "Leaky ReLU",
        fn.leaky_relu,
        fn.leaky_relu_grad,
        "x if x > 0 else negative_slope * x",
        r"\begin{cases}x & x > 0\\a x & x \le 0\end{cases}",
        r"\begin{cases}1 & x > 0\\a & x \le 0\end{cases}",
        _props(None, None),
        params=(Param("negative_slope", 0.01, _SLOPE, -10.0, 10.0, (0.0, 1.0)),),
        kinks=(Kink("x = 0", "negative_slope", _zero),),
        aliases=("lrelu",),
        references=(
            _torch("LeakyReLU"),
            "Maas et al., Rectifier Nonlinearities Improve Neural Network Acoustic Models, 2013",
        ),
    ),
    Activation(
        "prelu",
        "PReLU",
        fn.prelu,
        fn.prelu_grad,
        "x if x > 0 else weight * x",
        r"\begin{cases}x & x > 0\\w x & x \le 0\end{cases}",
        r"\begin{cases}1 & x > 0\\w & x \le 0\end{cases}",
        _props(None, None),
        params=(Param("weight", 0.25, f"learnable {_SLOPE} (a single shared value here)", -10.0, 10.0, (0.0, 1.0)),),
        kinks=(Kink("x = 0", "weight", _zero),),
        aliases=("parametric_relu",),
        references=(_torch("PReLU"), "He et al., Delving Deep into Rectifiers, arXiv:1502.01852"),
    ),
    Activation(
        "rrelu",
        "RReLU",
        fn.rrelu,
        fn.rrelu_grad,
        "x if x > 0 else (lower + upper) / 2 * x   (evaluation mode)",
        r"\begin{cases}x & x > 0\\\frac{l + u}{2} x & x \le 0\end{cases}",
        r"\begin{cases}1 & x > 0\\\frac{l + u}{2} & x \le 0\end{cases}",
        _props(None, None),
        params=(
            Param("lower", 1.0 / 8.0, "lower bound of the random slope", 0.0, 1.0, (0.0, 1.0)),
            Param("upper", 1.0 / 3.0, "upper bound of the random slope", 0.0, 1.0, (0.0, 1.0)),
        ),
        kinks=(Kink("x = 0", "(lower + upper) / 2", _zero),),
        aliases=("randomized_relu",),
        references=(_torch("RReLU"), "Xu et al., Empirical Evaluation of Rectified Activations, arXiv:1505.00853"),
        check=_ordered("lower", "upper", strict=False),
    ),
    Activation(
        "elu",
        "ELU",
        fn.elu,
        fn.elu_grad,
        "x if x > 0 else alpha * (exp(x) - 1)",
        r"\begin{cases}x & x > 0\\\alpha (e^x - 1) & x \le 0\end{cases}",
        r"\begin{cases}1 & x > 0\\\alpha e^x & x \le 0\end{cases}",
        _props(-1.0, None, smooth=True, saturates="left", uses_exp=True),
        params=(_ALPHA,),
        kinks=(Kink("x = 0", "alpha (the x <= 0 branch)", _zero),),
        references=(_torch("ELU"), "Clevert et al., Fast and Accurate Deep Network Learning by ELUs, arXiv:1511.07289"),
    ),
    Activation(
        "celu",
        "CELU",
        fn.celu,
        fn.celu_grad,
        "max(0, x) + min(0, alpha * (exp(x / alpha) - 1))",
        r"\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))",
        r"\begin{cases}1 & x > 0\\e^{x/\alpha} & x \le 0\end{cases}",
        _props(-1.0, None, smooth=True, saturates="left", uses_exp=True),
        params=(Param("alpha", 1.0, "value approached as x -> -inf is -alpha", 1e-3, 100.0, (0.1, 3.0)),),
        kinks=(Kink("x = 0", "1 (the x <= 0 branch, continuous)", _zero),),
        references=(_torch("CELU"), "Barron, Continuously Differentiable Exponential Linear Units, arXiv:1704.07483"),
    ),
    Activation(
        "selu",
        "SELU",
        fn.selu,
        fn.selu_grad,
        "scale * (x if x > 0 else alpha * (exp(x) - 1)), alpha = 1.6733, scale = 1.0507",
        r"\lambda \begin{cases}x & x > 0\\\alpha (e^x - 1) & x \le 0\end{cases}",
        r"\lambda \begin{cases}1 & x > 0\\\alpha e^x & x \le 0\end{cases}",
        _props(_SELU_MIN, None, saturates="left", uses_exp=True),
        kinks=(Kink("x = 0", "scale * alpha (the x <= 0 branch)", _zero),),
        references=(_torch("SELU"), "Klambauer et al., Self-Normalizing Neural Networks, arXiv:1706.02515"),
    ),
    Activation(
        "gelu",
        "GELU",
        fn.gelu,
        fn.gelu_grad,
        "x * Phi(x) = x/2 * (1 + erf(x / sqrt(2)));  tanh: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))",
        r"x \Phi(x)",
        r"\Phi(x) + x \varphi(x)",
        _props(_GELU_MIN, None, monotonic=False, smooth=True, saturates="left", uses_exp=True),
        params=(
            Param(
                "approximate",
                "none",
                "'none' for the exact erf form, 'tanh' for the approximation",
                choices=("none", "tanh"),
            ),
        ),
        references=(_torch("GELU"), "Hendrycks & Gimpel, Gaussian Error Linear Units, arXiv:1606.08415"),
    ),
    Activation(
        "silu",
        "SiLU",
        fn.silu,
        fn.silu_grad,
        "x * sigmoid(x)",
        r"x \sigma(x)",
        r"\sigma(x) (1 + x (1 - \sigma(x)))",
        _props(_SILU_MIN, None, monotonic=False, smooth=True, saturates="left", uses_exp=True),
        aliases=("swish", "swish1"),
        references=(_torch("SiLU"), "Elfwing et al., Sigmoid-Weighted Linear Units, arXiv:1702.03118"),
    ),
    Activation(
        "mish",
        "Mish",
        fn.mish,
        fn.mish_grad,
        "x * tanh(softplus(x))",
        r"x \tanh(\ln(1 + e^x))",
        r"\tanh(\mathrm{sp}(x)) + x \sigma(x) \,\mathrm{sech}^2(\mathrm{sp}(x))",
        _props(_MISH_MIN, None, monotonic=False, smooth=True, saturates="left", uses_exp=True),
        references=(
            _torch("Mish"),
            "Misra, Mish: A Self Regularized Non-Monotonic Activation Function, arXiv:1908.08681",
        ),
    ),
    Activation(
        "softplus",
        "Softplus",
        fn.softplus,
        fn.softplus_grad,
        "log(1 + exp(beta * x)) / beta, and x where beta * x > threshold",
        r"\begin{cases}\frac{1}{\beta}\ln(1 + e^{\beta x}) & \beta x \le t\\x & \beta x > t\end{cases}",
        r"\begin{cases}\sigma(\beta x) & \beta x \le t\\1 & \beta x > t\end{cases}",
        _props(0.0, None, smooth=True, saturates="left", uses_exp=True),
        params=(
            Param("beta", 1.0, "sharpness: larger beta is closer to ReLU", 1e-2, 100.0, (0.1, 10.0)),
            Param("threshold", 20.0, "above beta * x > threshold the function is x", 0.0, 100.0, (1.0, 40.0)),
        ),
        kinks=(
            Kink(
                "x = threshold / beta",
                "sigmoid(threshold) (the log branch); the jump is below 1e-8",
                lambda p: float(p["threshold"]) / float(p["beta"]),
            ),
        ),
        references=(_torch("Softplus"), "Dugas et al., Incorporating Second-Order Functional Knowledge, NeurIPS 2000"),
    ),
    Activation(
        "softsign",
        "Softsign",
        fn.softsign,
        fn.softsign_grad,
        "x / (1 + |x|)",
        r"\frac{x}{1 + |x|}",
        r"\frac{1}{(1 + |x|)^2}",
        _props(-1.0, 1.0, smooth=True, zero_centred=True, saturates="left right"),
        references=(_torch("Softsign"), "Bergstra et al., Quadratic Polynomials Learn Better Image Features, 2009"),
    ),
    Activation(
        "tanh",
        "Tanh",
        fn.tanh,
        fn.tanh_grad,
        "tanh(x) = 2 * sigmoid(2x) - 1",
        r"\tanh x",
        r"1 - \tanh^2 x",
        _props(-1.0, 1.0, smooth=True, zero_centred=True, saturates="left right", uses_exp=True),
        aliases=("hyperbolic_tangent",),
        references=(_torch("Tanh"),),
    ),
    Activation(
        "sigmoid",
        "Sigmoid",
        fn.sigmoid,
        fn.sigmoid_grad,
        "1 / (1 + exp(-x))",
        r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        r"\sigma(x)(1 - \sigma(x))",
        _props(0.0, 1.0, smooth=True, saturates="left right", uses_exp=True),
        aliases=("logistic", "expit"),
        references=(_torch("Sigmoid"),),
    ),
    Activation(
        "logsigmoid",
        "LogSigmoid",
        fn.logsigmoid,
        fn.logsigmoid_grad,
        "log(sigmoid(x)) = -softplus(-x)",
        r"\ln \sigma(x)",
        r"1 - \sigma(x)",
        _props(None, 0.0, smooth=True, saturates="right", uses_exp=True),
        references=(_torch("LogSigmoid"),),
    ),
    Activation(
        "hardtanh",
        "Hardtanh",
        fn.hardtanh,
        fn.hardtanh_grad,
        "min(max(x, min_val), max_val)",
        r"\min(\max(x, a), b)",
        r"\begin{cases}1 & a < x < b\\0 & \text{otherwise}\end{cases}",
        _props(-1.0, 1.0, zero_centred=True, saturates="left right"),
        params=(
            Param("min_val", -1.0, "lower clipping value", -1e6, 1e6, (-5.0, 0.0)),
            Param("max_val", 1.0, "upper clipping value", -1e6, 1e6, (0.0, 5.0)),
        ),
        kinks=(Kink("x = min_val", "0", _param("min_val")), Kink("x = max_val", "0", _param("max_val"))),
        references=(_torch("Hardtanh"),),
        check=_ordered("min_val", "max_val", strict=True),
    ),
    Activation(
        "hardsigmoid",
        "Hardsigmoid",
        fn.hardsigmoid,
        fn.hardsigmoid_grad,
        "relu6(x + 3) / 6",
        r"\frac{\mathrm{ReLU6}(x + 3)}{6}",
        r"\begin{cases}1/6 & -3 < x < 3\\0 & \text{otherwise}\end{cases}",
        _props(0.0, 1.0, saturates="left right", sparse=True),
        kinks=(Kink("x = -3", "0", _const(-3.0)), Kink("x = 3", "0", _const(3.0))),
        references=(_torch("Hardsigmoid"), "Howard et al., Searching for MobileNetV3, arXiv:1905.02244"),
    ),
    Activation(
        "hardswish",
        "Hardswish",
        fn.hardswish,
        fn.hardswish_grad,
        "x * relu6(x + 3) / 6",
        r"x \frac{\mathrm{ReLU6}(x + 3)}{6}",
        r"\begin{cases}0 & x \le -3\\x/3 + 1/2 & -3 < x < 3\\1 & x \ge 3\end{cases}",
        _props(_HARDSWISH_MIN, None, monotonic=False, saturates="left", sparse=True),
        kinks=(Kink("x = -3", "0", _const(-3.0)), Kink("x = 3", "1", _const(3.0))),
        aliases=("hard_silu",),
        references=(_torch("Hardswish"), "Howard et al., Searching for MobileNetV3, arXiv:1905.02244"),
    ),
    Activation(
        "tanhshrink",
        "Tanhshrink",
        fn.tanhshrink,
        fn.tanhshrink_grad,
        "x - tanh(x)",
        r"x - \tanh x",
        r"\tanh^2 x",
        _props(None, None, smooth=True, zero_centred=True, uses_exp=True),
        references=(_torch("Tanhshrink"),),
    ),
    Activation(
        "softshrink",
        "Softshrink",
        fn.softshrink,
        fn.softshrink_grad,
        "x - lambd if x > lambd, x + lambd if x < -lambd, else 0",
        r"\begin{cases}x - \lambda & x > \lambda\\x + \lambda & x < -\lambda\\0 & \text{otherwise}\end{cases}",
        r"\begin{cases}0 & |x| \le \lambda\\1 & \text{otherwise}\end{cases}",
        _props(None, None, zero_centred=True, sparse=True),
        params=(_LAMBD,),
        kinks=(
            Kink("x = -lambd", "0 (closed interval)", _param("lambd", -1.0)),
            Kink("x = lambd", "0 (closed interval)", _param("lambd")),
        ),
        references=(_torch("Softshrink"),),
    ),
    Activation(
        "hardshrink",
        "Hardshrink",
        fn.hardshrink,
        fn.hardshrink_grad,
        "x if |x| > lambd else 0",
        r"\begin{cases}x & |x| > \lambda\\0 & \text{otherwise}\end{cases}",
        r"\begin{cases}0 & |x| \le \lambda\\1 & \text{otherwise}\end{cases}",
        _props(None, None, zero_centred=True, sparse=True),
        params=(_LAMBD,),
        kinks=(
            Kink("x = -lambd", "0 (closed interval; f jumps)", _param("lambd", -1.0)),
            Kink("x = lambd", "0 (closed interval; f jumps)", _param("lambd")),
        ),
        references=(_torch("Hardshrink"),),
    ),
    Activation(
        "threshold",
        "Threshold",
        fn.threshold,
        fn.threshold_grad,
        "x if x > threshold else value",
        r"\begin{cases}x & x > t\\v & \text{otherwise}\end{cases}",
        r"\begin{cases}1 & x > t\\0 & \text{otherwise}\end{cases}",
        _props(0.0, None, saturates="left", sparse=True),
        params=(
            Param("threshold", 0.0, "inputs at or below it are replaced", -1e6, 1e6, (-3.0, 3.0)),
            Param("value", 0.0, "the replacement value", -1e6, 1e6, (-3.0, 3.0)),
        ),
        kinks=(Kink("x = threshold", "0 (the replaced branch)", _param("threshold")),),
        references=(_torch("Threshold"),),
    ),
    Activation(
        "identity",
        "Identity",
        fn.identity,
        fn.identity_grad,
        "x",
        "x",
        "1",
        _props(None, None, smooth=True, zero_centred=True),
        aliases=("linear", "none"),
        references=(_torch("Identity"),),
    ),
    Activation(
        "binary_step",
        "Binary step",
        fn.binary_step,
        fn.binary_step_grad,
        "1 if x >= 0 else 0",
        r"\begin{cases}1 & x \ge 0\\0 & x < 0\end{cases}",
        "0",
        _props(0.0, 1.0, saturates="left right", sparse=True),
        kinks=(Kink("x = 0", "0 (f jumps; no derivative exists, 0 is taken)", _zero),),
        aliases=("heaviside", "step", "unit_step"),
        references=("https://en.wikipedia.org/wiki/Heaviside_step_function",),
    ),
    Activation(
        "squareplus",
        "Squareplus",
        fn.squareplus,
        fn.squareplus_grad,
        "(x + sqrt(x^2 + b)) / 2",
        r"\frac{x + \sqrt{x^2 + b}}{2}",
        r"\frac{1}{2}\left(1 + \frac{x}{\sqrt{x^2 + b}}\right)",
        _props(0.0, None, smooth=True, saturates="left"),
        params=(Param("b", 4.0, "curvature near 0; b -> 0 gives ReLU", 1e-3, 1e3, (0.1, 10.0)),),
        references=(
            "Barron, Squareplus: A Softplus-Like Algebraic Rectifier, arXiv:2112.11687",
            "https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.squareplus.html",
        ),
    ),
    Activation(
        "sparse_plus",
        "Sparse plus",
        fn.sparse_plus,
        fn.sparse_plus_grad,
        "0 if x <= -1, (x + 1)^2 / 4 if -1 < x < 1, x if x >= 1",
        r"\begin{cases}0 & x \le -1\\\frac{(x + 1)^2}{4} & -1 < x < 1\\x & x \ge 1\end{cases}",
        r"\begin{cases}0 & x \le -1\\\frac{x + 1}{2} & -1 < x < 1\\1 & x \ge 1\end{cases}",
        _props(0.0, None, smooth=True, saturates="left", sparse=True),
        kinks=(Kink("x = -1", "0 (continuous)", _const(-1.0)), Kink("x = 1", "1 (continuous)", _const(1.0))),
        references=("https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.sparse_plus.html",),
    ),
    Activation(
        "sparse_sigmoid",
        "Sparse sigmoid",
        fn.sparse_sigmoid,
        fn.sparse_sigmoid_grad,
        "clip((x + 1) / 2, 0, 1)",
        r"\mathrm{clip}\left(\frac{x + 1}{2}, 0, 1\right)",
        r"\begin{cases}1/2 & -1 < x < 1\\0 & \text{otherwise}\end{cases}",
        _props(0.0, 1.0, saturates="left right", sparse=True),
        kinks=(Kink("x = -1", "0", _const(-1.0)), Kink("x = 1", "0", _const(1.0))),
        references=("https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.sparse_sigmoid.html",),
    ),
)


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "").replace("-", "").replace(" ", "")


_BY_KEY: dict[str, Activation] = {}
for _activation in ACTIVATIONS:
    for _name in (_activation.name, _activation.label, *_activation.aliases):
        _BY_KEY[_key(_name)] = _activation
# Names used by JAX and Keras for the same functions.
for _alias, _canonical in {
    "log_sigmoid": "logsigmoid",
    "hard_tanh": "hardtanh",
    "hard_sigmoid": "hardsigmoid",
    "hard_swish": "hardswish",
    "soft_sign": "softsign",
    "soft_plus": "softplus",
}.items():
    _BY_KEY[_key(_alias)] = _BY_KEY[_key(_canonical)]

NAMES: tuple[str, ...] = tuple(a.name for a in ACTIVATIONS)


def all_names() -> list[str]:
    """Every canonical name and alias, as users would write them."""
    names = {a.name for a in ACTIVATIONS}
    for activation in ACTIVATIONS:
        names.update(activation.aliases)
    names.update({"log_sigmoid", "hard_tanh", "hard_sigmoid", "hard_swish", "hard_silu", "swish"})
    return sorted(names)


def get(name: str) -> Activation:
    """The activation called ``name`` (any case, alias or spelling); raise UnknownActivationError."""
    activation = _BY_KEY.get(_key(name))
    if activation is None:
        close = difflib.get_close_matches(name.strip().lower(), all_names(), n=3, cutoff=0.5)
        raise UnknownActivationError(name[:100], close)
    return activation


def metadata(activation: Activation) -> dict[str, Any]:
    """A JSON-ready description of ``activation`` at its defaults."""
    props = activation.properties
    return {
        "name": activation.name,
        "label": activation.label,
        "aliases": list(activation.aliases),
        "formula": activation.formula,
        "latex": activation.latex,
        "latex_derivative": activation.latex_derivative,
        "params": [
            {
                "name": p.name,
                "default": p.default,
                "description": p.description,
                "type": "string" if p.choices else "number",
                "minimum": p.minimum,
                "maximum": p.maximum,
                "suggested_range": list(p.suggested) if p.suggested else None,
                "choices": list(p.choices) if p.choices else None,
            }
            for p in activation.params
        ],
        "kinks": [
            {"where": k.where, "at_defaults": k.at(activation.defaults), "derivative": k.derivative}
            for k in activation.kinks
        ],
        "properties": {
            "output_range": [props.output_min, props.output_max],
            "monotonic": props.monotonic,
            "smooth": props.smooth,
            "zero_centred": props.zero_centred,
            "saturates_left": props.saturates_left,
            "saturates_right": props.saturates_right,
            "sparse": props.sparse,
            "uses_exp": props.uses_exp,
        },
        "references": list(activation.references),
    }


def as_array(values: object) -> Array:
    return np.asarray(values, dtype=np.float64)
