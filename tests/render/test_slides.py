"""Slide-ready figures: every function drawn whole at every size, theme and text size; ticks at kinks; titles."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import numpy as np
import pytest
from matplotlib.figure import Figure

from app.core import analysis, registry
from app.core.curves import CurveSet, Evaluation, Grid
from app.render import Image, ImageFormat, ImageOptions, Lang, Line, Theme, charts, render_function, render_lines
from app.render.curves import ShadeKind, draw_curve_set, draw_dead_units, draw_gradient_flow, draw_precision

from .conftest import ink_outside, overlaps, texts_outside

GRID = Grid(-5.0, 5.0, 100)
SIZES = [(320, 240), (640, 480), (1600, 900)]
FONT_SCALES = (1.0, 2.0)
# Every registered function at its defaults, and ELU with alpha = 2, whose f′ jumps from 2 down to 1 at 0.
SUBJECTS = {a.name: CurveSet.function(a, a.defaults) for a in registry.ACTIVATIONS}
SUBJECTS["elu alpha=2"] = CurveSet.function(registry.get("elu"), {"alpha": 2.0})


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Figure]]:
    """Each figure the charts would encode from here on, laid out but not drawn; at the end of the test, no
    figure may have text outside it, ink cut by its panel, or texts that overlap."""
    found: list[Figure] = []
    checked: list[list[str]] = []

    def inspected(figure: Figure, options: ImageOptions, title: str) -> Image:
        checked.append(texts_outside(figure) + ink_outside(figure) + overlaps(figure))
        found.append(figure)
        return Image(b"", options.format)

    monkeypatch.setattr(charts, "encode", inspected)
    yield found
    assert checked == [[]] * len(checked)


@pytest.mark.parametrize("font_scale", FONT_SCALES)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_function_is_drawn_whole_at_every_size_theme_and_text_size(
    figures: list[Figure], width: int, height: int, font_scale: float
) -> None:
    """No text leaves the figure and no line end, kink dot or circle is cut by its panel: f over f′ with
    saturation and zeros shaded (legend and marks), and f‴ as well at the largest size."""
    order = 3 if width == 1600 else 1
    for theme in Theme:
        options = ImageOptions(width, height, theme=theme, font_scale=font_scale)
        # Functions inner: one figure layout serves them all.
        for subject in SUBJECTS.values():
            draw_curve_set(subject, GRID, options, Evaluation(order), frozenset(ShadeKind))
    # The fixture checks every figure as it leaves; this checks that there were figures to check.
    assert len(figures) == len(Theme) * len(SUBJECTS)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_line_charts_are_drawn_whole_at_every_size_theme_and_text_size(
    figures: list[Figure], width: int, height: int
) -> None:
    """Gradient flow, dead units and precision, the larger text in Japanese (longer titles, wider glyphs)."""
    relu, sigmoid = (analysis.bind(registry.get(n), registry.get(n).defaults) for n in ("relu", "sigmoid"))
    flows = analysis.gradient_flow([relu, sigmoid], depth=6, width=8, batch=16, init="he", std=1.0, seed=0)
    runs = analysis.dead_units(
        [relu], depth=2, width=8, batch=16, steps=20, lr=0.5, init="he", std=1.0, seed=0, checkpoints=5
    )
    for theme in Theme:
        for font_scale, lang in zip(FONT_SCALES, (Lang.en, Lang.ja), strict=True):
            options = ImageOptions(width, height, theme=theme, font_scale=font_scale, lang=lang)
            draw_gradient_flow(flows, 6, 8, "he", options)
            draw_dead_units(runs, 0.5, 2, 8, "he", options)
            draw_precision(SUBJECTS["sigmoid"], Grid(-20.0, 20.0, 201), options)
    assert len(figures) == len(Theme) * len(FONT_SCALES) * 3


def y_ticks(figure: Figure, panel: int) -> list[float]:
    return [float(v) for v in figure.axes[panel].get_yticks()]


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("font_scale", FONT_SCALES)
def test_elu_derivative_has_ticks_at_its_values_at_the_kink(
    figures: list[Figure], width: int, height: int, font_scale: float
) -> None:
    """ELU (α = 2): f′ takes 2 at 0 (the dot) and jumps to 1 (the circle): both values are ticks, the dot whole."""
    options = ImageOptions(width, height, font_scale=font_scale)
    draw_curve_set(SUBJECTS["elu alpha=2"], GRID, options, Evaluation(1))
    (figure,) = figures
    assert 2.0 in y_ticks(figure, 1)
    assert max(figure.axes[1].get_ylim()) > 2.0
    if height >= 480:
        assert 1.0 in y_ticks(figure, 1)


def test_a_kink_value_that_is_not_round_gets_a_short_tick_label(figures: list[Figure]) -> None:
    """RReLU's slope (1/8 + 1/3) / 2 = 0.229166... is a tick labelled 0.229, the round ticks keep their labels."""
    draw_curve_set(SUBJECTS["rrelu"], GRID, ImageOptions(), Evaluation(1))
    (figure,) = figures
    axis = figure.axes[1].yaxis
    labels = dict(zip(axis.get_ticklocs(), (t.get_text() for t in axis.get_ticklabels()), strict=True))
    slope = (1 / 8 + 1 / 3) / 2
    assert labels.pop(slope) == "0.229"
    assert labels and all(len(text) == 3 for text in labels.values())


