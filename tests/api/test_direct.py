"""GET /values served directly: the same answers as the FastAPI operation, and only for plain handlers."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.testclient import TestClient
from starlette.routing import Route

from app.api import activations
from app.api.direct import serve_directly
from app.main import app

VALUES = "/v1/activations/{name}/values"
SIGMOID = VALUES.format(name="sigmoid")

# (method, url, headers): answers, errors of every kind, and every way of choosing the format.
REQUESTS = [
    ("GET", f"{SIGMOID}?num=7", {}),
    ("GET", f"{SIGMOID}?num=7&x_min=-2&x_max=4.5&derivative=false", {}),
    ("GET", f"{SIGMOID}?num=7&method=numeric&decimals=3", {}),
    ("GET", f"{SIGMOID}?num=7", {"Accept": "text/csv"}),
    ("GET", f"{SIGMOID}?num=7&format=npy", {}),
    ("GET", f"{SIGMOID}?num=7", {"Accept": "image/png"}),
    ("GET", f"{VALUES.format(name='LeakyReLU')}?num=5&negative_slope=0.2", {}),
    ("GET", f"{VALUES.format(name='leaky_relu')}?num=5&negative_slope=-1", {}),
    ("GET", f"{VALUES.format(name='leaky_relu')}?num=5&slope=1", {}),
    ("GET", f"{VALUES.format(name='nope')}?num=5", {}),
    ("GET", f"{SIGMOID}?num=0", {}),
    ("GET", f"{SIGMOID}?num=abc", {}),
    ("GET", f"{SIGMOID}?num=5&num=6", {}),
    ("GET", f"{SIGMOID}?x_min=3&x_max=1", {}),
    ("GET", f"{SIGMOID}?x_max=inf", {}),
    ("GET", f"{SIGMOID}?num=7", {"Accept-Encoding": "gzip"}),
    ("GET", f"{SIGMOID}?num=2000", {"Accept-Encoding": "gzip"}),
    ("GET", f"{SIGMOID}?num=7", {"Origin": "http://example.org"}),
    ("HEAD", f"{SIGMOID}?num=7", {}),
    ("PUT", f"{SIGMOID}?num=7", {}),
    ("DELETE", f"{VALUES.format(name='nope')}", {}),
]
HEADERS = ("content-type", "content-length", "content-encoding", "etag", "cache-control", "vary", "allow")


@pytest.fixture
def direct_route() -> Route:
    (route,) = [r for r in app.router.routes if isinstance(r, Route) and r.path == VALUES and type(r) is Route]
    return route


def test_the_values_route_comes_first_and_answers_get_only(direct_route: Route) -> None:
    assert app.router.routes.index(direct_route) == 0
    assert direct_route.methods == {"GET"}
    assert direct_route.include_in_schema is False


@pytest.mark.parametrize(("method", "url", "headers"), REQUESTS)
def test_the_direct_route_answers_as_the_fastapi_operation(
    client: TestClient, direct_route: Route, method: str, url: str, headers: dict[str, str]
) -> None:
    direct = client.request(method, url, headers=headers)
    routes = list(app.router.routes)
    app.router.routes[:] = [r for r in routes if r is not direct_route]
    try:
        routed = client.request(method, url, headers=headers)
    finally:
        app.router.routes[:] = routes
    assert direct.status_code == routed.status_code
    assert direct.content == routed.content
    for name in HEADERS:
        assert direct.headers.get(name) == routed.headers.get(name), name


def test_if_none_match_gets_a_304_from_the_direct_route(client: TestClient) -> None:
    first = client.get(SIGMOID, params={"num": 9})
    again = client.get(SIGMOID, params={"num": 9}, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["etag"] == first.headers["etag"]
    assert again.content == b""


def test_a_repeated_request_is_validated_once(client: TestClient) -> None:
    activations._grid_request.cache_clear()
    for _ in range(3):
        assert client.get(SIGMOID, params={"num": 11}).status_code == 200
    info = activations._grid_request.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_an_invalid_request_is_not_remembered(client: TestClient) -> None:
    activations._grid_request.cache_clear()
    for _ in range(2):
        r = client.get(SIGMOID, params={"num": -1})
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["query", "num"]
    assert activations._grid_request.cache_info().currsize == 0


def test_the_accept_header_still_chooses_the_format_of_a_remembered_request(client: TestClient) -> None:
    json_answer = client.get(SIGMOID, params={"num": 12})
    csv_answer = client.get(SIGMOID, params={"num": 12}, headers={"Accept": "text/csv"})
    assert json_answer.headers["content-type"] == "application/json"
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert json_answer.headers["etag"] != csv_answer.headers["etag"]


def _router_with(handler: object) -> tuple[FastAPI, APIRouter]:
    router = APIRouter()
    router.get("/things/{name}")(handler)
    fastapi_app = FastAPI()
    fastapi_app.include_router(router)
    return fastapi_app, router


async def _takes_a_query_parameter(request: Request, name: str, limit: Annotated[int, Query()] = 1) -> Response:
    return Response(name)


async def _needs_a_dependency(request: Request, name: str, user: Annotated[str, Depends(lambda: "u")]) -> Response:
    return Response(name)


async def _takes_a_number(request: Request, name: int) -> Response:
    return Response(str(name))


async def _plain(request: Request, name: str) -> Response:
    return Response(name)


@pytest.mark.parametrize("handler", [_takes_a_query_parameter, _needs_a_dependency, _takes_a_number])
def test_a_handler_fastapi_does_more_for_is_refused(handler: object) -> None:
    fastapi_app, router = _router_with(handler)
    with pytest.raises(ValueError, match="takes only `request`"):
        serve_directly(fastapi_app, router, handler)  # type: ignore[arg-type]


def test_a_function_that_is_no_handler_of_the_router_is_refused() -> None:
    fastapi_app, router = _router_with(_plain)
    with pytest.raises(ValueError, match="not the handler"):
        serve_directly(fastapi_app, router, _takes_a_number)


def test_a_plain_handler_is_served_with_its_path_parameters() -> None:
    fastapi_app, router = _router_with(_plain)
    serve_directly(fastapi_app, router, _plain)
    with TestClient(fastapi_app) as test_client:
        r = test_client.get("/things/a%20b")
    assert r.status_code == 200
    assert r.text == "a b"
