"""What every operation shares: HEAD, unknown and repeated query parameters, errors listed once, cached plots."""

import pytest
from fastapi.testclient import TestClient

from app.api.curves import image_cache
from app.web import limits
from app.web.caching import forget_requests
from app.web.limits import HeavyWork

GETS = [
    "/healthz",
    "/v1/activations",
    "/v1/activations/relu",
    "/v1/activations/relu/values?num=7",
    "/v1/activations/relu/values?num=7&format=npy",
    "/v1/activations/tanh/plot?width=200&height=150",
    "/v1/activations/tanh/analysis?samples=100",
    "/v1/expressions/values?expr=x*sigmoid(x)&num=7",
    "/v1/expressions/plot?expr=x*sigmoid(x)&width=200&height=150",
    "/v1/compare/values?f=relu&f=tanh&num=7",
    "/v1/analysis/gradient-flow?depth=3&width=4&batch=8",
    "/openapi.json",
    "/docs",
    "/",
]


@pytest.mark.parametrize("url", GETS)
def test_head_has_the_headers_of_get_and_no_body(client: TestClient, url: str) -> None:
    got = client.get(url)
    head = client.head(url)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length", "etag", "cache-control"):
        assert head.headers.get(name) == got.headers.get(name), name


@pytest.mark.parametrize(
    "url",
    [
        "/v1/activations/relu/values",
        "/v1/expressions/values",
    ],
)
def test_an_unknown_query_parameter_on_a_post_is_named(client: TestClient, url: str) -> None:
    body = {"x": [1.0], **({"expr": "x"} if "expressions" in url else {})}
    response = client.post(url, params={"bogus": 1}, json=body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "bogus"]
    assert error["msg"] == "unknown query parameter 'bogus'"


@pytest.mark.parametrize(
    "url",
    [
        "/v1/activations/relu/plot?scale=abc",
        "/v1/expressions/plot?expr=x&scale=abc",
        "/v1/compare/plot?f=x&scale=abc",
        "/v1/analysis/gradient-flow/plot?scale=abc",
        "/v1/analysis/dead-units/plot?scale=abc",
    ],
)
def test_each_validation_error_is_listed_once(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 422
    assert [e["type"] for e in response.json()["detail"]] == ["int_parsing"]


# One plot of each kind, and the same plot spelled another way (which no request memo can recognise).
PLOTS = [
    ("/v1/activations/elu/plot?alpha=0.5", "/v1/activations/ELU/plot?alpha=0.50"),
    ("/v1/expressions/plot?expr=2*sigmoid(2*x)-1", "/v1/expressions/plot?expr=2 * sigmoid(2 * x) - 1"),
    ("/v1/compare/plot?f=tanh&f=2*sigmoid(2*x)-1", "/v1/compare/plot?f=tanh&f=2*sigmoid(2*x) - 1"),
    ("/v1/analysis/gradient-flow/plot?depth=5&width=8", "/v1/analysis/gradient-flow/plot?width=8&depth=5"),
    ("/v1/analysis/dead-units/plot?steps=5&width=8", "/v1/analysis/dead-units/plot?width=8&steps=5"),
]


@pytest.mark.parametrize(("url", "respelled"), PLOTS, ids=[url.split("?")[0] for url, _ in PLOTS])
def test_a_cached_plot_and_its_304_never_wait_for_a_heavy_slot(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, url: str, respelled: str
) -> None:
    image_cache.clear()
    forget_requests()
    first = client.get(url)
    assert first.status_code == 200
    # Every heavy-work slot busy from here on: a request that needs one is refused at once.
    monkeypatch.setattr(limits, "heavy_work", HeavyWork(slots=0, queue=0, wait_seconds=0.05))
    for again in (url, respelled):
        cached = client.get(again)
        assert cached.status_code == 200, cached.text
        assert cached.content == first.content
        assert cached.headers["etag"] == first.headers["etag"]
        revalidated = client.get(again, headers={"if-none-match": first.headers["etag"]})
        assert revalidated.status_code == 304
    # Proof that a slot was needed to draw: a new picture is refused while none is free.
    assert client.get(url + "&grid=false").status_code == 503


def test_every_operation_is_served_by_the_api_route_class(client: TestClient) -> None:
    from app.api.routes import activations, analysis, compare, expressions, health
    from app.web.routing import ApiRoute

    routes = [
        route for module in (activations, analysis, compare, expressions, health) for route in module.router.routes
    ]
    assert all(isinstance(route, ApiRoute) for route in routes)
    documented = client.get("/openapi.json").json()["paths"]
    assert len(routes) == sum(len(operations) for operations in documented.values()) == 24


def test_a_request_is_remembered_only_once_valid(client: TestClient) -> None:
    forget_requests()
    url = "/v1/activations/leaky_relu/values?num=9&negative_slope=2"
    for _ in range(2):
        refused = client.get(url + "x")
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["query", "negative_slope"]
    first, again = client.get(url), client.get(url)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    # The same path and query string with another Accept header is another request.
    as_csv = client.get(url, headers={"accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.startswith(b"x,y,dy\n")
