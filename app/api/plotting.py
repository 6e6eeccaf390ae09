"""Plumbing shared by every image endpoint: plot options, content negotiation, ETags and a cache.

A route that draws takes ``options: PlotOptionsDep`` (and ``x_range: PlotRangeDep`` for an
x grid), builds a key of everything that changes the picture, and returns
``plot_response(request, key, lambda: render_...(..., options=options))``::

    key = {"plot": "function", "name": activation.name, "params": params, "x": x_range, "options": options}
    return plot_response(request, key, lambda: render_function(x, y, dy, label=..., options=options))

The key must hold canonical values only (names and parameters resolved, defaults filled
in) and the :class:`ImageOptions`, so equal pictures share one ETag and one cache entry.
A route whose parameters a dependency gathers into an object with a ``key()`` method can take
its heavy-work slot with ``heavy_slot_unless_cached(plot_dependency)`` instead of ``HeavySlot``:
cached plots and 304s then never queue behind renders (see ``app/api/plots.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any, Protocol

import matplotlib
from fastapi import Depends, HTTPException, Query, Request, Response

from app import __version__
from app.config import settings
from app.render import MEDIA_TYPES, Image, ImageFormat, ImageOptions, Theme

from .cache import ResponseCache, canonical_json, etag_for, not_modified, revalidate
from .deps import RangeDep, XRange, validation_error
from .limits import heavy_work

# Part of every ETag: a new release or matplotlib may draw the same parameters differently.
RENDER_VERSION = f"{__version__}/{matplotlib.__version__}"

IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/svg+xml": {"schema": {"type": "string"}},
        },
        "description": "The plot; `ETag` and `Cache-Control` allow clients and proxies to cache it",
    },
    304: {"description": "Not modified: `If-None-Match` named this plot's ETag"},
    406: {"description": "The Accept header names neither image/png nor image/svg+xml"},
}

_SIZE = {"ge": settings.PLOT_MIN_SIZE, "le": settings.PLOT_MAX_SIZE}


def negotiate_image(request: Request, requested: ImageFormat | None) -> ImageFormat:
    """The format from ?format=, else the one the Accept header prefers; PNG on a tie or without one.

    Each format takes the quality of the most specific range that matches it (``image/png``
    over ``image/*`` over ``*/*``), so a browser's ``image/svg+xml,image/*,*/*;q=0.8`` gets PNG
    and ``image/png;q=0.5, image/svg+xml`` gets SVG.
    """
    if requested is not None:
        return requested
    accept = request.headers.get("accept", "").strip().lower()
    if not accept:
        return ImageFormat.png
    qualities = dict(_media_ranges(accept))
    offers = {
        ImageFormat.png: ("image/png", "image/*", "*/*"),
        ImageFormat.svg: ("image/svg+xml", "image/*", "*/*"),
    }
    scores = {fmt: next((qualities[r] for r in ranges if r in qualities), 0.0) for fmt, ranges in offers.items()}
    best = max(scores, key=lambda fmt: (scores[fmt], fmt is ImageFormat.png))
    if scores[best] <= 0.0:
        raise HTTPException(406, f"Cannot produce {accept[:100]!r}: offered are image/png and image/svg+xml")
    return best


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    """(media range, quality) for each part of an Accept header; a malformed q counts as 0."""
    ranges = []
    for part in accept.split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media, quality if quality == quality else 0.0))
    return ranges


# The image options every plot route shares (the size's names differ where "width" is taken).
ScaleQuery = Annotated[
    int, Query(ge=1, le=settings.PLOT_MAX_SCALE, description="device pixels per CSS pixel (PNG only)", examples=[2])
]
ThemeQuery = Annotated[Theme, Query(description="light or dark background", examples=["dark"])]
GridQuery = Annotated[bool, Query(description="draw a dashed grid", examples=[True])]
ImageFormatQuery = Annotated[
    ImageFormat | None,
    Query(alias="format", description="png (default) or svg; overrides the Accept header", examples=["svg"]),
]


async def get_plot_options(
    request: Request,
    width: Annotated[
        int, Query(**_SIZE, description="width in CSS pixels", examples=[800])
    ] = settings.PLOT_DEFAULT_WIDTH,
    height: Annotated[
        int, Query(**_SIZE, description="height in CSS pixels", examples=[600])
    ] = settings.PLOT_DEFAULT_HEIGHT,
    scale: ScaleQuery = 1,
    theme: ThemeQuery = Theme.light,
    grid: GridQuery = True,
    fmt: ImageFormatQuery = None,
) -> ImageOptions:
    """Image size, scale, theme, grid and format, checked against the plot limits."""
    pixels = width * scale * height * scale
    if pixels > settings.PLOT_MAX_PIXELS:
        raise validation_error(
            ("query", "scale"),
            f"width*scale x height*scale is {pixels:,} pixels; at most {settings.PLOT_MAX_PIXELS:,} are allowed",
            scale,
        )
    chosen = negotiate_image(request, fmt)
    # An SVG does not depend on the scale: one canonical value keeps one cache entry per picture.
    return ImageOptions(width, height, scale if chosen is ImageFormat.png else 1, theme, grid, chosen)


PlotOptionsDep = Annotated[ImageOptions, Depends(get_plot_options)]


async def get_plot_range(x_range: RangeDep) -> XRange:
    """The x grid of a plot, with at most ``PLOT_MAX_NUM`` points."""
    # async: a comparison needs no trip to the thread pool, which a cached plot would notice.
    if x_range.num > settings.PLOT_MAX_NUM:
        raise validation_error(
            ("query", "num"), f"a plot takes at most {settings.PLOT_MAX_NUM} points (num)", x_range.num
        )
    return x_range


PlotRangeDep = Annotated[XRange, Depends(get_plot_range)]


image_cache: ResponseCache[Image] = ResponseCache(settings.PLOT_CACHE_ENTRIES, settings.PLOT_CACHE_BYTES)


def canonical_key(key: Mapping[str, Any]) -> str:
    """The plot's key as canonical JSON, with the versions that draw it."""
    if not any(isinstance(value, ImageOptions) for value in key.values()):
        raise TypeError("a plot key must include the ImageOptions it is drawn with")
    return canonical_json({"render": RENDER_VERSION, **key})


