"""The monthly signed report: issued by the CLI and from /staff/statistics, checked by pdfsig and pdftotext."""

from __future__ import annotations

import io
import json
import re
import subprocess
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.complaints.models import Complaint
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db
from app.reporting import periods
from app.reporting.charts import COLOURS
from app.reporting.monthly_pdf import share
from app.reporting.names import body_key
from app.reporting.patterns import PatternFilter, patterns
from app.reporting.statistics import StatisticsFilter, figures
from app.timeutil import local_today
from tests.reporting import statistics_world as oracle
from tests.reporting.statistics_world import build, complaints
from tests.reporting.test_exports import signed_in_client
from tests.tools import assert_signed_whole_and_valid, pdftotext

MONTH = date(2026, 11, 1)
LINES = {  # the report's row (Kazakh / Russian) -> the Headline field it prints
    "Түскен шағымдар / Поступило жалоб": "received",
    "Қабылданған шешімдер / Принято решений": "decided",
    "Фактілер расталды / Факты подтвердились": "confirmed",
    "Фактілер ішінара расталды / Факты подтвердились частично": "partially_confirmed",
    "Фактілер расталмады / Факты не подтвердились": "not_confirmed",
    "Құзыретті органға жіберілді / Направлено в компетентный орган": "forwarded",
    "Қараусыз қалдырылды / Оставлено без рассмотрения": "rejected",
    "Шешімге дейінгі жұмыс күндері, медиана / Рабочих дней до решения, медиана": "median_days",
    "Заңды мерзімде шешілді / Решено в установленный законом срок": "in_term",
    "Қарау мерзімі ұзартылды / Срок рассмотрения продлен": "extended",
    "Шешімдерге шағымдар / Обжалования решений": "appeals",
}


@pytest.fixture
def world(app, keys):
    built = build(app, count=400)
    with app.app_context():  # the generated rows carry no comparison keys: give them theirs, as filing does
        for complaint in db.session.scalars(select(Complaint)):
            complaint.body_key = body_key(complaint.body_name)
        db.session.commit()
    return built


def _issue(runner, *args: str):
    return runner.invoke(args=["report", "monthly", *args])


def _number(output: str) -> str:
    return output.strip().rsplit(" ", 1)[-1]


