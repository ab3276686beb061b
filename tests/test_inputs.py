"""Input bounds (app.inputs): huge ids are a 404, out-of-range numbers and dates a 400.

Before the bounds, an id or ``?officer=`` beyond 64 bits reached the database driver
(OverflowError on SQLite, NumericValueOutOfRange on PostgreSQL) and an audit filter of
``9999-12-31`` overflowed ``date + 1 day``: each a 500 with a traceback in the log.
"""

from __future__ import annotations

import io
import re

import pytest

from app.accounts.models import Role
from app.inputs import ID_MAX, INT64_MAX, BoundedIntConverter, InputOutOfRange, bounded_int
from tests.conftest import translated
from tests.factories import complaint_form, filed_complaint, make_business

HUGE = (str(INT64_MAX + 1), "9" * 40, "1" + "0" * 5000)
TOO_BIG_AN_ID = (str(ID_MAX + 1), str(INT64_MAX), *HUGE)


def int_rules(app):
    for rule in app.url_map.iter_rules():
        if any(isinstance(converter, BoundedIntConverter) for converter in rule._converters.values()):
            yield rule


def url_with(rule, value: str) -> str:
    return re.sub(r"<int:\w+>", value, rule.rule)


def test_bounded_int_parses_ignores_and_refuses():
    assert bounded_int("42") == 42
    assert bounded_int(" 7 ") == 7
    assert bounded_int(None, 5) == 5
    assert bounded_int("abc", 5) == 5  # not a number: ignored, as before
    assert bounded_int("٣", 5) == 5  # non-ASCII digits are not a number here
    assert bounded_int(str(INT64_MAX)) == INT64_MAX
    for raw in HUGE:
        with pytest.raises(InputOutOfRange):
            bounded_int(raw)
    with pytest.raises(InputOutOfRange):
        bounded_int("-1", minimum=0)


@pytest.mark.parametrize("role", [None, Role.ENTREPRENEUR, Role.ADMIN])
def test_ids_beyond_64_bits_are_not_found_on_every_int_route(app, client, signed_in, role):
    if role:
        signed_in(role)
    rules = list(int_rules(app))
    assert len(rules) > 30  # every <int:> route of the app, not a sample
    for rule in rules:
        method = "GET" if "GET" in rule.methods else "POST"
        for value in TOO_BIG_AN_ID[:4]:
            response = client.open(url_with(rule, value), method=method)
            assert response.status_code == 404, (rule.rule, value, response.status_code)
        largest = client.open(url_with(rule, str(ID_MAX)), method=method)
        assert largest.status_code < 500, rule.rule  # still an id: the view answers it


@pytest.mark.parametrize("url", [
    "/staff/complaints?officer={}", "/staff/complaints?page={}", "/staff/complaints?due_within={}",
    "/staff/audit?upto={}", "/staff/audit?page={}", "/registry?page={}",
])
def test_out_of_range_query_numbers_are_a_400_in_the_users_language(app, client, signed_in, url):
    signed_in(Role.SUPERVISOR)
    for value in TOO_BIG_AN_ID:
        response = client.get(url.format(value) + "&lang=ru")
        assert response.status_code == 400, (url, value)
        html = response.get_data(as_text=True)
        message = translated(app, "ru", "A number in the request is out of range (%(min)d to %(max)d).",
                             min=0, max=1)
        assert message.split("(")[0].strip() in html
        assert "Traceback" not in html


def test_not_a_number_in_the_query_keeps_the_default(client, signed_in):
    signed_in(Role.SUPERVISOR)
    assert client.get("/staff/complaints?officer=abc&page=x").status_code == 200
    assert client.get("/registry?page=abc").status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
def test_extreme_audit_dates_show_the_field_message(app, client, signed_in, day):
    signed_in(Role.SUPERVISOR)
    for name in ("since", "until"):
        response = client.get(f"/staff/audit?{name}={day}&lang=en")
        assert response.status_code == 200, (name, day)
        assert "Enter a date from 1900-01-01 to 2999-12-31." in response.get_data(as_text=True)


def test_dates_at_the_bounds_are_accepted(client, signed_in):
    signed_in(Role.SUPERVISOR)
    response = client.get("/staff/audit?since=1900-01-01&until=2999-12-31&lang=en")
    assert response.status_code == 200
    assert "Enter a date from" not in response.get_data(as_text=True)


def test_assign_with_a_huge_officer_id_is_a_400(app, keys, client, signed_in, make_user):
    owner = make_user()
    complaint_id = filed_complaint(app, owner, make_business(app, owner))
    signed_in(Role.SUPERVISOR)
    for value in TOO_BIG_AN_ID:
        response = client.post(f"/staff/complaints/{complaint_id}/assign", data={"officer_id": value})
        assert response.status_code == 400


def test_a_complaint_dated_year_one_gets_the_field_message(app, keys, client, signed_in):
    email = signed_in()
    business_id = make_business(app, email)
    for day in ("0001-01-01", "9999-12-31"):
        form = complaint_form(business_id, incident_date=day)
        response = client.post("/portal/complaints/new?lang=en", data=form)
        assert response.status_code in (200, 400), day
        assert "Enter a date from 1900-01-01 to 2999-12-31." in response.get_data(as_text=True)


def test_a_nul_character_in_a_form_is_a_400_in_the_users_language_and_nothing_is_saved(app, client, signed_in):
    from app.complaints.models import CaseMessage, Complaint
    from app.extensions import db

    email = signed_in()
    business_id = make_business(app, email)
    client.get("/?lang=ru")
    filing = complaint_form(business_id, description="A NUL \x00 inside a long enough description of pressure.")
    named = {**complaint_form(business_id), "evidence": (io.BytesIO(b"%PDF-1.4\n"), "scan\x00.pdf")}
    for answer in (client.post("/account", data={"full_name": "A\x00B"}),
                   client.get("/staff/complaints?q=a%00b"),
                   client.post("/portal/complaints/new", data=filing, content_type="multipart/form-data"),
                   client.post("/portal/complaints/new", data=named, content_type="multipart/form-data")):
        assert answer.status_code == 400
        assert translated(app, "ru", "The text holds a null character (U+0000), which cannot be stored. "
                          "Remove it and send again.") in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(CaseMessage).count() == 0
        assert db.session.query(Complaint).count() == 0
