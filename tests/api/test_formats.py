"""The fast paths give the same numbers as the slow ones: JSON, CSV, NPY, decimals, gzip, POST parsing."""

import gzip
import io
import zlib
from typing import Any

import numpy as np
import orjson
import pytest
from fastapi.testclient import TestClient

from app.config import settings
from app.core import registry
from app.core.evaluate import Method, evaluate

VALUES = "/v1/activations/{name}/values"


def _json_columns(body: bytes) -> dict[str, np.ndarray]:
    data = orjson.loads(body)
    return {name: np.array(data[name], dtype=np.float64) for name in ("x", "y", "dy") if name in data}


def _csv_columns(text: str) -> dict[str, np.ndarray]:
    header, *rows = text.strip("\n").split("\n")
    cells = [[float(cell) for cell in row.split(",")] for row in rows]
    return {name: np.array([row[i] for row in cells]) for i, name in enumerate(header.split(","))}


def _npy_columns(content: bytes) -> dict[str, np.ndarray]:
    table = np.load(io.BytesIO(content), allow_pickle=False)
    return {name: table[name] for name in table.dtype.names}


def _get_all_formats(client: TestClient, name: str, query: dict[str, object]) -> list[dict[str, np.ndarray]]:
    url = VALUES.format(name=name)
    answers = [client.get(url, params={**query, "format": fmt}) for fmt in ("json", "csv", "npy")]
    for r in answers:
        assert r.status_code == 200, r.text
    json_answer, csv_answer, npy_answer = answers
    return [_json_columns(json_answer.content), _csv_columns(csv_answer.text), _npy_columns(npy_answer.content)]


def _assert_identical(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], strict=True)
        # Equal as floats is not enough: -0.0 must stay -0.0.
        assert np.array_equal(np.signbit(a[name]), np.signbit(b[name]))


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("sigmoid", {"num": 1001}),
        ("leaky_relu", {"num": 777, "x_min": -3.3, "x_max": 0.1, "negative_slope": 0.2}),
        ("gelu", {"num": 500, "approximate": "tanh", "method": "numeric"}),
        ("elu", {"num": 64, "derivative": False, "x_min": -1e6, "x_max": 1e6}),
    ],
)
def test_json_csv_and_npy_carry_the_same_numbers_as_the_core(
    client: TestClient, name: str, query: dict[str, object]
) -> None:
    json_table, csv_table, npy_table = _get_all_formats(client, name, query)
    activation = registry.get(name)
    x = np.linspace(float(query.get("x_min", -5.0)), float(query.get("x_max", 5.0)), int(query["num"]))  # type: ignore[arg-type]
    given = {k: v for k, v in query.items() if k not in ("num", "x_min", "x_max", "method", "derivative")}
    params = activation.resolve_params(given)
    y, dy = evaluate(
        activation,
        x,
        params,
        derivative=bool(query.get("derivative", True)),
        method=Method(query.get("method", "analytic")),
    )
    core = {"x": x, "y": y} if dy is None else {"x": x, "y": y, "dy": dy}
    for table in (json_table, csv_table, npy_table):
        _assert_identical(table, core)


