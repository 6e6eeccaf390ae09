"""The explorer page at / : plain HTML, CSS and JavaScript from app/static, no build step."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False, tags=["pages"])
    def explorer() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")
