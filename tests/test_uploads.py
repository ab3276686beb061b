"""Upload checks: evidence kinds are decided from the content, against an allow-list."""

from __future__ import annotations

import io
import random
import struct
import time
import wave
import zipfile

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from app import uploads
from app.uploads import (
    EVIDENCE_KINDS,
    KINDS,
    UploadRejected,
    check_evidence,
    read_capped,
    read_limited,
    sniff,
    sniff_evidence,
)

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PACKAGE_RELS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="%s"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""
WORD_DOCUMENT = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>Evidence</w:t></w:r></w:p></w:body></w:document>"""
EXCEL_WORKBOOK = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>"""


# --- sample builders --------------------------------------------------------------------

def image_bytes(fmt: str, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (8, 6), "red" if mode == "RGB" else 1).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "blue").save(buffer, format="PDF")
    return buffer.getvalue()


def content_types(*overrides: tuple[str, str], extra: str = "") -> str:
    parts = "".join(f'<Override PartName="{name}" ContentType="{ctype}"/>' for name, ctype in overrides)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + extra
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + parts + "</Types>"
    )


def zip_bytes(entries: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_entries(main_type: str = DOCX_MAIN) -> dict[str, bytes | str]:
    return {
        "[Content_Types].xml": content_types(("/word/document.xml", main_type)),
        "_rels/.rels": PACKAGE_RELS % b"word/document.xml",
        "word/document.xml": WORD_DOCUMENT,
    }


def docx_bytes(**extra: bytes | str) -> bytes:
    return zip_bytes({**docx_entries(), **extra})


def xlsx_bytes() -> bytes:
    return zip_bytes({
        "[Content_Types].xml": content_types(("/xl/workbook.xml", XLSX_MAIN)),
        "_rels/.rels": PACKAGE_RELS % b"xl/workbook.xml",
        "xl/workbook.xml": EXCEL_WORKBOOK,
    })


def wav_bytes() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x01" * 800)
    return buffer.getvalue()


def ogg_page(version: int = 0, flags: int = 0x02) -> bytes:
    packet = b"\x01vorbis" + b"\x00" * 23
    header = b"OggS" + bytes([version, flags]) + struct.pack("<qIII", 0, 0x1234, 0, 0)
    return header + bytes([1, len(packet)]) + packet


def mp3_header(bitrate_index: int = 9, rate_index: int = 0, padding: int = 0, version: int = 3) -> bytes:
    """An MPEG audio Layer III frame header (version 3 = MPEG-1, 2 = MPEG-2)."""
    return bytes([0xFF, 0xE0 | version << 3 | 1 << 1 | 1, bitrate_index << 4 | rate_index << 2 | padding << 1, 0x44])


def mp3_frame_length(bitrate_kbps: int, rate: int, padding: int = 0, version: int = 3) -> int:
    return (144 if version == 3 else 72) * bitrate_kbps * 1000 // rate + padding


def mp3_frames(count: int = 2, padding: int = 0) -> bytes:
    length = mp3_frame_length(128, 44100, padding)  # 417 or 418 bytes
    frame = mp3_header(9, 0, padding)
    return b"".join(frame + b"\x55" * (length - 4) for _ in range(count))


def id3_tag(body: bytes = b"", version: int = 3) -> bytes:
    size = len(body)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3" + bytes([version, 0, 0]) + syncsafe + body


def ftyp(major: bytes, *compatible: bytes, size: int | None = None) -> bytes:
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return struct.pack(">I", size if size is not None else 8 + len(body)) + b"ftyp" + body


def mp4_bytes(major: bytes, *compatible: bytes) -> bytes:
    return ftyp(major, *compatible) + struct.pack(">I", 8) + b"free" + struct.pack(">I", 16) + b"mdat" + b"\x00" * 8


def set_encrypted_flag(data: bytes, name: bytes) -> bytes:
    """Mark the entry ``name`` as encrypted in its local and central directory headers."""
    out = bytearray(data)
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        pos = out.find(signature)
        while pos >= 0:
            if out[pos + name_at:pos + name_at + len(name)] == name:
                out[pos + flag_at] |= 0x01
            pos = out.find(signature, pos + 1)
    return bytes(out)


# --- the allow-list ------------------------------------------------------------------------

def test_evidence_kinds_are_the_allow_list():
    assert set(EVIDENCE_KINDS) == {"pdf", "jpeg", "png", "webp", "heic", "docx", "xlsx",
                                   "mp3", "m4a", "ogg", "wav", "mp4"}
    assert EVIDENCE_KINDS["docx"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
    assert EVIDENCE_KINDS["m4a"][0] == "audio/mp4" and EVIDENCE_KINDS["mp4"][0] == "video/mp4"
    for kind in KINDS:
        assert EVIDENCE_KINDS[kind] == KINDS[kind]


def test_authority_sniff_keeps_its_narrow_list():
    assert set(KINDS) == {"pdf", "jpeg", "png"}
    assert sniff(pdf_bytes()) == "pdf"
    assert sniff(image_bytes("JPEG")) == "jpeg"
    assert sniff(image_bytes("PNG")) == "png"
    for other in (image_bytes("WEBP"), wav_bytes(), docx_bytes(), mp3_frames()):
        assert sniff(other) is None


def test_read_limited_is_unchanged():
    assert read_limited(io.BytesIO(b"abc"), 3) == b"abc"
    assert read_limited(io.BytesIO(b"abcd"), 3) is None


# --- accepted kinds ------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "build"), [
    ("pdf", pdf_bytes),
    ("jpeg", lambda: image_bytes("JPEG")),
    ("png", lambda: image_bytes("PNG")),
    ("webp", lambda: image_bytes("WEBP")),
    ("webp", lambda: image_bytes("WEBP", "RGBA")),
    ("heic", lambda: ftyp(b"heic", b"mif1", b"heic") + struct.pack(">I", 8) + b"meta"),
    ("heic", lambda: ftyp(b"mif1", b"MiHE", b"miaf", b"heic")),
    ("heic", lambda: ftyp(b"msf1", b"msf1", b"hevc", b"iso8")),
    ("docx", docx_bytes),
    ("xlsx", xlsx_bytes),
    ("wav", wav_bytes),
    ("ogg", ogg_page),
    ("mp3", mp3_frames),
    ("mp3", lambda: mp3_frames(padding=1)),
    ("mp3", lambda: id3_tag(b"TIT2" + b"\x00" * 20) + mp3_frames()),
    ("m4a", lambda: mp4_bytes(b"M4A ", b"M4A ", b"mp42", b"isom")),
    ("m4a", lambda: mp4_bytes(b"mp42", b"isom", b"M4A ")),
    ("m4a", lambda: mp4_bytes(b"M4B ", b"M4B ", b"mp42")),
    ("mp4", lambda: mp4_bytes(b"isom", b"isom", b"iso2", b"avc1", b"mp41")),
    ("mp4", lambda: mp4_bytes(b"mp42", b"mp42", b"isom")),
    ("mp4", lambda: mp4_bytes(b"3gp4", b"isom")),
])
def test_allowed_kinds_are_recognised(kind, build):
    data = build()
    assert sniff_evidence(data) == kind
    assert check_evidence(data) == kind


