"""Answers that are pure functions of their parameters: an LRU of their bytes, ETags and 304s.

A route builds a key of every canonical parameter of its answer (names and parameters
resolved, defaults filled in), so equal answers share one ETag and one cache entry.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Generic, Protocol, TypeVar

import orjson
from fastapi import Request


class _HasData(Protocol):
    @property
    def data(self) -> bytes: ...


Entry = TypeVar("Entry", bound=_HasData)


class ResponseCache(Generic[Entry]):
    """A thread-safe LRU of answers (anything with ``data`` bytes), bounded by entries and by total bytes."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None:
                self._items.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        size = len(entry.data)
        if size > self.max_bytes or self.max_entries <= 0:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.data)
            self._items[key] = entry
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.data)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return self._bytes


def canonical_json(key: Mapping[str, Any]) -> str:
    """``key`` as sorted, compact JSON (dataclasses, enums and numpy values included): equal keys, equal text."""
    return orjson.dumps(
        key, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    ).decode()


def revalidate(request: Request, etag: str, max_age: int) -> tuple[dict[str, str], bool]:
    """The caching headers of the answer tagged ``etag``, and whether the client already has it.

    The headers allow public caching for ``max_age`` seconds and say that the answer varies with
    the Accept header, which chooses the format when ``?format=`` does not.
    """
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", "Vary": "Accept"}
    return headers, not_modified(request, etag)


def etag_for(canonical: str) -> str:
    """A weak ETag made of the start of the SHA-256 of the answer's canonical key.

    Weak because the answer is one representation sent as different bytes: plain, or gzipped for
    a client that accepts it, and a strong tag must differ between those (RFC 9110, 8.8.3). A weak
    tag is all that ``If-None-Match`` needs, since it compares tags weakly.
    """
    return 'W/"' + hashlib.sha256(canonical.encode()).hexdigest()[:40] + '"'


def not_modified(request: Request, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (or ``*``), compared weakly: with or without ``W/``."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags
