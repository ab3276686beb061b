"""A representative edits their business or association; they flush, the caller commits.

Only a representative of the record edits it (staff read the registers, they do not
rewrite what a business declared). The BIN/IIN and the type of business are fixed at
registration: they are not among the values these functions take. Each change is
audited with the old and new value of every field that changed (app.changes).
"""

from __future__ import annotations

from app import changes
from app.accounts.models import User
from app.audit import services as audit
from app.businesses.models import Association, Business
from app.businesses.reference import DISTRICTS, SECTORS
from app.businesses.services import InvalidChoice, NotFound
from app.extensions import db


def _represented(model, record_id: int, user: User):
    record = db.session.get(model, record_id)
    if record is None or not any(r.id == user.id for r in record.representatives):
        raise NotFound(record_id)
    return record


def business_to_edit(user: User, business_id: int) -> Business:
    """The business ``user`` represents (:class:`NotFound` for any other, staff included)."""
    return _represented(Business, business_id, user)


def association_to_edit(user: User, association_id: int) -> Association:
    return _represented(Association, association_id, user)


def _audit(user: User, action: str, subject_type: str, record, changed: dict) -> None:
    if changed:
        audit.record(action, **audit.actor_fields(user), subject_type=subject_type, subject_id=str(record.id),
                     details={"number": record.number if subject_type == "business" else record.bin,
                              "changes": changed})
    db.session.flush()


def edit_business(user: User, business_id: int, *, name: str, address: str, district: str,
                  sector: str) -> dict:
    """Change the business's details; returns what changed."""
    business = business_to_edit(user, business_id)
    if district not in DISTRICTS or sector not in SECTORS:
        raise InvalidChoice(f"{district}/{sector}")
    changed = changes.apply(business, {"name": name.strip(), "address": address.strip(),
                                       "district": district, "sector": sector})
    _audit(user, "business.changed", "business", business, changed)
    return changed


def edit_association(user: User, association_id: int, *, name_kk: str, name_ru: str, members_count: int,
                     sectors: list[str], head_name: str, head_position: str) -> dict:
    """Change the association's details; returns what changed."""
    association = association_to_edit(user, association_id)
    unknown = [code for code in sectors if code not in SECTORS]
    if unknown or not sectors:
        raise InvalidChoice(",".join(unknown))
    if members_count < 1:
        raise ValueError("members_count must be positive")
    changed = changes.apply(association, {
        "name_kk": name_kk.strip(), "name_ru": name_ru.strip(), "members_count": members_count,
        "sectors": ",".join(code for code in SECTORS if code in set(sectors)),
        "head_name": head_name.strip(), "head_position": head_position.strip(),
    })
    _audit(user, "association.changed", "association", association, changed)
    return changed
