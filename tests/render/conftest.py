"""Checks on every figure the charts encode: no text drawn outside the figure, no two texts overlapping."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from app.render import ImageOptions, charts

# Boxes may touch (a text's box is rounded to whole pixels): this much overlap is not counted.
TOLERANCE = 0.5
# Display pixels by which ink may seem to leave its region through rounding alone.
INK_TOLERANCE = 0.01


def _renderer(figure: Figure) -> RendererAgg:
    return RendererAgg(int(figure.bbox.width), int(figure.bbox.height), figure.dpi)


def texts_outside(figure: Figure) -> list[str]:
    """The axes whose drawn parts (ticks, tick labels, titles, axis labels, legend) leave the figure."""
    renderer = _renderer(figure)
    bounds = figure.bbox
    outside = []
    for ax in figure.axes:
        box = ax.get_tightbbox(renderer)
        assert box is not None
        if box.x0 < bounds.x0 - 0.5 or box.y0 < bounds.y0 - 0.5 or box.x1 > bounds.x1 + 0.5 or box.y1 > bounds.y1 + 0.5:
            outside.append(f"{ax.get_title()!r}: {box} outside {bounds}")
    return outside


def boxes(figure: Figure) -> list[tuple[str, int, str, Bbox]]:
    """(kind, panel index, name, box) of every panel's plot area, legend and drawn text:
    title, axis labels and the tick labels shown."""
    renderer = _renderer(figure)
    found = []
    for index, ax in enumerate(figure.axes):
        found.append(("area", index, f"plot area {index}", ax.get_window_extent(renderer)))
        legend = ax.get_legend()
        if legend is not None:
            found.append(("legend", index, f"legend {index}", legend.get_window_extent(renderer)))
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]
        for text in texts:
            if text.get_visible() and text.get_text():
                found.append(("text", index, f"{text.get_text()!r} of panel {index}", text.get_window_extent(renderer)))
    return found


def overlaps(figure: Figure) -> list[str]:
    """Pairs of texts, legends and plot areas that overlap; only a legend lies in (its own) plot area."""
    found = []
    for (kind_a, index_a, name_a, a), (kind_b, index_b, name_b, b) in itertools.combinations(boxes(figure), 2):
        if {kind_a, kind_b} == {"legend", "area"} and index_a == index_b:
            continue
        width = min(a.x1, b.x1) - max(a.x0, b.x0)
        height = min(a.y1, b.y1) - max(a.y0, b.y0)
        if width > TOLERANCE and height > TOLERANCE:
            found.append(f"{name_a} {a.bounds} overlaps {name_b} {b.bounds}")
    return found


def ink_outside(figure: Figure) -> list[str]:
    """Every data point whose line or marker is cut: the disc it inks (half the line's width, or the
    marker's radius with its edge) is not wholly inside the artist's clip box, clip path and the figure."""
    cut = []
    for index, ax in enumerate(figure.axes):
        for line in ax.lines:
            if not line.get_visible() or line.get_gid() == "zero-line":
                continue
            region = figure.bbox
            if line.get_clip_on():
                clip_box = line.get_clip_box()
                if clip_box is not None:
                    region = Bbox.intersection(region, clip_box) or Bbox.null()
                if line.get_clip_path() is not None:
                    # matplotlib clips to the axes patch, the plotting area.
                    region = Bbox.intersection(region, ax.bbox) or Bbox.null()
            xy = np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
            xy = xy[np.isfinite(xy).all(axis=1)]
            if not xy.size:
                continue
            points = line.get_transform().transform(xy)
            reach = float(line.get_linewidth()) / 2.0 if line.get_linestyle() not in ("None", "none") else 0.0
            if line.get_marker() not in ("None", "none", None, ""):
                reach = max(reach, (float(line.get_markersize()) + float(line.get_markeredgewidth())) / 2.0)
            reach *= figure.dpi / 72.0
            kind = "line" if line.get_marker() in ("None", "none", None, "") else f"marker {line.get_marker()!r}"
            low = points - reach - region.p0
            high = region.p1 - (points + reach)
            bad = (np.minimum(low, high) < -INK_TOLERANCE).any(axis=1)
            for x, y in xy[bad][:3]:
                cut.append(f"panel {index}: the {kind} at ({x:g}, {y:g}) is cut")
    return cut


def _recorder(monkeypatch: pytest.MonkeyPatch, check: Callable[[Figure], list[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    encode = charts.encode

    def checked(figure: Figure, options: ImageOptions, title: str) -> object:
        drawn = encode(figure, options, title)
        found.append(check(figure))
        return drawn

    monkeypatch.setattr(charts, "encode", checked)
    return found


@pytest.fixture
def clipped(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """For each figure encoded from here on, the texts drawn outside it."""
    return _recorder(monkeypatch, texts_outside)


@pytest.fixture
def overlapping(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """For each figure encoded from here on, the texts (and legends, plot areas) that overlap."""
    return _recorder(monkeypatch, overlaps)
