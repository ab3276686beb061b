"""Every route × every role. A new route fails here until it is classified below."""

import pytest

from app.accounts.guards import public
from app.accounts.models import Role

ANON = "anonymous"
E, OF, S, A = Role.ENTREPRENEUR, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN
EVERYONE = {ANON, E, OF, S, A}
SIGNED_IN = {E, OF, S, A}
STAFF = {OF, S, A}
# The API's token operations: no session reaches them (401 for everyone without a token).
TOKEN_ONLY = type("TokenOnly", (frozenset,), {})()

# endpoint -> who may use it
ACCESS = {
    "static": EVERYONE,
    "public.index": EVERYONE,
    "public.healthz": EVERYONE,
    "public.contacts_page": EVERYONE,
    "choose_language": EVERYONE,  # POST /language (app.i18n): the session's language; with save, the profile's
    "accounts.register": EVERYONE,
    "accounts.login": EVERYONE,
    "accounts.logout": SIGNED_IN,
    "accounts.account": SIGNED_IN,
    "accounts.account_profile": SIGNED_IN,
    "accounts.staff_users": {A},
    "accounts.staff_user_new": {A},
    "accounts.staff_user_set_active": {A},
    "two_factor.verify": STAFF,
    "two_factor.enrol": STAFF,
    "two_factor.reauthenticate": SIGNED_IN,
    "two_factor.admin_reset": {A},
    "recovery.forgot_password": EVERYONE,
    "recovery.forgot_password_sent": EVERYONE,
    "recovery.reset_password": EVERYONE,
    "recovery.check_email": EVERYONE,
    "recovery.verify_email": {E},
    "recovery.resend_verification": {E},
    "businesses.dashboard": {E},
    "businesses.business_new": {E},
    "businesses.business_detail": {E},
    "businesses.business_edit": {E},
    "businesses.association_new": {E},
    "businesses.association_detail": {E},
    "businesses.association_edit": {E},
    "businesses.staff_businesses": STAFF,
    "businesses.staff_associations": STAFF,
    "agreements.association_home": {E},
    "agreements.authority_upload": {E},
    "agreements.agreement_start": {E},
    "agreements.agreement_detail": {E},
    "agreements.agreement_draft_pdf": {E},
    "agreements.agreement_pdf": {E},
    "agreements.sign_password": {E},
    "agreements.sign_cms": {E},
    "agreements.registry": EVERYONE,
    "agreements.registry_entry": EVERYONE,
    "agreement_review.agreements": STAFF,
    "agreement_review.detail": STAFF,
    "agreement_review.accept_signature": STAFF,
    "agreement_review.return_to_draft": {S, A},
    "agreement_review.countersign": {S, A},
    "agreement_review.terminate": {S, A},
    "agreement_review.draft_pdf": STAFF,
    "agreement_review.agreement_pdf": STAFF,
    "agreement_review.signature_file": STAFF,
    "agreement_review.proofs": STAFF,
    "agreement_review.proof_file": STAFF,
    "agreement_review.proof_decide": STAFF,
    "agreement_review.trust_anchors": {A},
    "agreement_review.trust_anchor_remove": {A},
    "agreement_review.trust_crl_import": {A},
    "documents.verify": EVERYONE,
    "documents.verify_upload": EVERYONE,
    "documents.root_certificate": EVERYONE,
    "documents.api_verify": EVERYONE,
    "documents.api_verify_number": EVERYONE,
    "complaints.appeal": {E},
    "complaints.covered": {E},
    "complaints.detail": {E},
    "complaints.document": {E},
    "complaints.evidence": {E},
    "complaints.index": {E},
    "complaints.new": {E},
    "complaints.post_message": {E},
    "complaints.provide_info": {E},
    "complaints.talon": {E},
    "review.assign": STAFF,
    "review.close": STAFF,
    "review.dashboard": STAFF,
    "review.detail": STAFF,
    "review.document": STAFF,
    "review.evidence": STAFF,
    "review.extend": STAFF,
    "review.forward": STAFF,
    "review.message": STAFF,
    "review.note": STAFF,
    "review.queue": STAFF,
    "review.reject": STAFF,
    "review.request_info": STAFF,
    "review.resolve": STAFF,
    "review.review_appeal": STAFF,
    "review.start_review": STAFF,
    "review.take": STAFF,
    "audit.log": {S, A},
    "exports.audit_csv": {S, A},
    "exports.audit_xlsx": {S, A},
    "exports.queue_csv": STAFF,
    "exports.queue_xlsx": STAFF,
    "exports.statistics_csv": STAFF,
    "exports.statistics_xlsx": STAFF,
    "patterns.patterns_page": STAFF,
    "public_statistics.csv_file": EVERYONE,
    "api_public.agreements": EVERYONE,
    "api_public.agreement": EVERYONE,
    "api_public.statistics": EVERYONE,
    "api_docs.openapi_document": EVERYONE,
    "api_docs.docs": EVERYONE,
    "api_tokens.complaints": TOKEN_ONLY,
    "api_tokens.complaint": TOKEN_ONLY,
    "api_tokens.complaint_events": TOKEN_ONLY,
    "api_tokens.staff_statistics": TOKEN_ONLY,
    "api_admin.tokens_page": {A},
    "api_admin.revoke": {A},
    "public_statistics.page": EVERYONE,
    "statistics.statistics": STAFF,
    "monthly_report.monthly_report_page": {S, A},
    "monthly_report.monthly_report_pdf": {S, A},
    "audit.verify": {S, A},
    "notifications.index": SIGNED_IN,
    "notifications.read": SIGNED_IN,
    "notifications.read_all": SIGNED_IN,
}

