"""The review dashboard's counts (open per status, overdue, due soon, my open cases) on a fixed day."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import transactions
from app.accounts.services import find_by_email
from app.complaints import case_actions, clock, queries, staff_views
from app.complaints.models import Complaint
from app.extensions import db
from tests.complaints.queue_world import build
from tests.factories import sign_in

STATUS_COUNTS = {"registered": 2, "assigned": 3, "closed": 1}


@pytest.fixture
def world(app, keys):
    return build(app)


def _dashboard(app, world, who: str, today=None) -> tuple:
    with app.app_context():
        summary = queries.dashboard(world.officer_id(who), window=clock.window(today or world.today))
        return summary.counts, summary.overdue, summary.due_soon, summary.mine_open


def test_the_counts_on_the_worlds_day(app, world):
    # "late" is overdue ("closed" is past its date too, but closed), "soon" due within the window
    assert _dashboard(app, world, "officer") == (STATUS_COUNTS, 1, 1, 2)  # mine: late and soon, not closed
    assert _dashboard(app, world, "other") == (STATUS_COUNTS, 1, 1, 1)
    assert _dashboard(app, world, "supervisor") == (STATUS_COUNTS, 1, 1, 0)


def test_the_counts_follow_the_clock(app, world):
    before_any_due = world.due["late"] - timedelta(days=1)
    assert _dashboard(app, world, "officer", before_any_due)[1:] == (0, 1, 2)  # "late" is now the one due soon
    after_every_due = world.due["fresh"] + timedelta(days=1)
    assert _dashboard(app, world, "officer", after_every_due)[1:] == (5, 0, 2)  # every open case is overdue
    on_the_due_day = world.due["soon"]  # due today is due soon, not yet overdue
    assert _dashboard(app, world, "officer", on_the_due_day)[1:3] == (1, 1)


def test_the_counts_follow_taking_a_case_and_an_extension(app, world):
    with app.app_context():
        officer, supervisor = find_by_email(world.staff["officer"]), find_by_email(world.staff["supervisor"])
        case_actions.take(officer, db.session.get(Complaint, world.ids["new"]))
        case_actions.extend(supervisor, db.session.get(Complaint, world.ids["late"]), world.today + timedelta(days=10),
                        "Қосымша сараптама қажет")
        transactions.commit()
    counts = {"registered": 1, "assigned": 4, "closed": 1}
    assert _dashboard(app, world, "officer") == (counts, 0, 1, 3)  # "late" is due at its extended date now


def _cards(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<span class="card-number">(\d+)\+?</span>', html)]


def test_the_dashboard_page_shows_the_signed_in_officers_counts(app, world, monkeypatch):
    monkeypatch.setattr(staff_views, "local_today", lambda: world.today)  # the world's day, a fixed clock
    client = app.test_client()
    assert sign_in(client, world.staff["officer"]).status_code == 302
    html = client.get("/staff/").get_data(as_text=True)
    assert _cards(html) == [1, 1, 2]  # overdue, due soon, my open cases
    for status, count in STATUS_COUNTS.items():
        assert re.search(rf'href="/staff/complaints\?status={status}">[^<]+</a>: {count}</li>', html), status
    assert re.search(r'href="/staff/complaints\?status=appealed">[^<]+</a>: 0</li>', html)
    other = app.test_client()
    assert sign_in(other, world.staff["other"]).status_code == 302
    assert _cards(other.get("/staff/").get_data(as_text=True)) == [1, 1, 1]
