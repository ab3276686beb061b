"""E-mail verification at registration: a single-use link, 48 hours; what an unverified account may do."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text, update

from app import create_app, demo
from app.accounts.models import Role, User
from app.accounts.tokens import AccountToken, Purpose
from app.audit.models import AuditEntry
from app.extensions import db
from tests.accounts.mailbox import last_token, messages_to
from tests.conftest import PASSWORD, base_config, build_app
from tests.factories import add_user

EMAIL = "new.owner@example.kz"
FORM = {"email": EMAIL, "password": PASSWORD, "password_repeat": PASSWORD, "full_name": "Жаңа Кәсіпкер",
        "phone": "87011234567", "iin": "", "locale": "en", "consent": "y"}


def user(app, email: str = EMAIL) -> User:
    with app.app_context():
        found = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge_all()
        return found


@pytest.fixture
def registered(app, client):
    """A new entrepreneur, registered through the page and signed in, address unconfirmed."""
    assert client.post("/register", data=FORM).status_code == 302
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    return client


def confirm(client, token: str):
    return client.post("/email/verify?lang=en", data={"token": token})


def test_registration_mails_a_single_use_link_valid_48_hours(app, registered):
    assert user(app).email_verified_at is None
    [mail] = messages_to(app, EMAIL)
    assert "confirm your e-mail address" in mail.subject
    token = last_token(app, EMAIL, "/email/verify")
    with app.app_context():
        [record] = db.session.scalars(select(AccountToken))
        assert record.purpose == Purpose.EMAIL_VERIFICATION.value
        assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert record.expires_at - record.created_at == timedelta(hours=48)


def test_an_unverified_account_sees_the_portal_with_a_banner_but_cannot_file_or_register(app, registered):
    portal = registered.get("/portal?lang=en")
    assert portal.status_code == 200
    assert "Confirm your e-mail address with the link we sent you" in portal.get_data(as_text=True)
    for path in ("/portal/complaints/new", "/portal/businesses/new", "/portal/associations/new"):
        for method in (registered.get, registered.post):
            refused = method(path + "?lang=en")
            assert refused.status_code == 303, path
            assert refused.headers["Location"] == "/portal"
    assert "Confirm your e-mail address first" in registered.get("/portal?lang=en").get_data(as_text=True)
    assert registered.get("/account").status_code == 200
    assert registered.get("/notifications").status_code == 200


def test_the_link_confirms_the_address_once(app, registered):
    token = last_token(app, EMAIL, "/email/verify")
    page = registered.get(f"/email/verify?token={token}&lang=en")  # a GET changes nothing
    assert page.status_code == 200 and "Confirm my e-mail address" in page.get_data(as_text=True)
    assert user(app).email_verified_at is None
    done = confirm(registered, token)
    assert done.status_code == 302 and done.headers["Location"] == "/portal"
    assert user(app).email_verified_at is not None
    portal = registered.get("/portal?lang=en").get_data(as_text=True)
    assert "your e-mail address is confirmed" in portal and "Send the link again" not in portal
    # No business yet: filing now sends to business registration, which is open.
    assert (registered.get("/portal/complaints/new").headers["Location"]
            == "/portal/businesses/new?next=/portal/complaints/new")
    assert registered.get("/portal/businesses/new").status_code == 200
    again = confirm(registered, token)
    assert again.status_code == 400 and "This link does not work" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.email_verified")) is not None


def test_the_link_confirms_only_for_the_account_signed_in(app, client):
    client.post("/register", data=FORM)
    link = "/email/verify?token=" + last_token(app, EMAIL, "/email/verify")
    anonymous = client.get(link)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?next=/email/verify?token%3D")
    # Signing in brings the owner back to the link; its button confirms.
    back = client.post("/login?" + anonymous.headers["Location"].split("?", 1)[1],
                       data={"email": EMAIL, "password": PASSWORD})
    assert back.headers["Location"] == link
    assert client.get(link).status_code == 200
    assert confirm(client, link.split("=", 1)[1]).headers["Location"] == "/portal"
    assert user(app).email_verified_at is not None


def test_someone_who_registered_another_persons_address_cannot_have_it_confirmed(app, make_user):
    squatter = app.test_client()
    squatter.post("/register", data=FORM)  # the squatter has the password, not the mailbox
    assert squatter.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    token = last_token(app, EMAIL, "/email/verify")
    # The mailbox's owner opens the link, signed in as someone else or not at all: nothing confirmed.
    owner = app.test_client()
    owner.post("/login", data={"email": make_user(), "password": PASSWORD})
    assert confirm(owner, token).status_code == 400
    assert confirm(app.test_client(), token).status_code == 302  # to the sign-in page
    assert user(app).email_verified_at is None
    # The owner registers "again": the answer is the usual one and the mail points to the reset.
    app.test_client().post("/register", data=FORM | {"password": "owners own passphrase", "password_repeat":
                                                     "owners own passphrase"})
    assert "/password/forgot" in messages_to(app, EMAIL)[-1].body
    # The reset gives the account to the mailbox: the squatter is signed out and locked out.
    owner = app.test_client()
    owner.post("/password/forgot", data={"email": EMAIL})
    new = "owners own passphrase"
    owner.post("/password/reset", data={"token": last_token(app, EMAIL, "/password/reset"), "new_password": new,
                                        "new_password_repeat": new})
    assert squatter.get("/portal").status_code == 302
    assert squatter.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 401
    assert user(app).email_verified_at is not None


def test_an_expired_or_unknown_link_is_refused(app, registered):
    token = last_token(app, EMAIL, "/email/verify")
    with app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=AccountToken.created_at))
        db.session.commit()
    assert confirm(registered, token).status_code == 400
    assert confirm(registered, "not-a-token").status_code == 400
    assert confirm(registered, "").status_code == 400
    assert user(app).email_verified_at is None


def test_resend_mails_a_new_link(app, registered):
    answer = registered.post("/email/verify/resend?lang=en")
    assert answer.status_code == 302
    assert len(messages_to(app, EMAIL)) == 2
    assert confirm(registered, last_token(app, EMAIL, "/email/verify")).status_code == 302


def test_resend_is_throttled(tmp_path):
    app = build_app(tmp_path / "resend", RATELIMIT_ENABLED=True, PBI_VERIFY_MAILS_PER_ACCOUNT="2 per hour")
    client = app.test_client()
    client.post("/register", data=FORM)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert client.post("/email/verify/resend").status_code == 302  # the second link
    refused = client.post("/email/verify/resend?lang=en", follow_redirects=True)
    assert "You have asked for several links in a short time" in refused.get_data(as_text=True)
    assert len(messages_to(app, EMAIL)) == 2


def test_a_password_reset_also_confirms_the_address(app, client):
    client.post("/register", data=FORM)
    client.post("/password/forgot", data={"email": EMAIL})
    token = last_token(app, EMAIL, "/password/reset")
    new = "another passphrase of mine"
    assert client.post("/password/reset", data={"token": token, "new_password": new,
                                                "new_password_repeat": new}).status_code == 302
    assert user(app).email_verified_at is not None


def test_staff_and_factory_accounts_count_as_verified(app):
    assert user(app, add_user(app, Role.OFFICER)).email_verified_at is not None
    assert user(app, add_user(app)).email_verified_at is not None


def test_demo_accounts_count_as_verified(app, keys):
    with app.app_context():
        demo.create()
        accounts = list(db.session.scalars(select(User)))
        assert len(accounts) == 7 and all(account.email_verified for account in accounts)


def test_accounts_made_before_verification_existed_count_as_verified(tmp_path):
    app = create_app(base_config(tmp_path / "migrated"))
    with app.app_context():
        upgrade(revision="0005_two_factor")  # the revision before verification
        db.session.execute(text(
            "INSERT INTO users (email, password_hash, full_name, phone, locale, role, active, created_at, "
            "password_changed_at) VALUES ('old@example.kz', 'x', 'Old', '+77011234567', 'kk', 'entrepreneur', "
            "true, '2026-01-05 10:00:00', '2026-01-05 10:00:00')"))
        db.session.commit()
        upgrade()
        migrated = db.session.scalar(select(User).where(User.email == "old@example.kz"))
        assert migrated.email_verified_at == migrated.created_at
        db.session.remove()
        db.engine.dispose()
