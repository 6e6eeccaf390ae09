"""Every operation fuzzed against the app's own OpenAPI document, in-process.

Schemathesis generates requests from ``/openapi.json`` (valid ones and ones that break the
schema) and checks each response: no server error, the status code and the content type are
documented for the operation, the body matches the documented schema, documented headers are
present, schema-breaking requests are rejected with a 4xx, and a 405 lists the right methods.

``FUZZ_EXAMPLES`` sets the examples per operation (few in ``make test``, many in ``make fuzz``);
``FUZZ_STATS`` names a JSON file to which the cases tried are written, for the README's figures.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.main import app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))

CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            # A function's parameters are one `params` object (or query string) for every function;
            # the schema cannot say which names each function takes, so a schema-valid request may
            # rightly be a 422 ("relu does not take 'negative_slope'").
            "positive_data_acceptance": {"enabled": False},
        },
        "generation": {"mode": "all", "max-examples": EXAMPLES},
    }
)


@pytest.fixture(scope="module")
def cases_tried() -> Iterator[Counter[str]]:
    tried: Counter[str] = Counter()
    yield tried
    if path := os.environ.get("FUZZ_STATS"):
        Path(path).write_text(json.dumps({"examples_per_operation": EXAMPLES, "cases": dict(tried)}, indent=1))


schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_operation_answers_as_documented(case: schemathesis.Case, cases_tried: Counter[str]) -> None:
    response = case.call_and_validate()
    cases_tried[f"{case.operation.label} -> {response.status_code}"] += 1
