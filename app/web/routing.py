"""The route class of every API operation: one way to read a request, and one fast path for repeated ones.

FastAPI's documented extension point (a custom ``APIRoute``) adds, for every operation alike:

- a query parameter that takes one value but is given twice is a 422, rather than a silent
  choice of one of them (query models and lists are read by FastAPI as declared);
- a GET request validated before, whose answer the cache or the client still has, is answered
  at once, before its parameters are solved again (``app/web/caching.py``): a cached answer or a
  304 never validates, computes, or waits for a heavy-work slot twice;
- JSON bodies are parsed by pydantic's parser, several times faster than the standard library for
  long lists of numbers, and then validated against the operation's body model by FastAPI.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterator
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic_core import from_json
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .caching import answer_remembered
from .errors import validation_error


class JsonBodyRequest(Request):
    """A request whose JSON body is parsed by pydantic's parser: fast, and precise about what is wrong.

    NaN and Infinity are read as numbers, so that a body model refuses them by name ("finite
    number") rather than as a syntax error. A malformed body raises ``json.JSONDecodeError``,
    which FastAPI reports as a 422 under ``body``.
    """

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = from_json(body, allow_inf_nan=True)
            except ValueError as exc:
                raise json.JSONDecodeError(str(exc), body.decode("utf-8", "replace"), 0) from None
        return self._json


class ApiRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        many = frozenset(_list_query_names(self.dependant))
        has_body = self.body_field is not None

        async def handler(request: Request) -> Response:
            remembered = answer_remembered(request)
            if remembered is not None:
                return remembered
            reject_repeated(request.query_params, many)
            if has_body:
                request = JsonBodyRequest(request.scope, request.receive)
            return await handle(request)

        return handler


def reject_repeated(query: QueryParams, lists: frozenset[str]) -> None:
    """422 for a name given more than once in ``query``, unless it is declared as a list."""
    if len(query) == len(query.multi_items()):
        return
    for key in query:
        count = len(query.getlist(key))
        if count > 1 and key not in lists:
            raise validation_error(("query", key), f"{key[:40]} is given {count} times; give it once")


def _list_query_names(dependant: Dependant) -> Iterator[str]:
    """The query parameters declared as lists, in query models too, through every sub-dependency."""
    for param in dependant.query_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for name, field in annotation.model_fields.items():
                if _takes_many(field.annotation):
                    yield field.alias or name
        elif _takes_many(annotation):
            yield param.alias
    for sub in dependant.dependencies:
        yield from _list_query_names(sub)


def _takes_many(annotation: Any) -> bool:
    """list[str], or list[str] | None."""
    if get_origin(annotation) in (list, tuple, set, frozenset):
        return True
    return get_origin(annotation) in (Union, UnionType) and any(_takes_many(arg) for arg in get_args(annotation))


class HeadMiddleware:
    """HEAD answered as GET with the same headers and no body, on every route, as HTTP expects.

    FastAPI declares each operation for its own methods only; Starlette's plain routes answer
    HEAD this way, and so does every operation here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_head(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_head)
