"""The explorer's precision control (dtype=float64|float32|float16|bfloat16) and its Precision panel,
in a real browser against the real server."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import numpy as np
import pytest
from playwright.sync_api import Page

from .conftest import screenshot
from .test_explorer_page import _choose_order, _hash, _requested, _wait_for_plot

DTYPE_SCREENSHOTS = Path("/tmp/explorer-dtype")
DTYPES = ["float64", "float32", "float16", "bfloat16"]


def _ready(page: Page) -> None:
    page.wait_for_selector("#fn:not([disabled])")


def _choose_dtype(page: Page, dtype: str) -> None:
    page.select_option("#dtype", dtype)
    assert page.input_value("#dtype") == dtype


def _number(text: str) -> float:
    """The number in a cell such as "x ≥ 8.32031" or an output such as "-0.25"."""
    return float(text.split()[-1].replace("−", "-"))


def _precision_rows(page: Page, box: str = "#precision") -> dict[str, list[str]]:
    rows = {}
    for row in page.locator(f"{box} table.precision-table:not(.more-table) tbody tr").all():
        rows[str(row.get_attribute("data-dtype"))] = [cell.strip() for cell in row.locator("td").all_text_contents()]
    return rows


def test_float16_is_asked_for_by_every_plot_the_cursor_and_the_downloads(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/#fn=sigmoid&expr=2*sigmoid(2*x)-1&f=tanh&f=sigmoid")
    _ready(page)
    _wait_for_plot(page, "#plot-figure", "Sigmoid and its derivative for x from -5 to 5")
    # float64 is the default, and then no request says dtype= at all.
    assert page.input_value("#dtype") == "float64"
    assert page.locator("#dtype option").all_inner_texts() == DTYPES
    assert [url for url in log.requests if "dtype=" in url] == []
    assert page.is_hidden("#readout-dtype") and page.is_hidden("#readout-error")

    _choose_dtype(page, "float16")
    _wait_for_plot(page, "#plot-figure", "Sigmoid and its derivative for x from -5 to 5, computed in float16")
    assert _requested(log, "/v1/activations/sigmoid/plot", "dtype=float16", "order=1", "format=svg")
    assert _requested(log, "/v1/activations/sigmoid/values", "dtype=float16", "num=801")
    _wait_for_plot(page, "#expr-figure", "computed in float16")
    assert _requested(log, "/v1/expressions/plot", "dtype=float16")
    _wait_for_plot(page, "#compare-figure", "computed in float16")
    assert _requested(log, "/v1/compare/plot", "f=tanh", "f=sigmoid", "dtype=float16")
    assert _hash(page)["dtype"] == ["float16"]

    # The downloads and the curl command of every plot carry it, and they work.
    for actions in ("#plot-actions", "#expr-actions", "#compare-actions"):
        for kind in ("PNG", "SVG", "CSV"):
            href = page.get_attribute(f"{actions} a:has-text('{kind}')", "href")
            assert "dtype=float16" in urlsplit(href).query.split("&"), (actions, kind)
        assert "dtype=float16" in (page.text_content(f"{actions} code") or "")
    for kind in ("PNG", "CSV"):
        href = page.get_attribute(f"#plot-actions a:has-text('{kind}')", "href")
        assert page.request.get(urljoin(page.url, href)).status == 200, href

    # The readout shows the float16 values the values request answers, tagged float16, with the
    # errors of the answer under it.
    page.wait_for_selector("#readout-dtype:not([hidden])")
    assert page.text_content("#readout-dtype") == "float16"
    values_url = _requested(log, "/v1/activations/sigmoid/values", "dtype=float16")[-1]
    data = page.request.get(values_url).json()
    assert data["dtype"] == "float16"
    assert "error" in data
    assert page.is_visible("#readout-error")
    assert "float16" in (page.text_content("#readout-error") or "")
    box = page.locator("#plot").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.3)
    page.wait_for_function("document.querySelector('#at-x').textContent !== '0'")
    x, y, dy = (_number(page.text_content(f"#{name}") or "nan") for name in ("at-x", "at-y", "at-dy"))
    i = min(range(len(data["x"])), key=lambda k: abs(data["x"][k] - x))
    assert x == pytest.approx(data["x"][i], rel=1e-5)
    assert y == pytest.approx(data["y"][i], rel=1e-5)
    assert dy == pytest.approx(data["dy"][i], rel=1e-5, abs=1e-12)
    # ... which are float16 numbers (shown to 6 digits), not float64 ones.
    for value in (y, dy):
        assert float(np.float16(value)) == pytest.approx(value, rel=1e-5)
    assert page.locator("#readout-error").is_visible()

    # Back to float64: no dtype in what is asked for from then on, nor in the address.
    before = len(log.requests)
    _choose_dtype(page, "float64")
    _wait_for_plot(page, "#plot-figure", "Sigmoid and its derivative for x from -5 to 5")
    page.wait_for_selector("#readout-dtype[hidden]", state="attached")
    assert [url for url in log.requests[before:] if "dtype=" in url] == []
    assert "dtype" not in _hash(page)
    assert log.errors == []
    assert log.sent_outside() == []


def test_orders_above_one_are_disabled_in_a_low_precision(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/#fn=elu&order=3")
    _ready(page)
    _wait_for_plot(page, "#plot-figure", "ELU and its first three derivatives")
    help_text = page.text_content("#order-help")
    assert page.is_enabled("#order-2") and page.is_enabled("#order-3")

    # float16 brings the order down to f′ and says why.
    _choose_dtype(page, "float16")
    _wait_for_plot(page, "#plot-figure", "ELU and its derivative for x from -5 to 5, computed in float16")
    assert page.is_checked("#order-1")
    assert page.is_disabled("#order-2") and page.is_disabled("#order-3")
    assert page.is_enabled("#order-0") and page.is_enabled("#order-1")
    assert "float64" in (page.text_content("#order-help") or "")
    assert page.text_content("#order-help") != help_text
    assert [url for url in log.requests if "dtype=" in url and any(f"order={k}" in url for k in (2, 3))] == []
    assert page.is_hidden("#readout-d2y") and page.is_hidden("#readout-d3y")
    # f alone is still fine in float16.
    _choose_order(page, 0)
    _wait_for_plot(page, "#plot-figure", "ELU for x from -5 to 5, computed in float16")
    assert _requested(log, "/v1/activations/elu/plot", "order=0", "dtype=float16")
    _choose_order(page, 1)

    # Every precision but float64 is limited alike; float64 gives f″ and f‴ back.
    for dtype in ("float32", "bfloat16"):
        _choose_dtype(page, dtype)
        assert page.is_disabled("#order-2") and page.is_disabled("#order-3")
    _choose_dtype(page, "float64")
    assert page.is_enabled("#order-2") and page.is_enabled("#order-3")
    assert page.text_content("#order-help") == help_text
    _choose_order(page, 2)
    _wait_for_plot(page, "#plot-figure", "ELU and its first two derivatives for x from -5 to 5")
    assert "computed in" not in str(page.get_attribute("#plot", "alt"))
    assert log.errors == []


def test_the_address_keeps_the_dtype(new_page, base_url: str) -> None:
    page, log = new_page()
    # An order the precision does not allow falls back to f′, and the address is rewritten so.
    page.goto(f"{base_url}/#fn=softplus&beta=2&dtype=bfloat16&order=3")
    _ready(page)
    _wait_for_plot(page, "#plot-figure", "computed in bfloat16")
    assert page.input_value("#dtype") == "bfloat16"
    assert page.is_checked("#order-1")
    assert _requested(log, "/v1/activations/softplus/plot", "beta=2", "dtype=bfloat16")
    written = _hash(page)
    assert written["dtype"] == ["bfloat16"] and "order" not in written and written["beta"] == ["2"]

    _choose_dtype(page, "float16")
    page.wait_for_function("new URLSearchParams(location.hash.slice(1)).get('dtype') === 'float16'")
    shared = page.url

    # The address restores it in a new page.
    again, again_log = new_page()
    again.goto(shared)
    _ready(again)
    _wait_for_plot(again, "#plot-figure", "computed in float16")
    assert again.input_value("#dtype") == "float16"
    assert _requested(again_log, "/v1/activations/softplus/values", "beta=2", "dtype=float16")
    assert again.is_disabled("#order-2")

    # Addresses from before the control (no dtype) are float64, and so is a dtype nobody offers.
    for address in ("fn=softplus&order=2", "fn=softplus&order=2&dtype=float8"):
        old, old_log = new_page()
        old.goto(f"{base_url}/#{address}")
        _ready(old)
        _wait_for_plot(old, "#plot-figure", "Softplus and its first two derivatives for x from -5 to 5")
        assert old.input_value("#dtype") == "float64"
        assert old.is_checked("#order-2")
        assert [url for url in old_log.requests if "dtype=" in url] == []
        assert "dtype" not in _hash(old)
        assert old_log.errors == []
    assert log.errors == [] and again_log.errors == []


def test_the_precision_panel_gives_where_f_prime_rounds_to_zero(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/#fn=sigmoid")
    _ready(page)
    page.wait_for_selector("#precision table tbody tr[data-dtype='float16']")
    answer = page.request.get(f"{base_url}/v1/activations/sigmoid/precision")
    assert answer.status == 200
    expected = {item["dtype"]: item for item in answer.json()["dtypes"]}
    rows = _precision_rows(page)
    assert list(rows) == list(expected)
    assert {"float64", "float16", "bfloat16"} <= set(rows)
    for dtype, (upward, downward) in rows.items():
        for text, key, sign in ((upward, "zero_gradient_from", "≥"), (downward, "zero_gradient_below", "≤")):
            value = expected[dtype][key]
            if value is None:
                assert text == "never", (dtype, key)
            else:
                assert text.startswith(f"x {sign} "), (dtype, key, text)
                assert _number(text) == pytest.approx(value, rel=1e-5), (dtype, key)
    # Sigmoid's f′ is exactly 0 in float16 from x ≈ 8.32 on: s(x) rounds to 1 and 1 − s to 0.
    assert expected["float16"]["zero_gradient_from"] == pytest.approx(8.32, abs=0.005)
    assert rows["float16"][0].startswith("x ≥ 8.32")
    # In float64 it happens much further out.
    assert _number(rows["float64"][0]) > 30

    # The row of the precision drawn is marked: float64 at first, then float16.
    assert page.get_attribute("#precision tr.current", "data-dtype") == "float64"
    _choose_dtype(page, "float16")
    page.wait_for_selector("#precision tr.current[data-dtype='float16']")
    assert page.locator("#precision tr[aria-current]").count() == 1
    # The precision numbers do not depend on the precision drawn: no new request for them.
    assert len(_requested(log, "/v1/activations/sigmoid/precision")) == 1

    # The other numbers of the answer are a click away, named by the endpoint's schema.
    page.click("#precision summary:has-text('More numbers')")
    assert page.locator("#precision .more-table tbody tr").count() >= 1

    assert log.errors == []
    assert log.sent_outside() == []

    # With the function's parameters: softplus with beta=2.
    other, other_log = new_page()
    other.goto(f"{base_url}/#fn=softplus&beta=2")
    _ready(other)
    other.wait_for_selector("#precision table tbody tr[data-dtype='float16']")
    assert _requested(other_log, "/v1/activations/softplus/precision", "beta=2")
    answer = other.request.get(f"{base_url}/v1/activations/softplus/precision?beta=2").json()
    value = {item["dtype"]: item for item in answer["dtypes"]}["float16"]["zero_gradient_below"]
    cell = _precision_rows(other)["float16"][1]
    if value is None:
        assert cell == "never"
    else:
        assert _number(cell) == pytest.approx(value, rel=1e-5)
    assert other_log.errors == []


def test_an_expression_gets_its_precision_table(new_page, base_url: str) -> None:
    page, log = new_page()
    page.goto(f"{base_url}/#fn=relu")
    _ready(page)
    page.fill("#expr", "2*sigmoid(2*x)-1")
    page.press("#expr", "Enter")
    page.wait_for_selector("#expr-precision table tbody tr[data-dtype='float16']")
    asked = [parse_qs(urlsplit(url).query) for url in _requested(log, "/v1/expressions/precision")]
    assert {"expr": ["2*sigmoid(2*x)-1"]} in asked
    answer = page.request.get(f"{base_url}/v1/expressions/precision", params={"expr": "2*sigmoid(2*x)-1"}).json()
    expected = {item["dtype"]: item for item in answer["dtypes"]}
    for dtype, (upward, _) in _precision_rows(page, "#expr-precision").items():
        value = expected[dtype]["zero_gradient_from"]
        if value is None:
            assert upward == "never", dtype
        else:
            assert _number(upward) == pytest.approx(value, rel=1e-5), dtype
    # An expression the service refuses shows its error once, under the input, not a second time.
    page.fill("#expr", "2*sigmoid(2*x")
    page.press("#expr", "Enter")
    page.wait_for_selector("#expr-error:not([hidden])")
    page.wait_for_selector("#expr-precision", state="hidden")
    assert log.sent_outside() == []


def test_a_server_without_dtype_keeps_the_explorer_as_it_was(new_page, base_url: str) -> None:
    """An older server's OpenAPI document has no dtype parameter and no precision routes."""
    page, log = new_page()

    def without_dtype(route) -> None:
        response = route.fetch()
        document = response.json()
        document["paths"] = {path: item for path, item in document["paths"].items() if "precision" not in path}
        for item in document["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and "parameters" in operation:
                    operation["parameters"] = [p for p in operation["parameters"] if p.get("name") != "dtype"]
        route.fulfill(response=response, json=document)

    page.route("**/openapi.json", without_dtype)
    page.goto(f"{base_url}/#fn=sigmoid&dtype=float16&order=3")
    _ready(page)
    _wait_for_plot(page, "#plot-figure", "Sigmoid and its first three derivatives for x from -5 to 5")
    page.wait_for_selector("#analysis .numbers dd")
    assert page.is_hidden("#dtype-field")
    assert page.is_hidden("#precision-panel")
    assert page.is_enabled("#order-3") and page.is_checked("#order-3")
    assert [url for url in log.requests if "dtype=" in url or urlsplit(url).path.endswith("/precision")] == []
    assert "dtype" not in _hash(page)
    assert log.errors == []


@pytest.mark.parametrize(
    ("width", "height", "scheme"),
    [(1280, 900, "light"), (390, 844, "light"), (390, 844, "dark")],
    ids=["desktop-light", "mobile-light", "mobile-dark"],
)
def test_float16_fits_the_screen(new_page, base_url: str, width: int, height: int, scheme: str) -> None:
    page, log = new_page(width=width, height=height, scheme=scheme)
    page.goto(f"{base_url}/#fn=sigmoid&dtype=float16&expr=2*sigmoid(2*x)-1&f=tanh&f=sigmoid")
    _ready(page)
    _wait_for_plot(page, "#plot-figure", "computed in float16")
    _wait_for_plot(page, "#expr-figure", "computed in float16")
    _wait_for_plot(page, "#compare-figure", "computed in float16")
    page.wait_for_selector("#analysis .numbers dd")
    page.wait_for_selector("#precision tr.current[data-dtype='float16']")
    page.wait_for_selector("#expr-precision tr.current[data-dtype='float16']")
    page.wait_for_selector("#readout-error:not([hidden])")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The controls, the readout and the precision table stay within their panels.
    inside = (
        ("#order .segments", "#controls"),
        ("#dtype", "#controls"),
        ("#dtype-help", "#controls"),
        ("#readout", "#plot-figure"),
        ("#readout-error", "#plot-figure"),
        ("#precision table", "#precision-panel"),
        ("#expr-precision table", "section[aria-labelledby='expr-title']"),
    )
    for inner, outer in inside:
        a, b = page.locator(inner).first.bounding_box(), page.locator(outer).bounding_box()
        assert a is not None and b is not None
        assert b["x"] - 0.5 <= a["x"] and a["x"] + a["width"] <= b["x"] + b["width"] + 0.5, inner
    # Nothing in the Drawing fieldset overlaps anything else in it.
    boxes = [
        page.locator(selector).bounding_box()
        for selector in ("#order .segments", "#order-help", "label[for='dtype']", "#dtype", "#dtype-help", "#grid")
    ]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a is not None and b is not None
            assert a["y"] + a["height"] <= b["y"] + 0.5 or b["x"] + b["width"] <= a["x"] + 0.5
    name = f"explorer-float16-{'desktop' if width > 800 else 'mobile'}-{scheme}"
    path = screenshot(page, name)
    DTYPE_SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copy(path, DTYPE_SCREENSHOTS / path.name)
    page.screenshot(path=str(DTYPE_SCREENSHOTS / f"{name}-viewport.png"))

    # The Precision panel opened: its other numbers (a table that scrolls within the panel on a
    # phone) and the plot of f′ in each precision, which is drawn only now.
    assert _requested(log, "/v1/activations/sigmoid/precision/plot") == []
    page.click("#precision summary:has-text('More numbers')")
    page.click("#precision summary:has-text('Plot f′')")
    page.wait_for_function(
        "() => { const img = document.querySelector('#precision .precision-plot img');"
        " return img && img.complete && img.naturalWidth > 0; }",
    )
    assert len(_requested(log, "/v1/activations/sigmoid/precision/plot", "format=svg", f"theme={scheme}")) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for inner in ("#precision .more-table", "#precision .precision-plot img", "#precision .texts"):
        a, b = page.locator(inner).bounding_box(), page.locator("#precision-panel").bounding_box()
        assert a is not None and b is not None
        if inner.endswith("more-table"):
            wrap = page.locator("#precision .more .table-wrap").bounding_box()
            assert wrap is not None
            a = wrap
        assert b["x"] - 0.5 <= a["x"] and a["x"] + a["width"] <= b["x"] + b["width"] + 0.5, inner
    panel = page.locator("#precision-panel").screenshot(path=str(DTYPE_SCREENSHOTS / f"{name}-precision-open.png"))
    (path.parent / f"{name}-precision-open.png").write_bytes(panel)
    assert log.errors == []
    assert log.sent_outside() == []
