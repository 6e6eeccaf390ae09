"""A small app with the service's observability and error handling around two routes: one answers, one has a bug."""

from fastapi import FastAPI

from app.web import errors, observability


def observed_app(bug: type[Exception] = ZeroDivisionError) -> FastAPI:
    """``/items/{item}`` answers; ``/bug`` raises ``bug``."""
    app = FastAPI()

    @app.get("/items/{item}")
    async def read_item(item: str) -> dict[str, str]:
        return {"item": item}

    @app.get("/bug")
    async def read_bug() -> None:
        raise bug("a bug")

    observability.install_inside(app)
    observability.install_outside(app)
    errors.install(app)
    return app
