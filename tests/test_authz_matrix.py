"""The authorization matrix: every route × method × identity × {own object, someone else's}.

Routes are enumerated from ``app.url_map`` (every method but the HEAD and OPTIONS that
Flask adds to each): a route or method without a row in :data:`EXPECTED` fails the
test, and so does a row for a route that no longer exists.
Each row lists, for the eight identities of :data:`tests.authz_world.IDENTITIES` in
that order, the outcome expected on the identity's own objects and on someone else's
(one letter when both are the same; a route without objects has one case per identity):

- ``A`` — answered: the request reached the view (2xx, a redirect other than to the
  sign-in page, or a 4xx about the form such as 400/409);
- ``L`` — redirected to the sign-in page (anonymous);
- ``F`` — 403 Forbidden (the role may not use the route);
- ``N`` — 404 (the object is not this identity's: it is not even confirmed to exist);
- ``U`` — 401: an API operation for tokens (app.api.bearer), which no session reaches.

A 5xx is always unexpected. Requests carry no form data, CSRF is off as in every test,
so a POST that is allowed mostly ends at the form's validation (the few that validate
the form before looking up the object get one in :data:`FORMS`); the outcome checks
who reaches the view, not what it does. Sign-out runs last for each identity.
"""

from __future__ import annotations

import io

import pytest
from flask import url_for

from tests.authz_world import IDENTITIES, OTHER, OWN, build
from tests.conftest import AuthActions, proof

