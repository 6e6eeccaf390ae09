"""The explorer's panels of the article's claims, its tags and numbers that follow the analysis, a
failed request that clears the plot, and the page behind a path prefix."""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

from playwright.sync_api import Page, Route

from .test_explorer_page import _requested, _wait_for_new_image


def _ready(page: Page) -> None:
    page.wait_for_selector("#fn:not([disabled])")
    _wait_for_new_image(page, "#plot")


def _table(page: Page, panel: str) -> dict[str, list[str]]:
    """The rows of a claim's table by function name: the text of every cell after the first."""
    rows = {}
    for row in page.locator(f"#{panel}-numbers table tbody tr").all():
        rows[str(row.get_attribute("data-f"))] = [cell.strip() for cell in row.locator("td").all_text_contents()]
    return rows


def _number(text: str) -> float:
    return float(text.replace("%", "").replace("×", "").strip())


def _reach(page: Page, panel: str) -> None:
    page.locator(f"#{panel}").scroll_into_view_if_needed()
    page.wait_for_selector(f"#{panel}-numbers table tbody tr")


def test_gradient_flow_panel_shows_sigmoid_vanishing_and_follows_depth_and_init(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/")
    _ready(page)
    _reach(page, "flow")
    _wait_for_new_image(page, "#flow-plot")
    rows = _table(page, "flow")
    assert list(rows) == ["relu", "sigmoid", "tanh"]
    # The article's claim: sigmoid's gradient shrinks layer by layer; ReLU's keeps its size (He init).
    assert _number(rows["sigmoid"][0]) < 0.5 < 0.9 < _number(rows["relu"][0]) < 1.2
    assert "20" in (page.get_attribute("#flow-plot", "alt") or "")

    first = page.get_attribute("#flow-plot", "src") or ""
    page.fill("#flow-depth", "8")
    page.select_option("#flow-init", "xavier")
    page.check("#flow-f-gelu")
    page.click("#flow-form button[type=submit]")
    _wait_for_new_image(page, "#flow-plot", first)
    page.wait_for_function("document.querySelectorAll('#flow-numbers tbody tr').length === 4")
    sent = _requested(log, "/v1/analysis/gradient-flow", "depth=8", "init=xavier", "f=gelu")
    assert sent and _requested(log, "/v1/analysis/gradient-flow/plot", "depth=8", "init=xavier", "format=svg")
    # Bounded: a small batch, whatever the depth.
    assert all("batch=64" in url for url in log.requests if "/v1/analysis/gradient-flow" in url)
    assert "layer 8" in " ".join(page.locator("#flow-numbers thead th").all_text_contents())
    assert page.is_hidden("#flow-error")
    assert log.errors == []


def test_dead_units_panel_shows_more_dead_relus_at_a_higher_learning_rate(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/")
    _ready(page)
    _reach(page, "dead")
    _wait_for_new_image(page, "#dead-plot")
    low = _number(_table(page, "dead")["relu"][0])
    assert _table(page, "dead")["leaky_relu"][0] == "0 %"

    first = page.get_attribute("#dead-plot", "src") or ""
    page.select_option("#dead-lr", "1")
    _wait_for_new_image(page, "#dead-plot", first)
    page.wait_for_function("document.querySelector('#dead-plot').alt.includes('learning rate 1 ')")
    high = _number(_table(page, "dead")["relu"][0])
    assert high > low
    assert _requested(log, "/v1/analysis/dead-units", "lr=1", "f=relu", "f=leaky_relu")
    assert log.errors == []


def test_cost_panel_measures_each_function_against_relu(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/")
    _ready(page)
    _reach(page, "cost")
    rows = _table(page, "cost")
    assert list(rows) == ["relu", "gelu", "sigmoid", "tanh"]
    for name, (value, derivative, relative) in rows.items():
        assert _number(value) > 0 and _number(derivative) > 0, name
        assert _number(relative) > 0, name
    assert _number(rows["relu"][2]) == 1 or abs(_number(rows["relu"][2]) - 1) < 0.5
    assert page.locator("#cost-numbers .bar-fill").count() == 4
    assert all("n=100000" in url for url in log.requests if "/v1/analysis/cost" in url)

    # No function: nothing is asked for, and the panel says why.
    for name in rows:
        page.uncheck(f"#cost-f-{name}")
    page.click("#cost-form button[type=submit]")
    page.wait_for_selector("#cost-error:not([hidden])")
    assert "at least one" in (page.text_content("#cost-error") or "")
    assert page.locator("#cost-numbers table").count() == 0
    assert log.errors == []


def test_a_failing_claim_clears_its_figure_and_numbers_and_says_why(new_page, base_url: str) -> None:
    page, _ = new_page(locale="ja-JP")
    page.goto(f"{base_url}/")
    _ready(page)
    _reach(page, "dead")
    _wait_for_new_image(page, "#dead-plot")

    def refuse(route: Route) -> None:
        route.fulfill(status=422, json={"detail": "steps is over the limit"})

    page.route("**/v1/analysis/dead-units**", refuse)
    page.select_option("#dead-lr", "2")
    page.wait_for_selector("#dead-error:not([hidden])")
    assert (page.text_content("#dead-error .error-heading") or "").startswith("サービスの応答 422")
    assert page.text_content("#dead-error .error-detail") == "steps is over the limit"
    assert page.is_hidden("#dead-figure")
    assert page.get_attribute("#dead-plot", "src") is None
    assert page.locator("#dead-numbers table").count() == 0


def test_a_failed_plot_clears_the_picture_and_its_downloads(new_page, base_url: str) -> None:
    page, _ = new_page()
    page.goto(f"{base_url}/#fn=sigmoid")
    _ready(page)
    assert page.get_attribute("#plot-actions a:has-text('PNG')", "href")

    def refuse(route: Route) -> None:
        route.fulfill(status=422, json={"detail": [{"loc": ["query", "x_max"], "msg": "too far"}]})

    page.route("**/v1/activations/sigmoid/plot**", refuse)
    page.fill("#x_max", "4")
    page.press("#x_max", "Enter")
    page.wait_for_selector("#plot-error:not([hidden])")
    assert page.text_content("#plot-error .error-heading") == "The service answered 422:"
    assert page.text_content("#plot-error .error-detail") == "x_max: too far"
    assert page.get_attribute("#plot", "src") is None
    assert page.is_hidden("#plot-figure") and page.is_hidden("#plot-actions")
    assert page.locator("#plot-actions a[href]").count() == 0

    # A request that works again brings the picture back, without the error.
    page.unroute("**/v1/activations/sigmoid/plot**")
    page.fill("#x_max", "3")
    page.press("#x_max", "Enter")
    _wait_for_new_image(page, "#plot")
    assert page.is_hidden("#plot-error") and page.is_visible("#plot-actions")


def test_tags_and_numbers_follow_the_analysis_of_elu_with_alpha_2(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/#fn=elu&alpha=2")
    _ready(page)
    page.wait_for_function("[...document.querySelectorAll('#props li')].some(li => li.textContent === 'range [-2, ∞)')")
    tags = page.locator("#props li").all_text_contents()
    assert "range [-1, ∞)" not in tags
    assert "saturates left" in tags and "saturates right" not in tags and "sparse" not in tags
    # f′ jumps from 2 to 1 at 0: not smooth at α = 2, though ELU is C¹ at its default α = 1.
    assert "not smooth" in tags and "smooth" not in tags
    analysis = page.request.get(_requested(log, "/v1/activations/elu/analysis", "alpha=2")[-1]).json()
    assert analysis["output_range"] == [-2.0, None]
    assert analysis["smoothness"] == 0
    assert analysis["saturation"]["left"] is True and analysis["saturation"]["right"] is False
    # The largest |f′| is at x = -3.9e-13 on [-5, 5]: rounding noise, shown as 0.
    assert abs(analysis["gradient"]["argmax"]) < 1e-9
    page.wait_for_selector("#analysis .numbers dd")
    rows = page.locator("#analysis .numbers div").all()
    at_x = [row.locator("dd").text_content() for row in rows if row.locator("dt").text_content() == "at x ="]
    assert at_x and all(text == "0" for text in at_x)

    # The tags follow the parameter: back at alpha = 1, range [-1, ∞).
    page.fill("#param-alpha", "1")
    page.press("#param-alpha", "Enter")
    page.wait_for_function("[...document.querySelectorAll('#props li')].some(li => li.textContent === 'range [-1, ∞)')")
    page.wait_for_function("[...document.querySelectorAll('#props li')].some(li => li.textContent === 'smooth')")
    # ReLU is sparse by its analysis.
    page.select_option("#fn", "relu")
    page.wait_for_function("[...document.querySelectorAll('#props li')].some(li => li.textContent === 'sparse')")
    assert log.errors == []


def test_the_explorer_works_behind_a_path_prefix(new_page, prefixed_url: str) -> None:
    page, log = new_page()
    page.goto(f"{prefixed_url}/#fn=tanh&expr=2*sigmoid(2*x)-1")
    _ready(page)
    _wait_for_new_image(page, "#expr-plot")
    page.wait_for_selector("#analysis .numbers dd")
    _reach(page, "flow")
    _wait_for_new_image(page, "#flow-plot")
    prefix = urlsplit(prefixed_url).path
    # Every request went under the prefix: the page, its modules, the document and the API.
    paths = [urlsplit(url).path for url in log.requests if url.startswith("http")]
    assert paths and [path for path in paths if not path.startswith(f"{prefix}/")] == []
    assert any(path == f"{prefix}/openapi.json" for path in paths)
    # The downloads and the curl command name the prefixed address, and it answers.
    href = page.get_attribute("#plot-actions a:has-text('PNG')", "href") or ""
    absolute = urljoin(page.url, href)
    assert urlsplit(absolute).path == f"{prefix}/v1/activations/tanh/plot"
    assert absolute in (page.text_content("#plot-actions code") or "")
    response = page.request.get(absolute)
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    # The address keeps the view under the prefix.
    assert urlsplit(page.url).path == f"{prefix}/"
    assert parse_qs(urlsplit(page.url).fragment)["fn"] == ["tanh"]
    assert log.errors == []
