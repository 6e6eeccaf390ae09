"""Content negotiation: which format an answer takes, from ``?format=`` or the Accept header; 406 if none."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, HTTPException, Request

from app.render import ImageFormat

from .encoding import Format

# For an operation answering JSON, CSV or NPY.
TABULAR_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": "x,y,dy\n-1,0,0\n0,0,0\n1,1,1\n"},
            "application/x-npy": {
                "schema": {"type": "string", "format": "binary"},
                "description": "a structured array with fields x, y and dy, for numpy.load",
            },
        }
    },
    406: {"description": "The Accept header names no format this endpoint offers"},
}

# For an operation answering PNG or SVG.
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

JSON_ONLY_RESPONSES: dict[int | str, dict[str, Any]] = {
    406: {"description": "The Accept header rules out JSON, the only format this endpoint offers"}
}


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


def negotiate_table(request: Request, requested: Format | None) -> Format:
    """The format asked for with ?format=, else the first the Accept header allows; 406 if none."""
    if requested is not None:
        return requested
    accept = request.headers.get("accept", "").lower()
    if not accept.strip():
        return Format.json
    for media in (part.split(";")[0].strip() for part in accept.split(",")):
        if media in ("*/*", "application/*", "application/json"):
            return Format.json
        if media in ("text/csv", "text/*"):
            return Format.csv
        if media == "application/x-npy":
            return Format.npy
    raise HTTPException(
        406, f"Cannot produce {accept[:100]!r}: offered are application/json, text/csv and application/x-npy"
    )


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


async def accept_json(request: Request) -> None:
    """For an operation that answers only JSON: 406 when the Accept header rules JSON out."""
    accept = request.headers.get("accept", "").lower()
    ranges = [part.split(";")[0].strip() for part in accept.split(",") if part.strip()]
    if ranges and not any(media in ("*/*", "application/*", "application/json") for media in ranges):
        raise HTTPException(406, f"Cannot produce {accept[:100]!r}: offered is application/json")


JsonOnly = Depends(accept_json)
