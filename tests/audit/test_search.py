"""Searching the log: filters, newest first, pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.audit.queries import search
from app.audit.services import record
from app.extensions import db

ALMATY = ZoneInfo("Asia/Almaty")


def utc(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute)


def almaty_day(value: datetime) -> date:
    return value.replace(tzinfo=UTC).astimezone(ALMATY).date()


ENTRIES = [  # action, actor, subject_type, subject_id, at (UTC)
    ("auth.login", "officer1@demo.pbi.kz", None, None, utc(2026, 3, 1, 4)),
    ("complaint.transition", "supervisor1@demo.pbi.kz", "complaint", "42", utc(2026, 3, 1, 19, 30)),
    ("complaint.assigned", "supervisor1@demo.pbi.kz", "complaint", "42", utc(2026, 3, 2, 6)),
    ("complaints_x.other", "system", None, None, utc(2026, 3, 2, 7)),
    ("evidence.read", "officer1@demo.pbi.kz", "evidence", "7", utc(2026, 3, 3, 8)),
    ("auth.login_failed", "anonymous", None, None, utc(2026, 3, 4, 9)),
    ("auth.forbidden", "officer_2@demo.pbi.kz", "complaint", "43", utc(2026, 3, 5, 10)),
]


@pytest.fixture
def filled(app):
    with app.app_context():
        for action, actor, subject_type, subject_id, at in ENTRIES:
            record(action, actor_id=None, actor_label=actor, subject_type=subject_type, subject_id=subject_id,
                   details={"x": 1}, at=at)
        db.session.commit()
    return app


def ids(page) -> list[int]:
    return [row.id for row in page.rows]


def test_newest_first_with_plain_values(filled):
    with filled.app_context():
        page = search()
    assert ids(page) == [7, 6, 5, 4, 3, 2, 1]
    assert (page.page, page.pages, page.total) == (1, 1, 7)
    row = page.rows[-1]
    assert (row.action, row.actor_label, row.at, row.details) == ("auth.login", "officer1@demo.pbi.kz",
                                                                  utc(2026, 3, 1, 4), {"x": 1})
    assert row.detail_pairs == [("x", "1")]


def test_action_is_a_prefix_with_wildcards_escaped(filled):
    with filled.app_context():
        assert ids(search(action="complaint.")) == [3, 2]
        assert ids(search(action="auth.")) == [7, 6, 1]
        assert ids(search(action="auth.login")) == [6, 1]
        assert ids(search(action="auth.login_")) == [6]
        assert ids(search(action="complaint_")) == []
        assert ids(search(action="%")) == []


def test_actor_is_a_case_insensitive_part(filled):
    with filled.app_context():
        assert ids(search(actor="OFFICER1")) == [5, 1]
        assert ids(search(actor="  supervisor ")) == [3, 2]
        assert ids(search(actor="officer_")) == [7]  # "_" is a character, not a wildcard
        assert ids(search(actor="%")) == []
        assert ids(search(actor="   ")) == [7, 6, 5, 4, 3, 2, 1]


def test_subject_filters_match_exactly(filled):
    with filled.app_context():
        assert ids(search(subject_type="complaint")) == [7, 3, 2]
        assert ids(search(subject_type="complaint", subject_id="42")) == [3, 2]
        assert ids(search(subject_id="4")) == []
        assert ids(search(subject_type="evidence", actor="officer1")) == [5]


def test_dates_are_almaty_days_both_included(filled):
    # Row 2 is 19:30 UTC on 1 March: already 2 March in Almaty.
    assert almaty_day(ENTRIES[1][4]) == date(2026, 3, 2)
    with filled.app_context():
        assert ids(search(since=date(2026, 3, 2), until=date(2026, 3, 2))) == [4, 3, 2]
        assert ids(search(until=date(2026, 3, 1))) == [1]
        assert ids(search(since=date(2026, 3, 4))) == [7, 6]
        assert ids(search(since=date(2026, 3, 3), until=date(2026, 3, 3), action="evidence.")) == [5]
        assert ids(search(since=date(2026, 4, 1))) == []


def test_pages_are_stable_and_clamped(filled):
    with filled.app_context():
        pages = [search(page=n, per_page=3) for n in (1, 2, 3)]
        assert [ids(p) for p in pages] == [[7, 6, 5], [4, 3, 2], [1]]
        assert {(p.pages, p.total) for p in pages} == {(3, 7)}
        assert ids(search(page=99, per_page=3)) == [1] and search(page=99, per_page=3).page == 3
        assert search(page=0, per_page=3).page == 1
        empty = search(action="nothing.")
        assert (empty.rows, empty.page, empty.pages, empty.total) == ([], 1, 1, 0)
        with pytest.raises(ValueError):
            search(per_page=0)

        # New entries do not shift the pages of someone who started reading at row 7.
        for n in range(2):
            record("auth.login", actor_id=None, actor_label="late@example.kz",
                   at=utc(2026, 3, 6, 10) + timedelta(minutes=n))
        db.session.commit()
        assert ids(search(page=2, per_page=3)) == [6, 5, 4]
        assert ids(search(upto=7, page=2, per_page=3)) == [4, 3, 2]
        assert search(upto=7, per_page=3).total == 7