def test_post_at_100000_points_gives_the_core_numbers_in_every_format(client: TestClient) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(0, 10, settings.MAX_POINTS)
    x[:3] = [0.0, -0.0, settings.MAX_ABS_X]
    body = orjson.dumps({"x": x, "params": {"alpha": 0.5}}, option=orjson.OPT_SERIALIZE_NUMPY)
    url = VALUES.format(name="elu")
    tables = []
    for fmt in ("json", "csv", "npy"):
        r = client.post(url, params={"format": fmt}, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 200, r.text[:300]
        tables.append(
            {"json": _json_columns, "csv": lambda c: _csv_columns(c.decode()), "npy": _npy_columns}[fmt](r.content)
        )
    activation = registry.get("elu")
    y, dy = evaluate(activation, x, activation.resolve_params({"alpha": 0.5}))
    for table in tables:
        _assert_identical(table, {"x": x, "y": y, "dy": dy})


@pytest.mark.parametrize("decimals", [1, 3, 6, 10, 17])
def test_decimals_round_every_number_as_pythons_round_in_every_format(client: TestClient, decimals: int) -> None:
    query = {"num": 999, "x_min": -7.25, "x_max": 3.5}
    exact = _get_all_formats(client, "silu", query)[0]
    for table in _get_all_formats(client, "silu", {**query, "decimals": decimals}):
        expected = {name: np.array([round(v, decimals) for v in values.tolist()]) for name, values in exact.items()}
        _assert_identical(table, expected)


def test_decimals_make_json_shorter(client: TestClient) -> None:
    url = VALUES.format(name="tanh")
    full = client.get(url, params={"num": 10_000})
    short = client.get(url, params={"num": 10_000, "decimals": 3})
    assert full.status_code == short.status_code == 200
    assert len(short.content) < len(full.content) / 2
    # At most 3 decimals in every number of the CSV as well.
    csv = client.get(url, params={"num": 10_000, "decimals": 3, "format": "csv"}).text
    cells = csv.split("\n", 1)[1].replace("\n", ",").strip(",").split(",")
    assert max(len(cell.partition(".")[2]) for cell in cells) <= 3


def test_decimals_on_post(client: TestClient) -> None:
    r = client.post(VALUES.format(name="sigmoid"), params={"decimals": 2}, json={"x": [0.123456, 1.0]})
    assert r.status_code == 200
    body = r.json()
    assert body["x"] == [0.12, 1.0]
    assert body["y"] == [round(1 / (1 + np.exp(-0.123456)), 2), round(1 / (1 + np.exp(-1.0)), 2)]


@pytest.mark.parametrize("decimals", ["0", "18", "-1", "two", "1.5"])
def test_decimals_out_of_range_is_422(client: TestClient, decimals: str) -> None:
    r = client.get(VALUES.format(name="relu"), params={"decimals": decimals})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "decimals"]


