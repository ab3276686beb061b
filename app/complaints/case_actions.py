"""The department's work on a complaint: assignment, review, decisions, appeal, the clock.

Each function checks the transition through :mod:`app.complaints.workflow`, records the
audit entry and the notifications, and flushes. Decisions (forward, resolve, reject)
reserve a signed decision letter; the view issues it after committing.
"""

from __future__ import annotations

from datetime import UTC, date

from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.audit import services as audit
from app.calendar.workdays import default_calendar
from app.complaints import clock, letters, workflow
from app.complaints.models import Complaint, ComplaintEvent, Outcome
from app.complaints.services import ComplaintError, actor_label, complainant_link, post_message
from app.documents import services as documents
from app.documents.models import Document, DocumentKind
from app.extensions import db
from app.notifications import services as notifications
from app.timeutil import local_today, utcnow


class ReasonRequired(ComplaintError):
    pass


class AppealNotAllowed(ComplaintError):
    def __init__(self, problem: str) -> None:  # "already" | "window"
        super().__init__(problem)
        self.problem = problem


class ExtensionNotAllowed(ComplaintError):
    def __init__(self, problem: str) -> None:  # "already" | "beyond_limit" | "not_later"
        super().__init__(problem)
        self.problem = problem


class UnknownOfficer(ComplaintError):
    pass


def _required(text: str | None) -> str:
    if not (text or "").strip():
        raise ReasonRequired()
    return text.strip()


def _notify_complainant(complaint: Complaint, kind: str) -> None:
    notifications.notify(complaint.filed_by_id, kind, subject_number=complaint.number,
                         link=complainant_link(complaint))


def _move(user: User, complaint: Complaint, action: str, comment: str | None = None, **kw) -> ComplaintEvent:
    event = workflow.apply(user, complaint, action, comment, **kw)  # writes the event and its audit entry
    db.session.flush()
    return event


def take(officer: User, complaint: Complaint) -> None:
    workflow.check(officer, complaint, "take")
    complaint.assigned_officer_id = officer.id
    _move(officer, complaint, "take")
    _notify_complainant(complaint, "status")


def assign(supervisor: User, complaint: Complaint, officer_id: int) -> None:
    officer = db.session.get(User, officer_id)
    if officer is None or not officer.active or officer.role not in {Role.OFFICER.value, Role.SUPERVISOR.value}:
        raise UnknownOfficer(officer_id)
    workflow.check(supervisor, complaint, "assign")
    complaint.assigned_officer_id = officer.id
    _move(supervisor, complaint, "assign", officer.full_name)
    notifications.notify(officer.id, "status", subject_number=complaint.number,
                         link=f"/staff/complaints/{complaint.id}", email=False)


def start_review(user: User, complaint: Complaint) -> None:
    _move(user, complaint, "start_review")
    _notify_complainant(complaint, "status")


def request_info(user: User, complaint: Complaint, question: str) -> None:
    question = _required(question)
    _move(user, complaint, "request_info", question)
    post_message(user, complaint, question, [], staff=True)  # the question is also in the thread
    _notify_complainant(complaint, "info_requested")


def provide_info(user: User, complaint: Complaint, answer: str, uploads) -> None:
    answer = _required(answer)
    workflow.check(user, complaint, "provide_info")
    post_message(user, complaint, answer, uploads, staff=False)
    _move(user, complaint, "provide_info")


def _decision(user: User, complaint: Complaint, action: str, comment: str, detail: str | None) -> int:
    number_of_decisions = db.session.scalar(
        select(func.count()).select_from(ComplaintEvent).where(
            ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.document_id.is_not(None)))
    letter = documents.reserve(kind=DocumentKind.DECISION, subject_type="complaint", subject_id=complaint.id,
                               subject_number=complaint.number,
                               issue_key=f"complaint:{complaint.id}:decision:{number_of_decisions + 1}")
    event = _move(user, complaint, action, comment, document_id=letter.id)
    event.detail = detail
    complaint.decided_at = event.at  # the appeal window runs from the decision event (clock.appeal_deadline)
    clock.record_first_decision(complaint, action, event.at)
    audit.record("document.reserved", actor_id=user.id, actor_label=actor_label(user), subject_type="complaint",
                 subject_id=complaint.number, details={"document": letter.number, "kind": "decision"})
    _notify_complainant(complaint, "decision")
    return letter.id


def _reserved(user: User, complaint: Complaint, document_id: int, kind: DocumentKind) -> None:
    number = db.session.get(Document, document_id).number
    audit.record("document.reserved", actor_id=user.id, actor_label=actor_label(user), subject_type="complaint",
                 subject_id=complaint.number, details={"document": number, "kind": kind.value})