def test_font_scale_multiplies_the_text_size_where_there_is_room(figures: list[Figure]) -> None:
    for font_scale in (1.0, 2.0, 0.5):
        draw_curve_set(SUBJECTS["relu"], GRID, ImageOptions(1600, 900, font_scale=font_scale), Evaluation(1))
    sizes = [figure.axes[0].yaxis.label.get_fontsize() for figure in figures]
    assert sizes[1] == pytest.approx(2.0 * sizes[0])
    assert sizes[2] == pytest.approx(0.5 * sizes[0])
    # Lines thicken with the text, so that a slide's curves are as legible as its labels.
    widths = [figure.axes[0].lines[-1].get_linewidth() for figure in figures]
    assert widths[1] > widths[0]


def test_font_scale_gives_way_where_panels_would_have_no_room(figures: list[Figure]) -> None:
    for font_scale in (1.0, 4.0):
        draw_curve_set(SUBJECTS["relu"], GRID, ImageOptions(320, 240, font_scale=font_scale), Evaluation(3))
    small, large = (figure.axes[0].yaxis.label.get_fontsize() for figure in figures)
    assert small < large < 4.0 * small


def svg_texts(image: Image) -> list[str]:
    root = ET.fromstring(image.data, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True)))
    return [(c.text or "").strip() for c in root.iter(ET.Comment)]  # type: ignore[arg-type]


def svg(**fields: object) -> ImageOptions:
    return ImageOptions(format=ImageFormat.svg, **fields)  # type: ignore[arg-type]


def draw(name: str, order: int = 1, **fields: object) -> list[str]:
    return svg_texts(draw_curve_set(SUBJECTS[name], GRID, svg(**fields), Evaluation(order)))


def test_a_function_is_titled_with_the_parameters_that_differ_from_its_defaults() -> None:
    assert "ELU (α = 2)" in draw("elu alpha=2")
    assert "Derivative of ELU" in draw("elu alpha=2")
    assert "ELU" in draw("elu") and not any("α" in text for text in draw("elu"))
    leaky = CurveSet.function(registry.get("leaky_relu"), {"negative_slope": -0.2})
    assert "Leaky ReLU (a = −0.2)" in svg_texts(draw_curve_set(leaky, GRID, svg(), Evaluation(1)))
    gelu = CurveSet.function(registry.get("gelu"), {"approximate": "tanh"})
    assert "GELU関数 (approximate = tanh)" in svg_texts(draw_curve_set(gelu, GRID, svg(lang=Lang.ja), Evaluation(0)))


def test_japanese_titles_are_the_articles_words() -> None:
    texts = draw("relu", 3, lang=Lang.ja)
    for title in ("ReLU関数", "ReLUの導関数", "ReLUの2階導関数", "ReLUの3階導関数"):
        assert title in texts
    assert "Derivative of ReLU" not in texts
    english = draw("relu", 3)
    for title in ("ReLU", "Derivative of ReLU", "Second derivative of ReLU", "Third derivative of ReLU"):
        assert title in english


def test_title_and_panel_titles_replace_the_defaults_and_empty_removes_one() -> None:
    texts = draw("relu", 2, title="Ramp $1", panel_titles=("slope", ""))
    assert "Ramp $1" in texts and "slope" in texts
    assert not {"ReLU", "Derivative of ReLU", "Second derivative of ReLU"} & set(texts)
    # Panels without a title given keep theirs.
    assert "Second derivative of ReLU" in draw("relu", 2, panel_titles=("slope",))


def test_an_untitled_figure_gives_the_title_room_to_the_plot(figures: list[Figure]) -> None:
    for title in (None, ""):
        draw_curve_set(SUBJECTS["relu"], GRID, ImageOptions(title=title), Evaluation(1))
    titled, untitled = figures
    assert untitled.axes[0].get_title() == ""
    assert untitled.axes[0].get_position().y1 > titled.axes[0].get_position().y1


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_untitled_and_retitled_figures_are_drawn_whole(figures: list[Figure], width: int, height: int) -> None:
    for title, panel_titles in (("", ()), ("ELU（指数線形ユニット）, α = 2", ("傾き", "", "三階"))):
        for font_scale in FONT_SCALES:
            options = ImageOptions(width, height, font_scale=font_scale, title=title, panel_titles=panel_titles)
            draw_curve_set(SUBJECTS["elu alpha=2"], GRID, options, Evaluation(3), frozenset(ShadeKind))
    assert len(figures) == 4


def test_line_charts_take_the_title_and_language() -> None:
    layers = np.arange(1.0, 5.0)
    image = render_lines([Line("ReLU", layers, layers)], options=svg(title="勾配"), title="default")
    assert "勾配" in svg_texts(image) and "default" not in svg_texts(image)
    function = render_function(layers, [layers], label="f", options=svg(lang=Lang.ja))
    assert "f関数" in svg_texts(function)
