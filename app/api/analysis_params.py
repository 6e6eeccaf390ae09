"""Query parameters and limits shared by the analysis endpoints."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request

from app.config import settings
from app.core import analysis
from app.core.networks import Nonlinearity

from .deps import validation_error
from .expressions import LANGUAGE, compile_query
from .limits import BUSY_RESPONSES
from .plotting import IMAGE_RESPONSES
from .responses import JSON_ONLY_RESPONSES

RESPONSES: dict[int | str, dict[str, Any]] = {**BUSY_RESPONSES, **JSON_ONLY_RESPONSES}
PLOT_RESPONSES: dict[int | str, dict[str, Any]] = {**IMAGE_RESPONSES, **BUSY_RESPONSES}

SeedQuery = Annotated[
    int,
    Query(
        ge=0,
        le=2**32 - 1,
        description="seed of numpy's default_rng: the same seed gives the same numbers",
        examples=[42],
    ),
]


def request_url(request: Request, resolved: dict[str, Any]) -> str:
    """The request that reproduces this response, every parameter spelled out."""
    pairs: list[tuple[str, Any]] = []
    for key, value in resolved.items():
        if isinstance(value, list):
            pairs.extend((key, v) for v in value)
        else:
            pairs.append((key, value))
    return f"{request.url.path}?{urlencode(pairs)}"


def _resolve_functions(f: list[str]) -> list[Nonlinearity]:
    """The functions of ``f``, each a name or an expression, checked before any work."""
    if len(f) > settings.ANALYSIS_MAX_CURVES:
        raise validation_error(
            ("query", "f"), f"at most {settings.ANALYSIS_MAX_CURVES} functions (ANALYSIS_MAX_CURVES); got {len(f)}"
        )
    functions = [analysis.from_expression(compile_query(text, ("query", "f", i))) for i, text in enumerate(f)]
    seen: dict[str, int] = {}
    for i, fn in enumerate(functions):
        if fn.name in seen:
            raise validation_error(("query", "f", i), f"{fn.name!r} is given twice (as f number {seen[fn.name] + 1})")
        seen[fn.name] = i
    return functions


_F_DESCRIPTION = (
    f"one per function compared, at most {settings.ANALYSIS_MAX_CURVES}: a name or an expression. {LANGUAGE}"
)


async def get_functions(
    f: Annotated[list[str], Query(description=_F_DESCRIPTION, examples=[["relu", "sigmoid", "tanh"]])] = [  # noqa: B006
        "relu",
        "sigmoid",
        "tanh",
    ],
) -> list[Nonlinearity]:
    return _resolve_functions(f)


async def get_training_functions(
    f: Annotated[list[str], Query(description=_F_DESCRIPTION, examples=[["relu", "elu"]])] = [  # noqa: B006
        "relu",
        "leaky_relu",
    ],
) -> list[Nonlinearity]:
    return _resolve_functions(f)


FunctionsDep = Annotated[list[Nonlinearity], Depends(get_functions)]
TrainingFunctionsDep = Annotated[list[Nonlinearity], Depends(get_training_functions)]


def check_limit(loc: str, amount: int, limit: int, setting: str, formula: str) -> None:
    """A 422 at ``loc`` naming the Settings limit when ``amount`` is over it."""
    if amount > limit:
        raise validation_error(
            ("query", loc), f"{formula} = {amount:,} is over the limit {setting} = {limit:,}; ask for less"
        )


def check_evaluations(functions: list[Nonlinearity], units: int) -> None:
    """Each unit evaluation costs its function's weight: 1 for a name, the node count for an expression."""
    weight = sum(f.weight for f in functions)
    check_limit(
        "batch",
        units * weight,
        settings.NETWORK_MAX_EVALUATIONS,
        "NETWORK_MAX_EVALUATIONS",
        "unit evaluations x the functions' weights (1 per name, nodes per expression)",
    )