def test_docx_parts_may_be_stored_uncompressed_and_named_in_any_case():
    entries = docx_entries()
    entries["[content_types].xml"] = entries.pop("[Content_Types].xml")
    assert sniff_evidence(zip_bytes(entries, zipfile.ZIP_STORED)) == "docx"


def test_wav_with_a_chunk_before_fmt():
    data = wav_bytes()
    junk = b"LIST" + struct.pack("<I", 5) + b"INFOx\x00"  # odd size: padded to an even boundary
    patched = data[:12] + junk + data[12:]
    assert sniff_evidence(patched) == "wav"


def test_mpeg2_layer3_frames():
    length = mp3_frame_length(64, 22050, version=2)
    frame = mp3_header(8, 0, version=2) + b"\x00" * (length - 4)
    assert sniff_evidence(frame * 2) == "mp3"


# --- refused content ------------------------------------------------------------------------

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b'<rect width="1" height="1"/></svg>')
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00L\x01"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00"
MACHO = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00\x02\x00\x00\x00"


@pytest.mark.parametrize("data", [
    pytest.param(HTML, id="html"),
    pytest.param(b"\xef\xbb\xbf  <html><head><title>x</title></head></html>", id="html-bom"),
    pytest.param(SVG, id="svg"),
    pytest.param(PE, id="pe-exe"),
    pytest.param(ELF, id="elf"),
    pytest.param(MACHO, id="mach-o"),
    pytest.param(b"#!/bin/sh\nrm -rf /\n", id="shell-script"),
    pytest.param(b"<?php system($_GET['c']); ?>", id="php"),
    pytest.param("Справка о вымогательстве, 1000000 тенге\n".encode(), id="plain-text"),
    pytest.param(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 16, id="rar"),
    pytest.param(b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 24, id="7z"),
    pytest.param(image_bytes("GIF", "P"), id="gif"),
    pytest.param(image_bytes("BMP"), id="bmp"),
    pytest.param(image_bytes("TIFF"), id="tiff"),
    pytest.param(b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 28, id="avi"),
    pytest.param(b"RIFF\x0c\x00\x00\x00WEBPJUNK\x00\x00\x00\x00", id="webp-without-image-chunk"),
    pytest.param(b"RIFF\x0c\x00\x00\x00WAVEdata\x00\x00\x00\x00", id="wav-without-fmt"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIEND", id="png-without-ihdr"),
    pytest.param(b"", id="empty"),
])
def test_foreign_content_is_refused(data):
    assert sniff_evidence(data) is None


def test_html_or_executable_named_pdf_is_refused():
    # Only the content is passed on: the name "scan.pdf" and a browser's "application/pdf" play no role.
    for data in (HTML, PE, ELF):
        with pytest.raises(UploadRejected) as caught:
            check_evidence(data)
        assert caught.value.problem == "type"


def test_check_evidence_refuses_empty_data():
    with pytest.raises(UploadRejected) as caught:
        check_evidence(b"")
    assert caught.value.problem == "empty"


@pytest.mark.parametrize("data", [
    pytest.param(ftyp(b"heic", b"mif1", b"isom"), id="heic-with-mp4-brand"),
    pytest.param(ftyp(b"M4A ", b"heic"), id="heic-with-m4a-brand"),
    pytest.param(ftyp(b"qt  ", b"qt  "), id="quicktime"),
    pytest.param(ftyp(b"avif", b"mif1", b"miaf"), id="avif"),
    pytest.param(ftyp(b"crx ", b"crx "), id="unknown-brand"),
    pytest.param(ftyp(b"heic", size=12) + b"\x00" * 8, id="box-too-small"),
    pytest.param(ftyp(b"heic", b"mif1", size=64), id="box-longer-than-data"),
    pytest.param(ftyp(b"heic", b"mif1", size=22) + b"\x00" * 8, id="box-not-whole-brands"),
])
def test_bad_iso_media_is_refused(data):
    assert sniff_evidence(data) is None


@pytest.mark.parametrize("data", [
    pytest.param(ogg_page(version=1), id="ogg-version-1"),
    pytest.param(ogg_page(flags=0x00), id="ogg-not-beginning-of-stream"),
    pytest.param(ogg_page()[:27], id="ogg-truncated"),
    pytest.param(mp3_frames(count=1), id="mp3-single-frame"),
    pytest.param(mp3_frames(count=1) + b"\x00" + mp3_frames(count=1), id="mp3-second-frame-misplaced"),
    pytest.param(mp3_header(15) + b"\x00" * 600, id="mp3-bad-bitrate"),
    pytest.param(mp3_header(9, rate_index=3) + b"\x00" * 600, id="mp3-reserved-rate"),
    pytest.param(mp3_header(9, version=1) + b"\x00" * 600, id="mp3-reserved-version"),
    pytest.param(id3_tag() + HTML, id="id3-then-html"),
    pytest.param(b"ID3\x03\x00\x00\x00\x00\x00\x80" + b"T" * 128 + mp3_frames(), id="id3-size-not-syncsafe"),
    pytest.param(id3_tag(version=9) + mp3_frames(), id="id3-unknown-version"),
])
def test_bad_audio_headers_are_refused(data):
    assert sniff_evidence(data) is None


def test_mp3_second_frame_must_be_at_the_computed_length():
    length = mp3_frame_length(128, 44100)
    good = mp3_header() + b"\x00" * (length - 4) + mp3_header()
    assert sniff_evidence(good) == "mp3"
    for shift in (-1, 1):
        assert sniff_evidence(mp3_header() + b"\x00" * (length - 4 + shift) + mp3_header()) is None


# --- office documents ---------------------------------------------------------------------

def test_plain_zip_is_refused():
    assert sniff_evidence(zip_bytes({"report.txt": "hello", "photo.jpg": image_bytes("JPEG")})) is None


@pytest.mark.parametrize("main_type", [DOCM_MAIN, XLSM_MAIN,
                                       "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
                                       "application/xml"])
def test_other_main_parts_are_refused(main_type):
    assert sniff_evidence(zip_bytes(docx_entries(main_type))) is None


def test_macro_project_is_refused_even_under_a_docx_content_type():
    assert sniff_evidence(docx_bytes(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 60})) is None
    entries = docx_entries()
    entries["[Content_Types].xml"] = content_types(
        ("/word/document.xml", DOCX_MAIN), ("/word/vbaData.bin", "application/vnd.ms-office.vbaProject"))
    assert sniff_evidence(zip_bytes(entries)) is None


