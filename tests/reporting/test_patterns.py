"""The repeat-offender view: the groups checked against a plain Python oracle over generated complaints,
its filters and their refusals, its audit entry, the case page's "appears in N other complaints", and the
keys written by the filing path and the migration."""

from __future__ import annotations

import html
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, update

from app import demo, transactions
from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.complaints.models import Complaint
from app.demo_scale import scale
from app.documents.runtime import keystore
from app.extensions import db
from app.reporting import names, patterns
from app.reporting.patterns import PatternFilter
from app.timeutil import to_local
from tests.conftest import build_app, migrated_app
from tests.factories import add_user, filed_complaint, make_business, sign_in

LAND = ["ГУ «Отдел земельных отношений Сайрамского района»", "Отдел земельных отношений Сайрамского района",
        "OТДЕЛ земельных отношений сайрамского района", "«Отдел земельных отношений Сайрамского района»"]
REVENUE = ["Кентау қаласы бойынша мемлекеттік кірістер басқармасы", "Кентау қаласы бойынша МКБ",
           "кентау каласы бойынша УГД"]
AKIMAT = ["Сайрам ауданының әкімдігі", "САЙРАМ АУДАНЫНЫҢ ӘКІМДІГІ"]
SINGLE = ["Отырар аудандық полиция бөлімі", "Арыс қаласының санитариялық бөлімі", "Түркістан облысының ДЧС"]
# (spellings of a body, spellings of an official of it or None, how many complaints)
PLAN = [(LAND, ["Ерланов Серік", "ЕРЛАНОВ  СЕРІК", "Ерланов Серiк"], 8), (LAND, None, 5),
        (REVENUE, ["Әлиева Гүлнар", "Алиева Гулнар"], 3), (REVENUE, ["Ерланов Серік"], 1), (REVENUE, None, 2),
        (AKIMAT, None, 3), *[([name], None, 1) for name in SINGLE]]
PRESSURES = ["bribe_extortion", "unscheduled_inspection", "permit_obstruction", "seizure"]
# the final state of a case: (status, outcome, forwarded_to, rejection_reason); None: left as filed (open)
FINALS = [None, None, ("in_review", None, None, None), ("resolved", "confirmed", None, None),
          ("resolved", "partially_confirmed", None, None), ("closed", "not_confirmed", None, None),
          ("forwarded", None, "Прокуратура", None), ("closed", None, "Прокуратура", None),
          ("rejected", None, None, "Шағым мемлекеттік органға қатысты емес.")]
OPEN = {"registered", "assigned", "in_review", "info_requested", "appealed"}


@dataclass
class World:
    app: Flask
    rows: list[Complaint]  # every complaint, detached


def _file_registry(app) -> list[Complaint]:
    """About 26 complaints naming a few bodies and officials, spelled in several ways, at random times and states."""
    rng = random.Random(10)
    owner = add_user(app)
    business_id = make_business(app, owner)
    plan = [(bodies, officials) for bodies, officials, count in PLAN for _ in range(count)]
    rng.shuffle(plan)
    for bodies, officials in plan:
        received = datetime(2026, 9, 1, 3) + timedelta(hours=rng.randrange(0, 88 * 24))
        complaint_id = filed_complaint(
            app, owner, business_id, received=received, body_name=rng.choice(bodies),
            official_name=rng.choice(officials) if officials else "", pressure_type=rng.choice(PRESSURES),
            incident_date="2026-08-20")
        final = rng.choice(FINALS)
        if final:  # the decisions' own rules are tested with the case actions
            with app.app_context():
                status, outcome, forwarded_to, rejection = final
                db.session.execute(update(Complaint).where(Complaint.id == complaint_id).values(
                    status=status, outcome=outcome, forwarded_to=forwarded_to, rejection_reason=rejection))
                transactions.commit()
    with app.app_context():
        rows = list(db.session.scalars(select(Complaint)))
        db.session.expunge_all()
    return rows


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One registry for the module's read-only tests (filing it is the slow part)."""
    app = build_app(tmp_path_factory.mktemp("patterns"))
    with app.app_context():
        keystore().initialize()
    yield World(app, _file_registry(app))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def staff_client(app, role: Role):
    client = app.test_client()
    email = add_user(app, role)
    assert sign_in(client, email).status_code == 302
    return client, email


