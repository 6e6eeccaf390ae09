"""The README's table of vanishing gradients is what the service itself reports now."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_precision_table_agrees_with_the_service() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/precision_table.py", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr


def test_the_table_shows_the_service_numbers() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import precision_table

    rows = precision_table.table().splitlines()
    assert rows[0] == "| | float32 | float16 | bfloat16 | float64 |"
    assert rows[2].startswith("| sigmoid′ is exactly 0 from x ≥ | 16.6 | 8.32 | 6.25 | 36.7 |")
    assert rows[3].startswith("| tanh′ is exactly 0 beyond ± | 9.01 | 4.51 | 3.47 |")
    assert rows[4].startswith("| GELU′ is exactly 0 for x ≤ | -6.15 | -6.04 | -6.16 |")
