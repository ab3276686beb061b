"""A real issued talon, mutated 100 ways: every copy refused, each for the right reason.

Byte flips inside both signed ranges, inside the CMS container and in its zero padding (the
bytes the byte range leaves out), truncations, incremental updates and appended bytes, and
re-signing with another department's key (same names, different keys). Every copy goes
through ``/api/v1/verify`` (the real sandbox); Poppler's ``pdfsig`` judges the copies where
it can tell (the signed ranges, the updates, the foreign signer), independently.
"""

from __future__ import annotations

import io
import random
import re

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from app.documents import pdfcheck
from app.documents.keys import KeyStore
from app.documents.signing import sign_pdf
from tests.conftest import build_app, proof
from tests.documents import hostile
from tests.documents.conftest import countersign, nss_db_trusting, pdfsig, replace_contents

INVALID, MODIFIED, UNTRUSTED = "signature_invalid", "modified_after_signing", "untrusted_signer"
NOT_PDF, NO_SIGNATURE = "not_pdf", "no_signature"
_RANGE = re.compile(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    return hostile.issued_talon(tmp_path_factory.mktemp("tamper"))


@pytest.fixture(scope="module")
def impostor(tmp_path_factory) -> KeyStore:
    """Another department: the same names on its root and signing certificate, other keys."""
    store = KeyStore(tmp_path_factory.mktemp("impostor") / "keys", b"impostor passphrase")
    store.initialize()
    return store


def flip(data: bytes, position: int, mask: int = 0x01) -> bytes:
    changed = bytearray(data)
    changed[position] ^= mask
    return bytes(changed)


def updated(talon: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(talon), strict=False)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_root_key(writer) -> None:
    writer.root["/PBITampered"] = generic.BooleanObject(True)
    writer.update_root()


def _widen_page(writer) -> None:
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/MediaBox"] = generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 842, 1190)])
    writer.update_container(page)


def _add_annotation(writer) -> None:
    page_ref = writer.root["/Pages"]["/Kids"][0]
    annotation = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/Text"),
        generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (10, 10, 50, 50)]),
        generic.NameObject("/Contents"): generic.TextStringObject("Қабылданбады / Отклонено"),
    }))
    page = page_ref.get_object()
    page["/Annots"] = generic.ArrayObject([annotation])
    writer.update_container(page)


def unsigned_original(talon: bytes) -> bytes:
    """The talon as rendered, before the signature's incremental update."""
    return talon[: talon.index(b"%%EOF") + len(b"%%EOF\n")]


