"""/docs and /redoc load every asset from the service itself."""

import re

from fastapi.testclient import TestClient


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_docs_page_loads_swagger_ui_from_the_service(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "SwaggerUIBundle" in response.text
    urls = _asset_urls(response.text)
    assert urls, "the page names its assets"
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "cdn." not in response.text


def test_redoc_page_loads_redoc_from_the_service(client: TestClient) -> None:
    response = client.get("/redoc")
    assert response.status_code == 200
    urls = _asset_urls(response.text)
    assert any(url.endswith("redoc.standalone.js") for url in urls)
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "fonts.googleapis" not in response.text


def test_every_docs_asset_is_served(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        for url in _asset_urls(client.get(page).text):
            response = client.get(url)
            assert response.status_code == 200, url
            assert len(response.content) > 100, url


def test_swagger_ui_asset_is_javascript_and_cacheable(client: TestClient) -> None:
    response = client.get("/docs-assets/swagger-ui-bundle.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "etag" in response.headers
    again = client.get("/docs-assets/swagger-ui-bundle.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_openapi_document_has_no_default_docs_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/docs" not in paths
    assert "/redoc" not in paths
    assert "/" not in paths


def test_docs_pages_forbid_loading_from_other_hosts(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        policy = client.get(page).headers["content-security-policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["img-src"] == "'self' data: blob:"
        assert "http" not in policy
