"""Shared fixtures for the document-signing core: keys made once per session, a sample PDF.

External tools (pdfsig, pdftotext, pdffonts, pdftoppm, openssl) are the independent
judges; without them these tests are skipped, except in CI (``CI=true``) where they fail.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfWriter

from app.documents.keys import KeyStore, SigningMaterial
from app.documents.pdf import qr_svg_data_uri, render_pdf
from app.documents.signing import sign_pdf

PASSPHRASE = b"test passphrase for the department keys"
QR_TEXT = "https://pbi.example.kz/verify/TRK-2026-000123"
REASON = "Өтініштің қабылданғаны туралы талон / Талон о принятии обращения"
LOCATION = "Түркістан / Туркестан"

SAMPLE_HTML = """<!doctype html>
<html lang="kk"><head><meta charset="utf-8"><title>Талон</title>
<style>
  body {{ font-family: "DejaVu Sans"; font-size: 11pt; }}
  h1 {{ font-size: 14pt; }}
</style></head>
<body>
  <h1>ҚАЗАҚСТАН РЕСПУБЛИКАСЫ</h1>
  <p>Өтініштің қабылданғаны туралы талон</p>
  <p>Талон о принятии обращения</p>
  <p>Әріптер: ә ғ қ ң ө ұ ү һ і — Ә Ғ Қ Ң Ө Ұ Ү Һ І</p>
  <p>Тіркеу нөмірі / Регистрационный номер: TRK-2026-000123</p>
  <img alt="QR" src="{qr}" style="width: 30mm; height: 30mm">
</body></html>
"""


def require_tool(name: str) -> str:
    """Path of a command-line tool; skip the test without it (fail in CI)."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (scripts/system-deps.sh installs poppler-utils)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " — CI must run these tests")
    pytest.skip(message)


def run_tool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a tool (skipping if it is missing) with a timeout; text output, exit code not checked."""
    executable = require_tool(str(args[0]))
    return subprocess.run(
        [executable, *map(str, args[1:])],
        capture_output=True,
        encoding="utf-8",
        errors="replace",  # pdfsig cuts long names in the middle of a UTF-8 sequence
        timeout=60,
        check=False,
    )


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    result = run_tool("pdftotext", "-enc", "UTF-8", path, "-")
    assert result.returncode == 0, result.stderr
    return result.stdout


def pdfsig(pdf: bytes, tmp_path: Path, nss_dir: str | None = None) -> str:
    """pdfsig's report; without ``nss_dir`` the certificate is not judged (-nocert)."""
    path = tmp_path / "pdfsig.pdf"
    path.write_bytes(pdf)
    options = ["-nssdir", nss_dir] if nss_dir else ["-nocert"]
    result = run_tool("pdfsig", *options, path)
    return result.stdout + result.stderr


# Creates an NSS certificate database (the kind pdfsig reads with -nssdir) that trusts one
# root as a CA, through libnss3 (installed with poppler-utils); there is no certutil here.
_NSS_TRUST_SCRIPT = r'''
import ctypes
import sys

dbdir, der_hex = sys.argv[1], sys.argv[2]
der = bytes.fromhex(der_hex)
nss = ctypes.CDLL("libnss3.so")
P, C = ctypes.c_void_p, ctypes.c_char_p
class SECItem(ctypes.Structure):
    _fields_ = [("type", ctypes.c_uint), ("data", C), ("len", ctypes.c_uint)]
class Trust(ctypes.Structure):
    _fields_ = [("ssl", ctypes.c_uint), ("email", ctypes.c_uint), ("objectSigning", ctypes.c_uint)]
for name, res, args in [
    ("NSS_InitReadWrite", ctypes.c_int, [C]), ("NSS_Shutdown", ctypes.c_int, []),
    ("CERT_GetDefaultCertDB", P, []), ("PK11_GetInternalKeySlot", P, []),
    ("PK11_NeedUserInit", ctypes.c_int, [P]), ("PK11_InitPin", ctypes.c_int, [P, C, C]),
    ("CERT_NewTempCertificate", P, [P, ctypes.POINTER(SECItem), C, ctypes.c_int, ctypes.c_int]),
    ("PK11_ImportCert", ctypes.c_int, [P, P, ctypes.c_ulong, C, ctypes.c_int]),
    ("CERT_DecodeTrustString", ctypes.c_int, [ctypes.POINTER(Trust), C]),
    ("CERT_ChangeCertTrust", ctypes.c_int, [P, P, ctypes.POINTER(Trust)]),
    ("CERT_DestroyCertificate", None, [P]), ("PK11_FreeSlot", None, [P]),
]:
    getattr(nss, name).restype, getattr(nss, name).argtypes = res, args
assert nss.NSS_InitReadWrite(f"sql:{dbdir}".encode()) == 0
db, slot = nss.CERT_GetDefaultCertDB(), nss.PK11_GetInternalKeySlot()
if nss.PK11_NeedUserInit(slot):
    assert nss.PK11_InitPin(slot, None, b"") == 0
item = SECItem(0, der, len(der))
cert = nss.CERT_NewTempCertificate(db, ctypes.byref(item), None, 0, 1)
assert cert and nss.PK11_ImportCert(slot, cert, 0, b"pbi-root", 0) == 0
trust = Trust()
assert nss.CERT_DecodeTrustString(ctypes.byref(trust), b"C,C,C") == 0
assert nss.CERT_ChangeCertTrust(db, cert, ctypes.byref(trust)) == 0
nss.CERT_DestroyCertificate(cert)
nss.PK11_FreeSlot(slot)
assert nss.NSS_Shutdown() == 0
'''