def _outcome(c: Complaint) -> str:
    if c.status in OPEN:
        return "open"
    if c.status in ("forwarded", "rejected"):
        return c.status
    if c.outcome:
        return c.outcome
    return "forwarded" if c.forwarded_to else "rejected"


def oracle(rows, *, kind="body", minimum=2, received_from=None, received_to=None, pressure_type=None):
    """The expected groups, by Python over the complaints (keys computed from the names as written)."""
    groups = defaultdict(list)
    for c in rows:
        day = to_local(c.received_at).date()
        if (received_from and day < received_from) or (received_to and day > received_to):
            continue
        if pressure_type and c.pressure_type != pressure_type:
            continue
        body = names.body_key(c.body_name)
        official = names.official_key(c.official_name)
        if kind == "official" and official is None:
            continue
        groups[(body, official if kind == "official" else None)].append(c)
    expected = {}
    for key, cases in groups.items():
        if len(cases) < minimum:
            continue
        spellings = Counter((c.body_name, c.official_name if kind == "official" else None) for c in cases)
        top = max(spellings.values())
        newest = sorted(cases, key=lambda c: (c.received_at, c.id), reverse=True)[:patterns.CASES_SHOWN]
        expected[key] = {
            "count": len(cases), "first": min(c.received_at for c in cases), "last": max(c.received_at for c in cases),
            "name": min(name for name, n in spellings.items() if n == top),
            "pressures": dict(Counter(c.pressure_type for c in cases)),
            "outcomes": {name: sum(1 for c in cases if _outcome(c) == name) for name in patterns.OUTCOMES},
            "cases": [c.number for c in newest],
        }
    return expected


def listed(app, filters: PatternFilter, per_page: int = 2):
    """Every row of every page, as the oracle describes them; and the counts in the order listed."""
    with app.app_context():
        first = patterns.patterns(filters, page=1, per_page=per_page)
        pages = [first] + [patterns.patterns(filters, page=n, per_page=per_page) for n in range(2, first.pages + 1)]
    rows = [row for page in pages for row in page.rows]
    got = {(row.body_key, row.official_key): {
        "count": row.count, "first": row.first_received, "last": row.last_received,
        "name": (row.body_name, row.official_name), "pressures": dict(row.pressure_types), "outcomes": row.outcomes,
        "cases": [case.number for case in row.cases]} for row in rows}
    assert len(got) == len(rows) == first.total  # no row twice across the pages
    return got, [row.count for row in rows]


@pytest.mark.parametrize("filters", [
    PatternFilter(), PatternFilter(kind="official"), PatternFilter(minimum=3), PatternFilter(minimum=9),
    PatternFilter(received_from=date(2026, 10, 1), received_to=date(2026, 10, 31)),
    PatternFilter(pressure_type="bribe_extortion", minimum=2),
    PatternFilter(kind="official", received_from=date(2026, 10, 15)),
], ids=["default", "officials", "min3", "min9", "october", "bribes", "officials-late"])
def test_the_list_is_what_python_finds_grouping_the_complaints_by_their_names(world, filters):
    expected = oracle(world.rows, kind=filters.kind, minimum=filters.minimum, received_from=filters.received_from,
                      received_to=filters.received_to, pressure_type=filters.pressure_type)
    got, counts = listed(world.app, filters)
    assert got == expected
    assert counts == sorted(counts, reverse=True)  # the most complaints first


def test_the_world_has_the_patterns_it_was_made_for(world):
    rows = oracle(world.rows)
    land = rows[(names.body_key(LAND[1]), None)]
    assert land["count"] == 13 and len(land["cases"]) == patterns.CASES_SHOWN  # four spellings, one body
    assert rows[(names.body_key(REVENUE[0]), None)]["count"] == 6
    assert all(len(key[0].split()) > 1 for key in rows)  # the single ones are not listed
    officials = oracle(world.rows, kind="official")
    assert officials[(names.body_key(LAND[0]), "ерланов серик")]["count"] == 8
    assert (names.body_key(REVENUE[0]), "ерланов серик") not in officials  # a namesake in another body: one


