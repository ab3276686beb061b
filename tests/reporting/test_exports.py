"""Exports of the queue and of the audit log: opened by the csv module and openpyxl, compared with the pages.

The world: complaints filed through the service by two entrepreneurs, some confidential,
some assigned to one officer or the other, some unassigned, two decided; the export's
batches are made small so that every export crosses several of them.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select, update

from app import transactions
from app.accounts.models import Role, User
from app.accounts.services import find_by_email
from app.audit import queries as audit_queries
from app.audit.models import AuditEntry
from app.audit.services import canonical_json
from app.businesses.models import Business
from app.complaints import case_actions, clock, contacts, queries
from app.complaints.models import Complaint
from app.complaints.queries import QueueFilter
from app.extensions import db
from app.reporting import audit_export, exports, queue_export
from app.timeutil import local_today, to_local
from tests.accounts.test_step_up import age_sessions
from tests.conftest import BACKEND
from tests.factories import PASSWORD, add_user, filed_complaint, make_business, sign_in, totp_code

HEADERS = {
    "en": ["Number", "Received on", "Status", "Type of pressure", "Kind of state body", "State body", "District",
           "Due date", "Officer", "Outcome", "Decided on", "Complainant", "Business", "BIN"],
    "kk": ["Нөмірі", "Қабылданған күні", "Мәртебесі", "Қысым түрі"],
    "ru": ["Номер", "Дата приема", "Статус", "Вид давления"],
}
IDENTITY = slice(11, 14)
# (pressure type, body category, district, confidential, handler, decided outcome)
CASES = [
    ("bribe_extortion", "sanitary", "turkistan", True, "officer", None),
    ("bribe_extortion", "police", "kentau", True, "other", None),
    ("seizure", "sanitary", "arys", True, None, None),
    ("unscheduled_inspection", "state_revenue", "turkistan", False, "other", None),
    ("bribe_extortion", "sanitary", "kentau", False, None, None),
    ("raider_takeover", "police", "turkistan", True, "other", "confirmed"),
    ("seizure", "state_revenue", "arys", True, "officer", "not_confirmed"),
    ("bribe_extortion", "sanitary", "turkistan", True, None, None),
]
HOSTILE_BODY = "=HYPERLINK(\"http://evil.example\",\"click\")"


@pytest.fixture
def world(app, keys, monkeypatch):
    monkeypatch.setattr(queue_export, "BATCH", 3)
    monkeypatch.setattr(audit_export, "BATCH", 4)
    monkeypatch.setattr(exports, "CSV_ROWS_PER_CHUNK", 2)
    staff = {"officer": add_user(app, Role.OFFICER), "other": add_user(app, Role.OFFICER),
             "supervisor": add_user(app, Role.SUPERVISOR)}
    owners = [add_user(app), add_user(app)]
    businesses = [make_business(app, owner) for owner in owners]
    for n, (pressure, body, district, confidential, handler, outcome) in enumerate(CASES):
        complaint_id = filed_complaint(
            app, owners[n % 2], businesses[n % 2], received=datetime(2026, 11, 2 + 2 * n, 5), pressure_type=pressure,
            body_category=body, incident_district=district, incident_date="2026-10-01",
            keep_identity_confidential="y" if confidential else "",
            **({"body_name": HOSTILE_BODY} if n == 4 else {}))
        with app.app_context():
            complaint = db.session.get(Complaint, complaint_id)
            if handler:
                case_actions.take(find_by_email(staff[handler]), complaint)
            if outcome:  # a decided case (the decision's own rules: tests/complaints/test_case_actions.py)
                db.session.execute(update(Complaint).where(Complaint.id == complaint_id).values(
                    status="resolved", outcome=outcome, decided_at=datetime(2026, 11, 25, 19, 30),
                    decided_on=date(2026, 11, 26)))  # 19:30 UTC is the next day in Almaty
            transactions.commit()
    return staff


def queue_numbers(app, filters: QueueFilter) -> list[str]:
    """The queue page's numbers, page after page (5 a page), for ``filters``."""
    with app.app_context():
        window, numbers, page = clock.window(local_today()), [], 1
        while True:
            result = queries.queue(filters, window=window, page=page, per_page=5)
            numbers += [row.number for row in result.rows]
            if page >= result.pages:
                return numbers
            page += 1