# Columns: anonymous (an), entrepreneur A (eA), entrepreneur B (eB), association representative (rep), officer,
# other officer, supervisor, admin. Two letters: own object, someone else's. Staff routes serve every member of staff on
# any case (cover, supervision; the reads are audited, the workflow decides each action inside the view).
EXPECTED: dict[str, str] = {
#                                                                 an  eA  eB  rep off of2 sup adm
    "GET /":                                                     "A   A   A   A   A   A   A   A",
    "GET /account":                                              "L   A   A   A   A   A   A   A",
    "GET /admin/users":                                          "L   F   F   F   F   F   F   A",
    "GET /admin/users/new":                                      "L   F   F   F   F   F   F   A",
    "GET /api/v1/agreements":                                    "A   A   A   A   A   A   A   A",
    "GET /api/v1/agreements/<number>":                           "A   A   A   A   A   A   A   A",
    "GET /api/v1/complaints":                                    "U   U   U   U   U   U   U   U",
    "GET /api/v1/complaints/<number>":                           "U   U   U   U   U   U   U   U",
    "GET /api/v1/complaints/<number>/events":                    "U   U   U   U   U   U   U   U",
    "GET /api/v1/statistics/staff":                              "U   U   U   U   U   U   U   U",
    "GET /admin/api-tokens":                                     "L   F   F   F   F   F   F   A",
    "GET /api/v1/docs":                                          "A   A   A   A   A   A   A   A",
    "GET /api/v1/openapi.json":                                  "A   A   A   A   A   A   A   A",
    "GET /api/v1/statistics":                                    "A   A   A   A   A   A   A   A",
    "GET /api/v1/verify/<number>":                               "N   N   N   N   N   N   N   N",
    "GET /contacts":                                             "A   A   A   A   A   A   A   A",
    "GET /healthz":                                              "A   A   A   A   A   A   A   A",
    "GET /statistics":                                           "A   A   A   A   A   A   A   A",
    "GET /statistics.csv":                                       "A   A   A   A   A   A   A   A",
    "GET /login":                                                "A   A   A   A   A   A   A   A",
    "GET /notifications":                                        "L   A   A   A   A   A   A   A",
    "GET /portal":                                               "L   A   A   A   F   F   F   F",
    "GET /portal/agreements/<int:agreement_id>":                 "L   N   N   AN  F   F   F   F",
    "GET /portal/agreements/<int:agreement_id>/agreement.pdf":   "L   N   N   AN  F   F   F   F",
    "GET /portal/agreements/<int:agreement_id>/draft.pdf":       "L   N   N   AN  F   F   F   F",
    "GET /portal/associations/<int:association_id>":             "L   N   N   AN  F   F   F   F",
    "GET /portal/associations/<int:association_id>/agreement":   "L   N   N   AN  F   F   F   F",
    "GET /portal/associations/<int:association_id>/complaints":  "L   N   N   AN  F   F   F   F",
    "GET /portal/associations/<int:association_id>/edit":        "L   N   N   AN  F   F   F   F",
    "GET /portal/associations/new":                              "L   A   A   A   F   F   F   F",
    "GET /portal/businesses/<int:business_id>":                  "L   AN  AN  N   F   F   F   F",
    "GET /portal/businesses/<int:business_id>/edit":             "L   AN  AN  N   F   F   F   F",
    "GET /portal/businesses/new":                                "L   A   A   A   F   F   F   F",
    "GET /portal/complaints":                                    "L   A   A   A   F   F   F   F",
    "GET /portal/complaints/<int:complaint_id>":                 "L   AN  AN  N   F   F   F   F",
    "GET /portal/complaints/<int:complaint_id>/documents/<int:document_id>.pdf": "L   AN  AN  N   F   F   F   F",
    "GET /portal/complaints/<int:complaint_id>/evidence/<int:evidence_id>": "L   AN  AN  N   F   F   F   F",
    "GET /portal/complaints/<int:complaint_id>/talon.pdf":       "L   AN  AN  N   F   F   F   F",
    "GET /portal/complaints/new":                                "L   A   A   A   F   F   F   F",
    "GET /register":                                             "A   A   A   A   A   A   A   A",
    "GET /register/check-email":                                 "A   A   A   A   A   A   A   A",
    "GET /password/forgot":                                      "A   A   A   A   A   A   A   A",
    "GET /password/forgot/sent":                                 "A   A   A   A   A   A   A   A",
    "GET /password/reset":                                       "A   A   A   A   A   A   A   A",
    "GET /email/verify":                                         "L   A   A   A   F   F   F   F",
    "GET /sign-in/code":                                         "L   F   F   F   A   A   A   A",
    "GET /sign-in/enrol":                                        "L   F   F   F   A   A   A   A",
    "GET /confirm-identity":                                     "L   A   A   A   A   A   A   A",
    "GET /registry":                                             "A   A   A   A   A   A   A   A",
    "GET /registry/<number>":                                    "A   A   A   A   A   A   A   A",
    "GET /staff/":                                               "L   F   F   F   A   A   A   A",
    "GET /staff/agreements":                                     "L   F   F   F   A   A   A   A",
    "GET /staff/agreements/<int:agreement_id>":                  "L   F   F   F   A   A   A   A",
    "GET /staff/agreements/<int:agreement_id>/agreement.pdf":    "L   F   F   F   A   A   A   A",
    "GET /staff/agreements/<int:agreement_id>/draft.pdf":        "L   F   F   F   A   A   A   A",
    "GET /staff/agreements/<int:agreement_id>/signature.p7s":    "L   F   F   F   N   N   N   N",
    "GET /staff/associations":                                   "L   F   F   F   A   A   A   A",
    "GET /staff/audit":                                          "L   F   F   F   F   F   A   A",
    "GET /staff/audit/verify":                                   "L   F   F   F   F   F   A   A",
    "GET /staff/audit/export.csv":                               "L   F   F   F   F   F   A   A",
    "GET /staff/audit/export.xlsx":                              "L   F   F   F   F   F   A   A",
    "GET /staff/authority":                                      "L   F   F   F   A   A   A   A",
    "GET /staff/authority/<int:proof_id>/file":                  "L   F   F   F   A   A   A   A",
    "GET /staff/businesses":                                     "L   F   F   F   A   A   A   A",
    "GET /staff/complaints":                                     "L   F   F   F   A   A   A   A",
    "GET /staff/complaints/export.csv":                          "L   F   F   F   A   A   A   A",
    "GET /staff/complaints/export.xlsx":                         "L   F   F   F   A   A   A   A",
    "GET /staff/complaints/<int:complaint_id>":                  "L   F   F   F   A   A   A   A",
    "GET /staff/complaints/<int:complaint_id>/documents/<int:document_id>.pdf": "L   F   F   F   A   A   A   A",
    "GET /staff/complaints/<int:complaint_id>/evidence/<int:evidence_id>": "L   F   F   F   A   A   A   A",
    "GET /staff/patterns":                                       "L   F   F   F   A   A   A   A",
    "GET /staff/statistics":                                     "L   F   F   F   A   A   A   A",
    "GET /staff/statistics/export.csv":                          "L   F   F   F   A   A   A   A",
    "GET /staff/statistics/export.xlsx":                         "L   F   F   F   A   A   A   A",
    "GET /staff/statistics/monthly-report":                      "L   F   F   F   F   F   A   A",
    "GET /staff/statistics/monthly-report.pdf":                  "L   F   F   F   F   F   A   A",
    "GET /staff/trust-anchors":                                  "L   F   F   F   F   F   F   A",
    "GET /static/<path:filename>":                               "A   A   A   A   A   A   A   A",
    "GET /verify":                                               "A   A   A   A   A   A   A   A",
    "GET /verify/root.pem":                                      "A   A   A   A   A   A   A   A",
    "POST /account":                                             "L   A   A   A   A   A   A   A",
    "POST /account/profile":                                     "L   A   A   A   A   A   A   A",
    "POST /admin/api-tokens":                                    "L   F   F   F   F   F   F   A",
    "POST /admin/api-tokens/<int:token_id>/revoke":              "L   F   F   F   F   F   F   A",
    "POST /admin/users/<int:user_id>/active":                    "L   F   F   F   F   F   F   A",
    "POST /admin/users/new":                                     "L   F   F   F   F   F   F   A",
    "POST /api/v1/verify":                                       "A   A   A   A   A   A   A   A",
    "POST /login":                                               "A   A   A   A   A   A   A   A",
    "POST /notifications/<int:notification_id>/read":            "L   AN  AN  N   N   N   N   N",
    "POST /notifications/read-all":                              "L   A   A   A   A   A   A   A",
    "POST /portal/agreements/<int:agreement_id>/sign/cms":       "L   N   N   AN  F   F   F   F",
    "POST /portal/agreements/<int:agreement_id>/sign/password":  "L   N   N   AN  F   F   F   F",
    "POST /portal/associations/<int:association_id>/agreements": "L   N   N   AN  F   F   F   F",
    "POST /portal/associations/<int:association_id>/authority":  "L   N   N   AN  F   F   F   F",
    "POST /portal/associations/<int:association_id>/edit":       "L   N   N   AN  F   F   F   F",
    "POST /portal/associations/new":                             "L   A   A   A   F   F   F   F",
    "POST /portal/businesses/<int:business_id>/edit":            "L   AN  AN  N   F   F   F   F",
    "POST /portal/businesses/new":                               "L   A   A   A   F   F   F   F",
    "POST /portal/complaints/<int:complaint_id>/appeal":         "L   AN  AN  N   F   F   F   F",
    "POST /portal/complaints/<int:complaint_id>/info":           "L   AN  AN  N   F   F   F   F",
    "POST /portal/complaints/<int:complaint_id>/messages":       "L   AN  AN  N   F   F   F   F",
    "POST /portal/complaints/new":                               "L   A   A   A   F   F   F   F",
    "POST /register":                                            "A   A   A   A   A   A   A   A",
    "POST /language":                                            "A   A   A   A   A   A   A   A",
    "POST /password/forgot":                                     "A   A   A   A   A   A   A   A",
    "POST /password/reset":                                      "A   A   A   A   A   A   A   A",
    "POST /email/verify":                                        "L   A   A   A   F   F   F   F",
    "POST /email/verify/resend":                                 "L   A   A   A   F   F   F   F",
    "POST /sign-in/code":                                        "L   F   F   F   A   A   A   A",
    "POST /sign-in/enrol":                                       "L   F   F   F   A   A   A   A",
    "POST /confirm-identity":                                    "L   A   A   A   A   A   A   A",
    "POST /admin/users/<int:user_id>/two-factor/reset":          "L   F   F   F   F   F   F   A",
    "POST /staff/agreements/<int:agreement_id>/accept-signature": "L   F   F   F   A   A   A   A",
    "POST /staff/agreements/<int:agreement_id>/countersign":     "L   F   F   F   F   F   A   A",
    "POST /staff/agreements/<int:agreement_id>/return":          "L   F   F   F   F   F   A   A",
    "POST /staff/agreements/<int:agreement_id>/terminate":       "L   F   F   F   F   F   A   A",
    "POST /staff/authority/<int:proof_id>/decision":             "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/assign":          "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/close":           "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/extend":          "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/forward":         "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/messages":        "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/notes":           "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/reject":          "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/request-info":    "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/resolve":         "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/review-appeal":   "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/start":           "L   F   F   F   A   A   A   A",
    "POST /staff/complaints/<int:complaint_id>/take":            "L   F   F   F   A   A   A   A",
    "POST /staff/statistics/monthly-report":                     "L   F   F   F   F   F   A   A",
    "POST /staff/trust-anchors":                                 "L   F   F   F   F   F   F   A",
    "POST /staff/trust-anchors/<int:anchor_id>/remove":          "L   F   F   F   F   F   F   A",
    "POST /staff/trust-anchors/crl":                             "L   F   F   F   F   F   F   A",
    "POST /verify/upload":                                       "A   A   A   A   A   A   A   A",
    "POST /logout":                                              "L   A   A   A   A   A   A   A",
}


