import struct
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from app.api.curves import image_cache
from app.render import Image, ImageFormat
from app.web import limits
from app.web.caching import ResponseCache
from app.web.limits import HeavyWork

PLOT = "/v1/activations/{}/plot"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_plot_is_a_png_of_640_by_480_by_default(client: TestClient) -> None:
    response = client.get(PLOT.format("relu"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert png_size(response.content) == (640, 480)
    assert response.headers["cache-control"] == "public, max-age=86400"
    assert response.headers["etag"].startswith('W/"')
    assert response.headers["content-disposition"] == 'inline; filename="relu.png"'


@pytest.mark.parametrize(
    ("width", "height", "scale"), [(100, 100, 1), (1600, 400, 1), (400, 300, 2), (123, 457, 3), (250, 100, 4)]
)
def test_png_is_exactly_width_times_scale_by_height_times_scale(
    client: TestClient, width: int, height: int, scale: int
) -> None:
    response = client.get(PLOT.format("gelu"), params={"width": width, "height": height, "scale": scale})
    assert response.status_code == 200
    assert png_size(response.content) == (width * scale, height * scale)


def test_svg_by_query_is_well_formed_with_titles(client: TestClient) -> None:
    response = client.get(PLOT.format("leaky_relu"), params={"format": "svg", "width": 500, "height": 400})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    assert (root.get("width"), root.get("height")) == ("500px", "400px")
    assert response.headers["content-disposition"] == 'inline; filename="leaky_relu.svg"'
    assert b"<!-- Leaky ReLU -->" in response.content
    assert b"<!-- Derivative of Leaky ReLU -->" in response.content


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("image/svg+xml", "image/svg+xml"),
        ("image/png", "image/png"),
        ("image/svg+xml;q=0.9, image/png", "image/png"),
        ("image/png;q=0.5, image/svg+xml", "image/svg+xml"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "image/png"),
        ("image/*", "image/png"),
        ("image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", "image/png"),
        ("image/*;q=0.5, image/svg+xml", "image/svg+xml"),
        ("image/png;q=0, */*", "image/svg+xml"),
    ],
)
def test_accept_header_chooses_the_format(client: TestClient, accept: str, media_type: str) -> None:
    response = client.get(PLOT.format("elu"), headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert "Accept" in response.headers["vary"]


def test_format_query_overrides_accept_and_unacceptable_accept_is_406(client: TestClient) -> None:
    response = client.get(PLOT.format("elu"), params={"format": "png"}, headers={"accept": "image/svg+xml"})
    assert response.headers["content-type"] == "image/png"
    response = client.get(PLOT.format("elu"), headers={"accept": "application/json"})
    assert response.status_code == 406
    assert "image/png" in response.json()["detail"]
    response = client.get(PLOT.format("elu"), headers={"accept": "image/png;q=0, image/svg+xml;q=0"})
    assert response.status_code == 406


def test_derivative_false_draws_one_panel(client: TestClient) -> None:
    response = client.get(PLOT.format("tanh"), params={"derivative": "false", "format": "svg"})
    assert response.status_code == 200
    assert b"<!-- Tanh -->" in response.content
    assert b"Derivative" not in response.content


def test_etag_answers_if_none_match_with_304(client: TestClient) -> None:
    first = client.get(PLOT.format("selu"))
    etag = first.headers["etag"]
    again = client.get(PLOT.format("selu"), headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    listed = client.get(PLOT.format("selu"), headers={"if-none-match": f'"other", {etag.removeprefix("W/")}'})
    assert listed.status_code == 304
    other = client.get(PLOT.format("selu"), headers={"if-none-match": '"other"'})
    assert other.status_code == 200
    assert other.content == first.content


def test_different_pictures_have_different_etags(client: TestClient) -> None:
    tags = {
        client.get(PLOT.format("relu"), params=params).headers["etag"]
        for params in ({}, {"theme": "dark"}, {"grid": "false"}, {"format": "svg"}, {"num": 101}, {"method": "numeric"})
    }
    assert len(tags) == 6


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((PLOT.format("swish"), {}), (PLOT.format("silu"), {})),
        ((PLOT.format("SiLU"), {}), (PLOT.format("silu"), {"x_min": "-5.0", "x_max": "5", "num": "100"})),
        ((PLOT.format("leaky_relu"), {}), (PLOT.format("leaky_relu"), {"negative_slope": "0.01"})),
        ((PLOT.format("relu"), {"theme": "light", "grid": "true"}), (PLOT.format("relu"), {"width": 640, "scale": 1})),
        ((PLOT.format("relu"), {"format": "svg", "scale": 2}), (PLOT.format("relu"), {"format": "svg"})),
        ((PLOT.format("elu"), {"derivative": "false", "method": "numeric"}), (PLOT.format("elu"), {"derivative": "0"})),
        ((PLOT.format("gelu"), {"approximate": "none"}), (PLOT.format("GELU"), {})),
    ],
)
def test_equal_canonical_parameters_give_equal_bytes_and_etag(
    client: TestClient, first: tuple[str, dict[str, object]], second: tuple[str, dict[str, object]]
) -> None:
    image_cache.clear()
    a = client.get(first[0], params=first[1])
    image_cache.clear()
    b = client.get(second[0], params=second[1])
    assert a.status_code == b.status_code == 200
    assert a.headers["etag"] == b.headers["etag"]
    assert a.content == b.content


