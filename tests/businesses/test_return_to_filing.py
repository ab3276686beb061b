"""From the complaint form to "register your business first" and back to the complaint form."""

from __future__ import annotations

import pytest

from tests.businesses.test_businesses import BUSINESS


def test_a_user_without_a_business_registers_one_and_returns_to_the_complaint_form(client, signed_in):
    signed_in()
    sent = client.get("/portal/complaints/new?lang=en")
    assert sent.status_code == 302
    assert sent.headers["Location"] == "/portal/businesses/new?next=/portal/complaints/new"
    form_page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Register your business first" in form_page
    registered = client.post(sent.headers["Location"], data=BUSINESS)
    assert registered.status_code == 302 and registered.headers["Location"] == "/portal/complaints/new"
    filing = client.get("/portal/complaints/new")
    assert filing.status_code == 200
    page = filing.get_data(as_text=True)
    assert "The business has been registered. You can now file your complaint on its behalf." in page
    assert "ТОО «Оңтүстік Агро» (940140000385)" in page


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_a_foreign_next_is_never_followed(client, signed_in, target):
    signed_in()
    response = client.post("/portal/businesses/new", query_string={"next": target}, data=BUSINESS)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/portal/businesses/")
    assert "evil" not in response.headers["Location"]


def test_without_next_the_business_page_opens(client, signed_in):
    signed_in()
    response = client.post("/portal/businesses/new", data=BUSINESS)
    assert response.headers["Location"].startswith("/portal/businesses/")
