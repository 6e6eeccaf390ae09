"""The fixed SVG ids of the top panel, which the explorer reads to place its cursor over the f panel."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import numpy as np
import pytest

from app.render import (
    PLOT_AREA_ID,
    TOP_AXES_ID,
    Curve,
    Image,
    ImageFormat,
    ImageOptions,
    Kink,
    Line,
    render_function,
    render_lines,
    render_overlay,
)
from app.render.canvas import clear_pool

SVG = "{http://www.w3.org/2000/svg}"
X = np.linspace(-5.0, 5.0, 101)
RELU = np.maximum(X, 0.0)
RELU_ORDERS = (RELU, (X > 0).astype(float), np.zeros_like(X), np.zeros_like(X))
OPTIONS = ImageOptions(500, 400, format=ImageFormat.svg)


def _points(path: ET.Element) -> np.ndarray:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", path.get("d", ""))]
    return np.array(numbers).reshape(-1, 2)


def _by_id(root: ET.Element, gid: str) -> list[ET.Element]:
    return [element for element in root.iter() if element.get("id") == gid]


def _area(root: ET.Element) -> np.ndarray:
    """The corners of the plot area's rectangle, checking that there is exactly one such element."""
    (axes,) = _by_id(root, TOP_AXES_ID)
    (area,) = _by_id(root, PLOT_AREA_ID)
    assert area in list(axes), "the plot area is the top axes' own background, a child of its group"
    (path,) = area.iter(f"{SVG}path")
    corners = _points(path)
    assert len(corners) == 4
    assert len(set(corners[:, 0])) == 2 and len(set(corners[:, 1])) == 2, "a rectangle"
    return corners


def _longest_line(group: ET.Element) -> np.ndarray:
    """The points of the group's longest polyline: the first curve drawn on the panel."""
    return max((_points(path) for path in group.iter(f"{SVG}path")), key=len)


@pytest.mark.parametrize("panels", [1, 2, 3, 4])
def test_the_plot_area_is_the_f_panel_whose_edges_are_x_min_and_x_max(panels: int) -> None:
    clear_pool()
    kinks = [Kink(0.0, (0.0, 0.0, 0.0, 0.0))]
    image = render_function(X, RELU_ORDERS[:panels], label="ReLU", options=OPTIONS, kinks=kinks)
    root = ET.fromstring(image.data)
    corners = _area(root)
    left, right = corners[:, 0].min(), corners[:, 0].max()
    top, bottom = corners[:, 1].min(), corners[:, 1].max()
    # ReLU's curve runs from x = -5 to x = 5 across the whole area, inside it from top to bottom.
    (axes,) = _by_id(root, TOP_AXES_ID)
    curve = _longest_line(axes)
    assert len(curve) >= len(X)
    assert curve[:, 0].min() == pytest.approx(left, abs=1e-3)
    assert curve[:, 0].max() == pytest.approx(right, abs=1e-3)
    assert top <= curve[:, 1].min() and curve[:, 1].max() <= bottom
    # It is the uppermost panel: the derivatives' backgrounds lie below it, as wide.
    backgrounds = [
        _points(path)
        for path in root.iter(f"{SVG}path")
        if len(_points(path)) == 4 and path.get("d", "").rstrip().endswith("z")
    ]
    below = [b for b in backgrounds if b[:, 1].min() > bottom]
    assert len(below) == panels - 1
    for background in below:
        assert (background[:, 0].min(), background[:, 0].max()) == pytest.approx((left, right), abs=1e-3)
    assert not [b for b in backgrounds if b[:, 1].max() < top and b[:, 0].min() > 0], "no panel above it"


RENDERS: dict[str, Callable[[], Image]] = {
    "function": lambda: render_function(X, [RELU], label="ReLU", options=OPTIONS),
    "function, 4 panels": lambda: render_function(X, RELU_ORDERS, label="ReLU", options=OPTIONS),
    "overlay": lambda: render_overlay(X, [Curve("a", (X,)), Curve("b", (-X,))], options=OPTIONS),
    "overlay, 3 panels": lambda: render_overlay(
        X, [Curve("a", RELU_ORDERS[:3]), Curve("b", (-X, -np.ones_like(X), 0 * X))], options=OPTIONS
    ),
    "lines": lambda: render_lines([Line("a", X, np.exp(X))], options=OPTIONS, title="t", log_y=True),
}


@pytest.mark.parametrize("render", RENDERS.values(), ids=RENDERS.keys())
def test_every_chart_names_its_top_plot_area_in_fresh_and_reused_figures(render: Callable[[], Image]) -> None:
    clear_pool()
    for _ in range(2):
        _area(ET.fromstring(render().data))
