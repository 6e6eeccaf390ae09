"""The real server under uvicorn on a free port, and Debian's Chromium driven by Playwright.

No browser is downloaded: Playwright launches /usr/bin/chromium (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-output"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
]


# Bounds for a slow, busy machine: generous, but every wait ends. A page's waits (selectors,
# functions, navigation) time out after WAIT_MS unless a test says otherwise.
SERVER_START_SECONDS = 120
SERVER_STOP_SECONDS = 15
WAIT_MS = 90_000
# Every browser test, its fixtures' start-up included, fails with a traceback after this long.
TEST_TIMEOUT_SECONDS = 600


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_SECONDS))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: str, ready_path: str = "/healthz") -> Iterator[str]:
    """uvicorn serving ``app`` on a free port until the block ends: its address, once it answers."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}{ready_path}", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    _, err = server.communicate(timeout=SERVER_STOP_SECONDS)
                    raise RuntimeError(f"the server did not start: {err.decode()[-2000:]}") from None
                # Poll again shortly: the condition, not the pause, ends the wait.
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=SERVER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=SERVER_STOP_SECONDS)
        if server.stderr is not None:
            server.stderr.close()


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    with serve("app.main:app") as url:
        yield url


@pytest.fixture(scope="session")
def prefixed_url() -> Iterator[str]:
    """The app behind a proxy that keeps the path prefix /prefix and tells the app so (root_path)."""
    from .prefixed import PREFIX

    with serve("tests.browser.prefixed:app", ready_path=f"{PREFIX}/healthz") as url:
        yield f"{url}{PREFIX}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (.ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=WAIT_MS)
        try:
            yield browser
        finally:
            browser.close()


class PageLog:
    """What a page did: every request's URL and every console error or uncaught exception."""

    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", self._failed)
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _failed(self, request: Request) -> None:
        # Stopped by the page's Content-Security-Policy inside the browser: it never left.
        if request.failure in ("csp", "net::ERR_BLOCKED_BY_CSP"):
            self.blocked.append(request.url)

    def sent_outside(self, host: str = "127.0.0.1") -> list[str]:
        """Requests that went (or tried to go) anywhere but the server under test."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).hostname != host
            and url not in self.blocked
        ]


@pytest.fixture
def new_page(browser: Browser) -> Iterator:
    contexts = []

    def open_page(
        width: int = 1280, height: int = 900, scheme: str = "light", locale: str = "en-US"
    ) -> tuple[Page, PageLog]:
        # The locale is the browser's language (navigator.languages), which the explorer follows.
        context = browser.new_context(
            viewport={"width": width, "height": height},
            color_scheme=scheme,  # type: ignore[arg-type]
            permissions=["clipboard-read", "clipboard-write"],
            locale=locale,
        )
        context.set_default_timeout(WAIT_MS)
        context.set_default_navigation_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        return page, PageLog(page)

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
