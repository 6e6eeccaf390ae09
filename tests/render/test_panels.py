"""Plots of f and its derivatives up to the third: a panel per order, titled, kinks marked, nothing overlapping."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.figure import Figure

from app.render import (
    TOP_AXES_ID,
    Curve,
    Image,
    ImageFormat,
    ImageOptions,
    Kink,
    Theme,
    charts,
    render_function,
    render_overlay,
)
from app.render.style import MIN_FONT, PALETTES, pt_to_px

SVG = "{http://www.w3.org/2000/svg}"
X = np.linspace(-5.0, 5.0, 101)
PANELS = (1, 2, 3, 4)
RELU_ORDERS = (np.maximum(X, 0.0), (X > 0).astype(float), np.zeros_like(X), np.zeros_like(X))
# ReLU at 0: f and its first three derivatives taken as 0; only f′ jumps, from 0 to 1.
RELU_KINK = Kink(0.0, (0.0, 0.0, 0.0, 0.0), (None, 0.0, None, None), (None, 1.0, None, None))
# ELU (alpha=2) at 0: f′, f″ and f‴ all jump, from 2 (the value taken) to 1, 0 and 0.
ELU = (
    np.where(X > 0, X, 2 * np.expm1(np.minimum(X, 0))),
    np.where(X > 0, 1.0, 2 * np.exp(np.minimum(X, 0))),
    np.where(X > 0, 0.0, 2 * np.exp(np.minimum(X, 0))),
    np.where(X > 0, 0.0, 2 * np.exp(np.minimum(X, 0))),
)
ELU_KINK = Kink(0.0, (0.0, 2.0, 2.0, 2.0), (None, 2.0, 2.0, 2.0), (None, 1.0, 0.0, 0.0))
PHI = np.exp(-(X**2) / 2) / np.sqrt(2 * np.pi)
GELU = (X * (1 + np.tanh(X)) / 2, 0.5 + PHI, PHI * (2 - X**2), PHI * (X**3 - 4 * X))


def svg_panels(image: Image) -> list[ET.Element]:
    """The axes groups, top panel first (matplotlib writes the axes in the order they were added)."""
    root = ET.fromstring(image.data, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True)))
    (figure,) = (g for g in root.iter(f"{SVG}g") if g.get("id") == "figure_1")
    panels = [g for g in figure if g.get("id") == TOP_AXES_ID or g.get("id", "").startswith("axes_")]
    assert panels[0].get("id") == TOP_AXES_ID
    return panels


def texts(group: ET.Element) -> list[str]:
    """The texts drawn in a group: matplotlib draws text as paths, with the text in a comment beside them."""
    return [(comment.text or "").strip() for comment in group.iter(ET.Comment)]  # type: ignore[arg-type]


def title(panel: ET.Element) -> str:
    """A panel's title: the text group that is the axes' own child (axis labels and ticks are in the axis groups)."""
    (found,) = [texts(g) for g in panel if g.get("id", "").startswith("text_") and texts(g)]
    (text,) = found
    return text


def ylabel(panel: ET.Element) -> str:
    """The y axis label: the last text of the y axis group (after its tick labels)."""
    axis_groups = [g for g in panel if g.get("id", "").startswith("matplotlib.axis_")]
    return texts(axis_groups[1])[-1]


def svg(options: ImageOptions | None = None) -> ImageOptions:
    options = options or ImageOptions()
    return ImageOptions(options.width, options.height, options.scale, options.theme, options.grid, ImageFormat.svg)


@pytest.mark.parametrize("panels", PANELS)
def test_function_panels_are_titled_as_the_article_titles_its_figures(panels: int) -> None:
    image = render_function(X, RELU_ORDERS[:panels], label="ReLU", options=svg(), kinks=[RELU_KINK])
    drawn = svg_panels(image)
    expected = ["ReLU", "Derivative of ReLU", "Second derivative of ReLU", "Third derivative of ReLU"]
    assert [title(panel) for panel in drawn] == expected[:panels]
    assert [ylabel(panel) for panel in drawn] == ["f(x)", "f′(x)", "f″(x)", "f‴(x)"][:panels]
    # Only the lowest panel has x tick labels and the x axis label.
    assert ["x" in texts(panel) for panel in drawn] == [False] * (panels - 1) + [True]


@pytest.mark.parametrize("panels", PANELS)
def test_overlay_panels_are_titled_with_the_derivative_orders_and_one_legend(panels: int) -> None:
    curves = [Curve("ReLU", RELU_ORDERS[:panels], (RELU_KINK,)), Curve("GELU", GELU[:panels])]
    image = render_overlay(X, curves, options=svg())
    drawn = svg_panels(image)
    expected = ["ReLU, GELU", "Derivatives", "Second derivatives", "Third derivatives"]
    assert [title(panel) for panel in drawn] == expected[:panels]
    assert [ylabel(panel) for panel in drawn] == ["f(x)", "f′(x)", "f″(x)", "f‴(x)"][:panels]
    legends = [[g.get("id") for g in panel if g.get("id", "").startswith("legend")] for panel in drawn]
    assert legends == [["legend_1"]] + [[]] * (panels - 1)
    assert image.data.count(b"<!-- GELU -->") == 1
    titled = render_overlay(X, curves, options=svg(), title="Two curves")
    assert title(svg_panels(titled)[0]) == "Two curves"


def markers(panel: ET.Element, colour: str, background: str) -> tuple[int, int]:
    """(filled dots, open circles) of the given colour drawn in a panel's plotting area."""
    filled = opened = 0
    for use in panel.iter(f"{SVG}use"):
        style = use.get("style", "")
        if f"stroke: {colour}" not in style:
            continue
        if f"fill: {colour}" in style:
            filled += 1
        elif f"fill: {background}" in style:
            opened += 1
    return filled, opened


