"""HTML of the complaint documents: the talon (receipt) and decision letters.

Bilingual (Kazakh and Russian) whatever the reader's language. The talon names the
complaint, the time of receipt, the pressure type and the state body, and the legal
deadline — never the description or the complainant.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app import department
from app.accounts.models import User
from app.businesses.models import Business
from app.complaints import clock, reference
from app.complaints.models import Complaint, ComplaintEvent
from app.documents.pdf import qr_svg_data_uri
from app.documents.services import DocumentInfo
from app.extensions import db
from app.timeutil import to_local

DATE, TIME = "%d.%m.%Y", "%d.%m.%Y %H:%M"


def common(info: DocumentInfo, complaint: Complaint) -> dict:
    return {
        "complaint_number": complaint.number, "document_number": info.number,
        "received_at": to_local(complaint.received_at).strftime(TIME),
        "issued_at": to_local(info.issued_at).strftime(TIME),
        "qr": qr_svg_data_uri(info.verification_url), "verification_url": info.verification_url,
        "verification_code": info.verification_code,
    }


def talon_html(info: DocumentInfo) -> str:
    complaint = db.session.get(Complaint, info.subject_id)
    pressure_kk, pressure_ru = reference.bilingual(reference.PRESSURE_TYPES, complaint.pressure_type)
    body_kk, body_ru = reference.bilingual(reference.BODY_CATEGORIES, complaint.body_category)
    return render_template(
        "pdf/talon.html", **common(info, complaint), pressure_kk=pressure_kk, pressure_ru=pressure_ru,
        body_category_kk=body_kk, body_category_ru=body_ru, body_name=complaint.body_name,
        due_date=complaint.due_date.strftime(DATE), registration_day=complaint.registration_day.strftime(DATE),
        contacts_kk=department.contacts("kk"), contacts_ru=department.contacts("ru"),
    )


def _decision_wording(action: str, detail: str | None) -> tuple[str, str]:
    if action == "resolve":
        return reference.bilingual(reference.OUTCOMES, detail)
    return reference.bilingual(reference.ACTIONS, action)


def _appeal_note(action: str, decided_at, locale: str) -> str:
    with force_locale(locale):
        if action == "resolve":
            return _("You may appeal this decision once, on the portal, until %(date)s inclusive, "
                     "or in court as the law provides.", date=clock.appeal_deadline_after(decided_at).strftime(DATE))
        return _("You may challenge this decision as the Administrative Procedural Code provides.")


def decision_context(complaint: Complaint, *, action: str, detail: str | None, reasons: str,
                     officer: User | None, decided_at) -> dict:
    """The decision letter's values but the document's own (number, code, QR): the PDF and its preview."""
    business = db.session.get(Business, complaint.business_id)
    complainant = db.session.get(User, complaint.filed_by_id)
    decision_kk, decision_ru = _decision_wording(action, detail)
    return {
        "addressee": complainant.full_name, "business_name": business.name, "business_number": business.number,
        "decision_kk": decision_kk, "decision_ru": decision_ru,
        "forwarded_to": detail if action == "forward" else None, "reasons": reasons or "",
        "officer_name": officer.full_name if officer else "",
        "officer_position": (officer.position or "") if officer else "",
        "appeal_note_kk": _appeal_note(action, decided_at, "kk"),
        "appeal_note_ru": _appeal_note(action, decided_at, "ru"),
    }


def decision_html(info: DocumentInfo) -> str:
    complaint = db.session.get(Complaint, info.subject_id)
    event = db.session.scalars(select(ComplaintEvent).where(ComplaintEvent.document_id == info.id)).one()
    officer = db.session.get(User, event.actor_id) if event.actor_id else None
    return render_template(
        "pdf/decision.html", **common(info, complaint),
        **decision_context(complaint, action=event.action, detail=event.detail, reasons=event.comment,
                           officer=officer, decided_at=event.at),
    )


def public_status(complaint_id: int) -> str:
    complaint = db.session.get(Complaint, complaint_id)
    return complaint.status if complaint else "unknown"
