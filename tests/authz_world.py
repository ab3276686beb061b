"""The world of the authz matrix: eight identities and two sets of objects (see tests/test_authz_matrix.py).

Set "A": entrepreneur A's business and complaint (filed through association X, which
may follow it; its evidence and talon; taken by the officer), association X (the
representative's: proof of authority, agreement in force), a notification of
entrepreneur A, a spare staff account and a trust anchor. Set "B": the same for
entrepreneur B, association Y (another representative, not one of the identities)
and the other officer. Each identity's *own* set is the one named in ``OWN``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from app import transactions
from app.accounts.models import Role
from app.accounts.services import find_by_email
from app.agreements.models import Agreement, AuthorityProof, TrustAnchor
from app.api import tokens as api_tokens
from app.complaints import case_actions
from app.complaints.models import Complaint, Evidence
from app.complaints.services import Upload
from app.documents.runtime import keystore
from app.extensions import db
from app.notifications import services as notifications
from tests.factories import active_agreement, add_user, filed_complaint, make_association, make_business

IDENTITIES = ("anonymous", "entrepreneur_a", "entrepreneur_b", "representative", "officer", "other_officer",
              "supervisor", "admin")
OWN = {"anonymous": "A", "entrepreneur_a": "A", "entrepreneur_b": "B", "representative": "A", "officer": "A",
       "other_officer": "B", "supervisor": "A", "admin": "A"}
OTHER = {"A": "B", "B": "A"}


@dataclass
class World:
    emails: dict[str, str]  # identity -> e-mail (no entry for anonymous)
    args: dict[str, dict[str, object]]  # set -> URL argument -> value


def _objects(app, owner: str, officer: str, parties, tag: str) -> dict[str, object]:
    business = make_business(app, owner)
    agreement_id = active_agreement(app, parties)
    complaint_id = filed_complaint(app, owner, business, uploads=[Upload(b"%PDF-1.4 evidence " + tag.encode(),
                                                                          f"evidence-{tag}.pdf")])
    spare = add_user(app, Role.OFFICER)
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        # covered by the association, which may follow it (set here: its owner is not a member)
        complaint.association_id, complaint.association_may_follow = parties.association_id, True
        case_actions.take(find_by_email(officer), complaint)
        transactions.commit()
        note = notifications.notify(find_by_email(owner).id, "message", subject_number=complaint.number,
                                    link=f"/portal/complaints/{complaint_id}", email=False)
        root = keystore().root_certificate()
        anchor = TrustAnchor(fingerprint=(tag * 64)[:64], subject=f"CN=Anchor {tag}",
                             certificate_pem=root.public_bytes(Encoding.PEM).decode())
        db.session.add(anchor)
        token, _secret = api_tokens.create(name=f"System {tag}", scopes=[api_tokens.COMPLAINTS_READ])
        db.session.commit()
        agreement = db.session.get(Agreement, agreement_id)
        return {
            "business_id": business, "association_id": parties.association_id, "agreement_id": agreement_id,
            "complaint_id": complaint_id, "document_id": complaint.talon_document_id,
            "evidence_id": db.session.scalar(select(Evidence.id).where(Evidence.complaint_id == complaint_id)),
            "proof_id": db.session.scalar(select(AuthorityProof.id).where(
                AuthorityProof.association_id == parties.association_id)),
            "notification_id": note.id, "user_id": find_by_email(spare).id, "anchor_id": anchor.id,
            "token_id": token.id, "number": agreement.number, "filename": "css/site.css",
        }


def build(app) -> World:
    x, y = make_association(app), make_association(app)
    emails = {"entrepreneur_a": add_user(app), "entrepreneur_b": add_user(app), "representative": x.representative,
              "officer": x.officer, "other_officer": y.officer, "supervisor": x.supervisor,
              "admin": add_user(app, Role.ADMIN)}
    args = {"A": _objects(app, emails["entrepreneur_a"], emails["officer"], x, "a"),
            "B": _objects(app, emails["entrepreneur_b"], emails["other_officer"], y, "b")}
    return World(emails, args)