def expected_identity(app, reader_email: str, number: str) -> list[str]:
    """The oracle: the complainant, business and BIN unless confidential and not reachable by the reader."""
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.number == number))
        reader = find_by_email(reader_email)
        if complaint.keep_identity_confidential and not contacts.may_reach(reader, complaint):
            return ["", "", ""]
        business = db.session.get(Business, complaint.business_id)
        return [db.session.get(User, complaint.filed_by_id).full_name, business.name, business.number]


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    assert response.status_code == 200
    assert response.mimetype == exports.XLSX_MIMETYPE
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    return [["" if v is None else v.date() if isinstance(v, datetime) else v for v in row]
            for row in sheet.iter_rows(values_only=True)]


def signed_in_client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_csv_has_a_bom_and_a_header_in_the_readers_language(app, world, lang):
    client = signed_in_client(app, world["supervisor"])
    table = read_csv(client.get(f"/staff/complaints/export.csv?lang={lang}"))
    assert table[0][:len(HEADERS[lang])] == HEADERS[lang] and len(table[0]) == 14
    assert len(table) == 1 + len(CASES)


QUERIES = {
    "": QueueFilter(),
    "?sort=received": QueueFilter(sort="received"),
    "?pressure_type=bribe_extortion": QueueFilter(pressure_type="bribe_extortion"),
    "?district=turkistan&sort=received": QueueFilter(district="turkistan", sort="received"),
    "?status=resolved": QueueFilter(status="resolved"),
    "?covered=no&body_category=sanitary": QueueFilter(covered=False, body_category="sanitary"),
}


@pytest.mark.parametrize("who", ["officer", "supervisor"])
def test_the_csv_has_the_queues_rows_in_its_order_with_identity_only_where_readable(app, world, who):
    client = signed_in_client(app, world[who])
    for query, filters in QUERIES.items():
        table = read_csv(client.get(f"/staff/complaints/export.csv{query}{'&' if query else '?'}lang=en"))[1:]
        assert [row[0] for row in table] == queue_numbers(app, filters), query
        for row in table:
            assert row[IDENTITY] == expected_identity(app, world[who], row[0]), (query, row[0])
    with app.app_context():
        reader = find_by_email(world[who])
        mine = QueueFilter(officer_id=reader.id)
        # an officer's word search reads only the texts they may read (queue_search.readable_text)
        searched = QueueFilter(query="маман", search_reader=reader.id if who == "officer" else None)
    table = read_csv(client.get("/staff/complaints/export.csv?mine=1"))[1:]
    assert [row[0] for row in table] == queue_numbers(app, mine)
    table = read_csv(client.get("/staff/complaints/export.csv?q=маман&sort=received"))[1:]
    expected = queue_numbers(app, dataclasses.replace(searched, sort="received"))
    assert [row[0] for row in table] == expected and 0 < len(expected) <= len(CASES)
    if who == "officer":
        assert len(expected) < len(CASES)  # the other officer's confidential cases are not searched
    assert read_csv(client.get(f"/staff/complaints/export.csv?q={expected[0]}"))[1:][0][0] == expected[0]


def test_an_officer_does_not_get_the_identity_of_another_officers_confidential_case(app, world):
    table = read_csv(signed_in_client(app, world["officer"]).get("/staff/complaints/export.csv?lang=en"))
    header, rows = table[0], table[1:]
    with app.app_context():
        other = find_by_email(world["other"]).full_name
        confidential_of_other = {c.number for c in db.session.scalars(select(Complaint).where(
            Complaint.keep_identity_confidential.is_(True),
            Complaint.assigned_officer_id == find_by_email(world["other"]).id))}
    assert len(confidential_of_other) == 2
    officer_column = header.index("Officer")
    for row in rows:
        if row[0] in confidential_of_other:
            assert row[officer_column] == other and row[IDENTITY] == ["", "", ""]
        else:
            assert all(row[IDENTITY])  # its own, unassigned ones (it may take them) and the open ones


