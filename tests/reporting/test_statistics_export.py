"""The statistics tables as CSV and XLSX: the page's filters, the oracle's figures, step-up and audit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.businesses.reference import district_name
from app.extensions import db
from app.reporting import periods
from app.reporting.statistics import StatisticsFilter
from app.timeutil import local_today
from tests.accounts.test_step_up import age_sessions
from tests.reporting import statistics_world as oracle
from tests.reporting.statistics_world import build, complaints
from tests.reporting.test_exports import read_csv, read_xlsx, signed_in_client

YEAR = periods.year(2026)
HEADERS = {"en": ["Table", "Row", "Complaints received", "Decisions made", "Open", "Overdue"],
           "ru": ["Таблица", "Строка", "Поступило жалоб"], "kk": ["Кесте", "Жол", "Түскен шағымдар"]}


@pytest.fixture
def world(app):
    return build(app, count=160)


def _tables(rows: list[list]) -> dict[str, dict[str, list]]:
    tables: dict[str, dict[str, list]] = {}
    for table, label, *values in rows[1:]:
        tables.setdefault(table, {})[label] = ["" if value is None else value for value in values]
    return tables


def test_the_tables_are_the_oracles_figures_for_the_pages_filters(app, world):
    client = signed_in_client(app, world.officer_emails["c"])  # a supervisor: every officer's workload
    table = read_csv(client.get(f"/staff/statistics/export.csv?lang=en&period={YEAR.code}&covered=no"))
    assert table[0] == HEADERS["en"]
    tables = _tables(table)
    rows, f, today = complaints(app), StatisticsFilter(YEAR, covered=False), local_today()
    headline = oracle.headline(rows, f, YEAR)
    open_now = sum(1 for c in rows if oracle.matches(c, f) and oracle.is_open(c))
    overdue_now = sum(1 for c in rows if oracle.matches(c, f) and oracle.is_overdue(c, today))
    assert tables["Totals"]["All complaints"] == [str(headline["received"]), str(headline["decided"]),
                                                  str(open_now), str(overdue_now)]
    districts = oracle.breakdown(rows, f, lambda c: c.incident_district)
    assert tables["By district"] == {district_name(code): [str(received), str(decided), "", ""]
                                     for code, (received, decided) in districts.items()}
    workload = [values for name, _label, *values in table[1:] if name == "Officers' workload"]
    assert len(workload) == 3  # two officers and the supervisor handling appeals
    assigned_open = sum(1 for c in rows if oracle.matches(c, f) and oracle.is_open(c) and c.assigned_officer_id)
    assert sum(int(values[2]) for values in workload) == assigned_open
    xlsx = read_xlsx(client.get(f"/staff/statistics/export.xlsx?lang=en&period={YEAR.code}&covered=no"))
    assert [[str(value) for value in row] for row in xlsx] == table


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_columns_are_named_in_the_readers_language(app, world, lang):
    client = signed_in_client(app, world.officer_emails["c"])
    table = read_csv(client.get(f"/staff/statistics/export.csv?lang={lang}&period={YEAR.code}"))
    assert table[0][:3] == HEADERS[lang]


def test_an_officer_gets_their_own_workload_row_only(app, world):
    client = signed_in_client(app, world.officer_emails["a"])
    table = read_csv(client.get(f"/staff/statistics/export.csv?lang=en&period={YEAR.code}"))
    rows, f = complaints(app), StatisticsFilter(YEAR)
    own_open = sum(1 for c in rows if oracle.is_open(c) and c.assigned_officer_id == world.officers["a"])
    workload = [values for name, _label, *values in table[1:] if name == "Officers' workload"]
    assert len(workload) == 1 and int(workload[0][2]) == own_open
    assert int(_tables(table)["Totals"]["All complaints"][0]) == oracle.headline(rows, f, YEAR)["received"]


def test_it_steps_up_is_audited_with_its_filters_and_refuses_a_wrong_filter(app, world):
    client = signed_in_client(app, world.officer_emails["c"])
    age_sessions(app)
    refused = client.get(f"/staff/statistics/export.csv?period={YEAR.code}&district=kentau")
    assert refused.status_code == 302 and refused.headers["Location"].startswith(
        "/confirm-identity?next=/staff/statistics/export.csv")
    with app.app_context():
        assert not db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.statistics")).all()
    client = signed_in_client(app, world.officer_emails["c"])
    assert client.get(f"/staff/statistics/export.xlsx?period={YEAR.code}&district=kentau").status_code == 200
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.statistics")).one()
        assert json.loads(entry.details) == {"format": "xlsx", "filters": {"period": YEAR.code, "district": "kentau"}}
    wrong = client.get("/staff/statistics/export.csv?lang=en&period=year:1800&district=nowhere")
    assert wrong.status_code == 302 and wrong.headers["Location"].startswith("/staff/statistics?")
    page = client.get(wrong.headers["Location"])
    assert page.status_code == 400 and "Choose a value from the list." in page.get_data(as_text=True)
