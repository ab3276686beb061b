"""The daily job: near deadlines to the assigned officer, overdue cases to supervisors, once a day."""

from datetime import datetime

from sqlalchemy import select

from app.accounts.services import find_by_email
from app.complaints import case_actions
from app.complaints.models import Complaint
from app.extensions import db
from app.notifications.models import Notification
from tests.factories import add_user, filed_complaint, make_business


def test_remind_deadlines(app, keys, runner):
    owner, officer, supervisor = add_user(app), add_user(app, "officer"), add_user(app, "supervisor")
    business = make_business(app, owner)
    # Filed Monday 2 November 2026: due 23 November; filed Monday 16 November: due 7 December.
    late = filed_complaint(app, owner, business, received=datetime(2026, 11, 2, 5, 0))
    near = filed_complaint(app, owner, business, received=datetime(2026, 11, 16, 5, 0))
    with app.app_context():
        for complaint_id in (late, near):
            case_actions.take(find_by_email(officer), db.session.get(Complaint, complaint_id))
        db.session.commit()
        today = datetime(2026, 12, 3).date()  # Thursday: `near` is 2 working days away, `late` overdue
        assert case_actions.remind_deadlines(today) == (1, 1)
        db.session.commit()
        assert case_actions.remind_deadlines(today) == (0, 0)  # not twice the same day
        rows = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification).where(
            Notification.kind.in_(["deadline_soon", "overdue"])))}
        assert rows == {(find_by_email(officer).id, "deadline_soon"), (find_by_email(supervisor).id, "overdue")}
    result = runner.invoke(args=["deadlines", "remind"])
    assert result.exit_code == 0 and "reminder(s)" in result.output
