"""Server-side sessions: a copied cookie stops working after logout or password change."""

from datetime import timedelta

from app.accounts import sessions
from app.accounts.models import Role
from app.accounts.services import find_by_email
from app.extensions import db
from app.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.factories import sign_in


def session_cookie(client) -> str:
    cookie = client.get_cookie("pbi_session")
    assert cookie is not None
    return cookie.value


def test_cookie_captured_before_logout_is_refused_after(app, client, auth, make_user):
    email = make_user()
    auth.login(email)
    stolen = session_cookie(client)
    auth.logout()

    replay = app.test_client()
    replay.set_cookie("pbi_session", stolen)
    response = replay.get("/portal")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_ends_sessions_on_other_devices_too(app, make_user):
    email = make_user()
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        assert sign_in(device, email, PASSWORD).status_code == 302
    laptop.post("/logout")
    assert phone.get("/portal").status_code == 302


def test_password_change_signs_out_other_sessions_but_keeps_this_one(app, make_user):
    email = make_user()
    this, other = app.test_client(), app.test_client()
    for device in (this, other):
        sign_in(device, email, PASSWORD)
    new = "a brand new long passphrase"
    response = this.post("/account", data={
        "current_password": PASSWORD, "new_password": new, "new_password_repeat": new,
    })
    assert response.status_code == 302
    assert this.get("/portal").status_code == 200
    assert other.get("/portal").status_code == 302
    assert sign_in(app.test_client(), email, new).status_code == 302
    assert sign_in(app.test_client(), email, PASSWORD).status_code == 401


def test_password_change_requires_current_password(client, signed_in):
    signed_in()
    new = "a brand new long passphrase"
    response = client.post("/account?lang=en", data={
        "current_password": "not my password", "new_password": new, "new_password_repeat": new,
    })
    assert response.status_code == 400
    assert "The current password is incorrect." in response.get_data(as_text=True)


def test_deactivation_ends_live_sessions(app, make_user):
    admin_email, victim_email = make_user(Role.ADMIN), make_user(Role.OFFICER)
    admin, victim = app.test_client(), app.test_client()
    sign_in(admin, admin_email, PASSWORD)
    sign_in(victim, victim_email, PASSWORD)
    assert victim.get("/staff/businesses").status_code == 200
    with app.app_context():
        victim_id = find_by_email(victim_email).id
    assert admin.post(f"/admin/users/{victim_id}/active", data={"active": "0"}).status_code == 302
    assert victim.get("/staff/businesses").status_code == 302


def _check(user_id, token, **kwargs):
    """find_valid, then the bookkeeping it asks for, as the request's end would write it."""
    record, bookkeeping = sessions.find_valid(user_id, token, **kwargs)
    if bookkeeping is not None:
        db.session.execute(bookkeeping)
        db.session.commit()
    return record


def test_idle_and_absolute_limits(app, make_user):
    email = make_user()
    with app.app_context():
        user_id = find_by_email(email).id
        token = sessions.open_session(user_id)
        db.session.commit()
        created = utcnow()
        limits = {"lifetime": timedelta(hours=8), "idle": timedelta(minutes=60)}
        # Active every 30 minutes: valid until the absolute lifetime runs out.
        for minutes in range(30, 8 * 60, 30):
            now = created + timedelta(minutes=minutes)
            assert _check(user_id, token, now=now, **limits) is not None, minutes
        assert _check(user_id, token, now=created + timedelta(hours=8, minutes=5),
                                   **limits) is None
        # Once expired, the record is revoked for good.
        assert _check(user_id, token, now=created, **limits) is None

        idle_token = sessions.open_session(user_id)
        start = utcnow()
        assert _check(user_id, idle_token, now=start + timedelta(minutes=61),
                                   **limits) is None


def test_token_of_one_user_does_not_authenticate_another(app, make_user):
    first, second = make_user(), make_user()
    with app.app_context():
        token = sessions.open_session(find_by_email(first).id)
        limits = {"lifetime": timedelta(hours=8), "idle": timedelta(minutes=60)}
        assert _check(find_by_email(second).id, token, **limits) is None
        assert _check(find_by_email(first).id, token, **limits) is not None
