"""The staff case page and queue: separated actions, radios in their labels, received date, staff wording."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.factories import PASSWORD, add_user, filed_complaint, make_business, sign_in


@pytest.fixture
def officer_case(app, keys):
    owner, officer = add_user(app), add_user(app, "officer")
    complaint_id = filed_complaint(app, owner, make_business(app, owner), received=datetime(2026, 11, 24, 9, 30))
    client = app.test_client()
    assert sign_in(client, officer, PASSWORD).status_code == 302
    client.post(f"/staff/complaints/{complaint_id}/take")
    client.post(f"/staff/complaints/{complaint_id}/start")
    return complaint_id, client


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start:html.index("</section>", start)]


def test_each_case_action_is_its_own_section_with_a_heading(app, officer_case):
    complaint_id, client = officer_case
    html = client.get(f"/staff/complaints/{complaint_id}?lang=en").get_data(as_text=True)
    sections = {
        "action-request-info": ("Request information", "/request-info"),
        "action-forward": ("Forward to the competent body", "/forward"),
        "action-resolve": ("Decision on the merits", "/resolve"),
        "action-reject": ("Rejection as inadmissible", "/reject"),
    }
    for heading_id, (heading, action) in sections.items():
        section = _section(html, heading_id)
        assert f'<h3 id="{heading_id}">{heading}</h3>' in section
        assert section.count("<form") == 1 and f'{complaint_id}{action}"' in section  # one action per section


def test_the_outcome_radios_sit_inside_their_labels(app, officer_case):
    complaint_id, client = officer_case
    html = _section(client.get(f"/staff/complaints/{complaint_id}?lang=en").get_data(as_text=True),
                    "action-resolve")
    for code, label in (("confirmed", "The facts were confirmed"), ("not_confirmed", "The facts were not confirmed")):
        assert re.search(rf'<label><input[^>]*name="outcome"[^>]*value="{code}"[^>]*> {label}</label>', html)


def test_the_queue_shows_the_received_date(app, officer_case):
    _complaint_id, client = officer_case
    html = client.get("/staff/complaints?lang=en").get_data(as_text=True)
    assert '<th scope="col">Received on</th>' in html and "<td>24.11.2026</td>" in html


@pytest.mark.parametrize("lang, staff_words, portal_words", [
    ("en", "Information requested from the complainant", "Information requested from you"),
    ("kk", "Өтініш берушіден ақпарат сұратылды", "Сізден ақпарат сұратылды"),
    ("ru", "У заявителя запрошена информация", "У Вас запрошена информация"),
])
def test_staff_see_staff_wording_of_statuses(app, officer_case, lang, staff_words, portal_words):
    complaint_id, client = officer_case
    client.post(f"/staff/complaints/{complaint_id}/request-info", data={"comment": "Актіні жіберіңіз."})
    for url in (f"/staff/complaints/{complaint_id}?lang={lang}", f"/staff/complaints?lang={lang}",
                f"/staff/?lang={lang}"):
        html = client.get(url).get_data(as_text=True)
        assert staff_words in html and portal_words not in html, url
