"""The tree of a parsed expression in x, and its normalised text.

The text printed from a tree parses back to the same tree, so it serves as the
expression's canonical form (and as the key of anything cached for it).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.registry import Activation, Params


class ExpressionError(ValueError):
    """An expression that cannot be accepted: what is wrong, and where (0-based character offset)."""

    def __init__(self, message: str, offset: int) -> None:
        self.message = message
        self.offset = offset
        super().__init__(f"{message} (at character {offset})")


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    # The constant's name where one was written (pi, e), so that the normalised text keeps it.
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class Variable:
    """The input x."""


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # one of + - * /
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Power:
    base: Node
    exponent: float


@dataclass(frozen=True, slots=True)
class Elementary:
    name: str  # a key of ELEMENTARY
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ActivationCall:
    activation: Activation
    params: Params
    arg: Node


Node = Number | Variable | Negate | Binary | Power | Elementary | ActivationCall

# Elementary functions and their number of arguments. tanh and sigmoid are in the registry.
ELEMENTARY: dict[str, int] = {
    "exp": 1,
    "log": 1,
    "log1p": 1,
    "expm1": 1,
    "sqrt": 1,
    "abs": 1,
    "sin": 1,
    "cos": 1,
    "erf": 1,
    "minimum": 2,
    "maximum": 2,
}
ELEMENTARY_ALIASES = {"min": "minimum", "max": "maximum", "ln": "log", "fabs": "abs"}

# Binding strength when printing: a child binding less tightly than its parent needs parentheses.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5
_PRECEDENCE = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}


def format_number(value: float) -> str:
    """The shortest text that reads back as ``value``: 2 rather than 2.0."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return _PRECEDENCE[node.op]
    if isinstance(node, Negate) or (isinstance(node, Number) and node.value < 0):
        return _UNARY
    if isinstance(node, Power):
        return _POWER
    return _ATOM


def _wrap(node: Node, needs: bool) -> str:
    text = to_text(node)
    return f"({text})" if needs else text


def _param_text(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else format_number(float(value))  # type: ignore[arg-type]


def to_text(node: Node) -> str:
    """The normalised text of ``node``: canonical names, non-default parameters only, minimal parentheses."""
    if isinstance(node, Number):
        return node.symbol or format_number(node.value)
    if isinstance(node, Variable):
        return "x"
    if isinstance(node, Negate):
        return "-" + _wrap(node.operand, _precedence(node.operand) < _UNARY)
    if isinstance(node, Binary):
        own = _PRECEDENCE[node.op]
        # Operators associate to the left, so an equal-precedence right child keeps its parentheses.
        left = _wrap(node.left, _precedence(node.left) < own)
        right = _wrap(node.right, _precedence(node.right) <= own)
        return f"{left} {node.op} {right}"
    if isinstance(node, Power):
        # -x**2 is -(x**2), so a negated base, like any weaker one, needs parentheses.
        base = _wrap(node.base, _precedence(node.base) <= _POWER)
        return f"{base}**{format_number(node.exponent)}"
    if isinstance(node, Elementary):
        return f"{node.name}({', '.join(to_text(a) for a in node.args)})"
    changed = [
        f"{name}={_param_text(value)}" for name, value in node.params.items() if value != node.activation.defaults[name]
    ]
    return f"{node.activation.name}({', '.join([to_text(node.arg), *changed])})"


def default_label(node: Node) -> str:
    """A legend label: the function's label for a plain call on x ("Leaky ReLU (negative_slope=0.2)"), else the text."""
    if isinstance(node, ActivationCall) and isinstance(node.arg, Variable):
        changed = [
            f"{name}={_param_text(value)}"
            for name, value in node.params.items()
            if value != node.activation.defaults[name]
        ]
        return node.activation.label + (f" ({', '.join(changed)})" if changed else "")
    return to_text(node)


def count_nodes(node: Node) -> int:
    """The number of nodes: the cost of one evaluation, per point, in array operations."""
    if isinstance(node, Number | Variable):
        return 1
    if isinstance(node, Negate):
        return 1 + count_nodes(node.operand)
    if isinstance(node, Binary):
        return 1 + count_nodes(node.left) + count_nodes(node.right)
    if isinstance(node, Power):
        return 1 + count_nodes(node.base)
    if isinstance(node, Elementary):
        return 1 + sum(count_nodes(a) for a in node.args)
    return 1 + count_nodes(node.arg)
