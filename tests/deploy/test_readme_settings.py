"""The README's settings table documents every setting, with its default."""

import re
from pathlib import Path

import pytest

from app.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _rows() -> dict[str, str]:
    """Each ACT_ variable of the settings table, with the row it is in."""
    rows = {}
    for line in README.splitlines():
        if line.startswith("| `ACT_"):
            for name in re.findall(r"`ACT_([A-Z0-9_]+)`", line.split(" | ")[0]):
                rows[name] = line
    return rows


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_has_a_row_showing_its_default(name: str) -> None:
    rows = _rows()
    assert name in rows, f"ACT_{name} is not in the README's settings table"
    default = Settings.model_fields[name].default
    names = re.findall(r"`ACT_([A-Z0-9_]+)`", rows[name].split(" | ")[0])
    shown = [cell.strip() for cell in rows[name].split(" | ")[1].split(",")]
    if isinstance(default, list):
        return
    assert len(shown) == len(names), rows[name]
    cell = shown[names.index(name)].strip("`")
    if isinstance(default, bool | str):
        assert cell.lower() == str(default).lower(), rows[name]
    else:
        assert float(cell) == float(default), rows[name]


def test_the_table_names_no_setting_that_does_not_exist() -> None:
    assert set(_rows()) <= set(Settings.model_fields)
