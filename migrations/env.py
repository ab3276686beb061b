"""Alembic environment for Flask-Migrate: the engine and metadata come from the app."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from app.complaints.search import alembic_include_name

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
engine = target_db.engine
config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty_autogenerate(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    # SQLite cannot ALTER most things; batch mode rebuilds tables when needed.
    conf_args.setdefault("render_as_batch", True)
    # The full-text index's own tables and indexes are not models (app.complaints.search).
    conf_args.setdefault("include_name", alembic_include_name)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
            conf_args.setdefault("on_version_apply", _sqlite_check_foreign_keys)
        try:
            context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                # Alembic commits each SQLite migration on its own (no transactional DDL there); what
                # it leaves open after the last holds no change.
                connection.rollback()
                _sqlite_foreign_keys(connection, on=True)  # the pool hands this connection to the app


def _sqlite_foreign_keys(connection, *, on: bool) -> None:
    """Foreign keys off while migrating, on again after (the app's connections always have them on).

    Batch mode rebuilds a SQLite table as a copy (CREATE, copy the rows, DROP, rename); with
    foreign keys enforced, dropping a table that other rows refer to — ``documents``, which
    talons and letters reference — fails. The pragma has no effect inside a transaction, so it
    goes to the DBAPI connection outside one.
    """
    connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _sqlite_check_foreign_keys(*, ctx, step, heads, run_args) -> None:
    """After each migration, before its commit: refuse (roll back) one that left a row pointing nowhere."""
    broken = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration {step.up_revision_id} broke {len(broken)} foreign key reference(s), "
                           f"e.g. {broken[:3]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
