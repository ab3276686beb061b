"""``flask demo scale``: synthetic data at volume that the app takes for its own (both backends)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from app.audit import services as audit
from app.businesses.identifiers import is_valid_bin, is_valid_iin
from app.calendar.workdays import default_calendar
from app.complaints import clock, queries, search
from app.complaints.models import Complaint
from app.complaints.queries import QueueFilter
from app.demo import DEMO_PASSWORD
from app.demo_scale import DOMAIN, EVIDENCE_PDF, scale, work_calendar
from app.demo_scale.rows import TABLES, Template, add_months
from app.documents.runtime import file_store
from app.extensions import db
from app.reporting import rollup
from app.timeutil import local_today, to_local
from tests.conftest import build_app

AS_OF = datetime(2026, 12, 1, 6, 30)
SMALL = {"complaints": 300, "associations": 10}


def _rows(sql: str, **params) -> list:
    return db.session.execute(text(sql), params).all()


def _counts() -> dict[str, int]:
    return {table: db.session.scalar(text(f"SELECT count(*) FROM {table}")) for table in TABLES}  # noqa: S608


def _orphans() -> list[str]:
    """Foreign keys that point nowhere (the bulk load runs without the database's checks)."""
    broken = []
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            column, target = key.parent, key.column
            missing = db.session.scalar(
                select(func.count()).select_from(table.outerjoin(target.table, column == target))
                .where(column.is_not(None), target.is_(None)))
            if missing:
                broken.append(f"{table.name}.{column.name}: {missing}")
    return broken


def _check_numbers(series_prefix: str, column: str, table: str, counter: str) -> None:
    by_year: dict[int, list[int]] = defaultdict(list)
    for (number,) in _rows(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"):  # noqa: S608
        prefix, year, value = re.fullmatch(r"(PBI-[ACD])-(\d{4})-(\d+)", number).groups()
        assert prefix == series_prefix
        by_year[int(year)].append(int(value))
    counters = {year: value for year, value in _rows("SELECT year, value FROM counters WHERE series = :s", s=counter)}
    for year, values in by_year.items():
        assert sorted(values) == list(range(1, len(values) + 1)), f"{series_prefix} {year} has gaps or repeats"
        assert counters[year] == len(values)


def _check_consistency() -> None:
    """What every load must leave behind, whatever was there before."""
    assert _orphans() == []
    grouped = dict(_rows("SELECT status, count(*) FROM complaints GROUP BY status"))
    maintained = {status: count for status, count in _rows("SELECT status, count FROM complaint_status_counts")
                  if count}
    assert maintained == grouped
    assert rollup.mismatches(db.session.connection()) == {}  # rebuilt at the end of the load
    report = audit.verify_chain()
    assert report.ok, report
    assert audit.head_state()[0] == report.checked == db.session.scalar(text("SELECT max(id) FROM audit_log"))
    _check_numbers("PBI-C", "number", "complaints", "complaint")
    _check_numbers("PBI-D", "number", "documents", "document")
    _check_numbers("PBI-A", "number", "agreements", "agreement")
    # the search text is what filing writes, and every complaint is in the index
    for row in _rows("SELECT c.number, c.body_name, c.official_name, c.official_position, c.description, "
                     "b.name, b.number, c.search_text FROM complaints c JOIN businesses b ON b.id = c.business_id"):
        assert row[7] == search.document(*row[:7]), row[0]
    if db.engine.dialect.name == "postgresql":  # the app's next insert gets a fresh id
        for table in TABLES:
            if TABLES[table][0] != "id" or table == "audit_log":
                continue
            sequence = db.session.scalar(text(f"SELECT pg_get_serial_sequence('{table}', 'id')"))
            last = db.session.scalar(text(f"SELECT last_value FROM {sequence}"))  # noqa: S608
            assert last >= (db.session.scalar(text(f"SELECT max(id) FROM {table}")) or 0), table  # noqa: S608
    if db.engine.dialect.name == "sqlite":
        indexed = db.session.scalar(text("SELECT count(*) FROM complaints_fts WHERE complaints_fts MATCH 'pbi'"))
        assert indexed == db.session.scalar(text("SELECT count(*) FROM complaints"))
        assert db.session.scalar(text("PRAGMA integrity_check")) == "ok"
    # each complaint's status is where its events lead; a talon each, a letter per decision
    last = dict(_rows("SELECT e.complaint_id, e.to_status FROM complaint_events e WHERE e.id = "
                      "(SELECT max(id) FROM complaint_events x WHERE x.complaint_id = e.complaint_id)"))
    for complaint_id, status, talon_id in _rows("SELECT id, status, talon_document_id FROM complaints"):
        assert last[complaint_id] == status
        assert talon_id is not None
    assert db.session.scalar(text(
        "SELECT count(*) FROM complaint_events WHERE action IN ('forward', 'resolve', 'reject')")) == \
        db.session.scalar(text("SELECT count(*) FROM documents WHERE kind = 'decision'"))
    _check_first_decisions()
    db.session.rollback()


def _check_first_decisions() -> None:
    """The first decision's day, working days and term, as the app's write path keeps them."""
    events = defaultdict(list)
    for complaint_id, event_id, action, at in _rows("SELECT complaint_id, id, action, at FROM complaint_events"):
        events[complaint_id].append((event_id, action, at if isinstance(at, datetime) else datetime.fromisoformat(at)))
    checked, calendar = 0, None
    for row in db.session.execute(select(Complaint).order_by(Complaint.registration_day)).scalars():
        calendar = calendar or work_calendar(row.registration_day.year)
        history = sorted(events[row.id])
        decisions = [(event_id, action, at) for event_id, action, at in history
                     if action in ("forward", "resolve", "reject")]
        if not decisions:
            assert (row.decided_on, row.decision_working_days, row.decided_in_term) == (None, None, None)
            continue
        event_id, action, at = decisions[0]
        extended_before = any(action == "extend" and other_id < event_id for other_id, action, _ in history)
        day = to_local(at).date()
        due = row.forwarding_due if action == "forward" else \
            (row.extended_until if extended_before and row.extended_until else row.due_date)
        working_days = sum(1 for offset in range(1, (day - row.registration_day).days + 1)
                           if calendar.is_working_day(date.fromordinal(row.registration_day.toordinal()
                                                                                 + offset)))
        assert (row.decided_on, row.decision_working_days, row.decided_in_term) == \
            (day, working_days, day <= due), row.number
        checked += 1
    assert checked


@pytest.fixture
def loaded(app, keys):
    with app.app_context():
        report = scale(**SMALL, seed=5, as_of=AS_OF, full_audit=True)
    return report


def test_adds_the_rows_it_reports_and_leaves_the_database_consistent(app, loaded):
    with app.app_context():
        counts = _counts()
        for table, added in loaded.added.items():
            assert counts[table] == added, table
        assert counts["complaints"] == 300
        assert counts["associations"] == 10 == counts["agreements"]
        assert counts["audit_log"] > 3 * counts["complaints"]  # filings, transitions, letters, messages
        actions = dict(_rows("SELECT action, count(*) FROM audit_log GROUP BY action"))
        assert actions["complaint.filed"] == 300 and actions["complaint.transition"] > 600
        _check_consistency()


def test_by_default_one_audit_row_per_filing(app, keys):
    with app.app_context():
        scale(**SMALL, seed=5, as_of=AS_OF)
        actions = dict(_rows("SELECT action, count(*) FROM audit_log GROUP BY action"))
        assert actions["complaint.filed"] == 300 and "complaint.transition" not in actions
        assert actions["agreement.transition"] >= 10
        _check_consistency()


def test_the_data_is_realistic(app, loaded):
    with app.app_context():
        statuses = Counter(dict(_rows("SELECT status, count(*) FROM complaints GROUP BY status")))
        assert statuses["closed"] + statuses["resolved"] + statuses["forwarded"] + statuses["rejected"] > 250
        today = to_local(AS_OF.replace(tzinfo=None)).date()
        old_open = db.session.scalar(text(
            "SELECT count(*) FROM complaints WHERE queue_rank = 0 AND effective_due < :today"), {"today": today})
        assert old_open <= 3  # ~0.2 % of old cases stay open and overdue
        years = {str(row[0])[:4] for row in _rows("SELECT received_at FROM complaints")}  # text or datetime
        assert len(years) >= 5
        received = [row[0] for row in _rows("SELECT received_at FROM complaints ORDER BY id")]
        assert received == sorted(received)  # numbered in the order of receipt
        # the legal clock is the app's own where its calendar has data
        calendar = default_calendar()
        for received_at, registration, due, forwarding in _rows(
                "SELECT received_at, registration_day, due_date, forwarding_due FROM complaints"):
            received_at = received_at if isinstance(received_at, datetime) else datetime.fromisoformat(received_at)
            if received_at.year < 2025:
                continue
            aware = received_at.replace(tzinfo=UTC)
            assert str(calendar.registration_day(aware)) == str(registration)
            assert str(calendar.consideration_due(aware)) == str(due)
            assert str(calendar.forwarding_due(aware)) == str(forwarding)
        for until, registration, due in _rows(
                "SELECT extended_until, registration_day, due_date FROM complaints WHERE extended_until IS NOT NULL"):
            limit = add_months(date.fromisoformat(str(registration)), 2)  # at most two months from registration
            assert str(due) < str(until) <= str(limit)
        # valid numbers, bodies and officials that recur
        for kind, number in _rows("SELECT kind, number FROM businesses"):
            assert (is_valid_bin if kind == "legal_entity" else is_valid_iin)(number), number
        assert all(is_valid_bin(bin) for (bin,) in _rows("SELECT bin FROM associations"))
        bodies = Counter(name for (name,) in _rows("SELECT body_name FROM complaints"))
        assert bodies.most_common(1)[0][1] >= 5
        officials = Counter(name for (name,) in _rows("SELECT official_name FROM complaints "
                                                      "WHERE official_name IS NOT NULL"))
        assert officials.most_common(1)[0][1] >= 3
        agreements = Counter(dict(_rows("SELECT status, count(*) FROM agreements GROUP BY status")))
        assert agreements["active"] >= 5
        # documents registered as reserve() makes them, their PDFs still to be made
        for kind, key, subject_type, subject_id, code, sha in _rows(
                "SELECT kind, issue_key, subject_type, subject_id, verification_code, sha256 FROM documents"):
            expected = {"complaint_receipt": rf"complaint:{subject_id}:talon",
                        "decision": rf"complaint:{subject_id}:decision:\d+",
                        "agreement": rf"agreement:{subject_id}"}[kind]
            assert re.fullmatch(expected, key), key
            assert subject_type == key.split(":")[0]
            assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", code) and sha is None
        # evidence downloads work: one stored PDF
        shas = {sha for (sha,) in _rows("SELECT DISTINCT sha256 FROM evidence")}
        assert len(shas) == 1 and file_store().get(shas.pop()) == EVIDENCE_PDF
        db.session.rollback()


def test_search_finds_a_generated_complaint_by_a_word_of_its_body(app, loaded):
    with app.app_context():
        complaint_id, body_name = _rows("SELECT id, body_name FROM complaints ORDER BY id DESC LIMIT 1")[0]
        word = max(search.fold(body_name).split(), key=len)
        page = queries.queue(QueueFilter(query=word), window=clock.window(local_today()), per_page=1000)
        assert complaint_id in {row.id for row in page.rows}
        number = _rows("SELECT number FROM complaints WHERE id = :id", id=complaint_id)[0][0]
        exact = queries.queue(QueueFilter(query=number), window=clock.window(local_today()))
        assert [row.id for row in exact.rows] == [complaint_id]


def _dump() -> dict[str, list]:
    columns = {table: [c for c in TABLES[table] if c not in {"password_hash"}] for table in TABLES}
    dump = {}
    for table, names in columns.items():
        order = "id" if names[0] == "id" else ", ".join(names)
        where = "WHERE email LIKE '%@scale.pbi.kz' AND role = 'entrepreneur'" if table == "users" else ""
        dump[table] = [tuple(map(str, row)) for row in _rows(
            f"SELECT {', '.join(names)} FROM {table} {where} ORDER BY {order}")]  # noqa: S608
    return dump


def test_the_same_seed_gives_the_same_data(tmp_path, app, keys):
    with app.app_context():
        scale(**SMALL, seed=11, as_of=AS_OF)
        first = _dump()
    other = build_app(tmp_path / "other")
    try:
        with other.app_context():
            from app.documents.runtime import keystore

            keystore().initialize()
            scale(**SMALL, seed=11, as_of=AS_OF)
            second = _dump()
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    assert first == second
    assert first["complaints"]


def test_running_it_again_adds_more_without_breaking_anything(app, loaded):
    with app.app_context():
        before = _counts()
        again = scale(**SMALL, seed=5, as_of=AS_OF)
        after = _counts()
        for table in TABLES:
            assert after[table] == before[table] + again.added[table], table
        staff = db.session.scalar(text(f"SELECT count(*) FROM users WHERE email LIKE '%@{DOMAIN}' "  # noqa: S608
                                       "AND role IN ('officer', 'supervisor')"))
        assert staff == 45  # the pool is reused
        assert db.session.scalar(text("SELECT count(DISTINCT number) FROM businesses")) == after["businesses"]
        _check_consistency()


def test_staff_pages_render_after_it(app, keys, client, auth):
    with app.app_context():
        scale(complaints=400, associations=5, seed=2)  # as of now: recent cases are open
        complaint_id = db.session.scalar(text("SELECT max(id) FROM complaints"))
        evidence_id = db.session.scalar(text(
            "SELECT min(id) FROM evidence WHERE complaint_id = :id AND message_id IS NULL"), {"id": complaint_id})
        open_cases = db.session.scalar(text("SELECT count(*) FROM complaints WHERE queue_rank = 0"))
        db.session.rollback()
    assert open_cases > 0
    assert auth.login(f"officer01@{DOMAIN}", DEMO_PASSWORD).status_code == 302
    for url in ("/staff/", "/staff/complaints", "/staff/complaints?page=3", "/staff/complaints?q=бөлімі",
                f"/staff/complaints/{complaint_id}"):
        response = client.get(url)
        assert response.status_code == 200, url
    if evidence_id:
        response = client.get(f"/staff/complaints/{complaint_id}/evidence/{evidence_id}")
        assert response.status_code == 200 and response.data == EVIDENCE_PDF


def test_command_line(app, keys, runner):
    result = runner.invoke(args=["demo", "scale", "--complaints", "40", "--associations", "2", "--seed", "3",
                                 "--as-of", "2026-12-01T06:30:00"])
    assert result.exit_code == 0, result.output
    assert "40 complaints" in result.output and DEMO_PASSWORD in result.output
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output


def test_historical_years_of_the_calendar():
    calendar = work_calendar(2020)
    assert not calendar.is_working_day(date(2023, 6, 28))  # Kurban Ait
    assert not calendar.is_working_day(date(2024, 8, 30))  # Constitution Day, then
    assert not calendar.is_working_day(date(2022, 3, 21))
    assert calendar.is_working_day(date(2022, 3, 24))
    assert not calendar.is_working_day(date(2021, 12, 17))
    assert calendar.is_working_day(date(2022, 12, 19))  # 17 December (a Saturday) no longer a holiday
    assert not calendar.is_working_day(date(2023, 12, 18))  # 16 December on a Saturday moves to Monday
    for year in default_calendar().covered_years:
        assert calendar.year(year) is default_calendar().year(year)


def test_templates_refuse_a_slot_glued_to_a_word():
    with pytest.raises(ValueError):
        Template.of("{date}күні")
    with pytest.raises(ValueError):
        Template.of("№{amount} теңге")
    texts, folds = [], []
    Template.of("{date} күні {who}: «{amount}» теңге.").fill(
        {"date": "01.02.2024", "who": "Бас маман Ә. Қасымов", "amount": "300 000"}, texts, folds)
    assert " ".join(folds) == search.fold(texts[0])
