"""Password reset by e-mail: one answer for every address, single-use hashed tokens, 30 minutes."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import transactions
from app.accounts import recovery
from app.accounts.models import User
from app.accounts.tokens import AccountToken, Purpose
from app.audit.models import AuditEntry
from app.extensions import db
from tests.accounts.mailbox import last_token, messages_to, token_in
from tests.conftest import PASSWORD, build_app, csrf_token_from
from tests.factories import add_user, run_in_parallel

NEW_PASSWORD = "new steppe password 2026"


def ask_reset(client, email: str):
    return client.post("/password/forgot?lang=en", data={"email": email})


def reset(client, token: str, password: str = NEW_PASSWORD, repeat: str | None = None):
    return client.post("/password/reset?lang=en", data={
        "token": token, "new_password": password, "new_password_repeat": repeat or password})


def tokens_of(app, email: str) -> list[AccountToken]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        rows = list(db.session.scalars(select(AccountToken).where(AccountToken.user_id == user.id)))
        db.session.expunge_all()
        return rows


def test_sign_in_page_links_to_forgot_password(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert 'href="/password/forgot"' in html
    assert "Forgot your password?" in client.get("/password/forgot?lang=en").get_data(as_text=True)


def test_the_answer_is_the_same_whether_or_not_the_address_exists(app, client, make_user):
    email = make_user(email="owner@example.kz")
    known, unknown = ask_reset(client, email), ask_reset(client, "nobody@example.kz")
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert known.get_data() == unknown.get_data()
    page = client.get(known.headers["Location"])
    assert page.status_code == 200
    assert "If an account exists for this address" in page.get_data(as_text=True)
    assert len(messages_to(app, email)) == 1
    assert messages_to(app, "nobody@example.kz") == []


def test_reset_sets_the_new_password_ends_every_session_and_is_audited(app, make_user):
    email = make_user(email="reset@example.kz", locale="en")
    elsewhere, browser = app.test_client(), app.test_client()
    assert elsewhere.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    assert elsewhere.get("/portal").status_code == 200

    assert ask_reset(browser, email).status_code == 302
    [mail] = messages_to(app, email)
    assert "/password/reset?token=" in mail.body and PASSWORD not in mail.body
    token = last_token(app, email, "/password/reset")
    form = browser.get(f"/password/reset?token={token}&lang=en")
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)

    done = reset(browser, token)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert elsewhere.get("/portal").status_code == 302  # the other session was ended
    assert browser.post("/login", data={"email": email, "password": PASSWORD}).status_code == 401
    assert browser.post("/login", data={"email": email, "password": NEW_PASSWORD}).status_code == 302
    # The owner is told, and the reset is in the audit log.
    notice = messages_to(app, email)[-1]
    assert "has just been reset" in notice.body and "/password/reset" not in notice.body
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action)))
    assert "auth.password_reset" in actions and "auth.password_reset_requested" in actions


def test_a_link_works_once(app, client, make_user):
    email = make_user()
    ask_reset(client, email)
    token = last_token(app, email, "/password/reset")
    assert reset(client, token).status_code == 302
    again = reset(client, token, "another long password 77")
    assert again.status_code == 400
    assert "This link does not work" in again.get_data(as_text=True)
    assert client.get(f"/password/reset?token={token}").status_code == 400
    assert client.post("/login", data={"email": email, "password": NEW_PASSWORD}).status_code == 302


def test_a_new_reset_uses_up_every_other_link_of_the_account(app, client, make_user):
    email = make_user()
    ask_reset(client, email)
    ask_reset(client, email)
    first, second = (token_in(m.body, "/password/reset") for m in messages_to(app, email))
    assert reset(client, second).status_code == 302
    assert reset(client, first, "another long password 77").status_code == 400


def test_the_token_is_random_stored_hashed_and_lives_30_minutes(app, client, make_user):
    email = make_user()
    ask_reset(client, email)
    token = last_token(app, email, "/password/reset")
    [record] = tokens_of(app, email)
    assert len(token) >= 43  # 32 random bytes
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert record.purpose == Purpose.PASSWORD_RESET.value
    assert record.expires_at - record.created_at == timedelta(minutes=30)
    with app.app_context():  # 30 minutes later
        db.session.execute(update(AccountToken).values(expires_at=record.created_at - timedelta(seconds=1)))
        db.session.commit()
    assert client.get(f"/password/reset?token={token}").status_code == 400
    assert reset(client, token).status_code == 400
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("token", ["", "x" * 43, "x" * 5000, "%00", "<script>"])
def test_unknown_or_malformed_tokens_are_refused_with_a_message(client, token):
    for response in (client.get("/password/reset", query_string={"token": token, "lang": "en"}), reset(client, token)):
        assert response.status_code == 400
        assert "This link does not work" in response.get_data(as_text=True)


def test_a_weak_new_password_is_refused_and_the_link_still_works(app, client, make_user):
    email = make_user()
    ask_reset(client, email)
    token = last_token(app, email, "/password/reset")
    weak = reset(client, token, "password2026!")
    assert weak.status_code == 400 and "too common" in weak.get_data(as_text=True)
    mismatch = reset(client, token, NEW_PASSWORD, "something else entirely")
    assert mismatch.status_code == 400 and "do not match" in mismatch.get_data(as_text=True)
    assert reset(client, token).status_code == 302


def test_a_verification_link_is_not_a_reset_link(app, client):
    client.post("/register", data={
        "email": "fresh@example.kz", "password": PASSWORD, "password_repeat": PASSWORD,
        "full_name": "Fresh User", "phone": "87011234567", "iin": "", "locale": "en", "consent": "y"})
    token = last_token(app, "fresh@example.kz", "/email/verify")
    assert reset(client, token).status_code == 400


def test_a_deactivated_account_gets_no_link_and_the_same_answer(app, client, make_user):
    email = make_user(active=False)
    response = ask_reset(client, email)
    assert response.headers["Location"] == ask_reset(client, "nobody@example.kz").headers["Location"]
    assert messages_to(app, email) == []


def test_the_reset_e_mail_is_in_the_owners_language_and_delivered_by_the_outbox(app, client, runner, make_user):
    email = make_user(locale="ru")
    ask_reset(client, email)
    [mail] = messages_to(app, email)
    assert mail.locale == "ru" and mail.subject == "Реестр ЗБИ: сброс пароля"
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert messages_to(app, email)[0].sent_at is not None


def test_reset_page_carries_a_csrf_token_when_csrf_is_on(tmp_path):
    app = build_app(tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    add_user(app, email="csrf@example.kz")
    client = app.test_client()
    page = client.get("/password/forgot?lang=en").get_data(as_text=True)
    assert client.post("/password/forgot", data={"email": "csrf@example.kz"}).status_code == 400
    answer = client.post("/password/forgot", data={"email": "csrf@example.kz", "csrf_token": csrf_token_from(page)})
    assert answer.status_code == 302


def test_requests_are_throttled_per_address_and_mails_per_account(tmp_path):
    app = build_app(tmp_path / "limits", RATELIMIT_ENABLED=True, PBI_RESET_LIMIT_PER_IP="6 per hour",
                    PBI_RESET_MAILS_PER_ACCOUNT="3 per 30 minutes")
    add_user(app, email="target@example.kz")
    stranger = app.test_client()
    answers = [ask_reset(stranger, "target@example.kz") for _ in range(5)]
    # The same answer every time, but at most 3 links are mailed to one address in 30 minutes.
    assert {a.status_code for a in answers} == {302}
    assert len(messages_to(app, "target@example.kz")) == 3
    ask_reset(stranger, "other@example.kz")
    assert ask_reset(stranger, "other@example.kz").status_code == 429  # this client address, 6 per hour
    # The owner, elsewhere, is not throttled, and already holds live links.
    owner = app.test_client()
    owner_answer = owner.post("/password/forgot", data={"email": "target@example.kz"},
                              environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert owner_answer.status_code == 302
    token = last_token(app, "target@example.kz", "/password/reset")
    assert owner.post("/password/reset", data={"token": token, "new_password": NEW_PASSWORD,
                                                "new_password_repeat": NEW_PASSWORD},
                      environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 302


def test_no_token_or_password_reaches_the_log(app, client, make_user, caplog):
    email = make_user()
    with caplog.at_level(logging.DEBUG):
        ask_reset(client, email)
        token = last_token(app, email, "/password/reset")
        client.get(f"/password/reset?token={token}")
        reset(client, token)
        client.post("/login", data={"email": email, "password": NEW_PASSWORD})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert token not in logged and NEW_PASSWORD not in logged


def test_two_requests_racing_with_one_link_change_the_password_once(app, client, make_user):
    email = make_user()
    ask_reset(client, email)
    token = last_token(app, email, "/password/reset")
    won = []

    def use_the_link(password: str) -> None:
        try:
            recovery.reset_password(token, password)
            transactions.commit()
            won.append(password)
        except recovery.InvalidLink:
            transactions.rollback()

    errors = run_in_parallel(app, use_the_link, [f"racing passphrase number {n}" for n in range(6)])
    assert errors == [] and len(won) == 1
    assert client.post("/login", data={"email": email, "password": won[0]}).status_code == 302
