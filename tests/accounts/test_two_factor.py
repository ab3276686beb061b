"""Staff two-factor sign-in: enrolment, the code step, recovery codes, throttling, reset."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app import demo
from app.accounts import guards, two_factor
from app.accounts.models import Role, UserSession
from app.accounts.services import find_by_email
from app.accounts.two_factor_models import RecoveryCode, SecondFactor
from app.audit.models import AuditEntry
from app.documents.runtime import keystore
from app.extensions import db
from app.security import CONTENT_SECURITY_POLICY
from tests.conftest import build_app
from tests.factories import PASSWORD, TEST_TOTP_SECRET, add_user, sign_in, totp_code

README = Path(__file__).resolve().parents[2] / "README.md"


def password_only(client, email: str):
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def actions(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def code_now(secret: str = TEST_TOTP_SECRET, offset: int = 0) -> str:
    return two_factor.code_at(secret, two_factor.current_step() + offset)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.ADMIN])
def test_staff_without_enrolment_must_enrol_before_any_staff_page(app, client, role):
    email = add_user(app, role, enrolled=False)
    password_only(client, email)
    first = client.get("/staff/")
    assert first.status_code == 302 and first.headers["Location"].startswith("/sign-in/code?next=/staff/")
    step = client.get(first.headers["Location"])
    assert step.status_code == 302 and step.headers["Location"].startswith("/sign-in/enrol")
    page = client.get(step.headers["Location"] + "&lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY  # nothing loosened
    assert 'src="data:image/svg+xml' in html  # the QR code, inline (img-src data:)
    with app.app_context():
        factor = db.session.get(SecondFactor, find_by_email(email).id)
        secret, confirmed = factor.secret, factor.confirmed_at
    assert confirmed is None and re.fullmatch(r"[A-Z2-7]{32}", secret) and secret in html
    assert client.get("/staff/").status_code == 302  # still only half signed in

    done = client.post("/sign-in/enrol?next=/staff/complaints&lang=en", data={"code": code_now(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-7]{4}(?:-[a-z2-7]{4}){5})</code>", done.get_data(as_text=True))
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT == len(set(codes))
    assert 'href="/staff/complaints"' in done.get_data(as_text=True)
    assert client.get("/staff/complaints").status_code == 200
    with app.app_context():
        stored = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes}  # hashed, not the codes
    assert [e.subject_id for e in actions(app, "auth.two_factor_enrolled")] == [str(find_id(app, email))]


def find_id(app, email: str) -> int:
    with app.app_context():
        return find_by_email(email).id


def test_enrolment_with_a_wrong_code_is_refused_and_audited(app, client):
    email = add_user(app, Role.OFFICER, enrolled=False)
    password_only(client, email)
    client.get("/sign-in/enrol")
    response = client.post("/sign-in/enrol?lang=en", data={"code": "000000"})
    assert response.status_code == 401
    assert "The code is not correct" in response.get_data(as_text=True)
    assert len(actions(app, "auth.two_factor_enrolment_failed")) == 1
    assert not two_factor_enrolled(app, email)


def two_factor_enrolled(app, email: str) -> bool:
    with app.app_context():
        return two_factor.is_enrolled(find_by_email(email).id)


def test_half_signed_in_reaches_only_the_second_step_and_sign_out(app, client, keys):
    email = add_user(app, Role.ADMIN)
    password_only(client, email)
    allowed = {"two_factor.verify", "two_factor.enrol", "accounts.logout", "static"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in allowed or rule.arguments - {"user_id", "complaint_id", "agreement_id"}:
            continue
        if guards.access_of(app, rule.endpoint) == guards.BEARER_TOKEN:
            continue  # the API's token operations do not look at the session (tests/api)
        method = "GET" if "GET" in rule.methods else "POST"
        url = rule.rule.replace("<int:user_id>", "1").replace("<int:complaint_id>", "1").replace(
            "<int:agreement_id>", "1")
        response = client.open(url, method=method)
        assert response.status_code == 302, (rule.endpoint, response.status_code)
        assert response.headers["Location"].startswith("/sign-in/code"), rule.endpoint
        checked += 1
    assert checked > 40
    assert client.get("/sign-in/code").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/sign-in/code").headers["Location"].startswith("/login")


def test_the_code_step_completes_the_sign_in_and_keeps_next(app, client):
    email = add_user(app, Role.OFFICER)
    password_only(client, email)
    response = client.post("/sign-in/code?next=/staff/complaints", data={"code": code_now()})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/complaints"
    assert client.get("/staff/complaints").status_code == 200
    assert len(actions(app, "auth.two_factor_passed")) == 1
    with app.app_context():
        record = db.session.scalars(select(UserSession).where(UserSession.revoked_at.is_(None))).one()
        assert record.second_factor_at is not None and record.authenticated_at is not None


def test_the_session_is_renewed_when_the_second_factor_is_passed(app, client):
    email = add_user(app, Role.OFFICER)
    password_only(client, email)
    half = client.get_cookie("pbi_session").value
    assert client.post("/sign-in/code", data={"code": code_now()}).status_code == 302
    assert client.get_cookie("pbi_session").value != half
    copied = app.test_client()
    copied.set_cookie("pbi_session", half)
    assert copied.get("/staff/").headers["Location"].startswith("/login")  # the old session has ended


def test_next_after_the_code_step_is_local_only(app, client):
    email = add_user(app, Role.OFFICER)
    password_only(client, email)
    response = client.post("/sign-in/code?next=//evil.example/", data={"code": code_now()})
    assert response.headers["Location"] == "/staff/"


def test_a_wrong_code_is_refused_and_audited(app, client):
    email = add_user(app, Role.SUPERVISOR)
    password_only(client, email)
    response = client.post("/sign-in/code?lang=en", data={"code": code_now(offset=5)})
    assert response.status_code == 401
    assert "The code is not correct" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302
    failures = actions(app, "auth.two_factor_failed")
    assert len(failures) == 1 and failures[0].actor_label == email
    assert code_now(offset=5) not in str(failures[0].details)  # no code in the audit log


def test_one_step_of_clock_drift_is_allowed_two_are_not(app):
    email = add_user(app, Role.OFFICER)
    with app.app_context():
        user = find_by_email(email)
        with pytest.raises(two_factor.WrongCode):
            two_factor.verify(user, code_now(offset=-2))
        assert two_factor.verify(user, code_now(offset=-1)).method == "totp"
        assert two_factor.verify(user, code_now(offset=1)).method == "totp"


def test_a_code_is_accepted_only_once(app):
    email = add_user(app, Role.OFFICER)
    first, second = app.test_client(), app.test_client()
    code = code_now()
    password_only(first, email)
    password_only(second, email)
    assert first.post("/sign-in/code", data={"code": code}).status_code == 302
    assert second.post("/sign-in/code", data={"code": code}).status_code == 401  # replayed
    # An earlier step than the last one used is refused too.
    assert second.post("/sign-in/code", data={"code": code_now(offset=-1)}).status_code == 401
    assert second.post("/sign-in/code", data={"code": code_now(offset=1)}).status_code == 302


def test_recovery_codes_work_once_each(app, client):
    email = add_user(app, Role.OFFICER)
    with app.app_context():
        codes = two_factor.new_recovery_codes(find_by_email(email))
        db.session.commit()
    password_only(client, email)
    response = client.post("/sign-in/code?lang=en", data={"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    assert len(actions(app, "auth.recovery_code_used")) == 1
    again = app.test_client()
    password_only(again, email)
    assert again.post("/sign-in/code", data={"code": codes[0]}).status_code == 401
    assert again.post("/sign-in/code", data={"code": codes[1]}).status_code == 302
    with app.app_context():
        assert two_factor.recovery_codes_left(find_by_email(email).id) == 8


def test_entrepreneurs_sign_in_with_the_password_alone(app, client):
    email = add_user(app)
    password_only(client, email)
    assert client.get("/portal").status_code == 200
    assert client.get("/sign-in/code").status_code == 403


@pytest.fixture
def throttled_app(tmp_path):
    """Limits on, counted in the app's shared storage (instance/ratelimits.sqlite)."""
    return build_app(tmp_path, RATELIMIT_ENABLED=True, PBI_TWO_FACTOR_LIMIT_PER_ACCOUNT="3 per 2 seconds",
                     PBI_TWO_FACTOR_LIMIT_PER_IP="1000 per minute")


