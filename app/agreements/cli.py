"""``flask --app wsgi agreements expire`` and ``flask --app wsgi trust ...``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app import transactions
from app.agreements import services, trust

agreements_group = AppGroup("agreements", help="Agreements with associations.")


@agreements_group.command("expire")
def agreements_expire() -> None:
    """Move agreements whose term has ended to 'expired' (run daily)."""
    numbers = services.expire_due()
    transactions.commit()
    for number in numbers:
        click.echo(f"expired {number}")
    click.echo(f"{len(numbers)} agreement(s) expired.")


trust_group = AppGroup("trust", help="Trust anchors for associations' own CMS signatures.")


@trust_group.command("add")
@click.argument("pem_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def trust_add(pem_file: Path) -> None:
    """Trust the root certificate(s) in PEM_FILE (e.g. the national certifying centre's roots)."""
    try:
        results = trust.add_anchors(pem_file.read_bytes(), admin=None)
    except trust.InvalidCertificate as exc:
        raise click.ClickException(f"not a PEM CA certificate file: {exc}") from None
    transactions.commit()
    for subject, digest, added in results:
        click.echo(f"{'trusted' if added else 'already trusted'}: {subject} ({digest})")


@trust_group.command("list")
def trust_list() -> None:
    for anchor in trust.anchors():
        click.echo(f"{anchor.fingerprint}  {anchor.subject}")
