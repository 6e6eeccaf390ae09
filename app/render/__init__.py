"""Plots in one house style, drawn with matplotlib's object API on the Agg canvas (never pyplot).

Entry points (plain numpy arrays in, encoded :class:`Image` out, thread-safe):

- :func:`render_function`: f over its derivatives, one panel per order up to the third ("ReLU",
  "Derivative of ReLU", "Second derivative of ReLU", "Third derivative of ReLU"), kinks marked
  on every panel;
- :func:`render_overlay`: up to eight :class:`Curve` s with a legend, colours and dash patterns,
  one panel per order as well ("Derivatives", "Second derivatives", "Third derivatives");
- :func:`render_lines`: a single-panel chart of :class:`Line` s, optionally log y;
- :class:`Shade` (shaded x-intervals) and :class:`Marks` (e.g. zeros) add legend entries.

:class:`ImageOptions` also sets the text size (``font_scale``), the language of every word drawn
(``lang``: English, or the article's Japanese, from the one table of :mod:`app.render.words`) and
titles in place of the defaults. Text is drawn in DejaVu Sans, with IPAexGothic for what it lacks.

In every SVG the top panel's plotting area (f's, however many panels) is the element with id
:data:`PLOT_AREA_ID` (inside the group :data:`TOP_AXES_ID`): its left and right edges are the x limits.
"""

from app.core.curves import Kink

from .canvas import MEDIA_TYPES, PLOT_AREA_ID, RENDER_LOCK, TOP_AXES_ID, Image, ImageFormat, ImageOptions
from .charts import Curve, Line, Marks, Shade, render_function, render_lines, render_overlay, warm_up
from .style import MAX_SERIES, Theme, missing_glyphs
from .words import Lang

__all__ = [
    "MAX_SERIES",
    "MEDIA_TYPES",
    "PLOT_AREA_ID",
    "RENDER_LOCK",
    "TOP_AXES_ID",
    "Curve",
    "Image",
    "ImageFormat",
    "ImageOptions",
    "Kink",
    "Lang",
    "Line",
    "Marks",
    "Shade",
    "Theme",
    "missing_glyphs",
    "render_function",
    "render_lines",
    "render_overlay",
    "warm_up",
]
