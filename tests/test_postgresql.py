"""The PostgreSQL path on a real server: migrations, and gap-free numbers while filing in parallel."""


from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import select, text

from app.complaints.models import Complaint
from app.complaints.search import alembic_include_name
from app.documents.runtime import keystore
from app.extensions import db
from tests.conftest import postgres_app
from tests.factories import file_in_parallel


def test_migrations_build_the_models_schema_with_audit_triggers(tmp_path):
    with postgres_app(tmp_path) as app, app.app_context():
        db.drop_all()
        upgrade()
        with db.engine.connect() as connection:
            assert compare_metadata(
                MigrationContext.configure(connection, opts={"include_name": alembic_include_name}), db.metadata) == []
            triggers = set(connection.execute(text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
        assert {"audit_log_append_only", "audit_head_forward_only"} <= triggers


def test_fifty_parallel_filings_on_postgresql(tmp_path):
    with postgres_app(tmp_path, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 60, "max_overflow": 10}) as app:
        with app.app_context():
            keystore().initialize()
        assert file_in_parallel(app, 50) == []
        with app.app_context():
            numbers = sorted(db.session.scalars(select(Complaint.number)))
        assert numbers == [f"PBI-C-2026-{n:06d}" for n in range(1, 51)]


def test_the_app_runs_postgresql_without_the_jit_compiler(tmp_path):
    with postgres_app(tmp_path) as app, app.app_context():
        assert db.session.scalar(text("SHOW jit")) == "off"
