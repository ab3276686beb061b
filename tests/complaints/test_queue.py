"""The staff queue: each filter alone and combined, the search, the two orders, the page's arguments."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.businesses.models import Business
from app.complaints import queries, queue_filters, staff_views
from app.complaints.models import Complaint
from app.complaints.queries import QueueFilter
from app.extensions import db
from tests.complaints.queue_world import build
from tests.factories import sign_in

DUE_ORDER = ["late", "soon", "other", "new", "fresh", "closed"]  # open by due date then id; closed last
RECEIVED_ORDER = ["fresh", "new", "other", "soon", "closed", "late"]  # newest receipt first


@pytest.fixture
def world(app, keys):
    return build(app)


def _officer(app, world, who: str) -> int:
    with app.app_context():
        return world.officer_id(who)


def _soon_until(app, world):
    with app.app_context():
        return world.window().soon_until


def test_each_filter_alone(app, world):
    officer, other = _officer(app, world, "officer"), _officer(app, world, "other")
    expected = {
        "status=assigned": (QueueFilter(status="assigned"), {"late", "soon", "other"}),
        "status=registered": (QueueFilter(status="registered"), {"fresh", "new"}),
        "status=closed": (QueueFilter(status="closed"), {"closed"}),
        "status=appealed": (QueueFilter(status="appealed"), set()),
        "pressure_type": (QueueFilter(pressure_type="bribe_extortion"), {"fresh", "late", "closed"}),
        "body_category": (QueueFilter(body_category="sanitary"), {"late", "other", "closed"}),
        "district": (QueueFilter(district="kentau"), {"soon", "fresh"}),
        "officer": (QueueFilter(officer_id=officer), {"late", "soon", "closed"}),
        "other officer": (QueueFilter(officer_id=other), {"other"}),
        "covered": (QueueFilter(covered=True), {"soon", "other"}),
        "not covered": (QueueFilter(covered=False), {"fresh", "late", "closed", "new"}),
        "overdue": (QueueFilter(overdue=True), {"late"}),  # "closed" is past its date too, but not open
        "due soon": (QueueFilter(due_before=_soon_until(app, world)), {"soon"}),
        "none": (QueueFilter(), set(DUE_ORDER)),
    }
    found = {label: set(world.names(app, filters)) for label, (filters, _) in expected.items()}
    assert found == {label: names for label, (_, names) in expected.items()}


def test_filters_combine_as_and(app, world):
    officer, other = _officer(app, world, "officer"), _officer(app, world, "other")
    expected = {
        "pressure+body": (QueueFilter(pressure_type="bribe_extortion", body_category="sanitary"), ["late", "closed"]),
        "mine+overdue": (QueueFilter(officer_id=officer, overdue=True), ["late"]),
        "mine+due soon": (QueueFilter(officer_id=officer, due_before=_soon_until(app, world)), ["soon"]),
        "other+due soon": (QueueFilter(officer_id=other, due_before=_soon_until(app, world)), []),
        "covered+district": (QueueFilter(covered=True, district="turkistan"), ["other"]),
        "status+officer": (QueueFilter(status="assigned", officer_id=other), ["other"]),
        "district+pressure+not covered": (
            QueueFilter(district="kentau", pressure_type="bribe_extortion", covered=False), ["fresh"]),
        "status+district": (QueueFilter(status="registered", district="arys"), ["new"]),
        "contradiction": (QueueFilter(status="registered", officer_id=officer), []),
    }
    found = {label: world.names(app, filters) for label, (filters, _) in expected.items()}
    assert found == {label: names for label, (_, names) in expected.items()}


def test_the_queue_is_open_first_then_by_due_date_then_by_id(app, world):
    assert world.due["other"] == world.due["new"] and world.ids["other"] < world.ids["new"]
    assert world.names(app, QueueFilter()) == DUE_ORDER
    assert world.names(app, QueueFilter(status="assigned")) == ["late", "soon", "other"]


def test_the_queue_by_received_is_newest_first(app, world):
    assert world.names(app, QueueFilter(sort="received")) == RECEIVED_ORDER
    assert world.names(app, QueueFilter(sort="received", pressure_type="bribe_extortion")) == [
        "fresh", "closed", "late"]


@pytest.mark.parametrize(("sort", "order"), [("due", DUE_ORDER), ("received", RECEIVED_ORDER)])
def test_pages_follow_the_order(app, world, sort, order):
    pages = []
    for page in (1, 2, 3, 4):  # a page past the last one shows the last
        with app.app_context():
            result = queries.queue(QueueFilter(sort=sort), window=world.window(), page=page, per_page=2)
            pages.append((result.page, result.pages, result.total, [world.name_of(r.number) for r in result.rows]))
    assert pages == [(1, 3, 6, order[0:2]), (2, 3, 6, order[2:4]), (3, 3, 6, order[4:6]), (3, 3, 6, order[4:6])]


def test_search_by_number_bin_and_words_keeps_the_filters_and_the_order(app, world):
    with app.app_context():
        bin_number = db.session.scalar(select(Business.number).join(Complaint, Complaint.business_id == Business.id)
                                       .where(Complaint.id == world.ids["soon"]))
    number = world.numbers["soon"]
    expected = {
        "number": (QueueFilter(query=f"  {number.lower()} "), ["soon"]),
        "number outside the filter": (QueueFilter(query=number, status="registered"), []),
        "BIN": (QueueFilter(query=bin_number), DUE_ORDER),
        "BIN and status": (QueueFilter(query=bin_number, status="registered"), ["new", "fresh"]),
        "BIN by received": (QueueFilter(query=bin_number, sort="received"), RECEIVED_ORDER),
        # every case names the same state body, in Kazakh: "Түркістан облысының ..."
        "Kazakh words": (QueueFilter(query="ТҮРКІСТАН облысының"), DUE_ORDER),
        "folded letters": (QueueFilter(query="туркистан облысынын"), DUE_ORDER),
        "words by received": (QueueFilter(query="туркистан", sort="received"), RECEIVED_ORDER),
        "a word of the default text": (QueueFilter(query="теңге"), ["late", "other", "fresh", "closed"]),
        "a word of one case": (QueueFilter(query="САЛЫК"), ["soon"]),
        "the same word folded": (QueueFilter(query="салық органының"), ["soon"]),
        "prefixes of two words": (QueueFilter(query="рейдер бас"), ["new"]),
        "two words, one not in the case": (QueueFilter(query="рейдерлік салық"), []),
        "words and a filter": (QueueFilter(query="туркистан", body_category="sanitary"), ["late", "other", "closed"]),
        "words and overdue": (QueueFilter(query="туркистан", overdue=True), ["late"]),
        "the business's name": (QueueFilter(query="тест", district="kentau"), ["soon", "fresh"]),
        "no such word": (QueueFilter(query="жоқсөз"), []),
    }
    found = {label: world.names(app, filters) for label, (filters, _) in expected.items()}
    assert found == {label: names for label, (_, names) in expected.items()}


def _numbers_on(html: str, world) -> list[str]:
    shown = re.findall(r"PBI-C-\d{4}-\d{6}", html)
    return [world.name_of(n) for n in dict.fromkeys(shown)]


def test_the_queue_page_turns_its_arguments_into_filters(app, world, monkeypatch):
    for module in (staff_views, queue_filters):  # the world's day, a fixed clock
        monkeypatch.setattr(module, "local_today", lambda: world.today)
    client = app.test_client()
    assert sign_in(client, world.staff["officer"]).status_code == 302
    expected = {
        "": DUE_ORDER,
        "?sort=received": RECEIVED_ORDER,
        "?mine=1": ["late", "soon", "closed"],
        "?mine=1&overdue=1": ["late"],
        "?due_within=3": ["soon"],
        "?covered=yes&district=turkistan": ["other"],
        "?covered=no&pressure_type=bribe_extortion": ["late", "fresh", "closed"],
        "?status=registered&sort=received": ["fresh", "new"],
        "?body_category=police": ["new", "fresh"],
        f"?officer={_officer(app, world, 'other')}": ["other"],
        "?status=nonsense&pressure_type=nonsense": DUE_ORDER,  # an unknown code is no filter
        "?q=САЛЫК": ["soon"],
    }
    found = {}
    for query, _names in expected.items():
        response = client.get(f"/staff/complaints{query}")
        assert response.status_code == 200, query
        found[query] = _numbers_on(response.get_data(as_text=True), world)
    assert found == expected