def test_activex_is_refused():
    entries = docx_entries()
    entries["[Content_Types].xml"] = content_types(
        ("/word/document.xml", DOCX_MAIN), ("/word/activeX/activeX1.xml", "application/vnd.ms-office.activeX+xml"))
    assert sniff_evidence(zip_bytes(entries)) is None


def test_encrypted_entry_is_refused():
    data = docx_bytes()
    assert sniff_evidence(data) == "docx"
    assert sniff_evidence(set_encrypted_flag(data, b"word/document.xml")) is None


def test_main_part_must_exist_and_be_declared_once():
    missing = docx_entries()
    del missing["word/document.xml"]
    assert sniff_evidence(zip_bytes(missing)) is None
    both = docx_entries()
    both["[Content_Types].xml"] = content_types(("/word/document.xml", DOCX_MAIN), ("/xl/workbook.xml", XLSX_MAIN))
    both["xl/workbook.xml"] = EXCEL_WORKBOOK
    assert sniff_evidence(zip_bytes(both)) is None
    no_types = docx_entries()
    del no_types["[Content_Types].xml"]
    assert sniff_evidence(zip_bytes(no_types)) is None


def test_content_types_with_a_dtd_are_refused():
    entries = docx_entries()
    dtd = '<!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    entries["[Content_Types].xml"] = content_types(("/word/document.xml", DOCX_MAIN), extra=dtd)
    assert sniff_evidence(zip_bytes(entries)) is None