# Form data for the POSTs that validate the form before they look up the object, so that
# the request reaches the ownership check (every other POST looks the object up first).
FORMS = {
    "POST /portal/associations/<int:association_id>/authority":
        lambda: {"document": (io.BytesIO(b"%PDF-1.4\n% power of attorney\n%%EOF\n"), "proof.pdf")},
}


def _cells(row: str) -> list[tuple[str, str]]:
    cells = row.split()
    assert len(cells) == len(IDENTITIES) and all(len(c) <= 2 and set(c) <= set("ALFNU") for c in cells), row
    return [(cell[0], cell[-1]) for cell in cells]


def _outcome(response) -> str:
    status, location = response.status_code, response.headers.get("Location", "")
    if status >= 500:
        return "5"
    if status == 302 and location.startswith("/login"):
        return "L"
    if status == 403:
        return "F"
    if status == 404:
        return "N"
    if status == 401:
        return "U"
    return "A"


def _routes(app) -> list[tuple[str, str, object]]:
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((f"{method} {rule.rule}", method, rule))
    # sign-out last: it ends the identity's session
    return sorted(routes, key=lambda route: (route[2].endpoint == "accounts.logout", route[0]))


@pytest.fixture
def world(app, keys):
    return build(app)


def test_authz_matrix(app, world):
    routes = _routes(app)
    keys = [key for key, _, _ in routes]
    missing, stale = sorted(set(keys) - EXPECTED.keys()), sorted(EXPECTED.keys() - set(keys))
    observed: dict[str, list[str]] = {key: [] for key in keys}
    cases, unexpected = 0, []
    for column, identity in enumerate(IDENTITIES):
        client = app.test_client()
        if identity != "anonymous":
            response = AuthActions(client).login(world.emails[identity])
            assert response.status_code == 302, identity
        own = OWN[identity]
        for key, method, rule in routes:
            results = []
            for which in (own, OTHER[own]) if rule.arguments else (own,):
                with app.test_request_context():
                    url = url_for(rule.endpoint, **{name: world.args[which][name] for name in rule.arguments})
                form = FORMS.get(key)
                response = client.open(url, method=method, data=form() if form else None)
                got = _outcome(response)
                response.close()
                results.append(got)
                cases += 1
                expected_row = EXPECTED.get(key)
                if expected_row is not None:
                    want = _cells(expected_row)[column][0 if which == own else 1]
                    if got != want:
                        unexpected.append(f"{key} as {identity} on {'own' if which == own else 'other'}: "
                                          f"{got}, expected {want}")
            observed[key].append(results[0] if len(set(results)) == 1 else "".join(results))
    table = "\n".join(f'    "{key}":{" " * max(1, 58 - len(key))}"{"  ".join(f"{c:<2}" for c in cells).rstrip()}",'
                      for key, cells in observed.items())
    assert not missing and not stale, (f"routes without a row: {missing}; rows without a route: {stale}\n"
                                       f"observed:\n{table}")
    proof(f"authz matrix: {cases} cases, {len(unexpected)} unexpected")
    assert not unexpected, "\n".join(unexpected)


def test_a_new_route_without_a_row_is_caught(app):
    app.add_url_rule("/staff/something-new", "something_new", lambda: "new", methods=["GET", "POST"])
    keys = {key for key, _, _ in _routes(app)}
    assert keys - EXPECTED.keys() == {"GET /staff/something-new", "POST /staff/something-new"}