def test_the_csv_cells_say_the_cases_fields_in_words(app, world):
    rows = read_csv(signed_in_client(app, world["supervisor"]).get("/staff/complaints/export.csv?status=resolved"
                                                                    "&lang=en"))[1:]
    with app.app_context():
        decided = {c.number: c for c in db.session.scalars(select(Complaint).where(Complaint.status == "resolved"))}
        for row in rows:
            complaint = decided[row[0]]
            assert row[1] == to_local(complaint.received_at).date().isoformat()
            assert row[2] == "Decision made" and row[7] == complaint.effective_due.isoformat()
            assert row[9] in {"The facts were confirmed", "The facts were not confirmed"}
            assert row[10] == complaint.decided_on.isoformat() == "2026-11-26"
    assert len(rows) == 2


def test_the_xlsx_has_the_same_rows_as_the_csv(app, world):
    client = signed_in_client(app, world["officer"])
    for query in ("?lang=ru", "?sort=received&lang=kk"):
        as_csv = read_csv(client.get(f"/staff/complaints/export.csv{query}"))
        as_xlsx = read_xlsx(client.get(f"/staff/complaints/export.xlsx{query}"))
        assert as_xlsx[0] == as_csv[0]
        assert [[cell.isoformat() if isinstance(cell, date) else str(cell) for cell in row]
                for row in as_xlsx[1:]] == as_csv[1:]
    leftovers = list(Path(app.instance_path).rglob("export-*"))
    assert leftovers == []  # the temporary workbook is gone once sent


def test_a_formula_in_a_cell_is_neutralised_in_both_formats(app, world):
    client = signed_in_client(app, world["supervisor"])
    [row] = [r for r in read_csv(client.get("/staff/complaints/export.csv"))[1:] if r[5].startswith("'")]
    assert row[5] == "'" + HOSTILE_BODY
    [cell] = [r[5] for r in read_xlsx(client.get("/staff/complaints/export.xlsx"))[1:] if r[5].startswith("'")]
    assert cell == "'" + HOSTILE_BODY


