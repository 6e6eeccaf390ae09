"""Every operation fuzzed against the app's own OpenAPI document, in-process.

Schemathesis generates requests from ``/openapi.json`` (valid ones and ones that break the
schema) and checks each response: no server error, the status code and the content type are
documented for the operation, the body matches the documented schema, documented headers are
present, schema-breaking requests are rejected with a 4xx, and a 405 lists the right methods.

The CPU-heavy operations (those that document a 503: plots and analyses) get fewer examples
and, in ``make test``, skip the coverage phase (its boundary cases are the largest requests
allowed); ``make fuzz`` runs every phase on every operation with many more examples.

``FUZZ_EXAMPLES`` sets the examples per cheap operation (a quarter of it for heavy ones);
``FUZZ_STATS`` names a JSON file to which the cases tried are written, for the README's figures.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.main import app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
HEAVY_EXAMPLES = max(3, EXAMPLES // 4)
LONG_RUN = "FUZZ_EXAMPLES" in os.environ


def _config(examples: int, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "checks": {
                # A function's parameters are one `params` object (or query string) for every function;
                # the schema cannot say which names each function takes, so a schema-valid request may
                # rightly be a 422 ("relu does not take 'negative_slope'").
                "positive_data_acceptance": {"enabled": False},
            },
            "generation": {"mode": "all", "max-examples": examples},
            "phases": {"coverage": {"enabled": coverage}},
        }
    )


def _is_heavy(ctx: Any) -> bool:
    return "503" in ctx.operation.definition.raw.get("responses", {})


cheap = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config(EXAMPLES, True)).exclude(func=_is_heavy)
heavy = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config(HEAVY_EXAMPLES, LONG_RUN)).include(
    func=_is_heavy
)
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture(scope="module")
def cases_tried() -> Iterator[Counter[str]]:
    tried: Counter[str] = Counter()
    yield tried
    if path := os.environ.get("FUZZ_STATS"):
        stats = {"examples": EXAMPLES, "heavy_examples": HEAVY_EXAMPLES, "cases": dict(tried)}
        Path(path).write_text(json.dumps(stats, indent=1))


def _check(case: schemathesis.Case, cases_tried: Counter[str]) -> None:
    response = case.call_and_validate()
    cases_tried[f"{case.operation.label} -> {response.status_code}"] += 1


@cheap.parametrize()
@SETTINGS
def test_every_cheap_operation_answers_as_documented(case: schemathesis.Case, cases_tried: Counter[str]) -> None:
    _check(case, cases_tried)


@heavy.parametrize()
@SETTINGS
def test_every_heavy_operation_answers_as_documented(case: schemathesis.Case, cases_tried: Counter[str]) -> None:
    _check(case, cases_tried)
