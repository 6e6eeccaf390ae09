"""The registry of activation functions: each function, its derivative and metadata.

Names and parameters follow ``torch.nn.functional`` with PyTorch's defaults; lookup is
case-insensitive and ignores ``_`` and ``-``, and accepts the usual aliases.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from app.core import functions as fn
from app.core.functions import Array, Jet

ParamValue = float | str
Params = dict[str, ParamValue]
# The largest k such that f is k times continuously differentiable: -1 when f itself jumps.
Smoothness = int | Literal["infinite"]
# derivatives() gives f and up to this many derivatives.
MAX_ORDER = 3


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
    # The letter the formula writes it with ("α"), where it has one: titles show "ELU (α = 2)".
    symbol: str | None = None

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
    # f, f', f'' and f''' at once, sharing work; its f and f' are the numbers of value_and_grad.
    jet: Callable[..., Jet]
    smoothness: Smoothness
    params: tuple[Param, ...] = ()
    kinks: tuple[Kink, ...] = ()
    aliases: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    check: Callable[[Params], None] | None = None
    # f and f' at once, where computing them together saves work; the same numbers as the pair.
    with_derivative: Callable[..., tuple[Array, Array]] | None = None
    # f'' = 0 wherever f is twice differentiable: f is piecewise linear.
    second_derivative_vanishes: bool = False
    higher_derivatives_note: str | None = None
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

    def value_and_grad(self, x: Array, params: Mapping[str, ParamValue]) -> tuple[Array, Array]:
        if self.with_derivative is not None:
            return self.with_derivative(x, **params)
        return self.function(x, **params), self.derivative(x, **params)

    def derivatives(self, x: Array, params: Mapping[str, ParamValue], order: int) -> tuple[Array, ...]:
        """``(f, f', f'', f''')[: order + 1]`` at ``x``, analytic, as PyTorch's nested autograd gives them.

        Orders 0 and 1 are the numbers of :meth:`value` and :meth:`value_and_grad`; 2 and 3 come
        from one pass of the function's jet. Raise ValueError for an order outside 0..3.
        """
        if not 0 <= order <= MAX_ORDER:
            raise ValueError(f"order must be 0 to {MAX_ORDER}, got {order}")
        if order == 0:
            return (self.value(x, params),)
        if order == 1:
            return self.value_and_grad(x, params)
        return self.jet(x, **params)[: order + 1]

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
_ALPHA = Param("alpha", 1.0, "value approached as x -> -inf is -alpha", 0.0, 100.0, (0.0, 3.0), symbol="α")
_LAMBD = Param("lambd", 0.5, "half-width of the interval mapped to 0", 0.0, 1e3, (0.0, 3.0), symbol="λ")


_SELU_MIN = -fn.SELU_SCALE * fn.SELU_ALPHA
# Minima of the non-monotonic smooth functions, found numerically and checked by the tests.
_GELU_MIN = -0.16997120747990

_SILU_MIN = -0.27846454276107
_MISH_MIN = -0.30884341301725
_HARDSWISH_MIN = -0.375

ACTIVATIONS: tuple[Activation, ...] = (
    Activation(
        name="relu",
        label="ReLU",
        function=fn.relu,
        derivative=fn.relu_grad,
        jet=fn.relu_jet,
        formula="max(0, x)",
        latex=r"\max(0, x)",
        latex_derivative=r"\begin{cases}1 & x > 0\\0 & x \le 0\end{cases}",
        properties=_props(0.0, None, saturates="left", sparse=True),
        smoothness=0,
        second_derivative_vanishes=True,
        kinks=(Kink("x = 0", "0 (PyTorch's convention)", _zero),),
        aliases=("rectifier",),
        references=(_torch("ReLU"), "Nair & Hinton, Rectified Linear Units Improve RBMs, ICML 2010"),
    ),
    Activation(
        name="relu6",
        label="ReLU6",
        function=fn.relu6,
        derivative=fn.relu6_grad,
        jet=fn.relu6_jet,
        formula="min(max(0, x), 6)",
        latex=r"\min(\max(0, x), 6)",
        latex_derivative=r"\begin{cases}1 & 0 < x < 6\\0 & \text{otherwise}\end{cases}",
        properties=_props(0.0, 6.0, saturates="left right", sparse=True),
        smoothness=0,
        second_derivative_vanishes=True,
        kinks=(Kink("x = 0", "0", _zero), Kink("x = 6", "0", _const(6.0))),
        references=(_torch("ReLU6"), "Krizhevsky, Convolutional Deep Belief Networks on CIFAR-10, 2010"),
    ),
    Activation(
        name="leaky_relu",
        label="Leaky ReLU",
        function=fn.leaky_relu,
        derivative=fn.leaky_relu_grad,
        jet=fn.leaky_relu_jet,
        formula="x if x > 0 else negative_slope * x",
        latex=r"\begin{cases}x & x > 0\\a x & x \le 0\end{cases}",
        latex_derivative=r"\begin{cases}1 & x > 0\\a & x \le 0\end{cases}",
        properties=_props(None, None),
        smoothness=0,
        second_derivative_vanishes=True,
        params=(Param("negative_slope", 0.01, _SLOPE, -10.0, 10.0, (0.0, 1.0), symbol="a"),),
        kinks=(Kink("x = 0", "negative_slope", _zero),),
        aliases=("lrelu",),
        references=(
            _torch("LeakyReLU"),
            "Maas et al., Rectifier Nonlinearities Improve Neural Network Acoustic Models, 2013",
        ),
    ),
    Activation(
        name="prelu",
        label="PReLU",
        function=fn.prelu,
        derivative=fn.prelu_grad,
        jet=fn.prelu_jet,
        formula="x if x > 0 else weight * x",
        latex=r"\begin{cases}x & x > 0\\w x & x \le 0\end{cases}",
        latex_derivative=r"\begin{cases}1 & x > 0\\w & x \le 0\end{cases}",
        properties=_props(None, None),
        smoothness=0,
        second_derivative_vanishes=True,
        params=(
            Param(
                "weight", 0.25, f"learnable {_SLOPE} (a single shared value here)", -10.0, 10.0, (0.0, 1.0), symbol="w"
            ),
        ),
        kinks=(Kink("x = 0", "weight", _zero),),
        aliases=("parametric_relu",),
        references=(_torch("PReLU"), "He et al., Delving Deep into Rectifiers, arXiv:1502.01852"),
    ),
    Activation(
        name="rrelu",
        label="RReLU",
        function=fn.rrelu,
        derivative=fn.rrelu_grad,
        jet=fn.rrelu_jet,
        formula="x if x > 0 else (lower + upper) / 2 * x   (evaluation mode)",
        latex=r"\begin{cases}x & x > 0\\\frac{l + u}{2} x & x \le 0\end{cases}",
        latex_derivative=r"\begin{cases}1 & x > 0\\\frac{l + u}{2} & x \le 0\end{cases}",
        properties=_props(None, None),
        smoothness=0,
        second_derivative_vanishes=True,
        params=(
            Param("lower", 1.0 / 8.0, "lower bound of the random slope", 0.0, 1.0, (0.0, 1.0), symbol="l"),
            Param("upper", 1.0 / 3.0, "upper bound of the random slope", 0.0, 1.0, (0.0, 1.0), symbol="u"),
        ),
        kinks=(Kink("x = 0", "(lower + upper) / 2", _zero),),
        aliases=("randomized_relu",),
        references=(_torch("RReLU"), "Xu et al., Empirical Evaluation of Rectified Activations, arXiv:1505.00853"),
        check=_ordered("lower", "upper", strict=False),
    ),
    Activation(
        name="elu",
        label="ELU",
        function=fn.elu,
        derivative=fn.elu_grad,
        jet=fn.elu_jet,
        formula="x if x > 0 else alpha * (exp(x) - 1)",
        latex=r"\begin{cases}x & x > 0\\\alpha (e^x - 1) & x \le 0\end{cases}",
        latex_derivative=r"\begin{cases}1 & x > 0\\\alpha e^x & x \le 0\end{cases}",
        properties=_props(-1.0, None, smooth=True, saturates="left", uses_exp=True),
        smoothness=1,
        params=(_ALPHA,),
        kinks=(Kink("x = 0", "alpha (the x <= 0 branch)", _zero),),
        higher_derivatives_note=(
            "f''(0) = f'''(0) = 0, as in PyTorch's elu_double_backward (it keeps x < 0 only), although f'' tends "
            "to alpha from the left. f' is continuous at 0 only for alpha = 1 (smoothness 1); otherwise it jumps."
        ),
        references=(_torch("ELU"), "Clevert et al., Fast and Accurate Deep Network Learning by ELUs, arXiv:1511.07289"),
    ),
    Activation(
        name="celu",
        label="CELU",
        function=fn.celu,
        derivative=fn.celu_grad,
        jet=fn.celu_jet,
        formula="max(0, x) + min(0, alpha * (exp(x / alpha) - 1))",
        latex=r"\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))",
        latex_derivative=r"\begin{cases}1 & x > 0\\e^{x/\alpha} & x \le 0\end{cases}",
        properties=_props(-1.0, None, smooth=True, saturates="left", uses_exp=True),
        smoothness=1,
        params=(Param("alpha", 1.0, "value approached as x -> -inf is -alpha", 1e-3, 100.0, (0.1, 3.0), symbol="α"),),
        kinks=(Kink("x = 0", "1 (the x <= 0 branch, continuous)", _zero),),
        higher_derivatives_note=(
            "f''(0) = f'''(0) = 0, as in PyTorch's elu_double_backward (it keeps x < 0 only), although f'' tends "
            "to 1/alpha from the left."
        ),
        references=(_torch("CELU"), "Barron, Continuously Differentiable Exponential Linear Units, arXiv:1704.07483"),
    ),
    Activation(
        name="selu",
        label="SELU",
        function=fn.selu,
        derivative=fn.selu_grad,
        jet=fn.selu_jet,
        formula="scale * (x if x > 0 else alpha * (exp(x) - 1)), alpha = 1.6733, scale = 1.0507",
        latex=r"\lambda \begin{cases}x & x > 0\\\alpha (e^x - 1) & x \le 0\end{cases}",
        latex_derivative=r"\lambda \begin{cases}1 & x > 0\\\alpha e^x & x \le 0\end{cases}",
        properties=_props(_SELU_MIN, None, saturates="left", uses_exp=True),
        smoothness=0,
        kinks=(Kink("x = 0", "scale * alpha (the x <= 0 branch)", _zero),),
        higher_derivatives_note=(
            "f''(0) = f'''(0) = 0, as in PyTorch's elu_double_backward (it keeps x < 0 only), although f'' tends "
            "to scale * alpha = 1.7581 from the left."
        ),
        references=(_torch("SELU"), "Klambauer et al., Self-Normalizing Neural Networks, arXiv:1706.02515"),
    ),
    Activation(
        name="gelu",
        label="GELU",
        function=fn.gelu,
        derivative=fn.gelu_grad,
        jet=fn.gelu_jet,
        with_derivative=fn.gelu_with_grad,
        formula="x * Phi(x) = x/2 * (1 + erf(x / sqrt(2)));  tanh: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))",
        latex=r"x \Phi(x)",
        latex_derivative=r"\Phi(x) + x \varphi(x)",
        properties=_props(_GELU_MIN, None, monotonic=False, smooth=True, saturates="left", uses_exp=True),
        smoothness="infinite",
        params=(
            Param(
                "approximate",
                "none",
                "'none' for the exact erf form, 'tanh' for the approximation",
                choices=("none", "tanh"),
            ),
        ),
        references=(_torch("GELU"), "Hendrycks & Gimpel, Gaussian Error Linear Units, arXiv:1606.08415"),
        higher_derivatives_note=(
            "With approximate='tanh', PyTorch's f''' is nan beyond |x| = 26.82 (cosh overflows in "
            "gelu_double_backward); the exact value, 0 in double precision, is given there."
        ),
    ),
    Activation(
        name="silu",
        label="SiLU",
        function=fn.silu,
        derivative=fn.silu_grad,
        jet=fn.silu_jet,
        with_derivative=fn.silu_with_grad,
        formula="x * sigmoid(x)",
        latex=r"x \sigma(x)",
        latex_derivative=r"\sigma(x) (1 + x (1 - \sigma(x)))",
        properties=_props(_SILU_MIN, None, monotonic=False, smooth=True, saturates="left", uses_exp=True),
        smoothness="infinite",
        aliases=("swish", "swish1"),
        references=(_torch("SiLU"), "Elfwing et al., Sigmoid-Weighted Linear Units, arXiv:1702.03118"),
    ),
    Activation(
        name="mish",
        label="Mish",
        function=fn.mish,
        derivative=fn.mish_grad,
        jet=fn.mish_jet,
        with_derivative=fn.mish_with_grad,
        formula="x * tanh(softplus(x))",
        latex=r"x \tanh(\ln(1 + e^x))",
        latex_derivative=r"\tanh(\mathrm{sp}(x)) + x \sigma(x) \,\mathrm{sech}^2(\mathrm{sp}(x))",
        properties=_props(_MISH_MIN, None, monotonic=False, smooth=True, saturates="left", uses_exp=True),
        smoothness="infinite",
        references=(
            _torch("Mish"),
            "Misra, Mish: A Self Regularized Non-Monotonic Activation Function, arXiv:1908.08681",
        ),
        higher_derivatives_note=(
            "PyTorch's f'' and f''' are nan beyond x = 709.78 (exp overflows in its log1p(exp(x))); the exact "
            "value, 0 in double precision, is given there."
        ),
    ),
    Activation(
        name="softplus",
        label="Softplus",
        function=fn.softplus,
        derivative=fn.softplus_grad,
        jet=fn.softplus_jet,
        formula="log(1 + exp(beta * x)) / beta, and x where beta * x > threshold",
        latex=r"\begin{cases}\frac{1}{\beta}\ln(1 + e^{\beta x}) & \beta x \le t\\x & \beta x > t\end{cases}",
        latex_derivative=r"\begin{cases}\sigma(\beta x) & \beta x \le t\\1 & \beta x > t\end{cases}",
        properties=_props(0.0, None, smooth=True, saturates="left", uses_exp=True),
        smoothness=-1,
        params=(
            Param("beta", 1.0, "sharpness: larger beta is closer to ReLU", 1e-2, 100.0, (0.1, 10.0), symbol="β"),
            Param(
                "threshold", 20.0, "above beta * x > threshold the function is x", 0.0, 100.0, (1.0, 40.0), symbol="t"
            ),
        ),
        kinks=(
            Kink(
                "x = threshold / beta",
                "sigmoid(threshold) (the log branch); the jump is below 1e-8",
                lambda p: float(p["threshold"]) / float(p["beta"]),
            ),
        ),
        references=(_torch("Softplus"), "Dugas et al., Incorporating Second-Order Functional Knowledge, NeurIPS 2000"),
        higher_derivatives_note=(
            "Above beta * x > threshold PyTorch's softplus is x, so f, f' and f'' jump at x = threshold / beta by "
            "about exp(-threshold) (2e-9 at the defaults): smoothness -1, for a function otherwise infinitely "
            "differentiable. There f'' = f''' = 0, as softplus_double_backward keeps beta * x < threshold only, "
            "while f' is still sigmoid(threshold)."
        ),
    ),
    Activation(
        name="softsign",
        label="Softsign",
        function=fn.softsign,
        derivative=fn.softsign_grad,
        jet=fn.softsign_jet,
        formula="x / (1 + |x|)",
        latex=r"\frac{x}{1 + |x|}",
        latex_derivative=r"\frac{1}{(1 + |x|)^2}",
        properties=_props(-1.0, 1.0, smooth=True, zero_centred=True, saturates="left right"),
        smoothness=1,
        kinks=(Kink("x = 0", "1 (continuous; |x| changes branch, and f'' jumps from 2 to -2)", _zero),),
        references=(_torch("Softsign"), "Bergstra et al., Quadratic Polynomials Learn Better Image Features, 2009"),
        higher_derivatives_note=(
            "PyTorch differentiates |x| through sign(x), whose derivative is 0: f''(0) = 0 (between the one-sided "
            "limits 2 and -2) and f'''(0) = 0, although f''' tends to 6 from both sides."
        ),
    ),
    Activation(
        name="tanh",
        label="Tanh",
        function=fn.tanh,
        derivative=fn.tanh_grad,
        jet=fn.tanh_jet,
        with_derivative=fn.tanh_with_grad,
        formula="tanh(x) = 2 * sigmoid(2x) - 1",
        latex=r"\tanh x",
        latex_derivative=r"1 - \tanh^2 x",
        properties=_props(-1.0, 1.0, smooth=True, zero_centred=True, saturates="left right", uses_exp=True),
        smoothness="infinite",
        aliases=("hyperbolic_tangent",),
        references=(_torch("Tanh"),),
    ),
    Activation(
        name="sigmoid",
        label="Sigmoid",
        function=fn.sigmoid,
        derivative=fn.sigmoid_grad,
        jet=fn.sigmoid_jet,
        with_derivative=fn.sigmoid_with_grad,
        formula="1 / (1 + exp(-x))",
        latex=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        latex_derivative=r"\sigma(x)(1 - \sigma(x))",
        properties=_props(0.0, 1.0, smooth=True, saturates="left right", uses_exp=True),
        smoothness="infinite",
        aliases=("logistic", "expit"),
        references=(_torch("Sigmoid"),),
    ),
    Activation(
        name="logsigmoid",
        label="LogSigmoid",
        function=fn.logsigmoid,
        derivative=fn.logsigmoid_grad,
        jet=fn.logsigmoid_jet,
        formula="log(sigmoid(x)) = -softplus(-x)",
        latex=r"\ln \sigma(x)",
        latex_derivative=r"1 - \sigma(x)",
        properties=_props(None, 0.0, smooth=True, saturates="right", uses_exp=True),
        smoothness="infinite",
        references=(_torch("LogSigmoid"),),
    ),
    Activation(
        name="hardtanh",
        label="Hardtanh",
        function=fn.hardtanh,
        derivative=fn.hardtanh_grad,
        jet=fn.hardtanh_jet,
        formula="min(max(x, min_val), max_val)",
        latex=r"\min(\max(x, a), b)",
        latex_derivative=r"\begin{cases}1 & a < x < b\\0 & \text{otherwise}\end{cases}",
        properties=_props(-1.0, 1.0, zero_centred=True, saturates="left right"),
        smoothness=0,
        second_derivative_vanishes=True,
        params=(
            Param("min_val", -1.0, "lower clipping value", -1e6, 1e6, (-5.0, 0.0), symbol="a"),
            Param("max_val", 1.0, "upper clipping value", -1e6, 1e6, (0.0, 5.0), symbol="b"),
        ),
        kinks=(Kink("x = min_val", "0", _param("min_val")), Kink("x = max_val", "0", _param("max_val"))),
        references=(_torch("Hardtanh"),),
        check=_ordered("min_val", "max_val", strict=True),
    ),
    Activation(
        name="hardsigmoid",
        label="Hardsigmoid",
        function=fn.hardsigmoid,
        derivative=fn.hardsigmoid_grad,
        jet=fn.hardsigmoid_jet,
        formula="relu6(x + 3) / 6",
        latex=r"\frac{\mathrm{ReLU6}(x + 3)}{6}",
        latex_derivative=r"\begin{cases}1/6 & -3 < x < 3\\0 & \text{otherwise}\end{cases}",
        properties=_props(0.0, 1.0, saturates="left right", sparse=True),
        smoothness=0,
        second_derivative_vanishes=True,
        kinks=(Kink("x = -3", "0", _const(-3.0)), Kink("x = 3", "0", _const(3.0))),
        references=(_torch("Hardsigmoid"), "Howard et al., Searching for MobileNetV3, arXiv:1905.02244"),
        higher_derivatives_note=(
            "PyTorch has no double backward for hardsigmoid; the exact values are given: f'' = f''' = 0 "
            "everywhere, 0 at x = -3 and 3 (where f' jumps) included, as PyTorch gives them for relu6(x + 3) / 6."
        ),
    ),
    Activation(
        name="hardswish",
        label="Hardswish",
        function=fn.hardswish,
        derivative=fn.hardswish_grad,
        jet=fn.hardswish_jet,
        formula="x * relu6(x + 3) / 6",
        latex=r"x \frac{\mathrm{ReLU6}(x + 3)}{6}",
        latex_derivative=r"\begin{cases}0 & x \le -3\\x/3 + 1/2 & -3 < x < 3\\1 & x \ge 3\end{cases}",
        properties=_props(_HARDSWISH_MIN, None, monotonic=False, saturates="left", sparse=True),
        smoothness=0,
        kinks=(Kink("x = -3", "0", _const(-3.0)), Kink("x = 3", "1", _const(3.0))),
        aliases=("hard_silu",),
        references=(_torch("Hardswish"), "Howard et al., Searching for MobileNetV3, arXiv:1905.02244"),
    ),
    Activation(
        name="tanhshrink",
        label="Tanhshrink",
        function=fn.tanhshrink,
        derivative=fn.tanhshrink_grad,
        jet=fn.tanhshrink_jet,
        with_derivative=fn.tanhshrink_with_grad,
        formula="x - tanh(x)",
        latex=r"x - \tanh x",
        latex_derivative=r"\tanh^2 x",
        properties=_props(None, None, smooth=True, zero_centred=True, uses_exp=True),
        smoothness="infinite",
        references=(_torch("Tanhshrink"),),
    ),
    Activation(
        name="softshrink",
        label="Softshrink",
        function=fn.softshrink,
        derivative=fn.softshrink_grad,
        jet=fn.softshrink_jet,
        formula="x - lambd if x > lambd, x + lambd if x < -lambd, else 0",
        latex=r"\begin{cases}x - \lambda & x > \lambda\\x + \lambda & x < -\lambda\\0 & \text{otherwise}\end{cases}",
        latex_derivative=r"\begin{cases}0 & |x| \le \lambda\\1 & \text{otherwise}\end{cases}",
        properties=_props(None, None, zero_centred=True, sparse=True),
        smoothness=0,
        second_derivative_vanishes=True,
        params=(_LAMBD,),
        kinks=(
            Kink("x = -lambd", "0 (closed interval)", _param("lambd", -1.0)),
            Kink("x = lambd", "0 (closed interval)", _param("lambd")),
        ),
        references=(_torch("Softshrink"),),
    ),
    Activation(
        name="hardshrink",
        label="Hardshrink",
        function=fn.hardshrink,
        derivative=fn.hardshrink_grad,
        jet=fn.hardshrink_jet,
        formula="x if |x| > lambd else 0",
        latex=r"\begin{cases}x & |x| > \lambda\\0 & \text{otherwise}\end{cases}",
        latex_derivative=r"\begin{cases}0 & |x| \le \lambda\\1 & \text{otherwise}\end{cases}",
        properties=_props(None, None, zero_centred=True, sparse=True),
        smoothness=-1,
        second_derivative_vanishes=True,
        params=(_LAMBD,),
        kinks=(
            Kink("x = -lambd", "0 (closed interval; f jumps)", _param("lambd", -1.0)),
            Kink("x = lambd", "0 (closed interval; f jumps)", _param("lambd")),
        ),
        references=(_torch("Hardshrink"),),
    ),
    Activation(
        name="threshold",
        label="Threshold",
        function=fn.threshold,
        derivative=fn.threshold_grad,
        jet=fn.threshold_jet,
        formula="x if x > threshold else value",
        latex=r"\begin{cases}x & x > t\\v & \text{otherwise}\end{cases}",
        latex_derivative=r"\begin{cases}1 & x > t\\0 & \text{otherwise}\end{cases}",
        properties=_props(0.0, None, saturates="left", sparse=True),
        smoothness=0,
        second_derivative_vanishes=True,
        params=(
            Param("threshold", 0.0, "inputs at or below it are replaced", -1e6, 1e6, (-3.0, 3.0), symbol="t"),
            Param("value", 0.0, "the replacement value", -1e6, 1e6, (-3.0, 3.0), symbol="v"),
        ),
        kinks=(Kink("x = threshold", "0 (the replaced branch)", _param("threshold")),),
        references=(_torch("Threshold"),),
    ),
    Activation(
        name="identity",
        label="Identity",
        function=fn.identity,
        derivative=fn.identity_grad,
        jet=fn.identity_jet,
        formula="x",
        latex="x",
        latex_derivative="1",
        properties=_props(None, None, smooth=True, zero_centred=True),
        smoothness="infinite",
        second_derivative_vanishes=True,
        aliases=("linear", "none"),
        references=(_torch("Identity"),),
    ),
    Activation(
        name="binary_step",
        label="Binary step",
        function=fn.binary_step,
        derivative=fn.binary_step_grad,
        jet=fn.binary_step_jet,
        formula="1 if x >= 0 else 0",
        latex=r"\begin{cases}1 & x \ge 0\\0 & x < 0\end{cases}",
        latex_derivative="0",
        properties=_props(0.0, 1.0, saturates="left right", sparse=True),
        smoothness=-1,
        second_derivative_vanishes=True,
        kinks=(Kink("x = 0", "0 (f jumps; no derivative exists, 0 is taken)", _zero),),
        aliases=("heaviside", "step", "unit_step"),
        references=("https://en.wikipedia.org/wiki/Heaviside_step_function",),
    ),
    Activation(
        name="squareplus",
        label="Squareplus",
        function=fn.squareplus,
        derivative=fn.squareplus_grad,
        jet=fn.squareplus_jet,
        formula="(x + sqrt(x^2 + b)) / 2",
        latex=r"\frac{x + \sqrt{x^2 + b}}{2}",
        latex_derivative=r"\frac{1}{2}\left(1 + \frac{x}{\sqrt{x^2 + b}}\right)",
        properties=_props(0.0, None, smooth=True, saturates="left"),
        smoothness="infinite",
        params=(Param("b", 4.0, "curvature near 0; b -> 0 gives ReLU", 1e-3, 1e3, (0.1, 10.0), symbol="b"),),
        references=(
            "Barron, Squareplus: A Softplus-Like Algebraic Rectifier, arXiv:2112.11687",
            "https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.squareplus.html",
        ),
    ),
    Activation(
        name="sparse_plus",
        label="Sparse plus",
        function=fn.sparse_plus,
        derivative=fn.sparse_plus_grad,
        jet=fn.sparse_plus_jet,
        formula="0 if x <= -1, (x + 1)^2 / 4 if -1 < x < 1, x if x >= 1",
        latex=r"\begin{cases}0 & x \le -1\\\frac{(x + 1)^2}{4} & -1 < x < 1\\x & x \ge 1\end{cases}",
        latex_derivative=r"\begin{cases}0 & x \le -1\\\frac{x + 1}{2} & -1 < x < 1\\1 & x \ge 1\end{cases}",
        properties=_props(0.0, None, smooth=True, saturates="left", sparse=True),
        smoothness=1,
        kinks=(Kink("x = -1", "0 (continuous)", _const(-1.0)), Kink("x = 1", "1 (continuous)", _const(1.0))),
        references=("https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.sparse_plus.html",),
    ),
    Activation(
        name="sparse_sigmoid",
        label="Sparse sigmoid",
        function=fn.sparse_sigmoid,
        derivative=fn.sparse_sigmoid_grad,
        jet=fn.sparse_sigmoid_jet,
        formula="clip((x + 1) / 2, 0, 1)",
        latex=r"\mathrm{clip}\left(\frac{x + 1}{2}, 0, 1\right)",
        latex_derivative=r"\begin{cases}1/2 & -1 < x < 1\\0 & \text{otherwise}\end{cases}",
        properties=_props(0.0, 1.0, saturates="left right", sparse=True),
        smoothness=0,
        second_derivative_vanishes=True,
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
# JAX's and Keras's spellings: lookup finds them already (it ignores "_"); they are listed
# so that suggestions for a misspelt name can offer them.
_OTHER_SPELLINGS = ("log_sigmoid", "hard_tanh", "hard_sigmoid", "hard_swish")

NAMES: tuple[str, ...] = tuple(a.name for a in ACTIVATIONS)


def all_names() -> list[str]:
    """Every canonical name and alias, as users would write them."""
    names = {*NAMES, *_OTHER_SPELLINGS}
    for activation in ACTIVATIONS:
        names.update(activation.aliases)
    return sorted(names)


def get(name: str) -> Activation:
    """The activation called ``name`` (any case, alias or spelling); raise UnknownActivationError."""
    activation = _BY_KEY.get(_key(name))
    if activation is None:
        close = difflib.get_close_matches(name.strip().lower(), all_names(), n=12, cutoff=0.5)
        # Each function once, by its closest spelling: two spellings of one function are one suggestion.
        by_function: dict[str, str] = {}
        for match in close:
            by_function.setdefault(_BY_KEY[_key(match)].name, match)
        raise UnknownActivationError(name[:100], list(by_function.values())[:3])
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
        "kinks": [_kink_metadata(activation, k) for k in activation.kinks],
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
        "smoothness": activation.smoothness,
        "second_derivative_vanishes": activation.second_derivative_vanishes,
        "higher_derivatives_note": activation.higher_derivatives_note,
    }


def _kink_metadata(activation: Activation, kink: Kink) -> dict[str, Any]:
    at = kink.at(activation.defaults)
    _, _, d2, d3 = activation.derivatives(np.array([at]), activation.defaults, MAX_ORDER)
    return {
        "where": kink.where,
        "at_defaults": at,
        "derivative": kink.derivative,
        # + 0.0 writes a -0.0 as 0.0: the same answer.
        "second_derivative": float(d2[0]) + 0.0,
        "third_derivative": float(d3[0]) + 0.0,
    }
