"""Parsing an expression in x: Python's own parser, then a whitelist of node types and names.

Nothing is ever evaluated as Python. Every bound (length, nesting, node count, literal
and exponent magnitude) is checked before the tree is built, and every rejection is an
ExpressionError that says what is wrong and at which character.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
from dataclasses import dataclass

from app.core import registry
from app.core.expression_tree import (
    ELEMENTARY,
    ELEMENTARY_ALIASES,
    ActivationCall,
    Binary,
    Elementary,
    ExpressionError,
    Negate,
    Node,
    Number,
    Power,
    Variable,
)
from app.core.registry import Activation, ParamError, ParamValue


@dataclass(frozen=True)
class Limits:
    """Bounds on an expression, all checked before any evaluation."""

    max_length: int
    max_nodes: int
    max_depth: int
    max_exponent: float
    max_literal: float


_WHITESPACE = " \t\r\n"
_OPENING = "([{"
_CLOSING = ")]}"
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_FORBIDDEN_OPERATORS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^ (for a power write **)",
    ast.BitAnd: "&",
}
_FORBIDDEN_NODES: dict[type[ast.AST], str] = {
    ast.Subscript: "subscripts ([...]) are not allowed",
    ast.Slice: "slices are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.NamedExpr: "assignment (:=) is not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' and 'or' are not allowed",
    ast.IfExp: "conditional expressions (a if c else b) are not allowed",
    ast.Tuple: "tuples are not allowed (a comma outside a function call)",
    ast.List: "lists are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dictionaries are not allowed",
    ast.Starred: "* and ** arguments are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
}


def parse(text: str, limits: Limits) -> Node:
    """The tree of ``text``, an expression in x; raise ExpressionError."""
    if len(text) > limits.max_length:
        raise ExpressionError(
            f"the expression is {len(text)} characters long; at most {limits.max_length} are allowed",
            limits.max_length,
        )
    _check_characters(text)
    start = len(text) - len(text.lstrip(_WHITESPACE))
    if start == len(text):
        raise ExpressionError("the expression is empty", 0)
    # Python's parser recurses on brackets, so their depth is bounded before it runs.
    _check_bracket_depth(text, limits.max_depth)
    source = text[start:]
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        message = "invalid syntax" if exc.msg == "invalid syntax" else f"invalid syntax: {exc.msg}"
        if not exc.offset:
            # Python gives no column when the input ends too soon ('x +').
            raise ExpressionError(f"{message}: the expression is incomplete", len(text)) from None
        offset = _absolute(source, exc.lineno or 1, exc.offset - 1) + start
        if _SPACED_OPERANDS.search(source):
            # "x+1" written unencoded in a URL arrives as "x 1": the + became a space.
            message += "; two operands stand side by side: a + in a URL must be sent as %2B"
        raise ExpressionError(message, min(offset, len(text))) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression is too complex to parse", 0) from None
    converter = _Converter(source, start, limits)
    converter.check_size(tree.body)
    return converter.convert(tree.body)


def _check_characters(text: str) -> None:
    for i, char in enumerate(text):
        if not (char.isascii() and (char.isprintable() or char in _WHITESPACE)):
            raise ExpressionError(f"character {char!r} is not allowed; use ASCII letters, digits and operators", i)


def _check_bracket_depth(text: str, max_depth: int) -> None:
    depth = 0
    for i, char in enumerate(text):
        if char in _OPENING:
            depth += 1
            if depth > max_depth:
                raise ExpressionError(f"brackets are nested more than {max_depth} deep", i)
        elif char in _CLOSING:
            depth = max(depth - 1, 0)


def _absolute(source: str, lineno: int, column: int) -> int:
    """The offset in ``source`` of a 1-based line and a 0-based column (ASCII, so bytes are characters)."""
    lines = source.split("\n")
    return sum(len(line) + 1 for line in lines[: lineno - 1]) + max(column, 0)


# Named constants; a name is only a constant where it stands alone (``pi(x)`` is no function).
CONSTANTS = {"pi": math.pi, "e": math.e}

# An operand (a name, number or closing bracket), a space, and another operand: what "x+1" becomes
# when a URL's unencoded + is read as a space.
_SPACED_OPERANDS = re.compile(r"[\w.)]\s+[\w.(]")


def _is_constant(node: ast.AST) -> bool:
    """Whether ``node`` mentions no x (and so could be a constant exponent)."""
    return not any(isinstance(n, ast.Name) and n.id not in CONSTANTS for n in ast.walk(node))


def _suggest(name: str) -> str:
    if len(name) > 40:
        return ""
    choices = ["x", *CONSTANTS, *ELEMENTARY, *ELEMENTARY_ALIASES, "tanh", "sigmoid", *registry.all_names()]
    close = difflib.get_close_matches(name.lower(), choices, n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


class _Converter:
    """Turns a whitelisted Python AST into an expression tree, with offsets for every error."""

    def __init__(self, source: str, start: int, limits: Limits) -> None:
        self.source = source
        self.start = start
        self.limits = limits

    def offset(self, node: ast.AST) -> int:
        lineno = getattr(node, "lineno", 1)
        column = getattr(node, "col_offset", 0)
        return self.start + _absolute(self.source, lineno, column)

    def after(self, node: ast.expr) -> int:
        """The first character after ``node``, its closing brackets and spaces: where an operator or '.' is."""
        end = _absolute(self.source, node.end_lineno or node.lineno, node.end_col_offset or 0)
        while end < len(self.source) and self.source[end] in _WHITESPACE + ")":
            end += 1
        return self.start + end

    def error(self, message: str, node: ast.AST) -> ExpressionError:
        return ExpressionError(message, self.offset(node))

    def check_size(self, root: ast.expr) -> None:
        """Bound the node count and the depth, without recursion, before anything is built."""
        count = 0
        stack: list[tuple[ast.AST, int]] = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > self.limits.max_nodes:
                raise self.error(f"the expression has more than {self.limits.max_nodes} parts", node)
            if depth > self.limits.max_depth:
                raise self.error(f"the expression is nested more than {self.limits.max_depth} operations deep", node)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr | ast.keyword):
                    stack.append((child, depth + 1))

    def convert(self, node: ast.expr) -> Node:
        if isinstance(node, ast.Constant):
            return Number(self.number(node))
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.forbidden(node)

    def forbidden(self, node: ast.AST) -> ExpressionError:
        if isinstance(node, ast.Attribute):
            while isinstance(node.value, ast.Attribute):  # report the first '.' of a chain
                node = node.value
            dot = self.after(node.value)
            return ExpressionError(f"attribute access (.{node.attr[:40]}) is not allowed", dot)
        message = _FORBIDDEN_NODES.get(type(node), f"{type(node).__name__} is not allowed")
        return self.error(message, node)

    def number(self, node: ast.Constant) -> float:
        value = node.value
        if isinstance(value, bool) or value is None:
            raise self.error(f"{value} is not a number", node)
        if isinstance(value, str):
            raise self.error("strings are not allowed (except a named choice, as in gelu(x, approximate='tanh'))", node)
        if isinstance(value, complex):
            raise self.error("complex numbers are not allowed", node)
        if not isinstance(value, int | float):
            raise self.error(f"{type(value).__name__} is not allowed", node)
        if not abs(value) <= self.limits.max_literal:
            raise self.error(f"numbers must be at most {self.limits.max_literal:g} in magnitude", node)
        return float(value)

    def name(self, node: ast.Name) -> Node:
        if node.id == "x":
            return Variable()
        if node.id in CONSTANTS:
            return Number(CONSTANTS[node.id], node.id)
        # A bare function name is that function of x.
        return self.function(node.id, [Variable()], [], node)

    def unary(self, node: ast.UnaryOp) -> Node:
        if isinstance(node.op, ast.UAdd):
            return self.convert(node.operand)
        if not isinstance(node.op, ast.USub):
            symbol = "not" if isinstance(node.op, ast.Not) else "~"
            raise self.error(f"operator {symbol!r} is not allowed", node)
        operand = self.convert(node.operand)
        if isinstance(operand, Number):
            return Number(-operand.value)
        return Negate(operand)

    def binary(self, node: ast.BinOp) -> Node:
        if isinstance(node.op, ast.Pow):
            base = self.convert(node.left)
            if isinstance(node.left, ast.Name) and node.left.id == "e" and not _is_constant(node.right):
                raise self.error("e**u is exp(u): write exp(...) for a power of e that depends on x", node)
            exponent = self.constant(node.right, "the exponent")
            if abs(exponent) > self.limits.max_exponent:
                raise self.error(
                    f"the exponent {exponent:g} is too large; at most {self.limits.max_exponent:g} in magnitude",
                    node.right,
                )
            return Power(base, exponent)
        op = _BINARY.get(type(node.op))
        if op is None:
            symbol = _FORBIDDEN_OPERATORS.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(f"operator {symbol} is not allowed", self.after(node.left))
        return Binary(op, self.convert(node.left), self.convert(node.right))

    def constant(self, node: ast.expr, what: str) -> float:
        """A constant made of numbers and + - * / **, folded with every step bounded."""
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name) and node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self.constant(node.operand, what)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in (*_BINARY, ast.Pow):
            left, right = self.constant(node.left, what), self.constant(node.right, what)
            return self.fold(node, left, right)
        if isinstance(node, ast.Name | ast.Call | ast.BinOp | ast.UnaryOp):
            raise self.error(f"{what} must be a constant number (x**2, x**0.5, x**(1/3)), not an expression in x", node)
        raise self.forbidden(node)

    def fold(self, node: ast.BinOp, left: float, right: float) -> float:
        try:
            if isinstance(node.op, ast.Add):
                value = left + right
            elif isinstance(node.op, ast.Sub):
                value = left - right
            elif isinstance(node.op, ast.Mult):
                value = left * right
            elif isinstance(node.op, ast.Div):
                value = left / right
            else:
                if abs(right) > self.limits.max_exponent:
                    raise self.error(
                        f"the exponent {right:g} is too large; at most {self.limits.max_exponent:g} in magnitude",
                        node.right,
                    )
                if left < 0 and not right.is_integer():
                    raise self.error("a negative number to a fractional power is not a real number", node)
                value = left**right
        except ZeroDivisionError:
            raise self.error("division by zero in a constant", node) from None
        except OverflowError:
            value = math.inf
        if not math.isfinite(value) or abs(value) > self.limits.max_literal:
            raise self.error(f"constants must be at most {self.limits.max_literal:g} in magnitude", node)
        return value

    def call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute | ast.Lambda | ast.Subscript | ast.Call):
                raise self.forbidden(node.func)
            raise self.error("only functions named in the expression language can be called", node.func)
        # The name is checked first, so __import__('os') is reported as the unknown function it is.
        target = self.lookup(node.func.id, node.func)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.forbidden(arg)
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.error("** arguments are not allowed", keyword)
        args = [self.convert(arg) for arg in node.args]
        return self.apply(target, args, node.keywords, node)

    def function(self, name: str, args: list[Node], keywords: list[ast.keyword], node: ast.AST) -> Node:
        return self.apply(self.lookup(name, node), args, keywords, node)

    def lookup(self, name: str, node: ast.AST) -> str | Activation:
        """The canonical elementary name, or the activation, called ``name``."""
        lowered = name.lower()
        if name in CONSTANTS:
            raise self.error(f"{name} is a constant, not a function: multiply by it ({name}*x)", node)
        elementary = ELEMENTARY_ALIASES.get(lowered, lowered)
        if elementary in ELEMENTARY:
            return elementary
        try:
            return registry.get(name)
        except registry.UnknownActivationError:
            raise self.error(f"unknown function or name {name[:40]!r}{_suggest(name)}", node) from None

    def apply(self, target: str | Activation, args: list[Node], keywords: list[ast.keyword], node: ast.AST) -> Node:
        if isinstance(target, str):
            return self.elementary(target, args, keywords, node)
        return self.activation(target, args, keywords, node)

    def elementary(self, name: str, args: list[Node], keywords: list[ast.keyword], node: ast.AST) -> Node:
        if keywords:
            raise self.error(f"{name} takes no parameters", keywords[0])
        arity = ELEMENTARY[name]
        if len(args) != arity:
            wanted = "one argument" if arity == 1 else f"{arity} arguments"
            raise self.error(f"{name} takes {wanted}, got {len(args)}", node)
        return Elementary(name, tuple(args))

    def activation(self, activation: Activation, args: list[Node], keywords: list[ast.keyword], node: ast.AST) -> Node:
        if len(args) != 1:
            example = f"{activation.name}(x, {activation.params[0].name}=...)" if activation.params else ""
            hint = f"; parameters go by name, as in {example}" if example and len(args) > 1 else ""
            raise self.error(f"{activation.name} takes one argument, an expression in x, got {len(args)}{hint}", node)
        by_name = {p.name: p for p in activation.params}
        given: dict[str, ParamValue] = {}
        where: dict[str, ast.keyword] = {}
        for keyword in keywords:
            assert keyword.arg is not None  # ** arguments were rejected by call()
            param = by_name.get(keyword.arg)
            if param is not None and param.choices is not None:
                given[keyword.arg] = self.choice(keyword.value)
            else:
                given[keyword.arg] = self.constant(keyword.value, f"the value of {keyword.arg}")
            where[keyword.arg] = keyword
        try:
            params = activation.resolve_params(given)
        except ParamError as exc:
            message = f"{activation.name}: {exc.param} {exc.message}" if exc.param in by_name else exc.message
            raise self.error(message, where.get(exc.param, node)) from None
        return ActivationCall(activation, params, args[0])

    def choice(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return node.id
        raise self.error("this parameter takes one of its named choices, in quotes", node)
