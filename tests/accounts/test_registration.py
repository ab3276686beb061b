"""Entrepreneur self-registration."""

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from tests.accounts.mailbox import messages_to
from tests.conftest import build_app
from tests.factories import add_user

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


def test_registration_creates_an_unverified_entrepreneur_and_asks_to_check_the_mail(client, app):
    response = client.post("/register", data=FORM)
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/check-email"
    [user] = users(app)
    assert user.email == "aigerim.t@example.kz"  # stored lower-cased
    assert user.role == "entrepreneur"
    assert user.phone == "+77011234567"
    assert user.locale == "ru"
    assert user.password_hash.startswith("$argon2id$")
    assert user.email_verified_at is None
    page = client.get("/register/check-email?lang=en").get_data(as_text=True)
    assert "Check your e-mail to continue" in page
    assert client.get("/portal").status_code == 302  # not signed in by registering
    assert client.post("/login", data={"email": FORM["email"], "password": FORM["password"]}).status_code == 302
    assert client.get("/portal").status_code == 200


def test_registration_cannot_choose_a_role(client, app):
    client.post("/register", data=FORM | {"role": "admin"})
    assert [u.role for u in users(app)] == ["entrepreneur"]


def answer_and_page(client, data):
    response = client.post("/register?lang=en", data=data)
    page = client.get(response.headers["Location"] + "?lang=en")
    return response.status_code, response.headers["Location"], response.get_data(), page.get_data()


def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_a_notice(app, make_user):
    make_user(email="aigerim.t@example.kz", locale="en")
    [before] = users(app)
    taken = answer_and_page(app.test_client(), FORM | {"full_name": "Someone Else"})  # case-insensitive
    new = answer_and_page(app.test_client(), FORM | {"email": "someone.new@example.kz"})
    assert taken == new
    # No account made and nothing changed on the existing one.
    [after, _new] = sorted(users(app), key=lambda u: u.id)
    assert (after.id, after.full_name, after.password_hash, after.phone) == (
        before.id, before.full_name, before.password_hash, before.phone)
    [notice] = messages_to(app, "aigerim.t@example.kz")
    assert "already has an account" in notice.body and "/password/forgot" in notice.body
    assert "Someone Else" not in notice.body
    [link] = messages_to(app, "someone.new@example.kz")
    assert "/email/verify?token=" in link.body


def test_registering_again_an_unconfirmed_address_mails_the_notice_not_a_link(app, client):
    client.post("/register", data=FORM)
    client.post("/register", data=FORM)
    assert len(users(app)) == 1
    first, second = messages_to(app, "aigerim.t@example.kz")
    assert "/email/verify?token=" in first.body
    assert "/email/verify" not in second.body and "/password/forgot" in second.body


def test_notices_to_an_owner_are_throttled(tmp_path):
    app = build_app(tmp_path / "notices", RATELIMIT_ENABLED=True, PBI_VERIFY_MAILS_PER_ACCOUNT="2 per hour",
                    PBI_REGISTER_LIMIT_PER_IP="100 per hour")
    add_user(app, email="aigerim.t@example.kz")
    for _ in range(4):
        assert app.test_client().post("/register", data=FORM).headers["Location"] == "/register/check-email"
    assert len(messages_to(app, "aigerim.t@example.kz")) == 2


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