def test_broken_content_types_xml_is_refused():
    entries = docx_entries()
    entries["[Content_Types].xml"] = content_types(("/word/document.xml", DOCX_MAIN))[:-5]
    assert sniff_evidence(zip_bytes(entries)) is None


def test_duplicate_entry_names_are_refused():
    # Readers disagree on which of two same-named parts counts: the second one here declares macros.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in docx_entries().items():
            archive.writestr(name, content)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("[Content_Types].xml", content_types(("/word/document.xml", DOCX_MAIN)))
    assert sniff_evidence(buffer.getvalue()) is None


def test_zip_with_data_before_or_after_it_is_refused():
    data = docx_bytes()
    assert sniff_evidence(PE + data) is None  # a self-extracting executable
    assert sniff_evidence(data + HTML) is None


def test_zip_with_a_fake_local_header_in_front_is_refused():
    # Starts like a ZIP, but the real archive only begins after some HTML.
    assert sniff_evidence(b"PK\x03\x04" + b"\x00" * 26 + HTML + docx_bytes()) is None


def test_main_part_declared_by_extension_is_refused():
    entries = docx_entries()
    entries["[Content_Types].xml"] = content_types().replace('"application/xml"', f'"{DOCX_MAIN}"')
    assert sniff_evidence(zip_bytes(entries)) is None


def test_zip_bomb_is_refused_quickly():
    zeros = b"\x00" * (50 * 1024 * 1024)
    bomb = docx_bytes(**{"word/media/padding.bin": zeros})
    del zeros
    assert len(bomb) < 1024 * 1024
    started = time.perf_counter()
    assert sniff_evidence(bomb) is None
    assert time.perf_counter() - started < 1.0


def test_compression_ratio_limit():
    # Highly repetitive content (far above 20x) is refused, incompressible content is not.
    repetitive = b"<w:t>1</w:t>" * 20000
    assert sniff_evidence(docx_bytes(**{"word/media/a.bin": repetitive})) is None
    incompressible = random.Random(7).randbytes(20000)
    assert sniff_evidence(docx_bytes(**{"word/media/a.bin": incompressible})) == "docx"


def test_total_uncompressed_size_limit(monkeypatch):
    data = docx_bytes(**{"word/media/a.bin": bytes(range(256)) * 8})
    assert sniff_evidence(data) == "docx"
    monkeypatch.setattr(uploads, "ZIP_MAX_UNCOMPRESSED", 2048)
    assert sniff_evidence(data) is None


def test_entry_count_limit():
    fillers = {f"word/media/f{i}.txt": b"" for i in range(uploads.ZIP_MAX_ENTRIES - 3)}
    assert sniff_evidence(docx_bytes(**fillers)) == "docx"  # exactly the limit
    fillers["word/media/one-more.txt"] = b""
    assert sniff_evidence(docx_bytes(**fillers)) is None


