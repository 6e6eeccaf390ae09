"""Write the README's table of where gradients become exactly zero, from the service's own /precision answers.

    python scripts/precision_table.py            # rewrite the table in README.md
    python scripts/precision_table.py --check    # exit 1 if the README's table is not what the service says

Each number is a representable number of its dtype, as `GET /v1/activations/{name}/precision` reports it,
shown to three significant digits.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- precision:start -->", "<!-- precision:end -->"
DTYPES = ("float32", "float16", "bfloat16", "float64")
# (row heading, function, which threshold, how to show it)
ROWS = (
    ("sigmoid′ is exactly 0 from x ≥", "sigmoid", "zero_gradient_from", "{:.3g}"),
    ("tanh′ is exactly 0 beyond ±", "tanh", "zero_gradient_from", "{:.3g}"),
    ("GELU′ is exactly 0 for x ≤", "gelu", "zero_gradient_below", "{:.3g}"),
)


def table() -> str:
    sys.path.insert(0, str(ROOT))
    from fastapi.testclient import TestClient

    from app.main import app

    client = TestClient(app)
    lines = ["| | " + " | ".join(DTYPES) + " |", "| --- |" + " --: |" * len(DTYPES)]
    for heading, name, field, shown in ROWS:
        answer = client.get(f"/v1/activations/{name}/precision")
        answer.raise_for_status()
        by_dtype = {report["dtype"]: report[field] for report in answer.json()["dtypes"]}
        cells = ["never" if by_dtype[d] is None else shown.format(by_dtype[d]) for d in DTYPES]
        lines.append(f"| {heading} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def written(readme: str, rows: str) -> str:
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{rows}\n{END}{after}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the README's table is out of date")
    args = parser.parse_args()
    readme = README.read_text()
    updated = written(readme, table())
    if args.check:
        if updated != readme:
            print("README.md's precision table is out of date: run `make precision-table`", file=sys.stderr)
            return 1
        return 0
    README.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
