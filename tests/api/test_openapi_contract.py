"""The OpenAPI document against the app itself (schemathesis): generated requests to every
operation over a seeded database; no 5xx, every response valid against the document.

Schemathesis's pytest plugin reads a node attribute pytest 9 no longer has, so the operations'
strategies are driven by Hypothesis here directly (the same checks as `call_and_validate`).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api import world

EXAMPLES = 40  # per operation: about a minute for the whole document
OPERATIONS = 11


@pytest.fixture
def api_schema(app, admin, monkeypatch):
    world.build(admin)
    # the contract, not the limits, is under test (test_api_access checks the 429)
    monkeypatch.setitem(app.config, "API_RATE_ANONYMOUS", "100000 per minute")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _check(operation, mode: GenerationMode, calls: list[int]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        # an opaque cursor is valid only as a previous page gave it: a generated one is refused
        # (400, checked as any response), which is not a schema-valid request rejected
        opaque = bool(case.query and case.query.get("cursor"))
        response = case.call_and_validate(
            headers={"Accept-Encoding": "identity"},  # the WSGI transport does not undo gzip
            excluded_checks=[positive_data_acceptance] if opaque else None,
        )
        assert response.status_code < 500
        calls.append(response.status_code)

    run()


def test_every_operation_keeps_the_document(api_schema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= OPERATIONS
    failures, calls = [], []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _check(operation, mode, calls)
            except Unsatisfiable:  # nothing to make invalid (an operation without arguments)
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (AssertionError, BaseExceptionGroup) as error:  # every operation reported
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)
    assert len(calls) >= len(operations) * 10  # the requests were made
    assert 200 in calls
    assert 400 in calls
