"""font_scale, title, panel_title and lang on every plot endpoint: slide-ready figures, in English or Japanese."""

from __future__ import annotations

import io
import itertools
import re
import warnings
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image as PILImage

from app.config import settings

# Every plot endpoint, with parameters that keep its work small.
PLOTS: dict[str, dict[str, Any]] = {
    "/v1/activations/relu/plot": {},
    "/v1/expressions/plot": {"expr": "2*sigmoid(2*x) - 1"},
    "/v1/compare/plot": {"f": ["tanh", "2*sigmoid(2*x) - 1"], "label": ["tanh", "変換されたSigmoid"]},
    "/v1/activations/sigmoid/precision/plot": {},
    "/v1/expressions/precision/plot": {"expr": "tanh(x)"},
    "/v1/analysis/gradient-flow/plot": {"depth": 4, "width": 8, "batch": 16},
    "/v1/analysis/dead-units/plot": {"depth": 2, "width": 8, "batch": 16, "steps": 10, "checkpoints": 5},
}
# Egyptian hieroglyph A001: printable, and in no font of the plots.
NO_FONT_HAS = "\N{EGYPTIAN HIEROGLYPH A001}"


def svg_texts(content: bytes) -> list[str]:
    """The texts an SVG draws: matplotlib draws text as paths, with the text in a comment beside them."""
    return re.findall(r"<!-- (.*?) -->", content.decode())


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("path", PLOTS)
def test_every_plot_takes_a_japanese_title_and_language_without_warnings(
    client: TestClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Drawn in this process, where a warning (a missing glyph above all) is an error.
    monkeypatch.setattr(settings, "RENDER_PROCESSES", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        params = {**PLOTS[path], "lang": "ja", "title": "ReLU（ランプ関数）の図", "font_scale": 2, "format": "svg"}
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        assert "ReLU（ランプ関数）の図" in svg_texts(response.content)
        # A network's plot is sized by image_width and image_height: its width is the network's.
        size = ("image_width", "image_height") if "analysis" in path else ("width", "height")
        png = client.get(path, params={**params, "format": "png", size[0]: 320, size[1]: 240})
        assert png.status_code == 200
        assert png.headers["content-type"] == "image/png"


@pytest.mark.parametrize("path", PLOTS)
def test_every_plot_changes_its_etag_with_font_scale_title_and_lang(client: TestClient, path: str) -> None:
    tags = {
        client.get(path, params={**PLOTS[path], **extra}).headers["etag"]
        for extra in ({}, {"font_scale": 2}, {"title": "slide"}, {"title": ""}, {"lang": "ja"})
    }
    assert len(tags) == 5


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/activations/gelu/plot", ["GELU関数", "GELUの導関数", "GELUの2階導関数", "GELUの3階導関数"]),
        ("/v1/compare/plot", ["導関数", "2階導関数", "3階導関数"]),
        ("/v1/analysis/gradient-flow/plot", ["レイヤー (1 = 入力側)"]),
        ("/v1/analysis/dead-units/plot", ["ステップ", "非活性化したユニットの割合"]),
        ("/v1/activations/sigmoid/precision/plot", ["精度ごとのSigmoidの|f′|", "Sigmoid (厳密値)"]),
    ],
)
def test_lang_ja_draws_the_articles_words(client: TestClient, path: str, expected: list[str]) -> None:
    params = {**PLOTS.get(path, {}), "lang": "ja", "format": "svg"}
    if path.endswith("/plot") and "analysis" not in path and "precision" not in path:
        params["order"] = 3
    texts = svg_texts(client.get(path, params=params).content)
    for words in expected:
        assert any(words in text for text in texts), (words, texts)
    assert not any(re.search("Derivative|layer|step|exact", text) for text in texts), texts


