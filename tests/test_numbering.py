"""Gap-free yearly numbers under concurrency, on SQLite and on a real PostgreSQL server."""

import threading

import pytest
from sqlalchemy import select

from app.extensions import db
from app.numbering import Counter, format_number, next_number
from tests.conftest import postgres_app
from tests.factories import run_in_parallel


def _parallel_numbers(app, count: int, *, rollback_every: int = 0) -> list[str]:
    numbers, lock = [], threading.Lock()

    def take(index: int) -> None:
        number = next_number("complaint", 2026)
        if rollback_every and index % rollback_every == 0:
            db.session.rollback()  # a failed filing gives its number back
            return
        db.session.commit()
        with lock:
            numbers.append(number)

    assert run_in_parallel(app, take, range(count)) == []
    return sorted(numbers)


def test_format():
    assert format_number("agreement", 2026, 7) == "PBI-A-2026-0007"
    assert format_number("complaint", 2026, 123) == "PBI-C-2026-000123"
    with pytest.raises(ValueError):
        next_number("unknown", 2026)


def test_sqlite_numbers_are_gap_free_with_rollbacks(app):
    numbers = _parallel_numbers(app, 30, rollback_every=5)
    assert numbers == [f"PBI-C-2026-{n:06d}" for n in range(1, 25)]
    with app.app_context():
        assert db.session.scalar(select(Counter.value)) == 24


@pytest.fixture
def pg_app(tmp_path):
    with postgres_app(tmp_path, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 40, "max_overflow": 10}) as app:
        yield app


def test_postgresql_numbers_are_gap_free_with_rollbacks(pg_app):
    numbers = _parallel_numbers(pg_app, 30, rollback_every=5)
    assert numbers == [f"PBI-C-2026-{n:06d}" for n in range(1, 25)]
