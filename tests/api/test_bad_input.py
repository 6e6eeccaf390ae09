"""The bad-input battery: every malformed request gets its documented 4xx and a detail saying what is wrong.

Each case names the request, the status it must get, and words its `detail` must contain. The
status must also be one the OpenAPI document lists for that operation (405 and a body on a GET
aside, which no operation can list). Edge numbers that are valid (-0.0, subnormals, the largest
allowed) are computed, not refused, and answered with finite numbers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import settings

V = "/v1/activations/relu/values"
LEAKY = "/v1/activations/leaky_relu/values"
EXPR = "/v1/expressions/values"
JSON = {"content-type": "application/json"}
WANTS_JSON = {"accept": "application/json"}
DEEP = 10_000


@dataclass(frozen=True)
class Bad:
    name: str
    url: str
    status: int
    says: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def post(name: str, url: str, body: bytes, status: int, says: str, headers: dict[str, str] | None = None) -> Bad:
    return Bad(name, url, status, says, "POST", body, JSON if headers is None else headers)


def expr(name: str, text: str, says: str) -> Bad:
    return Bad(name, f"{EXPR}?expr={_quote(text)}", 422, says)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


QUERY_STRINGS = [
    Bad("empty pair", f"{V}?=", 422, "does not take ''"),
    Bad("undecodable key", f"{V}?%zz=1", 422, "does not take '%zz'"),
    Bad("undecodable value", f"{V}?x_min=%ff%fe", 422, "valid number"),
    Bad("key without value", f"{V}?x_min", 422, "valid number"),
    Bad("huge key", f"{V}?{'a' * 60_000}=1", 422, "does not take 'aaaa"),
    Bad("2000 unknown keys", f"{V}?" + "&".join(f"p{i}=1" for i in range(2000)), 422, "does not take 'p0'"),
    Bad("repeated range", f"{V}?num=10&num=20", 422, "num is given 2 times"),
    Bad("repeated function parameter", f"{LEAKY}?negative_slope=0.1&negative_slope=0.2", 422, "given 2 times"),
    Bad("repeated expression", f"{EXPR}?expr=x&expr=relu", 422, "expr is given 2 times"),
    Bad("repeated plot size", "/v1/activations/relu/plot?width=300&width=400", 422, "width is given 2 times"),
]

WRONG_TYPES = [
    Bad("num is a word", f"{V}?num=ten", 422, "valid integer"),
    Bad("num is fractional", f"{V}?num=1.5", 422, "valid integer"),
    Bad("num in exponent form", f"{V}?num=1e3", 422, "valid integer"),
    Bad("num too small", f"{V}?num=1", 422, "greater than or equal to 2"),
    Bad("num too large", f"{V}?num={settings.MAX_NUM + 1}", 422, f"less than or equal to {settings.MAX_NUM}"),
    Bad("derivative not a boolean", f"{V}?derivative=maybe", 422, "valid boolean"),
    Bad("unknown method", f"{V}?method=symbolic", 422, "'analytic' or 'numeric'"),
    Bad("unknown format", f"{V}?format=xml", 422, "'json', 'csv' or 'npy'"),
    Bad("unknown image format", "/v1/activations/relu/plot?format=gif", 422, "'png' or 'svg'"),
    Bad("image too wide", "/v1/activations/relu/plot?width=100000", 422, "less than or equal to"),
    Bad("function parameter not a number", f"{LEAKY}?negative_slope=abc", 422, "must be a number"),
]

SPECIAL_NUMBERS = [
    Bad("x_min nan", f"{V}?x_min=nan", 422, "finite number"),
    Bad("x_max inf", f"{V}?x_max=inf", 422, "finite number"),
    Bad("x_min -inf", f"{V}?x_min=-inf", 422, "finite number"),
    Bad("x_max 1e308", f"{V}?x_max=1e308", 422, "less than or equal to 1000000"),
    Bad("x_max overflows to inf", f"{V}?x_max=1e309", 422, "finite number"),
    Bad("-0.0 to 0.0 is empty", f"{V}?x_min=-0.0&x_max=0.0", 422, "x_max must be greater than x_min"),
    Bad("parameter nan", f"{LEAKY}?negative_slope=nan", 422, "finite number"),
    Bad("parameter inf", f"{LEAKY}?negative_slope=inf", 422, "finite number"),
    Bad("parameter 1e308", f"{LEAKY}?negative_slope=1e308", 422, "must be at most"),
    Bad("analysis eps nan", "/v1/activations/relu/analysis?eps=nan", 422, "finite number"),
]

UNKNOWN_NAMES = [
    Bad("unknown function", "/v1/activations/nosuch", 404, "Unknown activation function 'nosuch'"),
    Bad("near miss suggests", "/v1/activations/relux", 404, "Did you mean: relu"),
    Bad("5000-character name", f"/v1/activations/{'x' * 5000}/values", 404, "Unknown activation function"),
    Bad("unknown function plot", "/v1/activations/nosuch/plot", 404, "Unknown activation function"),
    Bad("unknown function analysis", "/v1/activations/nosuch/analysis", 404, "Unknown activation function"),
    Bad("unknown parameter", f"{V}?bogus=1", 422, "relu does not take 'bogus'"),
    Bad("parameter of another function", f"{V}?alpha=1", 422, "relu does not take 'alpha'"),
    Bad("unknown parameter on analysis", "/v1/analysis/cost?f=relu&bogus=1", 422, "unknown query parameter 'bogus'"),
    Bad(
        "precision of a parameter not taken", "/v1/activations/relu/precision?beta=2", 422, "relu does not take 'beta'"
    ),
    Bad("precision plot at no scale", "/v1/activations/relu/precision/plot?scale=abc", 422, "valid integer"),
    Bad("precision of a broken expression", "/v1/expressions/precision?expr=x%2B", 422, "expr"),
    Bad("precision plot without expression", "/v1/expressions/precision/plot", 422, "Field required"),
    Bad("unknown dtype", f"{V}?dtype=float8", 422, "float16"),
    Bad("half precision at order 3", f"{V}?dtype=float16&order=3", 422, "float64 only"),
    Bad("unknown curve in a comparison", "/v1/compare/values?f=relu&f=nosuch", 422, "unknown function or name"),
    Bad("too many curves", "/v1/compare/values?" + "&".join(["f=relu"] * 9), 422, "at most 8 curves"),
    Bad("comparison without curves", "/v1/compare/values", 422, "Field required"),
    Bad("unknown route", "/v1/nothing-here", 404, "Not Found"),
    Bad("wrong method", V, 405, "allowed: GET, POST", method="DELETE"),
]


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


BODIES = [
    post("not JSON", V, b"not json", 422, "Invalid JSON: expected ident at line 1 column 2"),
    post("trailing comma", V, b'{"x": [1,]}', 422, "trailing comma at line 1 column 10"),
    post("empty body", V, b"", 422, "Field required"),
    post("not UTF-8", V, b"\xff\xfe\x00", 422, "Invalid JSON"),
    post("not UTF-8 midway", V, b'{"x": [1\xc3\x28]}', 422, "Invalid JSON"),
    post("array, not object", V, b"[1, 2, 3]", 422, "valid dictionary"),
    post("string, not object", V, b'"x"', 422, "valid dictionary"),
    post("null, not object", V, b"null", 422, "valid dictionary"),
    post("nested 10000 deep", V, _nested(DEEP), 422, "recursion limit exceeded"),
    post("x nested 10000 deep", V, b'{"x": ' + _nested(DEEP) + b"}", 422, "recursion limit exceeded"),
    post("objects nested 10000 deep", V, b'{"a":' * DEEP + b"1" + b"}" * DEEP, 422, "recursion limit exceeded"),
    post("word in x", V, b'{"x": [1, "two", 3]}', 422, '"loc": ["body", "x", 1]'),
    post("x is a string", V, b'{"x": "1,2,3"}', 422, "valid list"),
    post("x holds NaN", V, b'{"x": [NaN]}', 422, "finite number"),
    post("x holds Infinity", V, b'{"x": [Infinity]}', 422, "finite number"),
    post("x overflows", V, b'{"x": [1e309]}', 422, "finite number"),
    post("x is 1e308", V, b'{"x": [1e308]}', 422, "|x| must be at most"),
    post("x holds true", V, b'{"x": [true]}', 422, "valid number"),
    post("x holds a numeric string", V, b'{"x": ["1"]}', 422, "valid number"),
    post("x holds null", V, b'{"x": [null]}', 422, "valid number"),
    post("x is empty", V, b'{"x": []}', 422, "at least 1 item"),
    post("x is missing", V, b"{}", 422, '"loc": ["body", "x"]'),
    post("unknown field", V, b'{"x": [1], "extra": 1}', 422, "Extra inputs are not permitted"),
    post("parameter is a word", LEAKY, b'{"x": [1], "params": {"negative_slope": "abc"}}', 422, "must be a number"),
    post("params is a list", LEAKY, b'{"x": [1], "params": []}', 422, "valid dictionary"),
    post("derivative is 0", V, b'{"x": [1], "derivative": 0}', 422, "valid boolean"),
    post("too many points", V, b'{"x": [' + b",".join([b"1"] * (settings.MAX_POINTS + 1)) + b"]}", 422, "at most"),
    post("too many bytes", V, b'{"x": [1], "pad": "' + b"a" * settings.MAX_BODY_BYTES + b'"}', 413, "limit of"),
    post(
        "JSON sent as text/plain",
        V,
        b'{"x": [1]}',
        422,
        "Content-Type: application/json",
        {"content-type": "text/plain"},
    ),
    post("hostile expression in a body", EXPR, b'{"expr": "__import__(\'os\')", "x": [1]}', 422, "unknown function"),
]

EXPRESSIONS = [
    expr("10000 parentheses", "(" * DEEP + "x" + ")" * DEEP, "characters long"),
    expr("import", "__import__('os')", "unknown function or name '__import__'"),
    expr("attribute access", "x.__class__", "attribute access"),
    expr("lambda", "lambda: 0", "lambda is not allowed"),
    expr("conditional", "x if x else 0", "not allowed"),
    expr("list", "[x]", "lists are not allowed"),
    expr("statement", "x; 1", "invalid syntax"),
    expr("NUL byte", "x\x00", "is not allowed"),
    expr("non-ASCII", "ｘ", "is not allowed"),
    expr("power tower", "9**9**9", "too large"),
    expr("variable exponent", "x**x", "exponent must be a constant"),
    expr("huge literal", "1e999", "at most 1e+09"),
    expr("constant division by zero", "x ** (1/0)", "division by zero"),
    expr("unknown variable", "relu(y)", "unknown function or name 'y'"),
    expr("parameter it does not take", "relu(x, negative_slope=1)", "does not take 'negative_slope'"),
    expr("empty", "", "empty"),
    expr("long chain", "x" + "+x" * 300, "characters long"),
]

ACCEPT = [
    Bad("values as PNG", V, 406, "Cannot produce 'image/png'", headers={"accept": "image/png"}),
    Bad("values as HTML or XML", V, 406, "offered are", headers={"accept": "text/html;q=0.9, application/xml"}),
    Bad("garbage Accept", V, 406, "Cannot produce", headers={"accept": ";;;,,,"}),
    Bad("expression as HTML", f"{EXPR}?expr=x", 406, "Cannot produce", headers={"accept": "text/html"}),
    Bad(
        "plot as JSON",
        "/v1/activations/relu/plot",
        406,
        "offered are image/png",
        headers={"accept": "application/json"},
    ),
    Bad("overlay as CSV", "/v1/compare/plot?f=relu", 406, "offered are image/png", headers={"accept": "text/csv"}),
    Bad(
        "network plot as JSON",
        "/v1/analysis/gradient-flow/plot?f=relu",
        406,
        "offered are image/png",
        headers={"accept": "application/json"},
    ),
]

JSON_ONLY = [
    Bad("catalogue as CSV", "/v1/activations", 406, "offered is application/json", headers={"accept": "text/csv"}),
    Bad("metadata as PNG", "/v1/activations/relu", 406, "offered is application/json", headers={"accept": "image/png"}),
    Bad(
        "analysis as PNG",
        "/v1/activations/relu/analysis",
        406,
        "Cannot produce 'image/png'",
        headers={"accept": "image/png"},
    ),
    Bad("cost as CSV", "/v1/analysis/cost?f=relu", 406, "Cannot produce 'text/csv'", headers={"accept": "text/csv"}),
]

ANALYSIS = [
    Bad("unknown function in a network", "/v1/analysis/gradient-flow?f=nosuch", 422, "unknown function or name"),
    Bad("network plot of an unknown function", "/v1/analysis/dead-units/plot?f=nosuch", 422, "unknown function"),
    Bad("dead units of a hostile expression", "/v1/analysis/dead-units?f=x.__class__", 422, "attribute access"),
    Bad("cost of no inputs", "/v1/analysis/cost?n=0", 422, "greater than or equal to 1"),
    Bad("cost repeated forever", "/v1/analysis/cost?repeats=1000", 422, "less than or equal to 20"),
    Bad("plot of a hostile expression", "/v1/expressions/plot?expr=x.__class__", 422, "attribute access"),
    Bad("analysis depth 0", "/v1/activations/relu/analysis?depth=0", 422, "greater than or equal to 1"),
    Bad("analysis of a hostile expression", "/v1/expressions/analysis?expr=x.__class__", 422, "attribute access"),
    Bad("expression analysis of no samples", "/v1/expressions/analysis?expr=x&samples=0", 422, "greater than or equal"),
    Bad("analysis of a hostile expression", "/v1/expressions/analysis?expr=x.__class__", 422, "attribute access"),
]

BATTERY = (
    QUERY_STRINGS + WRONG_TYPES + SPECIAL_NUMBERS + UNKNOWN_NAMES + BODIES + EXPRESSIONS + ACCEPT + JSON_ONLY + ANALYSIS
)


@cache
def _documented() -> list[tuple[re.Pattern[str], str, frozenset[str]]]:
    from app.main import app

    operations = []
    for path, methods in app.openapi()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        for method, operation in methods.items():
            operations.append((pattern, method.upper(), frozenset(operation["responses"])))
    return operations


def documented_statuses(method: str, url: str) -> frozenset[str] | None:
    path = url.split("?", 1)[0]
    for pattern, documented_method, statuses in _documented():
        if documented_method == method and pattern.match(path):
            return statuses
    return None


@pytest.mark.parametrize("bad", BATTERY, ids=[bad.name for bad in BATTERY])
def test_bad_input_gets_its_documented_status_and_a_detail(client: TestClient, bad: Bad) -> None:
    response = client.request(bad.method, bad.url, content=bad.body, headers=bad.headers)
    assert response.status_code == bad.status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert bad.says in json.dumps(detail, ensure_ascii=False)
    statuses = documented_statuses(bad.method, bad.url)
    if statuses is not None:  # None: no such operation (unknown route, wrong method)
        assert str(bad.status) in statuses


def test_every_operation_taking_input_is_in_the_battery() -> None:
    takes_no_input = {"/healthz", "/livez", "/readyz", "/v1/activations", "/openapi.json", "/", "/docs", "/redoc"}
    untried = [
        (method, pattern.pattern)
        for pattern, method, _ in _documented()
        if not any(pattern.match(path) for path in takes_no_input)
        and not any(method == bad.method and pattern.match(bad.url.split("?")[0]) for bad in BATTERY)
    ]
    assert untried == []


EDGE_NUMBERS: list[tuple[str, dict[str, Any], list[float]]] = [
    ("-0.0 is zero", {"x": [-0.0]}, [0.0]),
    ("smallest subnormal", {"x": [5e-324]}, [5e-324]),
    ("smallest normal", {"x": [2.2250738585072014e-308]}, [2.2250738585072014e-308]),
    ("largest allowed", {"x": [settings.MAX_ABS_X, -settings.MAX_ABS_X]}, [settings.MAX_ABS_X, 0.0]),
]


@pytest.mark.parametrize(("body", "y"), [(b, y) for _, b, y in EDGE_NUMBERS], ids=[n for n, _, _ in EDGE_NUMBERS])
def test_edge_numbers_are_computed_not_refused(client: TestClient, body: dict[str, Any], y: list[float]) -> None:
    response = client.post(V, json=body)
    assert response.status_code == 200
    assert response.json()["y"] == y


@pytest.mark.parametrize("name", ["elu", "selu", "gelu", "softplus", "mish", "swish", "sigmoid", "tanh"])
def test_largest_x_gives_finite_numbers_for_exponential_functions(client: TestClient, name: str) -> None:
    limit = settings.MAX_ABS_X
    response = client.post(f"/v1/activations/{name}/values", json={"x": [-limit, -5e-324, -0.0, 5e-324, limit]})
    assert response.status_code == 200
    body = response.json()
    assert all(isinstance(v, float) for v in body["y"] + body["dy"])  # JSON has no NaN/Infinity: null would fail


def test_subnormal_grid_is_computed(client: TestClient) -> None:
    response = client.get(V, params={"x_min": 1e-310, "x_max": 2e-310, "num": 3})
    assert response.status_code == 200
    assert response.json()["y"] == [1e-310, 1.5e-310, 2e-310]
