"""The explorer page at / : plain HTML, CSS and JavaScript from app/static, no build step."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

import matplotlib_fontja
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# The Japanese font the plots are drawn in (IPAexGothic, IPA Font License), served to browsers that
# have no Japanese font of their own; the page's CSS asks for it only for Japanese characters.
JAPANESE_FONT = Path(matplotlib_fontja.__file__).resolve().parent / "fonts" / "ipaexg.ttf"
BASE_MARK = "<head>"


@cache
def _page() -> str:
    return (STATIC_DIR / "index.html").read_text(encoding="utf-8")


def page_html(root_path: str) -> str:
    """The page with a <base> at the app's root, so that its relative URLs work behind a path prefix."""
    base = f'{BASE_MARK}\n  <base href="{html.escape(root_path.rstrip("/"), quote=True)}/">'
    return _page().replace(BASE_MARK, base, 1)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False, tags=["pages"])
    def explorer(request: Request) -> HTMLResponse:
        return HTMLResponse(page_html(request.scope.get("root_path", "")))

    @app.get("/fonts/ipaexg.ttf", include_in_schema=False, tags=["pages"])
    def japanese_font() -> FileResponse:
        return FileResponse(JAPANESE_FONT, media_type="font/ttf")
