"""``/statistics`` and ``/statistics.csv``: the published figures, for anyone, in kk/ru/en.

Both are built from the same :func:`tables`, so the CSV holds exactly the page's tables.
Nothing is written: the figures come from the per-process cache of
:mod:`app.reporting.public` (computed by a read of two aggregates when it is stale).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _

from app.accounts.guards import public
from app.businesses.reference import DISTRICTS
from app.complaints.reference import OUTCOMES, PRESSURE_TYPES, STATUSES, label
from app.reporting import public as statistics
from app.reporting.suppression import SMALL, THRESHOLD, Cell
from app.templating import local_datetime

bp = Blueprint("public_statistics", __name__)

HIDDEN = "…"  # a count suppressed to protect another one (the statistical offices' mark)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    header: tuple[str, ...]  # the first names the rows
    rows: tuple[tuple[str, ...], ...]  # each starts with its row's name
    total: tuple[str, ...] | None  # the total row, if the table has one


def shown(cell: Cell) -> str:
    if cell.published:
        return str(cell.value)
    return f"< {THRESHOLD}" if cell.mark == SMALL else HIDDEN


def _columns(key: str, title: str, heading: str, names: list[str], columns, headers: list[str]) -> Table:
    rows = tuple((name, *(shown(column.cells[i]) for column in columns)) for i, name in enumerate(names))
    return Table(key, title, (heading, *headers), rows, (_("Total"), *(shown(column.total) for column in columns)))


def _decision_name(code: str) -> str:
    if code == statistics.FORWARDED:
        return label(STATUSES, "forwarded")
    if code == statistics.REJECTED:
        return label(STATUSES, "rejected")
    return label(OUTCOMES, code)


def tables(figures: statistics.Figures) -> list[Table]:
    """The published tables, named in the current language."""
    both = [_("Complaints received"), _("Complaints decided")]
    share = (HIDDEN if figures.within_term_percent is None else f"{figures.within_term_percent} %")
    return [
        _columns("month", _("Complaints by month"), _("Month"),
                 [month.strftime("%m.%Y") for month in figures.months], figures.by_month, both),
        _columns("district", _("Complaints by district"), _("District"),
                 [str(name) for name in DISTRICTS.values()], figures.by_district, both),
        _columns("pressure_type", _("Complaints by type of pressure"), _("Type of pressure"),
                 [label(PRESSURE_TYPES, code) for code in statistics.PRESSURE_TYPES], figures.by_pressure_type, both),
        _columns("decision", _("Decisions on complaints"), _("Decision"),
                 [_decision_name(code) for code in statistics.DECISIONS], [figures.by_decision], both[1:]),
        Table("term", _("Decisions within the legal term"), (_("Indicator"), _("Value")), (
            (_("Complaints decided in the period"), shown(figures.decided)),
            (_("Share decided within the legal term"), share),
        ), None),
        Table("agreements", _("Agreements with business associations"), (_("Indicator"), _("Value")), (
            (_("Agreements in force"), str(figures.active_agreements)),
            (_("Member businesses of the associations with an agreement in force"), str(figures.members_covered)),
        ), None),
    ]


@bp.route("/statistics")
@public
def page():
    figures = statistics.figures()
    return render_template("reporting/public_statistics.html", figures=figures, tables=tables(figures),
                           threshold=THRESHOLD, hidden_mark=HIDDEN)


@bp.route("/statistics.csv")
@public
def csv_file():
    figures = statistics.figures()
    out = io.StringIO()
    out.write("\ufeff")  # so that Excel reads the Kazakh letters as UTF-8
    writer = csv.writer(out)
    writer.writerow([_("Public statistics of complaints"), _("Computed %(moment)s",
                                                             moment=local_datetime(figures.computed_at))])
    for table in tables(figures):
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.header)
        writer.writerows(table.rows)
        if table.total:
            writer.writerow(table.total)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="statistics.csv"'
    return response
