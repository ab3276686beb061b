"""The department signs its documents with its own NCA RK key: ``flask --app wsgi keys import-p12 FILE``.

A deployment may replace the self-made signing certificate of :mod:`app.documents.keys` with the
department's legal-entity key issued by NCA RK, so that its talons, agreements and reports carry the national
PKI's signature. What is accepted (decisions):

* an **RSA** key (PAdES with GOST is beyond pyHanko today, see the README), read from the PKCS#12 file NCA
  issues — legacy encryption included (PBE with SHA-1 and 3DES or RC2, RFC 7292; :mod:`app.nca.pkcs12`);
* a **signing** certificate: key usage digitalSignature or nonRepudiation (NCA's "RSA256_…" files; the
  "AUTH_RSA256_…" authentication key is refused);
* of a **legal entity**, in a role that may sign for it: first head, employee with the right to sign, or an
  information system (the key NCA issues for a system that signs on an organisation's behalf);
* valid now, chaining to a root installed with ``flask --app wsgi trust add`` (through issuing CAs installed
  there, carried in the file or given with ``--chain``): that chain is embedded in every signature and its root
  joins the roots public verification trusts.

The key is re-encrypted with the key store's passphrase and becomes the current signing key; the
department's own root and every earlier signing key stay, so documents issued before still verify. ``keys
rotate`` later goes back to a self-made key.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from app.agreements import nca as trust_store
from app.documents.keys import KeyStore
from app.nca.certificates import Role, parse_certificate, role_of
from app.nca.chains import ChainError, build_chain
from app.nca.pkcs12 import Pkcs12Error, read_p12
from app.nca.pki import NcaCertificate, PkiError

SIGNING_ROLES = frozenset({Role.FIRST_HEAD, Role.SIGNING_EMPLOYEE, Role.INFORMATION_SYSTEM})


class KeyRefused(Exception):
    """The file is not a key this deployment may sign its documents with; the message says why."""


def import_p12(store: KeyStore, data: bytes, password: str, *, extra_certificates: list[bytes] = (),
               now: datetime | None = None) -> NcaCertificate:
    """Check the PKCS#12 ``data`` (see the module docstring) and install its key; returns its certificate."""
    now = now or datetime.now(UTC)
    try:
        contents = read_p12(data, password)
    except Pkcs12Error as exc:
        raise KeyRefused(f"cannot read the PKCS#12 file: {exc}") from exc
    if contents.kind != "rsa":
        raise KeyRefused("a GOST key: the department's documents are signed with RSA (GOST PAdES is not supported)")
    try:
        cert = parse_certificate(contents.certificate)
        pool = [parse_certificate(der) for der in (*contents.certificates, *extra_certificates)
                if der != contents.certificate]
    except PkiError as exc:
        raise KeyRefused(f"a certificate of the file does not decode: {exc}") from exc
    if not cert.key_usage & {"digital_signature", "non_repudiation"}:
        raise KeyRefused("not a signing key (its key usage allows neither digital signatures nor non-repudiation)")
    if "non_repudiation" not in cert.key_usage and "1.3.6.1.5.5.7.3.4" not in cert.extended_key_usage:
        raise KeyRefused("an authentication key: import the signing key (NCA's RSA256_… file, not AUTH_…)")
    role = role_of(cert)
    if role not in SIGNING_ROLES:
        raise KeyRefused(f"role {role}: the key must be a legal entity's first head, employee with the right "
                         f"to sign, or information system")
    installed = trust_store.installed_certificates()
    anchors = [item for item in installed if item.self_issued]
    try:
        chain = build_chain(cert, anchors, [*pool, *(item for item in installed if not item.self_issued)], now)
    except ChainError as exc:
        raise KeyRefused(f"the certificate does not chain to an installed root now ({exc.reason}): install "
                         f"NCA's root and issuing CA with `flask --app wsgi trust add` first") from exc
    issuers = tuple(x509.load_der_x509_certificate(item.der) for item in chain.certificates[1:])
    if not isinstance(contents.private_key, rsa.RSAPrivateKey):  # kind "rsa" says so; kept for the types
        raise KeyRefused("not an RSA key")
    store.install_signing_key(contents.private_key, x509.load_der_x509_certificate(cert.der), issuers)
    return cert
