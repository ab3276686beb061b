"""Fixtures for the audit log: an app with the audit blueprint and CLI group registered.

The audit models are imported here, before any app is built, so that ``build_app``'s
``db.create_all()`` creates ``audit_log`` and ``audit_head`` with their triggers.
"""

from __future__ import annotations

import json
from datetime import datetime
from hashlib import sha256

import pytest
from sqlalchemy import text

from app.audit import models as audit_models  # noqa: F401 (tables for db.create_all)
from app.audit.cli import audit_group
from app.audit.views import bp as audit_bp
from app.extensions import db
from tests.conftest import build_app
from tests.conftest import postgres_app as make_postgres_app

GENESIS = "0" * 64


def register_audit(flask_app):
    """What ``create_app`` will do once the audit package is wired in (idempotent)."""
    if "audit" not in flask_app.blueprints:
        flask_app.register_blueprint(audit_bp)
    if "audit" not in flask_app.cli.commands:
        flask_app.cli.add_command(audit_group)
    return flask_app


@pytest.fixture
def app(tmp_path):
    flask_app = register_audit(build_app(tmp_path))
    yield flask_app
    with flask_app.app_context():
        db.session.remove()
        db.engine.dispose()


def independent_hash(prev_hash, row_id, at_iso, actor_id, actor_label, action, subject_type, subject_id,
                     details_text) -> str:
    """The documented construction, written out again here rather than imported."""
    array = ["pbi-audit-v1", prev_hash, row_id, at_iso, actor_id, actor_label, action, subject_type, subject_id,
             details_text]
    return sha256(json.dumps(array, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


def stored_at_iso(value) -> str:
    """A stored timestamp as the hash uses it, from the raw column value (SQLite text or datetime)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    date_part, time_part = value.split(" ")
    seconds, _, fraction = time_part.partition(".")  # PostgreSQL trims trailing zeros
    return f"{date_part}T{seconds}.{fraction.ljust(6, '0')}"


def raw_rows(connection_or_session) -> list:
    return connection_or_session.execute(text(
        "SELECT id, CAST(at AS VARCHAR) AS at, actor_id, actor_label, action, subject_type, subject_id, details, "
        "prev_hash, hash FROM audit_log ORDER BY id"
    )).all()


def drop_audit_triggers(*names: str) -> None:
    """Tamper like someone with the database file: remove the guards first.

    ``names`` are SQLite's triggers (``audit_log_no_update``, ``audit_head_no_delete``, …).
    On PostgreSQL, where one trigger per table guards every change, the user triggers of
    the tables named by their prefix (``audit_log``, ``audit_head``) are disabled instead.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        for table in dict.fromkeys("audit_head" if name.startswith("audit_head") else "audit_log" for name in names):
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        for name in names:
            db.session.execute(text(f"DROP TRIGGER {name}"))
    db.session.commit()


@pytest.fixture
def postgres_app(tmp_path):
    """An app with the audit pages on a fresh PostgreSQL database (see tests.conftest)."""
    with make_postgres_app(tmp_path) as flask_app:
        yield register_audit(flask_app)
