"""Sign-in throttling slows a guesser without locking the owner out (app.accounts.throttle)."""

from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db
from tests.accounts.mailbox import last_token
from tests.conftest import PASSWORD, base_config, build_app
from tests.factories import add_user

ATTACKER, OWNER, ELSEWHERE = "203.0.113.9", "198.51.100.7", "192.0.2.44"
NEW_PASSWORD = "a fresh passphrase for spring"


@pytest.fixture
def throttled(tmp_path):
    app = build_app(tmp_path / "throttle", RATELIMIT_ENABLED=True, PBI_LOGIN_LIMIT_PER_IP="1000 per minute",
                    PBI_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="3 per 15 minutes",
                    PBI_LOGIN_LIMIT_PER_ACCOUNT="8 per 15 minutes")
    add_user(app, email="owner@example.kz")
    return app


def sign_in(client, address: str, password: str, email: str = "owner@example.kz"):
    return client.post("/login?lang=en", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_hammering_from_one_address_does_not_stop_the_owner_elsewhere(throttled):
    attacker = throttled.test_client()
    answers = [sign_in(attacker, ATTACKER, f"guess number {n}!") for n in range(6)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429, 429]
    refused = answers[-1]
    assert "Too many failed sign-ins with this e-mail address from here" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    # Refused before the password is looked at: the right password from there is refused the same.
    assert sign_in(attacker, ATTACKER, PASSWORD).status_code == 429
    # The owner, from their own address, signs in with the right password.
    assert sign_in(throttled.test_client(), OWNER, PASSWORD).status_code == 302


def test_hammering_does_not_stop_the_reset(throttled):
    attacker = throttled.test_client()
    for n in range(5):
        sign_in(attacker, ATTACKER, f"guess number {n}!")
    owner = throttled.test_client()
    for address in (ATTACKER, OWNER):  # even from the attacker's address (a shared NAT)
        asked = owner.post("/password/forgot", data={"email": "owner@example.kz"},
                           environ_base={"REMOTE_ADDR": address})
        assert asked.status_code == 302
    token = last_token(throttled, "owner@example.kz", "/password/reset")
    done = owner.post("/password/reset", data={"token": token, "new_password": NEW_PASSWORD,
                                               "new_password_repeat": NEW_PASSWORD},
                      environ_base={"REMOTE_ADDR": ATTACKER})
    assert done.status_code == 302
    # The reset lifted the count of the address that reset: the owner signs in from there.
    assert sign_in(owner, ATTACKER, NEW_PASSWORD).status_code == 302


def test_many_addresses_reach_the_account_limit_but_a_known_device_still_signs_in(throttled):
    known = throttled.test_client()
    assert sign_in(known, OWNER, PASSWORD).status_code == 302  # the owner's own browser, earlier
    known.post("/logout")
    for n in range(8):  # a guesser with many addresses, 1 try each
        assert sign_in(throttled.test_client(), f"203.0.113.{n + 10}", "wrong guess!!").status_code == 401
    # A new browser, even with the right password, is sent to the reset.
    stranger_browser = sign_in(throttled.test_client(), ELSEWHERE, PASSWORD)
    assert stranger_browser.status_code == 429
    assert "Forgot your password?" in stranger_browser.get_data(as_text=True)
    # The browser where the owner signed in before still works, from any address.
    assert sign_in(known, ELSEWHERE, PASSWORD).status_code == 302


def test_a_successful_reset_lifts_the_account_limit(throttled):
    for n in range(8):
        sign_in(throttled.test_client(), f"203.0.113.{n + 10}", "wrong guess!!")
    owner = throttled.test_client()
    assert sign_in(owner, ELSEWHERE, PASSWORD).status_code == 429
    owner.post("/password/forgot", data={"email": "owner@example.kz"}, environ_base={"REMOTE_ADDR": ELSEWHERE})
    token = last_token(throttled, "owner@example.kz", "/password/reset")
    assert owner.post("/password/reset", data={"token": token, "new_password": NEW_PASSWORD,
                                               "new_password_repeat": NEW_PASSWORD},
                      environ_base={"REMOTE_ADDR": ELSEWHERE}).status_code == 302
    assert sign_in(owner, ELSEWHERE, NEW_PASSWORD).status_code == 302
    assert sign_in(throttled.test_client(), OWNER, NEW_PASSWORD).status_code == 302  # any browser again


def test_an_unknown_address_is_throttled_exactly_like_an_account(throttled):
    def answers(email):
        client = throttled.test_client()
        return [sign_in(client, ATTACKER, "wrong guess!!", email).status_code for _ in range(5)]

    assert answers("owner@example.kz") == answers("nobody@example.kz") == [401, 401, 401, 429, 429]


def test_successful_sign_ins_are_not_counted(throttled):
    for _ in range(6):
        client = throttled.test_client()
        assert sign_in(client, OWNER, PASSWORD).status_code == 302


def test_a_forged_device_cookie_is_ignored(throttled):
    for n in range(8):
        sign_in(throttled.test_client(), f"203.0.113.{n + 10}", "wrong guess!!")
    client = throttled.test_client()
    client.set_cookie("pbi_known", "eyJhIjoiZm9yZ2VkIiwiZCI6IngifQ.forged.signature")
    assert sign_in(client, ELSEWHERE, PASSWORD).status_code == 429


def test_counts_are_shared_by_every_worker_of_the_server(tmp_path, throttled):
    # A second app on the same instance folder stands for another gunicorn worker.
    other_worker = create_app({**base_config(tmp_path / "throttle"), **{
        key: throttled.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "RATELIMIT_ENABLED",
                                               "PBI_LOGIN_LIMIT_PER_IP", "PBI_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS",
                                               "PBI_LOGIN_LIMIT_PER_ACCOUNT")}})
    assert other_worker.config["RATELIMIT_STORAGE_URI"] == throttled.config["RATELIMIT_STORAGE_URI"]
    first, second = throttled.test_client(), other_worker.test_client()
    answers = [sign_in(worker, ATTACKER, "wrong guess!!").status_code for worker in (first, second, first, second)]
    assert answers == [401, 401, 401, 429]
    with other_worker.app_context():
        db.session.remove()
        db.engine.dispose()
