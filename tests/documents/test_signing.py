"""PAdES signing and the independent check of uploaded PDFs, judged by pyHanko and poppler."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from app.documents.keys import KeyStore, fingerprint
from app.documents.pdfcheck import PdfCheck, Reason, check_signed_pdf
from app.documents.signing import SigningFailed, sign_pdf
from tests.documents.conftest import (
    LOCATION,
    PASSPHRASE,
    REASON,
    asn1,
    byte_range,
    countersign,
    encrypted,
    minimal_pdf,
    nss_db_trusting,
    pdf_with_signature_value,
    pdfsig,
    replace_contents,
)


def _check(pdf: bytes, roots: list[x509.Certificate]) -> PdfCheck:
    result = check_signed_pdf(pdf, roots)
    assert result.sha256 == hashlib.sha256(pdf).hexdigest()
    assert result.ok is (result.reason is None)
    return result


# -- signing -------------------------------------------------------------------------------------


def test_pyhanko_judges_the_signature_valid_and_trusted(signed_pdf: bytes, department, signer) -> None:
    reader = PdfFileReader(io.BytesIO(signed_pdf))
    [embedded] = reader.embedded_signatures
    context = ValidationContext(trust_roots=[asn1(department.root_certificate())], allow_fetching=False)
    status = validate_pdf_signature(embedded, context)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert embedded.field_name == "PBI-Department-Signature"
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert embedded.md_algorithm == "sha256"
    assert str(embedded.sig_object["/Reason"]) == REASON
    assert str(embedded.sig_object["/Location"]) == LOCATION
    assert embedded.signer_cert.dump() == signer.cert.public_bytes(serialization.Encoding.DER)
    assert asn1(department.root_certificate()).dump() in [c.dump() for c in embedded.other_embedded_certs]
    assert embedded.docmdp_level == fields.MDPPerm.NO_CHANGES  # a certification signature


def test_pdfsig_reports_valid_and_total(signed_pdf: bytes, tmp_path: Path) -> None:
    output = pdfsig(signed_pdf, tmp_path)
    assert "Signature is Valid." in output
    assert "Total document signed" in output and "Not total document signed" not in output
    assert "ETSI.CAdES.detached" in output and "SHA-256" in output
    assert output.count("Signature #") == 1


def test_pdfsig_trusts_the_certificate_once_the_root_is_trusted(
    signed_pdf: bytes, department: KeyStore, foreign, tmp_path: Path
) -> None:
    """NSS (pdfsig) validates the chain for the e-mail-signer usage; our profile must pass it."""
    nss_dir = nss_db_trusting(department.root_certificate(), tmp_path / "nssdb")
    output = pdfsig(signed_pdf, tmp_path, nss_dir)
    assert "Signature is Valid." in output and "Total document signed" in output
    assert "Certificate is Trusted." in output
    foreign_nss = nss_db_trusting(foreign.root_certificate(), tmp_path / "foreign-nssdb")
    assert "Certificate is Trusted." not in pdfsig(signed_pdf, tmp_path, foreign_nss)


def test_signed_document_passes_the_check(signed_pdf: bytes, department: KeyStore, signer) -> None:
    result = _check(signed_pdf, [department.root_certificate()])
    assert result.ok and result.reason is None
    assert result.signer_fingerprint == fingerprint(signer.cert)
    assert result.signed_at is not None and result.signed_at.tzinfo is not None
    assert abs(dt.datetime.now(dt.UTC) - result.signed_at) < dt.timedelta(minutes=10)


def test_sign_pdf_refuses_what_it_cannot_sign(signed_pdf: bytes, sample_pdf: bytes, signer) -> None:
    with pytest.raises(SigningFailed):  # certified "no changes": a second signature is a change
        sign_pdf(signed_pdf, signer, reason="again", location="here")
    with pytest.raises(SigningFailed):
        sign_pdf(encrypted(sample_pdf), signer, reason="r", location="l")
    with pytest.raises(SigningFailed):
        sign_pdf(b"not a pdf", signer, reason="r", location="l")


# -- tampering -----------------------------------------------------------------------------------


def test_one_flipped_byte_breaks_the_signature(signed_pdf: bytes, department, tmp_path: Path) -> None:
    position = signed_pdf.index(b"stream\n") + 30  # inside the first (compressed) content stream
    assert position < byte_range(signed_pdf)[1]
    tampered = bytearray(signed_pdf)
    tampered[position] ^= 0x01
    result = _check(bytes(tampered), [department.root_certificate()])
    assert result.reason is Reason.SIGNATURE_INVALID and result.signer_fingerprint is None
    assert "Signature is Valid" not in pdfsig(bytes(tampered), tmp_path)


def test_flip_that_breaks_the_structure_is_still_a_broken_signature(signed_pdf: bytes, department) -> None:
    """Even when the file no longer parses, a signed range that fails to verify is tampering."""
    position = signed_pdf.index(b"/Type /Catalog")
    tampered = bytearray(signed_pdf)
    tampered[position] ^= 0x01  # "/Type" -> ".Type": the catalog dictionary is now unreadable
    with pytest.raises(Exception):  # noqa: B017 - any parser error will do
        PdfFileReader(io.BytesIO(bytes(tampered))).embedded_signatures  # noqa: B018
    result = _check(bytes(tampered), [department.root_certificate()])
    assert result.reason is Reason.SIGNATURE_INVALID


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_flip_inside_the_signed_ranges_is_a_broken_signature(signed_pdf: bytes, department, data) -> None:
    _, first_len, second, second_len = byte_range(signed_pdf)
    signature_dict = signed_pdf.rfind(b"<<", 0, first_len)
    position = data.draw(st.one_of(
        st.integers(0, first_len - 1),
        st.integers(max(0, signature_dict - 100), first_len - 1),  # the signature dictionary itself
        st.integers(second, second + second_len - 1),
    ))
    tampered = bytearray(signed_pdf)
    tampered[position] ^= 1 << data.draw(st.integers(0, 7))
    result = _check(bytes(tampered), [department.root_certificate()])
    if position < len(b"%PDF-"):
        assert result.reason in (Reason.NOT_PDF, Reason.SIGNATURE_INVALID)
    else:
        assert result.reason is Reason.SIGNATURE_INVALID


def test_incremental_update_is_a_modification(signed_pdf: bytes, department, tmp_path: Path) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    page = page_ref.get_object()
    note = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/Text"),
        generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (50, 50, 80, 80)]),
        generic.NameObject("/Contents"): generic.TextStringObject("Шешім өзгертілді / Решение изменено"),
    })
    page[generic.NameObject("/Annots")] = generic.ArrayObject([writer.add_object(note)])
    writer.mark_update(page_ref)
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert updated.startswith(signed_pdf) and len(updated) > len(signed_pdf)
    result = _check(updated, [department.root_certificate()])
    assert result.reason is Reason.MODIFIED_AFTER_SIGNING
    assert result.signer_fingerprint == fingerprint(department.current_signer().cert)
    assert "Not total document signed" in pdfsig(updated, tmp_path)


def test_update_that_removes_the_signature_field_is_a_modification(signed_pdf: bytes, department) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    del writer.root["/AcroForm"]
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = _check(out.getvalue(), [department.root_certificate()])
    assert result.reason is Reason.MODIFIED_AFTER_SIGNING
    assert result.signer_fingerprint == fingerprint(department.current_signer().cert)


@pytest.mark.parametrize(
    "tail", [b"\n", b"%%EOF\n", b"\nstartxref\n0\n%%EOF\n", b"\x00" * 1000, b"<script>alert(1)</script>"]
)
def test_appended_bytes_are_a_modification(signed_pdf: bytes, department: KeyStore, tail: bytes) -> None:
    result = _check(signed_pdf + tail, [department.root_certificate()])
    assert result.reason is Reason.MODIFIED_AFTER_SIGNING


def test_second_signature_is_a_modification(signed_pdf: bytes, department: KeyStore, signer, foreign) -> None:
    roots = [department.root_certificate(), foreign.root_certificate()]
    for second_signer in (signer, foreign.current_signer()):
        twice = countersign(signed_pdf, second_signer)
        reader = PdfFileReader(io.BytesIO(twice))
        assert len(reader.embedded_signatures) == 2
        result = _check(twice, roots)
        assert result.reason is Reason.MODIFIED_AFTER_SIGNING
        assert result.signer_fingerprint == fingerprint(signer.cert)  # the first signature


def test_contents_replaced_with_a_foreign_signature(signed_pdf: bytes, department: KeyStore, foreign) -> None:
    """A CMS by another key over the same bytes verifies, so only trust can reject it."""
    other = foreign.current_signer()
    forged = replace_contents(signed_pdf, other.cert, other.key, other.chain)
    assert len(forged) == len(signed_pdf)
    result = _check(forged, [department.root_certificate()])
    assert result.reason is Reason.UNTRUSTED_SIGNER
    assert result.signer_fingerprint == fingerprint(other.cert)
    assert _check(forged, [foreign.root_certificate()]).ok  # the forger's own root does trust it


def test_contents_claiming_our_certificate_but_another_key(signed_pdf, department, signer, foreign) -> None:
    """Our certificate embedded, signature made by someone else's key: the CMS does not verify."""
    forged = replace_contents(signed_pdf, signer.cert, foreign.current_signer().key, signer.chain)
    result = _check(forged, [department.root_certificate()])
    assert result.reason is Reason.SIGNATURE_INVALID and result.signer_fingerprint is None


