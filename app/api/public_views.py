"""The API's operations for anyone: the registry of agreements and the public statistics.

Each is rate-limited per address (``PBI_API_PUBLIC_LIMIT``); verification and ``/healthz``
are served where they were (app.documents.views, app.public.views) and described here.
"""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, current_app, json
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.agreements import queries as agreement_queries
from app.api import models
from app.api.registry import REFUSED, TOO_MANY, Answer, ApiError, Operation, describe, operation
from app.businesses.reference import DISTRICTS
from app.extensions import limiter
from app.reporting import public as public_statistics
from app.reporting.suppression import Cell
from app.timeutil import to_local

bp = Blueprint("api_public", __name__, url_prefix="/api/v1")


def _limit() -> str:
    return current_app.config["PBI_API_PUBLIC_LIMIT"]


LIMITED = (limiter.limit(_limit),)
NOT_FOUND = Answer(404, _l("There is no such agreement in the registry."))


# --- the registry of agreements -------------------------------------------------------------

def _cursor(rank: int, number: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([rank, number]).encode()).decode().rstrip("=")


def _after(cursor: str | None) -> tuple[int, str] | None:
    if cursor is None:
        return None
    try:
        rank, number = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(rank, int) and not isinstance(rank, bool) and isinstance(number, str):
            return rank, number
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        pass
    raise ApiError(400, _("The cursor is not one this API gave: start again without it."), parameter="cursor")


def _agreement(row: agreement_queries.RegistryRow) -> models.Agreement:
    document = models.SignedDocument(number=row.document_number, verification_code=row.document_code) \
        if row.document_number else None
    return models.Agreement(number=row.number, status=row.status, valid_from=row.signed_on,
                            valid_until=row.valid_until, document=document,
                            association=models.Association(name_kk=row.association_name_kk,
                                                           name_ru=row.association_name_ru, bin=row.association_bin))


@operation(bp, "/agreements", operation_id="listAgreements", tag="registry", query=models.AgreementQuery,
           summary=_l("The registry of agreements"),
           description=_l("Agreements that took effect: in force first, then the newest. One page at a time: "
                          "pass next_cursor as cursor for the next one."),
           answers=(Answer(200, _l("A page of the registry."), models.AgreementPage), REFUSED, TOO_MANY),
           decorators=LIMITED)
def agreements(params: models.AgreementQuery) -> models.AgreementPage:
    rows, more = agreement_queries.registry_after(params.q or "", _after(params.cursor), params.limit)
    next_cursor = _cursor(rows[-1][0], rows[-1][1].number) if more else None
    return models.AgreementPage(items=[_agreement(row) for _rank, row in rows], next_cursor=next_cursor)


@operation(bp, "/agreements/<number>", operation_id="getAgreement", tag="registry",
           summary=_l("One agreement of the registry"), description=_l("By its number, e.g. PBI-A-2026-000001."),
           path_parameters={"number": _l("The agreement's number.")},
           answers=(Answer(200, _l("The agreement."), models.Agreement), NOT_FOUND, TOO_MANY), decorators=LIMITED)
def agreement(number: str) -> models.Agreement:
    row = agreement_queries.registry_entry(number[:40])
    if row is None:
        raise ApiError(404, _("There is no such agreement in the registry."))
    return _agreement(row)


# --- the public statistics --------------------------------------------------------------------

def _count(cell: Cell) -> models.Count:
    return models.Count(count=cell.value if cell.published else None, suppressed=cell.mark)


def _breakdown(keys, column: public_statistics.Column) -> models.Breakdown:
    return models.Breakdown(rows={str(key): _count(cell) for key, cell in zip(keys, column.cells, strict=True)},
                            total=_count(column.total))


@operation(bp, "/statistics", operation_id="getStatistics", tag="statistics",
           summary=_l("The public statistics"),
           description=_l("The figures of /statistics, protected the same way: a count below 10 is suppressed, "
                          "and so is any count it could be derived from. At most a day old."),
           answers=(Answer(200, _l("The twelve months ending with the current one."), models.Statistics), TOO_MANY),
           decorators=LIMITED)
def statistics() -> models.Statistics:
    f = public_statistics.figures()
    months = [f"{month:%Y-%m}" for month in f.months]
    districts, kinds = list(DISTRICTS), list(public_statistics.PRESSURE_TYPES)
    return models.Statistics(
        computed_at=to_local(f.computed_at), months=months,
        received_by_month=_breakdown(months, f.by_month[0]), decided_by_month=_breakdown(months, f.by_month[1]),
        received_by_district=_breakdown(districts, f.by_district[0]),
        decided_by_district=_breakdown(districts, f.by_district[1]),
        received_by_pressure_type=_breakdown(kinds, f.by_pressure_type[0]),
        decided_by_pressure_type=_breakdown(kinds, f.by_pressure_type[1]),
        decided_by_decision=_breakdown(public_statistics.DECISIONS, f.by_decision),
        within_term_percent=f.within_term_percent, active_agreements=f.active_agreements,
        members_covered=f.members_covered)


# --- served elsewhere, described here ----------------------------------------------------------

_VERIFY_LIMITED = Answer(429, _l("Too many verifications from this address: wait as Retry-After says."),
                         headers=("Retry-After",))
describe(Operation(
    "get", "/api/v1/verify/{number}", "verifyByNumber", "verification",
    _l("The public record of a document"),
    _l("By the number and the verification code printed on the document: its kind, when it was issued, "
       "its subject and fingerprint (SHA-256). Never its content or the people in it."),
    (Answer(200, _l("The document is registered."), models.Verification),
     Answer(404, _l("No document with this number and code (valid is false)."), models.Verification,
            or_problem=True),
     _VERIFY_LIMITED),
    query=models.VerifyQuery, path_parameters={"number": _l("The document's number, PBI-D-…")}))
describe(Operation(
    "post", "/api/v1/verify", "verifyUpload", "verification",
    _l("Verify a PDF"),
    _l("Send the PDF as multipart/form-data in the field “document”: the answer says whether the department "
       "signed it, unchanged, and registered it."),
    (Answer(200, _l("The verdict (valid true or false, with the reason)."), models.Verification),
     Answer(400, _l("No file, or a file too large (valid is false, with the reason)."), models.Verification,
            or_problem=True),
     Answer(413, _l("The request is larger than the server accepts.")),
     Answer(503, _l("The verifier is busy: try again as Retry-After says."), models.Verification,
            headers=("Retry-After",)),
     _VERIFY_LIMITED),
    request_body={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["document"],
        "properties": {"document": {"type": "string", "contentMediaType": "application/pdf"}}}}}}))
describe(Operation(
    "get", "/healthz", "health", "service", _l("Health"),
    _l("Whether the service and its database answer (for monitoring)."),
    (Answer(200, _l("The service and its database answer."), models.Health),
     Answer(503, _l("The database does not answer."), models.Health))))
