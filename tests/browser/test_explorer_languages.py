"""The explorer in English and Japanese: it follows the browser's language, has a switch the address
keeps, and says what went wrong in the reader's language; screenshots of both at two widths."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Route

from .conftest import screenshot
from .test_explorer_page import _requested, _wait_for_new_image

HEADINGS = {"en": "Activation functions", "ja": "活性化関数"}
PLOT_HEADINGS = {"en": "Plot", "ja": "グラフ"}


def _ready(page: Page) -> None:
    page.wait_for_selector("#fn:not([disabled])")
    _wait_for_new_image(page, "#plot")


def _language(page: Page) -> str:
    return str(page.evaluate("document.documentElement.lang"))


def _fonts_ready(page: Page) -> None:
    """Until every web font the page asked for has arrived (the Japanese one, where it is used)."""
    page.wait_for_function("document.fonts.status === 'loaded'")


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("ja-JP", "ja"), ("ja", "ja"), ("en-US", "en"), ("fr-FR", "en")],
)
def test_the_page_speaks_the_browsers_language(new_page, base_url: str, locale: str, lang: str) -> None:
    page, log = new_page(locale=locale)
    page.goto(f"{base_url}/")
    _ready(page)
    assert _language(page) == lang
    assert page.text_content("h1") == HEADINGS[lang]
    assert page.text_content("#plot-title") == PLOT_HEADINGS[lang]
    assert page.get_attribute(f".lang-switch [data-lang={lang}]", "aria-pressed") == "true"
    # The browser's own language is not written into the address: a shared link follows its reader's.
    assert "lang" not in parse_qs(urlsplit(page.url).fragment)
    assert log.errors == []


def test_the_switch_translates_the_page_and_the_address_keeps_it(new_page, base_url: str) -> None:
    page, log = new_page(locale="en-US")
    page.goto(f"{base_url}/#fn=relu")
    _ready(page)
    page.wait_for_selector("#analysis .numbers dd")
    english_tags = page.locator("#props li").all_text_contents()
    assert "monotonic" in english_tags and "sparse" in english_tags

    page.click(".lang-switch [data-lang=ja]")
    page.wait_for_function("document.documentElement.lang === 'ja'")
    assert page.text_content("h1") == HEADINGS["ja"]
    assert page.get_attribute(".lang-switch [data-lang=ja]", "aria-pressed") == "true"
    assert page.get_attribute(".lang-switch [data-lang=en]", "aria-pressed") == "false"
    # Fixed words, words made by the scripts (tags, buttons, analysis) and attributes, all Japanese.
    page.wait_for_function("[...document.querySelectorAll('#props li')].some(li => li.textContent === '単調')")
    tags = page.locator("#props li").all_text_contents()
    assert "単調" in tags and "スパース" in tags and "左で飽和" in tags
    assert not any(tag in tags for tag in english_tags if re.search(r"[a-z]{4}", tag) and "PyTorch" not in tag)
    page.wait_for_function("document.querySelector('#plot-actions button').textContent === 'curl をコピー'")
    assert page.get_attribute("#x_min-range", "aria-label") == "x の最小値のスライダー"
    page.wait_for_function("[...document.querySelectorAll('#analysis h3')].some(h => h.textContent === 'スパース性')")
    assert parse_qs(urlsplit(page.url).fragment)["lang"] == ["ja"]

    # The address keeps the choice, against an English browser.
    again, again_log = new_page(locale="en-US")
    again.goto(page.url)
    _ready(again)
    assert _language(again) == "ja"
    assert again.text_content("h1") == HEADINGS["ja"]

    # And back to English.
    again.click(".lang-switch [data-lang=en]")
    again.wait_for_function("document.documentElement.lang === 'en'")
    assert again.text_content("h1") == HEADINGS["en"]
    assert parse_qs(urlsplit(again.url).fragment)["lang"] == ["en"]
    assert log.errors == [] and again_log.errors == []


def test_plots_are_asked_for_in_japanese_where_the_route_takes_lang(new_page, base_url: str) -> None:
    """lang=ja goes to every plot route that declares it (here declared by the document the page reads)."""
    page, log = new_page(locale="ja-JP")
    declared = []

    def with_lang(route: Route) -> None:
        response = route.fetch()
        document = response.json()
        for path, item in document["paths"].items():
            operation = item.get("get", {})
            names = [p.get("name") for p in operation.get("parameters", [])]
            if path.endswith("/plot") and "lang" not in names:
                operation.setdefault("parameters", []).append(
                    {"name": "lang", "in": "query", "schema": {"enum": ["en", "ja"], "type": "string"}}
                )
            if path.endswith("/plot"):
                declared.append(path)
        route.fulfill(response=response, json=document)

    page.route("**/openapi.json", with_lang)
    # The pictures themselves are not the subject here: any answer will do, even from a server
    # that does not take lang yet.
    page.goto(f"{base_url}/#fn=elu&alpha=2&expr=2*sigmoid(2*x)-1&f=tanh&f=sigmoid")
    page.wait_for_selector("#fn:not([disabled])")
    for route in ("/v1/activations/elu/plot", "/v1/expressions/plot", "/v1/compare/plot"):
        page.wait_for_function(
            "route => performance.getEntriesByType('resource').some(e => e.name.includes(route + '?'))", arg=route
        )
        assert _requested(log, route, "lang=ja"), route
    assert "/v1/activations/{name}/plot" in declared
    # The values (numbers, no words) are never asked for in a language.
    assert [url for url in log.requests if "/values?" in url and "lang=" in url] == []


def test_a_failed_request_says_why_in_japanese_and_clears_the_plot(new_page, base_url: str) -> None:
    page, log = new_page(locale="ja-JP")
    page.goto(f"{base_url}/")
    _ready(page)
    page.fill("#expr", "2*sigmoid(2*x)-1")
    page.press("#expr", "Enter")
    _wait_for_new_image(page, "#expr-plot")
    assert page.is_visible("#expr-actions")

    page.fill("#expr", "sigmod(x)")
    page.press("#expr", "Enter")
    page.wait_for_selector("#expr-error:not([hidden])")
    heading = page.text_content("#expr-error .error-heading") or ""
    detail = page.text_content("#expr-error .error-detail") or ""
    assert heading.startswith("サービスの応答 422")
    # The service's own words, in English, marked so, each suggestion once.
    assert page.get_attribute("#expr-error .error-detail", "lang") == "en"
    assert "unknown function or name 'sigmod'" in detail
    suggested = re.search(r"did you mean ([^?]*)\?", detail)
    assert suggested is not None
    names = [name.strip() for name in suggested.group(1).split(",")]
    assert "sigmoid" in names and len(names) == len(set(names))
    # Neither the old picture nor downloads of the failing request stay.
    assert page.get_attribute("#expr-plot", "src") is None
    assert page.is_hidden("#expr-figure") and page.is_hidden("#expr-actions")
    assert log.sent_outside() == []


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize(("width", "height", "screen"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_screenshots_in_both_languages(
    new_page, base_url: str, lang: str, width: int, height: int, screen: str
) -> None:
    page, log = new_page(width=width, height=height, locale="ja-JP" if lang == "ja" else "en-US")
    page.goto(f"{base_url}/#fn=elu&alpha=2&expr=2*sigmoid(2*x)-1&f=tanh&f=sigmoid")
    _ready(page)
    for selector in ("#expr-plot", "#compare-plot"):
        _wait_for_new_image(page, selector)
    page.wait_for_selector("#analysis .numbers dd")
    # The claims are computed once the reader reaches them.
    for panel in ("flow", "dead", "cost"):
        page.locator(f"#{panel}").scroll_into_view_if_needed()
        page.wait_for_selector(f"#{panel}-numbers table tbody tr")
    for panel in ("flow", "dead"):
        _wait_for_new_image(page, f"#{panel}-plot")
    page.evaluate("window.scrollTo(0, 0)")
    _fonts_ready(page)
    assert _language(page) == lang
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Japanese text is drawn in a font that has it (the page's web font where the system has none).
    if lang == "ja":
        assert page.evaluate("document.fonts.check('16px IPAexGothic', '活性化関数')")
    screenshot(page, f"explorer-{lang}-{screen}")
    assert log.errors == []
    assert log.sent_outside() == []


def test_screenshot_of_a_slide_figure_at_font_scale_two(new_page, base_url: str) -> None:
    page, _ = new_page(width=1600, height=900)
    address = f"{base_url}/v1/activations/elu/plot?alpha=2&width=1600&height=900&font_scale=2&format=png"
    response = page.goto(address)
    assert response is not None
    assert response.status == 200, json.dumps(response.json()) if response.status == 422 else response.status
    assert response.headers["content-type"] == "image/png"
    size = page.evaluate("[document.images[0].naturalWidth, document.images[0].naturalHeight]")
    assert size == [1600, 900]
    screenshot(page, "slide-elu-alpha-2-font-scale-2", full_page=False)
