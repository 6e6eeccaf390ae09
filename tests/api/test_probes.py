"""Probes: /livez while the process runs, /readyz only between warm-up and SIGTERM, /healthz as before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.web import probes
from app.web.probes import State


@pytest.fixture
def state() -> Iterator[None]:
    """Puts this worker's readiness back as it was."""
    before = probes.readiness.state
    yield
    probes.readiness.state = before


@pytest.mark.parametrize("path", ["/livez", "/healthz"])
def test_liveness_answers_whatever_the_readiness(client: TestClient, state: object, path: str) -> None:
    for now in State:
        probes.readiness.state = now
        response = client.get(path)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"


@pytest.mark.parametrize("now", [State.starting, State.draining])
def test_not_ready_before_warm_up_and_while_draining(client: TestClient, state: object, now: State) -> None:
    probes.readiness.state = now
    response = client.get("/readyz", headers={"X-Request-ID": "probe-1"})
    assert response.status_code == 503
    assert response.json() == {"detail": f"not ready: {now.value}", "status": now.value, "request_id": "probe-1"}
    assert response.headers["cache-control"] == "no-store"


def test_ready_once_the_lifespan_has_warmed_the_worker_up(state: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.main import app

    seen: list[State] = []
    warm_up = probes.warm_up

    def watched_warm_up() -> None:
        seen.append(probes.readiness.state)
        warm_up()

    monkeypatch.setattr(probes, "warm_up", watched_warm_up)
    probes.readiness.state = State.starting
    with TestClient(app) as fresh:
        response = fresh.get("/readyz")
    assert seen == [State.starting]  # not ready while warming up
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_a_failed_warm_up_never_becomes_ready(state: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.main import app

    def broken() -> None:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(probes, "warm_up", broken)
    probes.readiness.state = State.starting
    with pytest.raises(RuntimeError, match="no fonts"), TestClient(app):
        pass
    assert probes.readiness.state is State.starting


def test_warm_up_draws_a_plot_in_each_format() -> None:
    probes.warm_up()  # fonts found, both encoders work: raises otherwise


def test_probes_are_documented_under_health(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/livez", "/readyz", "/healthz"):
        assert paths[path]["get"]["tags"] == ["health"]
    assert "503" in paths["/readyz"]["get"]["responses"]
