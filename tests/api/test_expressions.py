"""The expression endpoints: values in every format, nulls, errors with offsets, plots and caching."""

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.api.curves import image_cache
from app.config import settings


def values(client: TestClient, expr: str, **params: object) -> dict:
    r = client.get("/v1/expressions/values", params={"expr": expr, **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_values_echo_the_normalised_expression(client: TestClient) -> None:
    body = values(client, "2*sigmoid(2*x)-1", num=11)
    assert body["expr"] == "2 * sigmoid(2 * x) - 1"
    assert body["method"] == "analytic"
    assert body["undefined"] == 0
    assert len(body["x"]) == len(body["y"]) == len(body["dy"]) == 11
    np.testing.assert_allclose(body["y"], np.tanh(body["x"]), rtol=0, atol=1e-12)


def test_an_expression_gives_the_same_numbers_as_the_activation_endpoint(client: TestClient) -> None:
    grid = {"x_min": -2, "x_max": 2, "num": 41}
    expression = values(client, "leaky_relu(x, negative_slope=0.2)", **grid)
    activation = client.get("/v1/activations/leaky_relu/values", params={**grid, "negative_slope": 0.2}).json()
    assert expression["y"] == activation["y"]
    assert expression["dy"] == activation["dy"]
    assert 0.0 in expression["x"]


def test_a_bare_name_is_that_function_of_x(client: TestClient) -> None:
    body = values(client, "relu", num=5)
    assert body["expr"] == "relu(x)"
    assert body["label"] == "ReLU"
    assert body["y"] == [0.0, 0.0, 0.0, 2.5, 5.0]
    assert body["dy"] == [0.0, 0.0, 0.0, 1.0, 1.0]


def test_log_on_minus_one_to_one_is_null_where_undefined(client: TestClient) -> None:
    body = values(client, "log(x)", x_min=-1, x_max=1, num=5)
    assert body["undefined"] == 3
    assert body["undefined_dy"] == 3
    assert body["y"][:3] == [None, None, None]
    assert body["dy"][:3] == [None, None, None]
    assert body["y"][3] == pytest.approx(np.log(0.5))
    assert body["dy"][4] == 1.0


def test_csv_leaves_undefined_cells_empty(client: TestClient) -> None:
    r = client.get(
        "/v1/expressions/values", params={"expr": "log(x)", "x_min": -1, "x_max": 1, "num": 3, "format": "csv"}
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines() == ["x,y,dy", "-1.0,,", "0.0,,", "1.0,0.0,1.0"]


def test_npy_holds_nan_where_undefined(client: TestClient) -> None:
    params = {"expr": "sqrt(x)", "x_min": -1, "x_max": 1, "num": 3, "format": "npy"}
    r = client.get("/v1/expressions/values", params=params)
    assert r.status_code == 200
    table = np.load(io.BytesIO(r.content), allow_pickle=False)
    assert np.isnan(table["y"][0])
    assert table["y"][1] == 0.0
    assert np.isnan(table["dy"][1])  # sqrt'(0) is infinite
    assert table["dy"][2] == 0.5


def test_derivative_can_be_left_out_and_taken_numerically(client: TestClient) -> None:
    assert "dy" not in values(client, "x**2", derivative=False)
    exact = values(client, "x**3", num=21)
    numeric = values(client, "x**3", num=21, method="numeric")
    assert numeric["method"] == "numeric"
    np.testing.assert_allclose(numeric["dy"], exact["dy"], rtol=1e-8, atol=1e-8)


HOSTILE = [
    ("9**9**9", 3),
    ("__import__('os')", 0),
    ("x.__class__", 1),
    ("().__class__.__bases__", 2),
    ("(lambda: 1)()", 1),
    ("[x][0]", 0),
    ("f'{x}'", 0),
    ("(y := 1)", 1),
    ("unknown(x)", 0),
    ("leaky_relu(x, slope=1)", 14),
    ("exp(x, alpha=1)", 7),
    ("minimum(x)", 0),
    ("x if x else 0", 0),
    ("", 0),
]


@pytest.mark.parametrize(("expr", "offset"), HOSTILE)
def test_hostile_expression_is_a_422_naming_the_offset(client: TestClient, expr: str, offset: int) -> None:
    r = client.get("/v1/expressions/values", params={"expr": expr})
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["type"] == "expression_error"
    assert error["loc"] == ["query", "expr"]
    assert f"at character {offset}" in error["msg"]
    assert error["ctx"] == {"offset": offset}


def test_a_huge_expression_and_a_deep_parenthesis_are_rejected_by_length(client: TestClient) -> None:
    # The test client refuses URLs much longer than this; the core is tested with 1 MB.
    for expr in ("x" * 50_000, "(" * 10_000 + "x" + ")" * 10_000):
        r = client.get("/v1/expressions/values", params={"expr": expr})
        assert r.status_code == 422
        (error,) = r.json()["detail"]
        assert f"at most {settings.EXPR_MAX_LENGTH}" in error["msg"]
        assert len(error["input"]) < 300  # the echo of the input is cut short


def test_unknown_query_parameter_is_a_422(client: TestClient) -> None:
    r = client.get("/v1/expressions/values", params={"expr": "leaky_relu", "negative_slope": 0.2})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "negative_slope"]


def test_missing_expression_is_a_422(client: TestClient) -> None:
    r = client.get("/v1/expressions/values")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "expr"]


def test_plot_is_a_png_with_etag_and_the_cache_keyed_on_the_normalised_expression(client: TestClient) -> None:
    image_cache.clear()
    first = client.get("/v1/expressions/plot", params={"expr": "2*sigmoid(2*x)-1"})
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/png"
    assert first.content.startswith(b"\x89PNG")
    assert "max-age" in first.headers["cache-control"]
    same = client.get("/v1/expressions/plot", params={"expr": " 2 * sigmoid( 2*x ) - 1 "})
    assert same.headers["etag"] == first.headers["etag"]
    assert same.content == first.content
    assert len(image_cache) == 1
    other = client.get("/v1/expressions/plot", params={"expr": "tanh"})
    assert other.headers["etag"] != first.headers["etag"]
    again = client.get(
        "/v1/expressions/plot", params={"expr": "2*sigmoid(2*x)-1"}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


def test_plot_with_undefined_points_and_as_svg(client: TestClient) -> None:
    r = client.get("/v1/expressions/plot", params={"expr": "log(x)", "x_min": -1, "x_max": 1, "format": "svg"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in r.content


def test_plot_of_an_expression_defined_nowhere_still_draws(client: TestClient) -> None:
    r = client.get("/v1/expressions/plot", params={"expr": "log(-1 - x**2)"})
    assert r.status_code == 200
    assert r.content.startswith(b"\x89PNG")


def test_plot_rejects_a_bad_expression_with_a_422(client: TestClient) -> None:
    r = client.get("/v1/expressions/plot", params={"expr": "x.__class__"})
    assert r.status_code == 422
    assert "at character 1" in r.json()["detail"][0]["msg"]


def test_work_is_bounded_by_nodes_times_points(client: TestClient) -> None:
    heavy = "+".join(["mish"] * 60)  # 60 calls of x and 59 sums: 179 nodes
    r = client.get("/v1/expressions/values", params={"expr": heavy, "num": settings.MAX_NUM})
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["loc"] == ["query", "num"]
    most = settings.EXPR_MAX_WORK // 179
    assert f"at most {most} points" in error["msg"]
    assert client.get("/v1/expressions/values", params={"expr": heavy, "num": most}).status_code == 200
    assert client.get("/v1/expressions/values", params={"expr": heavy, "num": most + 1}).status_code == 422


def test_post_evaluates_at_given_points(client: TestClient) -> None:
    r = client.post("/v1/expressions/values", json={"expr": "relu(x) + log(x)", "x": [-1.0, 0.0, 1.0, 2.0]})
    assert r.status_code == 200
    body = r.json()
    assert body["expr"] == "relu(x) + log(x)"
    assert body["x"] == [-1.0, 0.0, 1.0, 2.0]
    assert body["y"][:2] == [None, None]
    assert body["y"][2:] == [1.0, pytest.approx(2 + np.log(2))]
    assert body["dy"][2:] == [2.0, 1.5]
    assert body["undefined"] == 2


def test_post_without_derivative_as_csv(client: TestClient) -> None:
    r = client.post("/v1/expressions/values?format=csv", json={"expr": "x**2", "x": [3.0], "derivative": False})
    assert r.status_code == 200
    assert r.text.splitlines() == ["x,y", "3.0,9.0"]


def test_post_rejects_a_bad_expression_at_its_offset_in_the_body(client: TestClient) -> None:
    r = client.post("/v1/expressions/values", json={"expr": "x + __import__('os')", "x": [1.0]})
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "expr"]
    assert error["ctx"] == {"offset": 4}


def test_post_rejects_far_points_and_too_much_work(client: TestClient) -> None:
    r = client.post("/v1/expressions/values", json={"expr": "x", "x": [0.0, 2 * settings.MAX_ABS_X]})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "x", 1]
    heavy = "+".join(["mish"] * 60)
    r = client.post("/v1/expressions/values", json={"expr": heavy, "x": [0.0] * settings.MAX_POINTS})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "x"]


def test_post_rejects_unknown_fields(client: TestClient) -> None:
    r = client.post("/v1/expressions/values", json={"expr": "x", "x": [1.0], "params": {}})
    assert r.status_code == 422


def test_decimals_round_every_number_and_leave_nulls(client: TestClient) -> None:
    body = values(client, "log(x)", x_min=-1, x_max=2, num=4, decimals=3)
    assert body["y"] == [None, None, 0.0, 0.693]
    assert body["dy"] == [None, None, 1.0, 0.5]
    r = client.post("/v1/expressions/values?decimals=2", json={"expr": "sigmoid", "x": [1.0]})
    assert r.json()["y"] == [0.73]


def test_post_needs_a_json_body(client: TestClient) -> None:
    r = client.post("/v1/expressions/values", content=b"expr=x", headers={"content-type": "text/plain"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body"]


def test_plot_files_are_named_after_the_function_or_expression(client: TestClient) -> None:
    named = client.get("/v1/expressions/plot", params={"expr": "Swish", "format": "svg"})
    assert named.headers["content-disposition"] == 'inline; filename="silu.svg"'
    composed = client.get("/v1/expressions/plot", params={"expr": "2*relu(x)"})
    assert composed.headers["content-disposition"] == 'inline; filename="expression.png"'
    compared = client.get("/v1/compare/plot", params={"f": ["relu", "tanh"]})
    assert compared.headers["content-disposition"] == 'inline; filename="comparison.png"'


def test_an_unencoded_plus_in_a_url_gets_a_hint(client: TestClient) -> None:
    response = client.get("/v1/expressions/values?expr=x+1")  # the + arrives as a space
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert "%2B" in error["msg"] and error["input"] == "x 1"
    assert client.get("/v1/expressions/values?expr=x%2B1").status_code == 200