def test_one_body_and_its_officials_and_its_complaints(world):
    key = names.body_key(LAND[0])
    got, _counts = listed(world.app, PatternFilter(body=key))
    assert list(got) == [(key, None)]
    got, _counts = listed(world.app, PatternFilter(kind="official", body=key))
    assert list(got) == [(key, "ерланов серик")]
    with world.app.app_context():
        page = patterns.cases(PatternFilter(body=key), per_page=5)
        assert (page.total, page.pages) == (13, 3)
        numbers = [case.number for n in (1, 2, 3) for case in patterns.cases(PatternFilter(body=key), page=n,
                                                                               per_page=5).rows]
    mine = sorted((c for c in world.rows if names.body_key(c.body_name) == key), key=lambda c: (c.received_at, c.id),
                  reverse=True)
    assert numbers == [c.number for c in mine]


def _page(client, **query):
    response = client.get("/staff/patterns", query_string={"lang": "en", **query})
    return response.status_code, response.get_data(as_text=True)


def _audit(app, after: int = 0) -> list[tuple[AuditEntry, dict]]:
    """The view's audit entries after the entry ``after``."""
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "complaint.patterns", AuditEntry.id > after).order_by(AuditEntry.id)))
        db.session.expunge_all()
    return [(entry, json.loads(entry.details)) for entry in entries]


def _last_entry(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(AuditEntry.id))) or 0


def test_the_page_lists_the_rows_and_each_view_is_audited_with_its_filter(world):
    client, email = staff_client(world.app, Role.OFFICER)
    before = _last_entry(world.app)
    status, page = _page(client, min="3", **{"from": "2026-09-01"})
    assert status == 200
    assert "Recurring bodies and officials" in page
    expected = oracle(world.rows, minimum=3, received_from=date(2026, 9, 1))
    top = max(expected.values(), key=lambda row: row["count"])
    assert html.escape(top["name"][0], quote=False) in page
    assert f'<td class="pattern-count">{top["count"]}</td>' in page
    for number in top["cases"]:
        assert number in page
    [(entry, details)] = _audit(world.app, before)
    assert entry.actor_label == email
    assert (details["min"], details["from"], details["kind"], details["page"]) == (3, "2026-09-01", "body", 1)
    assert details["groups"] == len(expected)
    assert set(top["cases"]) <= set(details["shown"])


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"min": "1"}, "min", "Enter a whole number from 2 to 1000."),
    ({"min": "1001"}, "min", "Enter a whole number from 2 to 1000."),
    ({"min": "99999999999999999999999"}, "min", "Enter a whole number from 2 to 1000."),
    ({"min": "two"}, "min", "Enter a whole number from 2 to 1000."),
    ({"from": "2026-13-01"}, "from", "Enter a date from 1900-01-01 to 2999-12-31."),
    ({"to": "0001-01-01"}, "to", "Enter a date from 1900-01-01 to 2999-12-31."),
    ({"from": "2026-11-02", "to": "2026-11-01"}, "to", "The end of the period cannot be before its start."),
    ({"pressure_type": "gossip"}, "pressure_type", "Choose a type of pressure from the list."),
])
def test_a_filter_that_cannot_be_used_is_refused_beside_its_field(app, client, signed_in, query, field, message):
    signed_in(Role.SUPERVISOR)
    status, page = _page(client, **query)
    assert status == 400
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in page
    for name, value in query.items():
        if name != "pressure_type":  # a choice that is not in the list cannot be shown as chosen
            assert f'value="{value}"' in page  # what was typed is kept
    assert _audit(app) == []  # nothing listed, nothing read


def test_the_default_threshold_and_the_kind_when_nothing_is_given(world):
    client, _email = staff_client(world.app, Role.ADMIN)
    before = _last_entry(world.app)
    status, _html = _page(client, kind="nonsense", min="")
    assert status == 200
    [(_entry, details)] = _audit(world.app, before)
    assert (details["kind"], details["min"]) == ("body", 2)
    assert details["groups"] == len(oracle(world.rows))


