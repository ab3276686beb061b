"""What the complainant's case page shows besides the complaint's own fields, read from its history.

- the officer's **question**, while information is requested: the comment of the last
  ``request_info`` event, shown above the answer form;
- the **decision**: the last ``resolve``, ``reject`` or ``forward`` event, its reasoned text
  (the event's comment: the answer, the grounds of rejection, the covering note) and its letter;
- the **appeal's term**: an appeal is considered within :data:`APPEAL_REVIEW_WORKING_DAYS`
  working days from its registration day (the working day it was filed on, or the next one),
  as a complaint to the higher official is under the Administrative Procedural Code. No
  column holds it: it follows from ``appealed_at`` and the work calendar, as the complaint's
  own due date follows from ``received_at``. The page shows it once a supervisor has taken
  the appeal up, until the new decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from app.calendar.workdays import default_calendar

APPEAL_REVIEW_WORKING_DAYS = 20
DECISIONS = frozenset({"resolve", "reject", "forward"})


def appeal_due(appealed_at: datetime) -> date:
    """The last day to consider an appeal filed at ``appealed_at`` (naive UTC, as stored)."""
    aware = appealed_at if appealed_at.tzinfo else appealed_at.replace(tzinfo=UTC)
    return default_calendar().consideration_due(aware, APPEAL_REVIEW_WORKING_DAYS)


@dataclass(frozen=True)
class Decision:
    action: str  # resolve | reject | forward
    text: str | None
    at: datetime
    document_id: int | None


@dataclass(frozen=True)
class CaseExtras:
    question: str | None
    decision: Decision | None
    appeal_due: date | None


def extras(status: str, appealed_at: datetime | None, events: Sequence) -> CaseExtras:
    """From the case's events (oldest first, queries.EventView)."""
    question = decision = None
    appeal_taken_up = False
    for event in events:
        if event.action == "request_info":
            question = event.comment
        elif event.action in DECISIONS:
            decision = Decision(event.action, event.comment, event.at, event.document_id)
            appeal_taken_up = False
        elif event.action == "review_appeal":
            appeal_taken_up = True
    return CaseExtras(
        question=question if status == "info_requested" else None,
        decision=decision,
        appeal_due=appeal_due(appealed_at) if appeal_taken_up and appealed_at else None,
    )
