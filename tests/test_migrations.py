"""The Alembic migrations build exactly the schema the models declare."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from app.complaints.search import alembic_include_name
from app.extensions import db
from tests.conftest import base_config


def test_migrations_match_models(tmp_path):
    app = create_app(base_config(tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"include_name": alembic_include_name}), db.metadata)
        assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
