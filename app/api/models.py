"""The API's request and response models: declared once, validated and described from here.

Field names are stable and in English. Dates are ISO 8601 days; instants are ISO 8601 with
their offset (Asia/Almaty, ``+05:00``). A field that has no value is ``null``, never absent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.agreements.models import AgreementStatus
from app.businesses.reference import DISTRICTS
from app.complaints.reference import BODY_CATEGORIES, PRESSURE_TYPES, STATUSES
from app.reporting.suppression import COMPLEMENT, SMALL

PAGE_LIMIT = 100


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- requests ------------------------------------------------------------------------------

class AgreementQuery(Strict):
    """The registry's filters and one page of it (cursor pagination)."""

    q: str | None = Field(None, max_length=100, description="Part of the association's name or BIN, or of the "
                                                            "agreement's number.")
    limit: int = Field(20, ge=1, le=PAGE_LIMIT, description="How many agreements on the page.")
    cursor: str | None = Field(None, max_length=200, description="The ``next_cursor`` of the previous page.")


class VerifyQuery(Strict):
    code: str | None = Field(None, description="The verification code printed beside the number.")


# --- responses -----------------------------------------------------------------------------

class Association(Strict):
    name_kk: str
    name_ru: str
    bin: str = Field(description="The association's business identification number (12 digits).")


class SignedDocument(Strict):
    number: str = Field(description="The document's number (PBI-D-…): verify it at /verify or /api/v1/verify.")
    verification_code: str | None = Field(description="With the number, it lets anyone fetch the public record.")


class Agreement(Strict):
    number: str = Field(description="PBI-A-YYYY-NNNNNN")
    status: Literal[AgreementStatus.ACTIVE.value, AgreementStatus.EXPIRED.value, AgreementStatus.TERMINATED.value]
    association: Association
    valid_from: date | None
    valid_until: date | None
    document: SignedDocument | None = Field(description="The signed agreement, once it is issued.")


class AgreementPage(Strict):
    items: list[Agreement]
    next_cursor: str | None = Field(description="Pass it as ``cursor`` for the next page; null on the last page.")


class Count(Strict):
    """A published count, or a suppressed one (``count`` null) with the reason."""

    count: int | None = Field(ge=0)
    suppressed: Literal[None, SMALL, COMPLEMENT] = Field(
        description=f"null: published. ``{SMALL}``: between 1 and 9. ``{COMPLEMENT}``: hidden so that a small "
                    "count cannot be derived from the others.")


class Breakdown(Strict):
    """One one-way table: a row per key, and its total."""

    rows: dict[str, Count]
    total: Count


class Statistics(Strict):
    computed_at: datetime
    months: list[str] = Field(description="The twelve months of the window, YYYY-MM, oldest first.")
    received_by_month: Breakdown
    decided_by_month: Breakdown
    received_by_district: Breakdown
    decided_by_district: Breakdown
    received_by_pressure_type: Breakdown
    decided_by_pressure_type: Breakdown
    decided_by_decision: Breakdown
    within_term_percent: int | None = Field(ge=0, le=100, description="Null when fewer than ten were decided.")
    active_agreements: int = Field(ge=0)
    members_covered: int = Field(ge=0)


class Verification(Strict):
    """The existing verification answer (also on /verify): what anyone may learn of a document."""

    valid: bool
    number: str | None
    kind: str | None
    issued_at: datetime | None
    subject_number: str | None
    subject_status: str | None
    sha256: str | None
    reason: str | None = Field(description="null when valid; else a stable code (not_found, not_pdf, …).")
    message: str = Field(description="The verdict for a person, in the caller's language.")


class Health(Strict):
    status: Literal["ok", "error"]
    database: Literal["ok", "unreachable"]


