"""Values routes compute small requests on the event loop and big ones in a thread, with the same bytes."""

import threading
import types
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from app.api import curves
from app.config import settings
from app.web import encoding

# (method, path, query, JSON body): each is 200 points of work or more.
REQUESTS = [
    ("GET", "/v1/activations/gelu/values", {"num": 300, "approximate": "tanh"}, None),
    ("POST", "/v1/activations/elu/values", {}, {"x": [i / 7 - 20 for i in range(300)], "params": {"alpha": 0.5}}),
    ("GET", "/v1/expressions/values", {"expr": "x * sigmoid(2*x)", "num": 300}, None),
    ("POST", "/v1/expressions/values", {}, {"expr": "tanh(x)**2", "x": [i / 9 for i in range(300)]}),
    ("GET", "/v1/compare/values", {"f": ["relu", "softplus(x, beta=2)"], "num": 300}, None),
]


@pytest.fixture
def encoding_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The thread of every JSON answer the routes encode."""
    threads: list[int] = []

    def dumps(*args: Any, **kwargs: Any) -> bytes:
        threads.append(threading.get_ident())
        return orjson.dumps(*args, **kwargs)

    proxy = types.SimpleNamespace(**{name: getattr(orjson, name) for name in dir(orjson) if name.startswith("OPT_")})
    proxy.dumps = dumps
    monkeypatch.setattr(encoding, "orjson", proxy)
    return threads


@pytest.mark.parametrize(("method", "path", "query", "body"), REQUESTS, ids=[f"{m} {p}" for m, p, _, _ in REQUESTS])
def test_work_in_a_thread_gives_the_bytes_of_work_in_place(
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    encoding_threads: list[int],
    method: str,
    path: str,
    query: dict[str, object],
    body: dict[str, object] | None,
) -> None:
    answers = []
    for limit in (10**9, 0):
        monkeypatch.setattr(settings, "INLINE_MAX_POINTS", limit)
        curves.values_cache.clear()
        answer = client.request(method, path, params=query, json=body)
        assert answer.status_code == 200, answer.text
        answers.append(answer.content)
    assert answers[0] == answers[1]
    # The first answer was encoded on the event loop's thread, the last on a worker thread.
    assert encoding_threads[0] != encoding_threads[-1]
