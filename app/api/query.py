"""Query strings validated by one pydantic model in one call, and documented from the same model.

FastAPI resolves every declared query parameter and every dependency on its own, at about 10 µs
a parameter and 35 µs a dependency per request (bench/RESULTS.md): for a small values request
that is most of its cost. A route using this module declares only its path parameter, validates
the whole query string at once with ``parse_query`` (the errors are FastAPI's, under ``query``),
and documents the model's fields as its query parameters with ``query_openapi``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import QueryParams

from .body import self_contained_schema
from .deps import reject_repeated

Model = TypeVar("Model", bound=BaseModel)


def parse_query(model: type[Model], query_string: bytes | str) -> Model:
    """The query string as ``model`` (names it does not declare land in ``model_extra``), or a 422.

    Every name takes one value: one given twice is a 422 too.
    """
    query = QueryParams(query_string)
    reject_repeated(query)
    try:
        return model.model_validate(dict(query))
    except ValidationError as exc:
        errors = [{**error, "loc": ("query", *error["loc"])} for error in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def query_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` listing ``model``'s fields as the operation's query parameters."""
    schema = self_contained_schema(model)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema["properties"].items():
        field = dict(field)
        field.pop("title", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": field}
        if "description" in field:
            parameter["description"] = field["description"]
        parameters.append(parameter)
    return {"parameters": parameters}
