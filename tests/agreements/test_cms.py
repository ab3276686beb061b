"""Detached CMS signature verification against signatures made by the real ``openssl cms``."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.agreements.cms import CmsProblem, CmsSignatureError, CmsSigner, verify_detached

NOW = datetime.now(UTC)

if shutil.which("openssl") is None:  # Debian's openssl CLI makes every signature here
    if os.environ.get("CI") == "true":
        raise RuntimeError("the openssl command line tool is required for tests/agreements/test_cms.py")
    pytest.skip("the openssl command line tool is not installed", allow_module_level=True)


@dataclass
class Identity:
    key: object
    cert: x509.Certificate
    cert_path: Path
    key_path: Path


def _name(cn: str, *, org: str | None = None, serial: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"))
    return x509.Name(attrs)


def _make(
    directory: Path,
    label: str,
    subject: x509.Name,
    *,
    issuer: Identity | None = None,
    key=None,
    ca: bool = False,
    not_before: datetime = NOW - timedelta(days=30),
    not_after: datetime = NOW + timedelta(days=365),
    usage: str = "sign",
) -> Identity:
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer_name = issuer.cert.subject if issuer else subject
    signing_key = issuer.key if issuer else key
    for_signing = not ca and usage == "sign"
    key_usage = x509.KeyUsage(
        digital_signature=ca or for_signing,
        content_commitment=for_signing,
        key_encipherment=not ca and not for_signing,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(key_usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    cert = builder.sign(signing_key, hashes.SHA256())
    cert_path, key_path = directory / f"{label}.crt", directory / f"{label}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return Identity(key, cert, cert_path, key_path)


@dataclass
class Pki:
    directory: Path
    root: Identity
    signer: Identity
    second: Identity
    ec_signer: Identity
    expired: Identity
    not_yet: Identity
    evil_root: Identity
    evil_signer: Identity
    encipher_only: Identity
    weak: Identity
    pdf: Path
    other_pdf: Path

    def sign(
        self, who: Identity, *extra: str, content: Path | None = None, outform: str = "DER", tool: str = "cms"
    ) -> bytes:
        out = self.directory / "out.p7s"
        out.unlink(missing_ok=True)
        files = ["-in", str(content or self.pdf), "-signer", str(who.cert_path), "-inkey", str(who.key_path)]
        command = ["openssl", tool, "-sign", "-binary", *files, "-outform", outform, "-out", str(out)]
        subprocess.run([*command, *extra], check=True, capture_output=True)
        return out.read_bytes()


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    root = _make(d, "root", _name("Test National CA (RSA)", org="НУЦ РК тест"), ca=True)
    subject = _name("ТЕСТОВ ТЕСТ", org="ТОО «Тест»", serial="IIN850515401239")
    signer = _make(d, "signer", subject, issuer=root)
    second = _make(d, "second", _name("ВТОРОЙ ПОДПИСАНТ", serial="IIN900101300123"), issuer=root)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_signer = _make(d, "ec", _name("EC Signer", org="ТОО «ЕС»"), key=ec_key)
    expired = _make(
        d,
        "expired",
        _name("EXPIRED"),
        issuer=root,
        not_before=NOW - timedelta(days=400),
        not_after=NOW - timedelta(days=35),
    )
    not_yet = _make(
        d,
        "notyet",
        _name("NOT YET"),
        issuer=root,
        not_before=NOW + timedelta(days=10),
        not_after=NOW + timedelta(days=400),
    )
    evil_root = _make(d, "evilroot", root.cert.subject, ca=True)
    evil_signer = _make(d, "evilsigner", subject, issuer=evil_root)
    encipher_only = _make(d, "encipher", _name("ENCIPHER ONLY"), issuer=root, usage="encipher")
    weak_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - must be refused
    weak = _make(d, "weak", _name("WEAK"), issuer=root, key=weak_key)
    pdf, other_pdf = d / "agreement.pdf", d / "other.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + os.urandom(4096) + b"\n%%EOF\n")
    other_pdf.write_bytes(b"%PDF-1.7\n" + os.urandom(4096) + b"\n%%EOF\n")
    return Pki(
        d,
        root,
        signer,
        second,
        ec_signer,
        expired,
        not_yet,
        evil_root,
        evil_signer,
        encipher_only,
        weak,
        pdf,
        other_pdf,
    )


@pytest.fixture(scope="session")
def rsa_der(pki) -> bytes:
    return pki.sign(pki.signer)


def _problem(signature: bytes, content: bytes, anchors=()) -> CmsProblem:
    with pytest.raises(CmsSignatureError) as info:
        verify_detached(signature, content, anchors)
    return info.value.problem


def _openssl_fingerprint(path: Path) -> str:
    out = subprocess.run(
        ["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().split("=", 1)[1].replace(":", "").lower()


# --- accepted signatures ---------------------------------------------------------------------


def test_rsa_der_chained_to_anchor_is_trusted(pki, rsa_der):
    signer = verify_detached(rsa_der, pki.pdf.read_bytes(), [pki.root.cert])
    assert isinstance(signer, CmsSigner)
    assert signer.trusted is True
    assert signer.trust_detail == ""
    assert signer.subject == pki.signer.cert.subject.rfc4514_string()
    assert "ТЕСТОВ ТЕСТ" in signer.subject
    assert signer.common_name == "ТЕСТОВ ТЕСТ"
    assert signer.organization == "ТОО «Тест»"
    assert signer.serial_number_attr == "IIN850515401239"
    assert signer.fingerprint_sha256 == _openssl_fingerprint(pki.signer.cert_path)
    assert signer.certificate_pem == pki.signer.cert_path.read_text()
    assert signer.signing_time is not None
    assert signer.signing_time.tzinfo is not None
    assert abs(signer.signing_time - datetime.now(UTC)) < timedelta(minutes=10)


def test_without_anchor_is_valid_but_untrusted(pki, rsa_der):
    signer = verify_detached(rsa_der, pki.pdf.read_bytes())
    assert signer.trusted is False
    assert signer.trust_detail == "no trust anchor installed"
    assert signer.serial_number_attr == "IIN850515401239"


def test_other_anchor_is_untrusted(pki, rsa_der):
    signer = verify_detached(rsa_der, pki.pdf.read_bytes(), [pki.ec_signer.cert])
    assert signer.trusted is False
    assert signer.trust_detail == "chain does not reach an installed anchor"


def test_look_alike_root_inside_the_cms_does_not_make_it_trusted(pki):
    signature = pki.sign(pki.evil_signer, "-certfile", str(pki.evil_root.cert_path))
    signer = verify_detached(signature, pki.pdf.read_bytes(), [pki.root.cert])
    assert signer.subject == pki.signer.cert.subject.rfc4514_string()
    assert signer.trusted is False
    assert signer.trust_detail == "chain does not verify up to an installed anchor"


def test_certificate_without_signing_key_usage_is_untrusted(pki):
    signature = pki.sign(pki.encipher_only)
    signer = verify_detached(signature, pki.pdf.read_bytes(), [pki.root.cert])
    assert signer.trusted is False
    assert signer.trust_detail == "certificate not valid for signing"


@pytest.mark.parametrize("label", ["CMS", "PKCS7"])
def test_pem_output(pki, label):
    pem = pki.sign(pki.signer, outform="PEM")
    assert pem.startswith(b"-----BEGIN CMS-----")
    pem = pem.replace(b"CMS-----", label.encode() + b"-----")
    signer = verify_detached(pem, pki.pdf.read_bytes(), [pki.root.cert])
    assert signer.trusted is True


def test_openssl_smime_pkcs7_pem(pki):
    pem = pki.sign(pki.signer, outform="PEM", tool="smime")
    assert pem.startswith(b"-----BEGIN PKCS7-----")
    assert verify_detached(pem, pki.pdf.read_bytes(), [pki.root.cert]).trusted is True


@pytest.mark.parametrize("detach", [True, False])
def test_streamed_ber_indefinite_length(pki, detach):
    signature = pki.sign(pki.signer, "-stream", *([] if detach else ["-nodetach"]))
    assert signature[:2] == b"\x30\x80"  # indefinite-length BER, not DER
    assert verify_detached(signature, pki.pdf.read_bytes(), [pki.root.cert]).trusted is True
    assert _problem(signature, pki.other_pdf.read_bytes()) is CmsProblem.WRONG_CONTENT


def test_bare_base64_is_accepted(pki, rsa_der):
    signer = verify_detached(base64.encodebytes(rsa_der), pki.pdf.read_bytes())
    assert signer.common_name == "ТЕСТОВ ТЕСТ"


def test_noattr_signature(pki):
    signature = pki.sign(pki.signer, "-noattr")
    signer = verify_detached(signature, pki.pdf.read_bytes(), [pki.root.cert])
    assert signer.signing_time is None
    assert signer.trusted is True


def test_ecdsa_signer(pki):
    signature = pki.sign(pki.ec_signer)
    signer = verify_detached(signature, pki.pdf.read_bytes())
    assert signer.common_name == "EC Signer"
    assert signer.organization == "ТОО «ЕС»"
    assert signer.serial_number_attr is None
    assert signer.trusted is False
    assert verify_detached(signature, pki.pdf.read_bytes(), [pki.ec_signer.cert]).trusted is True
    assert _problem(signature, pki.other_pdf.read_bytes()) is CmsProblem.WRONG_CONTENT


def test_ecdsa_noattr_signature(pki):
    signature = pki.sign(pki.ec_signer, "-noattr")
    assert verify_detached(signature, pki.pdf.read_bytes()).signing_time is None
    assert _problem(signature, pki.other_pdf.read_bytes()) is CmsProblem.BAD_SIGNATURE


@pytest.mark.parametrize("md", ["sha384", "sha512"])
def test_other_sha2_digests(pki, md):
    signature = pki.sign(pki.signer, "-md", md)
    assert verify_detached(signature, pki.pdf.read_bytes(), [pki.root.cert]).trusted is True


def test_rsa_pss(pki):
    signature = pki.sign(pki.signer, "-keyopt", "rsa_padding_mode:pss")
    algorithm = asn1_cms.ContentInfo.load(signature)["content"]["signer_infos"][0]["signature_algorithm"]
    assert algorithm["algorithm"].native == "rsassa_pss"
    assert verify_detached(signature, pki.pdf.read_bytes(), [pki.root.cert]).trusted is True
    assert _problem(signature, pki.other_pdf.read_bytes()) is CmsProblem.WRONG_CONTENT


def test_signer_identified_by_subject_key_identifier(pki):
    signature = pki.sign(pki.signer, "-keyid")
    sid = asn1_cms.ContentInfo.load(signature)["content"]["signer_infos"][0]["sid"]
    assert sid.name == "subject_key_identifier"
    assert verify_detached(signature, pki.pdf.read_bytes(), [pki.root.cert]).trusted is True


def test_encapsulated_content_equal_to_document_is_accepted(pki):
    signature = pki.sign(pki.signer, "-nodetach")
    assert verify_detached(signature, pki.pdf.read_bytes(), [pki.root.cert]).trusted is True
    assert _problem(signature, pki.other_pdf.read_bytes()) is CmsProblem.WRONG_CONTENT


def test_encapsulated_other_content_is_wrong_content(pki):
    signature = pki.sign(pki.signer, "-nodetach", content=pki.other_pdf)
    assert _problem(signature, pki.pdf.read_bytes()) is CmsProblem.WRONG_CONTENT


def test_two_signers_all_verified_first_reported(pki):
    signature = pki.sign(pki.signer, "-signer", str(pki.second.cert_path), "-inkey", str(pki.second.key_path))
    infos = asn1_cms.ContentInfo.load(signature)["content"]["signer_infos"]
    assert len(infos) == 2
    # DER sorts the SignerInfo SET, so "first" is the first one in the encoding.
    first_serial = infos[0]["sid"].chosen["serial_number"].native
    first = pki.signer if first_serial == pki.signer.cert.serial_number else pki.second
    signer = verify_detached(signature, pki.pdf.read_bytes(), [pki.root.cert])
    assert signer.subject == first.cert.subject.rfc4514_string()
    assert signer.trusted is True
    for index in (0, 1):  # a bad second signer fails the whole signature too
        corrupted = _flip_signature_byte(signature, index=index)
        assert _problem(corrupted, pki.pdf.read_bytes()) is CmsProblem.BAD_SIGNATURE


# --- rejected signatures ---------------------------------------------------------------------


def test_signature_over_another_pdf_is_wrong_content(pki, rsa_der):
    assert _problem(rsa_der, pki.other_pdf.read_bytes()) is CmsProblem.WRONG_CONTENT


def test_one_changed_byte_is_wrong_content(pki, rsa_der):
    data = bytearray(pki.pdf.read_bytes())
    data[2000] ^= 0x01
    assert _problem(rsa_der, bytes(data)) is CmsProblem.WRONG_CONTENT


def test_noattr_rsa_over_another_pdf_is_wrong_content(pki):
    signature = pki.sign(pki.signer, "-noattr")
    assert _problem(signature, pki.other_pdf.read_bytes()) is CmsProblem.WRONG_CONTENT


def _flip_signature_byte(der: bytes, index: int = 0) -> bytes:
    value = asn1_cms.ContentInfo.load(der)["content"]["signer_infos"][index]["signature"].native
    assert der.count(value) == 1
    offset = der.index(value) + len(value) // 2
    return der[:offset] + bytes([der[offset] ^ 0xFF]) + der[offset + 1 :]


@pytest.mark.parametrize("noattr", [False, True])
def test_corrupted_signature_value_is_bad_signature(pki, rsa_der, noattr):
    signature = pki.sign(pki.signer, "-noattr") if noattr else rsa_der
    assert _problem(_flip_signature_byte(signature), pki.pdf.read_bytes()) is CmsProblem.BAD_SIGNATURE


def test_corrupted_ecdsa_signature_is_bad_signature(pki):
    signature = _flip_signature_byte(pki.sign(pki.ec_signer))
    assert _problem(signature, pki.pdf.read_bytes()) is CmsProblem.BAD_SIGNATURE


def test_garbage_is_not_cms(pki, rsa_der):
    pdf = pki.pdf.read_bytes()
    cert_pem = pki.signer.cert_path.read_bytes()
    cert_der = pki.signer.cert.public_bytes(serialization.Encoding.DER)
    pem = pki.sign(pki.signer, outform="PEM")
    for bad in [
        b"",
        rsa_der[: len(rsa_der) // 2],
        rsa_der[:-1],
        rsa_der + b"\x00",
        os.urandom(3000),
        b"\x30" + os.urandom(3000),
        pdf,
        cert_pem,
        cert_der,
        pem[: len(pem) // 2],
        pem.replace(b"CMS-----", b"CERTIFICATE-----"),
        b"0" * (1024 * 1024 + 1),
    ]:
        assert _problem(bad, pdf) is CmsProblem.NOT_CMS, bad[:40]


def test_other_cms_content_types_are_not_cms(pki):
    out = pki.directory / "enveloped.der"
    command = ["openssl", "cms", "-encrypt", "-binary", "-in", str(pki.pdf), "-outform", "DER"]
    subprocess.run([*command, "-out", str(out), str(pki.signer.cert_path)], check=True, capture_output=True)
    assert _problem(out.read_bytes(), pki.pdf.read_bytes()) is CmsProblem.NOT_CMS


def test_nocerts_is_no_certificate(pki):
    signature = pki.sign(pki.signer, "-nocerts")
    assert _problem(signature, pki.pdf.read_bytes()) is CmsProblem.NO_CERTIFICATE


def test_sid_not_matching_included_certificate_is_no_certificate(pki):
    signature = pki.sign(pki.signer, "-nocerts", "-certfile", str(pki.second.cert_path))
    assert _problem(signature, pki.pdf.read_bytes()) is CmsProblem.NO_CERTIFICATE


def test_sha1_is_unsupported(pki):
    try:
        signature = pki.sign(pki.signer, "-md", "sha1")
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"openssl refused to make a SHA-1 signature: {exc.stderr!r}")
    assert _problem(signature, pki.pdf.read_bytes()) is CmsProblem.UNSUPPORTED_ALGORITHM


def test_short_rsa_key_is_unsupported(pki):
    try:
        signature = pki.sign(pki.weak)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"openssl refused to sign with a 1024-bit key: {exc.stderr!r}")
    assert _problem(signature, pki.pdf.read_bytes()) is CmsProblem.UNSUPPORTED_ALGORITHM


# Kazakh GOST 34.311 digest and GOST 34.310 signature OIDs (as used by NCA RK).
@pytest.mark.parametrize("digest_oid", ["1.2.398.3.10.1.3.1", "sha256"])
def test_gost_is_unsupported_with_clear_message(pki, rsa_der, digest_oid):
    info = asn1_cms.ContentInfo.load(rsa_der)
    signer_info = info["content"]["signer_infos"][0]
    signer_info["digest_algorithm"] = {"algorithm": digest_oid}
    signer_info["signature_algorithm"] = {"algorithm": "1.2.398.3.10.1.1.1.2"}
    with pytest.raises(CmsSignatureError) as exc:
        verify_detached(info.dump(force=True), pki.pdf.read_bytes())
    assert exc.value.problem is CmsProblem.UNSUPPORTED_ALGORITHM
    assert "GOST" in exc.value.detail


@pytest.mark.parametrize("who", ["expired", "not_yet"])
def test_certificate_outside_validity_is_rejected(pki, who):
    identity = getattr(pki, who)
    for extra in [(), ("-noattr",)]:
        signature = pki.sign(identity, *extra)
        problem = _problem(signature, pki.pdf.read_bytes(), [pki.root.cert])
        assert problem is CmsProblem.CERTIFICATE_NOT_VALID_AT_SIGNING


def test_problem_values_are_stable():
    assert CmsProblem.CERTIFICATE_NOT_VALID_AT_SIGNING == "certificate_not_valid"
    error = CmsSignatureError(CmsProblem.NOT_CMS, "detail text")
    assert error.problem is CmsProblem.NOT_CMS
    assert "detail text" in str(error)


# --- hostile input ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4096))
def test_random_bytes_only_raise_cms_signature_error(data):
    with pytest.raises(CmsSignatureError):
        verify_detached(data, b"%PDF-1.7\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255), cut=st.booleans())
def test_mutated_signature_never_raises_anything_else(pki, rsa_der, position, value, cut):
    position %= len(rsa_der)
    mutated = rsa_der[:position] if cut else rsa_der[:position] + bytes([value]) + rsa_der[position + 1 :]
    try:
        result = verify_detached(mutated, pki.pdf.read_bytes())
    except CmsSignatureError:
        return
    assert isinstance(result, CmsSigner)
