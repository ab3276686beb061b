"""Demo data: staff, entrepreneurs, businesses and associations for trying the app.

All demo accounts share one password, printed by ``init`` and ``demo`` and in the README.
``recreate`` removes only the demo records (matched by their e-mail domain and numbers),
never anything else.

``init`` also adds a *history* the first time it creates the demo: ``DEMO_HISTORY``
fictitious complaints of the last five years made by ``demo scale`` (their staff,
entrepreneurs and associations on ``@scale.pbi.kz``), so that the statistics, the
recurring bodies, the public statistics — which show no count below 10 — and last
month's signed report have figures to show. It is not demo records: ``recreate`` keeps it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from app import transactions
from app.accounts import services as accounts
from app.accounts import two_factor
from app.accounts.models import Role, User, UserSession
from app.accounts.two_factor_models import RecoveryCode, SecondFactor
from app.agreements import rendering
from app.agreements import services as agreements
from app.agreements.models import Agreement, AgreementEvent, AuthorityProof
from app.businesses import services as businesses
from app.businesses.identifiers import compute_check_digit
from app.businesses.models import Association, Business, BusinessKind
from app.complaints import case_actions
from app.complaints import services as complaints
from app.complaints.models import CaseMessage, Complaint, ComplaintEvent, Evidence
from app.documents.models import Document
from app.extensions import db
from app.notifications.models import Notification, OutboxMessage
from app.reporting import monthly_report
from app.timeutil import local_today, utcnow

DEMO_DOMAIN = "demo.pbi.kz"
DEMO_PASSWORD = "Turkistan-Demo-2026"  # noqa: S105 (public demo password, printed)
# The TOTP secret of every demo staff account (and of the `demo scale` staff): public,
# printed in the README and by `flask demo`, for trying the demo with an authenticator
# app. Development demo only: a real account enrols with its own random secret.
DEMO_TOTP_SECRET = "PBIDEMOTURKISTANSTAFFSIGNINTOTP2"  # noqa: S105
DEMO_HISTORY = 3000  # complaints of the history `init` adds (`init --history N`)
HISTORY_ASSOCIATIONS_PER_COMPLAINT = 1 / 100
HISTORY_SEED = 2026


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
    ("admin", Role.ADMIN, "Әкімші Админов"),
    ("supervisor", Role.SUPERVISOR, "Серік Байжанов"),
    ("officer1", Role.OFFICER, "Айгүл Нұрланова"),
    ("officer2", Role.OFFICER, "Ержан Сейітов"),
]
# The job titles printed on the documents staff sign (Kazakh / Russian).
STAFF_POSITIONS = {
    "admin": "Бас маман / Главный специалист",
    "supervisor": "Басқарма басшысы / Руководитель управления",
    "officer1": "Бас сарапшы / Главный эксперт",
    "officer2": "Жетекші маман / Ведущий специалист",
}
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
    complaint_ids = select(Complaint.id).join(Business, Business.id == Complaint.business_id).where(
        Business.number.in_(numbers))
    db.session.execute(update(Complaint).where(Complaint.id.in_(complaint_ids)).values(talon_document_id=None))
    db.session.execute(update(ComplaintEvent).where(ComplaintEvent.complaint_id.in_(complaint_ids))
                       .values(document_id=None))
    db.session.execute(delete(Document).where(Document.subject_type == "complaint",
                                              Document.subject_id.in_(complaint_ids)))
    for model in (Evidence, CaseMessage, ComplaintEvent):
        db.session.execute(delete(model).where(model.complaint_id.in_(complaint_ids)))
    db.session.execute(delete(Complaint).where(Complaint.id.in_(complaint_ids)))
    demo_emails = select(User.email).where(User.email.like(f"%@{DEMO_DOMAIN}"))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_address.in_(demo_emails)))
    db.session.execute(delete(Notification).where(Notification.user_id.in_(
        select(User.id).where(User.email.like(f"%@{DEMO_DOMAIN}")))))
    association_ids = select(Association.id).where(Association.bin.in_(numbers))
    agreement_ids = select(Agreement.id).where(Agreement.association_id.in_(association_ids))
    db.session.execute(update(Agreement).where(Agreement.id.in_(agreement_ids)).values(document_id=None))
    db.session.execute(delete(Document).where(Document.subject_type == "agreement",
                                              Document.subject_id.in_(agreement_ids)))
    db.session.execute(delete(AgreementEvent).where(AgreementEvent.agreement_id.in_(agreement_ids)))
    db.session.execute(delete(Agreement).where(Agreement.id.in_(agreement_ids)))
    db.session.execute(delete(AuthorityProof).where(AuthorityProof.association_id.in_(association_ids)))
    db.session.execute(delete(Business).where(Business.number.in_(numbers)))
    db.session.execute(delete(Association).where(Association.bin.in_(numbers)))
    demo_ids = select(User.id).where(User.email.like(f"%@{DEMO_DOMAIN}"))
    for model in (UserSession, RecoveryCode, SecondFactor):
        db.session.execute(delete(model).where(model.user_id.in_(demo_ids)))
    db.session.execute(delete(User).where(User.email.like(f"%@{DEMO_DOMAIN}")))
    db.session.flush()


def logins() -> list[DemoLogin]:
    staff = [DemoLogin(f"{key}@{DEMO_DOMAIN}", role.value, name) for key, role, name in STAFF]
    return staff + [
        DemoLogin(f"{key}@{DEMO_DOMAIN}", Role.ENTREPRENEUR.value, name)
        for key, name, _phone, _locale in ENTREPRENEURS
    ]


def create(*, history: int = 0) -> list[DemoLogin]:
    """Create and commit the demo records, agreements included. Returns the logins to print.

    Needs the department keys (``init`` creates them first): the active agreement's
    signed PDF is issued like any other. ``history``: fictitious past complaints to add
    first (see the module's docstring), so that last month's report counts them.
    """
    for key, role, name in STAFF:
        staff, _ = accounts.create_staff(
            email=f"{key}@{DEMO_DOMAIN}", role=role, full_name=name, password=DEMO_PASSWORD,
            position=STAFF_POSITIONS.get(key),
        )
        two_factor.enrol_with_secret(staff, DEMO_TOTP_SECRET)
    owners = {}
    for key, name, phone, locale in ENTREPRENEURS:
        owners[key] = accounts.register_entrepreneur(
            email=f"{key}@{DEMO_DOMAIN}", password=DEMO_PASSWORD, full_name=name, phone=phone,
            iin=None, locale=locale, email_verified=True,
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
    transactions.commit()
    _create_agreements()
    _create_complaints()
    _spread_histories()
    if history:
        _add_history(history)
    _issue_monthly_report()
    return logins()


def _add_history(complaints_count: int) -> None:
    # Imported here: app.demo_scale takes the demo password and TOTP secret from this module.
    from app.demo_scale import scale

    associations = max(1, round(complaints_count * HISTORY_ASSOCIATIONS_PER_COMPLAINT))
    scale(complaints=complaints_count, associations=associations, seed=HISTORY_SEED)


def _issue_monthly_report() -> None:
    """Last month's signed report, over the demo's complaints (a fresh one each time the demo is made)."""
    first = (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    admin = _user("admin")
    monthly_report.issue(first, actor_id=admin.id, actor_label=admin.email,
                         reissue=monthly_report.current(first) is not None)
    transactions.commit()  # the PDF is made after the commit, like every document


# A minimal one-page PDF standing in for a scanned power of attorney.
_DEMO_PROOF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _user(key: str) -> User:
    return db.session.scalars(select(User).where(User.email == f"{key}@{DEMO_DOMAIN}")).one()


def _create_agreements() -> None:
    """One agreement in force (with its issued PDF) and one awaiting countersignature."""
    officer, supervisor = _user("officer1"), _user("supervisor")
    for owner_key, association_bin, countersign in (("aigerim", demo_associations()[0][1], True),
                                                     ("bakhyt", demo_associations()[1][1], False)):
        owner = _user(owner_key)
        association = db.session.scalars(select(Association).where(Association.bin == association_bin)).one()
        proof = agreements.submit_authority_proof(owner, association.id, _DEMO_PROOF, "доверенность.pdf")
        agreements.decide_authority_proof(officer, proof.id, accept=True, reason=None)
        agreement = agreements.start_agreement(owner, association.id)
        transactions.commit()
        agreements.ensure_draft_pdf(agreement.id, rendering.draft_html)
        agreements.sign_with_password(agreement.id, owner, DEMO_PASSWORD)
        transactions.commit()
        if countersign:
            agreements.countersign(agreement.id, supervisor)
            transactions.commit()  # the final PDF is issued after the commit


def recreate() -> list[DemoLogin]:
    remove()
    transactions.commit()
    return create()


def _business(number: str) -> Business:
    return db.session.scalars(select(Business).where(Business.number == number)).one()


SANITARY = "Түркістан облысының санитариялық-эпидемиологиялық бақылау департаменті"


def _file(owner_key: str, business_number: str, *, days_ago: int = 0, pressure: str = "unscheduled_inspection",
          body: str = "sanitary", body_name: str = SANITARY, association_bin: str | None = None,
          evidence: bool = True, official_name: str | None = None) -> Complaint:
    owner = _user(owner_key)
    association_id = None
    if association_bin:
        association_id = db.session.scalars(select(Association.id).where(Association.bin == association_bin)).one()
    filing = complaints.Filing(
        business_id=_business(business_number).id, association_id=association_id,
        association_may_follow=association_id is not None, pressure_type=pressure, body_category=body,
        body_name=body_name, official_name=official_name, official_position="Бас маман",
        incident_date=local_today() - timedelta(days=days_ago + 3), incident_district="turkistan",
        description=("Жоспардан тыс тексеру кезінде лауазымды тұлға айыппұл салмау үшін ақша талап етті. "
                     "Во время внеплановой проверки должностное лицо потребовало деньги за неналожение штрафа."),
        amount_demanded=300_000 if pressure == "bribe_extortion" else None, keep_identity_confidential=True,
        consent=True, submission_token=secrets.token_urlsafe(16),
    )
    uploads = [complaints.Upload(_DEMO_PROOF, "акт-проверки.pdf")] if evidence else []
    complaint, _ = complaints.file_complaint(owner, filing, uploads, received=utcnow() - timedelta(days=days_ago))
    complaint_id = complaint.id
    transactions.commit()  # the talon is issued after the commit
    return db.session.get(Complaint, complaint_id)


def _spread_histories() -> None:
    """Give each demo case a believable timeline: the filing at the time of receipt, then each
    later step and message in order, a few hours apart, never before the receipt.

    The cases are built in a moment but received days ago; without this every step would
    show today's time under a receipt of last week. The decision and what follows it keep
    their real times, which the issued letters and the appeal period are counted from.
    """
    now = utcnow()
    for complaint in db.session.scalars(select(Complaint)).all():
        received = complaint.received_at
        events = db.session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id))
        messages = db.session.scalars(select(CaseMessage).where(CaseMessage.complaint_id == complaint.id))
        entries = sorted([*events, *messages], key=lambda entry: entry.at)
        decided = [index for index, entry in enumerate(entries)
                   if isinstance(entry, ComplaintEvent) and entry.document_id is not None]
        before = entries[:decided[0]] if decided else entries
        until = entries[decided[0]].at if decided else now
        step = min(timedelta(hours=5), (until - received) / (len(before) + 1))
        for position, entry in enumerate(before):
            entry.at = received + step * position
    transactions.commit()


def _decide(letter_id: int) -> None:
    transactions.commit()  # the decision letter is issued after the commit


def _create_complaints() -> None:
    """Complaints in every state: one overdue, one covered by an association, letters issued."""
    officer1, officer2, supervisor = _user("officer1"), _user("officer2"), _user("supervisor")
    farm_bin, farmers = "940140000385", demo_associations()[0][1]
    ip_number, build_bin, tour_bin = demo_businesses()[1][2], "990140004654", demo_businesses()[3][2]

    _file("dana", tour_bin, pressure="permit_obstruction", body="licensing",
          body_name="Түркістан облысының туризм басқармасы")  # registered

    assigned = _file("bakhyt", build_bin, days_ago=1, pressure="raider_takeover", body="land_relations",
                     body_name="Сайрам ауданының жер қатынастары бөлімі")
    case_actions.take(officer1, assigned)
    transactions.commit()

    covered = _file("aigerim", farm_bin, days_ago=2, pressure="bribe_extortion", association_bin=farmers)
    case_actions.take(officer1, covered)
    case_actions.start_review(officer1, covered)
    complaints.post_message(officer1, covered, "Тексеру актісінің көшірмесі бар ма? / Есть ли копия акта?",
                            [], internal=True, staff=True)
    transactions.commit()

    asked = _file("aigerim", ip_number, days_ago=3, pressure="seizure", body="state_revenue",
                  body_name=REVENUE_OFFICE, official_name=REVENUE_OFFICIAL)
    case_actions.assign(supervisor, asked, officer2.id)
    case_actions.start_review(officer2, asked)
    case_actions.request_info(officer2, asked,
                          "Тауарды ұстау хаттамасын жіберіңізші. / Пришлите протокол задержания товара.")
    transactions.commit()

    forwarded = _file("bakhyt", build_bin, days_ago=4, pressure="procurement_interference", body="local_executive",
                      body_name="Сайрам ауданының әкімдігі")
    case_actions.take(officer2, forwarded)
    case_actions.start_review(officer2, forwarded)
    _decide(case_actions.forward(officer2, forwarded,
                             "Түркістан облысының прокуратурасы / Прокуратура Туркестанской области",
                             "Мемлекеттік сатып алу заңнамасының сақталуын тексеру үшін жолданды."))

    resolved = _file("aigerim", farm_bin, days_ago=6)
    case_actions.take(officer1, resolved)
    case_actions.start_review(officer1, resolved)
    _decide(case_actions.resolve(officer1, resolved, "confirmed",
                             "Тексеру барысында фактілер расталды; лауазымды тұлғаға қатысты іс қозғалды. / "
                             "Факты подтвердились; в отношении должностного лица начато производство."))

    rejected = _file("dana", tour_bin, days_ago=7, pressure="other", body="other", body_name="—", evidence=False)
    case_actions.take(officer2, rejected)
    _decide(case_actions.reject(officer2, rejected, "Өтініште мемлекеттік органның әрекеті көрсетілмеген. / "
                                                "В обращении не указаны действия государственного органа."))

    appealed = _file("bakhyt", build_bin, days_ago=8, pressure="unscheduled_inspection", body="emergency",
                     body_name="Сайрам ауданының төтенше жағдайлар бөлімі")
    case_actions.take(officer1, appealed)
    case_actions.start_review(officer1, appealed)
    _decide(case_actions.resolve(officer1, appealed, "not_confirmed", "Тексеру заң талаптарына сай жүргізілген."))
    case_actions.appeal(_user("bakhyt"), appealed, "Тексеру жоспарда болмаған, құжаттарды қоса беремін.")
    transactions.commit()

    closed = _file("dana", tour_bin, days_ago=9, pressure="other", body="police",
                   body_name="Отырар аудандық полиция бөлімі", evidence=False)
    case_actions.take(officer2, closed)
    _decide(case_actions.reject(officer2, closed, "Мәселе департаменттің құзыретіне жатпайды."))
    case_actions.close(officer2, closed)
    transactions.commit()

    overdue = _file("aigerim", ip_number, days_ago=40, pressure="bribe_extortion", body="police",
                    body_name="Кентау қалалық полиция басқармасы")
    case_actions.take(officer2, overdue)
    case_actions.start_review(officer2, overdue)
    transactions.commit()
    _create_repeat_offender(officer1)


# The repeat-offender view's example (/staff/patterns): one office and one of its officials named in three
# complaints, written each time differently (quotes, case, an abbreviation, a Latin "i" for the Kazakh "і").
REVENUE_OFFICE = "Кентау қаласы бойынша мемлекеттік кірістер басқармасы"
REVENUE_OFFICIAL = "Ерланов Серік Маратұлы"


def _create_repeat_offender(officer) -> None:
    ip_number, farm_bin = demo_businesses()[1][2], "940140000385"
    again = _file("aigerim", farm_bin, days_ago=12, pressure="bribe_extortion", body="state_revenue",
                  body_name="ГУ «Кентау қаласы бойынша мемлекеттік кірістер басқармасы»",
                  official_name="ЕРЛАНОВ Серік Маратұлы")
    case_actions.take(officer, again)
    case_actions.start_review(officer, again)
    _decide(case_actions.resolve(officer, again, "partially_confirmed",
                                 "Талап етілген соманың бір бөлігі расталды. / Факты подтвердились частично."))
    third = _file("aigerim", ip_number, days_ago=15, pressure="unscheduled_inspection", body="state_revenue",
                  body_name="кентау қаласы бойынша МКБ", official_name="Ерланов  Серiк  Маратұлы")
    case_actions.take(officer, third)
    transactions.commit()
