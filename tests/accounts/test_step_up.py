"""Step-up re-authentication before countersigning, signing, extending, trust changes, 2FA resets."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.accounts import two_factor
from app.accounts.models import Role, UserSession
from app.accounts.services import find_by_email
from app.agreements.models import Agreement
from app.audit.models import AuditEntry
from app.extensions import db
from app.timeutil import utcnow
from tests.conftest import build_app
from tests.factories import TEST_TOTP_SECRET, add_user, sign_in, signed_agreement, totp_code

STEPPED_UP = {
    "agreement_review.countersign", "agreement_review.trust_anchors", "agreement_review.trust_anchor_remove",
    "agreement_review.trust_crl_import",
    "review.extend", "agreements.sign_cms", "two_factor.admin_reset",
    "exports.queue_csv", "exports.queue_xlsx", "exports.audit_csv", "exports.audit_xlsx",
    "exports.statistics_csv", "exports.statistics_xlsx", "api_admin.tokens_page", "api_admin.revoke",
}


def age_sessions(app, minutes: int = 6) -> None:
    """Make every session's last authentication ``minutes`` old."""
    with app.app_context():
        db.session.execute(update(UserSession).values(authenticated_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()


def actions(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_sensitive_actions_are_the_stepped_up_ones(app):
    marked = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "_pbi_step_up", False)}
    assert marked == STEPPED_UP


def test_countersigning_needs_a_recent_password_and_code(app, client, auth, parties):
    agreement_id = signed_agreement(app, parties, render=False)
    assert auth.login(parties.supervisor).status_code == 302
    age_sessions(app)
    url = f"/staff/agreements/{agreement_id}/countersign"
    refused = client.post(url)
    assert refused.status_code == 302
    assert refused.headers["Location"] == f"/confirm-identity?next=/staff/agreements/{agreement_id}"
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).status == "signed_by_association"  # nothing done

    page = client.get(refused.headers["Location"] + "&lang=en")
    assert page.status_code == 200 and "Code from the authenticator app" in page.get_data(as_text=True)
    # The password alone is not enough for staff; a wrong password is refused and audited.
    assert client.post("/confirm-identity", data={"password": "correct horse battery staple"}).status_code == 401
    assert client.post("/confirm-identity", data={"password": "wrong", "code": "123456"}).status_code == 401
    assert len(actions(app, "auth.step_up_failed")) == 2
    assert client.post(url).status_code == 302 and client.post(url).headers["Location"].startswith("/confirm")

    confirmed = client.post(f"/confirm-identity?next=/staff/agreements/{agreement_id}",
                            data={"password": "correct horse battery staple",
                                  "code": totp_code(app, parties.supervisor)})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == f"/staff/agreements/{agreement_id}"
    assert len(actions(app, "auth.step_up")) == 1
    assert client.post(url, data={"confirmed": "yes"}).headers["Location"] == f"/staff/agreements/{agreement_id}"
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).status == "active"


def test_a_fresh_sign_in_counts_for_the_window_only(app, client, auth):
    email = add_user(app, Role.ADMIN)
    auth.login(email)
    # Fresh: the action runs (an unknown certificate is a 404) ...
    assert client.post("/staff/trust-anchors/999999/remove").status_code == 404
    # ... PBI_STEP_UP_MINUTES later it asks again.
    age_sessions(app, app.config["PBI_STEP_UP_MINUTES"] + 1)
    stale = client.post("/staff/trust-anchors/999999/remove")
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/confirm-identity")
    # Showing a page needs no step-up; changing something does.
    assert client.get("/staff/trust-anchors").status_code == 200
    assert client.post("/staff/trust-anchors").headers["Location"].startswith("/confirm-identity")


def test_extending_a_deadline_steps_up(app, client, auth):
    email = add_user(app, Role.SUPERVISOR)
    auth.login(email)
    age_sessions(app)
    response = client.post("/staff/complaints/1/extend", data={"until": "2027-01-01", "comment": "x"})
    assert response.headers["Location"] == "/confirm-identity?next=/staff/complaints/1"


def test_a_used_code_does_not_step_up_again(app, client, auth):
    email = add_user(app, Role.OFFICER)
    auth.login(email)
    with app.app_context():
        factor = two_factor.factor_of(find_by_email(email).id)
        used = two_factor.code_at(TEST_TOTP_SECRET, factor.last_used_step)
    age_sessions(app)
    response = client.post("/confirm-identity", data={"password": "correct horse battery staple", "code": used})
    assert response.status_code == 401


def test_entrepreneurs_step_up_with_the_password(app, client, auth, parties):
    agreement_id = signed_agreement(app, parties, render=False)
    auth.login(parties.representative)
    age_sessions(app)
    response = client.post(f"/portal/agreements/{agreement_id}/sign/cms")
    assert response.headers["Location"] == f"/confirm-identity?next=/portal/agreements/{agreement_id}"
    page = client.get("/confirm-identity?lang=en").get_data(as_text=True)
    assert "Code from the authenticator app" not in page
    ok = client.post("/confirm-identity", data={"password": "correct horse battery staple"})
    assert ok.status_code == 302
    # Fresh now: the request reaches the view (which refuses the missing file itself).
    assert not client.post(f"/portal/agreements/{agreement_id}/sign/cms").headers.get(
        "Location", "").startswith("/confirm-identity")


def test_the_window_is_configurable(tmp_path):
    app = build_app(tmp_path, PBI_STEP_UP_MINUTES=1)
    email = add_user(app, Role.ADMIN)
    client = app.test_client()
    sign_in(client, email)
    age_sessions(app, 2)
    assert client.post("/staff/trust-anchors/1/remove").headers["Location"].startswith("/confirm-identity")
