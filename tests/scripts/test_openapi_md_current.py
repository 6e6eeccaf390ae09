"""openapi.md is the document the app describes now (`make openapi` rewrites it), and its curl examples work."""

import shlex
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
BASE_URL = "http://127.0.0.1:8000"


def test_openapi_md_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/openapi_md.py", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr or "openapi.md is out of date: run `make openapi` and commit it"


def test_every_curl_example_succeeds(client: TestClient) -> None:
    lines = (ROOT / "openapi.md").read_text().splitlines()
    commands = [shlex.split(line) for line in lines if line.startswith("curl ")]
    assert len(commands) >= 10
    for args in commands:
        url = next(arg for arg in args if arg.startswith(BASE_URL))
        path = url.removeprefix(BASE_URL)
        if "-X" in args:
            method = args[args.index("-X") + 1]
            body = args[args.index("-d") + 1]
            response = client.request(method, path, content=body, headers={"Content-Type": "application/json"})
        else:
            response = client.get(path)
        assert response.status_code == 200, (" ".join(args), response.text[:300])
        if "-o" in args:
            extension = args[args.index("-o") + 1].rsplit(".", 1)[1]
            assert response.headers["content-type"].startswith({"png": "image/png", "svg": "image/svg+xml"}[extension])