def mutations(talon: bytes, department_signer, impostor: KeyStore) -> list[tuple[str, bytes, set[str], str]]:
    """(label, bytes, the right reasons, what pdfsig should say or "") — 100 of them."""
    first_len, second_start, second_len = map(int, _RANGE.search(talon).groups())
    content = bytes.fromhex(talon[first_len + 1 : second_start - 1].decode())
    der_end = first_len + 1 + 2 * len(content.rstrip(b"\x00"))
    rnd = random.Random(8)
    out: list[tuple[str, bytes, set[str], str]] = []
    for i in range(37):
        position, mask = rnd.randrange(5, first_len), 0x01 if i < 30 else 0xFF
        out.append((f"flip in the first signed range at {position}", flip(talon, position, mask), {INVALID}, "range"))
    for _ in range(15):
        position = rnd.randrange(second_start, second_start + second_len)
        out.append((f"flip in the second signed range at {position}", flip(talon, position), {INVALID}, "range"))
    for _ in range(8):
        position = rnd.randrange(first_len + 1, der_end)
        out.append((f"flip in the CMS container at {position}", flip(talon, position), {INVALID, MODIFIED}, ""))
    for _ in range(8):
        position = rnd.randrange(der_end, second_start - 1)
        out.append((f"flip in the zero padding at {position}", flip(talon, position), {MODIFIED}, ""))
    out.append(("'<' of /Contents changed", flip(talon, first_len), {INVALID, NOT_PDF}, ""))
    out.append(("'>' of /Contents changed", flip(talon, second_start - 1), {INVALID, NOT_PDF}, ""))
    for cut in (1, 2, 6, 17, 100, 1000, len(talon) - second_start, len(talon) // 2, len(talon) - first_len, 9999):
        # (cut back to before the signature's update, it is the unsigned talon: no signature)
        out.append((f"last {cut} bytes cut", talon[:-cut], {INVALID, NOT_PDF, NO_SIGNATURE}, ""))
    resigned = countersign(talon, department_signer)
    out += [
        ("update: a key in the catalog", updated(talon, _add_root_key), {MODIFIED}, "update"),
        ("update: the page enlarged", updated(talon, _widen_page), {MODIFIED}, "update"),
        ("update: an annotation added", updated(talon, _add_annotation), {MODIFIED}, "update"),
        ("update: a second signature by the department", resigned, {MODIFIED}, "update"),
        ("update: a second signature by the impostor", countersign(talon, impostor.current_signer()), {MODIFIED},
         "update"),
        ("appended: junk", talon + b"junk", {MODIFIED}, ""),
        ("appended: a newline", talon + b"\n", {MODIFIED}, ""),
        ("appended: a ZIP archive", hostile.polyglot(talon), {MODIFIED}, ""),
        ("appended: a second %%EOF", talon + b"%%EOF\n", {MODIFIED}, ""),
        ("appended: a repeated startxref", talon + talon[talon.rindex(b"startxref"):], {MODIFIED}, ""),
    ]
    foreign = impostor.current_signer()
    for i in range(5):  # a CMS blob by the impostor's key over the very same byte ranges
        copy = replace_contents(talon, foreign.cert, foreign.key, foreign.chain)
        out.append((f"re-signed in place by the impostor ({i + 1})", copy, {UNTRUSTED}, "foreign"))
    original = unsigned_original(talon)
    for i in range(5):  # the talon as rendered, signed whole by the impostor
        copy = sign_pdf(original, foreign, reason=f"forged {i}", location="Түркістан / Туркестан")
        out.append((f"re-signed whole by the impostor ({i + 1})", copy, {UNTRUSTED}, "foreign"))
    return out


def test_a_hundred_mutated_talons_are_all_refused(tmp_path, issued, impostor):
    instance, talon, roots = issued
    app = build_app(tmp_path, INSTANCE_PATH=str(instance))
    with app.app_context():
        from app.documents.runtime import keystore

        department_signer = keystore().current_signer()
    roots_der = [root.public_bytes(Encoding.DER) for root in roots]
    assert pdfcheck.check_signed_pdf_der(talon, roots_der).ok
    copies = mutations(talon, department_signer, impostor)
    assert len(copies) == 100 and len({data for _, data, _, _ in copies}) == 100

    client = app.test_client()
    nss_dir = nss_db_trusting(roots[0], tmp_path / "nss")
    rejected = 0
    for label, data, reasons, judge in copies:
        response = client.post("/api/v1/verify?lang=en", data={"document": (io.BytesIO(data), "talon.pdf")},
                               content_type="multipart/form-data")
        body = response.get_json()
        assert response.status_code == 200 and body["valid"] is False, label
        assert body["reason"] in reasons, (label, body["reason"])
        rejected += 1
        if judge == "range":
            report = pdfsig(data, tmp_path)
            assert not ("Signature is Valid" in report and "Total document signed" in report), (label, report)
        elif judge == "update":
            assert "Not total document signed" in pdfsig(data, tmp_path), label  # our signature no longer covers it
        elif judge == "foreign":
            report = pdfsig(data, tmp_path, nss_dir)
            assert "Certificate is Trusted" not in report, (label, report)
    proof(f"tamper: {len(copies)} mutated copies, {rejected} rejected")