def test_wrong_codes_are_throttled_per_account_and_the_window_ends(throttled_app):
    app = throttled_app
    email, other = add_user(app, Role.OFFICER), add_user(app, Role.OFFICER)
    client = app.test_client()
    password_only(client, email)
    statuses = [client.post("/sign-in/code", data={"code": code_now(offset=5)}).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    assert client.post("/sign-in/code", data={"code": code_now()}).status_code == 429  # even the right one
    assert Path(app.instance_path, "ratelimits.sqlite").exists()  # shared by all workers of the server
    # The count is per account: another officer from the same address is not held up ...
    neighbour = app.test_client()
    password_only(neighbour, other)
    assert neighbour.post("/sign-in/code", data={"code": code_now()}).status_code == 302
    # ... and the real user is never locked out for good: the window ends.
    time.sleep(2.1)
    assert client.post("/sign-in/code", data={"code": totp_code(app, email)}).status_code == 302


def test_wrong_codes_are_throttled_per_address(tmp_path):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, PBI_TWO_FACTOR_LIMIT_PER_IP="2 per minute")
    first, second = add_user(app, Role.OFFICER), add_user(app, Role.OFFICER)
    statuses = []
    for email in (first, second):
        client = app.test_client()
        password_only(client, email)
        statuses += [client.post("/sign-in/code", data={"code": code_now(offset=5)}).status_code for _ in range(2)]
    assert statuses == [401, 401, 429, 429]


