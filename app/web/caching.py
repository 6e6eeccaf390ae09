"""Answers that are pure functions of their parameters: an LRU of their bytes, ETags and 304s.

A route builds an :class:`AnswerKey` of every canonical parameter of its answer (names and
parameters resolved, defaults filled in), so equal answers share one ETag and one cache entry,
and answers through :meth:`Answers.respond`. Each valid request is remembered with its key, so
that the same request again (same path, query string and Accept header) is answered from the
cache, or with a 304, by :func:`answer_remembered` before anything is validated again: see
``app/web/routing.py``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import orjson
from fastapi import Request, Response

from app.config import settings

from . import metrics
from .observability import mark_cache


class _HasData(Protocol):
    @property
    def data(self) -> bytes: ...


Entry = TypeVar("Entry", bound=_HasData)


class ResponseCache(Generic[Entry]):
    """A thread-safe LRU of answers (anything with ``data`` bytes), bounded by entries and by total bytes.

    Its hits, misses and evictions are counted in the metrics under ``name``.
    """

    def __init__(self, max_entries: int, max_bytes: int, name: str = "other") -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._hits = metrics.CACHE_HITS.labels(name)
        self._misses = metrics.CACHE_MISSES.labels(name)
        self._evictions = metrics.CACHE_EVICTIONS.labels(name)
        self._items: OrderedDict[str, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None:
                self._items.move_to_end(key)
        (self._misses if entry is None else self._hits).inc()
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
                self._evictions.inc()

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


# For an operation answering through Answers.respond.
CACHED_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: `If-None-Match` named this answer's ETag"},
}


@dataclass(frozen=True)
class Answer:
    """An answer's bytes, media type and any headers of its own (a file name to save it as)."""

    data: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AnswerKey:
    """A cached answer's identity: its canonical parameters as text, and the ETag made from them."""

    canonical: str
    etag: str

    @classmethod
    def of(cls, key: Mapping[str, Any]) -> AnswerKey:
        """``key`` holds every canonical parameter of the answer, its format and versions included."""
        canonical = canonical_json(key)
        return cls(canonical, etag_for(canonical))


@dataclass(frozen=True)
class _Kept:
    """A cached answer with the headers of its 200 response, encoded once."""

    answer: Answer
    raw_headers: tuple[tuple[bytes, bytes], ...]

    @property
    def data(self) -> bytes:
        return self.answer.data


class _KeptResponse(Response):
    """The 200 response of a kept answer: its headers were encoded when it was kept."""

    def __init__(self, kept: _Kept) -> None:
        self.status_code = 200
        self.background = None
        self.body = kept.answer.data
        # A list of its own: middleware appends to it (CORS, Vary).
        self.raw_headers = list(kept.raw_headers)


class Answers:
    """Answers of one kind (values, plots) kept per worker, with how long clients may keep them."""

    def __init__(self, max_entries: int, max_bytes: int, max_age: int, *, name: str) -> None:
        self.cache: ResponseCache[_Kept] = ResponseCache(max_entries, max_bytes, name)
        self.max_age = max_age

    async def respond(self, request: Request, key: AnswerKey, compute: Callable[[], Awaitable[Answer]]) -> Response:
        """304 if the client has the answer, the cached one if made before, else ``await compute()``."""
        _remember(request, self, key)
        known = self.known(request, key)
        if known is not None:
            return known
        mark_cache("miss")
        answer = await compute()
        headers, _ = revalidate(request, key.etag, self.max_age)
        response = Response(answer.data, media_type=answer.media_type, headers={**headers, **dict(answer.headers)})
        self.cache.put(key.canonical, _Kept(answer, tuple(response.raw_headers)))
        return response

    def known(self, request: Request, key: AnswerKey) -> Response | None:
        """The answer for ``key`` if the client or the cache has it, without computing anything."""
        headers, unchanged = revalidate(request, key.etag, self.max_age)
        if unchanged:
            mark_cache("hit")
            return Response(status_code=304, headers=headers)
        kept = self.cache.get(key.canonical)
        if kept is None:
            return None
        mark_cache("hit")
        return _KeptResponse(kept)

    def get(self, key: AnswerKey) -> Answer | None:
        kept = self.cache.get(key.canonical)
        return None if kept is None else kept.answer


# Requests seen and validated before: (path, query string, Accept) -> where their answer is kept.
_RequestId = tuple[str, bytes, str]
_remembered: OrderedDict[_RequestId, tuple[Answers, AnswerKey]] = OrderedDict()
_remembered_lock = threading.Lock()
_MEMO = "request memo"
_memo_hits = metrics.CACHE_HITS.labels(_MEMO)
_memo_misses = metrics.CACHE_MISSES.labels(_MEMO)
_memo_evictions = metrics.CACHE_EVICTIONS.labels(_MEMO)


def _request_id(request: Request) -> _RequestId:
    return request.scope["path"], request.scope["query_string"], request.headers.get("accept", "")


def _remember(request: Request, answers: Answers, key: AnswerKey) -> None:
    if request.method != "GET":
        return
    with _remembered_lock:
        _remembered[_request_id(request)] = (answers, key)
        _remembered.move_to_end(_request_id(request))
        while len(_remembered) > settings.REQUEST_MEMO_ENTRIES:
            _remembered.popitem(last=False)
            _memo_evictions.inc()


def answer_remembered(request: Request) -> Response | None:
    """The answer to a request validated before, if the client or the cache still has it; else None.

    A valid request's answer is a pure function of its path, query string and Accept header, so
    the same three need no second validation (an invalid request is never remembered).
    """
    if request.method != "GET":
        return None
    found = _remembered.get(_request_id(request))
    (_memo_misses if found is None else _memo_hits).inc()
    if found is None:
        return None
    answers, key = found
    return answers.known(request, key)


def forget_requests() -> None:
    with _remembered_lock:
        _remembered.clear()
