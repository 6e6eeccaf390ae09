"""The generator of openapi.md: every operation, parameter, default, limit and status, with curl."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("openapi_md", ROOT / "scripts" / "openapi_md.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return _load()


@pytest.fixture(scope="module")
def spec(generator: ModuleType) -> dict[str, Any]:
    return generator.load_spec()


@pytest.fixture(scope="module")
def rendered(generator: ModuleType, spec: dict[str, Any]) -> str:
    return generator.Renderer(spec, generator.error_examples()).render()


def _sections(text: str) -> dict[str, str]:
    """Operation heading ("GET /path") -> its section of the document."""
    parts = re.split(r"^### ((?:GET|POST|PUT|PATCH|DELETE) `[^`]+`)$", text, flags=re.MULTILINE)
    return {parts[i].replace("`", ""): parts[i + 1].split("\n## ")[0] for i in range(1, len(parts) - 1, 2)}


def test_every_operation_has_a_section_with_a_curl_example(spec: dict[str, Any], rendered: str) -> None:
    sections = _sections(rendered)
    expected = {f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item}
    assert set(sections) == expected
    for heading, body in sections.items():
        method, path = heading.split(" ", 1)
        curls = re.findall(r"^curl -sS .*$", body, flags=re.MULTILINE)
        assert len(curls) == 1, heading
        assert path.split("{")[0] in curls[0], heading
        if method != "GET":
            assert f"-X {method}" in curls[0]


def test_every_parameter_is_listed_with_its_default_and_limits(
    generator: ModuleType, spec: dict[str, Any], rendered: str
) -> None:
    sections = _sections(rendered)
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            body = sections[f"{method.upper()} {path}"]
            for param in operation.get("parameters", []):
                row = next((line for line in body.splitlines() if line.startswith(f"| `{param['name']}` |")), None)
                assert row is not None, (path, param["name"])
                cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip("|"))]
                schema = param["schema"]
                if schema.get("default") is not None:
                    assert cells[4] == f"`{generator._value(schema['default'])}`", row
                if "maximum" in schema:
                    assert f"≤ {generator._number(schema['maximum'])}" in cells[5], row
                if "minimum" in schema:
                    assert f"≥ {generator._number(schema['minimum'])}" in cells[5], row


def test_every_documented_status_appears(spec: dict[str, Any], rendered: str) -> None:
    sections = _sections(rendered)
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            statuses = re.findall(r"^\| (\d{3}) \|", sections[f"{method.upper()} {path}"], flags=re.MULTILINE)
            assert set(statuses) == set(operation["responses"]), (method, path)


def test_error_examples_are_the_services_own_answers(generator: ModuleType) -> None:
    examples = dict(generator.error_examples())
    too_many = examples["GET /v1/activations/relu/values?num=1000000 (X-Request-ID: example-1) → 422"]
    assert too_many["detail"][0]["loc"] == ["query", "num"]
    assert too_many["request_id"] == "example-1"
    unknown = examples["GET /v1/activations/relux (X-Request-ID: example-2) → 404"]
    assert "relu" in unknown["suggestions"]
    assert unknown["request_id"] == "example-2"


def test_check_mode_reports_a_stale_file(
    generator: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "openapi.md"
    stale.write_text("# old\n")
    monkeypatch.setattr(generator, "OUTPUT", stale)
    assert generator.main(["--check"]) == 1
    assert generator.main([]) == 0
    assert generator.main(["--check"]) == 0
    assert stale.read_text().startswith("# Activation functions")
