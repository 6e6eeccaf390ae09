"""The explorer page at / and its static files are served by the app."""

import re
from collections import Counter
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.curves import MAX_ORDER
from app.render import PLOT_AREA_ID

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
# A /v1 path as written in JavaScript, with its placeholders: {name} in a template, ${...} in code.
V1_PATH = re.compile(r"/v1(?:/(?:\$?\{[^}]*\}|[\w.-]+))*")


def _modules() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(STATIC.glob("*.js"))}


def _imports(script: str) -> list[str]:
    return re.findall(r"""^import\s[^;]*?from\s+"(\./[\w.-]+\.js)";""", script, flags=re.MULTILINE)


def test_explorer_page_is_served_at_root(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<select id="fn"' in response.text


def test_every_file_the_page_names_is_served_from_static(client: TestClient) -> None:
    html = client.get("/").text
    urls = [u for u in re.findall(r'(?:src|href)="([^"#]+)"', html) if u.startswith("static/")]
    assert {"static/main.js", "static/explorer.css", "static/favicon.svg"} <= set(urls)
    for url in urls:
        response = client.get(f"/{url}")
        assert response.status_code == 200, url
        assert response.content, url


def test_the_page_is_native_es_modules_all_served_as_javascript(client: TestClient) -> None:
    html = client.get("/").text
    assert '<script type="module" src="static/main.js"></script>' in html
    # Every module that main.js imports, directly or not, is served with a JavaScript type.
    seen: set[str] = set()
    todo = ["main.js"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript"), name
        todo += [relative.removeprefix("./") for relative in _imports(response.text)]
    # ... and nothing in app/static is left out of the page.
    assert seen == set(_modules())


def test_no_v1_path_is_written_twice_and_only_the_api_client_names_them() -> None:
    paths = Counter()
    for name, script in _modules().items():
        found = [re.sub(r"\$?\{[^}]*\}", "{}", path) for path in V1_PATH.findall(script)]
        paths.update(found)
        if name != "api.js":
            assert found == [], f"{name} should use ROUTES from api.js"
    assert paths, "the API client names the routes"
    assert [path for path, count in paths.items() if count > 1] == []


def test_every_route_the_explorer_names_is_in_the_openapi_document(client: TestClient) -> None:
    api = _modules()["api.js"]
    table = api[api.index("export const ROUTES = {") : api.index("};")]
    routes = re.findall(r'^\s+\w+: "([^"]+)",$', table, flags=re.MULTILINE)
    assert len(routes) >= 9
    paths = client.get("/openapi.json").json()["paths"]
    assert [route for route in routes if route != "/openapi.json" and route not in paths] == []


def test_the_explorer_finds_the_plot_area_by_the_id_the_renderer_gives_it() -> None:
    assert f'const PLOT_AREA_ID = "{PLOT_AREA_ID}";' in _modules()["plot.js"]
    assert "axes_1" not in "".join(_modules().values())


def test_the_order_control_offers_every_order_the_api_draws(client: TestClient) -> None:
    html = client.get("/").text
    radios = re.findall(r'<input type="radio" name="order" id="order-(\d+)" value="(\d+)"', html)
    assert radios == [(str(order), str(order)) for order in range(MAX_ORDER + 1)]
    assert 'id="derivative"' not in html, "the order control replaced the derivative checkbox"
    assert f"export const MAX_ORDER = {MAX_ORDER};" in _modules()["state.js"]


def _resolve(document: dict, schema: dict) -> list[dict]:
    """A schema and its alternatives (anyOf, oneOf, allOf), each with its $ref followed."""
    while "$ref" in schema:
        node = document
        for key in schema["$ref"].removeprefix("#/").split("/"):
            node = node[key]
        schema = node
    found = [schema]
    for alternative in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        found += _resolve(document, alternative)
    return found


def test_the_precision_control_offers_every_dtype_the_api_computes_in(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    (parameter,) = [
        p for p in document["paths"]["/v1/activations/{name}/values"]["get"]["parameters"] if p["name"] == "dtype"
    ]
    (enum,) = [schema["enum"] for schema in _resolve(document, parameter["schema"]) if "enum" in schema]
    listed = re.search(r"^export const DTYPES = \[([^\]]*)\];$", _modules()["state.js"], flags=re.MULTILINE)
    assert listed is not None
    assert re.findall(r'"(\w+)"', listed.group(1)) == enum
    assert 'export const DEFAULT_DTYPE = "float64";' in _modules()["state.js"]
    html = client.get("/").text
    assert '<select id="dtype" name="dtype"' in html


def test_page_loads_nothing_from_other_hosts(client: TestClient) -> None:
    html = client.get("/").text
    scripts = [client.get(f"/static/{name}").text for name in _modules()]
    css = client.get("/static/explorer.css").text
    for text in (html, *scripts, css):
        assert not re.search(r"""(?:src|href)=["']https?://|url\(\s*["']?https?://|@import""", text)
    for script in scripts:
        assert 'fetch("http' not in script
        assert not re.search(r"""^import\s[^;]*?from\s+["'](?!\./)""", script, flags=re.MULTILINE)


def test_unknown_static_file_is_a_404(client: TestClient) -> None:
    assert client.get("/static/nope.js").status_code == 404


def test_the_page_names_every_url_relative_to_a_base_at_the_apps_root() -> None:
    from app.main import app

    # Behind a proxy that keeps a path prefix, the app's root_path is the prefix: the page's <base>.
    with TestClient(app, root_path="/prefix") as prefixed:
        html = prefixed.get("/").text
    assert '<base href="/prefix/">' in html
    with TestClient(app) as plain:
        assert '<base href="/">' in plain.get("/").text
    # No URL of the page or its scripts starts at the host's root, which the prefix would miss.
    assert re.findall(r'(?<!<base )(?:src|href)="/', html) == []
    for name, script in _modules().items():
        assert not re.search(r"""fetch\(\s*["'`]/|request\(\s*["'`]/""", script), name
    assert 'url("../fonts/ipaexg.ttf")' in (STATIC / "explorer.css").read_text()


def test_the_japanese_font_is_served_for_browsers_without_one(client: TestClient) -> None:
    response = client.get("/fonts/ipaexg.ttf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "font/ttf"
    assert response.content[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true")


def _table(script: str, lang: str) -> set[str]:
    """The keys of one language's table in i18n.js."""
    start = script.index(f"  {lang}: {{\n")
    end = script.index("\n  },\n", start)
    return set(re.findall(r'^    "([\w.]+)":', script[start:end], flags=re.MULTILINE))


def test_every_string_has_its_japanese_and_every_key_used_exists() -> None:
    modules = _modules()
    english, japanese = _table(modules["i18n.js"], "en"), _table(modules["i18n.js"], "ja")
    assert len(english) > 150
    assert english == japanese
    used = set()
    for script in modules.values():
        used |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", script))
    used |= set(re.findall(r'data-i18n(?:-[\w-]+)?="([\w.]+)"', (STATIC / "index.html").read_text()))
    # Keys built from a value (an analysis field, an initialisation) are checked by their prefix.
    assert used - english == set()
    assert {"init.he", "init.xavier", "init.lecun", "init.normal", "an.sparsity", "an.argmax"} <= english
