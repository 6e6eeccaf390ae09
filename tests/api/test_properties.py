"""Properties over the HTTP API: any text as an expression is a 200 or a 422, quickly; any finite input
within the limits gives finite numbers, for values and for the one-function analysis.

The parser and the registry have their own property tests (tests/core); these add what only the
API does: decoding of the query string, JSON encoding (which has no NaN), and the error handlers.
"""

from __future__ import annotations

import math
import time
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import settings as app_settings
from app.core.registry import ACTIVATIONS

NAMES = [activation.name for activation in ACTIVATIONS]
LIMIT = app_settings.MAX_ABS_X
finite_x = st.floats(min_value=-LIMIT, max_value=LIMIT, allow_nan=False, allow_infinity=False)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _numbers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


@PROPERTY
@given(st.text(max_size=120))
def test_any_text_as_an_expression_is_a_200_or_a_422_within_a_second(client: TestClient, text: str) -> None:
    started = time.perf_counter()
    response = client.get("/v1/expressions/values", params={"expr": text, "num": 5})
    assert time.perf_counter() - started < 1.0
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        (error,) = response.json()["detail"]
        assert error["loc"] == ["query", "expr"]
        assert error["msg"]


@PROPERTY
@given(st.sampled_from(NAMES), st.lists(finite_x, min_size=1, max_size=30))
def test_any_finite_points_give_finite_values(client: TestClient, name: str, xs: list[float]) -> None:
    response = client.post(f"/v1/activations/{name}/values", json={"x": xs})
    assert response.status_code == 200, response.text
    body = response.json()
    assert all(isinstance(v, float) and math.isfinite(v) for v in body["y"] + body["dy"])


@PROPERTY
@given(st.sampled_from(NAMES), finite_x, finite_x)
def test_any_finite_range_gives_a_finite_analysis(client: TestClient, name: str, a: float, b: float) -> None:
    x_min, x_max = min(a, b), max(a, b)
    response = client.get(
        f"/v1/activations/{name}/analysis", params={"x_min": x_min, "x_max": x_max, "num": 50, "samples": 1000}
    )
    if x_min == x_max:
        assert response.status_code == 422
        return
    assert response.status_code == 200, response.text
    assert all(math.isfinite(n) for n in _numbers(response.json()))
