"""schemathesis against the live app: every operation of the OpenAPI document, positive and negative cases.

The app answers in-process (WSGI) over generated data: agreements in the registry and a
few hundred complaints, so that the statistics have published and suppressed cells.
Each case is checked for no server error and for conformance of its status code, content
type and body to the document. A token operation runs without a token and with a token of
each scope (its own scope: the answers; the other: the 403s); the public ones without.
The proof line counts operations, cases and failures.
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

from tests.api.token_world import bearer, build
from tests.conftest import proof
from tests.factories import active_agreement, make_association

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 40  # per operation and generation mode


def test_schemathesis_finds_no_failure_in_any_operation(app, keys):
    for _ in range(2):
        active_agreement(app, make_association(app))
    world = build(app, count=200)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json?lang=en", app)
    operations, cases, failures, without_negative, with_token = 0, [0], [], [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        secured = bool(operation.definition.raw.get("security"))
        with_token += secured
        for who in ("none", "complaints", "statistics") if secured else ("none",):
            headers = bearer(world.secrets[who]) if who != "none" else {}
            for mode in GenerationMode:
                try:
                    _checker(operation, mode, headers, cases)()
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE, operation.label
                    without_negative.append(operation.label)  # no parameter and no body: no input can be wrong
                except Exception as failure:  # hypothesis's shrunk failure, reported with the others
                    failures.append(f"{operation.label} [{mode.value}, token {who}]: {failure}")
    proof(f"schemathesis: {operations} operations, {cases[0]} cases, {len(failures)} failures "
          f"({with_token} token operations without a token and with each scope)")
    assert operations >= 10 and with_token >= 4 and cases[0] >= operations * EXAMPLES
    assert set(without_negative) <= {"GET /api/v1/statistics", "GET /healthz"}, without_negative
    uses = _token_uses(app)
    assert uses > 0  # the answers with a token were real answers, audited
    assert not failures, "\n".join(failures[:20])


def _checker(operation, mode, headers: dict, cases: list):
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        cases[0] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    return check


def _token_uses(app) -> int:
    from sqlalchemy import func, select

    from app.audit.models import AuditEntry
    from app.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditEntry.action == "api.token_use"))
