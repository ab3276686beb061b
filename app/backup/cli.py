"""``flask --app wsgi backup create|verify|restore``, ``retention apply``, ``storage leftovers``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app import transactions
from app.audit import services as audit
from app.backup import restore, retention, services
from app.backup.services import BackupError

backup_group = AppGroup("backup", help="Back up and restore the database, the stored files and the keys.")
retention_group = AppGroup("retention", help="Delete the evidence of cases closed longer than PBI_RETENTION_DAYS.")
storage_group = AppGroup("storage", help="The encrypted file store.")
COMMANDS = (backup_group, retention_group, storage_group)

DIRECTORY = click.Path(file_okay=False, path_type=Path)


def _fail(exc: Exception) -> None:
    transactions.rollback()
    raise click.ClickException(str(exc)) from None


@backup_group.command("create")
@click.argument("directory", type=DIRECTORY)
def backup_create(directory: Path) -> None:
    """Copy the database, storage and keys into DIRECTORY (new or empty) while the app keeps serving."""
    try:
        with services.maintenance_lock():
            target = services.prepare_target(directory)
            audit.record("backup.created", actor_id=None, actor_label=audit.SYSTEM_LABEL,
                         details={"directory": str(target), "backend": services.backend()})
            transactions.commit()  # part of the copy: the backup holds the record of itself
            try:
                manifest = services.create_backup(target)
            except BaseException:
                services.discard(target)  # it was empty: leave no half-made backup behind
                raise
    except (BackupError, OSError) as exc:
        _fail(exc)
    click.echo(f"backup of the {manifest.backend} instance written to {target}: {len(manifest.files)} files, "
               f"{manifest.total_bytes} bytes, migration {manifest.database_revision or manifest.migration_head}")


@backup_group.command("verify")
@click.argument("directory", type=DIRECTORY)
def backup_verify(directory: Path) -> None:
    """Check every file of the backup in DIRECTORY against its manifest; exit 1 if any differs."""
    try:
        manifest = restore.verify_backup(directory)
    except BackupError as exc:
        _fail(exc)
    click.echo(f"backup intact: {len(manifest.files)} files, {manifest.total_bytes} bytes, "
               f"made {manifest.created_at}")


@backup_group.command("restore")
@click.argument("directory", type=DIRECTORY)
@click.option("--force", is_flag=True, help="Replace a database, storage or keys that already hold data.")
def backup_restore(directory: Path, force: bool) -> None:
    """Verify the backup in DIRECTORY, then restore it into this instance (stop the app first)."""
    try:
        with services.maintenance_lock():
            manifest = restore.restore_backup(directory, force=force)
    except (BackupError, OSError) as exc:
        _fail(exc)
    audit.record("backup.restored", actor_id=None, actor_label=audit.SYSTEM_LABEL,
                 details={"directory": str(Path(directory).absolute()), "created_at": manifest.created_at,
                          "files": len(manifest.files)})
    transactions.commit()
    click.echo(f"restored {len(manifest.files)} files ({manifest.total_bytes} bytes) from the backup made "
               f"{manifest.created_at}")
    head = services.migration_head()
    if manifest.database_revision and head and manifest.database_revision != head:
        click.echo(f"the database is at migration {manifest.database_revision}; run `flask --app wsgi db upgrade`")


@retention_group.command("apply")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
def retention_apply(dry_run: bool) -> None:
    """Delete the evidence of complaints closed more than PBI_RETENTION_DAYS ago (audited; idempotent)."""
    try:
        with services.maintenance_lock():
            report = retention.apply_retention(dry_run=dry_run)
            if dry_run:
                transactions.rollback()
            else:
                transactions.commit()
                removed = retention.remove_unreferenced(report.digests())
                transactions.rollback()  # the reference checks only read
    except (BackupError, ValueError) as exc:
        _fail(exc)
    for case in report.cases:
        click.echo(f"{case.number}: closed {case.closed_at:%Y-%m-%d}, {len(case.evidence_ids)} evidence file(s), "
                   f"{case.bytes} bytes")
    verb = "would delete" if dry_run else "deleted"
    tail = "" if dry_run else f"; {removed} stored file(s) removed"
    click.echo(f"retention {report.days} days (closed before {report.cutoff:%Y-%m-%d}): {verb} "
               f"{report.files} evidence file(s) of {len(report.cases)} case(s){tail}")


@storage_group.command("leftovers")
@click.option("--remove", is_flag=True, help="Delete the temporary files found.")
@click.option("--min-age", "min_age", default=600, show_default=True, type=click.IntRange(min=0),
              help="Seconds: younger temporary files may be writes in progress and are left alone.")
def storage_leftovers(remove: bool, min_age: int) -> None:
    """Report temporary files left by an interrupted write (and remove them with --remove)."""
    found = retention.storage_leftovers(min_age_seconds=min_age)
    transactions.rollback()
    for path in found.temporary:
        if remove:
            path.unlink(missing_ok=True)
        click.echo(f"{'removed' if remove else 'temporary'} {path}")
    click.echo(f"{found.stored} stored file(s), {found.unreferenced} referred to by no record; "
               f"{len(found.temporary)} temporary file(s){' removed' if remove else ''}")
