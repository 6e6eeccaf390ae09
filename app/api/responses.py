"""Encoding numpy results as JSON, CSV or NPY, chosen by ?format= or the Accept header; cached answers."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import numpy as np
import orjson
import scipy
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from app import __version__
from app.config import settings
from app.core.evaluate import Method
from app.core.functions import Array
from app.core.rounding import round_half_even

from .cache import ResponseCache, canonical_json, etag_for, revalidate
from .offload import run_sized


class Format(StrEnum):
    json = "json"
    csv = "csv"
    npy = "npy"


MEDIA_TYPES = {Format.json: "application/json", Format.csv: "text/csv", Format.npy: "application/x-npy"}

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

DECIMALS: dict[str, Any] = {
    "ge": 1,
    "le": 17,
    "description": "round every number to this many decimal places (as Python's round) before encoding; "
    "shorter JSON and CSV",
    "examples": [6],
}
DecimalsQuery = Annotated[int | None, Query(**DECIMALS)]


async def accept_json(request: Request) -> None:
    """For a route that answers only JSON: 406 when the Accept header rules JSON out."""
    accept = request.headers.get("accept", "").lower()
    ranges = [part.split(";")[0].strip() for part in accept.split(",") if part.strip()]
    if ranges and not any(media in ("*/*", "application/*", "application/json") for media in ranges):
        raise HTTPException(406, f"Cannot produce {accept[:100]!r}: offered is application/json")


JsonOnly = Depends(accept_json)
JSON_ONLY_RESPONSES: dict[int | str, dict[str, Any]] = {
    406: {"description": "The Accept header rules out JSON, the only format this endpoint offers"}
}


def negotiate(request: Request, requested: Format | None) -> Format:
    """The format asked for with ?format=, else the first acceptable one; 406 if none."""
    return negotiate_accept(request.headers.get("accept", ""), requested)


def negotiate_accept(accept: str, requested: Format | None) -> Format:
    """The format asked for with ?format=, else the first the Accept header ``accept`` allows; 406 if none."""
    if requested is not None:
        return requested
    accept = accept.lower()
    if not accept.strip():
        return Format.json
    ranges = [part.split(";")[0].strip() for part in accept.split(",")]
    for media in ranges:
        if media in ("*/*", "application/*", "application/json"):
            return Format.json
        if media in ("text/csv", "text/*"):
            return Format.csv
        if media == "application/x-npy":
            return Format.npy
    raise HTTPException(
        406, f"Cannot produce {accept[:100]!r}: offered are application/json, text/csv and application/x-npy"
    )


def json_response(content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    body = orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


@dataclass(frozen=True)
class Encoded:
    """An answer's bytes and their media type."""

    data: bytes
    media_type: str


def encode_json(content: Any) -> Encoded:
    return Encoded(orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY), MEDIA_TYPES[Format.json])


def encode_columns(
    fmt: Format, meta: dict[str, Any], columns: dict[str, Array], decimals: int | None = None
) -> Encoded:
    """x, y and dy as a JSON object (with ``meta``), CSV rows or an NPY structured array.

    With ``decimals`` every column is rounded first, so all three formats carry the same numbers.
    """
    if decimals is not None:
        columns = {name: round_half_even(values, decimals) for name, values in columns.items()}
    if fmt is Format.json:
        return encode_json({**meta, **columns})
    if fmt is Format.csv:
        return Encoded(_csv(columns), MEDIA_TYPES[fmt])
    return Encoded(_npy(columns), MEDIA_TYPES[fmt])


def encoded_response(encoded: Encoded) -> Response:
    return Response(encoded.data, media_type=encoded.media_type)


# For a route answering through cached_columns.
CACHED_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: `If-None-Match` named this answer's ETag"},
}

# Values answers kept in memory per worker, least recently used dropped first.
values_cache: ResponseCache[Encoded] = ResponseCache(settings.VALUES_CACHE_ENTRIES, settings.VALUES_CACHE_BYTES)


@dataclass(frozen=True)
class AnswerKey:
    """A cached answer's identity: its canonical parameters as text, and the ETag made from them."""

    canonical: str
    etag: str

    @classmethod
    def of(cls, key: Mapping[str, Any]) -> AnswerKey:
        """``key`` holds every canonical parameter of the answer, its format included."""
        canonical = canonical_json({"version": _NUMBERS_VERSION, **key})
        return cls(canonical, etag_for(canonical))


def grid_values_key(
    subject: Mapping[str, Any], x_range: object, derivative: bool, method: Method, chosen: Format, decimals: int | None
) -> AnswerKey:
    """The key of a GET values answer on an x grid; ``subject`` names what is evaluated, canonically."""
    return AnswerKey.of(
        {**subject, "x": x_range, "derivative": derivative, "method": method, "format": chosen, "decimals": decimals}
    )


async def cached_columns(request: Request, key: AnswerKey, points: int, encode: Callable[[], Encoded]) -> Response:
    """The answer for ``key``: 304 if the client has it, from the cache if made before, else ``encode()``.

    ``encode`` runs in place or in a thread by the number of ``points`` it computes.
    """
    headers, unchanged = revalidate(request, key.etag, settings.VALUES_MAX_AGE)
    if unchanged:
        return Response(status_code=304, headers=headers)
    encoded = values_cache.get(key.canonical)
    if encoded is None:
        encoded = await run_sized(points, encode)
        values_cache.put(key.canonical, encoded)
    return Response(encoded.data, media_type=encoded.media_type, headers=headers)


# Part of every ETag: a new release, numpy or scipy may compute the same parameters differently.
_NUMBERS_VERSION = f"{__version__}/{np.__version__}/{scipy.__version__}"


def _csv(columns: dict[str, Array]) -> bytes:
    header = ",".join(columns).encode() + b"\n"
    table = np.column_stack(list(columns.values()))
    if table.shape[0] == 0:
        return header
    # orjson writes the table as [[x,y,dy],[x,y,dy],...], each number the shortest text that reads
    # back as the same float64; turning "],[" into line breaks makes those rows CSV rows, about ten
    # times faster than formatting the cells in Python.
    rows = orjson.dumps(table, option=orjson.OPT_SERIALIZE_NUMPY)[2:-2].replace(b"],[", b"\n")
    if not np.isfinite(table).all():
        # An undefined point (nan, written null) is an empty cell, which CSV readers take as missing.
        rows = rows.replace(b"null", b"")
    return header + rows + b"\n"


def _npy(columns: dict[str, Array]) -> bytes:
    # An (n, k) float64 table in C order has the bytes of a structured array of k "<f8" fields:
    # write that array's header, then the table as it is (np.save would copy it in chunks).
    table = np.column_stack(list(columns.values())).astype("<f8", copy=False)
    dtype = np.dtype([(name, "<f8") for name in columns])
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (table.shape[0],)}
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, header)
    out.write(table.data)
    return out.getvalue()


def install_gzip(app: FastAPI) -> None:
    """Gzip for clients that accept it, above a size where it saves something."""
    app.add_middleware(
        GZipMiddleware,
        minimum_size=settings.GZIP_MIN_BYTES,
        compresslevel=settings.GZIP_LEVEL,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, MEDIA_TYPES[Format.npy]),
    )
