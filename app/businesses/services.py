"""Business and association operations; they flush, the caller commits.

A BIN or IIN belongs to one record: the same number cannot be registered twice as a
business, twice as an association, or once as each. The database enforces uniqueness
per table; this module checks across both and turns a lost race into
:class:`NumberTaken` instead of an error page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from app.accounts.models import User
from app.audit import services as audit
from app.businesses import identifiers
from app.businesses.models import Association, Business, BusinessKind
from app.businesses.reference import DISTRICTS, SECTORS, district_name, sector_name
from app.database import add_unique, like_pattern
from app.extensions import db


class BusinessError(Exception):
    pass


class NumberTaken(BusinessError):
    """This BIN/IIN is already registered."""


class InvalidChoice(BusinessError):
    """A district or sector code that is not in the reference data."""


class NotFound(BusinessError):
    pass


@dataclass(frozen=True)
class BusinessSummary:
    id: int
    kind: str
    number: str
    name: str
    address: str
    district: str
    sector: str


@dataclass(frozen=True)
class AssociationSummary:
    id: int
    bin: str
    name_kk: str
    name_ru: str
    members_count: int
    sectors: list[str]
    head_name: str
    head_position: str


def _business_summary(b: Business) -> BusinessSummary:
    return BusinessSummary(
        id=b.id, kind=b.kind, number=b.number, name=b.name, address=b.address,
        district=district_name(b.district), sector=sector_name(b.sector),
    )


def _association_summary(a: Association) -> AssociationSummary:
    return AssociationSummary(
        id=a.id, bin=a.bin, name_kk=a.name_kk, name_ru=a.name_ru, members_count=a.members_count,
        sectors=[sector_name(c) for c in a.sector_codes], head_name=a.head_name,
        head_position=a.head_position,
    )


def _number_in_use(number: str) -> bool:
    in_businesses = db.session.scalar(select(Business.id).where(Business.number == number))
    in_associations = db.session.scalar(select(Association.id).where(Association.bin == number))
    return in_businesses is not None or in_associations is not None


def _flush_unique(record, number: str) -> None:
    if _number_in_use(number) or not add_unique(record):
        raise NumberTaken(number)


def record_number_taken(user: User, number: str, *, registering: str) -> None:
    """Audit that ``user`` was told ``number`` is already registered (flushes)."""
    audit.record("business.number_taken", actor_id=user.id, actor_label=user.email,
                 details={"number": number, "registering": registering})


def register_business(
    owner: User, *, kind: BusinessKind, number: str, name: str, address: str, district: str,
    sector: str,
) -> Business:
    """Register a business represented by ``owner``.

    ``number`` is a BIN for a legal entity and an IIN for an individual entrepreneur;
    raises :class:`identifiers.InvalidIdentifier` when it is not a valid one.
    """
    number = (identifiers.validate_bin if kind is BusinessKind.LEGAL_ENTITY
              else identifiers.validate_iin)(number)
    if district not in DISTRICTS or sector not in SECTORS:
        raise InvalidChoice(f"{district}/{sector}")
    business = Business(
        kind=kind.value, number=number, name=name.strip(), address=address.strip(),
        district=district, sector=sector, created_by_id=owner.id, representatives=[owner],
    )
    _flush_unique(business, number)
    return business


def register_association(
    owner: User, *, bin: str, name_kk: str, name_ru: str, members_count: int,
    sectors: list[str], head_name: str, head_position: str,
) -> Association:
    """Register an association represented by ``owner``."""
    bin = identifiers.validate_bin(bin)
    unknown = [code for code in sectors if code not in SECTORS]
    if unknown or not sectors:
        raise InvalidChoice(",".join(unknown))
    if members_count < 0:
        raise ValueError("members_count must not be negative")
    association = Association(
        bin=bin, name_kk=name_kk.strip(), name_ru=name_ru.strip(), members_count=members_count,
        sectors=",".join(code for code in SECTORS if code in set(sectors)),
        head_name=head_name.strip(), head_position=head_position.strip(),
        created_by_id=owner.id, representatives=[owner],
    )
    _flush_unique(association, bin)
    return association


def businesses_of(user: User) -> list[BusinessSummary]:
    rows = db.session.scalars(
        select(Business).where(Business.representatives.any(User.id == user.id)).order_by(Business.name)
    )
    return [_business_summary(b) for b in rows]


def associations_of(user: User) -> list[AssociationSummary]:
    rows = db.session.scalars(
        select(Association)
        .where(Association.representatives.any(User.id == user.id))
        .order_by(Association.name_kk)
    )
    return [_association_summary(a) for a in rows]


def business_for(user: User, business_id: int) -> BusinessSummary:
    """A business the user represents (staff see every business)."""
    business = db.session.get(Business, business_id)
    if business is None or not (user.is_staff or any(r.id == user.id for r in business.representatives)):
        raise NotFound(business_id)
    return _business_summary(business)


def association_for(user: User, association_id: int) -> AssociationSummary:
    association = db.session.get(Association, association_id)
    if association is None or not (
        user.is_staff or any(r.id == user.id for r in association.representatives)
    ):
        raise NotFound(association_id)
    return _association_summary(association)


def search_businesses(query: str = "", *, district: str | None = None, limit: int = 100):
    """Staff search by name, BIN/IIN or address; newest first."""
    stmt = select(Business).order_by(Business.created_at.desc(), Business.id.desc()).limit(limit)
    if query.strip():
        pattern = like_pattern(query)
        stmt = stmt.where(or_(
            func.lower(Business.name).like(pattern, escape="\\"),
            Business.number.like(pattern, escape="\\"),
            func.lower(Business.address).like(pattern, escape="\\"),
        ))
    if district in DISTRICTS:
        stmt = stmt.where(Business.district == district)
    return [_business_summary(b) for b in db.session.scalars(stmt)]


def search_associations(query: str = "", *, limit: int = 100) -> list[AssociationSummary]:
    stmt = select(Association).order_by(Association.name_kk).limit(limit)
    if query.strip():
        pattern = like_pattern(query)
        stmt = stmt.where(or_(
            func.lower(Association.name_kk).like(pattern, escape="\\"),
            func.lower(Association.name_ru).like(pattern, escape="\\"),
            Association.bin.like(pattern, escape="\\"),
        ))
    return [_association_summary(a) for a in db.session.scalars(stmt)]
