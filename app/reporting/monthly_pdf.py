"""The monthly report's PDF content: the figures of the month, bilingual (Kazakh and Russian).

See :mod:`app.reporting.monthly_report` for what the report counts and when.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template

from app import department
from app.complaints.rendering import TIME
from app.documents.pdf import qr_svg_data_uri
from app.documents.services import DocumentInfo
from app.reporting import periods
from app.reporting.charts import Series, bar_chart
from app.reporting.monthly_report import TOP_RECURRING, month_of
from app.reporting.patterns import PatternFilter, patterns
from app.reporting.statistics import Figures, Headline, StatisticsFilter, figures
from app.timeutil import local_today, to_local

TREND_MONTHS = 12
MONTHS_KK = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан",
             "қараша", "желтоқсан")
MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
             "ноябрь", "декабрь")


@dataclass(frozen=True)
class Line:
    kk: str
    ru: str
    current: str
    previous: str
    delta: str


def share(part: int, whole: int) -> str:
    """A share as the report prints it: one decimal, a comma, per cent (``83,3 %``); ``—`` of nothing."""
    return f"{100.0 * part / whole:.1f}".replace(".", ",") + " %" if whole else "—"


def _value(value: int | None) -> str:
    return "—" if value is None else str(value)


def _delta(current: int | None, previous: int | None) -> str:
    if current is None or previous is None:
        return "—"
    return f"{current - previous:+d}" if current != previous else "0"


def month_name(first, language: str) -> str:
    return f"{(MONTHS_KK if language == 'kk' else MONTHS_RU)[first.month - 1]} {first.year}"


_LINES = (
    ("received", "Түскен шағымдар", "Поступило жалоб"),
    ("decided", "Қабылданған шешімдер", "Принято решений"),
    ("confirmed", "Фактілер расталды", "Факты подтвердились"),
    ("partially_confirmed", "Фактілер ішінара расталды", "Факты подтвердились частично"),
    ("not_confirmed", "Фактілер расталмады", "Факты не подтвердились"),
    ("forwarded", "Құзыретті органға жіберілді", "Направлено в компетентный орган"),
    ("rejected", "Қараусыз қалдырылды", "Оставлено без рассмотрения"),
    ("median_days", "Шешімге дейінгі жұмыс күндері, медиана", "Рабочих дней до решения, медиана"),
    ("p90_days", "Шешімге дейінгі жұмыс күндері, 90-процентиль", "Рабочих дней до решения, 90-й процентиль"),
    ("in_term", "Заңды мерзімде шешілді", "Решено в установленный законом срок"),
    ("extended", "Қарау мерзімі ұзартылды", "Срок рассмотрения продлен"),
    ("appeals", "Шешімдерге шағымдар", "Обжалования решений"),
)


def lines(current: Headline, previous: Headline) -> list[Line]:
    out = []
    for name, kk, ru in _LINES:
        now, before = getattr(current, name), getattr(previous, name)
        out.append(Line(kk, ru, _value(now), _value(before), _delta(now, before)))
    return out


def trend(first) -> Figures:
    """The figures of the TREND_MONTHS months ending with the month (its ``months`` are the trend)."""
    start = periods.month(first).start
    index = start.year * 12 + start.month - 1 - (TREND_MONTHS - 1)
    trend_start = start.replace(year=index // 12, month=index % 12 + 1)
    return figures(StatisticsFilter(periods.Period(trend_start, periods.month(first).end)), local_today())


def report_html(info: DocumentInfo) -> str:
    first = month_of(info.subject_id)
    month = periods.month(first)
    today = local_today()
    result = figures(StatisticsFilter(month), today)
    months = trend(first).months
    labels = [f"{row.key[5:]}.{row.key[:4]}" for row in months]
    chart = bar_chart("Айлар бойынша серпін / Динамика по месяцам", labels, [
        Series("Түсті / Поступило", [row.received for row in months]),
        Series("Шешілді / Решено", [row.decided for row in months])])
    recurring = patterns(PatternFilter(kind="body", received_from=month.start, received_to=month.end),
                         per_page=TOP_RECURRING).rows
    current, previous = result.current, result.previous
    return render_template(
        "pdf/monthly_report.html", document_number=info.number, issued_at=to_local(info.issued_at).strftime(TIME),
        month_kk=month_name(first, "kk"), month_ru=month_name(first, "ru"),
        previous_kk=month_name(month.previous().start, "kk"), previous_ru=month_name(month.previous().start, "ru"),
        first_day=month.start.strftime("%d.%m.%Y"), last_day=month.end.strftime("%d.%m.%Y"),
        today=today.strftime("%d.%m.%Y"), figures=result, current=current, previous=previous,
        lines=lines(current, previous), in_term_share=share(current.in_term, current.decided),
        previous_in_term_share=share(previous.in_term, previous.decided),
        out_of_term=current.decided - current.in_term, months=months, labels=labels, chart=chart,
        recurring=recurring, qr=qr_svg_data_uri(info.verification_url), verification_url=info.verification_url,
        verification_code=info.verification_code, contacts_kk=department.contacts("kk"),
    )
