"""API tokens: kept only as a hash, created once by an admin or the command, refused when revoked,
expired or sent in the address, rate-limited per token, and every use in the audit log."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select, text

from app.api import tokens
from app.api.token_models import ApiToken
from app.audit.models import AuditEntry
from app.extensions import db
from tests.accounts.test_step_up import age_sessions
from tests.api.token_world import bearer
from tests.conftest import build_app
from tests.factories import add_user


def _entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _token(app, *scopes: str, days: int = 30) -> str:
    with app.app_context():
        _row, secret = tokens.create(name="Akimat monitoring", scopes=scopes or [tokens.COMPLAINTS_READ], days=days)
        db.session.commit()
        return secret


def test_only_the_hash_of_a_token_is_stored_and_nothing_else_holds_it(app, client):
    secret = _token(app)
    assert secret.startswith("pbi_") and len(secret) == 47
    assert client.get("/api/v1/complaints", headers=bearer(secret)).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and row.prefix == secret[:12]
        for table in ("api_tokens", "audit_log"):
            dump = "\n".join(str(tuple(r)) for r in db.session.execute(text(f"SELECT * FROM {table}")))  # noqa: S608
            assert secret not in dump and secret[12:] not in dump, table


@pytest.mark.parametrize(("name", "scopes", "days"), [
    ("", [tokens.COMPLAINTS_READ], 30), ("x" * 101, [tokens.COMPLAINTS_READ], 30), ("A", [], 30),
    ("A", ["complaints:write"], 30), ("A", [tokens.COMPLAINTS_READ], 0), ("A", [tokens.COMPLAINTS_READ], 366),
])
def test_a_token_that_cannot_be_created_is_refused(app, name, scopes, days):
    with app.app_context(), pytest.raises(tokens.TokenError):
        tokens.create(name=name, scopes=scopes, days=days)


def test_every_use_is_audited_and_recorded_as_the_last_use(app, client):
    secret = _token(app)
    answer = client.get("/api/v1/complaints?status=registered&limit=5", headers=bearer(secret))
    assert answer.status_code == 200
    use = _entries(app, "api.token_use")[-1]
    assert use.actor_label.startswith("api-token:") and use.actor_label.endswith(secret[:12])
    assert '"operation":"listComplaints"' in use.details and '"status":"registered"' in use.details
    with app.app_context():
        assert db.session.scalar(select(ApiToken)).last_used_at is not None


def test_revoked_expired_and_out_of_scope_tokens_are_refused_and_audited(app, client):
    secret = _token(app, tokens.STATISTICS_READ)
    out_of_scope = client.get("/api/v1/complaints", headers=bearer(secret))
    assert out_of_scope.status_code == 403 and out_of_scope.get_json()["scope"] == "complaints:read"
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        tokens.revoke(token.id)
        db.session.commit()
    revoked = client.get("/api/v1/statistics/staff", headers={**bearer(secret), "Accept-Language": "en"})
    assert revoked.status_code == 401 and revoked.get_json()["reason"] == "revoked"
    assert "revoked" in revoked.get_json()["detail"]
    assert 'error="invalid_token"' in revoked.headers["WWW-Authenticate"]
    expired = _token(app, tokens.STATISTICS_READ)
    with app.app_context():
        db.session.execute(text("UPDATE api_tokens SET expires_at = created_at WHERE revoked_at IS NULL"))
        db.session.commit()
    assert client.get("/api/v1/statistics/staff", headers=bearer(expired)).get_json()["reason"] == "expired"
    reasons = [entry.details for entry in _entries(app, "api.token_refused")]
    assert len(reasons) == 3 and "insufficient_scope" in reasons[0] and "revoked" in reasons[1]


@pytest.mark.parametrize("query", ["access_token={secret}", "token={secret}", "q={secret}"])
def test_a_token_in_the_address_is_refused(app, client, query):
    secret = _token(app)
    answer = client.get(f"/api/v1/complaints?{query.format(secret=secret)}", headers=bearer(secret))
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert not _entries(app, "api.token_use")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic pbi_x", "bearer pbi_short", "Token " + "a" * 47])
def test_a_header_that_holds_no_token_is_a_401(client, header):
    answer = client.get("/api/v1/complaints", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_are_rate_limited_each_on_its_own(tmp_path):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                    PBI_API_TOKEN_LIMIT="3 per minute")
    client = app.test_client()
    first, second = _token(app), _token(app)
    statuses = [client.get("/api/v1/complaints", headers=bearer(first)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/complaints/PBI-C-2026-000001", headers=bearer(first))
    assert limited.status_code == 429 and limited.headers["Retry-After"]  # one limit for all the operations
    assert client.get("/api/v1/complaints", headers=bearer(second)).status_code == 200


def test_refusals_are_rate_limited_per_address(tmp_path):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                    PBI_API_REFUSAL_LIMIT="3 per minute")
    client = app.test_client()
    secret = _token(app)
    guesses = [client.get("/api/v1/complaints", headers=bearer("pbi_" + "x" * 43)).status_code for _ in range(4)]
    assert guesses == [401, 401, 401, 429]
    assert client.get("/api/v1/complaints", headers=bearer(secret)).status_code == 429  # the address waits
    other = client.get("/api/v1/complaints", headers=bearer(secret), environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200  # successes are not counted, other addresses are not affected


def test_the_command_creates_lists_and_revokes(app, client, runner):
    created = runner.invoke(args=["api-tokens", "create", "--name", "Akimat", "--scope", "complaints:read",
                                  "--scope", "statistics:read", "--days", "10"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret.startswith("pbi_") and client.get("/api/v1/statistics/staff", headers=bearer(secret)).status_code \
        == 200
    listed = runner.invoke(args=["api-tokens", "list"])
    assert "active" in listed.output and secret[:12] in listed.output and secret not in listed.output
    assert runner.invoke(args=["api-tokens", "revoke", "1"]).exit_code == 0
    assert client.get("/api/v1/statistics/staff", headers=bearer(secret)).status_code == 401
    assert runner.invoke(args=["api-tokens", "create", "--name", "A", "--scope", "complaints:write"]).exit_code == 2
    assert runner.invoke(args=["api-tokens", "revoke", "99"]).exit_code == 1


def test_an_admin_creates_a_token_seen_once_and_revokes_it(app, client, auth):
    admin = add_user(app, "admin")
    assert auth.login(admin).status_code == 302
    page = client.get("/admin/api-tokens?lang=en")
    assert page.status_code == 200 and "Create a token" in page.get_data(as_text=True)
    refused = client.post("/admin/api-tokens?lang=en", data={"name": "", "days": "999"})
    assert refused.status_code == 400 and "Enter a number from 1 to 365" in refused.get_data(as_text=True)
    created = client.post("/admin/api-tokens", data={"name": "Akimat", "scopes": ["complaints:read"], "days": "30"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
    secret = re.search(r"pbi_[A-Za-z0-9_-]{43}", created.get_data(as_text=True)).group()
    assert hashlib.sha256(secret.encode()).hexdigest() == token.secret_hash
    assert secret not in client.get("/admin/api-tokens").get_data(as_text=True)  # shown once
    assert client.get("/api/v1/complaints", headers=bearer(secret)).status_code == 200
    age_sessions(app)
    stale = client.post(f"/admin/api-tokens/{token.id}/revoke")
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/confirm-identity")
    assert client.get("/api/v1/complaints", headers=bearer(secret)).status_code == 200  # not revoked yet
    assert [e.actor_label for e in _entries(app, "api.token_created")] == [admin]
