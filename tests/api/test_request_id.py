"""Request ids: a safe X-Request-ID is kept, any other replaced; every answer and every error body carries it."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from asgi_correlation_id import CorrelationIdFilter
from fastapi.testclient import TestClient

from app.config import settings
from app.web import limits
from app.web.logs import ACCESS_LOGGER
from tests.api.observed_app import observed_app

VALUES = "/v1/activations/relu/values"
GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize("given", ["abc-123", "0f" * 16, "A.b_c~d:e/f+g=h-i", "x" * 128])
def test_a_safe_request_id_is_kept(client: TestClient, given: str) -> None:
    response = client.get(VALUES, headers={"X-Request-ID": given})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == given


@pytest.mark.parametrize("given", ["x" * 129, "has space", "<script>", 'quote"d', "semi;colon", "ünïcode".encode()])
def test_any_other_request_id_is_replaced(client: TestClient, given: str | bytes) -> None:
    response = client.get(VALUES, headers={"X-Request-ID": given})
    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["x-request-id"])


def test_a_request_without_an_id_gets_a_new_one_each_time(client: TestClient) -> None:
    ids = {client.get(VALUES).headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3
    assert all(GENERATED.fullmatch(i) for i in ids)


def _error_requests() -> list[tuple[str, str, dict[str, str], bytes | None, int]]:
    too_big = b"[" + b"0," * settings.MAX_BODY_BYTES + b"0]"
    return [
        ("GET", "/v1/activations/no_such_function/values", {}, None, 404),
        ("GET", "/no/such/path", {}, None, 404),
        ("GET", f"{VALUES}?num=1", {}, None, 422),
        ("DELETE", VALUES, {}, None, 405),
        ("POST", VALUES, {"content-type": "application/json"}, too_big, 413),
    ]


@pytest.mark.parametrize(("method", "url", "headers", "body", "status"), _error_requests())
def test_every_error_body_carries_the_request_id(
    client: TestClient, method: str, url: str, headers: dict[str, str], body: bytes | None, status: int
) -> None:
    response = client.request(method, url, headers={**headers, "X-Request-ID": "err-1"}, content=body)
    assert response.status_code == status
    assert response.headers["x-request-id"] == "err-1"
    assert response.json()["request_id"] == "err-1"
    assert response.json()["detail"]


def test_a_streamed_body_over_the_limit_carries_the_request_id(client: TestClient) -> None:
    chunk = b"0," * (settings.MAX_BODY_BYTES // 4)
    response = client.post(
        VALUES, content=iter([chunk] * 3), headers={"content-type": "application/json", "X-Request-ID": "big-2"}
    )
    assert response.status_code == 413
    assert response.json()["request_id"] == response.headers["x-request-id"] == "big-2"


def test_a_shed_plot_carries_the_request_id(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every slot taken and no room to wait: the plot is shed at once.
    monkeypatch.setattr(limits.heavy_work, "queue", 0)
    monkeypatch.setattr(limits.heavy_work, "_semaphore", lambda: asyncio.Semaphore(0))
    response = client.get("/v1/activations/relu/plot?num=13&x_max=4.321", headers={"X-Request-ID": "busy-3"})
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert response.json()["request_id"] == response.headers["x-request-id"] == "busy-3"


def test_head_and_304_answers_carry_the_request_id(client: TestClient) -> None:
    head = client.head(VALUES, headers={"X-Request-ID": "head-4"})
    assert head.status_code == 200
    assert head.headers["x-request-id"] == "head-4"
    etag = client.get(VALUES).headers["etag"]
    unchanged = client.get(VALUES, headers={"If-None-Match": etag, "X-Request-ID": "cond-5"})
    assert unchanged.status_code == 304
    assert unchanged.headers["x-request-id"] == "cond-5"


def test_browsers_may_read_the_request_id(client: TestClient) -> None:
    response = client.get(VALUES, headers={"Origin": "https://example.org"})
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert "x-request-id" in exposed


def test_an_unhandled_error_is_a_500_with_the_id_and_is_logged_with_it(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(CorrelationIdFilter())
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        response = TestClient(observed_app(RuntimeError), raise_server_exceptions=False).get(
            "/bug", headers={"X-Request-ID": "bug-6"}
        )
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "bug-6"
    assert response.json()["request_id"] == "bug-6"
    (record,) = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    assert record.levelno == logging.ERROR
    assert record.correlation_id == "bug-6"  # type: ignore[attr-defined]
    assert record.status == 500  # type: ignore[attr-defined]
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)
