"""``flask --app wsgi agreements expire`` and ``flask --app wsgi trust ...``."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from flask.cli import AppGroup
from sqlalchemy import select

from app.agreements import services
from app.agreements.models import TrustAnchor
from app.documents.keys import fingerprint
from app.extensions import db

agreements_group = AppGroup("agreements", help="Agreements with associations.")


@agreements_group.command("expire")
def agreements_expire() -> None:
    """Move agreements whose term has ended to 'expired' (run daily)."""
    numbers = services.expire_due()
    db.session.commit()
    for number in numbers:
        click.echo(f"expired {number}")
    click.echo(f"{len(numbers)} agreement(s) expired.")


trust_group = AppGroup("trust", help="Trust anchors for associations' own CMS signatures.")


@trust_group.command("add")
@click.argument("pem_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def trust_add(pem_file: Path) -> None:
    """Trust the root certificate(s) in PEM_FILE (e.g. the national certifying centre's roots)."""
    try:
        certificates = x509.load_pem_x509_certificates(pem_file.read_bytes())
    except ValueError as exc:
        raise click.ClickException(f"not a PEM certificate file: {exc}") from None
    for cert in certificates:
        digest = fingerprint(cert)
        if db.session.scalar(select(TrustAnchor.id).where(TrustAnchor.fingerprint == digest)):
            click.echo(f"already trusted: {cert.subject.rfc4514_string()}")
            continue
        db.session.add(TrustAnchor(
            fingerprint=digest, subject=cert.subject.rfc4514_string(),
            certificate_pem=cert.public_bytes(Encoding.PEM).decode(),
        ))
        click.echo(f"trusted: {cert.subject.rfc4514_string()} ({digest})")
    db.session.commit()


@trust_group.command("list")
def trust_list() -> None:
    for anchor in db.session.scalars(select(TrustAnchor).order_by(TrustAnchor.id)):
        click.echo(f"{anchor.fingerprint}  {anchor.subject}")