def _checked_text(app, data: bytes, tmp_path) -> str:
    """The PDF's text in one line, after pdfsig found it signed over the whole file and valid."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    assert_signed_whole_and_valid(path)
    return " ".join(pdftotext(path).split())


def _stored_text(app, number: str, tmp_path) -> str:
    with app.app_context():
        data = documents.pdf_bytes(documents.by_number(number))
    return _checked_text(app, data, tmp_path)


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _details(entry: AuditEntry) -> dict:
    return json.loads(entry.details)


def _shown(value) -> str:
    return "—" if value is None else str(value)


def test_the_cli_issues_a_signed_report_with_the_months_figures(app, world, runner, tmp_path):
    result = _issue(runner, "--month", "2026-11")
    assert result.exit_code == 0, result.output
    assert "Issued the monthly report of 2026-11: PBI-D-" in result.output
    text = _stored_text(app, _number(result.output), tmp_path)
    with app.app_context():
        month = periods.month(MONTH)
        result = figures(StatisticsFilter(month), local_today())
        top = patterns(PatternFilter(received_from=month.start, received_to=month.end), per_page=10).rows
    current, previous = result.current, result.previous
    assert "Ай сайынғы есеп: қараша 2026" in text and "Ежемесячный отчет: ноябрь 2026" in text
    assert "Департамент басшысына / Руководителю Департамента" in text
    assert "Департамент Агентства Республики Казахстан по противодействию коррупции" in text  # the letterhead
    assert current.received > 0 and current.decided > 0  # the world has November's complaints and decisions
    for label, name in LINES.items():
        now, before = getattr(current, name), getattr(previous, name)
        assert f"{label} {_shown(now)} {_shown(before)} " in text, label
    assert f"{current.in_term}/{current.decided}" in text.replace(" / ", "/")
    assert f"Доля решенных в срок {share(current.in_term, current.decided)}" in text
    assert f"В предыдущем месяце {share(previous.in_term, previous.decided)}" in text
    assert f"ожидают руководителя {current.appeals_waiting}" in text
    assert f"{result.open_now}" in text and f"{result.overdue_now}" in text
    # the trend: the twelve months ending with November, each with the received and decided of figures()
    with app.app_context():
        trend = figures(StatisticsFilter(periods.Period(date(2025, 12, 1), month.end)), local_today()).months
    assert len(trend) == 12
    table = text[text.index("Ай / Месяц"):]
    for row in trend:
        assert f"{row.key[5:]}.{row.key[:4]} {row.received} {row.decided}" in table, row
    assert top, "the world has recurring bodies in November"
    recurring = text[text.index("Часто повторяющиеся органы"):]
    for row in top:
        assert f"{row.body_name} {row.count}" in recurring


def test_the_report_agrees_with_the_independent_oracle(app, world, runner, tmp_path):
    number = _number(_issue(runner, "--month", "2026-11").output)
    text = _stored_text(app, number, tmp_path)
    month, rows = periods.month(MONTH), complaints(app)
    f = StatisticsFilter(month)
    headline, before = oracle.headline(rows, f, month), oracle.headline(rows, f, month.previous())
    for label, name in LINES.items():  # this month and the previous one, each computed in plain Python
        assert f"{label} {_shown(headline[name])} {_shown(before[name])} " in text, label
    assert f"Доля решенных в срок {share(headline['in_term'], headline['decided'])}" in text


def test_the_chart_is_drawn_in_the_pdf(app, world, runner, tmp_path):
    number = _number(_issue(runner, "--month", "2026-11").output)
    text = _stored_text(app, number, tmp_path)
    chart = text[text.index("Динамика за последние 12 месяцев"):text.index("Ай / Месяц")]
    assert "Түсті / Поступило" in chart and "Шешілді / Решено" in chart  # the legend of the SVG
    assert "12.2025" in chart and "11.2026" in chart  # its bars' labels


def test_the_charts_bars_are_painted(app, world, runner, tmp_path):
    """WeasyPrint draws the inline SVG: the trend page has pixels in both series' colours."""
    number = _number(_issue(runner, "--month", "2026-11").output)
    with app.app_context():
        (tmp_path / "report.pdf").write_bytes(documents.pdf_bytes(documents.by_number(number)))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")], check=True)
    colours = set()
    for page in sorted(tmp_path.glob("page*.png")):
        colours |= {pixel for _count, pixel in Image.open(page).convert("RGB").getcolors(1 << 20)}
    for fill in COLOURS:
        rgb = tuple(int(fill[i:i + 2], 16) for i in (1, 3, 5))
        assert any(all(abs(a - b) <= 6 for a, b in zip(rgb, pixel, strict=True)) for pixel in colours), fill


def test_an_uploaded_report_is_verified_as_authentic(app, world, runner):
    number = _number(_issue(runner, "--month", "2026-11").output)
    with app.app_context():
        data = documents.pdf_bytes(documents.by_number(number))
    response = app.test_client().post("/api/v1/verify", data={"document": (io.BytesIO(data), "report.pdf")})
    body = response.get_json()
    assert body["valid"] is True and body["number"] == number and body["kind"] == "monthly_report"
    assert body["subject_number"] == "2026-11"


def test_the_same_month_again_gives_the_same_document_unless_reissued(app, world, runner):
    first = _issue(runner, "--month", "2026-11")
    again = _issue(runner, "--month", "2026-11")
    assert again.exit_code == 0 and "Already issued" in again.output
    assert _number(again.output) == _number(first.output)
    reissued = _issue(runner, "--month", "2026-11", "--reissue")
    assert reissued.exit_code == 0 and "Issued the monthly report" in reissued.output
    assert _number(reissued.output) != _number(first.output)
    with app.app_context():
        reports = db.session.scalars(select(Document).where(Document.kind == "monthly_report")).all()
        assert [r.subject_number for r in reports] == ["2026-11", "2026-11"] and all(r.is_issued for r in reports)
    issued = _audit(app, "report.issued")
    assert [(_details(e)["document"], _details(e)["reissue"]) for e in issued] == [
        (_number(first.output), False), (_number(reissued.output), True)]
    assert all(e.actor_label.startswith("command line") and e.subject_id == "2026-11" for e in issued)


