"""schemathesis against the live app: every operation of the OpenAPI document, positive and negative cases.

The app answers in-process (WSGI) over generated data: agreements in the registry and a
few hundred complaints, so that the statistics have published and suppressed cells.
Each case is checked for no server error and for conformance of its status code, content
type and body to the document. The proof line counts operations, cases and failures.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import proof
from tests.factories import active_agreement, make_association
from tests.reporting.statistics_world import build

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 40  # per operation and generation mode


def test_schemathesis_finds_no_failure_in_any_operation(app, keys):
    for _ in range(2):
        active_agreement(app, make_association(app))
    build(app, count=200)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json?lang=en", app)
    operations, cases, failures, without_negative = 0, [0], [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in GenerationMode:
            @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                cases[0] += 1
                case.call_and_validate(checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label
                without_negative.append(operation.label)  # no parameter and no body: no input can be wrong
            except Exception as failure:  # hypothesis's shrunk failure, reported with the others
                failures.append(f"{operation.label} [{mode.value}]: {failure}")
    proof(f"schemathesis: {operations} operations, {cases[0]} cases, {len(failures)} failures")
    assert operations >= 6 and cases[0] >= operations * EXAMPLES
    assert set(without_negative) <= {"GET /api/v1/statistics", "GET /healthz"}, without_negative
    assert not failures, "\n".join(failures[:20])