class Problem(Strict):
    """An error (RFC 9457)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None


# --- the token operations: complaints (complaints:read) -------------------------------------

_STATUS = Literal[tuple(STATUSES)]  # type: ignore[valid-type]
_PRESSURE = Literal[tuple(PRESSURE_TYPES)]  # type: ignore[valid-type]
_CATEGORY = Literal[tuple(BODY_CATEGORIES)]  # type: ignore[valid-type]
_DISTRICT = Literal[tuple(DISTRICTS)]  # type: ignore[valid-type]


class ComplaintQuery(Strict):
    """The staff queue's filters (its word search excepted: it reads the complaints' texts)."""

    status: _STATUS | None = None
    pressure_type: _PRESSURE | None = None
    body_category: _CATEGORY | None = None
    district: _DISTRICT | None = Field(None, description="Where the pressure took place.")
    officer: int | None = Field(None, ge=1, le=2**31 - 1, description="The assigned officer's id.")
    covered: bool | None = Field(None, description="Filed through an association (true) or not (false).")
    overdue: bool | None = Field(None, description="true: open cases past their due date only.")
    due_within: int | None = Field(None, ge=0, le=60, description="Open cases due within this many working days.")
    limit: int = Field(50, ge=1, le=PAGE_LIMIT, description="How many complaints on the page.")
    cursor: str | None = Field(None, max_length=200, description="The ``next_cursor`` of the previous page.")


class Officer(Strict):
    id: int
    name: str


class Complaint(Strict):
    """A complaint as the queue lists it: never its description, the business or the people in it."""

    number: str = Field(description="PBI-C-YYYY-NNNNNN")
    status: _STATUS
    status_notes: str = Field(description="The status in the caller's language.")
    pressure_type: _PRESSURE
    body_category: _CATEGORY
    body_name: str = Field(description="The state body as the complainant named it.")
    district: _DISTRICT
    covered: bool = Field(description="Filed through an association that has an agreement.")
    assigned_officer: Officer | None
    requested_datetime: datetime = Field(description="Open311: when the complaint was received.")
    updated_datetime: datetime = Field(description="Open311: the time of its latest event.")
    expected_datetime: datetime = Field(description="Open311: the end of its due day (the legal term, extended "
                                                    "when it was), Asia/Almaty.")
    due_date: date = Field(description="The due day itself.")
    overdue: bool


class ComplaintPage(Strict):
    items: list[Complaint]
    next_cursor: str | None = Field(description="Pass it as ``cursor`` for the next page; null on the last page.")


class ComplaintEvent(Strict):
    """One step of the case: what happened and by whom on the department's side; never its text."""

    at: datetime
    action: str = Field(description="A stable code: file, take, assign, start_review, resolve, forward, …")
    status: _STATUS = Field(description="The status after the step.")
    by_department: bool = Field(description="true when a member of staff made the step.")


class ComplaintEvents(Strict):
    number: str
    items: list[ComplaintEvent]


# --- the token operations: statistics (statistics:read) --------------------------------------

class StaffStatisticsQuery(Strict):
    period: str | None = Field(None, pattern=r"^(month:\d{4}-\d{2}|quarter:\d{4}-Q[1-4]|year:\d{4})$",
                               description="month:YYYY-MM, quarter:YYYY-QN or year:YYYY; the current quarter "
                                           "when absent.")
    district: _DISTRICT | None = None
    pressure_type: _PRESSURE | None = None
    body_category: _CATEGORY | None = None


class Figures(Strict):
    received: int = Field(ge=0)
    decided: int = Field(ge=0)
    confirmed: int = Field(ge=0)
    partially_confirmed: int = Field(ge=0)
    not_confirmed: int = Field(ge=0)
    forwarded: int = Field(ge=0)
    rejected: int = Field(ge=0)
    decided_within_term: int = Field(ge=0)
    median_working_days: int | None
    p90_working_days: int | None
    extended: int = Field(ge=0)
    appeals: int = Field(ge=0)
    amount_demanded_sum: int = Field(ge=0, description="Tenge, of the complaints that stated an amount.")
    amount_demanded_median: int | None


class Counted(Strict):
    received: int = Field(ge=0)
    decided: int = Field(ge=0)


class StaffStatistics(Strict):
    """The staff statistics' figures, unsuppressed: for the department's own systems."""

    period_from: date
    period_to: date
    current: Figures
    previous: Figures = Field(description="The period before, of the same length.")
    open_now: int = Field(ge=0)
    overdue_now: int = Field(ge=0)
    by_month: dict[str, Counted]
    by_district: dict[str, Counted]
    by_pressure_type: dict[str, Counted]
    by_body_category: dict[str, Counted]
