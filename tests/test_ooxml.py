"""Office documents as evidence: external relationships refused, XML read within bounds."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from app import ooxml
from app.complaints.models import Complaint, Evidence
from app.extensions import db
from app.uploads import UploadRejected, check_evidence
from tests.conftest import translated
from tests.documents import hostile
from tests.factories import PASSWORD, add_user, complaint_form, make_business

CORPUS = hostile.ooxml_corpus()


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_office_documents_are_refused(name):
    data, problem = CORPUS[name]
    with pytest.raises(UploadRejected) as refused:
        check_evidence(data)
    assert refused.value.problem == problem


@pytest.mark.parametrize("kind", hostile.FETCHING_TYPES)
def test_every_fetching_relationship_type_is_refused_in_any_rels_part(kind):
    for part in ("_rels/.rels", hostile.DOCUMENT_RELS, "word/_rels/footer2.xml.rels", "customXml/_rels/item1.xml.rels"):
        with pytest.raises(UploadRejected) as refused:
            check_evidence(hostile.docx_fetching(kind, part=part))
        assert refused.value.problem == "external" and kind in refused.value.detail


def test_hyperlinks_and_internal_parts_are_kept():
    rels = hostile.relationships(
        (hostile.REL + "hyperlink", "https://egov.kz/", "External"),
        (hostile.REL + "hyperlink", "mailto:someone@example.kz", "External"),
        (hostile.REL + "image", "media/image1.png", None),
        (hostile.REL + "styles", "styles.xml", "Internal"),
    )
    assert check_evidence(hostile.docx({hostile.DOCUMENT_RELS: rels, "word/media/image1.png": b"png"})) == "docx"


def test_target_mode_and_remote_targets_are_read_without_regard_to_case():
    for mode, target in (("external", "http://x.example/t.dotm"), ("EXTERNAL", "t.dotm"),
                         (None, "file:///C:/x.dotm"), (None, "//x.example/t.dotm")):
        rels = hostile.relationships((hostile.REL + "attachedTemplate", target, mode))
        with pytest.raises(UploadRejected):
            check_evidence(hostile.docx({"word/_rels/settings.xml.rels": rels}))


def stored(parts: dict[str, str | bytes]) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    return archive, {info.filename: info for info in archive.infolist()}


@pytest.mark.parametrize(("content", "accepted"), [
    ("<a>" * ooxml.XML_MAX_DEPTH + "</a>" * ooxml.XML_MAX_DEPTH, True),
    ("<a>" * (ooxml.XML_MAX_DEPTH + 1) + "</a>" * (ooxml.XML_MAX_DEPTH + 1), False),
    ("<a>" + "<b/>" * ooxml.XML_MAX_ELEMENTS + "</a>", False),
    ("<a>" + " " * (ooxml.XML_MAX_BYTES + 1) + "</a>", False),
    ('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', False),
    ('<!doctype a SYSTEM "http://attacker.example/a.dtd"><a/>', False),
    ("<a><!-- a comment --><![CDATA[x < y]]></a>", True),
    ("<a>unclosed", False),
    ("", False),
])
def test_xml_parts_are_parsed_within_bounds(content, accepted):
    archive, infos = stored({"part.xml": content})
    if accepted:
        assert ooxml.parse_part(archive, infos["part.xml"]).tag == "a"
    else:
        with pytest.raises(Exception):  # noqa: B017 - UnsafeXml or expat's ParseError: refused either way
            ooxml.parse_part(archive, infos["part.xml"])


def test_xml_must_be_utf8():
    archive, infos = stored({"part.xml": "<a>ә</a>".encode("utf-16")})
    with pytest.raises(ooxml.UnsafeXml):
        ooxml.parse_part(archive, infos["part.xml"])


def test_too_many_relationship_parts_are_refused():
    parts = {f"word/_rels/p{i}.xml.rels": hostile.relationships() for i in range(ooxml.RELS_MAX_PARTS + 1)}
    with pytest.raises(UploadRejected):
        check_evidence(hostile.docx(parts))


def test_a_pdf_with_a_zip_appended_is_refused_as_evidence():
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    assert check_evidence(pdf) == "pdf"
    for data in (hostile.polyglot(pdf), hostile.zip_in_pdf_clothing()):
        with pytest.raises(UploadRejected) as refused:
            check_evidence(data)
        assert refused.value.problem == "type"


# --- over HTTP: the filing form -------------------------------------------------------------

@pytest.fixture
def owner(app, keys, client):
    email = add_user(app)
    business_id = make_business(app, email)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return business_id


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_filing_with_a_document_that_calls_home_is_refused_in_the_users_language(app, client, owner, lang):
    data = dict(complaint_form(owner))
    data["evidence"] = [(io.BytesIO(hostile.docx_fetching("attachedTemplate")), "шарт.docx")]
    response = client.post(f"/portal/complaints/new?lang={lang}", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    expected = translated(app, lang, "%(name)s: the document loads content from the Internet when opened (a "
                          "template, object or image); save it without external links and attach it again.",
                          name="шарт.docx")
    assert expected in response.get_data(as_text=True)
    assert count(app, Complaint) == 0 and count(app, Evidence) == 0
