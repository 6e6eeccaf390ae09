"""The activation endpoints: metadata, values on a grid and at points, formats, errors."""

import io
import math

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.config import settings
from app.core import registry


def test_health(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_list_has_every_function_with_metadata(client: TestClient) -> None:
    r = client.get("/v1/activations")
    assert r.status_code == 200
    body = r.json()
    assert [f["name"] for f in body] == list(registry.NAMES)
    relu = body[0]
    assert relu["label"] == "ReLU"
    assert relu["kinks"][0]["derivative"].startswith("0")
    assert relu["properties"]["output_range"] == [0.0, None]
    assert relu["properties"]["sparse"] is True


def test_one_function_by_alias(client: TestClient) -> None:
    r = client.get("/v1/activations/Swish")
    assert r.status_code == 200
    assert r.json()["name"] == "silu"


def test_unknown_name_is_404_naming_close_names(client: TestClient) -> None:
    r = client.get("/v1/activations/relx/values")
    assert r.status_code == 404
    assert "relu" in r.json()["suggestions"]
    assert "relu" in r.json()["detail"]


def test_values_default_to_the_articles_grid(client: TestClient) -> None:
    r = client.get("/v1/activations/relu/values")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "relu"
    assert body["params"] == {}
    np.testing.assert_array_equal(body["x"], np.linspace(-5, 5, 100))
    np.testing.assert_array_equal(body["y"], np.maximum(np.linspace(-5, 5, 100), 0))
    assert len(body["dy"]) == 100


def test_values_echo_effective_params_with_defaults(client: TestClient) -> None:
    r = client.get("/v1/activations/softplus/values", params={"beta": 2, "num": 5})
    assert r.status_code == 200
    assert r.json()["params"] == {"beta": 2.0, "threshold": 20.0}


def test_values_match_the_registry(client: TestClient) -> None:
    r = client.get("/v1/activations/elu/values", params={"alpha": 0.5, "x_min": -3, "x_max": 2, "num": 51})
    body = r.json()
    elu = registry.get("elu")
    x = np.linspace(-3, 2, 51)
    np.testing.assert_array_equal(body["y"], elu.value(x, {"alpha": 0.5}))
    np.testing.assert_array_equal(body["dy"], elu.grad(x, {"alpha": 0.5}))


def test_derivative_false_leaves_dy_out(client: TestClient) -> None:
    body = client.get("/v1/activations/tanh/values", params={"derivative": "false"}).json()
    assert "dy" not in body


def test_numeric_method_is_close_to_the_exact_derivative(client: TestClient) -> None:
    exact = client.get("/v1/activations/gelu/values", params={"num": 101}).json()
    numeric = client.get("/v1/activations/gelu/values", params={"num": 101, "method": "numeric"}).json()
    assert numeric["method"] == "numeric"
    np.testing.assert_allclose(numeric["dy"], exact["dy"], rtol=1e-7, atol=1e-9)
    assert numeric["dy"] != exact["dy"]


def test_post_values_at_points(client: TestClient) -> None:
    r = client.post("/v1/activations/leaky_relu/values", json={"x": [-2, 0, 3], "params": {"negative_slope": 0.1}})
    assert r.status_code == 200
    body = r.json()
    assert body["params"] == {"negative_slope": 0.1}
    assert body["y"] == [-0.2, 0.0, 3.0]
    assert body["dy"] == [0.1, 0.1, 1.0]


def test_csv_has_a_header_and_one_row_per_point(client: TestClient) -> None:
    r = client.get("/v1/activations/sigmoid/values", params={"num": 7, "format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().split("\n")
    assert lines[0] == "x,y,dy"
    rows = [[float(v) for v in line.split(",")] for line in lines[1:]]
    assert len(rows) == 7
    assert all(len(row) == 3 for row in rows)
    assert rows[3] == [0.0, 0.5, 0.25]


def test_csv_by_accept_header_without_derivative(client: TestClient) -> None:
    r = client.get("/v1/activations/relu/values?num=3&derivative=false", headers={"Accept": "text/csv"})
    assert r.text.split("\n")[0] == "x,y"


def test_npy_loads_with_numpy(client: TestClient) -> None:
    r = client.get("/v1/activations/tanh/values", params={"num": 11, "format": "npy"})
    assert r.headers["content-type"] == "application/x-npy"
    table = np.load(io.BytesIO(r.content))
    np.testing.assert_array_equal(table["y"], np.tanh(np.linspace(-5, 5, 11)))


def test_accept_matching_nothing_is_406(client: TestClient) -> None:
    r = client.get("/v1/activations/relu/values", headers={"Accept": "application/xml"})
    assert r.status_code == 406
    assert "offered" in r.json()["detail"]


def _loc(r: object) -> list[object]:
    detail = r.json()["detail"]  # type: ignore[attr-defined]
    assert isinstance(detail, list)
    assert detail[0]["msg"]
    return list(detail[0]["loc"])


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ({"x_min": 2, "x_max": 1}, ["query", "x_max"]),
        ({"x_min": 1, "x_max": 1}, ["query", "x_max"]),
        ({"x_min": "nan"}, ["query", "x_min"]),
        ({"x_max": "inf"}, ["query", "x_max"]),
        ({"x_min": "-1e7"}, ["query", "x_min"]),
        ({"num": 1}, ["query", "num"]),
        ({"num": settings.MAX_NUM + 1}, ["query", "num"]),
        ({"format": "xml"}, ["query", "format"]),
        ({"method": "symbolic"}, ["query", "method"]),
        ({"negative_slope": "0.1"}, ["query", "negative_slope"]),
        ({"derivative": "maybe"}, ["query", "derivative"]),
    ],
)
def test_bad_query_is_422_with_location(client: TestClient, query: dict[str, object], loc: list[object]) -> None:
    r = client.get("/v1/activations/relu/values", params=query)
    assert r.status_code == 422
    assert _loc(r) == loc


@pytest.mark.parametrize(
    ("name", "query", "param"),
    [
        ("celu", {"alpha": 0}, "alpha"),
        ("elu", {"alpha": "abc"}, "alpha"),
        ("elu", {"alpha": "nan"}, "alpha"),
        ("hardtanh", {"min_val": 3}, "min_val"),
        ("gelu", {"approximate": "erf"}, "approximate"),
        ("elu", [("alpha", "1"), ("alpha", "2")], "alpha"),
    ],
)
def test_bad_function_parameter_is_422(client: TestClient, name: str, query: object, param: str) -> None:
    r = client.get(f"/v1/activations/{name}/values", params=query)  # type: ignore[arg-type]
    assert r.status_code == 422
    assert _loc(r) == ["query", param]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"x": []}, ["body", "x"]),
        ({"x": [1, "a"]}, ["body", "x", 1]),
        ({"x": [0, 2e6]}, ["body", "x", 1]),
        ({"x": [0], "params": {"alpha": 0}}, ["body", "params", "alpha"]),
        ({"x": [0], "params": {"beta": 1}}, ["body", "params", "beta"]),
        ({"x": [0], "method": "guess"}, ["body", "method"]),
        ({"x": [0], "colour": "red"}, ["body", "colour"]),
        ({"x": [0.0] * (settings.MAX_POINTS + 1)}, ["body", "x"]),
    ],
)
def test_bad_post_body_is_422(client: TestClient, body: dict[str, object], loc: list[object]) -> None:
    r = client.post("/v1/activations/celu/values", json=body)
    assert r.status_code == 422
    assert _loc(r) == loc


def test_non_finite_json_literals_in_body_are_422_and_the_error_is_valid_json(client: TestClient) -> None:
    r = client.post(
        "/v1/activations/relu/values",
        content=b'{"x": [0, NaN, Infinity]}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert "NaN" not in r.text
    assert "Infinity" not in r.text


@pytest.mark.parametrize("name", registry.NAMES)
def test_every_function_answers_at_the_extremes_with_finite_json(client: TestClient, name: str) -> None:
    limit = settings.MAX_ABS_X
    r = client.post(f"/v1/activations/{name}/values", json={"x": [-limit, -1e-300, -0.0, 0.0, 1e-300, limit]})
    assert r.status_code == 200
    body = r.json()
    assert all(math.isfinite(v) for v in body["y"] + body["dy"])
    numeric = client.post(f"/v1/activations/{name}/values", json={"x": [-limit, 0.0, limit], "method": "numeric"})
    assert all(math.isfinite(v) for v in numeric.json()["dy"])
