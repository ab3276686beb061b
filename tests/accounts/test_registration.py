"""Entrepreneur self-registration."""

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db

FORM = {
    "email": "Aigerim.T@Example.KZ",
    "password": "steppe wind over turkistan",
    "password_repeat": "steppe wind over turkistan",
    "full_name": "Айгерім Төлегенова",
    "phone": "8 (701) 123-45-67",
    "iin": "",
    "locale": "ru",
    "consent": "y",
}


def users(app):
    with app.app_context():
        return list(db.session.scalars(select(User)))


def test_registration_creates_entrepreneur_and_signs_in(client, app):
    response = client.post("/register", data=FORM)
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal"
    [user] = users(app)
    assert user.email == "aigerim.t@example.kz"  # stored lower-cased
    assert user.role == "entrepreneur"
    assert user.phone == "+77011234567"
    assert user.locale == "ru"
    assert user.password_hash.startswith("$argon2id$")
    assert client.get("/portal").status_code == 200


def test_registration_cannot_choose_a_role(client, app):
    client.post("/register", data=FORM | {"role": "admin"})
    assert [u.role for u in users(app)] == ["entrepreneur"]


def test_duplicate_email_is_refused_case_insensitively(client, app, make_user):
    make_user(email="aigerim.t@example.kz")
    response = client.post("/register", data=FORM | {"locale": "en"}, query_string={"lang": "en"})
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    assert len(users(app)) == 1


def test_weak_passwords_are_refused_with_reason(client, app):
    cases = {
        "short pass": "at least 12 characters",
        "password2026!": "too common",
        "qwertyuiop123": "too common",
        "aaaaaaaaaaaaaaaa": "too common",
        "x" * 129: "at most 128 characters",
    }
    for password, message in cases.items():
        response = client.post(
            "/register?lang=en", data=FORM | {"password": password, "password_repeat": password}
        )
        assert response.status_code == 400, password
        assert message in response.get_data(as_text=True), password
    assert users(app) == []


def test_long_passphrase_with_unicode_is_accepted(client, app):
    phrase = "Түркістан — рухани астана " * 4  # 104 characters, spaces and Kazakh letters
    response = client.post("/register", data=FORM | {"password": phrase, "password_repeat": phrase})
    assert response.status_code == 302


def test_invalid_fields_are_reported_next_to_each_field_and_in_summary(client, app):
    response = client.post(
        "/register?lang=en",
        data=FORM | {"email": "not-an-email", "phone": "12345", "iin": "123456789012",
                     "password_repeat": "different", "consent": ""},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in html
    for field_id in ("email", "phone", "iin", "password_repeat", "consent"):
        assert f'id="{field_id}-error"' in html, field_id
        assert f'href="#{field_id}"' in html, field_id
    assert users(app) == []


def test_valid_iin_is_stored(client, app):
    client.post("/register", data=FORM | {"iin": "850515 401239"})
    [user] = users(app)
    assert user.iin == "850515401239"


def test_every_field_has_a_visible_label(client):
    html = client.get("/register?lang=en").get_data(as_text=True)
    for field_id, label in [("email", "Email"), ("password", "Password"), ("full_name", "Full name"),
                            ("phone", "Phone"), ("iin", "IIN")]:
        assert f'<label for="{field_id}">{label}</label>' in html
