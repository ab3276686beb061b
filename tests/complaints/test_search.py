"""Queue search: folded words by index (FTS5 / tsvector), exact numbers and BINs; counts per status."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from app import create_app, transactions
from app.accounts.models import Role
from app.accounts.services import find_by_email
from app.businesses.models import Business
from app.complaints import case_actions, clock, queries, queue_search, search
from app.complaints.models import Complaint
from app.complaints.queries import QueueFilter
from app.documents.runtime import keystore
from app.extensions import db
from app.timeutil import local_today
from tests.conftest import base_config, postgres_app
from tests.factories import add_user, filed_complaint, make_business

TEXTS = [
    ("Шымкент қалалық әкімдігі", "Қайрат Әбдірахманов", "Маман құжат үшін ақша талап етті."),
    ("Департамент государственных доходов", "Семёнов Йордан", "Требовали взятку за отсрочку проверки."),
    ("ТОО «Оңтүстік-Энерго»", None, "Отключили свет без предписания; raider takeover attempt."),
    ("Полиция Сайрамского района", "Ержан Серікұлы", "Изъяли товар без протокола №4491/2026."),
]
QUERIES = {
    "шымкент": {0}, "ШЫМКЕНТ": {0}, "шымк": {0}, "калалык": {0}, "қалалық": {0}, "абдирахманов": {0},
    "семенов": {1}, "СЕМЁНОВ": {1}, "иордан": {1}, "взятк": {1}, "департамент доход": {1},
    "онтустик": {2}, "Оңтүстік энерго": {2}, "raider": {2}, "TAKEOVER": {2},
    "серикулы": {3}, "4491": {3}, "2026": {0, 1, 2, 3}, "сайрам": {3},
    "полиция шымкент": set(), "xyz": set(), "  ": {0, 1, 2, 3}, "%": set(), "_": set(), "\"": set(),
}


def test_fold_removes_case_diacritics_and_kazakh_letters():
    assert search.fold("ҚАЗАҚСТАН Ёлка «Әділет»-2026") == "казакстан елка адилет 2026"
    assert search.fold("Ұлы Үміт Һ і ғ ң ө й") == "улы умит х и г н о и"
    assert search.fold(None) == ""
    assert search.words('a"b* OR c') == ["a", "b", "or", "c"]


def _load(app) -> list[str]:
    email = add_user(app)
    business_id = make_business(app, email)
    numbers = []
    for body, official, description in TEXTS:
        complaint_id = filed_complaint(app, email, business_id, body_name=body, official_position=official or "",
                                       description=description)
        with app.app_context():
            numbers.append(db.session.get(Complaint, complaint_id).number)
    return numbers


def _results(app, numbers: list[str], query: str) -> set[int]:
    with app.app_context():
        page = queries.queue(QueueFilter(query=query), window=clock.window(local_today()), per_page=50)
        return {numbers.index(row.number) for row in page.rows}


@pytest.fixture
def loaded(app, keys):
    return _load(app)


def test_search_finds_words_by_prefix_whatever_the_case_and_letters(app, loaded):
    found = {query: _results(app, loaded, query) for query in QUERIES}
    assert found == QUERIES


def test_exact_number_and_bin(app, loaded):
    assert _results(app, loaded, loaded[2]) == {2}
    assert _results(app, loaded, loaded[2].lower()) == {2}
    with app.app_context():
        bin_number = db.session.scalar(select(Business.number))
    assert _results(app, loaded, bin_number) == {0, 1, 2, 3}
    assert _results(app, loaded, "PBI-C-1999-000001") == set()


def test_the_same_results_on_sqlite_and_postgresql(tmp_path):
    lite = create_app(base_config(tmp_path / "s"))  # SQLite, whatever the backend of the run
    with lite.app_context():
        db.create_all()
    with postgres_app(tmp_path / "p") as pg:
        results = {}
        for name, app in (("sqlite", lite), ("postgresql", pg)):
            with app.app_context():
                keystore().initialize()
            numbers = _load(app)
            results[name] = {query: _results(app, numbers, query) for query in QUERIES}
        assert results["sqlite"] == results["postgresql"] == QUERIES


def test_status_counts_follow_every_change(app, loaded, make_user):
    officer = make_user(Role.OFFICER)

    def by_group_by() -> dict[str, int]:
        return dict(db.session.execute(select(Complaint.status, func.count()).group_by(Complaint.status)).all())

    with app.app_context():
        assert queries.status_counts() == by_group_by() == {"registered": 4}
        first = db.session.scalars(select(Complaint).order_by(Complaint.id)).first()
        case_actions.take(find_by_email(officer), first)
        transactions.commit()
        assert queries.status_counts() == by_group_by() == {"registered": 3, "assigned": 1}
        db.session.execute(delete(Complaint).where(Complaint.status == "registered"))
        transactions.commit()
        assert queries.status_counts() == by_group_by() == {"assigned": 1}


def test_a_search_considers_only_the_newest_matches(app, loaded, monkeypatch):
    monkeypatch.setattr(search, "MAX_MATCHES", 1)  # the newest two (cap + 1) of the four matches
    assert _results(app, loaded, "2026") == {2, 3}


# --- who may search which texts -----------------------------------------------------------------

# (confidential?, assigned to) of four complaints that all say "взятка" in their description
SCOPED = [(True, "officer"), (True, "other"), (True, None), (False, "other")]


def _load_scoped(app) -> tuple[list[str], dict[str, str]]:
    email = add_user(app)
    business_id = make_business(app, email)
    staff = {"officer": add_user(app, Role.OFFICER), "other": add_user(app, Role.OFFICER),
             "supervisor": add_user(app, Role.SUPERVISOR)}
    numbers = []
    for confidential, assignee in SCOPED:
        complaint_id = filed_complaint(app, email, business_id, description="Маман взятка талап етті.",
                                       keep_identity_confidential="y" if confidential else "")
        with app.app_context():
            complaint = db.session.get(Complaint, complaint_id)
            numbers.append(complaint.number)
            if assignee:
                case_actions.take(find_by_email(staff[assignee]), complaint)
                transactions.commit()
    return numbers, staff


def _found_by(app, numbers: list[str], email: str, query: str) -> set[int]:
    with app.app_context():
        reader = queue_search.search_reader(find_by_email(email))
        page = queries.queue(QueueFilter(query=query, search_reader=reader), window=clock.window(local_today()),
                             per_page=50)
        assert page.total == len(page.rows)  # the count is the readable matches', not the index's
        return {numbers.index(row.number) for row in page.rows}


def _scoped_results(app) -> dict[str, set[int]]:
    numbers, staff = _load_scoped(app)
    results = {who: _found_by(app, numbers, email, "взятка") for who, email in staff.items()}
    # another officer's confidential case: found by its number (nothing of its text), not by its words
    results["officer by number"] = _found_by(app, numbers, staff["officer"], numbers[1])
    results["officer by two words"] = _found_by(app, numbers, staff["officer"], "маман взят")
    return results


EXPECTED_SCOPE = {
    "officer": {0, 2, 3},  # their own, the unassigned one, the one filed without confidentiality
    "other": {1, 2, 3},
    "supervisor": {0, 1, 2, 3},
    "officer by number": {1},
    "officer by two words": {0, 2, 3},
}


def test_an_officer_searches_only_the_texts_of_cases_they_may_read(app, keys):
    assert _scoped_results(app) == EXPECTED_SCOPE


def test_the_limit_holds_when_a_page_walks_the_queue_index(app, keys, monkeypatch):
    monkeypatch.setattr(search, "BROAD_MATCHES", 0)  # every word is "broad": the page walks the order's index
    assert _scoped_results(app) == EXPECTED_SCOPE


def test_the_search_limit_is_the_same_on_sqlite_and_postgresql(tmp_path):
    lite = create_app(base_config(tmp_path / "s"))
    with lite.app_context():
        db.create_all()
    with postgres_app(tmp_path / "p") as pg:
        results = {}
        for name, app in (("sqlite", lite), ("postgresql", pg)):
            with app.app_context():
                keystore().initialize()
            results[name] = _scoped_results(app)
        assert results["sqlite"] == results["postgresql"] == EXPECTED_SCOPE
