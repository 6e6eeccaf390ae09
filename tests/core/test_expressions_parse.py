"""Parsing expressions: the whitelist, every hostile input, bounds, offsets and normalisation."""

import math
from pathlib import Path

import numpy as np
import pytest

from app.config import settings
from app.core import expression_parser
from app.core.expressions import ExpressionError, Limits, compile_expression, evaluate

LIMITS = Limits(
    max_length=settings.EXPR_MAX_LENGTH,
    max_nodes=settings.EXPR_MAX_NODES,
    max_depth=settings.EXPR_MAX_DEPTH,
    max_exponent=settings.EXPR_MAX_EXPONENT,
    max_literal=settings.EXPR_MAX_LITERAL,
)
# The same bounds without the length limit, to show each other bound holds on its own.
UNLIMITED_LENGTH = Limits(10**7, LIMITS.max_nodes, LIMITS.max_depth, LIMITS.max_exponent, LIMITS.max_literal)


def rejected(text: str, limits: Limits = LIMITS) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, limits)
    return info.value


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("x", "x"),
        ("2*sigmoid(2*x) - 1", "2 * sigmoid(2 * x) - 1"),
        ("x*sigmoid(1.702*x)", "x * sigmoid(1.702 * x)"),
        ("leaky_relu(x, negative_slope=0.2)", "leaky_relu(x, negative_slope=0.2)"),
        ("leaky_relu(x, negative_slope=0.01)", "leaky_relu(x)"),
        ("Leaky_ReLU(x, negative_slope=-(1/4))", "leaky_relu(x, negative_slope=-0.25)"),
        ("relu", "relu(x)"),
        ("swish + ELU", "silu(x) + elu(x)"),
        ("gelu(x, approximate='tanh')", "gelu(x, approximate='tanh')"),
        ("hardtanh(x, min_val=-2, max_val=2)", "hardtanh(x, min_val=-2, max_val=2)"),
        ("min(x, 0) + MAX(x, 1)", "minimum(x, 0) + maximum(x, 1)"),
        ("exp(log1p(expm1(sqrt(abs(sin(cos(erf(log(x)))))))))", "exp(log1p(expm1(sqrt(abs(sin(cos(erf(log(x)))))))))"),
        ("x**(1/2)", "x**0.5"),
        ("x**-1", "x**-1"),
        ("-x**2", "-x**2"),
        ("(-x)**2", "(-x)**2"),
        ("(x**2)**3", "(x**2)**3"),
        ("x**2**3", "x**8"),
        ("x - (x - 1)", "x - (x - 1)"),
        ("(x - x) - 1", "x - x - 1"),
        ("x / (2 * x)", "x / (2 * x)"),
        ("-(x + 1)", "-(x + 1)"),
        ("--x", "--x"),
        ("+x", "x"),
        ("  x +\t1 ", "x + 1"),
        ("(x\n+ 1)", "x + 1"),
        ("1_000 * x", "1000 * x"),
        ("2.50e-3*x", "0.0025 * x"),
        ("3", "3"),
    ],
)
def test_expression_is_normalised_and_reparses_to_itself(text: str, normalised: str) -> None:
    expression = compile_expression(text, LIMITS)
    assert expression.text == normalised
    assert compile_expression(expression.text, LIMITS).tree == expression.tree


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("relu", "ReLU"),
        ("leaky_relu(x, negative_slope=0.2)", "Leaky ReLU (negative_slope=0.2)"),
        ("relu(2*x)", "relu(2 * x)"),
        ("2*sigmoid(2*x) - 1", "2 * sigmoid(2 * x) - 1"),
    ],
)
def test_label_is_the_function_label_for_a_plain_call_else_the_text(text: str, label: str) -> None:
    assert compile_expression(text, LIMITS).label == label


