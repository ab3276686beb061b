"""The review desk over HTTP: refused forms keep what was typed, the complainant's contacts, confirmations."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.complaints.models import CaseMessage, Complaint, ComplaintEvent
from app.documents.models import Document
from app.extensions import db
from tests.factories import (
    PASSWORD,
    active_agreement,
    add_user,
    filed_complaint,
    make_association,
    make_business,
    sign_in,
    signed_agreement,
)

# A long answer typed with care: it must come back whole after a refusal.
LONG = ("Тексеру барысында анықталған мән-жайлар бойынша толық негіздеме. " * 40).strip()
REASON = LONG[:1500].strip()  # the extension's reason: at most 2,000 characters
TOO_LONG = "Шектен тыс ұзын мәтін " + "ә" * 10001  # over the 10,000-character limit of the case texts
TOO_LONG_REASON = "Шектен тыс ұзын себеп " + "ө" * 2001  # over the 2,000-character limit of agreement reasons


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email, PASSWORD).status_code == 302
    return client


@pytest.fixture
def desk(app, keys):
    """A complaint under consideration by an officer: (id, clients by role, e-mails)."""
    owner, officer, supervisor = add_user(app), add_user(app, "officer"), add_user(app, "supervisor")
    complaint_id = filed_complaint(app, owner, make_business(app, owner))
    clients = {"owner": _client(app, owner), "officer": _client(app, officer), "supervisor": _client(app, supervisor)}
    staff = f"/staff/complaints/{complaint_id}"
    clients["officer"].post(f"{staff}/take")
    clients["officer"].post(f"{staff}/start")
    return complaint_id, clients, {"owner": owner, "officer": officer, "supervisor": supervisor}


def _status(app, complaint_id):
    with app.app_context():
        return db.session.get(Complaint, complaint_id).status


def _changes(app, complaint_id) -> tuple:
    """What a refused submission must not change: status, events, messages, documents."""
    with app.app_context():
        return (db.session.get(Complaint, complaint_id).status,
                db.session.scalar(select(func.count()).select_from(ComplaintEvent)
                                  .where(ComplaintEvent.complaint_id == complaint_id)),
                db.session.scalar(select(func.count()).select_from(CaseMessage)
                                  .where(CaseMessage.complaint_id == complaint_id)),
                db.session.scalar(select(func.count()).select_from(Document)))


def _to_state(clients, complaint_id, state: str) -> None:
    staff = f"/staff/complaints/{complaint_id}"
    if state == "info_requested":
        assert clients["officer"].post(f"{staff}/request-info", data={"comment": "Актіні жіберіңіз"}).status_code == 302
    elif state == "resolved":
        assert clients["officer"].post(f"{staff}/resolve", data={
            "outcome": "not_confirmed", "comment": "Расталмады.", "confirmed": "yes"}).status_code == 302


# (who, path after the case, state, data, id of the field the error names, the text that must come back)
COMPLAINT_FORMS = {
    "resolve without an outcome": ("officer", "resolve", "in_review", {"comment": LONG}, "resolve-outcome", LONG),
    "resolve with an unknown outcome": ("officer", "resolve", "in_review", {"outcome": "maybe", "comment": LONG},
                                        "resolve-outcome", LONG),
    "forward without the body": ("officer", "forward", "in_review", {"body_name": "", "comment": LONG},
                                 "forward-body-name", LONG),
    "forward with an overlong note": ("officer", "forward", "in_review",
                                      {"body_name": "Облыс прокуратурасы", "comment": TOO_LONG},
                                      "forward-comment", TOO_LONG),
    "reject with an overlong reason": ("officer", "reject", "in_review", {"comment": TOO_LONG}, "reject-comment",
                                       TOO_LONG),
    "request information, overlong": ("officer", "request-info", "in_review", {"comment": TOO_LONG},
                                      "request-comment", TOO_LONG),
    "extend without a date": ("supervisor", "extend", "in_review", {"until": "", "comment": REASON},
                              "extend-until", REASON),
    "extend to a date too far": ("supervisor", "extend", "in_review", {"until": "2027-12-31", "comment": REASON},
                                 "extend-until", REASON),
    "internal note, overlong": ("officer", "notes", "in_review", {"body": TOO_LONG}, "note-body", TOO_LONG),
    "message to the complainant, overlong": ("officer", "messages", "in_review", {"body": TOO_LONG},
                                             "message-body", TOO_LONG),
    "portal message, overlong": ("owner", "messages", "in_review", {"body": TOO_LONG}, "message-body", TOO_LONG),
    "portal answer, overlong": ("owner", "info", "info_requested", {"comment": TOO_LONG}, "answer-comment", TOO_LONG),
    "portal appeal, overlong": ("owner", "appeal", "resolved", {"comment": TOO_LONG}, "appeal-comment", TOO_LONG),
}


@pytest.mark.parametrize("case_form", list(COMPLAINT_FORMS), ids=list(COMPLAINT_FORMS))
def test_a_refused_case_form_keeps_the_text_and_names_the_field(app, desk, case_form):
    who, path, state, data, field_id, kept = COMPLAINT_FORMS[case_form]
    complaint_id, clients, _emails = desk
    _to_state(clients, complaint_id, state)
    before = _changes(app, complaint_id)
    prefix = "/portal" if who == "owner" else "/staff"
    answer = clients[who].post(f"{prefix}/complaints/{complaint_id}/{path}?lang=en", data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert kept in html  # the whole text typed, back in its field
    assert f'id="{field_id}-error"' in html and f'aria-describedby="{field_id}' in html  # the error is at that field
    assert _changes(app, complaint_id) == before  # nothing saved


def test_errors_speak_the_users_language(app, desk):
    complaint_id, clients, _ = desk
    answer = clients["officer"].post(f"/staff/complaints/{complaint_id}/resolve?lang=kk", data={"comment": LONG})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "Бұл өрісті толтыру міндетті." in html and LONG in html
    russian = clients["officer"].post(f"/staff/complaints/{complaint_id}/resolve?lang=ru", data={"comment": LONG})
    assert "Это поле обязательно для заполнения." in russian.get_data(as_text=True)


# --- agreements -------------------------------------------------------------------------------

@pytest.fixture
def agreement_desk(app, keys):
    parties = make_association(app)
    signed = signed_agreement(app, parties, render=False)
    active = active_agreement(app, make_association(app))
    return parties, signed, active


AGREEMENT_FORMS = {
    "return, overlong": ("signed", "return", {"comment": TOO_LONG_REASON}, "return-comment", TOO_LONG_REASON),
    "terminate, overlong": ("active", "terminate", {"comment": TOO_LONG_REASON}, "terminate-comment",
                            TOO_LONG_REASON),
}


@pytest.mark.parametrize("agreement_form", list(AGREEMENT_FORMS), ids=list(AGREEMENT_FORMS))
def test_a_refused_agreement_form_keeps_the_text_and_names_the_field(app, agreement_desk, agreement_form):
    parties, signed, active = agreement_desk
    which, path, data, field_id, kept = AGREEMENT_FORMS[agreement_form]
    agreement_id = signed if which == "signed" else active
    supervisor = _client(app, parties.supervisor)
    answer = supervisor.post(f"/staff/agreements/{agreement_id}/{path}?lang=en", data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and kept in html and f'id="{field_id}-error"' in html


def test_a_refused_authority_decision_keeps_the_reason(app, keys):
    parties = make_association(app, verified=False)
    from app.agreements import services
    from tests.factories import PROOF_PDF
    with app.app_context():
        proof = services.submit_authority_proof(parties.user("representative"), parties.association_id, PROOF_PDF,
                                                "proof.pdf")
        db.session.commit()
        proof_id = proof.id
    officer = _client(app, parties.officer)
    reason = "Сенімхатта қол қою құқығы көрсетілмеген, құжатты қайта жіберіңіз."
    answer = officer.post(f"/staff/authority/{proof_id}/decision?lang=en", data={"reason": reason})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and reason in html and f'id="decision-{proof_id}-error"' in html
    refused = officer.post(f"/staff/authority/{proof_id}/decision?lang=en", data={"decision": "refuse", "reason": ""})
    assert refused.status_code == 400 and f'id="reason-{proof_id}-error"' in refused.get_data(as_text=True)


def test_a_wrong_signing_password_is_said_beside_the_field(app, keys):
    parties = make_association(app)
    representative = _client(app, parties.representative)
    from app.agreements import rendering, services
    with app.app_context():
        agreement = services.start_agreement(parties.user("representative"), parties.association_id)
        db.session.commit()
        services.ensure_draft_pdf(agreement.id, rendering.draft_html)
        agreement_id = agreement.id
    answer = representative.post(f"/portal/agreements/{agreement_id}/sign/password?lang=en",
                                 data={"password": "not my password"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'id="password-error"' in html and "The password is incorrect." in html
    assert "not my password" not in html  # a password is never sent back


# --- the complainant's contacts -------------------------------------------------------------

def _reads(app, number: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "complaint.read",
                                                           AuditEntry.subject_id == number).order_by(AuditEntry.id))
        return [json.loads(row.details) | {"actor": row.actor_label} for row in rows]


def test_contacts_shown_and_audited_for_the_assigned_officer_not_for_another(app, desk):
    complaint_id, clients, emails = desk
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        number, phone = complaint.number, "+77011234567"  # the factories' complainant phone
    page = clients["officer"].get(f"/staff/complaints/{complaint_id}?lang=en").get_data(as_text=True)
    assert phone in page and emails["owner"] in page
    last = _reads(app, number)[-1]
    assert last == {"what": "case", "confidential": True, "contacts": True, "actor": emails["officer"]}

    other = add_user(app, "officer")
    other_page = _client(app, other).get(f"/staff/complaints/{complaint_id}?lang=en").get_data(as_text=True)
    assert phone not in other_page and emails["owner"] not in other_page
    last = _reads(app, number)[-1]
    assert last == {"what": "case", "confidential": True, "actor": other}  # the case read, no contacts read

    supervisor_page = clients["supervisor"].get(f"/staff/complaints/{complaint_id}").get_data(as_text=True)
    assert phone in supervisor_page and _reads(app, number)[-1]["contacts"] is True


def test_an_unassigned_case_shows_the_contacts_to_any_officer_who_may_take_it(app, keys):
    owner = add_user(app)
    complaint_id = filed_complaint(app, owner, make_business(app, owner))
    page = _client(app, add_user(app, "officer")).get(f"/staff/complaints/{complaint_id}").get_data(as_text=True)
    assert owner in page


# --- confirmation of irreversible actions and the decision letter preview --------------------

def test_a_decision_without_confirmation_changes_nothing_and_previews_the_letter(app, desk):
    complaint_id, clients, _ = desk
    staff = f"/staff/complaints/{complaint_id}"
    reasoning = "Фактілер толық расталды: куәлардың түсініктемелері мен бейнежазба бар."
    before = _changes(app, complaint_id)
    first = clients["officer"].post(f"{staff}/resolve?lang=en", data={"outcome": "confirmed", "comment": reasoning})
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and _changes(app, complaint_id) == before  # no status change, no letter
    assert "This cannot be undone." in html
    preview = html[html.index('class="letter-preview-body"'):]
    assert reasoning in preview and "Шешім туралы хат" in preview and "Письмо о принятом решении" in preview
    assert "Фактілер расталды" in preview  # the outcome, in the letter's own wording
    assert f'name="comment" value="{reasoning}"' in html and 'name="outcome" value="confirmed"' in html

    back = clients["officer"].post(f"{staff}/resolve?lang=en", data={
        "outcome": "confirmed", "comment": reasoning, "edit": "yes"})
    assert back.status_code == 200 and reasoning in back.get_data(as_text=True)
    assert _changes(app, complaint_id) == before

    done = clients["officer"].post(f"{staff}/resolve", data={
        "outcome": "confirmed", "comment": reasoning, "confirmed": "yes"})
    assert done.status_code == 302 and _status(app, complaint_id) == "resolved"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Document).where(Document.kind == "decision")) == 1


@pytest.mark.parametrize("action, data, after", [
    ("forward", {"body_name": "Облыс прокуратурасы", "comment": "Құзыреті бойынша жолданады."}, "forwarded"),
    ("reject", {"comment": "Өтініш кәсіпкерлік қызметке қатысты емес."}, "rejected"),
])
def test_forward_and_reject_need_confirmation(app, desk, action, data, after):
    complaint_id, clients, _ = desk
    staff = f"/staff/complaints/{complaint_id}"
    before = _changes(app, complaint_id)
    first = clients["officer"].post(f"{staff}/{action}?lang=en", data=data)
    assert first.status_code == 200 and _changes(app, complaint_id) == before
    assert data["comment"] in first.get_data(as_text=True).split('class="letter-preview-body"')[1]
    clients["officer"].post(f"{staff}/{action}", data={**data, "confirmed": "yes"})
    assert _status(app, complaint_id) == after


def test_an_appeal_needs_confirmation(app, desk):
    complaint_id, clients, _ = desk
    _to_state(clients, complaint_id, "resolved")
    url = f"/portal/complaints/{complaint_id}/appeal?lang=en"
    first = clients["owner"].post(url, data={"comment": "Шешіммен келіспеймін."})
    assert first.status_code == 200 and "only once" in first.get_data(as_text=True)
    assert _status(app, complaint_id) == "resolved"
    clients["owner"].post(url, data={"comment": "Шешіммен келіспеймін.", "confirmed": "yes"})
    assert _status(app, complaint_id) == "appealed"


def test_countersign_and_terminate_need_confirmation(app, keys):
    parties = make_association(app)
    agreement_id = signed_agreement(app, parties, render=False)
    supervisor = _client(app, parties.supervisor)
    from app.agreements.models import Agreement

    def status():
        with app.app_context():
            return db.session.get(Agreement, agreement_id).status

    first = supervisor.post(f"/staff/agreements/{agreement_id}/countersign?lang=en")
    assert first.status_code == 200 and "This cannot be undone." in first.get_data(as_text=True)
    assert status() == "signed_by_association"
    supervisor.post(f"/staff/agreements/{agreement_id}/countersign", data={"confirmed": "yes"})
    assert status() == "active"
    reason = "Қауымдастық келісімнің талаптарын орындамады."
    first = supervisor.post(f"/staff/agreements/{agreement_id}/terminate?lang=en", data={"comment": reason})
    assert first.status_code == 200 and reason in first.get_data(as_text=True) and status() == "active"
    supervisor.post(f"/staff/agreements/{agreement_id}/terminate", data={"comment": reason, "confirmed": "yes"})
    assert status() == "terminated"
