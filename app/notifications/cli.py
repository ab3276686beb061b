"""``flask --app wsgi outbox send``: deliver queued e-mails (run every few minutes)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.notifications import mail

outbox_group = AppGroup("outbox", help="The e-mail outbox.")


@outbox_group.command("send")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help="At most this many messages in one run.")
@click.pass_context
def outbox_send(ctx: click.Context, limit: int) -> None:
    """Send queued e-mails; exit status 1 if any of them failed."""
    try:
        sent, failed = mail.send_pending(limit=limit)
    except mail.OutboxBusy:
        click.echo("another `outbox send` is running; nothing done.")
        return
    click.echo(f"sent {sent}, failed {failed}")
    if failed:
        ctx.exit(1)
