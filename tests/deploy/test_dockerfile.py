"""The Dockerfile: hadolint-clean, and it installs and starts the service as the Makefile and README do."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import uvicorn

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def _all(keyword: str) -> list[str]:
    return [rest for key, rest in _instructions() if key == keyword]


def _one(keyword: str) -> str:
    found = _all(keyword)
    assert len(found) == 1, f"expected one {keyword}, found {found}"
    return found[0]


def _make_recipe(target: str) -> list[str]:
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def _make_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*\?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, name
    return match.group(1)


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_image_is_a_slim_python() -> None:
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", _one("FROM"))


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    keys = [f"{key} {rest}" for key, rest in _instructions()]
    deps = next(i for i, line in enumerate(keys) if "requirements.txt" in line and line.startswith("RUN"))
    code = next(i for i, line in enumerate(keys) if line.startswith("COPY app"))
    assert deps < code
    copied_before = [line for line in keys[:deps] if line.startswith("COPY")]
    assert copied_before == ["COPY pyproject.toml ./"]


def test_the_dependency_layer_installs_exactly_the_projects_dependencies() -> None:
    run = next(rest for rest in _all("RUN") if "requirements.txt" in rest)
    command = shlex.split(run.split(">")[0])
    assert command[:2] == ["python", "-c"]
    listed = subprocess.run([sys.executable, "-c", command[2]], cwd=ROOT, capture_output=True, text=True, check=True)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert listed.stdout.split("\n")[:-1] == project["dependencies"]
    assert "pip install -r /tmp/requirements.txt" in run


def test_the_code_is_installed_as_the_makefile_installs_it() -> None:
    makefile_installs = [line for line in _make_recipe("$(VENV)/.runtime") if "pip install" in line]
    assert makefile_installs and makefile_installs[0].endswith(" -e .")
    assert any(rest.startswith("pip install --no-deps . ") or rest == "pip install --no-deps ." for rest in _all("RUN"))


def test_the_container_starts_the_app_the_makefile_runs() -> None:
    cmd = json.loads(_one("CMD"))
    make_run = shlex.split(_make_recipe("run")[0])
    assert Path(make_run[0]).name == cmd[0] == "uvicorn"
    assert cmd[1] == make_run[1] == "app.main:app"
    port = cmd[cmd.index("--port") + 1]
    assert port == _one("EXPOSE") == _make_variable("PORT")
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"


def test_worker_count_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    env = dict(pair.split("=", 1) for pair in shlex.split(_one("ENV")))
    assert int(env["WEB_CONCURRENCY"]) >= 1
    assert "--workers" not in json.loads(_one("CMD"))
    # uvicorn reads WEB_CONCURRENCY when --workers is not given.
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert uvicorn.Config("app.main:app").workers == 3


def test_the_container_has_the_environment_make_run_exports() -> None:
    env = dict(pair.split("=", 1) for pair in shlex.split(_one("ENV")))
    exported = re.findall(r"^run: export (\w+) = (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert exported
    for name, value in exported:
        assert env.get(name) == value, name


def test_runs_as_a_non_root_user() -> None:
    user = _one("USER")
    assert user.split(":")[0] not in ("root", "0")
    uid = user.split(":")[0]
    assert any(f"--uid {uid}" in rest for rest in _all("RUN"))


def test_healthcheck_probes_healthz_without_curl() -> None:
    check = _one("HEALTHCHECK")
    command = json.loads(check.split("CMD", 1)[1])
    assert command[0] == "python"
    assert "http://127.0.0.1:8000/healthz" in command[-1]
    assert "curl" not in check


def test_dockerignore_lets_in_only_what_the_image_copies() -> None:
    lines = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]
    assert lines[0] == "*"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = {shlex.split(rest)[0].rstrip("/") for rest in _all("COPY")}
    assert copied == allowed


def test_readme_shows_the_same_build_and_run() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docker build -t activation-service ." in readme
    port = _one("EXPOSE")
    assert re.search(rf"docker run [^\n]*-p {port}:{port}", readme)
    assert "WEB_CONCURRENCY" in readme
