"""The app as a proxy that keeps a path prefix presents it: /prefix/... reaches the app with root_path /prefix."""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from app.main import app as service

PREFIX = "/prefix"


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Under PREFIX, the app with its root_path; elsewhere 404. Lifespan events go to the app."""
    if scope["type"] == "lifespan":
        await service(scope, receive, send)
        return
    path = scope.get("path", "")
    if path == PREFIX or path.startswith(f"{PREFIX}/"):
        # Starlette's convention: the path keeps the prefix, and root_path names it.
        await service({**scope, "root_path": scope.get("root_path", "") + PREFIX}, receive, send)
        return
    await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"not under the prefix"})