@pytest.mark.parametrize(
    "params",
    [
        {"width": 99},
        {"width": 4001},
        {"height": 50},
        {"height": "tall"},
        {"scale": 0},
        {"scale": 5},
        {"scale": 1.5},
        {"width": 4000, "height": 4000, "scale": 2},
        {"width": 2001, "height": 2000, "scale": 2},
        {"num": 10_001},
        {"num": 1},
        {"x_min": 3, "x_max": 1},
        {"x_max": "inf"},
        {"theme": "blue"},
        {"grid": "sometimes"},
        {"format": "gif"},
        {"derivative": "maybe"},
        {"method": "guess"},
        {"negative_slope": "steep"},
        {"negative_slope": 100},
        {"colour": "red"},
    ],
)
def test_every_bad_plot_parameter_is_a_422(client: TestClient, params: dict[str, object]) -> None:
    response = client.get(PLOT.format("leaky_relu"), params=params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    assert detail[0]["loc"][0] == "query"


def test_sixteen_megapixels_are_allowed(client: TestClient) -> None:
    response = client.get(PLOT.format("relu"), params={"width": 2000, "height": 2000, "scale": 2, "num": 10})
    assert response.status_code == 200
    assert png_size(response.content) == (4000, 4000)


def test_unknown_function_is_a_404(client: TestClient) -> None:
    response = client.get(PLOT.format("rleu"))
    assert response.status_code == 404
    assert "relu" in response.json()["suggestions"]


def test_repeated_plot_comes_from_the_cache(client: TestClient) -> None:
    image_cache.clear()
    first = client.get(PLOT.format("mish"), params={"width": 300})
    assert len(image_cache) == 1
    second = client.get(PLOT.format("mish"), params={"width": 300})
    assert len(image_cache) == 1
    assert second.content == first.content


def test_cache_is_bounded_by_entries_and_bytes() -> None:
    cache: ResponseCache[Image] = ResponseCache(max_entries=3, max_bytes=25)
    for key in "abcd":
        cache.put(key, Image(b"x" * 5, ImageFormat.png))
    assert len(cache) == 3
    assert cache.get("a") is None
    assert cache.get("b") is not None
    cache.put("e", Image(b"y" * 20, ImageFormat.png))
    assert cache.nbytes <= 25
    # "b" was used last, so "c" and "d" went first.
    assert cache.get("c") is None and cache.get("d") is None
    assert cache.get("b") is not None
    cache.put("huge", Image(b"z" * 26, ImageFormat.png))
    assert cache.get("huge") is None


def test_constant_derivative_gets_a_readable_range(client: TestClient) -> None:
    response = client.get(PLOT.format("identity"), params={"format": "svg"})
    assert response.status_code == 200
    # Ticks of a window around 1, not of rounding noise (0.9995, 1.0005, ...).
    assert b"<!-- 1.0 -->" in response.content
    assert b"0.9995" not in response.content


def test_a_plot_the_cache_or_client_has_takes_no_heavy_slot(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    image_cache.clear()
    first = client.get(PLOT.format("softsign"))
    assert first.status_code == 200
    # No slot will ever come free: only plots that need no drawing can be answered.
    monkeypatch.setattr(limits, "heavy_work", HeavyWork(slots=0, queue=0, wait_seconds=0.1))
    cached = client.get(PLOT.format("softsign"))
    assert cached.status_code == 200
    assert cached.content == first.content
    revalidated = client.get(PLOT.format("softsign"), params={"num": 7}, headers={"if-none-match": '"other"'})
    assert revalidated.status_code == 503
    assert revalidated.headers["retry-after"] == "1"
    image_cache.clear()
    not_modified = client.get(PLOT.format("softsign"), headers={"if-none-match": first.headers["etag"]})
    assert not_modified.status_code == 304
