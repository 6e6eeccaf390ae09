"""Reading a request's subject: the function named in the path, expressions, the curve sets they make, and work limits.

Each resource reads its subject here and hands it to the pipeline (``app/api/curves.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.exceptions import RequestValidationError

from app.config import settings
from app.core import analysis, registry
from app.core.curves import CurveSet, Evaluation
from app.core.expressions import Expression, ExpressionError, Limits, compile_expression
from app.core.networks import Nonlinearity
from app.core.registry import Activation, ParamError, Params
from app.render import MAX_SERIES
from app.schemas import ErrorMessage
from app.web.errors import validation_error

from .queries import AnalysisOptions, ComparePlotQuery, CompareValuesQuery, ExpressionAnalysisQuery

EXPRESSION_LIMITS = Limits(
    max_length=settings.EXPR_MAX_LENGTH,
    max_nodes=settings.EXPR_MAX_NODES,
    max_depth=settings.EXPR_MAX_DEPTH,
    max_exponent=settings.EXPR_MAX_EXPONENT,
    max_literal=settings.EXPR_MAX_LITERAL,
)

# The overlay has a distinct colour and dash pattern for at most MAX_SERIES curves.
MAX_COMPARED = min(settings.COMPARE_MAX_CURVES, MAX_SERIES)

NamePath = Annotated[
    str, Path(description="function name or alias, any case", examples=["leaky_relu", "relu", "swish"])
]


# Cheap and never blocking: as `async def` it runs on the event loop, with no threadpool round trip.
async def get_activation(name: NamePath) -> Activation:
    return registry.get(name)


ActivationDep = Annotated[Activation, Depends(get_activation)]

# For every route taking ActivationDep: an unknown name is a 404 with suggestions.
UNKNOWN_NAME_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorMessage, "description": "No activation function has this name or alias"}
}


def function_params(activation: Activation, given: dict[str, Any], where: tuple[str, ...] = ("query",)) -> Params:
    """The function's parameters, defaults filled in, each checked against the registry; else a 422."""
    try:
        return activation.resolve_params(given)
    except ParamError as exc:
        raise validation_error((*where, exc.param), exc.message) from None


def compile_at(text: str, loc: tuple[str | int, ...]) -> Expression:
    """The expression ``text``, or a 422 at ``loc`` whose message says what is wrong and at which character."""
    try:
        return compile_expression(text, EXPRESSION_LIMITS)
    except ExpressionError as exc:
        error = {"type": "expression_error", "loc": loc, "msg": str(exc), "input": text, "ctx": {"offset": exc.offset}}
        raise RequestValidationError([error]) from None


def function_set(activation: Activation, given: dict[str, Any], where: tuple[str, ...] = ("query",)) -> CurveSet:
    return CurveSet.function(activation, function_params(activation, given, where))


def expression_set(text: str, loc: tuple[str | int, ...] = ("query", "expr")) -> CurveSet:
    return CurveSet.expression(compile_at(text, loc))


def comparison_set(query: CompareValuesQuery | ComparePlotQuery) -> CurveSet:
    """The curves of ``f``, labelled by ``label`` in order; counted and checked before anything is parsed."""
    if len(query.f) > MAX_COMPARED:
        raise validation_error(("query", "f"), f"at most {MAX_COMPARED} curves can be compared; got {len(query.f)}")
    labels = query.label or []
    if len(labels) > len(query.f):
        raise validation_error(
            ("query", "label"), f"{len(labels)} labels for {len(query.f)} curves; give at most one per f"
        )
    for i, text in enumerate(labels):
        if len(text) > settings.COMPARE_MAX_LABEL_LENGTH:
            raise validation_error(
                ("query", "label", i), f"labels are at most {settings.COMPARE_MAX_LABEL_LENGTH} characters", text
            )
        if not text.isprintable():
            raise validation_error(("query", "label", i), "labels are printable text, without control characters")
    expressions = [compile_at(text, ("query", "f", i)) for i, text in enumerate(query.f)]
    return CurveSet.comparison(expressions, [*labels, *[""] * (len(query.f) - len(labels))])


def check_work(
    subject: CurveSet, points: int, how: Evaluation | None = None, loc: tuple[str, ...] = ("query", "num")
) -> None:
    """A 422 at ``loc`` when nodes x points x the order's cost, over every curve, exceed ``EXPR_MAX_WORK``.

    Orders 0 and 1 cost 1, order 2 costs 2 and order 3 costs 3 (each derivative beyond the first
    costs about as much again).
    """
    how = how or Evaluation()
    work = subject.nodes * how.cost
    if work * points > settings.EXPR_MAX_WORK:
        most = max(settings.EXPR_MAX_WORK // work, 1)
        at_order = f" x {how.cost} (order {how.order})" if how.cost > 1 else ""
        raise validation_error(
            loc,
            f"{subject.nodes} expression nodes x {points} points{at_order} is more work than allowed "
            f"(EXPR_MAX_WORK = {settings.EXPR_MAX_WORK:,}); use at most {most} points, a lower order "
            "or a simpler expression",
            points,
        )


def check_analysis_work(subject: CurveSet, options: AnalysisOptions) -> None:
    """An expression's analysis is bounded like its values: nodes x num and nodes x samples."""
    check_work(subject, options.num)
    if isinstance(options, ExpressionAnalysisQuery):
        check_work(subject, options.samples, loc=("query", "samples"))


def functions_of(f: Sequence[str]) -> list[Nonlinearity]:
    """The functions of ``f``, each a name or an expression, checked before any work."""
    if len(f) > settings.ANALYSIS_MAX_CURVES:
        raise validation_error(
            ("query", "f"), f"at most {settings.ANALYSIS_MAX_CURVES} functions (ANALYSIS_MAX_CURVES); got {len(f)}"
        )
    functions = [analysis.from_expression(compile_at(text, ("query", "f", i))) for i, text in enumerate(f)]
    seen: dict[str, int] = {}
    for i, fn in enumerate(functions):
        if fn.name in seen:
            raise validation_error(("query", "f", i), f"{fn.name!r} is given twice (as f number {seen[fn.name] + 1})")
        seen[fn.name] = i
    return functions


def check_limit(loc: str, amount: int, limit: int, setting: str, formula: str) -> None:
    """A 422 at ``loc`` naming the Settings limit when ``amount`` is over it."""
    if amount > limit:
        raise validation_error(
            ("query", loc), f"{formula} = {amount:,} is over the limit {setting} = {limit:,}; ask for less"
        )


def check_evaluations(functions: Sequence[Nonlinearity], units: int) -> None:
    """Each unit evaluation costs its function's weight: 1 for a name, the node count for an expression."""
    check_limit(
        "batch",
        units * sum(f.weight for f in functions),
        settings.NETWORK_MAX_EVALUATIONS,
        "NETWORK_MAX_EVALUATIONS",
        "unit evaluations x the functions' weights (1 per name, nodes per expression)",
    )
