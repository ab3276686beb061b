"""``flask --app wsgi report monthly --month YYYY-MM``: issue the month's signed report.

``flask --app wsgi report rollup [--rebuild]``: compare the statistics rollup with the
complaints (and rebuild it from them) — after a restore from an old backup, a repair by
hand in the database, or to see that the triggers kept it right.
"""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from app import transactions
from app.documents import services as documents
from app.extensions import db
from app.reporting import monthly_report, rollup
from app.timeutil import local_today

_REFUSALS = {
    "format": "--month must be a month as YYYY-MM, e.g. 2026-11",
    "too_early": "--month is before the first month the registry accepts",
    "not_ended": "--month has not ended yet: a month is reported once it is over",
}


@click.group("report", cls=AppGroup)
def report_group() -> None:
    """The department's signed reports."""


@report_group.command("monthly")
@click.option("--month", "month_text", required=True, help="The month to report, YYYY-MM (a month that has ended).")
@click.option("--reissue", is_flag=True, help="Issue a new report for a month that has one (new number).")
def report_monthly(month_text: str, reissue: bool) -> None:
    """Issue the signed monthly report (once per month; the same document again unless --reissue)."""
    try:
        first = monthly_report.parse_month(month_text, local_today())
    except monthly_report.MonthRefused as refused:
        raise click.UsageError(_REFUSALS[refused.problem]) from None
    issued = monthly_report.issue(first, actor_id=None, reissue=reissue,
                                  actor_label=f"command line ({os.environ.get('USER', 'unknown')})")
    document_id = issued.document.id
    transactions.commit()
    document = documents.produce(document_id)  # a no-op when the after-commit task made it
    state = "Issued" if issued.new else "Already issued"
    click.echo(f"{state} the monthly report of {first:%Y-%m}: {document.number}")


@report_group.command("rollup")
@click.option("--rebuild", is_flag=True, help="Compute the rollup again from every complaint.")
def report_rollup(rebuild: bool) -> None:
    """Check the statistics rollup against the complaints; exit 1 when they differ (unless --rebuild)."""
    connection = db.session.connection()
    if rebuild:
        rollup.rebuild(connection)
        transactions.commit()
        click.echo("Rebuilt the statistics rollup from the complaints.")
        connection = db.session.connection()
    differing = rollup.mismatches(connection)
    db.session.rollback()  # a read: nothing to keep
    if not differing:
        click.echo("The statistics rollup matches the complaints.")
        return
    for table, (kept, computed) in sorted(differing.items()):
        click.echo(f"{table}: {len(kept)} row(s) not as computed, {len(computed)} computed row(s) missing", err=True)
    raise SystemExit(1)
