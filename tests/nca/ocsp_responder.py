"""An OCSP responder for the tests, on a local port, with an NCA-like RSA chain made here.

NCA's TEST material has two OCSP responses, neither about a TEST key, and no responder key: to prove the
online path, this module makes a CA, a responder the CA delegates (id-kp-OCSPSigning), and a legal entity's
first head (RSA, NCA's role OIDs, the TEST BIN) in a PKCS#12 file with NCA's legacy encryption, and serves
real OCSP over HTTP (``http.server`` in a thread): it parses each request (``cryptography``), answers for the
serial numbers it was told about, echoes the nonce, and signs with the delegated responder's key.

``mode`` changes what it answers, for the refusals: "wrong-nonce", "unauthorised" (signed by a key the CA never
delegated), "unknown" (certStatus unknown for everything).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.nca.pki import NcaCertificate, parse_certificate

PASSWORD = "Qwerty12"
BIN = "123456789021"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, *extra: x509.NameAttribute) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name), *extra,
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")])


def _issue(subject: x509.Name, key, issuer: x509.Name, issuer_key, *, ca: bool, usages: list,
           key_usage: x509.KeyUsage) -> x509.Certificate:
    start = datetime.now(UTC) - timedelta(days=1)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start)
               .not_valid_after(start + timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(key_usage, critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _usage(*, signing: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=signing, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


@dataclass
class Pki:
    folder: Path
    ca: x509.Certificate
    ca_key: rsa.RSAPrivateKey
    responder: x509.Certificate
    responder_key: rsa.RSAPrivateKey
    leaf: x509.Certificate
    p12: Path
    statuses: dict[int, tuple[str, datetime | None]] = field(default_factory=dict)  # serial → status, time

    @property
    def ca_nca(self) -> NcaCertificate:
        return parse_certificate(self.ca.public_bytes(serialization.Encoding.DER))

    @property
    def ca_file(self) -> Path:
        path = self.folder / "ca.pem"
        path.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))
        return path


def make_pki(folder: Path) -> Pki:
    ca_key, responder_key, leaf_key = _key(), _key(), _key()
    ca_name = _name("NCA-LIKE TEST CA (RSA)")
    ca = _issue(ca_name, ca_key, ca_name, ca_key, ca=True, usages=[], key_usage=_usage(ca=True))
    responder = _issue(_name("NCA-LIKE OCSP RESPONDER"), responder_key, ca_name, ca_key, ca=False,
                       usages=[ExtendedKeyUsageOID.OCSP_SIGNING], key_usage=_usage())
    subject = _name("ТЕСТОВ ТЕСТ", x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN123456789011"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ТОО ТЕСТ"),
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{BIN}"))
    leaf = _issue(subject, leaf_key, ca_name, ca_key, ca=False, key_usage=_usage(signing=True),
                  usages=[ExtendedKeyUsageOID.EMAIL_PROTECTION, x509.ObjectIdentifier("1.2.398.3.3.4.1.2"),
                          x509.ObjectIdentifier("1.2.398.3.3.4.1.2.1")])
    legacy = (serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048)
              .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
              .hmac_hash(hashes.SHA1())  # noqa: S303 - NCA's files use it
              .build(PASSWORD.encode()))
    p12 = folder / "head.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"head", leaf_key, leaf, None, legacy))
    return Pki(folder, ca, ca_key, responder, responder_key, leaf, p12)


class OcspResponder:
    """``with OcspResponder(pki) as url:`` — OCSP over HTTP on 127.0.0.1, answering from ``pki.statuses``."""

    def __init__(self, pki: Pki, mode: str | None = None) -> None:
        self.pki = pki
        self.mode = mode
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None

    def answer(self, body: bytes) -> bytes:
        self.requests += 1
        request = ocsp.load_der_ocsp_request(body)
        status, when = self.pki.statuses.get(request.serial_number, ("good", None))
        if self.mode == "unknown":
            status = "unknown"
        cert_status = {"good": ocsp.OCSPCertStatus.GOOD, "revoked": ocsp.OCSPCertStatus.REVOKED,
                       "unknown": ocsp.OCSPCertStatus.UNKNOWN}[status]
        now = datetime.now(UTC).replace(microsecond=0)
        # The answer names the requested certificate by the request's own CertID fields.
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash, issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number, algorithm=request.hash_algorithm, cert_status=cert_status,
            this_update=now, next_update=now + timedelta(hours=1),
            revocation_time=when if status == "revoked" else None,
            revocation_reason=x509.ReasonFlags.key_compromise if status == "revoked" else None)
        nonce = next((ext.value.nonce for ext in request.extensions if isinstance(ext.value, x509.OCSPNonce)), None)
        if nonce is not None:
            builder = builder.add_extension(x509.OCSPNonce(b"x" * 32 if self.mode == "wrong-nonce" else nonce),
                                            critical=False)
        if self.mode == "unauthorised":
            rogue_key = _key()
            rogue = _issue(_name("ROGUE RESPONDER"), rogue_key, _name("ROGUE RESPONDER"), rogue_key, ca=False,
                           usages=[ExtendedKeyUsageOID.OCSP_SIGNING], key_usage=_usage())
            signer, key = rogue, rogue_key
        else:
            signer, key = self.pki.responder, self.pki.responder_key
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer).certificates([signer])
        return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def __enter__(self) -> str:
        responder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the http.server interface
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                answer = responder.answer(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/ocsp-response")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_port}/ocsp/"

    def __exit__(self, *exc_info) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
