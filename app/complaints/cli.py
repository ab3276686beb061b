"""``flask --app wsgi deadlines remind``: the daily job of the legal clock."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app import transactions
from app.complaints import case_actions

deadlines_group = AppGroup("deadlines", help="The legal clock of complaints.")


@deadlines_group.command("remind")
def deadlines_remind() -> None:
    """Notify officers of near deadlines and supervisors of overdue complaints (run daily)."""
    warned, overdue = case_actions.remind_deadlines()
    transactions.commit()
    click.echo(f"{warned} deadline reminder(s), {overdue} overdue notice(s).")
