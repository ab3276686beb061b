"""The complainant's phone and e-mail on the staff case page, for those who may handle the case.

Who may reach the complainant follows the workflow's rule (app.complaints.workflow, the
``HANDLER`` actor; app.complaints.queue_search.readable_text draws the same line for the
search): the assigned officer, every supervisor and admin; and while a case is assigned
to no one, every officer who may take it (to ask a question before taking it up). An
officer does not see the contacts of another officer's case, even though the case page
itself stays open to all staff for cover.

Showing them is a read of personal data: the case page's audited read
(app.audit.reads.case) says ``contacts: true`` when the page showed them — one audited
read per view, naming the complaint.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.models import Role, User
from app.complaints import workflow
from app.complaints.models import Complaint
from app.extensions import db

_SUPERVISORS = {Role.SUPERVISOR.value, Role.ADMIN.value}


@dataclass(frozen=True)
class ComplainantContacts:
    name: str
    phone: str
    email: str


def may_reach(reader: User, complaint: Complaint) -> bool:
    if reader.role in _SUPERVISORS:
        return True
    if reader.role != Role.OFFICER.value:
        return False
    if complaint.assigned_officer_id is None:
        return "take" in workflow.available(reader, complaint)
    return complaint.assigned_officer_id == reader.id


def for_reader(reader: User, complaint: Complaint) -> ComplainantContacts | None:
    """The contacts ``reader`` may see on this case, or None (the caller audits the read)."""
    if not may_reach(reader, complaint):
        return None
    complainant = db.session.get(User, complaint.filed_by_id)
    return ComplainantContacts(complainant.full_name, complainant.phone, complainant.email)
