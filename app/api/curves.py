"""The one pipeline of every curve endpoint: values, plots and analyses of a curve set, written once.

A resource reads its :class:`~app.core.curves.CurveSet` from the request (``app/api/deps.py``) and
hands it here with the operation's query model. Everything else happens here, the same way for a
function, an expression and a comparison:

- values: the format negotiated, the work bounded, JSON, CSV or NPY encoded, GET answers cached
  with an ETag (a 304 for ``If-None-Match``), small requests computed on the event loop;
- plots: the image options negotiated, the picture drawn in a heavy-work slot only when neither
  the client nor the cache has it, cached with an ETag;
- analyses: computed in a heavy-work slot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import urlencode

import matplotlib
import numpy as np
import scipy
from fastapi import Request, Response

from app import __version__
from app.config import settings
from app.core import analysis, precision
from app.core.curves import CurveSet, Evaluation, FunctionCurve, Kind, Values
from app.core.functions import Array
from app.core.precision import Dtype
from app.core.rounding import round_half_even
from app.render import MEDIA_TYPES, Image, ImageOptions
from app.render.curves import draw_curve_set, draw_precision
from app.schemas import ORDER_KEYS, DtypePrecision, PrecisionResponse, RangeInfo, analysis_model, values_model
from app.web.caching import Answer, AnswerKey, Answers
from app.web.encoding import Format, json_answer, model_response, table_answer
from app.web.errors import validation_error
from app.web.limits import run_heavy
from app.web.negotiation import negotiate_table
from app.web.offload import run_sized

from .deps import check_analysis_work, check_work
from .queries import AnalysisOptions, PlotOptions, PointsQuery, PrecisionPlotOptions, ValuesOptions

# Part of every key: a new release, numpy or scipy may compute the same parameters differently,
# and a new release or matplotlib may draw them differently.
NUMBERS_VERSION = f"{__version__}/{np.__version__}/{scipy.__version__}"
RENDER_VERSION = f"{__version__}/{matplotlib.__version__}"

values_answers = Answers(
    settings.VALUES_CACHE_ENTRIES, settings.VALUES_CACHE_BYTES, settings.VALUES_MAX_AGE, name="values"
)
plot_answers = Answers(settings.PLOT_CACHE_ENTRIES, settings.PLOT_CACHE_BYTES, settings.PLOT_MAX_AGE, name="plots")
# The answers kept in this worker, by kind.
values_cache = values_answers.cache
image_cache = plot_answers.cache


async def values(request: Request, subject: CurveSet, query: ValuesOptions) -> Response:
    """f (and f') of ``subject`` on the query's grid, cached: its answer is a pure function of the key."""
    x_range, how = query.x_grid(), query.evaluation()
    check_work(subject, query.num, how)
    fmt = negotiate_table(request, query.format)
    key = AnswerKey.of(
        {
            "numbers": NUMBERS_VERSION,
            "values": subject.identity(),
            "x": x_range,
            "evaluation": how,
            "format": fmt,
            "decimals": query.decimals,
        }
    )

    def encode() -> Answer:
        return encode_values(subject, x_range.points(), how, fmt, query.decimals)

    return await values_answers.respond(request, key, lambda: run_sized(x_range.num * subject.nodes * how.cost, encode))


async def point_values(
    request: Request, subject: CurveSet, x: list[float], how: Evaluation, query: PointsQuery
) -> Response:
    """f (and f') of ``subject`` at the points of a request body; not cached."""
    check_work(subject, len(x), how, ("body", "x"))
    fmt = negotiate_table(request, query.format)

    def encode() -> Answer:
        # Turning the points into an array is work per point too: in the thread with the rest.
        return encode_values(subject, checked_points(x), how, fmt, query.decimals)

    answer = await run_sized(len(x) * subject.nodes * how.cost, encode)
    return Response(answer.data, media_type=answer.media_type)


def checked_points(given: list[float]) -> Array:
    """The points of a request body as an array, or a 422 at the first one beyond ``MAX_ABS_X``."""
    x = np.asarray(given, dtype=np.float64)
    too_far = np.flatnonzero(np.abs(x) > settings.MAX_ABS_X)
    if too_far.size:
        i = int(too_far[0])
        raise validation_error(("body", "x", i), f"|x| must be at most {settings.MAX_ABS_X:g}", given[i])
    return x


def encode_values(subject: CurveSet, x: Array, how: Evaluation, fmt: Format, decimals: int | None) -> Answer:
    """The values answer: JSON from the response model, or the columns x, y, dy (y1, dy1, ... compared) as CSV or NPY.

    In a low-precision dtype the points are rounded to it first, and JSON reports each curve's error
    against the exact values. With ``decimals`` every number is rounded last, so all three formats
    carry the same numbers.
    """
    if how.dtype is not Dtype.float64:
        x = precision.cast(x, how.dtype)
    results = subject.values(x, how)
    errors = []
    if how.dtype is not Dtype.float64 and fmt is Format.json:
        # f' is compared even when not returned: whether the gradient underflows is the point of a dtype.
        first = Evaluation(1, how.method, how.dtype)
        low = results if how.order == 1 else subject.values(x, first)
        exact = subject.values(x, replace(first, dtype=Dtype.float64))
        errors = [precision.gradient_error(how.dtype, x, v.y, v.dy, e.y, e.dy) for v, e in zip(low, exact, strict=True)]
    if decimals is not None:
        x = round_half_even(x, decimals)
        results = [_rounded(v, decimals) for v in results]
    if fmt is Format.json:
        return json_answer(values_model(subject, x, results, how, errors))
    return table_answer(fmt, columns(subject, x, results))


def _rounded(v: Values, decimals: int) -> Values:
    return Values(tuple(round_half_even(a, decimals) for a in v.orders), v.undefined_counts)


def columns(subject: CurveSet, x: Array, results: Sequence[Values]) -> dict[str, Array]:
    """x, y, dy (d2y, d3y) for one curve; x, y1, dy1, ..., y2, dy2, ... for a comparison, in the order of its curves."""
    table = {"x": x}
    numbered = subject.kind is Kind.comparison
    for i, v in enumerate(results, start=1):
        suffix = str(i) if numbered else ""
        for name, values in zip(ORDER_KEYS, v.orders, strict=False):
            table[name + suffix] = values
    return table


async def plot(request: Request, subject: CurveSet, query: PlotOptions) -> Response:
    """The figure of ``subject``: f over f' (one curve) or an overlay (several), cached."""
    x_range, how = query.x_grid(), query.evaluation()
    check_work(subject, query.num, how)
    options = query.image_options(request)
    shade = query.shades()
    key = {"plot": subject.identity(), "x": x_range, "evaluation": how, "shade": sorted(shade)}
    return await image(
        request,
        key,
        options,
        partial(draw_curve_set, subject, x_range, options, how, shade),
        filename=_filename(subject),
    )


def _filename(subject: CurveSet) -> str:
    """The saved file's name: the function's for one function (or a lone activation of x), else the kind's."""
    if subject.kind is Kind.comparison:
        return "comparison"
    (curve,) = subject.curves
    return curve.activation.name if isinstance(curve, FunctionCurve) else curve.name


async def image(
    request: Request, key: Mapping[str, Any], options: ImageOptions, render: Callable[[], Image], *, filename: str
) -> Response:
    """The image for ``key`` (every canonical parameter of the picture): 304 if the client has it, the
    cached one if drawn before, else ``render()`` in a heavy-work slot. ``filename`` (without extension)
    names the file a browser saves."""
    answer_key = AnswerKey.of({"render": RENDER_VERSION, **key, "options": options})

    async def draw() -> Answer:
        picture = await run_heavy(render, drawing=True)
        disposition = f'inline; filename="{_safe_filename(filename)}.{picture.format.value}"'
        return Answer(picture.data, MEDIA_TYPES[picture.format], (("Content-Disposition", disposition),))

    return await plot_answers.respond(request, answer_key, draw)


def _safe_filename(name: str) -> str:
    """Letters, digits, ``-`` and ``_`` only, so the header needs no quoting rules."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in name)[:80] or "plot"


async def analyse(request: Request, subject: CurveSet, query: AnalysisOptions) -> Response:
    """Where the one curve of ``subject`` saturates, is exactly 0 and is steepest; its sparsity and statistics."""
    check_analysis_work(subject, query)
    (curve,) = subject.curves
    f = curve.nonlinearity()
    x_range = query.x_grid()

    def work() -> analysis.Analysis:
        return analysis.analyse(
            f,
            x_range.points(),
            eps=query.eps,
            depth=query.depth,
            sigma=query.sigma,
            samples=query.samples,
            seed=query.seed,
        )

    result = await run_heavy(work)
    grid = RangeInfo(x_min=x_range.x_min, x_max=x_range.x_max, num=x_range.num)
    url = reproducing_url(request, {**curve.query(), **grid.model_dump(), **query.resolved()})
    return model_response(analysis_model(result, f.name, f.label, dict(curve.params), grid, url, curve.smoothness()))


def reproducing_url(request: Request, resolved: Mapping[str, Any]) -> str:
    """The request that reproduces an answer, every parameter spelled out."""
    pairs: list[tuple[str, Any]] = []
    for key, value in resolved.items():
        if isinstance(value, list):
            pairs.extend((key, v) for v in value)
        else:
            pairs.append((key, value))
    return f"{request.url.path}?{urlencode(pairs)}"


async def precision_answer(request: Request, subject: CurveSet) -> Response:
    """Where the one curve of ``subject`` breaks down in each dtype: thresholds, bounds, overflows and errors.

    float16 and bfloat16 are checked over every finite value, float32 and float64 over a stated sample
    with every threshold bisected to a representable number; the reports are cached per curve and dtype.
    """
    (curve,) = subject.curves
    if subject.nodes > settings.PRECISION_MAX_NODES:
        raise validation_error(
            ("query", "expr"),
            f"an expression of {subject.nodes} nodes is over PRECISION_MAX_NODES = {settings.PRECISION_MAX_NODES} "
            "for a precision report, which evaluates it at about 1.6 million inputs; use a simpler expression",
        )
    reports = await run_heavy(lambda: [curve.precision_report(dtype) for dtype in Dtype])
    return model_response(
        PrecisionResponse(
            name=curve.title,
            label=curve.label,
            params=dict(curve.params),
            dtypes=[DtypePrecision.model_validate(report, from_attributes=True) for report in reports],
            request=reproducing_url(request, curve.query()),
        )
    )


async def precision_plot(request: Request, subject: CurveSet, query: PrecisionPlotOptions) -> Response:
    """|f′| in each dtype against the exact |f′| on a log scale, with where f′ is exactly 0 shaded."""
    x_range = query.x_grid()
    options = query.image_options(request)
    return await image(
        request,
        {"precision plot": subject.identity(), "x": x_range},
        options,
        partial(draw_precision, subject, x_range, options),
        filename=f"{_filename(subject)}-precision",
    )
