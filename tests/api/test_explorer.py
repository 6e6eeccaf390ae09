"""The explorer page at / and its static files are served by the app."""

import re

from fastapi.testclient import TestClient


def test_explorer_page_is_served_at_root(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<select id="fn"' in response.text


def test_every_file_the_page_names_is_served_from_static(client: TestClient) -> None:
    html = client.get("/").text
    urls = [u for u in re.findall(r'(?:src|href)="([^"#]+)"', html) if u.startswith("/static/")]
    assert {"/static/explorer.js", "/static/explorer.css", "/static/favicon.svg"} <= set(urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content, url


def test_page_loads_nothing_from_other_hosts(client: TestClient) -> None:
    html = client.get("/").text
    script = client.get("/static/explorer.js").text
    css = client.get("/static/explorer.css").text
    for text in (html, script, css):
        assert not re.search(r"""(?:src|href)=["']https?://|url\(\s*["']?https?://|@import""", text)
    assert 'fetch("http' not in script


def test_unknown_static_file_is_a_404(client: TestClient) -> None:
    assert client.get("/static/nope.js").status_code == 404
