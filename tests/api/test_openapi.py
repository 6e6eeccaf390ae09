"""The OpenAPI document is complete: summaries, descriptions, examples, tags, clean ids, media types, errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

TAGS = {"activations", "expressions", "compare", "analysis", "health"}


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _ref(content: dict[str, Any]) -> str:
    return str(content.get("schema", {}).get("$ref", "")).rsplit("/", 1)[-1]


def test_tags_are_the_five_groups_each_described(spec: dict[str, Any]) -> None:
    described = {tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])}
    assert set(described) == TAGS
    assert all(described.values())
    used = {operation["tags"][0] for _, _, operation in _operations(spec)}
    assert used == TAGS


def test_every_operation_has_a_summary_a_description_and_a_clean_id(spec: dict[str, Any]) -> None:
    ids = []
    for path, method, operation in _operations(spec):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation.get("description"), where
        # The resource's tag, and "analysis" for the analysis of one function or expression.
        resource = path.split("/")[2] if path.startswith("/v1/") else "health"
        assert operation["tags"][0] == resource, where
        assert operation["tags"][1:] in ([], ["analysis"]), where
        assert re.fullmatch(rf"{operation['tags'][-1]}-[a-z][a-z0-9_]*", operation["operationId"]), where
        ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))


def test_every_parameter_has_a_description_and_an_example(spec: dict[str, Any]) -> None:
    for path, method, operation in _operations(spec):
        for param in operation.get("parameters", []):
            where = f"{method.upper()} {path} {param['name']}"
            schema = param.get("schema", {})
            assert param.get("description") or schema.get("description"), where
            has_example = "example" in param or param.get("examples") or schema.get("examples") or "example" in schema
            assert has_example, where


def test_every_request_body_has_an_example(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for path, method, operation in _operations(spec):
        body = operation.get("requestBody")
        if body is None:
            continue
        content = body["content"]["application/json"]
        target = schemas.get(_ref(content)) or content.get("schema", {})
        assert content.get("example") or content.get("examples") or target.get("examples"), f"{method} {path}"


def test_image_routes_declare_png_and_svg(spec: dict[str, Any]) -> None:
    plots = [(p, op) for p, _, op in _operations(spec) if p.endswith("/plot")]
    assert len(plots) >= 3
    for path, operation in plots:
        content = operation["responses"]["200"]["content"]
        assert set(content) == {"image/png", "image/svg+xml"}, path


def test_unknown_names_and_bad_input_are_documented_with_their_schema(spec: dict[str, Any]) -> None:
    for path, method, operation in _operations(spec):
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        if "{name}" in path:
            assert _ref(responses["404"]["content"]["application/json"]) == "ErrorMessage", where
        if operation.get("parameters") or operation.get("requestBody"):
            assert _ref(responses["422"]["content"]["application/json"]) == "HTTPValidationError", where


def test_documented_422_matches_what_the_service_sends(client: TestClient, spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["ValidationError"]
    body = client.get("/v1/activations/relu/values?num=1").json()
    assert body["detail"]
    for item in body["detail"]:
        assert set(error["required"]) <= set(item) <= set(error["properties"])
