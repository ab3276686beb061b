"""The Alembic migrations build exactly the schema the models declare."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import bindparam, select, text

from app import create_app, demo
from app.complaints.models import Complaint
from app.complaints.search import alembic_include_name
from app.documents.runtime import keystore
from app.extensions import db
from tests.conftest import base_config, migrated_app


def test_migrations_match_models(tmp_path):
    app = create_app(base_config(tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"include_name": alembic_include_name}), db.metadata)
        assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


# The head of the schema of the first deployment (main before the security and reporting work):
# a department's database is at this revision or later.
FIRST_DEPLOYED = "0004"  # 0004_scale_indexes_search_counts.py
KEPT = ("users", "businesses", "associations", "agreements", "agreement_events", "complaints", "complaint_events",
        "case_messages", "evidence", "audit_log")
# Document kinds that came after it: their rows go on the way down.
LATER_KINDS = ("forwarding_letter", "extension_notice", "monthly_report")


def _counts(tables) -> dict[str, int]:
    return {name: db.session.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() for name in tables}  # noqa: S608


def test_a_populated_database_goes_down_to_the_first_deployed_schema_and_up_again(tmp_path):
    """Every migration since the first deployment runs over real rows both ways (SQLite rebuilds
    tables that others refer to: ``documents``) and leaves every reference intact."""
    with migrated_app(tmp_path) as app, app.app_context():
        keystore().initialize()
        demo.create()
        before = _counts(KEPT)
        later = db.session.execute(text("SELECT count(*) FROM documents WHERE kind IN :kinds").bindparams(
            bindparam("kinds", expanding=True)), {"kinds": list(LATER_KINDS)}).scalar_one()
        documents_before = _counts(["documents"])["documents"]
        db.session.remove()
        downgrade(revision=FIRST_DEPLOYED)
        assert _counts(["documents"])["documents"] == documents_before - later
        db.session.remove()
        upgrade()
        assert _counts(KEPT) == before
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
            assert db.session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1  # on again for the app
        complaint = db.session.scalars(select(Complaint).where(Complaint.status == "resolved")).first()
        assert complaint.body_key and complaint.decided_on is not None  # backfilled on the way up
        db.session.remove()
    client = app.test_client()
    assert client.get("/registry").status_code == 200