def test_admin_resets_a_users_second_factor(app, client, signed_in):
    target = add_user(app, Role.OFFICER)
    victim_device = app.test_client()
    assert sign_in(victim_device, target).status_code == 302
    assert victim_device.get("/staff/").status_code == 200
    admin = signed_in(Role.ADMIN)
    page = client.get("/admin/users?lang=en").get_data(as_text=True)
    target_id = find_id(app, target)
    assert f'action="/admin/users/{target_id}/two-factor/reset"' in page
    response = client.post(f"/admin/users/{target_id}/two-factor/reset")
    assert response.status_code == 302
    assert not two_factor_enrolled(app, target)
    assert victim_device.get("/staff/").status_code == 302  # their sessions have ended
    entries = actions(app, "auth.two_factor_reset")
    assert [(e.actor_label, e.subject_id) for e in entries] == [(admin, str(target_id))]
    fresh = app.test_client()
    password_only(fresh, target)
    assert fresh.get("/sign-in/code").headers["Location"].startswith("/sign-in/enrol")


def test_only_admins_reset_second_factors(app, client, signed_in):
    target = add_user(app, Role.OFFICER)
    signed_in(Role.SUPERVISOR)
    assert client.post(f"/admin/users/{find_id(app, target)}/two-factor/reset").status_code == 403
    assert two_factor_enrolled(app, target)


def test_cli_resets_a_second_factor(app, runner):
    target = add_user(app, Role.SUPERVISOR)
    result = runner.invoke(args=["users", "reset-2fa", "--email", target.upper()])
    assert result.exit_code == 0, result.output
    assert not two_factor_enrolled(app, target)
    entry = actions(app, "auth.two_factor_reset")[0]
    assert entry.actor_id is None and entry.actor_label.startswith("command line")
    unknown = runner.invoke(args=["users", "reset-2fa", "--email", "nobody@example.kz"])
    assert unknown.exit_code != 0 and "no account" in unknown.output


def test_demo_staff_use_the_secret_printed_in_the_readme(app):
    assert demo.DEMO_TOTP_SECRET in README.read_text(encoding="utf-8")
    with app.app_context():
        keystore().initialize()
        demo.create()
    client = app.test_client()
    officer = f"officer1@{demo.DEMO_DOMAIN}"
    assert client.post("/login", data={"email": officer, "password": demo.DEMO_PASSWORD}).status_code == 302
    assert client.post("/sign-in/code", data={"code": code_now(demo.DEMO_TOTP_SECRET)}).status_code == 302
    assert client.get("/staff/").status_code == 200
    with app.app_context():
        staff = [u for u in demo.logins() if u.role != "entrepreneur"]
        assert all(two_factor.is_enrolled(find_by_email(u.email).id) for u in staff)


def test_migration_0005_upgrades_downgrades_and_upgrades_again(tmp_path):
    """On the run's backend (SQLite, or PostgreSQL with PBI_TEST_BACKEND=postgresql)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from app import create_app
    from tests.conftest import base_config, database_uri

    app = create_app({**base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path, empty=True)})
    try:
        with app.app_context():
            upgrade()
            tables = inspect(db.engine).get_table_names()
            assert {"second_factors", "recovery_codes"} <= set(tables)
            downgrade(revision="0005_audit_failures")  # the revision before it
            inspector = inspect(db.engine)
            assert "second_factors" not in inspector.get_table_names()
            assert "second_factor_at" not in {c["name"] for c in inspector.get_columns("user_sessions")}
            upgrade()
            assert "authenticated_at" in {c["name"] for c in inspect(db.engine).get_columns("user_sessions")}
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