class KeyedPlot(Protocol):
    def key(self) -> Mapping[str, Any]:
        """The plot's key: the same one its route passes to :func:`plot_response`."""
        ...


def heavy_slot_unless_cached(plot_dependency: Callable[..., KeyedPlot]) -> Any:
    """Like ``HeavySlot``, but a plot the client or the cache already has takes no slot.

    ``plot_dependency`` gathers the plot's parameters from the request into an object whose
    ``key()`` is the plot's key, so a repeated plot is answered without queueing behind renders::

        ThingSlot = Annotated[None, heavy_slot_unless_cached(get_thing_plot)]

        @router.get(..., responses={**IMAGE_RESPONSES, **BUSY_RESPONSES})
        def read_thing_plot(request: Request, thing: ThingPlotDep, slot: ThingSlot) -> Response: ...

    FastAPI computes ``plot_dependency`` once per request, for the slot and the route alike.
    """

    # A default, not Annotated[...]: the annotation is a string (postponed evaluation) that
    # could not name plot_dependency, a local of this function.
    async def slot(request: Request, plot: KeyedPlot = Depends(plot_dependency)) -> AsyncIterator[None]:
        canonical = canonical_key(plot.key())
        if not_modified(request, etag_for(canonical)) or image_cache.get(canonical) is not None:
            yield
            return
        async with asynccontextmanager(heavy_work.slot)():
            yield

    return Depends(slot, scope="function")


def plot_response(
    request: Request, key: Mapping[str, Any], render: Callable[[], Image], *, filename: str | None = None
) -> Response:
    """The image for ``key``: 304 if the client has it, from the cache if drawn before, else ``render()``.

    ``key`` holds every canonical parameter of the picture, including its ImageOptions;
    its hash is the ETag. Responses may be cached publicly for ``PLOT_MAX_AGE``.
    ``filename`` (without extension) names the file a browser saves.
    """
    canonical = canonical_key(key)
    headers, unchanged = revalidate(request, etag_for(canonical), settings.PLOT_MAX_AGE)
    if unchanged:
        return Response(status_code=304, headers=headers)
    image = image_cache.get(canonical)
    if image is None:
        image = render()
        image_cache.put(canonical, image)
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{_safe_filename(filename)}.{image.format.value}"'
    return Response(image.data, media_type=MEDIA_TYPES[image.format], headers=headers)


def _safe_filename(name: str) -> str:
    """Letters, digits, ``-`` and ``_`` only, so the header needs no quoting rules."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in name)[:80] or "plot"
