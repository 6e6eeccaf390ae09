"""dtype= on the curve endpoints, the error object, and the /precision reports."""

import io

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from app.core import registry
from app.core.precision import Dtype, function_in, round_to

VALUES = "/v1/activations/{}/values"


def _exactly_of(values: list[float | None], dtype: Dtype) -> bool:
    array = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    finite = array[np.isfinite(array)]
    return bool(np.array_equal(round_to(finite, dtype), finite))


def test_float64_is_the_default_and_changes_nothing(client: TestClient) -> None:
    plain = client.get(VALUES.format("sigmoid"), params={"num": 9})
    explicit = client.get(VALUES.format("sigmoid"), params={"num": 9, "dtype": "float64"})
    assert plain.content == explicit.content
    assert plain.headers["etag"] == explicit.headers["etag"]
    assert "dtype" not in plain.json() and "error" not in plain.json()


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_a_low_precision_answer_holds_values_of_the_dtype_as_pytorch_computes_them(
    client: TestClient, dtype: str
) -> None:
    answer = client.get(VALUES.format("sigmoid"), params={"num": 51, "x_min": -3, "x_max": 20, "dtype": dtype}).json()
    assert answer["dtype"] == dtype
    for key in ("x", "y", "dy"):
        assert _exactly_of(answer[key], Dtype(dtype)), key
    y, dy = function_in(Dtype(dtype), registry.get("sigmoid"), np.array(answer["x"]), {})
    assert answer["y"] == y.tolist() and answer["dy"] == dy.tolist()
    error = answer["error"]
    assert error["points"] == 51
    # The gradient underflows to exactly 0 towards x = 20 in every low precision.
    assert error["underflows"] > 0
    # PyTorch computes f itself to within a couple of ULP (SLEEF in float32, one rounding in half types).
    assert error["y_max_ulp"] < 2.0


def test_csv_and_npy_carry_the_same_low_precision_numbers(client: TestClient) -> None:
    query = {"num": 7, "dtype": "bfloat16", "x_max": 9}
    answer = client.get(VALUES.format("tanh"), params=query).json()
    table = np.load(io.BytesIO(client.get(VALUES.format("tanh"), params={**query, "format": "npy"}).content))
    assert table["dy"].tolist() == answer["dy"]
    csv = client.get(VALUES.format("tanh"), params={**query, "format": "csv"}).text.splitlines()
    assert csv[0] == "x,y,dy" and len(csv) == 8


@pytest.mark.parametrize(
    ("query", "says"),
    [({"order": 2}, "order=2 is computed in float64 only"), ({"method": "numeric"}, "method=numeric")],
)
def test_what_low_precision_does_not_give_is_a_422_that_says_why(client: TestClient, query: dict, says: str) -> None:
    response = client.get(VALUES.format("gelu"), params={"dtype": "float16", **query})
    assert response.status_code == 422
    assert says in response.json()["detail"][0]["msg"]


def test_an_unknown_dtype_is_a_422(client: TestClient) -> None:
    response = client.get(VALUES.format("relu"), params={"dtype": "float8"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "dtype"]


def test_post_expressions_and_comparisons_take_a_dtype(client: TestClient) -> None:
    posted = client.post(VALUES.format("silu"), json={"x": [-30.0, 1.0], "dtype": "float16"}).json()
    assert posted["dtype"] == "float16" and "error" in posted
    expression = client.get(
        "/v1/expressions/values", params={"expr": "2*sigmoid(2*x) - 1", "num": 11, "dtype": "float16"}
    ).json()
    assert _exactly_of(expression["y"], Dtype.float16)
    compared = client.get("/v1/compare/values", params={"f": ["tanh", "sigmoid"], "num": 5, "dtype": "float32"}).json()
    assert compared["dtype"] == "float32"
    assert all("error" in series for series in compared["series"])


def test_the_precision_report_gives_every_dtype_with_representable_thresholds(client: TestClient) -> None:
    answer = client.get("/v1/activations/sigmoid/precision").json()
    reports = {r["dtype"]: r for r in answer["dtypes"]}
    assert list(reports) == ["float64", "float32", "float16", "bfloat16"]
    assert reports["float16"]["zero_gradient_from"] == 8.3203125
    assert reports["bfloat16"]["zero_gradient_from"] == 6.25
    assert 36.7 < reports["float64"]["zero_gradient_from"] < 36.8
    for name, report in reports.items():
        value = report["zero_gradient_from"]
        assert round_to(np.array([value]), Dtype(name))[0] == value
    assert reports["float64"]["error"] is None and reports["float16"]["error"]["points"] > 60_000
    assert answer["request"].startswith("/v1/activations/sigmoid/precision")


def test_the_precision_report_follows_the_parameters_and_takes_expressions(client: TestClient) -> None:
    steep = client.get("/v1/activations/softplus/precision", params={"beta": 4}).json()
    assert steep["params"]["beta"] == 4.0
    assert client.get("/v1/activations/softplus/precision", params={"bogus": 1}).status_code == 422
    expression = client.get("/v1/expressions/precision", params={"expr": "2*sigmoid(2*x) - 1"}).json()
    assert expression["name"] == "2 * sigmoid(2 * x) - 1" and len(expression["dtypes"]) == 4


def test_precision_plots_and_plots_in_a_dtype(client: TestClient) -> None:
    svg = client.get("/v1/activations/sigmoid/precision/plot", params={"format": "svg"})
    assert svg.status_code == 200
    assert b"f\xe2\x80\xb2 = 0 in float16" in svg.content
    drawn = client.get("/v1/activations/tanh/plot", params={"dtype": "bfloat16", "format": "svg", "x_max": 6})
    assert b"<!-- Tanh (bfloat16) -->" in drawn.content and b"<!-- Tanh (exact) -->" in drawn.content
    assert client.get("/v1/expressions/precision/plot", params={"expr": "tanh(x)"}).status_code == 200


def test_a_precision_report_of_a_long_expression_is_a_quick_422_naming_the_setting(client: TestClient) -> None:
    long = "+".join(["sigmoid(x)*tanh(x)"] * 10)
    response = client.get("/v1/expressions/precision", params={"expr": long})
    assert response.status_code == 422
    assert "PRECISION_MAX_NODES" in response.json()["detail"][0]["msg"]


def test_inputs_are_rounded_as_pytorch_converts_float64_through_float32(client: TestClient) -> None:
    # Just above the bfloat16 tie between 1 and 1 + 2**-7: float32 rounds it onto the tie, which goes to even.
    x = 1.00390625 + 2**-40
    answer = client.post(VALUES.format("relu"), json={"x": [x], "dtype": "bfloat16"}).json()
    expected = float(torch.tensor([x], dtype=torch.float64).to(torch.bfloat16).double()[0])
    assert answer["x"] == answer["y"] == [expected] == [1.0]