def patch_end_record_count(data: bytes, count: int) -> bytes:
    end = data.rfind(b"PK\x05\x06")
    return data[:end + 8] + struct.pack("<HH", count, count) + data[end + 12:]


def test_entry_count_is_checked_before_and_after_parsing(monkeypatch):
    fillers = {f"word/media/f{i}.txt": b"" for i in range(uploads.ZIP_MAX_ENTRIES)}
    too_many = docx_bytes(**fillers)
    # The end record understates the count: the parsed directory still tells.
    assert sniff_evidence(patch_end_record_count(too_many, 3)) is None
    # An honest end record is refused before the directory is parsed at all.
    fine, opened, real_zipfile = docx_bytes(), [], zipfile.ZipFile
    monkeypatch.setattr(uploads.zipfile, "ZipFile", lambda *a, **k: opened.append(1) or real_zipfile(*a, **k))
    assert sniff_evidence(too_many) is None
    assert opened == []
    assert sniff_evidence(fine) == "docx"
    assert opened == [1]


# --- read_capped ---------------------------------------------------------------------------

class CountingStream:
    """A readable stream of ``size`` bytes (endless with ``None``) that counts what it hands out."""

    def __init__(self, size: int | None, step: int | None = None) -> None:
        self.left, self.step, self.handed_out = size, step, 0

    def read(self, n: int = -1) -> bytes:
        assert n is not None and n > 0, "read_capped must always ask for a bounded amount"
        n = min(n, self.step or n)
        if self.left is not None:
            n = min(n, self.left)
            self.left -= n
        self.handed_out += n
        return b"x" * n


def test_read_capped_refuses_an_oversized_stream_early():
    stream = CountingStream(10 * 1024 * 1024)
    with pytest.raises(UploadRejected) as caught:
        read_capped(stream, 1000, chunk_size=256)
    assert caught.value.problem == "size"
    assert stream.handed_out <= 1000 + 256


def test_read_capped_stops_on_an_endless_stream():
    stream = CountingStream(None)
    with pytest.raises(UploadRejected) as caught:
        read_capped(stream, 5 * 1024 * 1024)
    assert caught.value.problem == "size"
    assert stream.handed_out <= 5 * 1024 * 1024 + (1 << 16)


def test_read_capped_limit_boundary():
    assert read_capped(CountingStream(1000), 1000, chunk_size=300) == b"x" * 1000
    with pytest.raises(UploadRejected):
        read_capped(CountingStream(1001), 1000, chunk_size=300)


def test_read_capped_returns_everything_despite_short_reads():
    data = bytes(range(256)) * 40
    assert read_capped(io.BytesIO(data), len(data) + 5, chunk_size=1000) == data
    assert read_capped(CountingStream(5000, step=7), 5000) == b"x" * 5000


def test_read_capped_refuses_empty_input():
    with pytest.raises(UploadRejected) as caught:
        read_capped(io.BytesIO(b""), 100)
    assert caught.value.problem == "empty"


def test_upload_rejected_carries_problem_and_detail():
    error = UploadRejected("size", "too big")
    assert (error.problem, error.detail) == ("size", "too big")
    assert UploadRejected("type").detail == ""
    with pytest.raises(ValueError):
        UploadRejected("virus")


# --- random data ---------------------------------------------------------------------------

KNOWN_PREFIXES = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"OggS", b"ID3", b"PK\x03\x04")


def has_known_signature(data: bytes) -> bool:
    return (data.startswith(KNOWN_PREFIXES) or data[4:8] == b"ftyp"
            or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0))


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_are_refused(data):
    assume(not has_known_signature(data))
    assert sniff_evidence(data) in {None}


@settings(max_examples=500)
@given(st.sampled_from((*KNOWN_PREFIXES, b"\x00\x00\x00\x18ftyp", b"\xff\xfb\x90")), st.binary(max_size=2048))
def test_random_tails_after_signatures_never_raise(prefix, tail):
    kind = sniff_evidence(prefix + tail)
    assert kind is None or kind in EVIDENCE_KINDS


@settings(max_examples=200)
@given(st.binary(min_size=1, max_size=512), st.integers(min_value=0, max_value=2000))
def test_damaged_documents_never_raise(noise, where):
    data = bytearray(docx_bytes())
    where = min(where, len(data) - 1)
    data[where:where + len(noise)] = noise
    kind = sniff_evidence(bytes(data))
    assert kind in {None, "docx"}
