"""Every service URL the README gives a reader to paste answers as it says, with no error."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
URLS = sorted(set(re.findall(r"http://127\.0\.0\.1:8000(/v1/[^\s|`'<>]+)", README)))


def test_the_lesson_gives_urls_in_both_languages() -> None:
    lesson = README[README.index("## For a lesson") : README.index("## In a container")]
    assert "### 授業で使うには" in lesson
    assert sum("lang=ja" in url for url in URLS) >= 5
    assert len(URLS) >= 20


@pytest.mark.parametrize("url", URLS)
def test_a_readme_url_answers(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    kind = response.headers["content-type"]
    if "/plot" in urlsplit(url).path:
        assert kind in {"image/png", "image/svg+xml"}
    else:
        assert kind.startswith(("application/json", "text/csv"))