@pytest.mark.parametrize("text", ["=1+2", "+7 701", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(tmp_path, text):
    rows = [(text, 5, -3, date(2026, 1, 2), "plain", None)]
    table = list(csv.reader(io.StringIO(b"".join(exports.csv_chunks(["a", "b", "c", "d", "e", "f"], iter(rows)))
                                        .decode("utf-8-sig"))))
    assert table[1] == ["'" + text, "5", "-3", "2026-01-02", "plain", ""]  # numbers stay numbers
    workbook = b"".join(exports.xlsx_chunks(tmp_path, "t", ["a", "b", "c", "d", "e", "f"], iter(rows)))
    sheet = openpyxl.load_workbook(io.BytesIO(workbook)).active
    values = [c.value for c in sheet[2]]
    values[0] = values[0].replace("_x000D_", "\r")  # OOXML's escape of CR, which openpyxl leaves as it is
    assert values == ["'" + text, 5, -3, datetime(2026, 1, 2), "plain", None]
    assert sheet["A2"].data_type == "s"  # text, never a formula
    assert list(tmp_path.iterdir()) == []


def test_the_writers_consume_rows_as_they_stream():
    consumed = []

    def rows():
        for n in range(3 * exports.CSV_ROWS_PER_CHUNK):
            consumed.append(n)
            yield (n,)

    chunks = exports.csv_chunks(["n"], rows())
    next(chunks)  # the BOM and the header: no row read yet
    assert consumed == []
    next(chunks)
    assert len(consumed) == exports.CSV_ROWS_PER_CHUNK  # one chunk's rows, not all of them


def exports_logged(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_export_needs_a_recent_confirmation_and_is_audited_with_its_filters(app, world):
    client = signed_in_client(app, world["officer"])
    age_sessions(app)
    url = "/staff/complaints/export.xlsx?district=turkistan&sort=received&page=3"
    refused = client.get(url)
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/confirm-identity?next=/staff/complaints/export.xlsx")
    assert exports_logged(app, "export.complaints") == []  # nothing exported
    confirmed = client.post(refused.headers["Location"], data={"password": PASSWORD,
                                                               "code": totp_code(app, world["officer"])})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == url  # back to the same download
    assert len(read_xlsx(client.get(url))) == 1 + len(queue_numbers(app, QueueFilter(district="turkistan")))
    [entry] = exports_logged(app, "export.complaints")
    assert entry.actor_label == world["officer"]
    assert entry.details == canonical_json({"format": "xlsx",
                                            "filters": {"district": "turkistan", "sort": "received"}})


def test_the_audit_log_export_has_the_pages_entries_for_supervisors_only(app, world):
    assert signed_in_client(app, world["officer"]).get("/staff/audit/export.csv").status_code == 403
    client = signed_in_client(app, world["supervisor"])
    since = (local_today() - timedelta(days=1)).isoformat()
    query = f"?action=complaint.&since={since}&lang=en"
    table = read_csv(client.get(f"/staff/audit/export.csv{query}"))
    assert table[0] == ["No.", "Time", "User", "Action", "Subject type", "Subject number", "Details"]
    with app.app_context():
        everything = audit_queries.search(action="complaint.", since=date.fromisoformat(since), per_page=1000)
    assert everything.total > 2 * audit_export.BATCH
    assert [row[0] for row in table[1:]] == [str(row.id) for row in everything.rows]
    assert {row[3] for row in table[1:]} <= {"Complaint filed", "Complaint status changed"}
    assert table[1][6] == canonical_json(everything.rows[0].details)
    as_xlsx = read_xlsx(client.get(f"/staff/audit/export.xlsx{query}"))
    assert [row[0] for row in as_xlsx[1:]] == [row.id for row in everything.rows]
    logged = exports_logged(app, "export.audit")
    assert [entry.details for entry in logged] == [
        canonical_json({"format": kind, "filters": {"action": "complaint.", "since": since}})
        for kind in ("csv", "xlsx")]


@pytest.mark.skipif(BACKEND != "sqlite", reason="measures on SQLite itself: the SQLite pass runs it")
def test_the_export_benchmark_prints_its_line(tmp_path, monkeypatch, capsys):
    """P7 at tiny size (P2's 600-complaint registry, SQLite): the line's format only, no timing."""
    from bench import p7_export

    monkeypatch.setenv("PBI_BENCH_DIR", str(tmp_path))
    monkeypatch.delenv("PBI_TEST_POSTGRES_URL", raising=False)
    [line] = p7_export.run(tiny=True)
    assert line in capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"P7 export: 6\d\d rows csv \d+ rows/s, peak RSS \d+ MiB \(sqlite; \d+ MiB before the export, "
                        r"\d+\.\d MiB written, \d+\.\d s CPU in \d+\.\d s\)", line), line


def test_the_queue_and_audit_pages_link_to_their_exports_with_their_filters(app, world):
    client = signed_in_client(app, world["supervisor"])
    html = client.get("/staff/complaints?district=turkistan&sort=received&page=2").get_data(as_text=True)
    for kind in ("csv", "xlsx"):
        assert f'href="/staff/complaints/export.{kind}?district=turkistan&amp;sort=received"' in html
    html = client.get("/staff/audit?action=complaint.&upto=5").get_data(as_text=True)
    for kind in ("csv", "xlsx"):
        assert f'href="/staff/audit/export.{kind}?action=complaint."' in html
