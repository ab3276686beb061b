"""Filing a complaint, access to it, messages, notes and evidence.

Operations flush; the view commits once, and only then is the talon issued (the slow,
fallible part, queued by the reservation: :mod:`app.transactions`), so a filed complaint
is never lost to a rendering or signing failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import select

from app.accounts.models import User
from app.agreements.models import Agreement, AgreementStatus
from app.audit import services as audit
from app.businesses.models import Association, Business
from app.businesses.reference import DISTRICTS
from app.calendar.workdays import default_calendar
from app.complaints import search, workflow
from app.complaints.models import (
    BodyCategory,
    CaseMessage,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Evidence,
    PressureType,
)
from app.documents import services as documents
from app.documents.models import DocumentKind
from app.documents.runtime import file_store
from app.extensions import db
from app.notifications import services as notifications
from app.numbering import next_number
from app.reporting import names
from app.timeutil import local_today, to_local, utcnow
from app.uploads import UploadRejected, check_evidence, display_name


class ComplaintError(Exception):
    pass


class NotFound(ComplaintError):
    pass


class InvalidFiling(ComplaintError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


class EvidenceRejected(ComplaintError):
    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name, self.problem = name, problem


@dataclass(frozen=True)
class Upload:
    data: bytes
    name: str


@dataclass(frozen=True)
class Filing:
    """What the complainant fills in: the one declaration of a complaint's filed fields.

    The filing form has a field of each name (``views._filing`` reads them by name), the
    complaint stores the :data:`AS_FILED` ones as given (cleaned), and the case pages show
    them (``queries.CaseView`` is derived from this declaration).
    """

    business_id: int
    association_id: int | None
    association_may_follow: bool
    pressure_type: str
    body_category: str
    body_name: str
    official_name: str | None
    official_position: str | None
    incident_date: date
    incident_district: str
    description: str
    amount_demanded: int | None
    keep_identity_confidential: bool
    consent: bool
    submission_token: str


# Stored on the complaint as filed (strings stripped, an empty optional text is None); the
# other filed fields are checked (business, association, consent, token) or derived.
AS_FILED = ("association_may_follow", "pressure_type", "body_category", "body_name", "official_name",
            "official_position", "incident_date", "incident_district", "description", "amount_demanded",
            "keep_identity_confidential")


_OPTIONAL_TEXTS = frozenset({"official_name", "official_position"})


def _as_filed(filing: Filing) -> dict:
    values = {}
    for name in AS_FILED:
        value = getattr(filing, name)
        if isinstance(value, str):
            value = value.strip()
        values[name] = (value or None) if name in _OPTIONAL_TEXTS else value
    values["association_may_follow"] = filing.association_id is not None and filing.association_may_follow
    return values


def actor_label(user: User | None) -> str:
    return user.email if user else "system"


def complainant_link(complaint: Complaint) -> str:
    return f"/portal/complaints/{complaint.id}"


def staff_link(complaint: Complaint) -> str:
    return f"/staff/complaints/{complaint.id}"


# --- who may see what ------------------------------------------------------------------

def represents_business(user: User, business_id: int) -> bool:
    business = db.session.get(Business, business_id)
    return business is not None and any(r.id == user.id for r in business.representatives)


def coverable_associations(user: User) -> list[Association]:
    """Associations with an agreement in force that ``user`` represents."""
    return list(db.session.scalars(
        select(Association)
        .join(Agreement, Agreement.association_id == Association.id)
        .where(Agreement.status == AgreementStatus.ACTIVE.value,
               Association.representatives.any(User.id == user.id))
        .order_by(Association.name_kk)
    ).unique())


def for_complainant(user: User, complaint_id: int) -> Complaint:
    """A complaint of a business the user represents; NotFound for anything else (no IDOR)."""
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or not (complaint.filed_by_id == user.id or represents_business(user, complaint.business_id)):
        raise NotFound(complaint_id)
    return complaint


def for_staff(complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(complaint_id)
    return complaint


# --- filing ----------------------------------------------------------------------------

def _validate(user: User, filing: Filing) -> None:
    if not filing.consent:
        raise InvalidFiling("consent", "required")
    if not represents_business(user, filing.business_id):
        raise InvalidFiling("business_id", "not_yours")
    if filing.association_id is not None and filing.association_id not in {a.id for a in coverable_associations(user)}:
        raise InvalidFiling("association_id", "not_covered")
    if filing.pressure_type not in set(PressureType) or filing.body_category not in set(BodyCategory):
        raise InvalidFiling("pressure_type", "unknown")
    if filing.incident_district not in DISTRICTS:
        raise InvalidFiling("incident_district", "unknown")
    if filing.incident_date > local_today():
        raise InvalidFiling("incident_date", "future")
    if filing.amount_demanded is not None and filing.amount_demanded < 0:
        raise InvalidFiling("amount_demanded", "negative")
    if not filing.description.strip() or not filing.body_name.strip():
        raise InvalidFiling("description", "required")


def check_uploads(uploads: list[Upload]) -> list[tuple[Upload, str]]:
    """Each upload with its kind by content; EvidenceRejected for the first bad one."""
    limit_total = current_app.config["PBI_EVIDENCE_MAX_TOTAL_BYTES"]
    checked, total = [], 0
    for upload in uploads:
        try:
            kind = check_evidence(upload.data)
        except UploadRejected as exc:
            raise EvidenceRejected(display_name(upload.name), exc.problem) from exc
        total += len(upload.data)
        if total > limit_total:
            raise EvidenceRejected(display_name(upload.name), "total_size")
        checked.append((upload, kind))
    return checked


def _store_evidence(complaint: Complaint, user: User, uploads: list[Upload], message_id: int | None = None) -> None:
    for upload, kind in check_uploads(uploads):
        db.session.add(Evidence(
            complaint_id=complaint.id, message_id=message_id, uploaded_by_id=user.id,
            sha256=file_store().put(upload.data), kind=kind, size=len(upload.data),
            display_name=display_name(upload.name),
        ))


def find_by_token(user: User, token: str) -> Complaint | None:
    return db.session.scalar(select(Complaint).where(Complaint.filed_by_id == user.id,
                                                     Complaint.submission_token == token))


def file_complaint(user: User, filing: Filing, uploads: list[Upload], *,
                   received: datetime | None = None) -> tuple[Complaint, bool]:
    """Register a complaint with its evidence; ``(complaint, False)`` when this form was already sent.

    ``received`` (naive UTC) is the time of receipt; it defaults to now and is given
    explicitly only by tests and the demo data.
    """
    existing = find_by_token(user, filing.submission_token)
    if existing is not None:
        return existing, False
    _validate(user, filing)
    check_uploads(uploads)
    received = received or utcnow()
    calendar = default_calendar()
    received_aware = received.replace(tzinfo=UTC)
    registration_day = calendar.registration_day(received_aware)
    number = next_number("complaint", to_local(received).year)
    business = db.session.get(Business, filing.business_id)
    complaint = Complaint(
        number=number, business_id=filing.business_id, **_as_filed(filing),
        filed_by_id=user.id, submission_token=filing.submission_token, association_id=filing.association_id,
        consent_at=received,
        received_at=received, received_on=to_local(received).date(), registration_day=registration_day,
        due_date=calendar.consideration_due(received_aware), forwarding_due=calendar.forwarding_due(received_aware),
        search_text=search.document(number, filing.body_name, filing.official_name, filing.official_position,
                                    filing.description, business.name, business.number),
        **names.keys(filing.body_name, filing.official_name),
    )
    db.session.add(complaint)
    db.session.flush()
    _store_evidence(complaint, user, uploads)
    db.session.add(ComplaintEvent(complaint_id=complaint.id, actor_id=user.id, action="file", from_status=None,
                                  to_status=ComplaintStatus.REGISTERED.value))
    talon = documents.reserve(kind=DocumentKind.COMPLAINT_RECEIPT, subject_type="complaint",
                              subject_id=complaint.id, subject_number=complaint.number,
                              issue_key=f"complaint:{complaint.id}:talon")
    complaint.talon_document_id = talon.id
    audit.record("complaint.filed", actor_id=user.id, actor_label=actor_label(user), subject_type="complaint",
                 subject_id=complaint.number, details={"evidence_files": len(uploads)})
    db.session.flush()
    return complaint, True


# --- messages, notes, evidence ---------------------------------------------------------

def post_message(user: User, complaint: Complaint, body: str, uploads: list[Upload], *, internal: bool = False,
                 staff: bool) -> CaseMessage:
    """A message in the thread (or, for staff, an internal note never shown to the complainant)."""
    if not body.strip():
        raise InvalidFiling("body", "required")
    if internal and not staff:
        raise workflow.NotPermitted("note")
    message = CaseMessage(complaint_id=complaint.id, author_id=user.id, body=body.strip(), internal=internal)
    db.session.add(message)
    db.session.flush()
    _store_evidence(complaint, user, uploads, message_id=message.id)
    audit.record("complaint.note" if internal else "complaint.message", actor_id=user.id,
                 actor_label=actor_label(user), subject_type="complaint", subject_id=complaint.number,
                 details={"attachments": len(uploads)})
    if staff and not internal:
        notifications.notify(complaint.filed_by_id, "message", subject_number=complaint.number,
                             link=complainant_link(complaint))
    elif not staff and complaint.assigned_officer_id:
        notifications.notify(complaint.assigned_officer_id, "message", subject_number=complaint.number,
                             link=staff_link(complaint))
    return message


def evidence_file(user: User, complaint: Complaint, evidence_id: int, *, staff: bool) -> tuple[bytes, Evidence]:
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.complaint_id != complaint.id:
        raise NotFound(evidence_id)
    if not staff and evidence.message_id is not None:
        message = db.session.get(CaseMessage, evidence.message_id)
        if message is None or message.internal:
            raise NotFound(evidence_id)
    if staff:
        audit.record("evidence.read", actor_id=user.id, actor_label=actor_label(user), subject_type="complaint",
                     subject_id=complaint.number, details={"evidence_id": evidence.id, "sha256": evidence.sha256})
    return file_store().get(evidence.sha256), evidence
