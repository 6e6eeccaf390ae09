"""GET /values answers: cached answers are the fresh ones, with ETags, 304s and a bounded cache."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.curves import values_cache
from app.config import settings
from app.core.curves import ExpressionCurve, FunctionCurve

VALUES = "/v1/activations/{name}/values"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    values_cache.clear()
    yield
    values_cache.clear()


def _record_evaluations(monkeypatch: pytest.MonkeyPatch, kind: type, name_of: Callable[[Any], str]) -> list[str]:
    """``name_of`` of every curve of type ``kind`` that is evaluated, in order."""
    seen: list[str] = []
    real = kind.values

    def counting(curve: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(name_of(curve))
        return real(curve, *args, **kwargs)

    monkeypatch.setattr(kind, "values", counting)
    return seen


@pytest.fixture
def evaluations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every function the values route evaluates."""
    return _record_evaluations(monkeypatch, FunctionCurve, lambda curve: curve.activation.name)


@pytest.fixture
def curve_evaluations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The normalised text of every expression the expression and comparison values routes evaluate."""
    return _record_evaluations(monkeypatch, ExpressionCurve, lambda curve: curve.expression.text)


@pytest.mark.parametrize("fmt", ["json", "csv", "npy"])
@pytest.mark.parametrize("num", [101, settings.INLINE_MAX_POINTS + 1])
def test_a_cached_answer_is_the_answer_computed_afresh(client: TestClient, fmt: str, num: int) -> None:
    query = {"format": fmt, "num": num, "x_min": -2.5, "decimals": 9 if fmt == "csv" else None}
    query = {k: v for k, v in query.items() if v is not None}
    url = VALUES.format(name="softplus")
    fresh = client.get(url, params={**query, "beta": 2})
    cached = client.get(url, params={**query, "beta": 2})
    values_cache.clear()
    again = client.get(url, params={**query, "beta": 2})
    assert fresh.status_code == cached.status_code == again.status_code == 200
    assert fresh.content == cached.content == again.content
    assert fresh.headers["content-type"] == cached.headers["content-type"]
    assert fresh.headers["etag"] == cached.headers["etag"] == again.headers["etag"]


def test_a_repeated_request_is_answered_from_the_cache(client: TestClient, evaluations: list[str]) -> None:
    url = VALUES.format(name="sigmoid")
    for _ in range(3):
        assert client.get(url, params={"num": 50}).status_code == 200
    assert evaluations == ["sigmoid"]
    assert len(values_cache) == 1
    client.get(url, params={"num": 51})
    assert evaluations == ["sigmoid", "sigmoid"]


def test_aliases_and_spelled_out_defaults_share_one_answer(client: TestClient, evaluations: list[str]) -> None:
    plain = client.get(VALUES.format(name="sigmoid"))
    spelled = client.get(
        VALUES.format(name="Logistic"),
        params={"x_min": -5, "x_max": 5.0, "num": settings.DEFAULT_NUM, "derivative": "true", "method": "analytic"},
    )
    assert plain.content == spelled.content
    assert plain.headers["etag"] == spelled.headers["etag"]
    assert evaluations == ["sigmoid"]


@pytest.mark.parametrize(
    "other",
    [
        {"negative_slope": 0.2},
        {"num": 11},
        {"x_min": -4.999999},
        {"derivative": "false"},
        {"method": "numeric"},
        {"decimals": 3},
        {"format": "csv"},
    ],
)
def test_every_parameter_changes_the_etag(client: TestClient, other: dict[str, object]) -> None:
    url = VALUES.format(name="leaky_relu")
    base = client.get(url)
    changed = client.get(url, params=other)
    assert changed.status_code == 200
    assert changed.headers["etag"] != base.headers["etag"]
    assert changed.content != base.content


def test_if_none_match_gets_a_304_without_a_body(client: TestClient, evaluations: list[str]) -> None:
    url = VALUES.format(name="elu")
    first = client.get(url, params={"alpha": 0.5})
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == f"public, max-age={settings.VALUES_MAX_AGE}"
    opaque = etag.removeprefix("W/")
    assert etag == f"W/{opaque}"
    for header in (etag, opaque, f'"something-else", {etag}', f'"something-else",{opaque}', "*"):
        again = client.get(url, params={"alpha": 0.5}, headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
    other = client.get(url, params={"alpha": 0.6}, headers={"If-None-Match": etag})
    assert other.status_code == 200
    assert evaluations == ["elu", "elu"]


def test_the_accept_header_chooses_the_answer_and_varies_it(client: TestClient) -> None:
    url = VALUES.format(name="tanh")
    as_json = client.get(url)
    as_csv = client.get(url, headers={"Accept": "text/csv"})
    as_npy = client.get(url, headers={"Accept": "application/x-npy"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_npy.headers["content-type"] == "application/x-npy"
    assert len({r.headers["etag"] for r in (as_json, as_csv, as_npy)}) == 3
    assert as_csv.content == client.get(url, params={"format": "csv"}).content
    for answer in (as_json, as_csv, as_npy):
        assert "accept" in answer.headers["vary"].lower()


def test_errors_and_posts_are_not_cached(client: TestClient) -> None:
    bad = client.get(VALUES.format(name="sigmoid"), params={"num": 1})
    assert bad.status_code == 422
    assert "etag" not in bad.headers
    posted = client.post(VALUES.format(name="sigmoid"), json={"x": [0.0, 1.0]})
    assert posted.status_code == 200
    assert "etag" not in posted.headers
    assert len(values_cache) == 0


def test_an_answer_bigger_than_the_cache_is_sent_but_not_kept(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, evaluations: list[str]
) -> None:
    monkeypatch.setattr(values_cache, "max_bytes", 10_000)
    url = VALUES.format(name="relu")
    small = client.get(url, params={"num": 20})
    big = client.get(url, params={"num": 2_000})
    assert len(big.content) > 10_000
    assert len(values_cache) == 1
    assert values_cache.nbytes == len(small.content)
    assert client.get(url, params={"num": 2_000}).content == big.content
    assert evaluations == ["relu", "relu", "relu"]


def test_a_gzipped_answer_has_the_etag_of_the_plain_one_and_both_revalidate(client: TestClient) -> None:
    url = VALUES.format(name="gelu")
    query = {"num": 2000}
    plain = client.get(url, params=query, headers={"Accept-Encoding": "identity"})
    gzipped = client.get(url, params=query, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert gzipped.headers["content-encoding"] == "gzip"
    assert gzipped.content == plain.content  # httpx decodes the gzipped bytes
    # The same answer as different bytes: one weak tag serves both (a strong one may not).
    assert gzipped.headers["etag"] == plain.headers["etag"]
    assert plain.headers["etag"].startswith('W/"')
    for encoding in ("identity", "gzip"):
        again = client.get(
            url, params=query, headers={"Accept-Encoding": encoding, "If-None-Match": plain.headers["etag"]}
        )
        assert again.status_code == 304


@pytest.mark.parametrize("fmt", ["json", "csv", "npy"])
def test_a_cached_expression_answer_is_the_answer_computed_afresh(client: TestClient, fmt: str) -> None:
    query = {"expr": "x*sigmoid(1.702*x)", "num": 301, "format": fmt, "decimals": 12}
    fresh = client.get("/v1/expressions/values", params=query)
    cached = client.get("/v1/expressions/values", params=query)
    values_cache.clear()
    again = client.get("/v1/expressions/values", params=query)
    assert fresh.status_code == cached.status_code == again.status_code == 200
    assert fresh.content == cached.content == again.content
    assert fresh.headers["etag"] == cached.headers["etag"] == again.headers["etag"]


def test_spellings_of_one_expression_share_one_answer(client: TestClient, curve_evaluations: list[str]) -> None:
    first = client.get("/v1/expressions/values", params={"expr": "2*sigmoid(2*x) - 1", "num": 50})
    spelled = client.get("/v1/expressions/values", params={"expr": "2 * sigmoid(2 * x)-1", "num": 50})
    assert first.status_code == spelled.status_code == 200
    assert spelled.content == first.content
    assert spelled.headers["etag"] == first.headers["etag"]
    assert len(curve_evaluations) == 1
    revalidated = client.get(
        "/v1/expressions/values",
        params={"expr": "2*sigmoid(2*x)-1", "num": 50},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert revalidated.status_code == 304
    other = client.get("/v1/expressions/values", params={"expr": "2*sigmoid(2*x) - 1", "num": 50, "method": "numeric"})
    assert other.headers["etag"] != first.headers["etag"]
    assert len(curve_evaluations) == 2


def test_a_comparison_is_cached_and_its_labels_are_part_of_it(client: TestClient, curve_evaluations: list[str]) -> None:
    query = {"f": ["tanh", "2*sigmoid(2*x) - 1"], "num": 40}
    first = client.get("/v1/compare/values", params=query)
    again = client.get("/v1/compare/values", params=query)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert len(curve_evaluations) == 2
    labelled = client.get("/v1/compare/values", params={**query, "label": ["a", "b"]})
    assert labelled.headers["etag"] != first.headers["etag"]
    assert [series["label"] for series in labelled.json()["series"]] == ["a", "b"]
    assert len(curve_evaluations) == 4
    assert (
        client.get("/v1/compare/values", params=query, headers={"If-None-Match": first.headers["etag"]}).status_code
        == 304
    )


def test_expression_posts_are_not_cached(client: TestClient) -> None:
    posted = client.post("/v1/expressions/values", json={"expr": "relu(x)", "x": [0.0, 1.0]})
    assert posted.status_code == 200
    assert "etag" not in posted.headers
    assert len(values_cache) == 0