HOSTILE = [
    # (input, where the error is, words the message must contain)
    ("9**9**9", 3, "exponent"),
    ("x**1000", 3, "exponent"),
    ("__import__('os')", 0, "unknown function"),
    ("__import__('os').system('true')", 16, "attribute"),
    ("x.__class__", 1, "attribute"),
    ("().__class__.__bases__", 2, "attribute"),
    ("(lambda: 1)()", 1, "lambda"),
    ("lambda: x", 0, "lambda"),
    ("[x][0]", 0, "subscript"),
    ("x[0]", 0, "subscript"),
    ("[c for c in x]", 0, "comprehension"),
    ("(c for c in x)", 0, "generator"),
    ("'x'", 0, "string"),
    ("f'{x}'", 0, "f-string"),
    ("(y := 2)", 1, ":="),
    ("y", 0, "unknown"),
    ("X", 0, "unknown"),
    ("foo(x)", 0, "unknown function"),
    ("eval('1')", 0, "unknown function"),
    ("relu(x, 0.2)", 0, "one argument"),
    ("relu()", 0, "one argument"),
    ("relu(x, alpha=1)", 8, "does not take 'alpha'"),
    ("leaky_relu(x, slope=0.2)", 14, "does not take 'slope'"),
    ("leaky_relu(x, negative_slope=100)", 14, "at most"),
    ("leaky_relu(x, negative_slope=x)", 29, "constant"),
    ("leaky_relu(x, negative_slope='0.2')", 29, "string"),
    ("gelu(x, approximate='cubic')", 8, "one of"),
    ("exp(x, base=2)", 7, "no parameters"),
    ("exp(x, 2)", 0, "one argument"),
    ("minimum(x)", 0, "2 arguments"),
    ("maximum", 0, "2 arguments"),
    ("relu(*x)", 5, "*"),
    ("relu(**x)", 5, "**"),
    ("x if x else 1", 0, "conditional"),
    ("x < 1", 0, "comparison"),
    ("x and 1", 0, "'and'"),
    ("not x", 0, "not"),
    ("~x", 0, "~"),
    ("x ^ 2", 2, "**"),
    ("x // 2", 2, "//"),
    ("x % 2", 2, "%"),
    ("(x) @ x", 4, "@"),
    ("x, x", 0, "tuple"),
    ("{x}", 0, "set"),
    ("{1: x}", 0, "dictionar"),
    ("x**x", 3, "constant"),
    ("2**x", 3, "constant"),
    ("x**(-8)**(1/3)", 3, "fractional"),
    ("x**(1/0)", 4, "division by zero"),
    ("1e999", 0, "at most"),
    ("1e10 * x", 0, "at most"),
    ("1" * 400, 0, "at most"),
    ("1j", 0, "complex"),
    ("True", 0, "not a number"),
    ("None", 0, "not a number"),
    ("...", 0, "not allowed"),
    ("b'x'", 0, "not allowed"),
    ("x·2", 1, "character"),
    ("x\x00", 1, "character"),
    ("", 0, "empty"),
    ("   ", 0, "empty"),
    ("x +", 3, "incomplete"),
    ("x y", 2, "syntax"),
    ("x)", 1, "syntax"),
    ("relu(x", 4, "syntax"),
    ("x; import os", 1, "syntax"),
    ("await x", 0, "not allowed"),
    ("(yield)", 1, "not allowed"),
    ("x if 1 else __import__('os')", 0, "conditional"),
]


@pytest.mark.parametrize(("text", "offset", "words"), HOSTILE, ids=[repr(h[0])[:40] for h in HOSTILE])
def test_hostile_input_is_rejected_with_message_and_offset(text: str, offset: int, words: str) -> None:
    error = rejected(text)
    assert words in error.message
    assert error.offset == offset
    assert f"at character {offset}" in str(error)


def test_an_over_long_expression_is_rejected_by_length_first() -> None:
    error = rejected("x" * 1_000_000)
    assert error.offset == settings.EXPR_MAX_LENGTH
    assert "1000000 characters" in error.message


