"""/statistics and /statistics.csv: figures against a plain Python oracle, protection, cache, no writes."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from flask import session
from sqlalchemy import event

from app.accounts.services import find_by_email
from app.agreements.models import Agreement
from app.businesses.models import Association
from app.businesses.reference import DISTRICTS
from app.complaints.models import Complaint
from app.complaints.reference import OUTCOMES, PRESSURE_TYPES
from app.extensions import db
from app.reporting import public as statistics
from app.reporting.suppression import SMALL, linked_one_way
from app.timeutil import to_local, utcnow
from tests.conftest import translated
from tests.e2e.conftest import AccessibilityAudit, browser, live_app, live_server  # noqa: F401 (fixtures)
from tests.factories import add_user, make_business

KINDS = list(PRESSURE_TYPES)
DECISIONS = [*OUTCOMES, "forwarded", "rejected"]


class _Tables(HTMLParser):
    """Every <table> of a page as lists of cell texts, with the <h2> before it."""

    def __init__(self):
        super().__init__()
        self.tables, self._heading, self._text, self._row = [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "h2" or tag in ("th", "td"):
            self._text = ""
        elif tag == "table":
            self.tables.append([[self._heading]])
        elif tag == "tr":
            self._row = []

    def handle_endtag(self, tag):
        if tag == "h2":
            self._heading, self._text = self._text.strip(), None
        elif tag in ("th", "td") and self._row is not None:
            self._row.append(self._text.strip())
            self._text = None
        elif tag == "tr":
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._text is not None:
            self._text += data


def page_tables(html: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _rows(seed: int, now: datetime) -> list[dict]:
    """Complaints spread over fourteen months before ``now``, skewed so that some counts are small."""
    rng = random.Random(seed)
    districts = list(DISTRICTS)
    rows = []
    for n in range(320):
        received = now - timedelta(days=rng.choice([rng.randint(0, 60), rng.randint(0, 430)]),
                                   minutes=rng.randint(0, 1440))
        decided_on = decision = in_term = None
        district, kind = rng.choice(districts[:3] * 6 + districts), rng.choice(KINDS[:2] * 5 + KINDS)
        if rng.random() < 0.7:
            decided_on = min(to_local(received).date() + timedelta(days=rng.randint(0, 40)), to_local(now).date())
            decision = rng.choice(DECISIONS[:2] * 4 + DECISIONS)
            in_term = rng.random() < 0.8
        rows.append({"received_at": received, "district": district, "kind": kind, "decided_on": decided_on,
                     "decision": decision, "in_term": in_term, "body": f"Орган-{seed}-{n}-уникальный",
                     "official": f"Шенеунік-{seed}-{n}-Ерекше"})
    return rows


def _marks(expected: dict) -> set[str]:
    return {value for key, lines in expected.items() if key != "months" for line in lines for value in line}


def _generate(app, seed: int = 10) -> list[dict]:
    """The complaints of :func:`_rows`, for the first seed from ``seed`` on whose published tables
    show both marks today (the months of the window move with the date; the oracle decides)."""
    now, tag, data_seed = utcnow(), seed, seed  # tag: the names and numbers of this call's records
    today = to_local(now).date()
    while not {"< 10", "…"} <= _marks(_oracle(rows := _rows(data_seed, now), today)):
        data_seed += 1
    seed = tag
    owner = f"owner{seed}@example.kz"
    add_user(app, email=owner)
    business_id = make_business(app, owner)
    with app.app_context():
        user_id = find_by_email(owner).id
        for n, row in enumerate(rows):
            received, district, kind = row["received_at"], row["district"], row["kind"]
            decided_on, decision, in_term = row["decided_on"], row["decision"], row["in_term"]
            day = to_local(received).date()
            db.session.add(Complaint(
                number=f"T-{seed}-{n:05d}", business_id=business_id, filed_by_id=user_id,
                submission_token=f"s{seed}-{n}", pressure_type=kind, body_category="police",
                body_name=row["body"], official_name=row["official"], official_position="Маман",
                incident_date=day, incident_district=district, description="Сипаттама",
                consent_at=received, status="resolved" if decision else "registered", received_at=received,
                registration_day=day, due_date=day + timedelta(days=20), forwarding_due=day + timedelta(days=5),
                outcome=decision if decision in OUTCOMES else None,
                forwarded_to=f"Жолданған-орган-{seed}-{n}" if decision == "forwarded" else None,
                rejection_reason="Негіз жоқ" if decision == "rejected" else None,
                decided_at=datetime.combine(decided_on, datetime.min.time()) if decided_on else None,
                decided_on=decided_on, decided_in_term=in_term))
        association = Association(bin=f"9901400{seed:03d}11", name_kk=f"Қауымдастық-Бірегей-{seed}",
                                  name_ru=f"Ассоциация-Уникальная-{seed}",
                                  members_count=137, sectors="trade", head_name=f"Басшы Бірегей-{seed}",
                                  head_position="Төраға")
        idle = Association(bin=f"9901400{seed:03d}22", name_kk="Қауымдастық-Екінші", name_ru="Ассоциация-Вторая",
                           members_count=55, sectors="trade", head_name="Басшы Екінші", head_position="Төраға")
        db.session.add_all([association, idle])
        db.session.flush()
        for number, status, holder in ((f"{seed}-1", "active", association), (f"{seed}-2", "active", association),
                                       (f"{seed}-3", "expired", idle), (None, "draft", idle)):
            db.session.add(Agreement(number=number, association_id=holder.id, status=status, text_slug="standard",
                                     text_version="1", text_sha256="0" * 64, created_by_id=user_id))
        db.session.commit()
    return rows


def _oracle(rows: list[dict], today: date) -> dict[str, list[list[str]]]:
    """The published numbers, computed over the generated rows in plain Python, then suppressed."""
    months, (year, month) = [], (today.year, today.month)
    for _ in range(12):
        months.insert(0, (year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)

    def month_of(day: date) -> int | None:
        return months.index((day.year, day.month)) if (day.year, day.month) in months else None

    received = [r for r in rows if month_of(to_local(r["received_at"]).date()) is not None]
    decided = [r for r in rows if r["decided_on"] and month_of(r["decided_on"]) is not None]

    def column(items, key, keys):
        return [sum(1 for r in items if key(r) == k) for k in keys]

    def text(cell):
        return str(cell.value) if cell.published else ("< 10" if cell.mark == SMALL else "…")

    received_tables = linked_one_way([
        column(received, lambda r: month_of(to_local(r["received_at"]).date()), range(12)),
        column(received, lambda r: r["district"], DISTRICTS),
        column(received, lambda r: r["kind"], KINDS)])
    decided_tables = linked_one_way([
        column(decided, lambda r: month_of(r["decided_on"]), range(12)),
        column(decided, lambda r: r["district"], DISTRICTS),
        column(decided, lambda r: r["kind"], KINDS),
        column(decided, lambda r: r["decision"], DECISIONS)])

    def numbers(*tables):
        lines = [[text(t.cells[i]) for t in tables] for i in range(len(tables[0].cells))]
        return [*lines, [text(t.total) for t in tables]]

    in_term = sum(1 for r in decided if r["in_term"])
    return {
        "month": numbers(received_tables[0], decided_tables[0]),
        "district": numbers(received_tables[1], decided_tables[1]),
        "pressure_type": numbers(received_tables[2], decided_tables[2]),
        "decision": numbers(decided_tables[3]),
        "term": [[text(decided_tables[0].total)],
                 [f"{round(100 * in_term / len(decided))} %" if len(decided) >= 10 else "…"]],
        "agreements": [["2"], ["137"]],
        "months": [f"{m:02d}.{y}" for y, m in months],
    }


@pytest.fixture
def world(app):
    rows = _generate(app)
    with app.app_context():
        statistics.forget()
    return rows


@pytest.mark.parametrize("lang", ["en", "kk"])
def test_the_page_shows_the_oracles_figures_suppressed(app, client, world, lang):
    response = client.get(f"/statistics?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    expected = _oracle(world, to_local(utcnow()).date())
    tables = page_tables(html)
    assert len(tables) == 6
    by_key = dict(zip(["month", "district", "pressure_type", "decision", "term", "agreements"], tables, strict=True))
    for key, table in by_key.items():
        body = table[2:]  # the heading, the header row
        assert [line[1:] for line in body] == expected[key], key
    assert [line[0] for line in by_key["month"][2:-1]] == expected["months"]
    with app.test_request_context("/"):
        session["lang"] = lang
        districts = [str(name) for name in DISTRICTS.values()]
    assert [line[0] for line in by_key["district"][2:-1]] == districts
    assert by_key["district"][-1][0] == translated(app, lang, "Total")
    # a suppressed cell of each kind actually occurs in the generated data
    cells = {value for table in tables for line in table[2:] for value in line[1:]}
    assert "< 10" in cells and "…" in cells
    assert translated(app, lang, "Method") in html


def test_the_csv_holds_the_pages_tables_in_the_pages_language(app, client, world):
    html = client.get("/statistics?lang=ru").get_data(as_text=True)
    response = client.get("/statistics.csv?lang=ru")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0][0] == translated(app, "ru", "Public statistics of complaints")
    blocks, block = [], None
    for line in lines[1:]:
        if not line:
            block = []
            blocks.append(block)
        else:
            block.append(line)
    assert blocks == [[[table[0][0]], *table[1:]] for table in page_tables(html)]
    assert blocks[0][1][1] == translated(app, "ru", "Complaints received")


def test_no_body_official_business_or_person_is_named(app, client, world):
    with app.app_context():
        business_names = [b for (b,) in db.session.execute(db.text("SELECT name FROM businesses"))]
    secrets = [r["body"] for r in world] + [r["official"] for r in world] + business_names + [
        "Қауымдастық-Бірегей", "Ассоциация-Уникальная", "Басшы Бірегей", "owner10@example.kz"]
    secrets += [f"Жолданған-орган-10-{n}" for n in range(len(world))]
    for lang in ("kk", "ru", "en"):
        for url in ("/statistics", "/statistics.csv"):
            text = client.get(f"{url}?lang={lang}").get_data(as_text=True)
            assert not [secret for secret in secrets if secret in text], url


def test_figures_are_computed_once_per_max_age_and_a_read_writes_nothing(app, client, world):
    statements = []
    with app.app_context():
        engine = db.engine

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.strip().split()[0].upper())

    event.listen(engine, "before_cursor_execute", seen)
    try:
        first = page_tables(client.get("/statistics?lang=en").get_data(as_text=True))
        assert "SELECT" in statements
        assert set(statements) <= {"SELECT", "WITH", "BEGIN", "ROLLBACK", "SAVEPOINT", "RELEASE"}
        statements.clear()
        second = page_tables(client.get("/statistics?lang=en").get_data(as_text=True))
        assert first == second and not [s for s in statements if s == "SELECT"]  # kept: no query at all
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # more complaints are not shown until the figures are older than the maximum age
    _generate(app, seed=11)
    assert page_tables(client.get("/statistics?lang=en").get_data(as_text=True)) == first
    app.config["PBI_PUBLIC_STATISTICS_MAX_AGE_SECONDS"] = 0
    assert page_tables(client.get("/statistics?lang=en").get_data(as_text=True)) != first


def test_the_maximum_age_is_never_more_than_a_day(app):
    with app.app_context():
        assert statistics.max_age() == 3600
        app.config["PBI_PUBLIC_STATISTICS_MAX_AGE_SECONDS"] = 10 * 24 * 3600
        assert statistics.max_age() == 24 * 3600


def test_an_empty_registry_publishes_zeros_and_hides_the_share(app, client):
    html = client.get("/statistics?lang=en").get_data(as_text=True)
    tables = page_tables(html)
    assert tables[0][-1] == ["Total", "0", "0"]
    assert tables[4][2:] == [["Complaints decided in the period", "0"], ["Share decided within the legal term", "…"]]
    assert tables[5][2:] == [["Agreements in force", "0"],
                             ["Member businesses of the associations with an agreement in force", "0"]]


def test_every_page_links_to_the_statistics(client):
    page = client.get("/contacts?lang=en").get_data(as_text=True)
    main, footer = page.split('<footer class="site-footer">')
    assert 'href="/statistics"' in main and 'href="/statistics"' in footer


@pytest.mark.e2e
@pytest.mark.parametrize("width", [1280, 390])
def test_the_page_in_a_browser_passes_axe_and_fits_a_phone(browser, live_server, live_app, width):  # noqa: F811
    _generate(live_app)
    context = browser.new_context(base_url=live_server, locale="en-US", viewport={"width": width, "height": 844})
    page = context.new_page()
    audit = AccessibilityAudit(page)
    try:
        page.goto("/contacts?lang=en")
        page.locator(".site-footer").get_by_role("link", name="Public statistics").click()
        page.wait_for_url("**/statistics")
        assert page.locator("main table").count() == 6
        audit.scan_in_all_languages()
        for lang in ("kk", "ru", "en"):
            page.goto(f"/statistics?lang={lang}")
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner, f"/statistics [{lang}] scrolls sideways ({scroll} > {inner})"
        audit.assert_clean()
    finally:
        context.close()


def test_the_window_is_the_twelve_months_ending_with_the_current_one():
    months = statistics.window(date(2026, 1, 15))
    assert months[0] == date(2025, 2, 1) and months[-1] == date(2026, 1, 1) and len(set(months)) == 12
