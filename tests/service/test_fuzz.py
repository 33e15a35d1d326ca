"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis): no 5xx, responses match it.

Each operation of ``/openapi.json`` gets ``MAX_EXAMPLES`` generated requests (bodies, form fields, files,
path and query values, derandomized so a run is repeatable) sent to the real server on loopback; every
response must be no server error and match the documented status codes, media types and schemas.
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extra")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

#: What the issue asks: no 5xx, and every response as documented (status, media type, body schema).
#: Not the checks that a schema-valid request must be accepted: values such as an unknown taxonomy name
#: or a text over the server's max_chars are valid strings to the schema and rightly get 422 problems.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

#: Examples per operation; AFFECTLAB_FUZZ_EXAMPLES=200 runs a longer, randomized search.
MAX_EXAMPLES = int(os.environ.get("AFFECTLAB_FUZZ_EXAMPLES", "15"))


def _fuzzer(operation, base_url: str, sent: list[int]):  # type: ignore[no-untyped-def]
    @given(data=st.data())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize="AFFECTLAB_FUZZ_EXAMPLES" not in os.environ,
    )
    def fuzz(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy())
        case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=60)
        sent[0] += 1

    return fuzz


def test_no_server_error_and_every_response_matches_the_schema(base_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures, sent = [], [0]
    for operation in operations:
        try:
            _fuzzer(operation, base_url, sent)()
        except Exception as exc:  # collected so one report shows every operation that failed
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
    assert sent[0] >= 5 * len(operations)  # every operation was really exercised
