"""Budgets for reading an untrusted PDF: a byte-level scan before parsing, a bounded field walk.

See :mod:`app.documents.pdfcheck` (which applies them) and :mod:`app.documents.sandbox` (time
and memory). :func:`within_scan_budget` looks at the bytes only, at C speed, so that the
pure-Python parser never starts on a file whose syntax outside stream data is too large to read
quickly. :func:`signature_fields` replaces pyHanko's field enumeration, which follows every
path through ``/Kids`` (exponential on a DAG): here each node is visited at most once.
"""

from __future__ import annotations

import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

MAX_FIELD_NODES = 1000  # form fields visited, in all (a talon has one)
MAX_FIELD_DEPTH = 16  # levels of /Kids below /Fields
MAX_SIGNATURE_FIELDS = 4  # filled signature fields verified (ours carry exactly one)
MAX_REVISIONS = 16  # the original file and its incremental updates
MAX_OBJECTS = 10_000  # objects in the cross-reference sections of all revisions (a talon: ~40)
MAX_SPAN = 256 * 1024  # bytes of PDF syntax between two object markers, stream data aside
# (a classic cross-reference table of MAX_OBJECTS entries takes 200 KB)
_OBJ_MARKER = re.compile(rb"obj\b")


class OverBudget(Exception):
    """The file is over one of the budgets above."""


def within_scan_budget(data: bytes) -> bool:
    """A byte-level look at the size of the syntax the parser would read (no parsing).

    Stream data (from ``stream`` to ``endstream``) is skipped: only the PDF syntax around it
    counts, and no run of it without an object marker may exceed ``MAX_SPAN`` bytes.
    """
    entries = data.count(b" 00000 n") + data.count(b" 00000 f")  # classic cross-reference entries
    if entries > MAX_OBJECTS or data.count(b"obj") > 2 * MAX_OBJECTS + 2:
        return False
    position = 0
    while True:
        start = data.find(b"stream", position)
        if start == -1:
            return _spans_within_budget(data, position, len(data))
        if data[start - 3:start] == b"end":  # a stray endstream: syntax goes on after it
            if not _spans_within_budget(data, position, start):
                return False
            position = start + len(b"stream")
            continue
        if not _spans_within_budget(data, position, start):
            return False
        end = data.find(b"endstream", start + len(b"stream"))
        if end == -1:
            return True  # the rest is stream data; the parser refuses an unterminated stream
        position = end + len(b"endstream")


def _spans_within_budget(data: bytes, begin: int, end: int) -> bool:
    previous = begin
    for marker in _OBJ_MARKER.finditer(data, begin, end):
        if marker.start() - previous > MAX_SPAN:
            return False
        previous = marker.end()
    return end - previous <= MAX_SPAN


def _field_type(field: generic.DictionaryObject, parents: tuple[generic.DictionaryObject, ...]):
    for node in (field, *parents):  # /FT is inheritable
        if "/FT" in node:
            return node["/FT"]
    return None


def signature_fields(reader: PdfFileReader) -> list[tuple[str, generic.IndirectObject]]:
    """(qualified name, reference) of each filled signature field, in document order.

    Each node is visited once: a field reached a second time (a loop, or a child shared by
    several parents) is refused, as is a tree over the node, depth or signature budget.
    """
    try:
        fields = reader.root["/AcroForm"]["/Fields"]
    except KeyError:
        return []
    if not isinstance(fields, generic.ArrayObject):
        return []
    if len(fields) > MAX_FIELD_NODES:
        raise OverBudget
    stack: list[tuple[object, str, tuple, int]] = [(ref, "", (), 0) for ref in reversed(fields)]
    seen: set[generic.Reference] = set()
    found: list[tuple[str, generic.IndirectObject]] = []
    while stack:
        ref, parent_name, parents, depth = stack.pop()
        if not isinstance(ref, generic.IndirectObject):
            continue  # field lists hold references only; pyHanko skips other entries too
        if ref.reference in seen or len(seen) >= MAX_FIELD_NODES or depth > MAX_FIELD_DEPTH:
            raise OverBudget
        seen.add(ref.reference)
        field = ref.get_object()
        if not isinstance(field, generic.DictionaryObject) or "/T" not in field:
            continue  # a bare widget: no field here, and nothing below it
        name = str(field["/T"]) if not parent_name else f"{parent_name}.{field['/T']}"
        if _field_type(field, parents) == "/Sig" and field.get("/V"):
            found.append((name, ref))
            if len(found) > MAX_SIGNATURE_FIELDS:
                raise OverBudget
        kids = field.get("/Kids")
        if isinstance(kids, generic.ArrayObject):
            if len(kids) > MAX_FIELD_NODES:
                raise OverBudget
            stack.extend((kid, name, (field, *parents), depth + 1) for kid in reversed(kids))
    return found
