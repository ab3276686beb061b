"""Bounded reading of the XML parts of an OOXML package (.docx, .xlsx) and its relationships.

Every XML part read from an uploaded package goes through :func:`parse_part`: at most
``XML_MAX_BYTES`` read (whatever the archive declares), UTF-8 only, no DTD at all (so no entity
can be declared, let alone expanded — Office never writes one), at most ``XML_MAX_DEPTH`` levels
and ``XML_MAX_ELEMENTS`` elements, counted while expat reads (an incremental parse that stops
at the first excess, not after building the tree).

:func:`external_relationships` lists what would make Word or Excel fetch something on open:
every relationship in every ``.rels`` part whose ``TargetMode`` is ``External`` (an attached
template, an OLE object, a frame, an image, a sub-document, an external workbook link, …) or
whose target names another machine (a URL or a UNC path), except plain hyperlinks, which only
open when a reader clicks them.
"""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree

XML_MAX_BYTES = 4 * 1024 * 1024  # one XML part read for checking
XML_MAX_DEPTH = 64
XML_MAX_ELEMENTS = 200_000
RELS_MAX_PARTS = 200  # .rels parts read in one package
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_HYPERLINK_TYPES = frozenset({
    "http://schemas.openxmlformats.org/officedocument/2006/relationships/hyperlink",
    "http://purl.oclc.org/ooxml/officedocument/relationships/hyperlink",  # strict OOXML
})
_MARKUP_DECLARATION = re.compile(r"<!(?!--|\[CDATA\[)")  # <!DOCTYPE, <!ENTITY, <!ELEMENT, …
_REMOTE_TARGET = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|\\\\|//)", re.IGNORECASE)  # a scheme, UNC or //host


class UnsafeXml(Exception):
    """An XML part that is too large, too deep, not UTF-8, or carries a DTD."""


def parse_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> ElementTree.Element:
    """The root element of one XML part, read and parsed within the budgets above."""
    with archive.open(info) as stream:
        raw = stream.read(XML_MAX_BYTES + 1)
    if len(raw) > XML_MAX_BYTES:
        raise UnsafeXml("part too large")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnsafeXml("not UTF-8") from None
    if _MARKUP_DECLARATION.search(text):
        raise UnsafeXml("a DTD or markup declaration")
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    depth = elements = 0
    root = None
    for offset in range(0, len(text), 64 * 1024):
        parser.feed(text[offset:offset + 64 * 1024])
        for event, element in parser.read_events():
            if event == "start":
                depth, elements = depth + 1, elements + 1
                root = element if root is None else root
                if depth > XML_MAX_DEPTH or elements > XML_MAX_ELEMENTS:
                    raise UnsafeXml("too deep or too many elements")
            else:
                depth -= 1
    parser.close()
    if root is None:
        raise UnsafeXml("no element")
    return root


def external_relationships(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[tuple[str, str]]:
    """(relationship type, target) of each relationship that fetches on open, in every .rels part."""
    rels = [info for info in infos if info.filename.lower().endswith(".rels")]
    if len(rels) > RELS_MAX_PARTS:
        raise UnsafeXml("too many relationship parts")
    found = []
    for info in rels:
        root = parse_part(archive, info)
        for element in root.iter(_REL_NS + "Relationship"):
            kind = (element.get("Type") or "").strip()
            target = element.get("Target") or ""
            external = (element.get("TargetMode") or "").strip().lower() == "external"
            if (external or _REMOTE_TARGET.match(target)) and kind.lower() not in _HYPERLINK_TYPES:
                found.append((kind, target))
    return found
