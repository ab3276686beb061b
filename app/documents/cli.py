"""``flask --app wsgi keys ...`` and ``flask --app wsgi documents ...``."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography import x509
from cryptography.x509.oid import NameOID
from flask.cli import AppGroup
from sqlalchemy import select

from app import transactions
from app.agreements import trust
from app.audit import services as audit
from app.documents import nca_key, services
from app.documents.keys import fingerprint
from app.documents.models import Document
from app.documents.runtime import keystore
from app.extensions import db
from app.nca.certificates import role_of
from app.timeutil import to_local


def _describe(cert, label: str) -> str:
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return (f"{label}: {cn[0].value if cn else cert.subject.rfc4514_string()}\n"
            f"  SHA-256 {fingerprint(cert)}\n"
            f"  valid {cert.not_valid_before_utc:%Y-%m-%d} .. {cert.not_valid_after_utc:%Y-%m-%d}")


keys_group = AppGroup("keys", help="The department's root CA and document-signing certificates.")


@keys_group.command("show")
def keys_show() -> None:
    """Print fingerprints and validity of the root and signing certificates."""
    store = keystore()
    if not store.exists():
        raise click.ClickException("no keys yet: run `flask --app wsgi init`")
    click.echo(_describe(store.root_certificate(), "root CA"))
    current = fingerprint(store.current_signer().cert)
    for cert in store.signing_certificates():
        label = "signing (current)" if fingerprint(cert) == current else "signing (retired)"
        click.echo(_describe(cert, label))


@keys_group.command("rotate")
def keys_rotate() -> None:
    """Issue a new signing certificate; documents signed before stay verifiable."""
    cert = keystore().rotate()
    click.echo(_describe(cert, "new signing certificate"))


@keys_group.command("import-p12")
@click.argument("p12_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--password", prompt="Password of the PKCS#12 file", hide_input=True, envvar="PBI_P12_PASSWORD",
              help="The file's password (asked for when not given; or PBI_P12_PASSWORD).")
@click.option("--chain", "chain_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file of issuing CA certificates (PEM or DER) the PKCS#12 file does not carry; repeatable.")
def keys_import_p12(p12_file: Path, password: str, chain_files: tuple[Path, ...]) -> None:
    """Sign documents from now on with the department's NCA RK RSA key in P12_FILE (see the README)."""
    try:
        extra = [cert.der for path in chain_files for cert in trust.certificates_in(path.read_bytes())]
        cert = nca_key.import_p12(keystore(), p12_file.read_bytes(), password, extra_certificates=extra)
    except (nca_key.KeyRefused, trust.InvalidCertificate) as exc:
        raise click.ClickException(f"key refused: {exc}") from None
    audit.record("keys.signing_key_imported", actor_id=None, actor_label="system", subject_type="certificate",
                 subject_id=cert.serial_hex[:64], details={"subject": cert.subject_dn, "issuer": cert.issuer_dn,
                                                           "role": str(role_of(cert)),
                                                           "not_after": cert.not_after})
    transactions.commit()
    click.echo(_describe(x509.load_der_x509_certificate(cert.der), "signing (current, NCA RK)"))


documents_group = AppGroup("documents", help="Issued documents.")


@documents_group.command("list")
def documents_list() -> None:
    """One line per document: number, kind, subject number, issue time (Asia/Almaty)."""
    for document in db.session.scalars(select(Document).order_by(Document.id)):
        issued = to_local(document.issued_at).strftime("%Y-%m-%d %H:%M") if document.issued_at else "not issued"
        click.echo(f"{document.number}  {document.kind:<18} {document.subject_number:<18} {issued}")


@documents_group.command("export")
@click.argument("number")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def documents_export(number: str, target: Path) -> None:
    """Write the signed PDF of document NUMBER to TARGET, exactly as issued."""
    document = services.by_number(number)
    if document is None:
        raise click.ClickException(f"no document {number}")
    document = services.produce(document.id)  # finishes an interrupted issue, else a no-op
    target.write_bytes(services.pdf_bytes(document))
    click.echo(f"{document.number} -> {target} (SHA-256 {document.sha256})")


@documents_group.command("issue-pending")
def documents_issue_pending() -> None:
    """Produce every reserved document whose PDF is missing (retry after a failure)."""
    pending = list(db.session.scalars(select(Document.id).where(Document.sha256.is_(None))))
    for document_id in pending:
        document = services.produce(document_id)
        click.echo(f"issued {document.number}")
    click.echo(f"{len(pending)} pending document(s) processed.")
