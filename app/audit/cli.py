"""``flask --app wsgi audit verify``: check the audit log's hash chain."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app import transactions
from app.audit import services

audit_group = AppGroup("audit", help="The tamper-evident audit log.")


@audit_group.command("verify")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(min=1),
              help="Rows read per query.")
def audit_verify(batch_size: int) -> None:
    """Recompute every row's hash and link; exit 1 at the first broken link."""
    try:
        report = services.verify_chain(batch_size=batch_size)
        head = services.head_state()
    finally:
        transactions.rollback()  # read only: end the transaction (and SQLite's write lock)
    if not report.ok:
        where = f"row {report.first_broken_id}" if report.first_broken_id is not None else "the head"
        click.echo(f"audit log BROKEN at {where}: {report.problem} ({report.checked} rows intact before it)",
                   err=True)
        raise SystemExit(1)
    click.echo(f"audit log intact: {report.checked} rows")
    if head is not None:
        # Record this line outside the database: a rewritten chain cannot reproduce it.
        click.echo(f"head: row {head[0]} hash {head[1]}")