def _in_force(complaint: Complaint, *, outcome: str | None = None, decision_text: str | None = None,
              forwarded_to: str | None = None, rejection_reason: str | None = None) -> None:
    """The decision in force is the latest: a decision made after an appeal replaces every
    field of the earlier one (its own letter and event keep what it was), so that a case is
    never at once forwarded and resolved — in the case page, the statistics and the reports.
    """
    complaint.outcome, complaint.decision_text = outcome, decision_text
    complaint.forwarded_to, complaint.rejection_reason = forwarded_to, rejection_reason


def forward(user: User, complaint: Complaint, body_name: str, note: str) -> int:
    """Forward to the competent body: a decision letter to the complainant, a covering letter to the body."""
    body_name, note = _required(body_name), _required(note)
    _in_force(complaint, forwarded_to=body_name)
    decision_letter_id = _decision(user, complaint, "forward", note, body_name)
    covering_letter_id = letters.reserve_forwarding_letter(complaint, decision_letter_id)
    _reserved(user, complaint, covering_letter_id, DocumentKind.FORWARDING_LETTER)
    return decision_letter_id


def resolve(user: User, complaint: Complaint, outcome: str, answer: str) -> int:
    if outcome not in set(Outcome):
        raise ReasonRequired()
    answer = _required(answer)
    _in_force(complaint, outcome=outcome, decision_text=answer)
    return _decision(user, complaint, "resolve", answer, outcome)


def reject(user: User, complaint: Complaint, reason: str) -> int:
    reason = _required(reason)
    _in_force(complaint, rejection_reason=reason)
    return _decision(user, complaint, "reject", reason, None)


appeal_deadline = clock.appeal_deadline  # the rule lives with the rest of the legal clock


def appeal(user: User, complaint: Complaint, reason: str) -> None:
    reason = _required(reason)
    workflow.check(user, complaint, "appeal")
    if complaint.appealed_at is not None:
        raise AppealNotAllowed("already")
    if local_today() > appeal_deadline(complaint):
        raise AppealNotAllowed("window")
    complaint.appeal_reason, complaint.appealed_at = reason, utcnow()
    _move(user, complaint, "appeal", reason)


def review_appeal(supervisor: User, complaint: Complaint) -> None:
    complaint.assigned_officer_id = supervisor.id
    _move(supervisor, complaint, "review_appeal")
    _notify_complainant(complaint, "status")


def close(user: User, complaint: Complaint) -> None:
    workflow.check(user, complaint, "close")
    if complaint.status == "resolved" and complaint.appealed_at is None and local_today() <= appeal_deadline(complaint):
        raise AppealNotAllowed("window")  # the complainant may still appeal
    complaint.closed_at = utcnow()
    _move(user, complaint, "close")
    _notify_complainant(complaint, "status")


def extend(supervisor: User, complaint: Complaint, until: date, reason: str) -> None:
    """Extend the consideration period once, to at most two months from registration."""
    reason = _required(reason)
    workflow.check(supervisor, complaint, "extend")
    if complaint.extended_until is not None:
        raise ExtensionNotAllowed("already")
    limit = default_calendar().extension_limit(complaint.received_at.replace(tzinfo=UTC))
    if until > limit:
        raise ExtensionNotAllowed("beyond_limit")
    if until <= complaint.due_date:
        raise ExtensionNotAllowed("not_later")
    complaint.extended_until, complaint.extension_reason = until, reason
    event = _move(supervisor, complaint, "extend", reason)
    # The notice is issued with the extension, well within the 3 working days APC art. 76 allows.
    _reserved(supervisor, complaint, letters.reserve_extension_notice(complaint, event), DocumentKind.EXTENSION_NOTICE)
    _notify_complainant(complaint, "extended")


def remind_deadlines(today: date | None = None) -> tuple[int, int]:
    """The daily job: warn assigned officers of near deadlines, supervisors of overdue cases."""
    window = clock.window(today or local_today())
    supervisors = list(db.session.scalars(select(User.id).where(
        User.role.in_([Role.SUPERVISOR.value]), User.active.is_(True))))
    warned = overdue = 0
    for complaint in db.session.scalars(select(Complaint).where(clock.sql_open()).order_by(*clock.queue_order())):
        due = clock.of(complaint)
        link = f"/staff/complaints/{complaint.id}"
        if window.overdue(complaint.status, due):
            for supervisor_id in supervisors:
                if not notifications.already_notified_today(supervisor_id, "overdue", complaint.number):
                    notifications.notify(supervisor_id, "overdue", subject_number=complaint.number, link=link)
                    overdue += 1
        elif complaint.assigned_officer_id and window.due_soon(complaint.status, due):
            officer = complaint.assigned_officer_id
            if not notifications.already_notified_today(officer, "deadline_soon", complaint.number):
                notifications.notify(officer, "deadline_soon", subject_number=complaint.number, link=link)
                warned += 1
    db.session.flush()
    return warned, overdue
