"""Uploaded files: the type is decided from the content (magic bytes), never the name.

Evidence that is a ZIP package (.docx, .xlsx) is opened only within bounds: a plain end record
(no ZIP64) that ends the data, at most ``ZIP_MAX_ENTRIES`` members, ``ZIP_MAX_UNCOMPRESSED``
bytes declared in all and a compression ratio of at most ``ZIP_MAX_RATIO``, no encryption, no
macros or ActiveX; its XML is read by :mod:`app.ooxml` (size, depth and element budgets, no DTD,
so no entity expansion). A package whose relationships make Office fetch something on open (an
attached template, OLE object, frame, image, sub-document, external link — anything external
but a plain hyperlink) is refused as "external". A PDF with a ZIP archive appended (a polyglot
that unzips as well as it displays) is refused as "type".
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from app import ooxml

# kind -> (MIME type, file extension)
KINDS = {
    "pdf": ("application/pdf", "pdf"),
    "jpeg": ("image/jpeg", "jpg"),
    "png": ("image/png", "png"),
}


def sniff(data: bytes) -> str | None:
    """The kind of ``data`` by its first bytes, or ``None`` when not recognised."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def display_name(name: str | None, *, limit: int = 120) -> str:
    """A user's file name reduced to safe display text (no paths, no control characters)."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    return cleaned.strip()[:limit] or "file"


def read_limited(stream, limit: int) -> bytes | None:
    """Read at most ``limit`` bytes from ``stream``; ``None`` if there is more."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else data


# --- evidence attached to complaints ------------------------------------------------------

