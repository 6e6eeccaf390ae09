"""Encoding answers: response models as JSON, tables of numpy columns as JSON, CSV or NPY; gzip.

JSON is written by orjson straight from numpy arrays, about three times faster than pydantic's
serialiser for 100,000 points (bench/RESULTS.md). A response model is built once from the core's
result (with ``model_construct`` where its fields hold numpy arrays) and encoded by :func:`encode_model`,
which writes the fields that were set, in the model's order.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import numpy as np
import orjson
from fastapi import FastAPI, Response
from pydantic import BaseModel
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from app.config import settings
from app.core.functions import Array

from .caching import Answer


class Format(StrEnum):
    json = "json"
    csv = "csv"
    npy = "npy"


MEDIA_TYPES = {Format.json: "application/json", Format.csv: "text/csv", Format.npy: "application/x-npy"}


def _fields(model: BaseModel) -> dict[str, Any]:
    """The fields of ``model`` that were set, in declaration order (a field left unset is left out)."""
    given = model.model_fields_set
    return {name: getattr(model, name) for name in type(model).model_fields if name in given}


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _fields(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def encode_model(model: BaseModel | Sequence[BaseModel]) -> bytes:
    """``model`` (or a list of models) as JSON, numpy arrays included; fields that were not set are left out."""
    return orjson.dumps(model, default=_default, option=orjson.OPT_SERIALIZE_NUMPY)


def model_response(model: BaseModel | Sequence[BaseModel], status_code: int = 200) -> Response:
    return Response(encode_model(model), status_code=status_code, media_type=MEDIA_TYPES[Format.json])


def json_answer(model: BaseModel) -> Answer:
    return Answer(encode_model(model), MEDIA_TYPES[Format.json])


def table_answer(fmt: Format, columns: Mapping[str, Array]) -> Answer:
    """Columns of one length as CSV rows or as an NPY structured array with one field per column."""
    if fmt is Format.csv:
        return Answer(_csv(columns), MEDIA_TYPES[fmt])
    if fmt is Format.npy:
        return Answer(_npy(columns), MEDIA_TYPES[fmt])
    raise ValueError("JSON answers are encoded from their response model")


def _csv(columns: Mapping[str, Array]) -> bytes:
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


def _npy(columns: Mapping[str, Array]) -> bytes:
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