def test_contents_zeroed_or_garbled(signed_pdf: bytes, department: KeyStore) -> None:
    _, first_len, second, _ = byte_range(signed_pdf)
    room = second - first_len - 2
    for filler in (b"0" * room, os.urandom(room // 2).hex().encode(), b"30" + b"f" * (room - 2)):
        garbled = signed_pdf[:first_len + 1] + filler + signed_pdf[second - 1:]
        assert _check(garbled, [department.root_certificate()]).reason is Reason.SIGNATURE_INVALID


def test_foreign_signer_is_untrusted(sample_pdf: bytes, department: KeyStore, foreign) -> None:
    signed = sign_pdf(sample_pdf, foreign.current_signer(), reason=REASON, location=LOCATION)
    result = _check(signed, [department.root_certificate()])
    assert result.reason is Reason.UNTRUSTED_SIGNER
    assert result.signer_fingerprint == fingerprint(foreign.current_signer().cert)
    assert _check(signed, []).reason is Reason.UNTRUSTED_SIGNER
    assert _check(signed, [foreign.root_certificate(), department.root_certificate()]).ok


# -- hostile and unsigned input ------------------------------------------------------------------


def test_unsigned_pdf_has_no_signature(sample_pdf: bytes, department: KeyStore) -> None:
    assert _check(sample_pdf, [department.root_certificate()]).reason is Reason.NO_SIGNATURE
    empty_field = pdf_with_signature_value(b"null").replace(b"/V null", b"/Ff 0   ")
    assert _check(empty_field, [department.root_certificate()]).reason is Reason.NO_SIGNATURE


def test_not_a_pdf(signed_pdf: bytes, department: KeyStore) -> None:
    roots = [department.root_certificate()]
    limit = 20 * 1024 * 1024
    assert _check(b"", roots).reason is Reason.NOT_PDF
    assert _check("Өтініш мәтіні — просто текст\n".encode(), roots).reason is Reason.NOT_PDF
    assert _check(os.urandom(limit), roots).reason is Reason.NOT_PDF
    assert _check(b"%PDF-1.7\n" + os.urandom(limit - 9), roots).reason is Reason.NOT_PDF
    assert _check(signed_pdf + b" " * (limit - len(signed_pdf) + 1), roots).reason is Reason.NOT_PDF
    assert check_signed_pdf(signed_pdf, roots, max_bytes=len(signed_pdf) - 1).reason is Reason.NOT_PDF
    assert _check(b" " + signed_pdf, roots).reason is Reason.NOT_PDF


def test_truncated_signed_pdf(signed_pdf: bytes, department: KeyStore) -> None:
    for size in (5, 100, len(signed_pdf) // 2, len(signed_pdf) - 200, len(signed_pdf) - 1):
        result = _check(signed_pdf[:size], [department.root_certificate()])
        assert result.reason in (Reason.NOT_PDF, Reason.SIGNATURE_INVALID, Reason.MODIFIED_AFTER_SIGNING)


def test_encrypted_pdf_is_not_accepted(sample_pdf: bytes, department: KeyStore) -> None:
    assert _check(encrypted(sample_pdf), [department.root_certificate()]).reason is Reason.NOT_PDF


@pytest.mark.parametrize("value", [
    b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached"
    b" /ByteRange [0 1 2 3] /Contents <00> >>",
    b"<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange [0 10 20 30] /Contents <3003020100> >>",
    b"<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange (junk) /Contents (junk) >>",
    b"<< /Type /Sig /SubFilter /ETSI.CAdES.detached /Contents <30> >>",
    b"<< /Type /Sig /SubFilter /x.unknown /ByteRange [0 1 2 3] /Contents <3000> >>",
    b"<< /Type /Sig >>",
    b"42",
    b"[1 2 3]",
])
def test_garbage_signature_dictionary(value: bytes, department: KeyStore) -> None:
    result = _check(pdf_with_signature_value(value), [department.root_certificate()])
    assert result.reason is Reason.SIGNATURE_INVALID
    assert result.signer_fingerprint is None


def test_deeply_nested_junk(department: KeyStore) -> None:
    depth = 20_000
    roots = [department.root_certificate()]
    deep_array = b"[" * depth + b"]" * depth
    nested_fields = minimal_pdf(b"<< /Type /Catalog /AcroForm << /Fields " + deep_array + b" >> >>")
    nested_value = pdf_with_signature_value(b"<< /A " * depth + b">>" * depth)
    looping = minimal_pdf(b"<< /Type /Catalog /AcroForm << /Fields [2 0 R] >> >>", b"<< /Kids [2 0 R] >>")
    for pdf in (nested_fields, nested_value, looping, b"%PDF-" + b"[" * depth):
        result = _check(pdf, roots)
        assert not result.ok and result.reason is not None


# -- key rotation and time ---------------------------------------------------------------------


def test_documents_signed_before_rotation_still_pass(sample_pdf: bytes, tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", PASSPHRASE)
    store.initialize()
    before = store.current_signer()
    old_document = sign_pdf(sample_pdf, before, reason=REASON, location=LOCATION)
    store.rotate()
    after = store.current_signer()
    new_document = sign_pdf(sample_pdf, after, reason=REASON, location=LOCATION)
    roots = [store.root_certificate()]
    old_result, new_result = _check(old_document, roots), _check(new_document, roots)
    assert old_result.ok and new_result.ok
    assert old_result.signer_fingerprint == fingerprint(before.cert) != new_result.signer_fingerprint
    assert new_result.signer_fingerprint == fingerprint(after.cert)


def test_chain_is_judged_at_the_signing_time(sample_pdf: bytes, tmp_path: Path) -> None:
    """A document signed while its certificate was valid passes after the certificate expires."""
    store = KeyStore(tmp_path / "keys", PASSPHRASE)
    now = dt.datetime.now(dt.UTC)
    store.initialize(now=now - dt.timedelta(days=730, minutes=-5, seconds=-2))  # expires in 1-2 s
    material = store.current_signer()
    expires = material.cert.not_valid_after_utc
    assert now < expires < now + dt.timedelta(seconds=10)
    document = sign_pdf(sample_pdf, material, reason=REASON, location=LOCATION)
    # pyhanko-certvalidator tolerates 1 s and /M has whole seconds: wait until 2 s past expiry.
    time.sleep(max(0.0, (expires - dt.datetime.now(dt.UTC)).total_seconds()) + 2.2)
    assert dt.datetime.now(dt.UTC) > expires
    assert _check(document, [store.root_certificate()]).ok
    # Signed after expiry: the claimed signing time is outside the certificate's validity.
    late = sign_pdf(sample_pdf, material, reason=REASON, location=LOCATION)
    assert _check(late, [store.root_certificate()]).reason is Reason.UNTRUSTED_SIGNER
