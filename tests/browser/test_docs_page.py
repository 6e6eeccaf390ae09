"""/docs in a real browser: Swagger UI renders every operation, and nothing is fetched from outside."""

from __future__ import annotations

from .conftest import SCREENSHOTS, screenshot


def test_swagger_ui_renders_every_operation_offline(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/docs")
    page.wait_for_selector(".opblock")
    spec = page.evaluate("fetch('/openapi.json').then(r => r.json())")
    expected = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    shown = page.eval_on_selector_all(
        ".opblock-summary",
        "els => els.map(e => [e.querySelector('.opblock-summary-method').textContent,"
        " e.querySelector('.opblock-summary-path').getAttribute('data-path')])",
    )
    assert {tuple(pair) for pair in shown} == expected
    assert page.locator(".opblock-tag").count() >= 4
    screenshot(page, "docs-desktop-light")
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body")
    assert log.sent_outside() == []
    assert any(url.endswith("/docs-assets/swagger-ui-bundle.js") for url in log.requests)
    assert log.errors == []


def _try_it_out(page, base_url: str, operation_id: str):
    """The activations operation ``operation_id``, opened from its link and switched to Try it out."""
    page.goto(f"{base_url}/docs#/activations/{operation_id}")
    operation = page.locator(f"#operations-activations-{operation_id}")
    operation.locator(".opblock-body").wait_for()
    if operation.locator("button.try-out__btn:has-text('Try it out')").count():
        operation.locator("button.try-out__btn").click()
    return operation


def test_try_it_out_shows_the_plot_as_a_picture(new_page, base_url: str) -> None:
    page, log = new_page(height=1000)
    operation = _try_it_out(page, base_url, "activations-read_plot")
    operation.locator("input[placeholder='name']").fill("sigmoid")
    operation.locator("button.execute").click()
    picture = operation.locator(".live-responses-table img")
    picture.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    assert "content-type: image/png" in (operation.locator(".live-responses-table").text_content() or "")
    SCREENSHOTS.mkdir(exist_ok=True)
    operation.screenshot(path=str(SCREENSHOTS / "docs-try-it-out.png"))
    assert log.sent_outside() == []
    assert log.errors == []


def test_try_it_out_on_values_sends_the_query_and_shows_the_json(new_page, base_url: str) -> None:
    page, log = new_page(height=1000)
    operation = _try_it_out(page, base_url, "activations-read_values")
    operation.locator("input[placeholder='name']").fill("leaky_relu")
    operation.locator("tr[data-param-name='num'] input").fill("3")
    operation.locator("button.execute").click()
    body = operation.locator(".live-responses-table .response-col_description pre").first
    body.wait_for()
    answer = page.evaluate("text => JSON.parse(text)", body.text_content() or "")
    assert answer["name"] == "leaky_relu"
    assert answer["x"] == [-5.0, 0.0, 5.0]
    assert answer["y"] == [-0.05, 0.0, 5.0]
    assert any("/v1/activations/leaky_relu/values?" in url and "num=3" in url for url in log.requests)
    assert log.sent_outside() == []
    assert log.errors == []


def test_redoc_renders_offline(new_page, base_url: str) -> None:
    page, log = new_page(width=1280, height=900)
    page.goto(f"{base_url}/redoc")
    page.wait_for_selector("[data-section-id]")
    assert page.locator("h1").first.text_content() is not None
    screenshot(page, "redoc-desktop-light", full_page=False)
    assert log.sent_outside() == []
    # ReDoc's side menu asks for a logo from its CDN; the page's Content-Security-Policy stops it.
    assert all("cdn.redoc.ly/redoc/logo-mini.svg" in url for url in log.blocked)
    refused = [e for e in log.errors if "Content Security Policy" in e and "cdn.redoc.ly/redoc/logo-mini.svg" in e]
    assert [e for e in log.errors if e not in refused] == []
