"""Sign-in, throttling, session renewal, redirects and deactivated accounts."""

import pytest

from app.accounts.models import Role
from tests.conftest import PASSWORD, add_user, build_app


def test_login_and_logout(client, auth, make_user):
    email = make_user()
    response = auth.login(email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal"
    assert client.get("/portal").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/portal").headers["Location"].startswith("/login")


def test_staff_land_on_staff_pages(auth, make_user):
    response = auth.login(make_user(Role.OFFICER))
    assert response.headers["Location"] == "/staff/"


def test_email_is_case_insensitive_at_login(auth, make_user):
    make_user(email="dana@example.kz")
    assert auth.login("  DANA@Example.kz ").status_code == 302


@pytest.mark.parametrize("email_known", [True, False])
def test_wrong_credentials_get_one_generic_message(client, make_user, email_known):
    email = make_user() if email_known else "nobody@example.kz"
    response = client.post("/login?lang=en", data={"email": email, "password": "wrong password!"})
    assert response.status_code == 401
    assert "The e-mail address or the password is incorrect." in response.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(client, make_user):
    email = make_user(active=False)
    response = client.post("/login?lang=en", data={"email": email, "password": PASSWORD})
    assert response.status_code == 401
    assert "deactivated" in response.get_data(as_text=True)
    assert client.get("/portal").status_code == 302


def test_session_is_renewed_at_login(client, make_user, auth):
    email = make_user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before login"
    auth.login(email)
    with client.session_transaction() as session:
        assert "planted" not in session
        first_token = session["sid"]
    auth.logout()
    auth.login(email)
    with client.session_transaction() as session:
        assert session["sid"] != first_token


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/account", "/account"),
        ("/portal/businesses/new?x=1", "/portal/businesses/new?x=1"),
        ("https://evil.example/phish", "/portal"),
        ("//evil.example/phish", "/portal"),
        ("/\\evil.example", "/portal"),
        ("javascript:alert(1)", "/portal"),
        ("http:/evil.example", "/portal"),
    ],
)
def test_next_redirects_only_to_local_paths(auth, make_user, next_url, expected):
    email = make_user()
    response = auth.login(email, next_url=next_url)
    assert response.headers["Location"] == expected


def test_protected_page_sends_anonymous_to_login_with_next(client):
    response = client.get("/portal/businesses/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/portal/businesses/new"


def test_login_is_throttled_per_account(tmp_path):
    app = build_app(tmp_path / "throttle", RATELIMIT_ENABLED=True,
                    PBI_LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes",
                    PBI_LOGIN_LIMIT_PER_IP="100 per minute")
    client = app.test_client()
    add_user(app, email="victim@example.kz")
    for _ in range(3):
        bad = client.post("/login", data={"email": "victim@example.kz", "password": "wrong guess 123"})
        assert bad.status_code == 401
    blocked = client.post("/login?lang=en", data={"email": "VICTIM@example.kz", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "too many failed sign-ins" in blocked.get_data(as_text=True).lower()
    assert "Retry-After" in blocked.headers
    # Another account from the same address is not blocked by the first one's counter.
    other = client.post("/login", data={"email": "other@example.kz", "password": "wrong guess 123"})
    assert other.status_code == 401


def test_login_is_throttled_per_address(tmp_path):
    app = build_app(tmp_path / "throttle-ip", RATELIMIT_ENABLED=True,
                    PBI_LOGIN_LIMIT_PER_ACCOUNT="100 per minute", PBI_LOGIN_LIMIT_PER_IP="4 per minute")
    client = app.test_client()
    for i in range(4):
        data = {"email": f"guess{i}@example.kz", "password": "wrong guess 123"}
        assert client.post("/login", data=data).status_code == 401
    response = client.post("/login", data={"email": "guess9@example.kz", "password": "x" * 12})
    assert response.status_code == 429


def test_successful_logins_do_not_count_towards_the_throttle(tmp_path):
    app = build_app(tmp_path / "throttle-ok", RATELIMIT_ENABLED=True,
                    PBI_LOGIN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    add_user(app, email="busy@example.kz")
    for _ in range(4):
        response = app.test_client().post("/login", data={"email": "busy@example.kz", "password": PASSWORD})
        assert response.status_code == 302