@pytest.mark.parametrize(("month", "message"), [
    ("2026-13", "YYYY-MM"), ("26-11", "YYYY-MM"), ("2026/11", "YYYY-MM"), ("", "YYYY-MM"),
    ("2999-01", "has not ended"), (f"{local_today():%Y-%m}", "has not ended"), ("1899-12", "before the first"),
])
def test_a_malformed_or_unended_month_is_refused(app, keys, runner, month, message):
    result = _issue(runner, "--month", month)
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.scalar(select(Document).where(Document.kind == "monthly_report")) is None
    assert _audit(app, "report.issued") == []


def test_a_supervisor_issues_and_downloads_the_report_from_the_statistics_page(app, world, tmp_path):
    client = signed_in_client(app, world.officer_emails["c"])  # a supervisor
    page = client.get("/staff/statistics?lang=ru").get_data(as_text=True)
    assert 'href="/staff/statistics/monthly-report"' in page
    form = client.get("/staff/statistics/monthly-report?lang=ru").get_data(as_text=True)
    assert 'value="2026-11"' in form or 'name="month"' in form
    issued = client.post("/staff/statistics/monthly-report?lang=en", data={"month": "2026-11"})
    assert issued.status_code == 302
    listing = client.get("/staff/statistics/monthly-report?lang=en").get_data(as_text=True)
    number = re.search(r"PBI-D-\d{4}-\d{6}", listing)[0]
    assert "has been issued" in listing
    again = client.post("/staff/statistics/monthly-report?lang=en", data={"month": "2026-11"}, follow_redirects=True)
    assert f"issued before: {number}" in again.get_data(as_text=True).replace("\u2068", "").replace("\u2069", "")
    response = client.get("/staff/statistics/monthly-report.pdf?month=2026-11")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="{number}.pdf"' in response.headers["Content-Disposition"]
    text = _checked_text(app, response.data, tmp_path)
    assert "Ежемесячный отчет: ноябрь 2026" in text and number in text
    assert [e.actor_label for e in _audit(app, "report.issued")] == [world.officer_emails["c"]]
    downloads = _audit(app, "report.downloaded")
    assert [(e.actor_label, _details(e)["document"], _details(e)["month"]) for e in downloads] == [
        (world.officer_emails["c"], number, "2026-11")]


def test_the_public_record_on_verify_names_the_kind_and_the_month_only(app, world, runner):
    number = _number(_issue(runner, "--month", "2026-11").output)
    with app.app_context():
        code = documents.by_number(number).verification_code
    page = app.test_client().get(f"/verify?number={number}&code={code}&lang=en").get_data(as_text=True)
    assert "Monthly report of the department" in page and "2026-11" in page
    assert "The document is authentic" in page


def test_a_refused_month_on_the_page_keeps_what_was_typed_and_says_why(app, world):
    client = signed_in_client(app, world.officer_emails["c"])
    response = client.post("/staff/statistics/monthly-report?lang=ru", data={"month": "2026-13"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and 'value="2026-13"' in body and 'aria-invalid="true"' in body
    assert "ГГГГ-ММ" in body or "YYYY-MM" in body
    assert client.get("/staff/statistics/monthly-report.pdf?month=2026-10").status_code == 404  # none issued
    assert client.get("/staff/statistics/monthly-report.pdf?month=nonsense").status_code == 400
    assert _audit(app, "report.issued") == []


def test_an_officer_sees_no_control_and_is_refused(app, world):
    client = signed_in_client(app, world.officer_emails["a"])  # an officer
    page = client.get("/staff/statistics").get_data(as_text=True)
    assert "monthly-report" not in page
    assert client.get("/staff/statistics/monthly-report").status_code == 403
    assert client.post("/staff/statistics/monthly-report", data={"month": "2026-11"}).status_code == 403
    assert client.get("/staff/statistics/monthly-report.pdf?month=2026-11").status_code == 403
    assert _audit(app, "report.issued") == []