SAMPLE_ARGS = {"filename": "css/site.css", "user_id": 999999, "business_id": 999999,
               "association_id": 999999, "agreement_id": 999999, "proof_id": 999999,
               "number": "PBI-A-2026-9999", "complaint_id": 999999, "evidence_id": 999999,
               "document_id": 999999, "notification_id": 999999, "anchor_id": 999999, "token_id": 999999}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unclassified = endpoints - ACCESS.keys()
    assert not unclassified, f"classify these routes in ACCESS: {sorted(unclassified)}"
    assert not ACCESS.keys() - endpoints, "ACCESS lists routes that no longer exist"


def _requests(app):
    for rule in app.url_map.iter_rules():
        method = "GET" if "GET" in rule.methods else "POST"
        args = {name: SAMPLE_ARGS[name] for name in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            yield rule.endpoint, method, url_for(rule.endpoint, **args)


@pytest.mark.parametrize("who", [ANON, E, OF, S, A], ids=str)
def test_route_role_matrix(app, client, signed_in, keys, who):
    if who != ANON:
        signed_in(who)
    for endpoint, method, url in _requests(app):
        if endpoint == "accounts.logout":
            continue  # would end the session for the rest of the loop; checked below
        response = client.open(url, method=method)
        location = response.headers.get("Location", "")
        assert response.status_code < 500, (who, endpoint, response.status_code)
        if ACCESS[endpoint] is TOKEN_ONLY:  # a signed-in session is no token
            assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer"), \
                (who, endpoint, response.status_code)
        elif who in ACCESS[endpoint]:
            assert response.status_code not in (401, 403), (who, endpoint)
            assert not location.startswith("/login"), (who, endpoint)
        elif who == ANON:
            assert response.status_code == 302 and location.startswith("/login?next="), endpoint
        else:
            assert response.status_code == 403, (who, endpoint, response.status_code)
        response.close()


@pytest.mark.parametrize("who", [ANON, E, OF, S, A], ids=str)
def test_logout_route(client, signed_in, who):
    if who != ANON:
        signed_in(who)
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == ("/login?next=/logout" if who == ANON else "/")


def test_route_without_declaration_is_refused(app, client, signed_in):
    @app.route("/_undeclared")
    def undeclared():
        return "should never be served"

    @app.route("/_declared")
    @public
    def declared():
        return "fine"

    signed_in(A)
    assert client.get("/_undeclared").status_code == 403
    assert client.get("/_declared").status_code == 200
