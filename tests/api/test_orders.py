"""order=0..3 on every curve endpoint: f'' and f''' as JSON keys, CSV columns and NPY fields; a plot panel each."""

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.api.deps import compile_at
from app.config import settings
from app.core import registry

VALUES = "/v1/activations/{}/values"


def _npy(content: bytes) -> np.ndarray:
    return np.load(io.BytesIO(content), allow_pickle=False)


@pytest.mark.parametrize(
    ("order", "keys"),
    [(0, ["y"]), (1, ["y", "dy"]), (2, ["y", "dy", "d2y"]), (3, ["y", "dy", "d2y", "d3y"])],
)
def test_order_chooses_the_derivatives_in_every_format(client: TestClient, order: int, keys: list[str]) -> None:
    params = {"num": 11, "order": order, "alpha": 2.0}
    body = client.get(VALUES.format("elu"), params=params).json()
    assert [k for k in ("y", "dy", "d2y", "d3y") if k in body] == keys
    csv = client.get(VALUES.format("elu"), params={**params, "format": "csv"}).text
    assert csv.splitlines()[0].split(",") == ["x", *keys]
    table = _npy(client.get(VALUES.format("elu"), params={**params, "format": "npy"}).content)
    assert table.dtype.names == ("x", *keys)
    elu = registry.get("elu")
    expected = elu.derivatives(np.array(body["x"]), {"alpha": 2.0}, order)
    for key, values in zip(keys, expected, strict=True):
        assert body[key] == values.tolist()
        np.testing.assert_array_equal(table[key], values)


def test_default_and_order_1_are_the_same_answer(client: TestClient) -> None:
    plain = client.get(VALUES.format("gelu"), params={"num": 9})
    explicit = client.get(VALUES.format("gelu"), params={"num": 9, "order": 1})
    assert plain.content == explicit.content
    assert plain.headers["etag"] == explicit.headers["etag"]
    derivative_false = client.get(VALUES.format("gelu"), params={"num": 9, "derivative": "false"})
    order_0 = client.get(VALUES.format("gelu"), params={"num": 9, "order": 0})
    assert derivative_false.content == order_0.content
    assert derivative_false.headers["etag"] == order_0.headers["etag"]


def test_each_order_has_its_own_etag(client: TestClient) -> None:
    tags = {client.get(VALUES.format("tanh"), params={"num": 9, "order": k}).headers["etag"] for k in range(4)}
    assert len(tags) == 4


@pytest.mark.parametrize(
    "query",
    [{"derivative": "false", "order": 2}, {"derivative": "false", "order": 1}, {"derivative": "true", "order": 0}],
)
def test_derivative_and_order_that_disagree_are_a_422_naming_both(client: TestClient, query: dict) -> None:
    for url, subject in (
        (VALUES.format("relu"), {}),
        ("/v1/activations/relu/plot", {}),
        ("/v1/expressions/values", {"expr": "x"}),
    ):
        response = client.get(url, params={**subject, **query})
        assert response.status_code == 422, url
        (error,) = response.json()["detail"]
        assert "derivative=" in error["msg"] and f"order={query['order']}" in error["msg"]


@pytest.mark.parametrize("order", [-1, 4, "two"])
def test_an_order_outside_0_to_3_is_a_422(client: TestClient, order: object) -> None:
    response = client.get(VALUES.format("relu"), params={"order": order})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "order"]


def test_post_takes_the_order_in_the_body(client: TestClient) -> None:
    x = [-1.0, 0.0, 2.0]
    body = client.post(VALUES.format("softplus"), json={"x": x, "order": 3}).json()
    expected = registry.get("softplus").derivatives(np.array(x), registry.get("softplus").defaults, 3)
    assert [body[k] for k in ("y", "dy", "d2y", "d3y")] == [a.tolist() for a in expected]
    refused = client.post(VALUES.format("softplus"), json={"x": x, "order": 2, "derivative": False})
    assert refused.status_code == 422
    expr = client.post("/v1/expressions/values", json={"expr": "x**3", "x": x, "order": 3}).json()
    assert expr["d2y"] == [-6.0, 0.0, 12.0] and expr["d3y"] == [6.0, 6.0, 6.0]
    assert expr["undefined_d2y"] == expr["undefined_d3y"] == 0


def test_expressions_count_undefined_points_of_every_order(client: TestClient) -> None:
    body = client.get(
        "/v1/expressions/values", params={"expr": "log(x)", "x_min": -1, "x_max": 1, "num": 5, "order": 3}
    )
    answer = body.json()
    assert answer["d3y"][:3] == [None, None, None]
    assert answer["undefined"] == answer["undefined_dy"] == answer["undefined_d2y"] == answer["undefined_d3y"] == 3
    without = client.get("/v1/expressions/values", params={"expr": "x", "order": 1}).json()
    assert "d2y" not in without and "undefined_d2y" not in without


def test_compare_gives_every_order_of_every_curve(client: TestClient) -> None:
    query = {"f": ["relu", "x**2"], "num": 5, "order": 2}
    answer = client.get("/v1/compare/values", params=query).json()
    assert [s["d2y"] for s in answer["series"]] == [[0.0] * 5, [2.0] * 5]
    header = client.get("/v1/compare/values", params={**query, "format": "csv"}).text.splitlines()[0]
    assert header == "x,y1,dy1,d2y1,y2,dy2,d2y2"


def test_numeric_method_gives_every_order(client: TestClient) -> None:
    query = {"num": 7, "x_min": 0.5, "x_max": 3, "order": 3}
    exact = client.get(VALUES.format("sigmoid"), params=query).json()
    numeric = client.get(VALUES.format("sigmoid"), params={**query, "method": "numeric"}).json()
    assert numeric["method"] == "numeric"
    for key, tolerance in (("dy", 1e-9), ("d2y", 1e-6), ("d3y", 1e-3)):
        np.testing.assert_allclose(numeric[key], exact[key], rtol=tolerance, atol=tolerance)


def test_work_limits_count_the_order(client: TestClient) -> None:
    heavy = "+".join(["sigmoid(x)"] * 20)
    nodes = compile_at(heavy, ("query", "expr")).size
    most = settings.EXPR_MAX_WORK // (nodes * 3)
    assert client.get("/v1/expressions/values", params={"expr": heavy, "num": most, "order": 3}).status_code == 200
    refused = client.get("/v1/expressions/values", params={"expr": heavy, "num": most + 1, "order": 3})
    assert refused.status_code == 422
    assert "EXPR_MAX_WORK" in refused.json()["detail"][0]["msg"]
    # The same number of points at order 1 is within the limit.
    assert client.get("/v1/expressions/values", params={"expr": heavy, "num": most + 1}).status_code == 200


@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_plots_draw_one_panel_per_order_at_the_size_asked(client: TestClient, order: int) -> None:
    png = client.get("/v1/activations/relu/plot", params={"order": order, "width": 500, "height": 700, "scale": 2})
    assert png.status_code == 200
    assert png.content[16:24] == (1000).to_bytes(4, "big") + (1400).to_bytes(4, "big")
    svg = client.get("/v1/activations/relu/plot", params={"order": order, "format": "svg"}).content
    words = ["ReLU", "Derivative of ReLU", "Second derivative of ReLU", "Third derivative of ReLU"]
    text = svg.decode()
    for k, title in enumerate(words):
        assert (f"<!-- {title} -->" in text) == (k <= order), title
