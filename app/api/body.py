"""JSON request bodies validated straight from their bytes by pydantic's own JSON parser.

FastAPI's way (``json.loads`` into Python objects, then validating them) costs about 30 ms for
100,000 numbers; ``model_validate_json`` does the same checks on the bytes in about 6 ms and
reports the same errors. A route using it declares its body through ``json_body_openapi``.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from .deps import validation_error

Model = TypeVar("Model", bound=BaseModel)


async def read_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(read_body)]


def parse_json_body(model: type[Model], request: Request, raw: bytes) -> Model:
    """``raw`` as ``model``, or a 422 whose ``detail`` locates each error under ``body``."""
    if not raw:
        raise validation_error(("body",), "Field required", kind="missing")
    if not _is_json(request.headers.get("content-type", "")):
        raise validation_error(
            ("body",), "The body must be JSON, sent with Content-Type: application/json", kind="model_attributes_type"
        )
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError([_under_body(error) for error in exc.errors(include_url=False)]) from None


def _under_body(error: Any) -> dict[str, Any]:
    located = {**error, "loc": ("body", *error["loc"])}
    if error["type"] == "json_invalid":
        # The message already says where ("at line 1 column 9"); the input is the whole body.
        located.pop("ctx", None)
        located.pop("input", None)
    return located


def _is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def json_body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` that documents ``model`` as the required JSON request body."""
    schema = self_contained_schema(model)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def self_contained_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with its ``$defs`` written in place.

    The schema goes inside the OpenAPI document, where "#/$defs/..." would not resolve.
    """
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                rest = {key: value for key, value in node.items() if key != "$ref"}
                return {**inline(definitions[ref.removeprefix("#/$defs/")]), **rest}
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    inlined: dict[str, Any] = inline(schema)
    return inlined
