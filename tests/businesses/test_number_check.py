"""Business registration tells whether a BIN/IIN is registered only to confirmed accounts,
throttled and audited."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.businesses.models import Business
from app.extensions import db
from tests.businesses.test_businesses import ASSOCIATION, BUSINESS
from tests.conftest import PASSWORD, build_app
from tests.factories import add_user, make_business

TAKEN = "already registered"


def registered_number(app) -> str:
    """The BIN of a business someone registered (one that takes part in the programme)."""
    business_id = make_business(app, add_user(app))
    with app.app_context():
        return db.session.get(Business, business_id).number


def taken_audits(app) -> list[AuditEntry]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "business.number_taken")))
        db.session.expunge_all()
        return rows


def test_the_answer_already_registered_is_audited(app, client, signed_in):
    number = registered_number(app)
    prober = signed_in()
    answer = client.post("/portal/businesses/new?lang=en", data=BUSINESS | {"bin": number})
    assert answer.status_code == 400 and TAKEN in answer.get_data(as_text=True)
    as_association = client.post("/portal/associations/new?lang=en", data=ASSOCIATION | {"bin": number})
    assert as_association.status_code == 400 and TAKEN in as_association.get_data(as_text=True)
    audits = taken_audits(app)
    assert [(a.actor_label, a.details) for a in audits] == [
        (prober, f'{{"number":"{number}","registering":"business"}}'),
        (prober, f'{{"number":"{number}","registering":"association"}}'),
    ]


def test_unverified_accounts_cannot_check_numbers(app, client):
    client.post("/register", data={"email": "probe@example.kz", "password": PASSWORD, "password_repeat": PASSWORD,
                                   "full_name": "Probe", "phone": "87011234567", "iin": "", "locale": "en",
                                   "consent": "y"})
    client.post("/login", data={"email": "probe@example.kz", "password": PASSWORD})
    for path, data in (("/portal/businesses/new", BUSINESS), ("/portal/associations/new", ASSOCIATION)):
        assert client.post(path, data=data).status_code == 303
    assert taken_audits(app) == []


def test_already_registered_answers_are_throttled_per_account_and_per_address(tmp_path):
    app = build_app(tmp_path / "limits", RATELIMIT_ENABLED=True, PBI_LOGIN_LIMIT_PER_IP="1000 per minute",
                    PBI_NUMBER_CHECK_LIMIT_PER_ACCOUNT="2 per day", PBI_NUMBER_CHECK_LIMIT_PER_IP="3 per day")
    number = registered_number(app)

    def prober(address: str):
        client = app.test_client()
        email = add_user(app)
        assert client.post("/login", data={"email": email, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": address}).status_code == 302
        return lambda data=BUSINESS | {"bin": number}: client.post(
            "/portal/businesses/new?lang=en", data=data, environ_base={"REMOTE_ADDR": address}).status_code

    first = prober("203.0.113.1")
    assert [first(), first(), first()] == [400, 400, 429]  # 2 answers per account
    # A registration that succeeds is not counted, but is refused once the limit is reached.
    assert first(BUSINESS) == 429
    second = prober("203.0.113.1")
    assert [second(), second()] == [400, 429]  # 3 per address: the first account used 2
    third = prober("198.51.100.2")
    assert third(BUSINESS) == 302  # a new number from elsewhere registers
    assert len(taken_audits(app)) == 3
