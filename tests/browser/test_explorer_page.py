"""The explorer page at / in a real browser: pick, slide, read, compare, type, download, on any screen."""

from __future__ import annotations

import html
import math
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from playwright.sync_api import Page

from app.render import PLOT_AREA_ID

from .conftest import screenshot

MODULES = {
    "main.js",
    "api.js",
    "state.js",
    "controls.js",
    "plot.js",
    "analysis.js",
    "precision.js",
    "claims.js",
    "i18n.js",
    "util.js",
}

LOADED = """([selector, previous]) => {
    const img = document.querySelector(selector);
    return img && img.src && img.src !== previous && img.complete && img.naturalWidth > 0;
}"""


def _src(page: Page, selector: str) -> str:
    return str(page.eval_on_selector(selector, "img => img.src"))


def _wait_for_new_image(page: Page, selector: str, previous: str = "") -> str:
    page.wait_for_function(LOADED, arg=[selector, previous])
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
    )


def _open(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    page.wait_for_selector("#fn:not([disabled])")
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
    page.wait_for_selector("#analysis .numbers dd")
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
        response = page.request.get(urljoin(page.url, href))
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
    root = ET.fromstring(page.request.get(urljoin(page.url, href)).body())
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
    page.wait_for_selector("#expr-error:not([hidden])")
    assert "expr" in (page.text_content("#expr-error") or "")


def test_a_shared_address_restores_the_view(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/#fn=leaky_relu&negative_slope=0.2&x_min=-3&f=relu&f=elu")
    page.wait_for_selector("#fn:not([disabled])")
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
    page.wait_for_selector("#fn:not([disabled])")
    for selector in ("#plot", "#expr-plot", "#compare-plot"):
        _wait_for_new_image(page, selector)
    page.wait_for_selector("#analysis .numbers dd")
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


# ---------------------------------------------------------------------------------------------
# The order control: f alone, or f with its derivatives up to f‴, one panel each.

ORDER_SCREENSHOTS = Path("/tmp/explorer-order")
SVG = "{http://www.w3.org/2000/svg}"
# The readout's outputs, f(x) and then each derivative's, by order.
READOUT = ("at-y", "at-dy", "at-d2y", "at-d3y")
EXPR = "2*sigmoid(2*x)-1"
Y_LABELS = ("f(x)", "f′(x)", "f″(x)", "f‴(x)")


def _titles(label: str, order: int) -> list[str]:
    return [label, f"Derivative of {label}", f"Second derivative of {label}", f"Third derivative of {label}"][
        : order + 1
    ]


def _shown_svg(page: Page, selector: str) -> str:
    """The SVG the page shows in the <img> (a blob: URL made from the plot endpoint's answer)."""
    return str(page.evaluate("selector => fetch(document.querySelector(selector).src).then(r => r.text())", selector))


def _texts(svg: str) -> list[str]:
    """Every text of a matplotlib SVG: its glyphs are paths, each text preceded by a comment of it."""
    return [html.unescape(text) for text in re.findall(r"<!-- (.*?) -->", svg)]


def _panel_titles(svg: str, label: str) -> list[str]:
    return [text for text in _texts(svg) if text == label or text.endswith(f"erivative of {label}")]


def _panel_areas(svg: str) -> tuple[dict[str, float], list[tuple[float, float]]]:
    """The top panel's plotting area (left, right, top, bottom) in the SVG's units with the SVG's
    width and height, and the top and bottom of every panel's area: the rectangles drawn with the
    same left and right edges (the panels share the x axis)."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(n) for n in (root.get("viewBox") or "").split())

    def corners(path: ET.Element) -> list[float]:
        return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]

    (area,) = [element for element in root.iter() if element.get("id") == PLOT_AREA_ID]
    (path,) = area.iter(f"{SVG}path")
    numbers = corners(path)
    top = {"left": min(numbers[0::2]), "right": max(numbers[0::2]), "top": min(numbers[1::2])}
    top |= {"bottom": max(numbers[1::2]), "width": width, "height": height}
    panels = []
    for other in root.iter(f"{SVG}path"):
        numbers = corners(other)
        closed = other.get("d", "").rstrip().endswith("z")
        if closed and len(numbers) == 8 and (min(numbers[0::2]), max(numbers[0::2])) == (top["left"], top["right"]):
            panels.append((min(numbers[1::2]), max(numbers[1::2])))
    return top, sorted(panels)


def _requested(log, route: str, *parts: str) -> list[str]:
    """The URLs the page asked for on ``route`` whose query has every one of ``parts``."""
    found = []
    for url in log.requests:
        split = urlsplit(url)
        if split.path == route and all(part in split.query.split("&") for part in parts):
            found.append(url)
    return found


def _hash(page: Page) -> dict[str, list[str]]:
    return parse_qs(str(page.evaluate("window.location.hash")).lstrip("#"))


def _choose_order(page: Page, order: int) -> None:
    # The radio buttons are drawn as segments: a user clicks the segment, which is the label.
    page.click(f"label[for='order-{order}']")
    assert page.is_checked(f"#order-{order}")


def test_order_three_draws_four_panels_and_reads_f2_and_f3(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/#fn=sigmoid")
    page.wait_for_selector("#fn:not([disabled])")
    _wait_for_plot(page, "#plot-figure", "Sigmoid and its derivative for x from -5 to 5")
    # Order 1 by default, as before the control existed: f and f′ panels, f′ in the readout.
    assert page.is_checked("#order-1")
    assert _panel_titles(_shown_svg(page, "#plot"), "Sigmoid") == _titles("Sigmoid", 1)
    assert page.is_visible("#at-dy") and page.is_hidden("#at-d2y") and page.is_hidden("#at-d3y")

    _choose_order(page, 3)
    _wait_for_plot(page, "#plot-figure", "Sigmoid and its first three derivatives for x from -5 to 5")
    assert _requested(log, "/v1/activations/sigmoid/plot", "order=3", "format=svg")
    assert _requested(log, "/v1/activations/sigmoid/values", "order=3", "num=801")
    assert [url for url in log.requests if "derivative=" in url] == []
    # Four panels, f over f′ over f″ over f‴, in the picture the page shows.
    assert _panel_titles(_shown_svg(page, "#plot"), "Sigmoid") == _titles("Sigmoid", 3)
    assert _hash(page)["order"] == ["3"]

    # The readout gives f, f′, f″ and f‴ under the pointer: sigmoid's, s′ = s(1 − s) and so on.
    for output in READOUT:
        assert page.is_visible(f"#{output}")
    box = page.locator("#plot").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.wait_for_function("document.querySelector('#at-x').textContent !== '0'")
    page.wait_for_function("document.querySelector('#at-d3y').textContent !== '–'")
    x = float(page.text_content("#at-x") or "nan")
    y, dy, d2y, d3y = (float(page.text_content(f"#{output}") or "nan") for output in READOUT)
    s = 1 / (1 + math.exp(-x))
    assert -5 < x < 0
    assert y == pytest.approx(s, rel=1e-5)
    assert dy == pytest.approx(s * (1 - s), rel=1e-5)
    assert d2y == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-5)
    assert d3y == pytest.approx(s * (1 - s) * (1 - 6 * s + 6 * s * s), rel=1e-5)

    # The cursor line still runs from x_min to x_max across the top panel's plotting area.
    # It runs from the top of the top panel's plotting area to the foot of the lowest panel's.
    area, panels = _panel_areas(_shown_svg(page, "#plot"))
    assert len(panels) == 4
    page.focus("#plot-figure")
    for key, at, edge in (("Home", -5.0, area["left"]), ("End", 5.0, area["right"])):
        page.keyboard.press(key)
        assert float(page.text_content("#at-x") or "nan") == at
        image, line = page.locator("#plot").bounding_box(), page.locator("#cursor").bounding_box()
        assert image is not None
        assert line is not None, "the cursor line is shown"
        scale = image["height"] / area["height"]
        assert line["x"] == pytest.approx(image["x"] + image["width"] * edge / area["width"], abs=1.5)
        assert line["y"] == pytest.approx(image["y"] + area["top"] * scale, abs=1.5)
        assert line["y"] + line["height"] == pytest.approx(image["y"] + panels[-1][1] * scale, abs=1.5)

    # The downloads and the curl command carry the order; the CSV has the f″ and f‴ columns.
    for kind in ("PNG", "SVG", "CSV"):
        assert "order=3" in urlsplit(page.get_attribute(f"#plot-actions a:has-text('{kind}')", "href")).query.split("&")
    assert "order=3" in (page.text_content("#plot-actions code") or "")
    csv_href = page.get_attribute("#plot-actions a:has-text('CSV')", "href")
    csv = page.request.get(urljoin(page.url, csv_href))
    assert csv.status == 200
    assert csv.text().splitlines()[0].split(",")[-2:] == ["d2y", "d3y"]

    # The analysis gives the largest |f″| on the range and where: sigmoid's is s″ at x = ±1.317.
    page.wait_for_function("[...document.querySelectorAll('#analysis dt')].some(dt => dt.textContent.includes('|f″|'))")
    rows = dict(
        zip(
            page.locator("#analysis dt").all_text_contents(),
            page.locator("#analysis dd").all_text_contents(),
            strict=True,
        )
    )
    (label,) = [label for label in rows if "|f″|" in label]
    assert float(rows[label]) == pytest.approx(math.sqrt(3) / 18, rel=1e-3)
    # Sigmoid is infinitely differentiable: its smoothness tag is C^∞.
    assert page.locator("#props li:has(sup)").all_text_contents() == ["C∞"]
    assert not any("a.e." in tag for tag in page.locator("#props li").all_text_contents())

    # The expression and the comparison are drawn at the same order.
    page.fill("#expr", EXPR)
    page.press("#expr", "Enter")
    _wait_for_plot(page, "#expr-figure", f"f(x) = {EXPR} and its first three derivatives")
    assert _requested(log, "/v1/expressions/plot", "order=3")
    page.select_option("#compare-fn", "tanh")
    page.click("#compare-add")
    page.click("#compare-add-current")
    _wait_for_plot(page, "#compare-figure", "Comparison of Tanh, Sigmoid and their first three derivatives")
    assert _requested(log, "/v1/compare/plot", "f=tanh", "f=sigmoid", "order=3")
    texts = _texts(_shown_svg(page, "#compare-plot"))
    assert [text for text in texts if text.endswith("erivatives")] == [
        "Derivatives",
        "Second derivatives",
        "Third derivatives",
    ]
    assert "order=3" in page.get_attribute("#compare-actions a:has-text('CSV')", "href")
    assert log.errors == []
    assert log.sent_outside() == []


def test_the_address_keeps_the_order(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/#fn=relu&order=2")
    page.wait_for_selector("#fn:not([disabled])")
    _wait_for_plot(page, "#plot-figure", "ReLU and its first two derivatives")
    assert page.is_checked("#order-2")
    assert _requested(log, "/v1/activations/relu/plot", "order=2")
    assert _panel_titles(_shown_svg(page, "#plot"), "ReLU") == _titles("ReLU", 2)
    assert page.is_visible("#at-d2y") and page.is_hidden("#at-d3y")
    # ReLU is continuous but not differentiable at 0 (C⁰), and f″ = 0 everywhere else; the kink
    # tag gives f″ there as well once f″ is drawn.
    tags = page.locator("#props li").all_text_contents()
    assert "C0" in tags and "f″ = 0 a.e." in tags
    assert any(tag.startswith("kink at") and "f″ =" in tag and "f‴" not in tag for tag in tags)

    # Each choice is written to the address; order 1, the default, is left out of it.
    for order in (3, 0, 1):
        _choose_order(page, order)
        page.wait_for_function(
            "order => (new URLSearchParams(location.hash.slice(1)).get('order') ?? '1') === String(order)", arg=order
        )
    assert "order" not in _hash(page)
    _choose_order(page, 0)
    _wait_for_plot(page, "#plot-figure", "ReLU for x from")
    assert page.is_hidden("#at-dy")

    # The address restores it in a new page.
    shared = page.url
    again, again_log = new_page()
    again.goto(shared)
    again.wait_for_selector("#fn:not([disabled])")
    _wait_for_plot(again, "#plot-figure", "ReLU for x from -5 to 5")
    assert again.is_checked("#order-0")
    assert _requested(again_log, "/v1/activations/relu/plot", "order=0")
    assert _panel_titles(_shown_svg(again, "#plot"), "ReLU") == ["ReLU"]
    assert log.errors == [] and again_log.errors == []


@pytest.mark.parametrize(
    ("address", "order"),
    [("fn=elu&derivative=false", 0), ("fn=elu", 1), ("fn=elu&derivative=true", 1), ("fn=elu&order=9", 3)],
    ids=["derivative-false", "no-order", "derivative-true", "order-too-high"],
)
def test_an_address_from_before_the_order_control_still_works(
    new_page, base_url: str, address: str, order: int
) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/#{address}")
    page.wait_for_selector("#fn:not([disabled])")
    _wait_for_new_image(page, "#plot")
    page.wait_for_function("document.querySelector('#plot-figure').getAttribute('aria-busy') === 'false'")
    assert page.is_checked(f"#order-{order}")
    assert _requested(log, "/v1/activations/elu/plot", f"order={order}")
    assert [url for url in log.requests if "derivative=" in url] == []
    assert _panel_titles(_shown_svg(page, "#plot"), "ELU") == _titles("ELU", order)
    assert page.is_visible("#at-dy") == (order >= 1)
    # ELU's note on its higher derivatives at the kink is shown while they are drawn.
    assert page.is_visible("#props-note") == (order >= 2)
    # The address is rewritten in today's terms.
    written = _hash(page)
    assert written.get("order") == (None if order == 1 else [str(order)])
    assert "derivative" not in written
    assert log.errors == []


@pytest.mark.parametrize(
    ("width", "height", "scheme"),
    [(1280, 900, "light"), (390, 844, "light"), (390, 844, "dark")],
    ids=["desktop-light", "mobile-light", "mobile-dark"],
)
def test_order_three_fits_the_screen(new_page, base_url: str, width: int, height: int, scheme: str) -> None:
    page, log = new_page(width=width, height=height, scheme=scheme)
    page.goto(f"{base_url}/#fn=elu&order=3&expr={EXPR}&f=tanh&f=sigmoid")
    page.wait_for_selector("#fn:not([disabled])")
    _wait_for_plot(page, "#plot-figure", "ELU and its first three derivatives")
    _wait_for_plot(page, "#expr-figure", "and its first three derivatives")
    _wait_for_plot(page, "#compare-figure", "and their first three derivatives")
    page.wait_for_selector("#analysis .numbers dd")
    page.wait_for_function("document.querySelector('#at-d3y').textContent !== '–'")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for selector in ("#plot", "#expr-plot", "#compare-plot"):
        # One panel per order, each with its y axis label.
        labels = [text for text in _texts(_shown_svg(page, selector)) if text in Y_LABELS]
        assert labels == list(Y_LABELS), selector
    # The order control and the readout stay within their panels.
    for inner, outer in (("#order .segments", "#controls"), ("#readout", "#plot-figure")):
        a, b = page.locator(inner).bounding_box(), page.locator(outer).bounding_box()
        assert a is not None and b is not None
        assert b["x"] - 0.5 <= a["x"] and a["x"] + a["width"] <= b["x"] + b["width"] + 0.5, inner
    name = f"explorer-order3-{'desktop' if width > 800 else 'mobile'}-{scheme}"
    path = screenshot(page, name)
    ORDER_SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copy(path, ORDER_SCREENSHOTS / path.name)
    page.screenshot(path=str(ORDER_SCREENSHOTS / f"{name}-viewport.png"))
    assert log.errors == []
    assert log.sent_outside() == []


def test_a_server_without_the_order_parameter_gets_f_and_f_prime_only(new_page, base_url: str) -> None:
    """An older server's OpenAPI document declares derivative=true/false and no order."""
    page, log = new_page()

    def without_order(route) -> None:
        response = route.fetch()
        document = response.json()
        for item in document["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and "parameters" in operation:
                    operation["parameters"] = [p for p in operation["parameters"] if p.get("name") != "order"]
        route.fulfill(response=response, json=document)

    page.route("**/openapi.json", without_order)
    page.goto(f"{base_url}/#fn=relu&order=3")
    page.wait_for_selector("#fn:not([disabled])")
    _wait_for_plot(page, "#plot-figure", "ReLU and its derivative for x from")
    assert page.is_checked("#order-1")
    assert page.is_disabled("#order-2") and page.is_disabled("#order-3")
    assert [url for url in log.requests if "order=" in url] == []
    _choose_order(page, 0)
    _wait_for_plot(page, "#plot-figure", "ReLU for x from")
    assert _requested(log, "/v1/activations/relu/plot", "derivative=false")
    assert _requested(log, "/v1/activations/relu/values", "derivative=false")
    assert _panel_titles(_shown_svg(page, "#plot"), "ReLU") == ["ReLU"]
    assert page.is_hidden("#at-dy")
    assert _hash(page)["order"] == ["0"]
    assert log.errors == []
