"""The PostgreSQL path on a real server: migrations, and gap-free numbers while filing in parallel."""

import threading
from datetime import date, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import select, text

from app.accounts.services import find_by_email
from app.complaints import services as complaints
from app.complaints.models import Complaint
from app.documents.runtime import keystore
from app.extensions import db
from tests.conftest import postgres_app
from tests.factories import add_user, make_business


def test_migrations_build_the_models_schema_with_audit_triggers(tmp_path):
    with postgres_app(tmp_path) as app, app.app_context():
        db.drop_all()
        upgrade()
        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
            triggers = set(connection.execute(text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
        assert {"audit_log_append_only", "audit_head_forward_only"} <= triggers


def test_fifty_parallel_filings_on_postgresql(tmp_path):
    with postgres_app(tmp_path, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 60, "max_overflow": 10}) as app:
        with app.app_context():
            keystore().initialize()
        owners = [add_user(app) for _ in range(5)]
        businesses = {email: make_business(app, email) for email in owners}
        barrier, errors = threading.Barrier(50), []

        def file(index: int) -> None:
            email = owners[index % 5]
            filing = complaints.Filing(
                business_id=businesses[email], association_id=None, association_may_follow=False,
                pressure_type="bribe_extortion", body_category="police", body_name="Police", official_name=None,
                official_position=None, incident_date=date(2026, 11, 2), incident_district="turkistan",
                description="Лауазымды тұлға пара талап етті; куәлар бар, құжаттар қоса беріледі.",
                amount_demanded=None, keep_identity_confidential=True, consent=True,
                submission_token=f"token-{index}")
            with app.app_context():
                try:
                    barrier.wait()
                    complaints.file_complaint(find_by_email(email), filing, [], received=datetime(2026, 11, 24, 9))
                    db.session.commit()
                except Exception as exc:
                    errors.append(repr(exc))
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=file, args=(i,)) for i in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        with app.app_context():
            numbers = sorted(db.session.scalars(select(Complaint.number)))
        assert numbers == [f"PBI-C-2026-{n:06d}" for n in range(1, 51)]
