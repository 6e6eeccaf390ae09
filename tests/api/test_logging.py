"""Logs: the line per request as JSON or text, errors with their traceback in the same line, settings."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.config import Settings
from app.web.logs import ACCESS_LOGGER, logging_config, use_json
from tests.api.observed_app import observed_app

_CONFIGURED = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "asgi_correlation_id", ACCESS_LOGGER)


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], io.StringIO]]:
    """Applies the service's logging configuration with stderr captured; puts the loggers back afterwards."""
    saved = {name: (logging.getLogger(name), logging.getLogger(name).handlers[:]) for name in _CONFIGURED}
    levels = {name: (logger.level, logger.propagate, logger.disabled) for name, (logger, _) in saved.items()}

    def apply(log_format: str) -> io.StringIO:
        stream = io.StringIO()
        monkeypatch.setattr("sys.stderr", stream)
        logging.config.dictConfig(logging_config(log_format, "INFO"))
        return stream

    yield apply
    for name, (logger, handlers) in saved.items():
        logger.handlers[:] = handlers
        logger.level, logger.propagate, logger.disabled = levels[name]


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_is_one_json_line_with_its_fields(configure: Callable[[str], io.StringIO]) -> None:
    stream = configure("json")
    response = TestClient(observed_app()).get("/items/seven", headers={"X-Request-ID": "json-1"})
    assert response.status_code == 200
    (line,) = [r for r in _records(stream) if r["logger"] == ACCESS_LOGGER]
    assert line["request_id"] == "json-1"
    assert line["level"] == "INFO"
    assert (line["method"], line["route"], line["path"], line["status"]) == (
        "GET",
        "/items/{item}",
        "/items/seven",
        200,
    )
    assert line["bytes"] == len(response.content)
    assert line["duration_ms"] >= 0
    assert line["cache"] == "uncacheable"
    assert line["time"][:4].isdigit() and "T" in line["time"]


def test_an_unhandled_error_is_one_json_line_with_its_traceback(configure: Callable[[str], io.StringIO]) -> None:
    stream = configure("json")
    response = TestClient(observed_app(), raise_server_exceptions=False).get("/bug", headers={"X-Request-ID": "json-2"})
    assert response.status_code == 500
    about = [r for r in _records(stream) if r.get("request_id") == "json-2"]
    (line,) = about  # one line: the request with its traceback, not a second report of the same error
    assert line["level"] == "ERROR"
    assert line["status"] == 500
    assert "Traceback" in line["exc_info"] and "ZeroDivisionError: a bug" in line["exc_info"]


def test_text_lines_carry_the_request_id_for_a_person(configure: Callable[[str], io.StringIO]) -> None:
    stream = configure("text")
    TestClient(observed_app()).get("/items/eight", headers={"X-Request-ID": "text-3"})
    (line,) = [line for line in stream.getvalue().splitlines() if ACCESS_LOGGER in line]
    assert "[text-3]" in line
    assert "GET /items/eight 200" in line
    assert not line.startswith("{")


def test_auto_is_text_on_a_terminal_and_json_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stderr", Terminal())
    assert (use_json("auto"), use_json("json"), use_json("text")) == (False, True, False)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert (use_json("auto"), use_json("json"), use_json("text")) == (True, True, False)


def test_log_settings_are_read_in_either_case_and_checked() -> None:
    settings = Settings(LOG_FORMAT="JSON", LOG_LEVEL="debug")
    assert (settings.LOG_FORMAT, settings.LOG_LEVEL) == ("json", "DEBUG")
    with pytest.raises(ValidationError):
        Settings(LOG_FORMAT="xml")
    with pytest.raises(ValidationError):
        Settings(LOG_LEVEL="loud")


def test_the_servers_report_of_an_error_already_logged_is_dropped(configure: Callable[[str], io.StringIO]) -> None:
    stream = configure("json")
    with pytest.raises(ZeroDivisionError) as raised:
        TestClient(observed_app()).get("/bug", headers={"X-Request-ID": "json-4"})
    # What uvicorn logs when an exception leaves the app: the same exception, once more.
    logging.getLogger("uvicorn.error").error("Exception in ASGI application", exc_info=raised.value)
    logging.getLogger("uvicorn.error").error("Another failure", exc_info=ValueError("not seen before"))
    messages = [r["message"] for r in _records(stream)]
    assert "Exception in ASGI application" not in messages
    assert "Another failure" in messages
    assert sum(m.startswith("GET /bug 500") for m in messages) == 1


def test_a_newline_in_the_path_cannot_forge_a_text_line(configure: Callable[[str], io.StringIO]) -> None:
    stream = configure("text")
    TestClient(observed_app()).get(
        "/items/a%0A2026-01-01 INFO [x] app.access: GET /forged 200", headers={"X-Request-ID": "nl-5"}
    )
    lines = [line for line in stream.getvalue().splitlines() if f" {ACCESS_LOGGER}: " in line]
    assert len(lines) == 1, lines
    assert "[nl-5]" in lines[0] and "\\n" in lines[0]
