"""The compare endpoints: one to eight curves on one grid, labels, nulls, limits and the overlay plot."""

import io

import numpy as np
from fastapi.testclient import TestClient

from app.config import settings

EIGHT = [
    "relu",
    "leaky_relu(x, negative_slope=0.2)",
    "elu",
    "gelu",
    "x*sigmoid(1.702*x)",
    "tanh",
    "2*sigmoid(2*x) - 1",
    "log(x)",
]


def test_one_curve(client: TestClient) -> None:
    r = client.get("/v1/compare/values", params={"f": "relu", "num": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["x"] == [-5.0, 0.0, 5.0]
    (series,) = body["series"]
    assert series == {
        "expr": "relu(x)",
        "label": "ReLU",
        "y": [0.0, 0.0, 5.0],
        "dy": [0.0, 0.0, 1.0],
        "undefined": 0,
        "undefined_dy": 0,
    }


def test_eight_curves_share_one_grid_with_labels_in_order(client: TestClient) -> None:
    labels = ["rectifier", "", "exponential"]
    r = client.get("/v1/compare/values", params={"f": EIGHT, "label": labels, "num": 101})
    assert r.status_code == 200
    body = r.json()
    assert len(body["x"]) == 101
    assert len(body["series"]) == 8
    assert [s["label"] for s in body["series"]] == [
        "rectifier",
        "Leaky ReLU (negative_slope=0.2)",
        "exponential",
        "GELU",
        "x * sigmoid(1.702 * x)",
        "Tanh",
        "2 * sigmoid(2 * x) - 1",
        "log(x)",
    ]
    assert all(len(s["y"]) == len(s["dy"]) == 101 for s in body["series"])
    tanh, identity = body["series"][5], body["series"][6]
    np.testing.assert_allclose(identity["y"], tanh["y"], rtol=0, atol=1e-12)
    log = body["series"][7]
    assert log["undefined"] == 51  # x <= 0 on the 101-point grid from -5 to 5
    assert log["y"][:51] == [None] * 51


def test_the_ninth_curve_is_a_422(client: TestClient) -> None:
    r = client.get("/v1/compare/values", params={"f": [*EIGHT, "relu"]})
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["loc"] == ["query", "f"]
    assert f"at most {settings.COMPARE_MAX_CURVES}" in error["msg"]


def test_a_flood_of_curves_is_refused_before_parsing(client: TestClient) -> None:
    r = client.get("/v1/compare/values", params={"f": ["x.__class__"] * 1000})
    assert r.status_code == 422
    assert "at most" in r.json()["detail"][0]["msg"]


def test_a_bad_curve_is_a_422_naming_its_index_and_offset(client: TestClient) -> None:
    r = client.get("/v1/compare/values", params={"f": ["tanh", "relu(x) + __import__('os')"]})
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["loc"] == ["query", "f", 1]
    assert "at character 10" in error["msg"]
    assert error["ctx"] == {"offset": 10}


def test_more_labels_than_curves_is_a_422(client: TestClient) -> None:
    r = client.get("/v1/compare/values", params={"f": ["tanh"], "label": ["a", "b"]})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "label"]


def test_an_over_long_label_is_a_422(client: TestClient) -> None:
    label = "x" * (settings.COMPARE_MAX_LABEL_LENGTH + 1)
    r = client.get("/v1/compare/values", params={"f": ["tanh"], "label": [label]})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "label", 0]


def test_no_curve_is_a_422(client: TestClient) -> None:
    r = client.get("/v1/compare/values")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "f"]


def test_csv_and_npy_have_a_column_pair_per_curve(client: TestClient) -> None:
    params = {"f": ["relu", "log(x)"], "x_min": -1, "x_max": 1, "num": 3}
    r = client.get("/v1/compare/values", params={**params, "format": "csv"})
    assert r.status_code == 200
    assert r.text.splitlines() == ["x,y1,dy1,y2,dy2", "-1.0,0.0,0.0,,", "0.0,0.0,0.0,,", "1.0,1.0,1.0,0.0,1.0"]
    r = client.get("/v1/compare/values", params={**params, "format": "npy", "derivative": False})
    table = np.load(io.BytesIO(r.content), allow_pickle=False)
    assert table.dtype.names == ("x", "y1", "y2")
    assert np.isnan(table["y2"][:2]).all()


def test_overlay_plot_of_eight_curves(client: TestClient) -> None:
    r = client.get("/v1/compare/plot", params={"f": EIGHT})
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.headers["etag"]
    again = client.get("/v1/compare/plot", params={"f": EIGHT}, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def test_overlay_plot_is_keyed_on_labels_and_normalised_expressions(client: TestClient) -> None:
    base = client.get("/v1/compare/plot", params={"f": ["tanh", "2*sigmoid(2*x)-1"]})
    spaced = client.get("/v1/compare/plot", params={"f": ["Tanh", "2 * sigmoid(2 * x) - 1"]})
    relabelled = client.get("/v1/compare/plot", params={"f": ["tanh", "2*sigmoid(2*x)-1"], "label": ["t"]})
    assert base.headers["etag"] == spaced.headers["etag"]
    assert base.headers["etag"] != relabelled.headers["etag"]


def test_overlay_plot_of_nine_curves_is_a_422(client: TestClient) -> None:
    r = client.get("/v1/compare/plot", params={"f": [*EIGHT, "relu"]})
    assert r.status_code == 422


def test_work_is_bounded_over_all_curves(client: TestClient) -> None:
    num = settings.MAX_NUM
    ten = "+".join(["mish"] * 10)  # 19 nodes
    assert 19 * num <= settings.EXPR_MAX_WORK < 8 * 19 * num
    assert client.get("/v1/compare/values", params={"f": [ten], "num": num, "format": "npy"}).status_code == 200
    r = client.get("/v1/compare/values", params={"f": [ten] * 8, "num": num})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "num"]


def test_decimals_round_every_series(client: TestClient) -> None:
    r = client.get("/v1/compare/values", params={"f": ["sigmoid", "log(x)"], "num": 3, "decimals": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["series"][0]["y"] == [0.01, 0.5, 0.99]
    assert body["series"][1]["y"] == [None, None, 1.61]
    r = client.get("/v1/compare/values", params={"f": ["sigmoid"], "num": 3, "decimals": 2, "format": "csv"})
    assert r.text.splitlines()[1:] == ["-5.0,0.01,0.01", "0.0,0.5,0.25", "5.0,0.99,0.01"]


def test_labels_are_drawn_as_written_even_with_tex_matplotlib_cannot_parse(client: TestClient) -> None:
    for label in ["$\\foo$", "$x", "cost $5", "$\\frac{1}{2}$"]:
        r = client.get("/v1/compare/plot", params={"f": ["relu"], "label": [label], "width": 200, "height": 150})
        assert r.status_code == 200, label
        assert r.content.startswith(b"\x89PNG")


def test_a_label_with_control_characters_is_a_422(client: TestClient) -> None:
    for label in ["a\x00b", "two\nlines", "\x1b[31mred"]:
        r = client.get("/v1/compare/values", params={"f": ["relu"], "label": [label]})
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["query", "label", 0]