# kind -> (MIME type for download, file extension)
EVIDENCE_KINDS: dict[str, tuple[str, str]] = {
    **KINDS,
    "webp": ("image/webp", "webp"), "heic": ("image/heic", "heic"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "mp3": ("audio/mpeg", "mp3"), "m4a": ("audio/mp4", "m4a"), "ogg": ("audio/ogg", "ogg"),
    "wav": ("audio/wav", "wav"), "mp4": ("video/mp4", "mp4"),
}

ZIP_MAX_ENTRIES = 2000
ZIP_MAX_RATIO = 20  # total uncompressed size / total compressed size
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
_PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
_MP4_BRANDS = frozenset({b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"dash", b"M4V "})
_M4A_BRANDS = frozenset({b"M4A ", b"M4B "})
_FOREIGN_MAJOR_BRANDS = frozenset({b"avif", b"avis", b"qt  "})  # AVIF and QuickTime are not on the list
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
}
_OOXML_ACTIVE = ("macroenabled", "vbaproject", "activex")  # markers of macros and ActiveX controls
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# MPEG audio Layer III: kbit/s for bitrate index 1..14 (MPEG-1; MPEG-2 and 2.5), sample rates per version
_L3_BITRATES = {3: (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
                2: (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


class UploadRejected(Exception):
    """An upload refused for ``problem``: "empty", "type", "size" or "external" (fetches on open)."""

    PROBLEMS = ("empty", "type", "size", "external")

    def __init__(self, problem: str, detail: str = "") -> None:
        if problem not in self.PROBLEMS:
            raise ValueError(f"unknown upload problem: {problem!r}")
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem, self.detail = problem, detail


def read_capped(stream, limit: int, *, chunk_size: int = 1 << 16) -> bytes:
    """All of ``stream``, read in chunks; UploadRejected("size") once more than ``limit`` bytes arrived."""
    if limit < 0 or chunk_size < 1:
        raise ValueError("limit must be >= 0 and chunk_size >= 1")
    parts, total = [], 0
    while True:
        chunk = stream.read(min(chunk_size, limit + 1 - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
        if total > limit:
            raise UploadRejected("size", f"more than {limit} bytes")
    if total == 0:
        raise UploadRejected("empty")
    return b"".join(parts)


def check_evidence(data: bytes) -> str:
    """The evidence kind of ``data``; UploadRejected("empty"), ("type") or ("external") when refused."""
    if not data:
        raise UploadRejected("empty")
    kind = sniff_evidence(data)
    if kind is None:
        raise UploadRejected("type", "content is not an allowed kind")
    return kind


def sniff_evidence(data: bytes) -> str | None:
    """The kind of evidence ``data`` is by its content, or ``None`` when not allowed or not recognised.

    Raises UploadRejected("external") for an office document that fetches content on open.
    """
    if data.startswith(b"%PDF-"):
        return None if _ends_with_zip(data) else "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(_PNG_HEAD):
        return "png"
    if data[:4] == b"RIFF":
        return _riff_kind(data)
    if data[4:8] == b"ftyp":
        return _ftyp_kind(data)
    if data[:4] == b"OggS":
        return "ogg" if _is_ogg(data) else None
    if data[:4] == b"PK\x03\x04":
        return _office_kind(data)
    return "mp3" if _is_mp3(data) else None


def _riff_kind(data: bytes) -> str | None:
    if data[8:12] == b"WEBP":
        return "webp" if data[12:16] in (b"VP8 ", b"VP8L", b"VP8X") else None
    if data[8:12] != b"WAVE":
        return None
    pos = 12
    for _ in range(64):  # the "fmt " chunk comes first or after a few metadata chunks
        if pos + 8 > len(data):
            return None
        size = int.from_bytes(data[pos + 4:pos + 8], "little")
        if data[pos:pos + 4] == b"fmt ":
            channels = int.from_bytes(data[pos + 10:pos + 12], "little")
            rate = int.from_bytes(data[pos + 12:pos + 16], "little")
            return "wav" if 16 <= size <= len(data) - pos - 8 and channels and rate else None
        pos += 8 + size + (size & 1)
    return None


def _ftyp_kind(data: bytes) -> str | None:
    size = int.from_bytes(data[:4], "big")
    if size < 16 or size > min(len(data), 4096) or size % 4:
        return None
    major = data[8:12]
    brands = {major} | {data[i:i + 4] for i in range(16, size, 4)}
    if major in _FOREIGN_MAJOR_BRANDS:
        return None
    audio, video, image = brands & _M4A_BRANDS, brands & _MP4_BRANDS, brands & _HEIF_BRANDS
    if image and (audio or video):
        return None  # a still-image brand mixed with movie brands: ambiguous, refuse
    if audio:
        return "m4a"
    return "mp4" if video else "heic" if image else None


def _is_ogg(data: bytes) -> bool:
    # version 0, only known header flags, the first page begins a stream and continues none
    return len(data) >= 28 and data[4] == 0 and data[5] & 0xF8 == 0 and data[5] & 0x03 == 0x02 \
        and 27 + data[26] <= len(data)


def _mp3_frame(data: bytes, pos: int) -> tuple[int, tuple[int, int]] | None:
    """(length, stream parameters) of a valid MPEG audio Layer III frame header at ``pos``."""
    head = data[pos:pos + 4]
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate_index, rate_index, padding = head[2] >> 4, (head[2] >> 2) & 3, (head[2] >> 1) & 1
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3 or head[3] & 3 == 2:
        return None  # reserved version, not Layer III, free/bad bitrate, reserved rate or emphasis
    bitrate = _L3_BITRATES[3 if version == 3 else 2][bitrate_index - 1] * 1000
    length = (144 if version == 3 else 72) * bitrate // _SAMPLE_RATES[version][rate_index] + padding
    return length, (version, rate_index)


def _is_mp3(data: bytes) -> bool:
    pos = 0
    if data[:3] == b"ID3":
        if len(data) < 10:
            return False
        version, flags, size = data[3], data[5], data[6:10]
        if version not in (2, 3, 4) or data[4] == 0xFF or flags & 0x0F or any(b & 0x80 for b in size):
            return False
        pos = 10 + (size[0] << 21 | size[1] << 14 | size[2] << 7 | size[3])
        pos += 10 if version == 4 and flags & 0x10 else 0  # ID3v2.4 footer
        padding = data[pos:pos + 65536]
        pos += len(padding) - len(padding.lstrip(b"\x00"))  # zero padding some taggers leave after the tag
    first = _mp3_frame(data, pos)
    if first is None:
        return False
    second = _mp3_frame(data, pos + first[0])
    return second is not None and second[1] == first[1]


def _ends_with_zip(data: bytes) -> bool:
    """Whether a ZIP end-of-central-directory record ends ``data`` (what unzip tools look for)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if end == -1 or len(data) < end + 22:
        return False
    return end + 22 + int.from_bytes(data[end + 20:end + 22], "little") == len(data)


def _zip_directory_ok(data: bytes) -> bool:
    """The end record is plain (no ZIP64), ends the data, and its directory is small and in place."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if end < 30 or len(data) < end + 22 or data[end - 20:end - 16] == b"PK\x06\x07":
        return False
    entries = int.from_bytes(data[end + 10:end + 12], "little")
    directory_size = int.from_bytes(data[end + 12:end + 16], "little")
    directory_offset = int.from_bytes(data[end + 16:end + 20], "little")
    comment = int.from_bytes(data[end + 20:end + 22], "little")
    return (end + 22 + comment == len(data) and 0 < entries <= ZIP_MAX_ENTRIES
            and directory_size <= ZIP_MAX_ENTRIES * 512 and directory_offset + directory_size == end)


def _office_kind(data: bytes) -> str | None:
    if not _zip_directory_ok(data):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _ooxml_kind(archive)
    except UploadRejected:
        raise
    except Exception:  # any failure to read the archive or its XML means: refuse
        return None


def _ooxml_kind(archive: zipfile.ZipFile) -> str | None:
    infos = archive.infolist()
    names = [info.filename.lower() for info in infos]  # OPC part names are case-insensitive
    if not infos or len(infos) > ZIP_MAX_ENTRIES or len(set(names)) != len(names):
        return None
    packed, unpacked = sum(i.compress_size for i in infos), sum(i.file_size for i in infos)
    if unpacked > ZIP_MAX_UNCOMPRESSED or unpacked > ZIP_MAX_RATIO * max(packed, 1):
        return None  # zip bomb
    if any(info.flag_bits & 0x41 for info in infos):
        return None  # encrypted entries (traditional or strong encryption)
    if any(name.rsplit("/", 1)[-1] in ("vbaproject.bin", "vbadata.xml") for name in names):
        return None  # macros
    if "[content_types].xml" not in names:
        return None
    root = ooxml.parse_part(archive, infos[names.index("[content_types].xml")])
    if root.tag != _CT_NS + "Types":
        return None
    declared = [(el.get("PartName", ""), el.get("ContentType", "").strip().lower()) for el in root]
    if any(marker in content_type for _, content_type in declared for marker in _OOXML_ACTIVE):
        return None
    mains = [(part, _OOXML_MAIN[content_type]) for part, content_type in declared if content_type in _OOXML_MAIN]
    if len(mains) != 1 or not mains[0][0].startswith("/") or mains[0][0][1:].lower() not in names:
        return None
    fetched = ooxml.external_relationships(archive, infos)
    if fetched:
        kind, _target = fetched[0]
        raise UploadRejected("external", f"{len(fetched)} external relationship(s), e.g. {kind.rsplit('/', 1)[-1]}")
    return mains[0][1]