def test_gzip_round_trips_and_is_only_used_when_asked_and_worth_it(client: TestClient) -> None:
    url = VALUES.format(name="sigmoid")
    plain = client.get(url, params={"num": 5000}, headers={"accept-encoding": "identity"})
    zipped = client.get(url, params={"num": 5000}, headers={"accept-encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"]
    assert int(zipped.headers["content-length"]) < len(plain.content) / 2
    # The client has already inflated it; it must be byte for byte the identity answer.
    assert zipped.content == plain.content


def test_gzip_wire_bytes_inflate_to_the_identity_body(client: TestClient) -> None:
    url = VALUES.format(name="relu")
    plain = client.get(url, params={"num": 2000, "format": "csv"})
    with client.stream("GET", url, params={"num": 2000, "format": "csv"}, headers={"accept-encoding": "gzip"}) as r:
        wire = b"".join(r.iter_raw())
    assert gzip.decompress(wire) == plain.content
    assert len(wire) < len(plain.content)


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (VALUES.format(name="relu"), {"num": 2}),
        (VALUES.format(name="relu"), {"num": 5000, "format": "npy"}),
        ("/v1/activations/relu/plot", {"format": "png"}),
    ],
)
def test_small_npy_and_png_answers_are_not_gzipped(client: TestClient, url: str, query: dict[str, object]) -> None:
    r = client.get(url, params=query, headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert "content-encoding" not in r.headers


def test_gzip_level_and_threshold_come_from_settings(client: TestClient) -> None:
    r = client.get(VALUES.format(name="relu"), params={"num": 5000}, headers={"accept-encoding": "gzip"})
    with client.stream(
        "GET", VALUES.format(name="relu"), params={"num": 5000}, headers={"accept-encoding": "gzip"}
    ) as streamed:
        wire = b"".join(streamed.iter_raw())
    compressor = zlib.compressobj(settings.GZIP_LEVEL, zlib.DEFLATED, 31)
    expected = compressor.compress(r.content) + compressor.flush()
    # The deflate stream (after the 10-byte gzip header, which holds a time stamp) is the one of that level.
    assert wire[10:] == expected[10:]
    assert len(client.get(VALUES.format(name="relu"), params={"num": 2}).content) < settings.GZIP_MIN_BYTES


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        (b'{"x": [1, NaN]}', ["body", "x", 1], "finite_number"),
        (b'{"x": [1, 2, "3"]}', ["body", "x", 2], "float_type"),
        (b'{"x": [true]}', ["body", "x", 0], "float_type"),
        (b'{"x": [1e400]}', ["body", "x", 0], "finite_number"),
        (b'{"x": [1, 2e7]}', ["body", "x", 1], "value_error"),
        (b'{"x": []}', ["body", "x"], "too_short"),
        (b'{"x": 3}', ["body", "x"], "list_type"),
        (b'{"x": [1], "extra": 1}', ["body", "extra"], "extra_forbidden"),
        (b"[1, 2]", ["body"], "model_attributes_type"),
        (b'{"x": [1,', ["body"], "json_invalid"),
        (b"", ["body"], "missing"),
    ],
)
def test_post_body_errors_are_422_located_in_the_body(
    client: TestClient, body: bytes, loc: list[object], kind: str
) -> None:
    r = client.post(VALUES.format(name="relu"), content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    error = r.json()["detail"][0]
    assert error["loc"] == loc
    assert error["type"] == kind
    assert error["msg"]


def test_post_with_too_many_points_is_422(client: TestClient) -> None:
    body = b'{"x": [' + b",".join([b"0"] * (settings.MAX_POINTS + 1)) + b"]}"
    r = client.post(VALUES.format(name="relu"), content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "x"]
    assert str(settings.MAX_POINTS) in r.json()["detail"][0]["msg"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_post_body_that_is_not_json_is_422(client: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    r = client.post(VALUES.format(name="relu"), content=b'{"x": [1]}', headers=headers)
    assert r.status_code == 422
    assert "application/json" in r.json()["detail"][0]["msg"]


def test_post_accepts_a_json_content_type_with_parameters(client: TestClient) -> None:
    r = client.post(
        VALUES.format(name="relu"),
        content=b'{"x": [-1, 2]}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 200
    assert r.json()["y"] == [0.0, 2.0]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema``, or the component it refers to."""
    ref = schema.get("$ref", "")
    return spec["components"]["schemas"][ref.removeprefix("#/components/schemas/")] if ref else schema


def test_post_body_schema_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/activations/{name}/values"]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    schema = _resolve(spec, body["content"]["application/json"]["schema"])
    assert schema["required"] == ["x"]
    assert schema["properties"]["x"]["maxItems"] == settings.MAX_POINTS
    assert _resolve(spec, schema["properties"]["method"])["enum"] == ["analytic", "numeric"]
    assert "$defs" not in str(schema)
    assert {p["name"] for p in operation["parameters"]} >= {"format", "decimals"}


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_a_cached_plot_is_the_plot_rendered_afresh(client: TestClient, fmt: str) -> None:
    from app.api.curves import image_cache

    url = "/v1/activations/elu/plot"
    query = {"format": fmt, "alpha": 0.7, "width": 320, "height": 240}
    image_cache.clear()
    fresh = client.get(url, params=query)
    cached = client.get(url, params=query)
    image_cache.clear()
    again = client.get(url, params=query)
    assert fresh.status_code == cached.status_code == again.status_code == 200
    assert cached.content == fresh.content == again.content
    assert cached.headers["etag"] == again.headers["etag"]


def test_get_values_documents_every_query_parameter(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/activations/{name}/values"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {
        "name",
        "x_min",
        "x_max",
        "num",
        "derivative",
        "order",
        "method",
        "dtype",
        "format",
        "decimals",
    }
    assert parameters["num"]["schema"]["maximum"] == settings.MAX_NUM
    assert _resolve(spec, parameters["method"]["schema"])["enum"] == ["analytic", "numeric"]
    assert all(p["in"] == "query" and p["description"] for n, p in parameters.items() if n != "name")


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("num=1&x_min=nan", [["query", "x_min"], ["query", "num"]]),
        ("num=3&num=4", [["query", "num"]]),
        ("derivative=maybe", [["query", "derivative"]]),
        ("negative_slope=abc", [["query", "negative_slope"]]),
        ("slope=0.1", [["query", "slope"]]),
        ("x_min=2&x_max=1", [["query", "x_max"]]),
    ],
)
def test_every_bad_query_parameter_is_named_in_the_422(client: TestClient, query: str, loc: list[list[str]]) -> None:
    r = client.get(f"{VALUES.format(name='leaky_relu')}?{query}")
    assert r.status_code == 422
    assert sorted(e["loc"] for e in r.json()["detail"]) == sorted(loc)
