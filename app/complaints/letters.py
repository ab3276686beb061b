"""Letters that go with case actions: the forwarding covering letter and the extension notice.

The covering letter is addressed to the competent body a complaint is forwarded to; it
carries the facts the body needs. When the complainant asked to keep their identity from
the body concerned (``Complaint.keep_identity_confidential``), it names neither the
complainant (name, phone, e-mail) nor the business (name, BIN), and says so in both
languages. The extension notice tells the complainant the new due date and the reason.
Both are bilingual (Kazakh and Russian) whatever the reader's language.
"""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from app.accounts.models import User
from app.businesses.models import Business
from app.complaints import reference
from app.complaints.models import Complaint, ComplaintEvent
from app.complaints.rendering import DATE, common
from app.documents import services as documents
from app.documents.models import DocumentKind
from app.documents.services import DocumentInfo
from app.extensions import db


def _key_suffix(issue_key: str) -> int:
    return int(issue_key.rsplit(":", 1)[1])


def reserve_forwarding_letter(complaint: Complaint, decision_letter_id: int) -> int:
    """Reserve the covering letter to the body that goes with the forward decision ``decision_letter_id``."""
    letter = documents.reserve(kind=DocumentKind.FORWARDING_LETTER, subject_type="complaint",
                               subject_id=complaint.id, subject_number=complaint.number,
                               issue_key=f"complaint:{complaint.id}:forwarding_letter:{decision_letter_id}")
    return letter.id


def reserve_extension_notice(complaint: Complaint, event: ComplaintEvent) -> int:
    """Reserve the notice of the extension recorded by ``event``; its id is kept on the event."""
    notice = documents.reserve(kind=DocumentKind.EXTENSION_NOTICE, subject_type="complaint",
                               subject_id=complaint.id, subject_number=complaint.number,
                               issue_key=f"complaint:{complaint.id}:extension_notice:{event.id}")
    return notice.id


def _signatory(user_id: int | None) -> tuple[str, str]:
    user = db.session.get(User, user_id) if user_id else None
    return (user.full_name, user.position or "") if user else ("", "")


def forwarding_letter_html(info: DocumentInfo) -> str:
    complaint = db.session.get(Complaint, info.subject_id)
    event = db.session.scalars(select(ComplaintEvent).where(
        ComplaintEvent.document_id == _key_suffix(info.issue_key))).one()
    pressure_kk, pressure_ru = reference.bilingual(reference.PRESSURE_TYPES, complaint.pressure_type)
    body_kk, body_ru = reference.bilingual(reference.BODY_CATEGORIES, complaint.body_category)
    officer_name, officer_position = _signatory(event.actor_id)
    applicant = None
    if not complaint.keep_identity_confidential:
        user = db.session.get(User, complaint.filed_by_id)
        business = db.session.get(Business, complaint.business_id)
        applicant = {"name": user.full_name, "phone": user.phone, "email": user.email,
                     "business_name": business.name, "business_number": business.number}
    return render_template(
        "pdf/forwarding_letter.html", **common(info, complaint), addressee=event.detail or complaint.forwarded_to,
        body_category_kk=body_kk, body_category_ru=body_ru, pressure_kk=pressure_kk, pressure_ru=pressure_ru,
        incident_date=complaint.incident_date.strftime(DATE), facts=complaint.description,
        official_name=complaint.official_name, official_position=complaint.official_position,
        note=event.comment or "", applicant=applicant, officer_name=officer_name,
        officer_position=officer_position,
    )


def extension_notice_html(info: DocumentInfo) -> str:
    complaint = db.session.get(Complaint, info.subject_id)
    event = db.session.get(ComplaintEvent, _key_suffix(info.issue_key))
    complainant = db.session.get(User, complaint.filed_by_id)
    signatory_name, signatory_position = _signatory(event.actor_id)
    return render_template(
        "pdf/extension_notice.html", **common(info, complaint), addressee=complainant.full_name,
        previous_due=complaint.due_date.strftime(DATE), new_due=complaint.extended_until.strftime(DATE),
        reason=event.comment or complaint.extension_reason or "", officer_name=signatory_name,
        officer_position=signatory_position,
    )
