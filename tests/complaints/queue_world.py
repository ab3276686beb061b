"""A small registry of complaints that differ in every field the queue filters on.

Shared by the queue, dashboard and assignment tests. The complaints are filed through the
service with chosen times of receipt (so their due dates differ), taken or assigned
through case_actions; two things are arranged directly in the database because their own
rules are tested elsewhere: the association that covers a complaint (filing with an
active agreement, tests/complaints/test_filing.py) and the final statuses of a decided
case (tests/complaints/test_case_actions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update

from app import transactions
from app.accounts.models import Role
from app.accounts.services import find_by_email
from app.complaints import case_actions, clock, queries
from app.complaints.models import Complaint
from app.extensions import db
from tests.factories import add_user, filed_complaint, make_association, make_business

# name: (received (UTC), pressure type, body category, district, covered, who handles it, final status)
# Filed in this order (so ids do not follow the times of receipt: "fresh" has the lowest id);
# "other" and "new" are received the same day, so they are due the same day.
CASES = {
    "fresh": (datetime(2026, 11, 30, 5), "bribe_extortion", "police", "kentau", False, None, None),
    "late": (datetime(2026, 11, 2, 5), "bribe_extortion", "sanitary", "turkistan", False, "officer", None),
    "soon": (datetime(2026, 11, 16, 5), "unscheduled_inspection", "state_revenue", "kentau", True, "officer",
             None),
    "other": (datetime(2026, 11, 24, 3), "seizure", "sanitary", "turkistan", True, "other", None),
    "closed": (datetime(2026, 11, 3, 5), "bribe_extortion", "sanitary", "turkistan", False, "officer", "closed"),
    "new": (datetime(2026, 11, 24, 5), "raider_takeover", "police", "arys", False, None, None),
}
DESCRIPTIONS = {  # the others keep the form's default text
    "soon": "Салық органының қызметкері тексеру актісін жасамау үшін ақша сұрады, куәлар бар.",
    "new": "Рейдерлік басып алу әрекеті: құрылтайшылар біздің келісімімізсіз ауыстырылды.",
}
OPEN_CASES = {"late", "soon", "fresh", "other", "new"}


@dataclass
class World:
    ids: dict[str, int]
    numbers: dict[str, str]
    due: dict[str, date]
    staff: dict[str, str]  # role name -> e-mail
    owner: str
    today: date  # the day before "soon" is due: "late" is overdue, "soon" due soon, the rest later

    def name_of(self, number: str) -> str:
        return {n: name for name, n in self.numbers.items()}[number]

    def window(self) -> clock.Window:
        return clock.window(self.today)

    def officer_id(self, who: str) -> int:
        return find_by_email(self.staff[who]).id

    def names(self, app, filters: queries.QueueFilter, **kwargs) -> list[str]:
        """The queue's rows (by name, in order) for ``filters`` on this world's day."""
        with app.app_context():
            page = queries.queue(filters, window=self.window(), per_page=50, **kwargs)
            return [self.name_of(row.number) for row in page.rows]


def build(app) -> World:
    owner = add_user(app)
    business_id = make_business(app, owner)
    staff = {"officer": add_user(app, Role.OFFICER), "other": add_user(app, Role.OFFICER),
             "supervisor": add_user(app, Role.SUPERVISOR)}
    association_id = make_association(app, verified=False).association_id
    ids, numbers, due = {}, {}, {}
    for name, (received, pressure, body, district, covered, handler, final) in CASES.items():
        complaint_id = filed_complaint(app, owner, business_id, received=received, pressure_type=pressure,
                                       body_category=body, incident_district=district, incident_date="2026-10-01",
                                       keep_identity_confidential="",
                                       **({"description": DESCRIPTIONS[name]} if name in DESCRIPTIONS else {}))
        with app.app_context():
            complaint = db.session.get(Complaint, complaint_id)
            if handler:
                case_actions.take(find_by_email(staff[handler]), complaint)
            if covered:
                complaint.association_id = association_id
            if final:
                db.session.execute(update(Complaint).where(Complaint.id == complaint_id).values(status=final))
            transactions.commit()
            complaint = db.session.get(Complaint, complaint_id)
            ids[name], numbers[name], due[name] = complaint.id, complaint.number, complaint.effective_due
    today = due["soon"] - timedelta(days=1)
    world = World(ids, numbers, due, staff, owner, today)
    with app.app_context():
        window = world.window()
        assert due["late"] < today <= due["soon"] <= window.soon_until  # the world is as described
        assert window.soon_until < due["other"] == due["new"] < due["fresh"]
        assert due["closed"] < today
    return world
