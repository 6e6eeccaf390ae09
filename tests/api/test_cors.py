"""CORS: any origin may read the API from a browser by default; the allowed origins come from settings."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from fastapi.testclient import TestClient

ORIGIN = "https://frontend.example"


def test_simple_get_is_allowed_from_any_origin_and_exposes_etag(client: TestClient) -> None:
    response = client.get("/v1/activations/relu", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "retry-after", "content-disposition"} <= exposed


def test_preflight_for_a_json_post_is_answered(client: TestClient) -> None:
    response = client.options(
        "/v1/activations/relu/values",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    assert int(response.headers["access-control-max-age"]) > 0


def test_preflight_for_a_write_method_is_refused(client: TestClient) -> None:
    response = client.options(
        "/v1/activations/relu/values",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"},
    )
    assert response.status_code == 400
    assert "DELETE" not in response.headers.get("access-control-allow-methods", "")


def test_errors_carry_cors_headers_so_a_browser_can_read_them(client: TestClient) -> None:
    response = client.get("/v1/activations/nope", headers={"Origin": ORIGIN})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"
    assert "detail" in response.json()


def test_allowed_origins_come_from_the_environment() -> None:
    # A fresh interpreter, since the middleware reads the settings when the app is built.
    script = textwrap.dedent(
        """
        import json
        from fastapi.testclient import TestClient
        from app.main import app

        client = TestClient(app)
        def allow(origin):
            r = client.get("/healthz", headers={"Origin": origin})
            return r.headers.get("access-control-allow-origin")
        print(json.dumps([allow("https://allowed.example"), allow("https://other.example")]))
        """
    )
    env = {**os.environ, "ACT_CORS_ORIGINS": '["https://allowed.example"]'}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["https://allowed.example", None]


@pytest.mark.parametrize(
    ("given", "origins"),
    [
        ("http://127.0.0.1:3000", ["http://127.0.0.1:3000"]),
        ("http://127.0.0.1:3000, http://localhost:3000", ["http://127.0.0.1:3000", "http://localhost:3000"]),
        ('["http://127.0.0.1:3000"]', ["http://127.0.0.1:3000"]),
        ("*", ["*"]),
    ],
)
def test_cors_origins_are_a_json_list_or_a_comma_separated_one(
    monkeypatch: pytest.MonkeyPatch, given: str, origins: list[str]
) -> None:
    from app.config import Settings

    monkeypatch.setenv("ACT_CORS_ORIGINS", given)
    assert origins == Settings().CORS_ORIGINS
