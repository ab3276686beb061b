"""Test data built through the real services: users, associations, agreements."""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass
from datetime import date, datetime

from app import transactions
from app.accounts import services as accounts
from app.accounts import two_factor
from app.accounts.models import Role
from app.accounts.services import find_by_email
from app.accounts.two_factor_models import SecondFactor
from app.agreements import rendering, services
from app.businesses import services as businesses
from app.businesses.identifiers import compute_check_digit
from app.businesses.models import BusinessKind
from app.complaints import services as complaints
from app.demo import with_check_digit
from app.documents import services as documents
from app.documents.runtime import file_store
from app.extensions import db

PASSWORD = "correct horse battery staple"
# The TOTP secret of every staff account the factories make (tests only).
TEST_TOTP_SECRET = "KRSXG5CUN5ZDAMRWJ5YHIU3FMNZGK5BA"
_counter = itertools.count(1)
_serial = itertools.count(100)


def add_user(app, role: Role | str = Role.ENTREPRENEUR, *, email: str | None = None,
             password: str = PASSWORD, active: bool = True, locale: str = "kk",
             enrolled: bool = True) -> str:
    """Create a user of ``role`` through the services; return its e-mail address.

    Staff are enrolled in two-factor sign-in with :data:`TEST_TOTP_SECRET` unless
    ``enrolled`` is false.
    """
    role = Role(role)
    email = email or f"{role.value}{next(_counter)}@example.kz"
    with app.app_context():
        if role is Role.ENTREPRENEUR:
            user = accounts.register_entrepreneur(
                email=email, password=password, full_name="Test User", phone="+77011234567",
                iin=None, locale=locale, email_verified=True,
            )
        else:
            user, _ = accounts.create_staff(
                email=email, role=role, full_name="Staff User", password=password, locale=locale
            )
            if enrolled:
                two_factor.enrol_with_secret(user, TEST_TOTP_SECRET)
        user.active = active
        db.session.commit()
    return email


def totp_code(app, email: str) -> str:
    """A code the server accepts now for ``email``'s second factor.

    The server takes each time step's code once; a test that signs the same person in
    several times within 30 seconds would run out of fresh steps, so when none is left
    the account's "last used step" is moved back (the replay guard itself is tested in
    tests/accounts/test_two_factor.py).
    """
    with app.app_context():
        factor = db.session.get(SecondFactor, find_by_email(email).id)
        now = two_factor.current_step()
        # The current step first: if the clock crosses into the next step before the server
        # checks, the code is still within its one step of drift (now - 1 would not be).
        fresh = [step for step in (now, now + 1)
                 if factor.last_used_step is None or step > factor.last_used_step]
        if not fresh:
            factor.last_used_step = now - 1
            db.session.commit()
            fresh = [now]
        return two_factor.code_at(factor.secret, fresh[0])


def complete_second_factor(client, email: str, response):
    """After a password sign-in answered by ``response``: type the code if one is due."""
    if response.status_code != 302:
        return response
    app = client.application
    with app.app_context():
        user = find_by_email(email)
        due = user is not None and two_factor.required_for(user) and two_factor.is_enrolled(user.id)
    if due:
        answer = client.post("/sign-in/code", data={"code": totp_code(app, email)})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return response


def sign_in(client, email: str, password: str = PASSWORD, *, next_url: str | None = None, data=None):
    """Sign ``client`` in with the password and, for enrolled staff, the TOTP code.

    Returns the answer to the password step (a 302 to ``next`` or home on success).
    """
    url = "/login" + (f"?next={next_url}" if next_url else "")
    response = client.post(url, data={"email": email, "password": password, **(data or {})})
    return complete_second_factor(client, email, response)


PROOF_PDF = b"%PDF-1.4\n% a scanned power of attorney\n%%EOF\n"


@dataclass
class Parties:
    """E-mails and ids of everyone an agreement involves."""

    representative: str
    officer: str
    supervisor: str
    association_id: int

    def user(self, which: str):
        return find_by_email(getattr(self, which))


def _next_bin() -> tuple[int, str]:
    while True:  # some prefixes have no check digit; take the next one
        serial = next(_serial)
        if compute_check_digit(f"1203400{serial:04d}") is not None:
            return serial, with_check_digit(f"1203400{serial:04d}")


def make_association(app, *, verified: bool = True, name: str | None = None) -> Parties:
    serial, bin = _next_bin()
    representative = add_user(app)
    officer, supervisor = add_user(app, Role.OFFICER), add_user(app, Role.SUPERVISOR)
    with app.app_context():
        owner = find_by_email(representative)
        association = businesses.register_association(
            owner, bin=bin, name_kk=name or f"Қауымдастық {serial}",
            name_ru=name or f"Ассоциация {serial}", members_count=10, sectors=["trade"],
            head_name="Басшы Басшыұлы", head_position="Төраға",
        )
        db.session.flush()
        if verified:
            proof = services.submit_authority_proof(owner, association.id, PROOF_PDF, "proof.pdf")
            services.decide_authority_proof(find_by_email(officer), proof.id, accept=True, reason=None)
        db.session.commit()
        return Parties(representative, officer, supervisor, association.id)


