"""``flask --app wsgi agreements expire`` and ``flask --app wsgi trust ...``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app import transactions
from app.agreements import nca, services, trust

agreements_group = AppGroup("agreements", help="Agreements with associations.")


@agreements_group.command("expire")
def agreements_expire() -> None:
    """Move agreements whose term has ended to 'expired' (run daily)."""
    numbers = services.expire_due()
    transactions.commit()
    for number in numbers:
        click.echo(f"expired {number}")
    click.echo(f"{len(numbers)} agreement(s) expired.")


trust_group = AppGroup("trust", help="Certifying centres and revocation lists for associations' own signatures.")


@trust_group.command("add")
@click.argument("certificate_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def trust_add(certificate_file: Path) -> None:
    """Trust the CA certificate(s) in CERTIFICATE_FILE: PEM, or DER (.cer) as NCA RK publishes them, GOST too."""
    try:
        results = trust.add_anchors(certificate_file.read_bytes(), admin=None)
    except trust.InvalidCertificate as exc:
        raise click.ClickException(f"not a CA certificate file (PEM or DER): {exc}") from None
    transactions.commit()
    for subject, digest, added in results:
        click.echo(f"{'trusted' if added else 'already trusted'}: {subject} ({digest})")


@trust_group.command("list")
def trust_list() -> None:
    for anchor in trust.anchors():
        click.echo(f"{anchor.fingerprint}  {anchor.subject}")


@trust_group.command("crl-import")
@click.argument("crl_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def trust_crl_import(crl_file: Path) -> None:
    """Install the CRL in CRL_FILE (DER or PEM), checked against the installed CA that issued it (run daily)."""
    try:
        view, added = nca.import_crl(crl_file.read_bytes(), admin=None)
    except nca.InvalidCrl as exc:
        raise click.ClickException(f"CRL refused: {exc}") from None
    transactions.commit()
    state = "imported" if added else "already imported"
    stale = " — past its nextUpdate: revocation cannot be checked with it" if view.stale else ""
    click.echo(f"{state}: {view.issuer}, thisUpdate {view.this_update:%Y-%m-%d %H:%M} UTC, nextUpdate "
               f"{view.next_update:%Y-%m-%d %H:%M} UTC, {view.revoked_count} entries{stale}"
               if view.next_update else f"{state}: {view.issuer}{stale}")
    if view.stale:
        raise SystemExit(1)


@trust_group.command("crl-list")
def trust_crl_list() -> None:
    for view in nca.revocation_lists():
        next_update = f"{view.next_update:%Y-%m-%d %H:%M}" if view.next_update else "-"
        click.echo(f"{view.this_update:%Y-%m-%d %H:%M}  {next_update}  {'stale' if view.stale else 'current'}  "
                   f"{view.revoked_count:>7}  {view.issuer}")
