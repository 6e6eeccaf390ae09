"""Random input never escapes as anything but an ExpressionError; random valid trees round-trip."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.expressions import ExpressionError, compile_expression, evaluate

from .test_expressions_parse import LIMITS

ALPHABET = "x0123456789.e+-*/()[]{},=:'\" _abcdefghijklmnopqrstuvwxyz**^%<>!~@&|\\\n\t"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=80))
def test_any_text_is_accepted_or_rejected_with_an_expression_error(text: str) -> None:
    try:
        expression = compile_expression(text, LIMITS)
    except ExpressionError as exc:
        assert 0 <= exc.offset <= len(text)
        assert exc.message
        return
    assert compile_expression(expression.text, LIMITS).tree == expression.tree


ATOMS = st.sampled_from(["x", "2", "0.5", "-3", "1e-3", "relu", "tanh"])
UNARY = st.sampled_from(["exp", "log", "sqrt", "abs", "sin", "sigmoid", "gelu", "elu", "softplus", "expm1"])


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
        lambda t: f"({t[0]}){t[1]}({t[2]})"
    )
    power = st.tuples(children, st.sampled_from(["2", "3", "-1", "0.5", "(1/3)"])).map(lambda t: f"({t[0]})**{t[1]}")
    call = st.tuples(UNARY, children).map(lambda t: f"{t[0]}({t[1]})")
    extremum = st.tuples(st.sampled_from(["minimum", "maximum"]), children, children).map(
        lambda t: f"{t[0]}({t[1]}, {t[2]})"
    )
    return binary | power | call | extremum | children.map(lambda c: f"-({c})")


EXPRESSIONS = st.recursive(ATOMS, _combine, max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(EXPRESSIONS)
def test_valid_expressions_round_trip_and_evaluate_without_warnings(text: str) -> None:
    expression = compile_expression(text, LIMITS)
    again = compile_expression(expression.text, LIMITS)
    assert again.text == expression.text
    assert again.tree == expression.tree
    x = np.linspace(-5.0, 5.0, 41)
    curve = evaluate(expression, x)
    assert curve.undefined == int(np.isnan(curve.y).sum())
    assert curve.undefined_dy == int(np.isnan(curve.dy).sum())
    assert not np.isinf(curve.y).any()
    assert not np.isinf(curve.dy).any()
