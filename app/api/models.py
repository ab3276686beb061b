"""The API's request and response models: declared once, validated and described from here.

Field names are stable and in English. Dates are ISO 8601 days; instants are ISO 8601 with
their offset (Asia/Almaty, ``+05:00``). A field that has no value is ``null``, never absent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.agreements.models import AgreementStatus
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