@pytest.mark.parametrize("theme", Theme)
@pytest.mark.parametrize("panels", PANELS)
def test_kinks_are_marked_on_every_panel(panels: int, theme: Theme) -> None:
    palette = PALETTES[theme]
    colour = palette.series[0]
    image = render_function(
        X, RELU_ORDERS[:panels], label="ReLU", options=svg(ImageOptions(theme=theme)), kinks=[RELU_KINK]
    )
    # A filled dot on every panel; an open circle at f′'s right limit (its left limit is the dot).
    counted = [markers(panel, colour, palette.background) for panel in svg_panels(image)]
    assert counted == [(1, 0), (1, 1), (1, 0), (1, 0)][:panels]
    image = render_function(X, ELU[:panels], label="ELU", options=svg(ImageOptions(theme=theme)), kinks=[ELU_KINK])
    counted = [markers(panel, colour, palette.background) for panel in svg_panels(image)]
    assert counted == [(1, 0), (1, 1), (1, 1), (1, 1)][:panels]


def test_kinks_are_marked_per_curve_on_every_panel_of_an_overlay() -> None:
    palette = PALETTES[Theme.light]
    curves = [Curve("ReLU", RELU_ORDERS, (RELU_KINK,)), Curve("ELU", ELU, (ELU_KINK,)), Curve("GELU", GELU)]
    drawn = svg_panels(render_overlay(X, curves, options=svg()))
    counts = [[markers(panel, colour, palette.background) for panel in drawn] for colour in palette.series[:3]]
    assert counts == [
        [(1, 0), (1, 1), (1, 0), (1, 0)],
        [(1, 0), (1, 1), (1, 1), (1, 1)],
        [(0, 0)] * 4,
    ]


def test_values_that_are_not_finite_are_not_marked() -> None:
    palette = PALETTES[Theme.light]
    # f″ undefined at the kink, f‴ not computed there, f′ jumps to an infinite limit.
    kink = Kink(0.0, (0.0, 0.5, float("nan")), (None, 0.0, None), (None, float("inf"), None))
    image = render_function(X, RELU_ORDERS, label="odd", options=svg(), kinks=[kink])
    counted = [markers(panel, palette.series[0], palette.background) for panel in svg_panels(image)]
    assert counted == [(1, 0), (1, 1), (0, 0), (0, 0)]


def test_a_limit_that_is_the_value_taken_to_rounding_gets_no_circle_under_the_dot() -> None:
    palette = PALETTES[Theme.light]
    # As the core computes ELU's f′ at 0: the left limit a hair below the value 2 taken there.
    kink = Kink(0.0, (0.0, 2.0), (None, 1.999999998), (None, 1.0))
    image = render_function(X, ELU[:2], label="ELU", options=svg(), kinks=[kink])
    counted = [markers(panel, palette.series[0], palette.background) for panel in svg_panels(image)]
    assert counted == [(1, 0), (1, 1)]


SIZES = [(100, 100), (150, 120), (200, 400), (320, 240), (640, 480), (1600, 900), (1200, 150), (100, 1000)]


@pytest.mark.parametrize("theme", Theme)
@pytest.mark.parametrize("panels", PANELS)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_no_texts_of_stacked_panels_overlap(
    overlapping: list[list[str]], clipped: list[list[str]], width: int, height: int, panels: int, theme: Theme
) -> None:
    """Titles, tick labels, axis labels and legends overlap neither each other nor another panel."""
    options = ImageOptions(width, height, theme=theme)
    render_function(X, ELU[:panels], label="ELU (alpha=2)", options=options, kinks=[ELU_KINK])
    # Large and negative values give wide tick labels; long labels give elided titles and legends.
    big = tuple(-3e5 * order for order in GELU)
    curves = [
        Curve("ReLU", RELU_ORDERS[:panels], (RELU_KINK,)),
        Curve("ELU (alpha=2)", ELU[:panels]),
        Curve("x" * 90, big[:panels]),
    ]
    render_overlay(X, curves, options=options)
    # Wide x tick labels widen the right margin, into which a long title may then reach.
    wide = np.linspace(-1e5, 3e5, 101)
    orders = (wide * 1e-5, np.cos(wide / 1e5) * 3e5, wide * 0.0, -np.sin(wide / 1e5) * 1e-7)
    render_function(wide, orders[:panels], label="Leaky ReLU (negative_slope=0.01) " * 3, options=options)
    assert overlapping == [[], [], []]
    assert clipped == [[], [], []]


