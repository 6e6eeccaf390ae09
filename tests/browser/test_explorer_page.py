"""The explorer page at / in a real browser: pick, slide, read, compare, type, download, on any screen."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import Page

from app.render import PLOT_AREA_ID

from .conftest import screenshot

MODULES = {"main.js", "api.js", "state.js", "controls.js", "plot.js", "analysis.js", "util.js"}

LOADED = """([selector, previous]) => {
    const img = document.querySelector(selector);
    return img && img.src && img.src !== previous && img.complete && img.naturalWidth > 0;
}"""


def _src(page: Page, selector: str) -> str:
    return str(page.eval_on_selector(selector, "img => img.src"))


def _wait_for_new_image(page: Page, selector: str, previous: str = "") -> str:
    page.wait_for_function(LOADED, arg=[selector, previous], timeout=30_000)
    return _src(page, selector)


def _wait_for_plot(page: Page, figure: str, alt_part: str) -> None:
    """Until the figure's image shows the view whose description contains ``alt_part``."""
    page.wait_for_function(
        """([figure, part]) => {
            const f = document.querySelector(figure), img = f.querySelector('img');
            const ready = f.getAttribute('aria-busy') === 'false' && img.alt.includes(part);
            return ready && img.complete && img.naturalWidth > 0;
        }""",
        arg=[figure, alt_part],
        timeout=30_000,
    )


def _open(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    page.wait_for_selector("#fn:not([disabled])", timeout=30_000)
    _wait_for_new_image(page, "#plot")


def _readout(page: Page) -> tuple[float, float, float]:
    return tuple(float(page.text_content(f"#{name}") or "nan") for name in ("at-x", "at-y", "at-dy"))  # type: ignore[return-value]


def test_explore_sigmoid_compare_with_tanh_and_type_an_expression(new_page, base_url: str) -> None:
    page, log = new_page()
    _open(page, base_url)

    page.select_option("#fn", "sigmoid")
    page.wait_for_function("document.querySelector('#formula').textContent.startsWith('Sigmoid')")
    _wait_for_plot(page, "#plot-figure", "Sigmoid and its derivative for x from -5 to 5")
    first = _src(page, "#plot")
    before = page.locator("#plot").screenshot()

    # Move the x max slider with the keyboard, as a user would: 5 -> 3 in steps of 0.5.
    page.focus("#x_max-range")
    for _ in range(4):
        page.keyboard.press("ArrowLeft")
    assert page.input_value("#x_max") == "3"
    _wait_for_plot(page, "#plot-figure", "Sigmoid and its derivative for x from -5 to 3")
    assert _src(page, "#plot") != first
    assert page.locator("#plot").screenshot() != before
    assert "x_max=3" in page.get_attribute("#plot-actions a:has-text('PNG')", "href")

    # f(x) and f'(x) at the cursor are sigmoid's, wherever the pointer is.
    box = page.locator("#plot").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.wait_for_function("document.querySelector('#at-x').textContent !== '0'")
    x, y, dy = _readout(page)
    assert -5 < x < 0
    assert y == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-5)
    assert dy == pytest.approx(y * (1 - y), rel=1e-5)
    page.focus("#plot-figure")
    page.keyboard.press("ArrowRight")
    assert _readout(page)[0] > x

    # The analysis numbers for sigmoid.
    page.wait_for_selector("#analysis .numbers dd", timeout=30_000)
    assert page.locator("#analysis dd").count() >= 5

    # Add tanh, then the current curve (sigmoid), to a comparison.
    page.select_option("#compare-fn", "tanh")
    page.click("#compare-add")
    page.click("#compare-add-current")
    assert page.locator("#curves li").all_text_contents() == ["Tanh×", "Sigmoid×"]
    compare = _wait_for_new_image(page, "#compare-plot")
    assert "f=tanh&f=sigmoid" in page.get_attribute("#compare-actions a:has-text('CSV')", "href")

    # Type the article's identity and plot it.
    page.fill("#expr", "2*sigmoid(2*x)-1")
    page.press("#expr", "Enter")
    _wait_for_new_image(page, "#expr-plot")
    assert page.is_hidden("#expr-error")
    page.click("#expr-add")
    _wait_for_new_image(page, "#compare-plot", compare)
    assert page.locator("#curves li").count() == 3

    # The curl command and the downloads point at working endpoints.
    page.click("#plot-actions button:has-text('Copy curl')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("curl -sS '") and copied.endswith("-o sigmoid.png")
    for kind, media in (("PNG", "image/png"), ("SVG", "image/svg+xml"), ("CSV", "text/csv")):
        href = page.get_attribute(f"#plot-actions a:has-text('{kind}')", "href")
        response = page.request.get(f"{base_url}{href}")
        assert response.status == 200, href
        assert response.headers["content-type"].startswith(media)

    screenshot(page, "explorer-desktop-light")
    assert log.errors == []
    assert log.sent_outside() == []


def test_the_page_runs_as_es_modules_and_the_cursor_spans_the_f_panel(new_page, base_url: str) -> None:
    page, log = new_page()
    _open(page, base_url)
    # main.js and every module it imports were loaded and ran; none of them leaks a global.
    loaded = {url.rsplit("/", 1)[-1] for url in log.requests if re.search(r"/static/[\w-]+\.js$", url)}
    assert loaded == MODULES
    assert page.evaluate("[typeof state, typeof ROUTES, typeof start]") == ["undefined"] * 3

    # Home and End put the cursor on the left and right edges of the f panel's plot area, which the
    # page finds in the SVG by the id app.render gives it.
    href = page.get_attribute("#plot-actions a:has-text('SVG')", "href")
    root = ET.fromstring(page.request.get(f"{base_url}{href}").body())
    view_width = float((root.get("viewBox") or "").split()[2])
    (area,) = [element for element in root.iter() if element.get("id") == PLOT_AREA_ID]
    (path,) = area.iter("{http://www.w3.org/2000/svg}path")
    xs = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))][0::2]
    image = page.locator("#plot").bounding_box()
    assert image is not None
    page.focus("#plot-figure")
    for key, x, edge in (("Home", -5.0, min(xs)), ("End", 5.0, max(xs))):
        page.keyboard.press(key)
        assert _readout(page)[0] == x
        line = page.locator("#cursor").bounding_box()
        assert line is not None, "the cursor line is shown"
        assert line["x"] == pytest.approx(image["x"] + image["width"] * edge / view_width, abs=1.5)
    assert log.errors == []
    assert log.sent_outside() == []