def nss_db_trusting(root: x509.Certificate, directory: Path) -> str:
    """An NSS database in ``directory`` that trusts ``root``; returns the ``-nssdir`` value."""
    require_tool("pdfsig")
    directory.mkdir(parents=True, exist_ok=True)
    der = root.public_bytes(serialization.Encoding.DER).hex()
    result = subprocess.run(
        [sys.executable, "-c", _NSS_TRUST_SCRIPT, str(directory), der],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    return f"sql:{directory}"


def minimal_pdf(*objects: bytes) -> bytes:
    """A syntactically valid PDF with the given objects (object 1 is the catalog)."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_with_signature_value(value: bytes) -> bytes:
    """A one-page PDF whose only signature field has ``value`` as its /V."""
    return minimal_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /FT /Sig /T (Sig1) /V " + value + b" >>",
    )


# -- an attacker's tools ------------------------------------------------------------------

BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    """The /ByteRange of the only signature in ``pdf``."""
    [match] = BYTE_RANGE.findall(pdf)
    first, first_len, second, second_len = map(int, match)
    return first, first_len, second, second_len


def _pyhanko_signer(
    cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, chain: tuple[x509.Certificate, ...]
) -> signers.SimpleSigner:
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=asn1(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([asn1(c) for c in chain]),
    )


class _IgnoresCertification(signers.PdfSigner):
    """An attacker's signer: adds a signature even though the document forbids changes.

    (pyHanko itself refuses to sign a document certified with "no changes allowed".)
    """

    def _enforce_certification_constraints(self, reader: PdfFileReader) -> None:
        return None


def countersign(pdf: bytes, material: SigningMaterial) -> bytes:
    """``pdf`` with a second (approval) signature appended as an incremental update."""
    meta = signers.PdfSignatureMetadata(field_name="Second", subfilter=fields.SigSeedSubFilter.PADES)
    signer = _pyhanko_signer(material.cert, material.key, material.chain)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return _IgnoresCertification(meta, signer=signer).sign_pdf(writer).getvalue()


def replace_contents(
    pdf: bytes, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, chain: tuple[x509.Certificate, ...]
) -> bytes:
    """Swap the CMS blob for one made by ``key`` over the very same byte ranges."""
    _, first_len, second, second_len = byte_range(pdf)
    digest = hashlib.sha256(pdf[:first_len] + pdf[second:second + second_len]).digest()
    cms = asyncio.run(_pyhanko_signer(cert, key, chain).async_sign(digest, "sha256", use_pades=True))
    hex_cms = cms.dump().hex().encode()
    room = second - first_len - 2
    assert len(hex_cms) <= room
    return pdf[:first_len + 1] + hex_cms.ljust(room, b"0") + pdf[second - 1:]


def encrypted(pdf: bytes) -> bytes:
    """``pdf`` encrypted with AES-256 (empty user password)."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def department(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    """The department's key store, initialised once for the whole session. Do not rotate it."""
    store = KeyStore(tmp_path_factory.mktemp("department") / "keys", PASSPHRASE)
    assert store.initialize()
    return store


@pytest.fixture(scope="session")
def signer(department: KeyStore) -> SigningMaterial:
    return department.current_signer()


@pytest.fixture(scope="session")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    """Someone else's root and signing key (same names, different keys)."""
    store = KeyStore(tmp_path_factory.mktemp("foreign") / "keys", b"another passphrase")
    store.initialize()
    return store


@pytest.fixture(scope="session")
def asset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("assets")


@pytest.fixture(scope="session")
def sample_pdf(asset_dir: Path) -> bytes:
    """A rendered, unsigned bilingual receipt with a QR code."""
    return render_pdf(SAMPLE_HTML.format(qr=qr_svg_data_uri(QR_TEXT)), asset_dir=asset_dir)


@pytest.fixture(scope="session")
def signed_pdf(sample_pdf: bytes, signer: SigningMaterial) -> bytes:
    return sign_pdf(sample_pdf, signer, reason=REASON, location=LOCATION)