def signed_agreement(app, parties: Parties, *, render: bool = True) -> int:
    """A draft prepared and signed with the password; returns the agreement id.

    ``render=False`` stores a stand-in draft PDF instead of rendering one (for speed,
    where the PDF's content does not matter).
    """
    with app.app_context():
        agreement = services.start_agreement(parties.user("representative"), parties.association_id)
        db.session.commit()
        if render:
            services.ensure_draft_pdf(agreement.id, rendering.draft_html)
        else:
            agreement.draft_pdf_sha256 = file_store().put(PROOF_PDF + str(agreement.id).encode())
        services.sign_with_password(agreement.id, parties.user("representative"), "correct horse battery staple")
        db.session.commit()
        return agreement.id


def active_agreement(app, parties: Parties) -> int:
    agreement_id = signed_agreement(app, parties)
    with app.app_context():
        agreement = services.countersign(agreement_id, parties.user("supervisor"))
        db.session.commit()
        documents.produce(agreement.document_id)
    return agreement_id


# --- complaints ---------------------------------------------------------------------------

def make_business(app, owner_email: str) -> int:
    """A legal entity represented by ``owner_email``; returns its id."""
    _serial_number, bin = _next_bin()
    with app.app_context():
        business = businesses.register_business(
            find_by_email(owner_email), kind=BusinessKind.LEGAL_ENTITY, number=bin, name=f"ТОО «Тест {bin[-4:]}»",
            address="Түркістан қ.", district="turkistan", sector="trade")
        db.session.commit()
        return business.id


def complaint_form(business_id: int, **overrides) -> dict:
    """The fields of the filing form, valid unless overridden."""
    form = {
        "submission_token": secrets.token_urlsafe(16), "business_id": str(business_id), "association_id": "",
        "pressure_type": "bribe_extortion", "body_category": "sanitary",
        "body_name": "Түркістан облысының санитариялық-эпидемиологиялық бақылау департаменті",
        "official_name": "", "official_position": "Бас маман", "incident_date": "2026-11-20",
        "incident_district": "turkistan",
        "description": "Тексеру кезінде маман актіні жасамау үшін 500 000 теңге талап етті. Куәлар бар.",
        "amount_demanded": "500000", "keep_identity_confidential": "y", "consent": "y",
    }
    form.update(overrides)
    return form


def filed_complaint(app, owner_email: str, business_id: int, *, received=None, uploads=(), **overrides) -> int:
    """A complaint filed through the service (talon issued); returns its id."""
    fields = complaint_form(business_id, **overrides)
    filing = complaints.Filing(
        business_id=business_id, association_id=int(fields["association_id"] or 0) or None,
        association_may_follow=bool(fields.get("association_may_follow")), pressure_type=fields["pressure_type"],
        body_category=fields["body_category"], body_name=fields["body_name"],
        official_name=fields["official_name"] or None,
        official_position=fields["official_position"], incident_date=date.fromisoformat(fields["incident_date"]),
        incident_district=fields["incident_district"], description=fields["description"],
        amount_demanded=int(fields["amount_demanded"]) if fields["amount_demanded"] else None,
        keep_identity_confidential=bool(fields["keep_identity_confidential"]), consent=True,
        submission_token=fields["submission_token"],
    )
    with app.app_context():
        complaint, _created = complaints.file_complaint(find_by_email(owner_email), filing, list(uploads),
                                                        received=received)
        complaint_id = complaint.id
        transactions.commit()  # the talon is issued after the commit
        return complaint_id


# --- concurrency ----------------------------------------------------------------------------

def run_in_parallel(app, work, items) -> list[str]:
    """Run ``work(item)`` for every item at once, each in its own thread, app context and
    database session, all released together by a barrier; returns the errors raised."""
    items = list(items)
    barrier, errors = threading.Barrier(len(items)), []

    def one(item) -> None:
        with app.app_context():
            try:
                barrier.wait()
                work(item)
            except Exception as exc:  # collected for the caller's assertion
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def file_in_parallel(app, count: int, *, owners: int = 5) -> list[str]:
    """File ``count`` complaints at once (received Tuesday 24 November 2026); returns the errors."""
    emails = [add_user(app) for _ in range(owners)]
    businesses_by_owner = {email: make_business(app, email) for email in emails}
    description = complaint_form(0)["description"]

    def file(index: int) -> None:
        email = emails[index % owners]
        filing = complaints.Filing(
            business_id=businesses_by_owner[email], association_id=None, association_may_follow=False,
            pressure_type="bribe_extortion", body_category="police", body_name="Police", official_name=None,
            official_position=None, incident_date=date(2026, 11, 2), incident_district="turkistan",
            description=description, amount_demanded=None, keep_identity_confidential=True, consent=True,
            submission_token=f"token-{index}")
        complaints.file_complaint(find_by_email(email), filing, [], received=datetime(2026, 11, 24, 9, 0))
        db.session.commit()

    return run_in_parallel(app, file, range(count))