def test_the_case_page_says_how_many_other_complaints_name_the_same_body_and_official(world):
    client, _email = staff_client(world.app, Role.OFFICER)
    registry = world.rows
    land = names.body_key(LAND[0])
    named = next(c for c in registry if names.body_key(c.body_name) == land and c.official_name)
    page = client.get(f"/staff/complaints/{named.id}?lang=en").get_data(as_text=True)
    assert "The same body appears in 12 other complaints" in page
    assert "The same official appears in 7 other complaints" in page
    link = f'href="/staff/patterns?{urlencode({"body": land})}"'
    assert link in page
    listed_page = client.get(link[6:-1]).get_data(as_text=True)  # the link lists that body's complaints
    for c in registry:
        assert (c.number in listed_page) == (names.body_key(c.body_name) == land)
    single = next(c for c in registry if c.body_name == SINGLE[0])
    page = client.get(f"/staff/complaints/{single.id}?lang=en").get_data(as_text=True)
    assert "The same body appears" not in page and "The same official appears" not in page
    revenue = next(c for c in registry if names.official_key(c.official_name) == "ерланов серик"
                   and names.body_key(c.body_name) == names.body_key(REVENUE[0]))
    page = client.get(f"/staff/complaints/{revenue.id}?lang=en").get_data(as_text=True)
    assert "The same body appears in 5 other complaints" in page
    assert "The same official appears" not in page  # the namesake of another body is not counted
    akimat = next(c for c in registry if names.body_key(c.body_name) == names.body_key(AKIMAT[0]))
    page = client.get(f"/staff/complaints/{akimat.id}?lang=kk").get_data(as_text=True)
    assert "басқа 2 шағымда" in page


def test_filing_writes_the_keys(world):
    for c in world.rows:
        assert (c.body_key, c.official_key) == (names.body_key(c.body_name), names.official_key(c.official_name))


def test_the_migration_computes_the_keys_of_existing_complaints(tmp_path, keys):
    with migrated_app(tmp_path) as app:
        _backfilled(app)


def _backfilled(app) -> None:
    owner = add_user(app)
    business_id = make_business(app, owner)
    filed = {filed_complaint(app, owner, business_id, body_name=name, official_name=official)
             for name, official in ((LAND[0], "ЕРЛАНОВ Серік"), (REVENUE[1], ""), ("«»", ""))}
    with app.app_context():
        downgrade(revision="0007_docs")
        upgrade()
        rows = list(db.session.scalars(select(Complaint).where(Complaint.id.in_(filed)).order_by(Complaint.id)))
        assert [(c.body_key, c.official_key) for c in rows] == [
            (names.body_key(LAND[0]), "ерланов серик"), (names.body_key(REVENUE[1]), None), ("", None)]


def test_the_demo_shows_a_body_and_an_official_written_differently_in_three_complaints(tmp_path):
    app = build_app(tmp_path)
    try:
        with app.app_context():
            keystore().initialize()
            demo.create()
            bodies = patterns.patterns(PatternFilter(minimum=3)).rows
            officials = patterns.patterns(PatternFilter(kind="official", minimum=3)).rows
            office = names.body_key(demo.REVENUE_OFFICE)
            assert [(row.body_key, row.count) for row in bodies] == [(office, 3)]
            assert [(row.official_key, row.count) for row in officials] == [(names.official_key(
                demo.REVENUE_OFFICIAL), 3)]
            written = db.session.execute(select(Complaint.body_name, Complaint.official_name).where(
                Complaint.body_key == office)).all()
            assert len({body for body, _official in written}) == 3 and len(set(written)) == 3
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_scale_generator_writes_the_keys_and_its_bodies_recur(app, keys):
    with app.app_context():
        scale(complaints=200, associations=5, seed=3, as_of=datetime(2026, 12, 1, 6, 30))
        rows = db.session.execute(select(Complaint.body_name, Complaint.official_name, Complaint.body_key,
                                         Complaint.official_key)).all()
        assert len(rows) == 200
        for body_name, official_name, body, official in rows:
            assert (body, official) == (names.body_key(body_name), names.official_key(official_name))
        assert patterns.patterns(PatternFilter(minimum=3)).total > 0
        assert patterns.patterns(PatternFilter(kind="official")).total > 0


@pytest.mark.parametrize("query", [
    {"body": "<script>alert(1)</script>", "official": "' OR 1=1 --"}, {"body": "x" * 5000},
    {"page": "999999"}, {"page": "-1"}, {"cases_page": "abc", "body": "отдел"}, {"kind": "official", "min": "1000"},
    "from=%FF%FE&to=2026-02-30&body=%C0%AF", {"min": " 3 "}, {"pressure_type": ""},
])
def test_strange_values_get_an_answer_never_a_server_error(app, client, signed_in, query):
    signed_in(Role.OFFICER)
    if isinstance(query, str):  # bytes that are not UTF-8
        response = client.get(f"/staff/patterns?{query}")
        status, page = response.status_code, response.get_data(as_text=True)
    else:
        status, page = _page(client, **query)
    assert status in (200, 400)
    assert "<script>alert(1)</script>" not in page
