"""The legal clock: the Python answers and the SQL (generated columns, conditions) agree."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from app.accounts.services import find_by_email
from app.complaints import clock
from app.complaints.models import Complaint, ComplaintStatus
from app.extensions import db
from app.timeutil import utcnow
from tests.factories import add_user, make_business

DAY0 = date(2026, 1, 1)
days = st.integers(min_value=0, max_value=120).map(lambda n: DAY0 + timedelta(days=n))
cases = st.lists(st.tuples(st.sampled_from(list(ComplaintStatus)), days, st.one_of(st.none(), days)),
                 min_size=1, max_size=25)


def test_open_statuses_are_the_statuses_that_owe_an_answer():
    assert set(clock.OPEN) == {"registered", "assigned", "in_review", "info_requested", "appealed"}


@pytest.fixture
def owner(app):
    email = add_user(app)
    business = make_business(app, email)
    with app.app_context():
        return find_by_email(email).id, business


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=cases, today=days, soon=st.integers(min_value=0, max_value=10))
def test_python_and_sql_agree(app, owner, rows, today, soon):
    owner, business = owner
    with app.app_context():
        db.session.execute(delete(Complaint))
        now = utcnow()
        expected = {}
        for index, (status, due_date, extended) in enumerate(rows):
            if extended is not None and extended <= due_date:
                extended = None  # an extension always moves the date later
            db.session.execute(insert(Complaint).values(
                id=index + 1, number=f"PBI-C-2026-{index + 1:06d}", business_id=business, filed_by_id=owner,
                submission_token=f"t{index}", pressure_type="other", body_category="other", body_name="x",
                incident_date=DAY0, incident_district="turkistan", description="x", consent_at=now,
                status=status.value, received_at=now, registration_day=DAY0, due_date=due_date,
                forwarding_due=DAY0, extended_until=extended, keep_identity_confidential=True,
                association_may_follow=False))
            expected[index + 1] = (status.value, clock.effective_due(extended, due_date))
        db.session.flush()
        soon_until = today + timedelta(days=soon)
        stored = dict(db.session.execute(select(Complaint.id, Complaint.effective_due)).all())
        ranks = dict(db.session.execute(select(Complaint.id, Complaint.queue_rank)).all())
        assert stored == {i: due for i, (_, due) in expected.items()}
        assert ranks == {i: clock.queue_rank(status) for i, (status, _) in expected.items()}

        def ids(condition) -> set[int]:
            return set(db.session.scalars(select(Complaint.id).where(condition)))

        assert ids(clock.sql_open()) == {i for i, (s, _) in expected.items() if clock.is_open(s)}
        assert ids(clock.sql_overdue(today)) == {
            i for i, (s, due) in expected.items() if clock.is_overdue(s, due, today)}
        assert ids(clock.sql_due_soon(today, soon_until)) == {
            i for i, (s, due) in expected.items() if clock.is_due_soon(s, due, today, soon_until)}
        ordered = list(db.session.scalars(select(Complaint.id).order_by(*clock.queue_order())))
        assert ordered == sorted(expected, key=lambda i: (clock.queue_rank(expected[i][0]), expected[i][1], i))
        db.session.rollback()
