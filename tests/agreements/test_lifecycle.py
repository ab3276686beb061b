"""The agreement state machine and its rules (domain layer)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.services import find_by_email
from app.agreements import rendering, services
from app.agreements.models import Agreement, AgreementEvent
from app.documents.models import Document
from app.extensions import db
from app.timeutil import add_months, local_today
from tests.factories import active_agreement, make_association, run_in_parallel, signed_agreement


def load(app, agreement_id: int) -> Agreement:
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        db.session.expunge(agreement)
        return agreement


def test_full_lifecycle_records_every_transition(app, parties):
    agreement_id = active_agreement(app, parties)
    agreement = load(app, agreement_id)
    assert agreement.status == "active"
    assert agreement.number.startswith(f"PBI-A-{local_today().year}-")
    assert agreement.valid_from == local_today()
    assert agreement.valid_until == add_months(local_today(), 24)
    assert agreement.signed_pdf_sha256 == agreement.draft_pdf_sha256
    with app.app_context():
        events = db.session.scalars(select(AgreementEvent).where(AgreementEvent.agreement_id == agreement_id)
                                    .order_by(AgreementEvent.id)).all()
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            ("sign", "draft", "signed_by_association"),
            ("countersign", "signed_by_association", "active"),
        ]
        assert all(e.actor_id for e in events)
        document = db.session.get(Document, agreement.document_id)
        assert document.kind == "agreement" and document.subject_number == agreement.number
        assert document.sha256 is not None


@pytest.mark.parametrize(
    ("operation", "status"),
    [("countersign", "draft"), ("terminate", "draft"), ("return", "draft"),
     ("sign_again", "signed_by_association"), ("return_active", "active")],
)
def test_illegal_transitions_are_refused(app, parties, operation, status):
    if status == "draft":
        with app.app_context():
            agreement_id = services.start_agreement(parties.user("representative"), parties.association_id).id
            db.session.commit()
    elif status == "signed_by_association":
        agreement_id = signed_agreement(app, parties)
    else:
        agreement_id = active_agreement(app, parties)
    with app.app_context():
        supervisor, representative = parties.user("supervisor"), parties.user("representative")
        run = {
            "countersign": lambda: services.countersign(agreement_id, supervisor),
            "terminate": lambda: services.terminate(agreement_id, supervisor, "reason"),
            "return": lambda: services.return_to_draft(agreement_id, supervisor, "comment"),
            "sign_again": lambda: services.sign_with_password(agreement_id, representative,
                                                             "correct horse battery staple"),
            "return_active": lambda: services.return_to_draft(agreement_id, supervisor, "comment"),
        }[operation]
        with pytest.raises(services.IllegalTransition):
            run()
        db.session.rollback()
    assert load(app, agreement_id).status == status


def test_unverified_representative_can_draft_but_not_sign(app, keys):
    parties = make_association(app, verified=False)
    with app.app_context():
        agreement = services.start_agreement(parties.user("representative"), parties.association_id)
        db.session.commit()
        services.ensure_draft_pdf(agreement.id, rendering.draft_html)
        with pytest.raises(services.AuthorityNotVerified):
            services.sign_with_password(agreement.id, parties.user("representative"), "correct horse battery staple")


def test_refused_authority_does_not_verify_and_needs_a_reason(app, keys):
    parties = make_association(app, verified=False)
    with app.app_context():
        owner, officer = parties.user("representative"), parties.user("officer")
        proof = services.submit_authority_proof(owner, parties.association_id, b"\x89PNG\r\n\x1a\nscan", "scan.png")
        with pytest.raises(services.ReasonRequired):
            services.decide_authority_proof(officer, proof.id, accept=False, reason="  ")
        services.decide_authority_proof(officer, proof.id, accept=False, reason="The order is not signed")
        db.session.commit()
        assert not services.authority_verified(parties.association_id, owner.id)
        with pytest.raises(services.IllegalTransition):
            services.decide_authority_proof(officer, proof.id, accept=True, reason=None)


@pytest.mark.parametrize(("data", "problem"), [(b"", "empty"), (b"MZ\x90\x00 an executable", "type"),
                                                (b"<html>not a scan</html>", "type")])
def test_authority_upload_is_checked_by_content(app, keys, data, problem):
    parties = make_association(app, verified=False)
    with app.app_context(), pytest.raises(services.BadUpload) as caught:
        services.submit_authority_proof(parties.user("representative"), parties.association_id, data, "x.pdf")
    assert caught.value.problem == problem


def test_only_representatives_act_for_an_association(app, parties):
    other = make_association(app)
    with app.app_context():
        outsider = other.user("representative")
        with pytest.raises(services.NotAllowed):
            services.start_agreement(outsider, parties.association_id)
    agreement_id = None
    with app.app_context():
        agreement_id = services.start_agreement(parties.user("representative"), parties.association_id).id
        db.session.commit()
        services.ensure_draft_pdf(agreement_id, rendering.draft_html)
        with pytest.raises(services.NotAllowed):
            services.sign_with_password(agreement_id, other.user("representative"), "correct horse battery staple")


def test_one_open_agreement_per_association(app, parties):
    with app.app_context():
        services.start_agreement(parties.user("representative"), parties.association_id)
        db.session.commit()
        with pytest.raises(services.OpenAgreementExists):
            services.start_agreement(parties.user("representative"), parties.association_id)


def test_wrong_password_does_not_sign(app, parties):
    with app.app_context():
        agreement = services.start_agreement(parties.user("representative"), parties.association_id)
        db.session.commit()
        services.ensure_draft_pdf(agreement.id, rendering.draft_html)
        with pytest.raises(services.WrongPassword):
            services.sign_with_password(agreement.id, parties.user("representative"), "not my password")
        db.session.rollback()
        assert db.session.get(Agreement, agreement.id).status == "draft"


def test_return_needs_a_comment_and_clears_the_signature(app, parties):
    agreement_id = signed_agreement(app, parties)
    with app.app_context():
        with pytest.raises(services.ReasonRequired):
            services.return_to_draft(agreement_id, parties.user("supervisor"), " ")
        services.return_to_draft(agreement_id, parties.user("supervisor"), "Уточните должность руководителя")
        db.session.commit()
    agreement = load(app, agreement_id)
    assert agreement.status == "draft" and agreement.signed_at is None and agreement.signature_method is None
    assert agreement.return_comment == "Уточните должность руководителя"
    assert agreement.number is None


def test_officer_cannot_countersign_or_terminate(app, parties):
    agreement_id = signed_agreement(app, parties)
    with app.app_context():
        with pytest.raises(services.NotAllowed):
            services.countersign(agreement_id, parties.user("officer"))
        with pytest.raises(services.NotAllowed):
            services.return_to_draft(agreement_id, parties.user("officer"), "x")


def test_terminate_needs_a_reason(app, parties):
    agreement_id = active_agreement(app, parties)
    with app.app_context():
        with pytest.raises(services.ReasonRequired):
            services.terminate(agreement_id, parties.user("supervisor"), "")
        services.terminate(agreement_id, parties.user("supervisor"), "The association was liquidated")
        db.session.commit()
    agreement = load(app, agreement_id)
    assert agreement.status == "terminated" and agreement.termination_reason == "The association was liquidated"


def test_expire_moves_only_agreements_past_their_term(app, parties, runner):
    current = active_agreement(app, parties)
    old = active_agreement(app, make_association(app))
    with app.app_context():
        stale = db.session.get(Agreement, old)
        stale.valid_until = local_today() - timedelta(days=1)
        db.session.commit()
    result = runner.invoke(args=["agreements", "expire"])
    assert result.exit_code == 0 and "1 agreement(s) expired" in result.output
    assert load(app, old).status == "expired"
    assert load(app, current).status == "active"
    # Running it again changes nothing.
    assert "0 agreement(s) expired" in runner.invoke(args=["agreements", "expire"]).output


def test_numbers_are_gap_free_under_concurrent_countersigning(app, keys):
    count = 20
    agreement_ids = [signed_agreement(app, make_association(app), render=False) for _ in range(count)]
    with app.app_context():
        supervisor_email = make_association(app).supervisor
    def countersign(agreement_id: int) -> None:
        services.countersign(agreement_id, find_by_email(supervisor_email))
        db.session.commit()

    errors = run_in_parallel(app, countersign, agreement_ids)
    assert errors == []
    with app.app_context():
        numbers = sorted(db.session.scalars(select(Agreement.number).where(Agreement.id.in_(agreement_ids))))
        document_numbers = sorted(db.session.scalars(select(Document.number)))
    year = local_today().year
    assert numbers == [f"PBI-A-{year}-{n:04d}" for n in range(1, count + 1)]
    assert len(set(document_numbers)) == count
    assert [int(n.rsplit("-", 1)[1]) for n in document_numbers] == list(range(1, count + 1))
