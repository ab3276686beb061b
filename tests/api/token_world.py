"""A world for the API's token operations: generated complaints (all confidential), a few filed
through the service (with events and a named official), and one token of each kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import find_by_email
from app.api import tokens
from app.api.token_models import ApiToken
from app.businesses.models import Business
from app.complaints import case_actions
from app.complaints.models import Complaint
from app.extensions import db
from app.timeutil import utcnow
from tests.factories import add_user, filed_complaint, make_business
from tests.reporting import statistics_world

OFFICIAL = "Серікбаев Бақыт Ерланұлы"
DESCRIPTION = "Маман 700 000 теңге талап етті, куәгер — көрші дүкеннің иесі Айгүл."
SCOPED = {"complaints": [tokens.COMPLAINTS_READ], "statistics": [tokens.STATISTICS_READ],
          "both": [tokens.COMPLAINTS_READ, tokens.STATISTICS_READ]}


@dataclass
class TokenWorld:
    secrets: dict[str, str]  # complaints, statistics, both, revoked, expired -> the secret
    ids: dict[str, int]
    filed: list[str]  # numbers of the complaints filed through the service
    confidential: list[str]  # texts that no token answer may hold
    statistics: statistics_world.World


def build(app, count: int = 300) -> TokenWorld:
    owner = add_user(app)
    business_id = make_business(app, owner)
    officer = add_user(app, "officer")
    numbers = []
    for n in range(3):
        complaint_id = filed_complaint(app, owner, business_id, official_name=OFFICIAL, description=DESCRIPTION,
                                       incident_district=["arys", "kentau", "turkistan"][n])
        with app.app_context():
            complaint = db.session.get(Complaint, complaint_id)
            if n:
                case_actions.take(find_by_email(officer), complaint)
            numbers.append(complaint.number)
            db.session.commit()
    generated = statistics_world.build(app, count=count, number_from=100)  # above the filed ones' numbers
    with app.app_context():
        confidential = [DESCRIPTION, OFFICIAL, "Бас маман", "Сипаттама", "Құзыретке жатпайды"]
        for business in db.session.scalars(select(Business)):
            confidential += [business.name, business.number, business.address]
        for user in db.session.scalars(select(User).where(User.role == "entrepreneur")):
            confidential += [user.email, user.full_name, user.phone, user.iin]
        secrets, ids = {}, {}
        for name, scopes in {**SCOPED, "revoked": SCOPED["both"], "expired": SCOPED["both"]}.items():
            token, secret = tokens.create(name=f"System {name}", scopes=scopes)
            secrets[name], ids[name] = secret, token.id
        tokens.revoke(ids["revoked"])
        db.session.get(ApiToken, ids["expired"]).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    return TokenWorld(secrets, ids, numbers, [text for text in confidential if text], generated)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