def test_a_10000_deep_parenthesis_is_rejected_before_python_parses_it() -> None:
    text = "(" * 10_000 + "x" + ")" * 10_000
    assert rejected(text).offset == settings.EXPR_MAX_LENGTH
    error = rejected(text, UNLIMITED_LENGTH)
    assert "nested" in error.message
    assert error.offset == settings.EXPR_MAX_DEPTH


def test_deep_nesting_within_the_length_limit_is_rejected() -> None:
    depth = settings.EXPR_MAX_DEPTH + 1
    assert "nested" in rejected("(" * depth + "x" + ")" * depth).message
    assert "nested" in rejected("relu(" * depth + "x" + ")" * depth).message
    assert "nested" in rejected("-" * 200 + "x").message


def test_a_very_long_unary_chain_fails_cleanly_even_without_the_length_limit() -> None:
    assert rejected("-" * 100_000 + "x", UNLIMITED_LENGTH).message


def test_node_count_is_bounded() -> None:
    # 27 groups of 8 terms: 431 parts, but never more than 35 deep.
    wide = "*".join(["(" + "+".join(["x"] * 8) + ")"] * 27)
    assert len(wide) <= settings.EXPR_MAX_LENGTH
    assert "parts" in rejected(wide).message


def test_oversized_and_over_nested_input_never_reaches_pythons_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rejected by counting alone, so the cost is linear in the length (bench/expressions.py times it).
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("ast.parse was called")

    monkeypatch.setattr(expression_parser.ast, "parse", refuse)
    for text in ["x" * 1_000_000, "(" * 10_000 + "x" + ")" * 10_000, "(" * 65 + "x" + ")" * 65]:
        rejected(text)
    assert "nested" in rejected("(" * 10_000 + "x" + ")" * 10_000, UNLIMITED_LENGTH).message


def test_unknown_names_come_with_suggestions() -> None:
    assert "did you mean" in rejected("rleu(x)").message
    assert "relu" in rejected("rleu(x)").message


def test_every_registered_name_and_alias_is_callable() -> None:
    from app.core import registry

    for name in registry.all_names():
        expression = compile_expression(f"{name}(x)", LIMITS)
        assert expression.text == f"{registry.get(name).name}(x)"


def test_hostile_input_has_no_side_effect(tmp_path: Path) -> None:
    target = tmp_path / "touched"
    attempts = [
        f"__import__('os').system('touch {target}')",
        f"open('{target}', 'w')",
        f"exec(\"open('{target}', 'w')\")",
        f"[c for c in ().__class__.__base__.__subclasses__()]or open('{target}','w')",
    ]
    for text in attempts:
        rejected(text)
    assert not target.exists()


def test_pi_and_e_are_constants_that_keep_their_names() -> None:
    for text, normalised, value in [
        ("sin(pi*x)", "sin(pi * x)", 1.0),
        ("x*e", "x * e", math.e / 2),
        ("e**2", "e**2", math.e**2),
    ]:
        expression = compile_expression(text, LIMITS)
        assert expression.text == normalised
        assert compile_expression(expression.text, LIMITS).text == normalised
        assert evaluate(expression, np.array([0.5])).y[0] == pytest.approx(value, rel=1e-15)


def test_a_constant_called_or_raised_to_x_says_what_to_write() -> None:
    assert "pi is a constant, not a function" in str(rejected("pi(x)"))
    assert "write exp(...)" in str(rejected("e**x"))
    assert "write exp(...)" in str(rejected("2*e**(2*x)"))


@pytest.mark.parametrize("text", ["x 1", "relu(x) sigmoid(x)", "2*x 0.5"])
def test_operands_side_by_side_hint_at_an_unencoded_plus(text: str) -> None:
    error = rejected(text)
    assert "a + in a URL must be sent as %2B" in str(error)
    assert "%2B" not in str(rejected("x +"))
