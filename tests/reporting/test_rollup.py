"""The statistics rollup: kept right by the triggers through any change, and read as the complaints are."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, insert, select, text, update

from app.complaints.models import Complaint, ComplaintStatus, Outcome
from app.extensions import db
from app.reporting import periods, rollup
from app.reporting.statistics import StatisticsFilter, figures
from tests.reporting.statistics_world import BODIES, CATEGORIES, DISTRICTS, PRESSURE, TODAY, build


@pytest.fixture
def world(app):
    return build(app, count=160, seed=3)


def _mismatches() -> dict:
    return rollup.mismatches(db.session.connection())


def test_the_rollup_holds_what_a_rebuild_computes_after_the_inserts(app, world):
    with app.app_context():
        assert _mismatches() == {}
        kept = db.session.scalar(text("SELECT count(*) FROM statistics_rollup WHERE n > 0"))
        assert kept > 10  # the comparison above compared something


DAYS = [date(2025, 10, 31), date(2025, 11, 1), date(2026, 2, 28), date(2026, 3, 1), date(2026, 9, 30),
        date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 1)]
INSTANTS = [datetime(2025, 12, 3, 9), datetime(2026, 1, 10, 4), datetime(2026, 10, 1, 12), datetime(2026, 11, 30, 20)]
CANDIDATES = {
    "received_on": DAYS,
    "decided_on": [None, *DAYS],
    "incident_district": DISTRICTS,
    "pressure_type": PRESSURE,
    "body_category": CATEGORIES,
    "body_name": BODIES[:5],
    "amount_demanded": [None, 0, 100_000, 250_000, 10**12],
    "extended_until": [None, *DAYS],
    "forwarded_to": [None, "Прокуратура"],
    "outcome": [None, *(o.value for o in Outcome)],
    "decided_in_term": [None, True, False],
    "appealed_at": [None, *INSTANTS],
    "decided_at": [None, *INSTANTS],
    "status": [s.value for s in ComplaintStatus],
    "decision_working_days": [None, 0, 7, 40],
    "assigned_officer_id": [None, "a", "b", "c"],
    "description": ["Өзгертілген сипаттама"],  # a column the rollup does not read
}
CHANGES = {column: st.sampled_from(values) for column, values in CANDIDATES.items()}
CHANGE = st.tuples(st.integers(0, 159), st.dictionaries(st.sampled_from(sorted(CHANGES)), st.none(), min_size=1)
                   .flatmap(lambda keys: st.fixed_dictionaries({k: CHANGES[k] for k in keys})))
OPERATION = st.one_of(st.tuples(st.just("update"), CHANGE), st.tuples(st.just("delete"), st.integers(0, 159)),
                      st.tuples(st.just("copy"), CHANGE))
COMPUTED = {"id", "effective_due", "queue_rank"}


def _apply(operation, ids: list[int], officers: dict[str, int], serial: list[int]) -> None:
    kind, argument = operation
    if kind == "delete":
        db.session.execute(delete(Complaint).where(Complaint.id == ids[argument % len(ids)]))
        return
    index, changes = argument
    values = {k: officers[v] if k == "assigned_officer_id" and v else v for k, v in changes.items()}
    target = ids[index % len(ids)]
    if kind == "update":
        db.session.execute(update(Complaint).where(Complaint.id == target).values(**values))
        return
    source = db.session.execute(select(Complaint.__table__).where(Complaint.id == target)).mappings().first()
    if source is None:  # deleted by an earlier step
        return
    serial[0] += 1
    row = {k: v for k, v in source.items() if k not in COMPUTED} | values
    row |= {"number": f"PBI-C-2027-{serial[0]:06d}", "submission_token": f"copy-{serial[0]}"}
    db.session.execute(insert(Complaint.__table__).values(**row))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATION, min_size=1, max_size=12))
def test_after_any_inserts_updates_and_deletes_the_rollup_is_what_a_rebuild_computes(app, world, operations):
    with app.app_context():
        ids = list(db.session.scalars(select(Complaint.id).order_by(Complaint.id)))
        savepoint, serial = db.session.begin_nested(), [0]
        try:
            for operation in operations:
                _apply(operation, ids, world.officers, serial)
                db.session.flush()
            assert _mismatches() == {}
        finally:
            savepoint.rollback()
            db.session.rollback()


@pytest.mark.parametrize("column", sorted(CANDIDATES))
def test_a_change_of_any_one_column_alone_moves_the_rollup_as_a_rebuild_would(app, world, column):
    """Each column changed by itself on every complaint: a column the triggers missed shows here."""
    with app.app_context():
        ids = list(db.session.scalars(select(Complaint.id).order_by(Complaint.id)))
        savepoint = db.session.begin_nested()
        try:
            for index, complaint_id in enumerate(ids):
                value = CANDIDATES[column][index % len(CANDIDATES[column])]
                if column == "assigned_officer_id" and value:
                    value = world.officers[value]
                db.session.execute(update(Complaint).where(Complaint.id == complaint_id).values({column: value}))
            assert _mismatches() == {}
        finally:
            savepoint.rollback()
            db.session.rollback()


WHOLE_MONTHS = [
    *(periods.month(date(2025, 10, 1) + timedelta(days=31 * i)) for i in range(15)),
    periods.quarter(date(2025, 12, 1)), periods.quarter(date(2026, 10, 1)), periods.year(2025), periods.year(2026),
    periods.Period(date(2025, 11, 1), date(2026, 2, 28)),  # a range of whole months
]


@pytest.mark.parametrize("period", WHOLE_MONTHS, ids=lambda p: f"{p.start}..{p.end}")
def test_the_rollup_and_the_complaints_give_the_same_figures(app, world, period):
    f = StatisticsFilter(period)
    with app.app_context():
        assert rollup_figures_used(f, previous_too=period.kind != periods.RANGE)
        assert figures(f, TODAY) == figures(f, TODAY, use_rollup=False)
        own = world.officers["a"]
        assert figures(f, TODAY, only_officer=own) == figures(f, TODAY, only_officer=own, use_rollup=False)


def rollup_figures_used(f: StatisticsFilter, *, previous_too: bool) -> bool:
    """The rollup answers ``f``: the figures read a rollup table, and no complaint of a period
    when ``previous_too`` (the N days before a range of whole months are not whole months)."""
    statements: list[str] = []

    def listen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        figures(f, TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    scanned = any("complaints.received_at >=" in s or "complaints.decided_on >=" in s for s in statements)
    return any("statistics_rollup" in s for s in statements) and not (previous_too and scanned)


def test_the_migration_backfills_the_day_of_receipt_keeps_one_decision_in_force_and_fills_the_rollup(tmp_path, keys):
    from flask_migrate import downgrade, upgrade

    from app.complaints.models import ComplaintEvent
    from app.timeutil import to_local
    from tests.conftest import migrated_app

    with migrated_app(tmp_path) as app:
        world = build(app, count=120, seed=5)
        with app.app_context():
            ids = list(db.session.scalars(select(Complaint.id).order_by(Complaint.id).limit(2)))
            # as a re-decision left them before the fix: both decisions' fields, the later one's event last
            for complaint_id, (first, last) in zip(ids, (("resolve", "forward"), ("forward", "resolve")), strict=True):
                db.session.execute(update(Complaint).where(Complaint.id == complaint_id).values(
                    status="resolved" if last == "resolve" else "forwarded", outcome="confirmed",
                    decision_text="Расталды.", forwarded_to="Прокуратура", decided_on=date(2026, 5, 4),
                    decided_at=datetime(2026, 5, 20, 6)))
                for at, action in ((datetime(2026, 5, 4, 6), first), (datetime(2026, 5, 20, 6), last)):
                    db.session.add(ComplaintEvent(complaint_id=complaint_id, actor_id=world.officers["a"], at=at,
                                                  action=action, from_status="in_review", to_status="resolved"))
            db.session.commit()
            downgrade(revision="0011_monthly_report")
            upgrade()
            rows = db.session.execute(select(Complaint.id, Complaint.received_at, Complaint.received_on,
                                             Complaint.outcome, Complaint.forwarded_to)).all()
            assert all(row.received_on == to_local(row.received_at).date() for row in rows)
            kept = {row.id: (row.outcome, row.forwarded_to) for row in rows if row.id in ids}
            assert kept == {ids[0]: (None, "Прокуратура"), ids[1]: ("confirmed", None)}
            assert _mismatches() == {}
            f = StatisticsFilter(periods.year(2026))
            assert figures(f, TODAY) == figures(f, TODAY, use_rollup=False)
            assert figures(f, TODAY).current.received > 50


def test_the_command_finds_a_rollup_changed_by_hand_and_rebuilds_it(app, world, runner):
    result = runner.invoke(args=["report", "rollup"])
    assert result.exit_code == 0 and "matches" in result.output
    with app.app_context():
        db.session.execute(text("UPDATE statistics_rollup_days SET n = n + 5 WHERE working_days = "
                                "(SELECT min(working_days) FROM statistics_rollup_days)"))
        db.session.commit()
    result = runner.invoke(args=["report", "rollup"])
    assert result.exit_code == 1 and "statistics_rollup_days:" in result.output
    result = runner.invoke(args=["report", "rollup", "--rebuild"])
    assert result.exit_code == 0 and "Rebuilt" in result.output and "matches" in result.output
    with app.app_context():
        assert _mismatches() == {}
