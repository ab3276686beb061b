"""Generated complaints for the statistics tests, and a plain Python oracle over them.

The complaints are inserted in one statement (hundreds in well under a second): what the
statistics read are the stored columns, whose own rules (the workflow, the legal clock,
the decision clock written at the first decision) are tested with the complaints
module. Every field the statistics filter or count on varies, and some times of receipt
sit just around local (Asia/Almaty, UTC+5) midnights at the ends of months and quarters.

The oracle loads the rows as objects and computes each figure with plain Python —
no SQL beyond "every complaint" — from the definitions in app.reporting.statistics.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from app.accounts.services import find_by_email
from app.complaints.models import Complaint
from app.extensions import db
from app.timeutil import local_today, to_local  # noqa: F401 (local_today: the page's today)
from tests.factories import add_user, make_association, make_business

DISTRICTS = ["turkistan", "kentau", "arys", "sairam", "tolebi"]
PRESSURE = ["bribe_extortion", "unscheduled_inspection", "seizure", "raider_takeover"]
CATEGORIES = ["police", "sanitary", "state_revenue", "local_executive"]
BODIES = [f"Орган №{n}" for n in range(26)]  # more than the top 20
OPEN = {"registered", "assigned", "in_review", "info_requested", "appealed"}
TODAY = date(2026, 12, 1)


@dataclass
class World:
    officers: dict[str, int]  # "a", "b", "c" -> user id (c: a supervisor handling appeals)
    officer_emails: dict[str, str]
    association_id: int


def build(app, count: int = 420, seed: int = 10, number_from: int = 1) -> World:
    """``count`` complaints numbered from ``number_from`` (above those filed through the service)."""
    rng = random.Random(seed)
    parties = make_association(app, verified=False)
    owner = add_user(app)
    business_id = make_business(app, owner)
    emails = {"a": parties.officer, "b": add_user(app, "officer"), "c": parties.supervisor}
    with app.app_context():
        officers = {key: find_by_email(email).id for key, email in emails.items()}
        filer = find_by_email(owner).id
        rows = [_row(rng, index, filer, business_id, parties.association_id, list(officers.values()))
                for index in range(count)]
        for index, row in enumerate(rows):
            row["number"] = f"PBI-C-2026-{index + number_from:06d}"
        db.session.execute(insert(Complaint), rows)
        db.session.commit()
    return World(officers, emails, parties.association_id)


_EDGES = [datetime(2026, 9, 30, 18, 59), datetime(2026, 9, 30, 19, 0), datetime(2026, 10, 31, 19, 0),
          datetime(2026, 6, 30, 19, 30), datetime(2026, 11, 30, 18, 0), datetime(2025, 12, 31, 19, 1)]


def _row(rng: random.Random, index: int, filer: int, business_id: int, association_id: int, officers: list[int]):
    if index < len(_EDGES):
        received = _EDGES[index]
    else:
        received = datetime(2025, 11, 1) + timedelta(minutes=rng.randrange(0, 396 * 24 * 60))
    day = to_local(received).date()
    due = day + timedelta(days=rng.randrange(15, 25))
    status = rng.choice(["registered", "assigned", "in_review", "info_requested", "forwarded", "resolved", "resolved",
                         "rejected", "closed", "closed", "appealed"])
    row = dict(
        number=f"PBI-C-2026-{index + 1:06d}", business_id=business_id, filed_by_id=filer,
        submission_token=f"token-{index}", association_id=association_id if rng.random() < 0.3 else None,
        pressure_type=rng.choice(PRESSURE), body_category=rng.choice(CATEGORIES),
        body_name=BODIES[min(int(rng.paretovariate(0.7)) - 1, len(BODIES) - 1)], incident_date=day,
        incident_district=rng.choice(DISTRICTS), description="Сипаттама " * 4, consent_at=received,
        amount_demanded=rng.choice([None, None, 0, rng.randrange(1, 50) * 100_000, rng.randrange(1, 9) * 25_000]),
        keep_identity_confidential=True, status=status, received_at=received, registration_day=day, due_date=due,
        forwarding_due=day + timedelta(days=3),
        extended_until=due + timedelta(days=rng.randrange(5, 20)) if rng.random() < 0.1 else None,
        assigned_officer_id=None if status == "registered" or rng.random() < 0.1 else rng.choice(officers),
        outcome=None, forwarded_to=None, rejection_reason=None, decided_at=None, appealed_at=None,
        decided_on=None, decision_working_days=None, decided_in_term=None,
    )
    decided = status in {"forwarded", "resolved", "rejected", "closed", "appealed"} or (
        status == "in_review" and rng.random() < 0.3)  # in review again: an appeal taken up
    if not decided:
        return row
    row["decided_on"] = decided_on = day + timedelta(days=rng.randrange(0, 45))
    row["decision_working_days"] = rng.randrange(0, 30)
    row["decided_in_term"] = rng.random() < 0.8
    row["decided_at"] = datetime.combine(decided_on, datetime.min.time()) + timedelta(hours=6)
    kind = {"forwarded": "forward", "rejected": "reject"}.get(status) or (
        rng.choice(["resolve", "resolve", "forward", "reject"]) if status == "closed" else "resolve")
    if kind == "forward":
        row["forwarded_to"] = "Прокуратура"
    elif kind == "reject":
        row["rejection_reason"] = "Құзыретке жатпайды"
    else:
        row["outcome"] = rng.choice(["confirmed", "partially_confirmed", "not_confirmed"])
    if status in {"appealed", "in_review"} or (kind == "resolve" and rng.random() < 0.2):
        row["appealed_at"] = row["decided_at"] + timedelta(days=3)
        if status not in {"appealed", "in_review"}:  # decided again after the appeal
            row["decided_at"] = row["appealed_at"] + timedelta(days=10)
            if rng.random() < 0.3:  # re-decided as a forward: it replaces the resolution
                row["forwarded_to"], row["outcome"] = "Прокуратура", None
    return row


# --- the oracle ------------------------------------------------------------------------------

def complaints(app) -> list[Complaint]:
    with app.app_context():
        rows = list(db.session.scalars(select(Complaint)))
        db.session.expunge_all()
        return rows


def matches(c: Complaint, f) -> bool:
    return ((f.district is None or c.incident_district == f.district)
            and (f.pressure_type is None or c.pressure_type == f.pressure_type)
            and (f.body_category is None or c.body_category == f.body_category)
            and (f.body_name is None or c.body_name == f.body_name)
            and (f.officer_id is None or c.assigned_officer_id == f.officer_id)
            and (f.covered is None or (c.association_id is not None) == f.covered))


def received_in(c: Complaint, period) -> bool:
    return period.start <= to_local(c.received_at).date() <= period.end


def decided_in(c: Complaint, period) -> bool:
    return c.decided_on is not None and period.start <= c.decided_on <= period.end


def decision(c: Complaint) -> str:
    if c.forwarded_to:
        return "forwarded"
    return c.outcome or "rejected"


def percentile(values: list[int], p: int) -> int | None:
    ordered = sorted(values)
    return ordered[math.ceil(p * len(ordered) / 100) - 1] if ordered else None


def headline(rows: list[Complaint], f, period) -> dict:
    got = [c for c in rows if matches(c, f) and received_in(c, period)]
    made = [c for c in rows if matches(c, f) and decided_in(c, period)]
    kinds = Counter(decision(c) for c in made)
    amounts = [c.amount_demanded for c in got if c.amount_demanded is not None]
    appealed = [c for c in made if c.appealed_at is not None]
    redecided = [c for c in appealed if c.decided_at > c.appealed_at]
    return dict(
        received=len(got), decided=len(made), confirmed=kinds["confirmed"],
        partially_confirmed=kinds["partially_confirmed"], not_confirmed=kinds["not_confirmed"],
        forwarded=kinds["forwarded"], rejected=kinds["rejected"], in_term=sum(1 for c in made if c.decided_in_term),
        median_days=percentile([c.decision_working_days for c in made], 50),
        p90_days=percentile([c.decision_working_days for c in made], 90),
        extended=sum(1 for c in got if c.extended_until is not None), appeals=len(appealed),
        appeals_waiting=sum(1 for c in appealed if c.status == "appealed"),
        appeals_reconsidering=sum(1 for c in appealed if c.status != "appealed" and c not in redecided),
        appeals_redecided=len(redecided), amount_count=len(amounts), amount_sum=sum(amounts),
        amount_median=percentile(amounts, 50),
    )


def is_open(c: Complaint) -> bool:
    return c.status in OPEN


def is_overdue(c: Complaint, today: date) -> bool:
    return is_open(c) and (c.extended_until or c.due_date) < today


def breakdown(rows: list[Complaint], f, key) -> dict[str, tuple[int, int]]:
    received = Counter(key(c) for c in rows if matches(c, f) and received_in(c, f.period))
    decided = Counter(key(c) for c in rows if matches(c, f) and decided_in(c, f.period))
    return {k: (received[k], decided[k]) for k in set(received) | set(decided)}


def month_of_received(c: Complaint) -> str:
    return f"{to_local(c.received_at):%Y-%m}"


def workload(rows: list[Complaint], f, today: date) -> dict[int, tuple[int, int, int]]:
    out: dict[int, list[int]] = {}
    for c in rows:
        if c.assigned_officer_id is None or not matches(c, f):
            continue
        counts = out.setdefault(c.assigned_officer_id, [0, 0, 0])
        counts[0] += is_open(c)
        counts[1] += is_overdue(c, today)
        counts[2] += decided_in(c, f.period)
    return {officer: tuple(v) for officer, v in out.items() if any(v)}