def test_an_invalid_expression_says_what_is_wrong(new_page, base_url: str) -> None:
    page, _ = new_page()
    _open(page, base_url)
    page.fill("#expr", "2*sigmoid(2*x")
    page.press("#expr", "Enter")
    page.wait_for_selector("#expr-error:not([hidden])", timeout=30_000)
    assert "expr" in (page.text_content("#expr-error") or "")


def test_a_shared_address_restores_the_view(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/#fn=leaky_relu&negative_slope=0.2&x_min=-3&f=relu&f=elu")
    page.wait_for_selector("#fn:not([disabled])", timeout=30_000)
    _wait_for_new_image(page, "#plot")
    assert page.input_value("#fn") == "leaky_relu"
    assert page.input_value("#param-negative_slope") == "0.2"
    # The slider spans the function's suggested range from /v1/activations.
    slider = page.locator("#param-negative_slope-range")
    assert (slider.get_attribute("min"), slider.get_attribute("max")) == ("0", "1")
    page.select_option("#fn", "gelu")
    page.select_option("#param-approximate", "tanh")
    _wait_for_plot(page, "#plot-figure", 'GELU (approximate="tanh")')
    assert page.input_value("#x_min") == "-3"
    assert page.locator("#curves li").count() == 2
    _wait_for_new_image(page, "#compare-plot")
    assert log.errors == []


@pytest.mark.parametrize(
    ("width", "height", "scheme"),
    [(1280, 900, "dark"), (390, 844, "light"), (390, 844, "dark")],
    ids=["desktop-dark", "mobile-light", "mobile-dark"],
)
def test_page_fits_the_screen_in_both_schemes(new_page, base_url: str, width: int, height: int, scheme: str) -> None:
    page, log = new_page(width=width, height=height, scheme=scheme)
    page.goto(f"{base_url}/#fn=elu&expr=2*sigmoid(2*x)-1&f=tanh&f=sigmoid")
    page.wait_for_selector("#fn:not([disabled])", timeout=30_000)
    for selector in ("#plot", "#expr-plot", "#compare-plot"):
        _wait_for_new_image(page, selector)
    page.wait_for_selector("#analysis .numbers dd", timeout=30_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The plots are drawn in the page's scheme: a dark page asks for dark plots.
    href = page.get_attribute("#plot-actions a:has-text('PNG')", "href")
    assert f"theme={scheme}" in href
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    channels = [int(c) for c in background[background.index("(") + 1 : -1].split(",")[:3]]
    assert (sum(channels) / 3 < 80) == (scheme == "dark")
    screenshot(page, f"explorer-{'desktop' if width > 800 else 'mobile'}-{scheme}")
    assert log.errors == []
    assert log.sent_outside() == []
