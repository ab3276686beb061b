"""Demo data: staff, entrepreneurs, businesses and associations for trying the app.

All demo accounts share one password, printed by ``init`` and ``demo`` and in the README.
``recreate`` removes only the demo records (matched by their e-mail domain and numbers),
never anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from app.accounts import services as accounts
from app.accounts.models import Role, User, UserSession
from app.businesses import services as businesses
from app.businesses.identifiers import compute_check_digit
from app.businesses.models import Association, Business, BusinessKind
from app.extensions import db

DEMO_DOMAIN = "demo.pbi.kz"
DEMO_PASSWORD = "Turkistan-Demo-2026"  # noqa: S105 (public demo password, printed)


def with_check_digit(first11: str) -> str:
    digit = compute_check_digit(first11)
    if digit is None:
        raise ValueError(f"{first11} has no check digit")
    return first11 + str(digit)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    full_name: str


STAFF = [
    ("admin", Role.ADMIN, "Әкімшi Админов"),
    ("supervisor", Role.SUPERVISOR, "Серік Байжанов"),
    ("officer1", Role.OFFICER, "Айгүл Нұрланова"),
    ("officer2", Role.OFFICER, "Ержан Сейітов"),
]
ENTREPRENEURS = [
    ("aigerim", "Айгерім Төлегенова", "+77011234567", "ru"),
    ("bakhyt", "Бақыт Омаров", "+77021234567", "kk"),
    ("dana", "Dana Karimova", "+77031234567", "en"),
]


def demo_businesses():
    """(owner key, kind, number, name, address, district, sector)."""
    return [
        ("aigerim", BusinessKind.LEGAL_ENTITY, "940140000385", "ТОО «Оңтүстік Агро»",
         "Түркістан қ., Тәуке хан даңғылы, 12", "turkistan", "agriculture"),
        ("aigerim", BusinessKind.INDIVIDUAL, with_check_digit("85051540123"),
         "ИП Төлегенова", "Кентау қ., Абай к-сі, 5", "kentau", "trade"),
        ("bakhyt", BusinessKind.LEGAL_ENTITY, "990140004654", "ТОО «Сайрам Құрылыс»",
         "Сайрам ауданы, Ақсу а., Жібек жолы к-сі, 44", "sairam", "construction"),
        ("dana", BusinessKind.LEGAL_ENTITY, with_check_digit("15034000123"), "Otyrar Tour LLP",
         "Otyrar district, Shauildir, Kazybek bi st. 3", "otyrar", "tourism"),
    ]


def demo_associations():
    """(owner key, BIN, name kk, name ru, members, sectors, head, position)."""
    return [
        ("aigerim", with_check_digit("05034000778"), "Түркістан облысының фермерлер қауымдастығы",
         "Ассоциация фермеров Туркестанской области", 240, ["agriculture"],
         "Нұрлан Әбдіров", "Төраға"),
        ("bakhyt", with_check_digit("12094000555"), "Түркістан құрылысшылар одағы",
         "Союз строителей Туркестана", 85, ["construction", "manufacturing"],
         "Марат Исаев", "Атқарушы директор"),
    ]


def _numbers() -> set[str]:
    return {row[2] for row in demo_businesses()} | {row[1] for row in demo_associations()}


def exists() -> bool:
    return db.session.scalar(select(User.id).where(User.email.like(f"%@{DEMO_DOMAIN}"))) is not None


def remove() -> None:
    numbers = _numbers()
    db.session.execute(delete(Business).where(Business.number.in_(numbers)))
    db.session.execute(delete(Association).where(Association.bin.in_(numbers)))
    demo_ids = select(User.id).where(User.email.like(f"%@{DEMO_DOMAIN}"))
    db.session.execute(delete(UserSession).where(UserSession.user_id.in_(demo_ids)))
    db.session.execute(delete(User).where(User.email.like(f"%@{DEMO_DOMAIN}")))
    db.session.flush()


def logins() -> list[DemoLogin]:
    staff = [DemoLogin(f"{key}@{DEMO_DOMAIN}", role.value, name) for key, role, name in STAFF]
    return staff + [
        DemoLogin(f"{key}@{DEMO_DOMAIN}", Role.ENTREPRENEUR.value, name)
        for key, name, _phone, _locale in ENTREPRENEURS
    ]


def create() -> list[DemoLogin]:
    """Create the demo records (the caller commits). Returns the logins to print."""
    for key, role, name in STAFF:
        accounts.create_staff(
            email=f"{key}@{DEMO_DOMAIN}", role=role, full_name=name, password=DEMO_PASSWORD
        )
    owners = {}
    for key, name, phone, locale in ENTREPRENEURS:
        owners[key] = accounts.register_entrepreneur(
            email=f"{key}@{DEMO_DOMAIN}", password=DEMO_PASSWORD, full_name=name, phone=phone,
            iin=None, locale=locale,
        )
    for owner, kind, number, name, address, district, sector in demo_businesses():
        businesses.register_business(
            owners[owner], kind=kind, number=number, name=name, address=address,
            district=district, sector=sector,
        )
    for owner, bin, name_kk, name_ru, members, sectors, head, position in demo_associations():
        businesses.register_association(
            owners[owner], bin=bin, name_kk=name_kk, name_ru=name_ru, members_count=members,
            sectors=sectors, head_name=head, head_position=position,
        )
    return logins()


def recreate() -> list[DemoLogin]:
    remove()
    return create()