@pytest.mark.parametrize(
    ("width", "height", "scale"),
    [(100, 100, 4), (320, 240, 3), (640, 480, 1), (640, 480, 2), (1600, 900, 1), (200, 400, 2), (113, 257, 3)],
)
def test_four_panel_pngs_are_exactly_the_requested_size(width: int, height: int, scale: int) -> None:
    options = ImageOptions(width, height, scale)
    images = [
        render_function(X, GELU, label="GELU", options=options),
        render_overlay(X, [Curve("ReLU", RELU_ORDERS, (RELU_KINK,)), Curve("GELU", GELU)], options=options),
    ]
    for image in images:
        assert image.data[12:16] == b"IHDR"
        assert int.from_bytes(image.data[16:20], "big") == width * scale
        assert int.from_bytes(image.data[20:24], "big") == height * scale


def _spans(monkeypatch: pytest.MonkeyPatch, options: ImageOptions, panels: int) -> list[tuple[float, float]]:
    """The panels' (bottom, top) in pixels from the figure's bottom, top panel first."""
    found: list[list[tuple[float, float]]] = []
    encode = charts.encode

    def recorded(figure: Figure, options: ImageOptions, title: str) -> object:
        boxes = [ax.get_position() for ax in figure.axes]
        found.append([(b.y0 * options.height, b.y1 * options.height) for b in boxes])
        return encode(figure, options, title)

    monkeypatch.setattr(charts, "encode", recorded)
    render_function(X, GELU[:panels], label="GELU", options=options)
    monkeypatch.undo()
    return found[0]


@pytest.mark.parametrize(("width", "height"), [(640, 480), (1600, 900), (320, 240), (200, 400)])
def test_panels_stack_with_equal_heights_that_shrink_as_panels_are_added(
    monkeypatch: pytest.MonkeyPatch, width: int, height: int
) -> None:
    options = ImageOptions(width, height)
    heights = []
    for panels in PANELS:
        spans = _spans(monkeypatch, options, panels)
        assert len(spans) == panels
        panel_heights = [top - bottom for bottom, top in spans]
        assert max(panel_heights) - min(panel_heights) < 1e-6
        # Top to bottom, with a gap (for the lower panel's title) between neighbours.
        for (bottom, _), (_, top_below) in itertools.pairwise(spans):
            assert top_below < bottom
        heights.append(panel_heights[0])
    assert heights == sorted(heights, reverse=True) and len(set(heights)) == len(heights)
    # Even four panels leave most of the height to the data at these sizes.
    assert 4 * heights[3] > 0.45 * height


@pytest.mark.parametrize("panels", PANELS)
@pytest.mark.parametrize(("width", "height"), [(100, 100), (100, 130), (150, 120), (320, 160), (200, 200), (640, 480)])
def test_panels_are_two_lines_tall_or_the_text_is_as_small_and_few_as_it_gets(
    monkeypatch: pytest.MonkeyPatch, width: int, height: int, panels: int
) -> None:
    """The font shrinks (to MIN_FONT at the least) to keep each panel two lines of tick labels tall;
    only if that is not enough does the x axis label go."""
    found: list[tuple[list[float], float, str]] = []
    encode = charts.encode

    def recorded(figure: Figure, options: ImageOptions, title: str) -> object:
        heights = [ax.get_position().height * options.height for ax in figure.axes]
        found.append((heights, figure.axes[0].yaxis.label.get_fontsize(), figure.axes[-1].get_xlabel()))
        return encode(figure, options, title)

    monkeypatch.setattr(charts, "encode", recorded)
    render_function(X, GELU[:panels], label="GELU", options=ImageOptions(width, height))
    ((heights, font, xlabel),) = found
    two_lines = 2.0 * 1.25 * pt_to_px(font)
    if xlabel == "x":
        assert min(heights) >= two_lines - 1e-9
    else:
        # Without it the font is the largest that keeps panels two lines tall, or the smallest.
        assert font == MIN_FONT or min(heights) == pytest.approx(two_lines)
    if min(heights) < two_lines - 1e-9:
        assert (font, xlabel) == (MIN_FONT, "")
    if (width, height, panels) == (100, 100, 4):
        assert (font, xlabel) == (MIN_FONT, "")
    if (width, height) == (640, 480):
        assert font == pytest.approx([10.0, 10.0, 480 / 54, 8.0][panels - 1])


@pytest.mark.parametrize("count", [0, 5])
def test_a_plot_takes_one_to_four_orders(count: int) -> None:
    orders = [X] * count
    with pytest.raises(ValueError, match="1 to 4 orders"):
        render_function(X, orders, label="f", options=ImageOptions())
    with pytest.raises(ValueError, match="1 to 4 orders"):
        render_overlay(X, [Curve("f", tuple(orders))], options=ImageOptions())


def test_every_curve_of_an_overlay_has_the_same_number_of_orders() -> None:
    with pytest.raises(ValueError, match="same number of orders"):
        render_overlay(X, [Curve("ReLU", RELU_ORDERS), Curve("GELU", GELU[:2])], options=ImageOptions())
