"""What the statistics page shows beside the figures: labels in the reader's language, charts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from app.businesses.reference import district_name
from app.complaints.reference import BODY_CATEGORIES, PRESSURE_TYPES
from app.reporting import periods
from app.reporting.charts import Series, bar_chart
from app.reporting.statistics import TOP_BODIES, Figures, Row


def month_label(key: str) -> str:
    return format_date(date.fromisoformat(f"{key}-01"), "LLLL y")


def period_label(period: periods.Period) -> str:
    if period.kind == periods.MONTH:
        return month_label(f"{period.start:%Y-%m}")
    if period.kind == periods.QUARTER:
        return _("Quarter %(quarter)d of %(year)d", quarter=(period.start.month - 1) // 3 + 1, year=period.start.year)
    if period.kind == periods.YEAR:
        return _("Year %(year)d", year=period.start.year)
    return f"{period.start.isoformat()} – {period.end.isoformat()}"


def period_choices(today: date, chosen: str) -> list[tuple[str, str]]:
    """The period select's options: the shortcuts, the chosen one if it is another, and "from – to"."""
    choices = [(p.code, period_label(p)) for p in periods.shortcuts(today)]
    if chosen not in {code for code, _label in choices} and chosen != periods.RANGE:
        shortcut = periods.from_code(chosen)
        if shortcut is not None:
            choices.insert(0, (chosen, period_label(shortcut)))
    return [*choices, (periods.RANGE, _("From – to (the days below)"))]


def label_of(kind: str, key: str) -> str:
    if kind == "months":
        return month_label(key)
    if kind == "districts":
        return district_name(key)
    if kind == "pressure_types":
        return str(PRESSURE_TYPES.get(key, key))
    if kind == "body_categories":
        return str(BODY_CATEGORIES.get(key, key))
    return key


@dataclass(frozen=True)
class Breakdown:
    kind: str
    title: str
    key_header: str  # the first column's heading
    rows: list[tuple[str, Row]]  # (label, row)
    chart: Markup


def _breakdown(kind: str, title: str, key_header: str, rows: list[Row]) -> Breakdown:
    labelled = [(label_of(kind, row.key), row) for row in rows]
    labels = [label for label, _row in labelled]
    chart = bar_chart(title, labels, [Series(_("Complaints received"), [row.received for row in rows]),
                                      Series(_("Decisions made"), [row.decided for row in rows])])
    return Breakdown(kind, title, key_header, labelled, chart)


def charts_of(figures: Figures) -> list[Breakdown]:
    """The breakdowns in the page's order, each with its chart."""
    return [
        _breakdown("months", _("By month"), _("Month"), figures.months),
        _breakdown("districts", _("By district"), _("District"), figures.districts),
        _breakdown("pressure_types", _("By type of pressure"), _("Type of pressure"), figures.pressure_types),
        _breakdown("body_categories", _("By kind of state body"), _("Kind of state body"), figures.body_categories),
        _breakdown("bodies", _("By state body (the %(count)d with most complaints)", count=TOP_BODIES),
                   _("State body"), figures.bodies),
    ]


def workload_chart(figures: Figures) -> Markup:
    labels = [w.officer for w in figures.workload]
    return bar_chart(_("Officers' workload"), labels,
                     [Series(_("Open"), [w.open for w in figures.workload]),
                      Series(_("Decided in the period"), [w.decided for w in figures.workload])])


def table_header() -> list[str]:
    """The columns of the statistics tables as one export (CSV/XLSX)."""
    return [_("Table"), _("Row"), _("Complaints received"), _("Decisions made"), _("Open"), _("Overdue")]


def table_rows(figures: Figures) -> Iterator[list]:
    """Every table of the page as rows under :func:`table_header`: the totals, each breakdown, the workload."""
    yield [_("Totals"), _("All complaints"), figures.current.received, figures.current.decided,
           figures.open_now, figures.overdue_now]
    for breakdown in charts_of(figures):
        for label, row in breakdown.rows:
            yield [breakdown.title, label, row.received, row.decided, "", ""]
    for workload in figures.workload:
        yield [_("Officers' workload"), workload.officer, "", workload.decided, workload.open, workload.overdue]
