"""Uploaded files: the type is decided from the content (magic bytes), never the name."""

from __future__ import annotations

import re
import unicodedata

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
