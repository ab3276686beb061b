"""403s and failed sign-ins are counted, but audited at most once per source, kind and minute."""

from __future__ import annotations

import json
import time
from datetime import datetime

from sqlalchemy import func, select

from app.accounts.models import Role
from app.accounts.services import find_by_email
from app.audit import failures
from app.audit.models import AuditEntry
from app.audit.services import verify_chain
from app.extensions import db
from tests.factories import PASSWORD, add_user


def _log_size(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def _minutes_spanned(started: float) -> int:
    """How many clock minutes a run that began at ``started`` (time.time()) has touched so far."""
    return int(time.time() // 60 - started // 60) + 1


def _rows(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return rows


def test_a_thousand_forbidden_requests_add_a_bounded_number_of_rows_and_keep_the_count(app, client, signed_in):
    email = signed_in(Role.ENTREPRENEUR)
    with app.app_context():
        user_id = find_by_email(email).id
    before, started = _log_size(app), time.time()
    for _ in range(1000):
        assert client.get("/staff/complaints").status_code == 403
    grown = _log_size(app) - before
    assert 1 <= grown <= _minutes_spanned(started), grown  # one row per minute the run touched
    with app.app_context():
        counts = failures.failure_counts("auth.forbidden", f"user:{user_id}")
        assert sum(count for _, count in counts) == 1000
        assert verify_chain().ok
    first = _rows(app, "auth.forbidden")[0]
    assert first.actor_id == user_id
    assert json.loads(first.details)["endpoint"] == "review.queue"


def test_two_hundred_failed_sign_ins_from_one_address_add_a_bounded_number_of_rows(app, client, make_user):
    email = make_user(Role.OFFICER)
    before, started = _log_size(app), time.time()
    app.config["RATELIMIT_ENABLED"] = False
    for index in range(200):  # a different e-mail each time still counts against the address
        response = client.post("/login", data={"email": f"guess{index}@example.kz" if index % 2 else email,
                                               "password": "wrong password"})
        assert response.status_code == 401
    grown = _log_size(app) - before
    assert 1 <= grown <= _minutes_spanned(started), grown
    with app.app_context():
        counts = failures.failure_counts("auth.login_failed", "address:127.0.0.1")
        assert sum(count for _, count in counts) == 200


def test_the_next_minute_carries_the_previous_count_into_the_chain(app, client, signed_in, monkeypatch):
    signed_in(Role.ENTREPRENEUR)
    clock = {"now": datetime(2026, 3, 2, 9, 0, 5)}
    monkeypatch.setattr(failures, "utcnow", lambda: clock["now"])
    for _ in range(7):
        assert client.get("/staff/complaints").status_code == 403
    clock["now"] = datetime(2026, 3, 2, 9, 3, 40)
    assert client.get("/staff/complaints").status_code == 403
    rows = _rows(app, "auth.forbidden")
    assert len(rows) == 2
    first, second = (json.loads(row.details) for row in rows)
    assert first["window"] == "2026-03-02T09:00:00" and "previous_count" not in first
    assert second == {**second, "window": "2026-03-02T09:03:00", "previous_window": "2026-03-02T09:00:00",
                      "previous_count": 7}


def test_sources_are_counted_apart(app, client, signed_in):
    signed_in(Role.ENTREPRENEUR)
    assert client.get("/staff/complaints").status_code == 403
    other = app.test_client()
    assert other.post("/login", data={"email": add_user(app), "password": PASSWORD}).status_code == 302
    assert other.get("/staff/complaints").status_code == 403
    assert other.get("/staff/complaints").status_code == 403
    assert [row.actor_label for row in _rows(app, "auth.forbidden")].count("anonymous") == 0
    assert len(_rows(app, "auth.forbidden")) == 2
