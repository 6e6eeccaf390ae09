"""Encoding numpy results as JSON, CSV or NPY, chosen by ?format= or the Accept header."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import numpy as np
import orjson
from fastapi import HTTPException, Request, Response

from app.core.functions import Array


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


def negotiate(request: Request, requested: Format | None) -> Format:
    """The format asked for with ?format=, else the first acceptable one; 406 if none."""
    if requested is not None:
        return requested
    accept = request.headers.get("accept", "").lower()
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


def columns_response(fmt: Format, meta: dict[str, Any], columns: dict[str, Array]) -> Response:
    """x, y and dy as a JSON object (with ``meta``), CSV rows or an NPY structured array."""
    if fmt is Format.json:
        return json_response({**meta, **columns})
    if fmt is Format.csv:
        return Response(_csv(columns), media_type="text/csv")
    return Response(_npy(columns), media_type="application/x-npy")


def _csv(columns: dict[str, Array]) -> bytes:
    # Python's float repr is the shortest string that reads back as the same float64.
    rows = zip(*(values.tolist() for values in columns.values()), strict=True)
    lines = [",".join(columns), *(",".join(map(_cell, row)) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def _cell(value: float) -> str:
    # An undefined point (nan) is an empty cell, which CSV readers take as missing.
    return repr(value) if math.isfinite(value) else ""


def _npy(columns: dict[str, Array]) -> bytes:
    first = next(iter(columns.values()))
    table = np.empty(first.shape[0], dtype=[(name, "<f8") for name in columns])
    for name, values in columns.items():
        table[name] = values
    out = io.BytesIO()
    np.save(out, table, allow_pickle=False)
    return out.getvalue()
