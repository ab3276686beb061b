"""The statuses of a complaint, and which of them are open (the department owes an answer)."""

from __future__ import annotations

import enum


class ComplaintStatus(enum.StrEnum):
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    IN_REVIEW = "in_review"
    INFO_REQUESTED = "info_requested"
    FORWARDED = "forwarded"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    APPEALED = "appealed"
    CLOSED = "closed"


OPEN_STATUSES = frozenset({ComplaintStatus.REGISTERED, ComplaintStatus.ASSIGNED, ComplaintStatus.IN_REVIEW,
                           ComplaintStatus.INFO_REQUESTED, ComplaintStatus.APPEALED})
