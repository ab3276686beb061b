"""Editing one's own profile (name, phone, language), each change in the audit log with old and new values."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.accounts.models import Role
from app.accounts.services import find_by_email
from app.audit.models import AuditEntry
from app.extensions import db
from tests.conftest import translated


def profile_audits(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.profile_changed")
                                  .order_by(AuditEntry.id))
        return [{"actor": r.actor_label, "subject": (r.subject_type, r.subject_id), **json.loads(r.details)}
                for r in rows]


def test_the_account_page_shows_the_profile_filled_in(client, signed_in):
    signed_in()
    page = client.get("/account?lang=en").get_data(as_text=True)
    assert 'value="Test User"' in page and 'value="+77011234567"' in page
    assert '<option selected value="kk">' in page
    assert 'action="/account/profile"' in page
    assert "The officer uses it to reach you about your complaint." in page


def test_staff_see_the_profile_without_the_complainants_hint(client, signed_in):
    signed_in(Role.OFFICER)
    page = client.get("/account?lang=en").get_data(as_text=True)
    assert 'value="Staff User"' in page
    assert "The officer uses it to reach you about your complaint." not in page


def test_editing_the_profile_saves_it_and_audits_old_and_new_values(app, client, signed_in):
    email = signed_in()
    response = client.post("/account/profile", data={
        "full_name": "Айгүл Сейітқызы", "phone": "8 (702) 555-12-34", "locale": "ru"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    with app.app_context():
        user = find_by_email(email)
        assert (user.full_name, user.phone, user.locale) == ("Айгүл Сейітқызы", "+77025551234", "ru")
        user_id = str(user.id)
    [entry] = profile_audits(app)
    assert entry["actor"] == email and entry["subject"] == ("user", user_id)
    assert entry["changes"] == {
        "full_name": {"from": "Test User", "to": "Айгүл Сейітқызы"},
        "phone": {"from": "+77011234567", "to": "+77025551234"},
        "locale": {"from": "kk", "to": "ru"},
    }
    page = client.get("/account").get_data(as_text=True)  # the pages follow the new language
    assert '<html lang="ru">' in page and "Профиль сохранен." in page


def test_saving_without_a_change_writes_no_audit_entry(app, client, signed_in):
    signed_in()
    data = {"full_name": "Test User", "phone": "+77011234567", "locale": "kk"}
    assert client.post("/account/profile", data=data).status_code == 302
    assert profile_audits(app) == []
    page = client.get("/account").get_data(as_text=True)
    assert translated(app, "kk", "Nothing was changed in your profile.") in page


def test_a_refused_profile_keeps_what_was_typed_and_names_the_field(app, client, signed_in):
    email = signed_in()
    client.get("/account?lang=en")
    response = client.post("/account/profile", data={"full_name": "Жаңа Есім", "phone": "12345", "locale": "kk"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="Жаңа Есім"' in page and 'value="12345"' in page
    assert "Enter a phone number like +7 701 123 45 67." in page and 'href="#phone"' in page
    with app.app_context():
        assert find_by_email(email).full_name == "Test User"
    assert profile_audits(app) == []


def test_an_entrepreneur_cannot_remove_the_phone_but_staff_may(app, client, signed_in, make_user, auth):
    signed_in()
    client.get("/account?lang=en")
    response = client.post("/account/profile", data={"full_name": "Test User", "phone": "", "locale": "kk"})
    assert response.status_code == 400
    assert "Enter your phone: the officer uses it to reach you." in response.get_data(as_text=True)
    auth.logout()
    officer = make_user(Role.OFFICER)
    auth.login(officer)
    staff_profile = {"full_name": "Staff User", "phone": "", "locale": "en"}
    assert client.post("/account/profile", data=staff_profile).status_code == 302
    with app.app_context():
        assert find_by_email(officer).locale == "en"


def test_an_unknown_language_is_a_field_error(client, signed_in):
    signed_in()
    response = client.post("/account/profile", data={"full_name": "Test User", "phone": "+77011234567", "locale": "xx"})
    assert response.status_code == 400