def test_japanese_legend_label_is_drawn_with_glyphs_not_boxes(client: TestClient) -> None:
    """Each character alone as a compared curve's label (its legend and title): with boxes for glyphs they
    would all be the same picture."""
    drawn = {}
    for char in "ランプ関数":
        response = client.get("/v1/compare/plot", params={"f": "relu", "label": char, "width": 200, "height": 150})
        assert response.status_code == 200
        drawn[char] = np.asarray(PILImage.open(io.BytesIO(response.content)).convert("RGB"))
    for (a, first), (b, second) in itertools.combinations(drawn.items(), 2):
        assert not np.array_equal(first, second), (a, b)
    article = client.get("/v1/compare/plot", params={"f": "relu", "label": "ReLU（ランプ関数）", "format": "svg"})
    assert svg_texts(article.content).count("ReLU（ランプ関数）") == 2


def test_a_function_is_titled_with_the_parameters_that_differ_from_its_defaults(client: TestClient) -> None:
    plot = "/v1/activations/elu/plot"
    texts = svg_texts(client.get(plot, params={"alpha": 2, "format": "svg"}).content)
    assert "ELU (α = 2)" in texts and "Derivative of ELU" in texts
    assert "ELU関数 (α = 2)" in svg_texts(client.get(plot, params={"alpha": 2, "format": "svg", "lang": "ja"}).content)
    # At its default a parameter is not shown: the same picture as without it, with the same ETag.
    given = client.get(plot, params={"alpha": 1, "format": "svg"})
    assert "ELU" in svg_texts(given.content)
    assert given.headers["etag"] == client.get(plot, params={"format": "svg"}).headers["etag"]
    leaky = client.get("/v1/activations/leaky_relu/plot", params={"negative_slope": 0.2, "format": "svg"})
    assert "Leaky ReLU (a = 0.2)" in svg_texts(leaky.content)


def test_title_and_panel_titles_replace_the_defaults(client: TestClient) -> None:
    params = {"title": "ランプ関数", "panel_title": ["傾き", ""], "order": 2, "format": "svg"}
    texts = svg_texts(client.get("/v1/activations/relu/plot", params=params).content)
    assert "ランプ関数" in texts and "傾き" in texts
    assert not {"ReLU", "Derivative of ReLU", "Second derivative of ReLU"} & set(texts)
    untitled = svg_texts(client.get("/v1/activations/relu/plot", params={"title": "", "format": "svg"}).content)
    assert "ReLU" not in untitled and "Derivative of ReLU" in untitled


def test_font_scale_is_not_taken_for_a_parameter_of_the_function(client: TestClient) -> None:
    response = client.get("/v1/activations/elu/plot", params={"font_scale": 2, "lang": "ja", "title": "x"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "params", "loc", "message"),
    [
        ("/v1/activations/relu/plot", {"font_scale": 0.4}, "font_scale", "greater than or equal to 0.5"),
        ("/v1/analysis/gradient-flow/plot", {"font_scale": 4.5}, "font_scale", "less than or equal to 4"),
        ("/v1/compare/plot", {"f": "relu", "font_scale": "nan"}, "font_scale", "finite"),
        ("/v1/activations/relu/plot", {"lang": "fr"}, "lang", "'en' or 'ja'"),
        ("/v1/activations/relu/plot", {"title": "x" * 201}, "title", "at most 200 characters"),
        ("/v1/expressions/plot", {"expr": "x", "title": "a\nb"}, "title", "printable"),
        ("/v1/activations/relu/plot", {"title": f"ReLU {NO_FONT_HAS}"}, "title", "no font of the plots can draw"),
        ("/v1/compare/plot", {"f": "relu", "label": NO_FONT_HAS}, "label", "no font of the plots can draw"),
        ("/v1/activations/relu/plot", {"panel_title": ["a", "b"]}, "panel_title", "2 panel titles for 1 panels"),
        ("/v1/compare/plot", {"f": "relu", "order": 0, "panel_title": "a"}, "panel_title", "for 0 panels"),
        ("/v1/analysis/dead-units/plot", {"panel_title": "a"}, "panel_title", "unknown query parameter"),
    ],
)
def test_bad_text_options_are_422_naming_the_parameter(
    client: TestClient, path: str, params: dict[str, Any], loc: str, message: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"][:2] == ["query", loc]
    assert message in error["msg"]
