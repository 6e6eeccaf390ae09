"""Write openapi.md, the human-readable API reference, from the app's live OpenAPI document.

    python scripts/openapi_md.py            # rewrite openapi.md
    python scripts/openapi_md.py --check    # exit 1 if openapi.md is out of date

Every path and operation, each parameter with its default and limits, request bodies,
responses with their shape and errors, and a curl command for each operation.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "openapi.md"
BASE_URL = "http://127.0.0.1:8000"
METHODS = ("get", "post", "put", "patch", "delete")
EXTENSIONS = {
    "image/png": "png",
    "image/svg+xml": "svg",
    "text/csv": "csv",
    "application/x-npy": "npy",
}

Schema = dict[str, Any]


def load_spec() -> Schema:
    sys.path.insert(0, str(ROOT))
    from app.main import app

    return app.openapi()


def error_examples() -> list[tuple[str, Any]]:
    """Real error bodies, asked of the app itself."""
    from fastapi.testclient import TestClient

    from app.main import app

    examples = []
    with TestClient(app) as client:
        for number, url in enumerate(("/v1/activations/relu/values?num=1000000", "/v1/activations/relux"), 1):
            # A request id of the client's own comes back in the error body, and keeps this file the same.
            response = client.get(url, headers={"X-Request-ID": f"example-{number}"})
            examples.append((f"GET {url} (X-Request-ID: example-{number}) → {response.status_code}", response.json()))
    return examples


class Renderer:
    def __init__(self, spec: Schema, errors: list[tuple[str, Any]] | None = None) -> None:
        self.spec = spec
        self.error_examples = errors or []
        self.schemas: dict[str, Schema] = spec.get("components", {}).get("schemas", {})

    # --- schema helpers -------------------------------------------------------------------

    def resolve(self, schema: Schema) -> Schema:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def type_of(self, schema: Schema) -> str:
        """A short type: `number`, `array of number`, `ValuesResponse`, `json | csv`..."""
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            target = self.schemas[name]
            if "enum" in target:
                return " \\| ".join(f"`{v}`" for v in target["enum"])
            return f"[{name}](#{name.lower()})"
        for key in ("anyOf", "oneOf"):
            if key in schema:
                parts = [self.type_of(s) for s in schema[key] if s.get("type") != "null"]
                nullable = any(s.get("type") == "null" for s in schema[key])
                return " or ".join(parts) + (" or null" if nullable else "")
        if "enum" in schema:
            return " \\| ".join(f"`{v}`" for v in schema["enum"])
        kind = schema.get("type", "any")
        if kind == "array":
            item = self.type_of(schema.get("items", {}))
            return f"array of ({item})" if " or " in item else f"array of {item}"
        if kind == "object" and "additionalProperties" in schema:
            extra = schema["additionalProperties"]
            value = self.type_of(extra) if isinstance(extra, dict) else "any"
            return f"object of {value}"
        if schema.get("format") == "binary":
            return "binary"
        return str(kind)

    def limits(self, schema: Schema) -> str:
        schema = {**self.resolve(schema), **{k: v for k, v in schema.items() if k != "$ref"}}
        for key in ("anyOf", "oneOf"):
            for option in schema.get(key, []):
                if option.get("type") != "null":
                    schema = {**self.resolve(option), **schema}
        parts = []
        for key, text in (
            ("minimum", "≥ {}"),
            ("exclusiveMinimum", "> {}"),
            ("maximum", "≤ {}"),
            ("exclusiveMaximum", "< {}"),
            ("minLength", "length ≥ {}"),
            ("maxLength", "length ≤ {}"),
            ("minItems", "items ≥ {}"),
            ("maxItems", "items ≤ {}"),
            ("pattern", "matches `{}`"),
        ):
            if key in schema:
                parts.append(text.format(_number(schema[key])))
        return ", ".join(parts)

    # --- document -------------------------------------------------------------------------

    def operations(self) -> Iterator[tuple[str, str, Schema]]:
        for path, item in self.spec["paths"].items():
            for method in METHODS:
                if method in item:
                    yield path, method, item[method]

    def render(self) -> str:
        info = self.spec["info"]
        lines = [
            f"# {info['title']} {info['version']} — API reference",
            "",
            "<!-- Generated from the app's OpenAPI document by `make openapi`; do not edit by hand. -->",
            "",
            info.get("description", ""),
            "",
            f"Examples use `{BASE_URL}`, where `make run` serves. The same reference is interactive at"
            " `/docs` (Swagger UI) and `/redoc`; the machine-readable document is `/openapi.json`.",
            "",
            "## Contents",
            "",
        ]
        groups: dict[str, list[tuple[str, str, Schema]]] = {}
        for path, method, op in self.operations():
            groups.setdefault((op.get("tags") or ["other"])[0], []).append((path, method, op))
        for tag, ops in groups.items():
            lines.append(f"- **{tag}**")
            for path, method, op in ops:
                lines.append(f"  - [`{method.upper()} {path}`](#{_anchor(op)}) — {op.get('summary', '')}")
        lines += ["- [Errors](#errors)", "- [Function parameters](#function-parameters)", "- [Schemas](#schemas)"]
        lines.append("")
        for tag, ops in groups.items():
            lines += [f"## {tag}", ""]
            description = next((t.get("description") for t in self.spec.get("tags", []) if t["name"] == tag), None)
            if description:
                lines += [description, ""]
            for path, method, op in ops:
                lines += self.operation(path, method, op)
        lines += self.errors_section()
        lines += self.function_parameters_section()
        lines += self.schema_section()
        return "\n".join(lines).rstrip() + "\n"

    def operation(self, path: str, method: str, op: Schema) -> list[str]:
        lines = [
            f'<a id="{_anchor(op)}"></a>',
            f"### {method.upper()} `{path}`",
            "",
            f"**{op.get('summary', '')}** (operation id `{op.get('operationId', '')}`)",
            "",
        ]
        if op.get("description"):
            lines += [op["description"], ""]
        params = op.get("parameters", [])
        if params:
            lines += [
                "| parameter | in | type | required | default | limits | description |",
                "| --- | --- | --- | --- | --- | --- | --- |",
            ]
            for p in params:
                schema = p.get("schema", {})
                default = f"`{_value(schema['default'])}`" if "default" in schema else ""
                lines.append(
                    f"| `{p['name']}` | {p['in']} | {self.type_of(schema)} | {'yes' if p.get('required') else 'no'}"
                    f" | {default} | {self.limits(schema)} | {_cell(p.get('description', ''))} |"
                )
            lines.append("")
        body = op.get("requestBody")
        if body:
            for media, content in body.get("content", {}).items():
                schema = content.get("schema", {})
                lines += [f"Request body ({'required' if body.get('required') else 'optional'}, `{media}`):"]
                lines += [f"{self.type_of(schema)}.", ""]
                example = self.body_example(content)
                if example is not None:
                    lines += ["```json", json.dumps(example, indent=2), "```", ""]
        lines += ["| status | meaning | content |", "| --- | --- | --- |"]
        for status, response in op.get("responses", {}).items():
            contents = []
            for media, content in response.get("content", {}).items():
                shape = self.type_of(content["schema"]) if content.get("schema") else ""
                contents.append(f"`{media}` {shape}".strip())
            lines.append(f"| {status} | {_cell(response.get('description', ''))} | {'; '.join(contents)} |")
        lines += ["", "```sh", self.curl(path, method, op), "```", ""]
        return lines

    def body_example(self, content: Schema) -> Any:
        if "example" in content:
            return content["example"]
        if content.get("examples"):
            first = next(iter(content["examples"].values()))
            return first.get("value")
        schema = self.resolve(content.get("schema", {}))
        examples = schema.get("examples")
        if isinstance(examples, list) and examples:
            return examples[0]
        return None

    def curl(self, path: str, method: str, op: Schema) -> str:
        query: list[tuple[str, str]] = []
        url_path = path
        for p in op.get("parameters", []):
            example = _param_example(p)
            if p["in"] == "path":
                url_path = url_path.replace("{" + p["name"] + "}", quote(str(example if example is not None else "x")))
            elif p["in"] == "query" and example is not None and example != p.get("schema", {}).get("default"):
                # Only what differs from the defaults, so each example shows something.
                values = example if isinstance(example, list) else [example]
                query += [(p["name"], _value(v)) for v in values]
        url = BASE_URL + url_path + (f"?{urlencode(query, safe='*(),')}" if query else "")
        parts = ["curl -sS"]
        if method != "get":
            parts.append(f"-X {method.upper()}")
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            example = self.body_example(body)
            parts.append("-H 'Content-Type: application/json'")
            parts.append(f"-d '{json.dumps(example if example is not None else {}, separators=(',', ':'))}'")
        ok = op.get("responses", {}).get("200", {}).get("content", {})
        binary = [m for m in ok if m.startswith("image/")]
        parts.append(f"'{url}'")
        if binary:
            extension = dict(query).get("format") or EXTENSIONS.get(binary[0], "bin")
            parts.append(f"-o {path.rstrip('/').rsplit('/', 1)[-1]}.{extension}")
        return " ".join(parts)

    def errors_section(self) -> list[str]:
        seen: dict[str, set[str]] = {}
        for _, _, op in self.operations():
            for status, response in op.get("responses", {}).items():
                if not status.startswith(("2", "3")):
                    seen.setdefault(status, set()).add(_cell(response.get("description", "")))
        lines = [
            "## Errors",
            "",
            "Every error is JSON with a `detail` that says what is wrong; no input produces a 500.",
            "A 422 lists each problem with its location (`loc`), message (`msg`) and the offending `input`;",
            "a 404 for an unknown function suggests close names:",
            "",
        ]
        for request, body in self.error_examples:
            lines += [f"`{request}`", "", "```json", json.dumps(body, indent=2, ensure_ascii=False), "```", ""]
        lines += [
            "| status | when |",
            "| --- | --- |",
        ]
        for status in sorted(seen):
            lines.append(f"| {status} | {'; '.join(sorted(seen[status]))} |")
        return [*lines, ""]

    def function_parameters_section(self) -> list[str]:
        from app.core import registry

        lines = [
            "## Function parameters",
            "",
            "A function's own parameters go in the query string by name (`?negative_slope=0.2`) or in",
            "`params` of a POST body; any other name is a 422.",
            "",
            "| function | aliases | parameter | default | limits | description |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for activation in registry.ACTIVATIONS:
            meta = registry.metadata(activation)
            aliases = ", ".join(f"`{a}`" for a in meta["aliases"])
            if not meta["params"]:
                lines.append(f"| `{meta['name']}` ({meta['label']}) | {aliases} | | | | |")
            for param in meta["params"]:
                limits = self.limits({k: param[k] for k in ("minimum", "maximum") if param.get(k) is not None})
                if param.get("choices"):
                    limits = "one of " + ", ".join(f"`{c}`" for c in param["choices"])
                lines.append(
                    f"| `{meta['name']}` ({meta['label']}) | {aliases} | `{param['name']}`"
                    f" | `{_value(param['default'])}` | {limits} | {_cell(param['description'])} |"
                )
        return [*lines, ""]

    def schema_section(self) -> list[str]:
        lines = ["## Schemas", ""]
        for name in sorted(self.schemas):
            schema = self.schemas[name]
            lines += [f'<a id="{name.lower()}"></a>', f"### {name}", ""]
            if schema.get("description"):
                lines += [_cell(schema["description"]), ""]
            if "enum" in schema:
                lines += ["One of " + ", ".join(f"`{v}`" for v in schema["enum"]) + ".", ""]
                continue
            properties = schema.get("properties", {})
            if not properties:
                lines += [f"{self.type_of(schema)}.", ""]
                continue
            required = set(schema.get("required", []))
            lines += [
                "| field | type | required | default | limits | description |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            for field, prop in properties.items():
                default = f"`{_value(prop['default'])}`" if "default" in prop else ""
                lines.append(
                    f"| `{field}` | {self.type_of(prop)} | {'yes' if field in required else 'no'} | {default}"
                    f" | {self.limits(prop)} | {_cell(prop.get('description', ''))} |"
                )
            lines.append("")
        return lines


def _anchor(op: Schema) -> str:
    return str(op.get("operationId", "")).lower()


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if abs(value) < 1e5 else f"{value:g}"
    return str(value)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _param_example(param: Schema) -> Any:
    if "example" in param:
        return param["example"]
    if param.get("examples"):
        first = next(iter(param["examples"].values()))
        return first.get("value")
    schema = param.get("schema", {})
    if schema.get("examples"):
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    if param.get("required"):
        return schema.get("default")
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if openapi.md is out of date")
    args = parser.parse_args(argv)
    text = Renderer(load_spec(), error_examples()).render()
    if args.check:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print("openapi.md is out of date: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
