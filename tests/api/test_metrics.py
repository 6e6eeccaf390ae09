"""/metrics: requests by route template and status class, caches, heavy-work slots, render and analysis times."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app.web.caching import ResponseCache
from app.web.limits import HeavyWork

VALUES_ROUTE = "/v1/activations/{name}/values"
_fresh = itertools.count(1)


def scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics, parsed as Prometheus parses it, by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def unique_x_max() -> str:
    """An x_max no other request used: its answer is in no cache."""
    return f"{4 + next(_fresh) / 1000:g}"


def test_requests_are_counted_by_route_template_and_status_class(client: TestClient) -> None:
    before = scrape(client)
    for name in ("relu", "tanh", "relu"):
        assert client.get(f"/v1/activations/{name}/values?num=7").status_code == 200
    assert client.get("/v1/activations/no_such_function/values").status_code == 404
    assert client.get("/no/such/path").status_code == 404
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("http_requests_total", method="GET", route=VALUES_ROUTE, status_class="2xx") == 3
    assert delta("http_requests_total", method="GET", route=VALUES_ROUTE, status_class="4xx") == 1
    assert delta("http_requests_total", method="GET", route="<unmatched>", status_class="4xx") == 1
    assert delta("http_request_duration_seconds_count", method="GET", route=VALUES_ROUTE, status_class="2xx") == 3
    assert delta("http_response_size_bytes_count", method="GET", route=VALUES_ROUTE) == 4
    routes = {dict(labels).get("route") for _, labels in after}
    assert not any(route and ("relu" in route or "no/such" in route) for route in routes), routes


def test_scrapes_are_not_counted_and_metrics_is_not_documented(client: TestClient) -> None:
    scrape(client)
    samples = scrape(client)
    assert not any(dict(labels).get("route") == "/metrics" for _, labels in samples)
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_every_metric_the_operators_read_is_exposed(client: TestClient) -> None:
    names = {family.name for family in text_string_to_metric_families(client.get("/metrics").text)}
    expected = {
        "http_requests",
        "http_request_duration_seconds",
        "http_response_size_bytes",
        "cache_hits",
        "cache_misses",
        "cache_evictions",
        "heavy_slots_in_use",
        "heavy_requests_waiting",
        "heavy_shed",
        "render_duration_seconds",
        "analysis_duration_seconds",
    }
    assert expected <= names


@pytest.mark.parametrize(
    ("path", "cache"), [("/v1/activations/relu/values", "values"), ("/v1/activations/relu/plot", "plots")]
)
def test_a_repeated_request_is_a_miss_then_a_hit(client: TestClient, path: str, cache: str) -> None:
    url = f"{path}?num=11&x_max={unique_x_max()}"
    before = scrape(client)
    assert client.get(url).status_code == 200
    middle = scrape(client)
    assert client.get(url).status_code == 200
    after = scrape(client)
    assert value(middle, "cache_misses_total", cache=cache) - value(before, "cache_misses_total", cache=cache) == 1
    assert value(middle, "cache_hits_total", cache=cache) == value(before, "cache_hits_total", cache=cache)
    assert value(after, "cache_hits_total", cache=cache) - value(middle, "cache_hits_total", cache=cache) == 1
    # The second one was remembered: answered without being validated again.
    memo = "request memo"
    assert value(after, "cache_hits_total", cache=memo) - value(middle, "cache_hits_total", cache=memo) == 1


def test_an_evicted_entry_is_counted() -> None:
    def evictions() -> float:
        return REGISTRY.get_sample_value("cache_evictions_total", {"cache": "test-lru"}) or 0.0

    class Entry:
        data = b"12345"

    cache: ResponseCache[Entry] = ResponseCache(max_entries=2, max_bytes=100, name="test-lru")
    before = evictions()
    for key in "abc":
        cache.put(key, Entry())
    assert evictions() - before == 1
    assert cache.get("a") is None


def test_a_plot_and_an_analysis_are_timed_by_kind(client: TestClient) -> None:
    before = scrape(client)
    assert client.get(f"/v1/activations/elu/plot?num=11&x_max={unique_x_max()}").status_code == 200
    assert client.get(f"/v1/activations/elu/analysis?samples=1000&x_max={unique_x_max()}").status_code == 200
    after = scrape(client)
    for name, kind in (("render_duration_seconds_count", "plot"), ("analysis_duration_seconds_count", "analysis")):
        assert value(after, name, kind=kind) - value(before, name, kind=kind) == 1, name


def _gauge(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_heavy_slots_waiting_and_shed_are_reported() -> None:
    heavy = HeavyWork(slots=1, queue=1, wait_seconds=30)

    async def scenario() -> list[float]:
        release = asyncio.Event()
        held = asyncio.Event()

        async def hold() -> None:
            async with heavy.slot():
                held.set()
                await release.wait()

        base = [_gauge("heavy_slots_in_use"), _gauge("heavy_requests_waiting"), _gauge("heavy_shed_total")]
        holder = asyncio.create_task(hold())
        await asyncio.wait_for(held.wait(), 10)
        waiter = asyncio.create_task(hold())
        for _ in range(1000):  # a few turns of the loop until it waits; no clock involved
            if heavy._waiting:
                break
            await asyncio.sleep(0)
        during = [_gauge("heavy_slots_in_use"), _gauge("heavy_requests_waiting")]
        with pytest.raises(HTTPException) as shed:
            async with heavy.slot():
                pass
        assert shed.value.status_code == 503
        shed_total = _gauge("heavy_shed_total")
        release.set()
        await asyncio.wait_for(asyncio.gather(holder, waiter), 10)
        after = [_gauge("heavy_slots_in_use"), _gauge("heavy_requests_waiting")]
        return [
            *(d - b for d, b in zip(during, base, strict=False)),
            shed_total - base[2],
            *(a - b for a, b in zip(after, base, strict=False)),
        ]

    in_use, waiting, shed, in_use_after, waiting_after = asyncio.run(scenario())
    assert (in_use, waiting, shed) == (1, 1, 1)
    assert (in_use_after, waiting_after) == (0, 0)
