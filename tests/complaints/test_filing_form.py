"""The filing form: nothing preselected that the user must choose, the description's length stated up front,
the file picker limited to the kinds the evidence checks accept, and refusals that keep what was typed."""

from __future__ import annotations

import re

import pytest

from app.complaints.forms import EVIDENCE_ACCEPT
from app.uploads import EVIDENCE_KINDS
from tests.factories import complaint_form, make_business


@pytest.fixture
def filer(app, client, signed_in):
    owner = signed_in()
    return make_business(app, owner)


def _select(page: str, name: str) -> str:
    return re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)


def test_pressure_and_body_types_start_on_a_choose_placeholder(client, filer):
    page = client.get("/portal/complaints/new?lang=en").get_data(as_text=True)
    for name in ("pressure_type", "body_category"):
        options = re.findall(r"<option[^>]*>", _select(page, name))
        assert options[0] in ('<option value="">', '<option selected value="">'), options[:2]
        assert all("selected" not in option for option in options[1:])  # the browser shows the placeholder
        assert ">Choose…</option>" in _select(page, name)


@pytest.mark.parametrize("name", ["pressure_type", "body_category"])
def test_filing_without_choosing_is_a_field_error_that_keeps_the_text(client, filer, name):
    data = complaint_form(filer, **{name: ""}, description="Тексеру кезінде маман актіні жасамау үшін ақша талап етті.")
    response = client.post("/portal/complaints/new?lang=en", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{name}-error">This field is required.</p>' in page
    assert f'href="#{name}"' in page
    assert "Тексеру кезінде маман актіні жасамау үшін ақша талап етті." in page


def test_the_description_states_its_length_before_the_text_box(client, filer):
    page = client.get("/portal/complaints/new?lang=en").get_data(as_text=True)
    label = page.index('<label for="description">')
    hint = page.index("At least 30 and at most 10000 characters.")
    box = page.index('<textarea')
    assert label < hint < box
    textarea = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'minlength="30"' in textarea and 'maxlength="10000"' in textarea
    assert 'aria-describedby="description-hint"' in textarea


def test_a_too_short_description_is_refused_beside_the_field(client, filer):
    response = client.post("/portal/complaints/new?lang=en", data=complaint_form(filer, description="Қысқа."))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<p class="field-error" id="description-error">Between 30 and 10,000 characters.</p>' in page
    assert 'aria-describedby="description-hint description-error"' in page


def test_the_file_input_accepts_the_evidence_kinds(client, filer):
    page = client.get("/portal/complaints/new?lang=en").get_data(as_text=True)
    file_input = re.search(r'<input[^>]*type="file"[^>]*>', page).group(0)
    accept = re.search(r'accept="([^"]+)"', file_input).group(1)
    assert accept == EVIDENCE_ACCEPT
    offered = set(accept.split(","))
    for mime, extension in EVIDENCE_KINDS.values():
        assert f".{extension}" in offered and mime in offered
    assert ".exe" not in offered and ".zip" not in offered


def test_a_complete_filing_still_goes_through(client, filer):
    response = client.post("/portal/complaints/new", data=complaint_form(filer))
    assert response.status_code == 302 and "/portal/complaints/" in response.headers["Location"]


def test_the_filed_fields_are_declared_once(app):
    """services.Filing declares the filed fields; the form, the stored complaint and the case view follow it."""
    from dataclasses import fields

    from app.complaints.forms import ComplaintForm
    from app.complaints.models import Complaint
    from app.complaints.queries import CaseView
    from app.complaints.services import AS_FILED, Filing

    filed = {field.name for field in fields(Filing)}
    with app.test_request_context():
        form_fields = {field.name for field in ComplaintForm(meta={"csrf": False})}
    assert filed <= form_fields, filed - form_fields
    assert set(AS_FILED) <= filed and set(AS_FILED) <= set(Complaint.__table__.columns.keys())
    assert set(AS_FILED) <= {field.name for field in fields(CaseView)}
