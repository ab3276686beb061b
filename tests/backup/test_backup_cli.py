"""``flask backup create|verify|restore``: refusals change nothing; a good backup restores (in-process CLI)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.complaints.models import Complaint, Evidence
from app.complaints.services import Upload
from app.documents.runtime import file_store
from app.extensions import db
from tests.conftest import build_app
from tests.factories import filed_complaint, make_business


@pytest.fixture
def backup(app, keys, make_user, tmp_path) -> Path:
    owner = make_user()
    filed_complaint(app, owner, make_business(app, owner), uploads=[Upload(b"%PDF-1.4 evidence one", "a.pdf")])
    target = tmp_path / "backup"
    result = app.test_cli_runner().invoke(args=["backup", "create", str(target)])
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture
def other(tmp_path):
    """A second instance (its own folder and database, with a schema and keys: not empty)."""
    folder = tmp_path / "other"
    folder.mkdir()
    second = build_app(folder)
    yield second
    with second.app_context():
        db.session.remove()
        db.engine.dispose()


def state(app) -> tuple:
    """What a refused restore must leave as it was: files under the instance and the rows."""
    folder = Path(app.instance_path)
    files = sorted((p.relative_to(folder).as_posix(), p.read_bytes()) for p in folder.rglob("*")
                   if p.is_file() and p.name != ".maintenance.lock")  # the (empty) lock of the run itself
    with app.app_context():
        rows = (db.session.scalar(select(func.count()).select_from(Complaint)),
                db.session.scalar(select(func.count()).select_from(AuditEntry)))
        db.session.remove()
    return files, rows


def restore(app, source: Path, *extra: str):
    return app.test_cli_runner().invoke(args=["backup", "restore", str(source), *extra])


def test_backup_holds_a_manifest_of_every_file(backup):
    manifest = json.loads((backup / "manifest.json").read_text())
    listed = {entry["path"] for entry in manifest["files"]}
    on_disk = {p.relative_to(backup).as_posix() for p in backup.rglob("*") if p.is_file()} - {"manifest.json"}
    assert listed == on_disk
    assert any(path.startswith("storage/") for path in listed) and "keys/current" in listed
    assert manifest["format"] == "pbi-backup-1" and manifest["created_at"].endswith("Z")
    assert manifest["migration_head"] and manifest["app_version"]
    assert backup.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in backup.rglob("*")} <= {0o600, 0o700}


def test_backup_refuses_a_directory_that_holds_something(app, keys, tmp_path):
    target = tmp_path / "full"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    result = app.test_cli_runner().invoke(args=["backup", "create", str(target)])
    assert result.exit_code != 0 and "not an empty directory" in result.output
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_backup_refuses_a_directory_inside_the_instance(app, keys):
    target = Path(app.instance_path) / "storage" / "backup"
    result = app.test_cli_runner().invoke(args=["backup", "create", str(target)])
    assert result.exit_code != 0 and "inside the instance folder" in result.output
    assert not target.exists()


def _flip_stored_file(backup: Path) -> None:
    path = next(p for p in sorted((backup / "storage").rglob("*")) if p.is_file())
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))


def _traversal(backup: Path) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["files"][-1]["path"] = "keys/../../outside"
    (backup / "manifest.json").write_text(json.dumps(manifest))


DAMAGES = {
    "flipped byte": _flip_stored_file,
    "missing file": lambda b: next(p for p in (b / "keys").rglob("*.pem")).unlink(),
    "unlisted file": lambda b: (b / "storage" / "extra").write_bytes(b"x"),
    "no manifest": lambda b: (b / "manifest.json").unlink(),
    "truncated manifest": lambda b: (b / "manifest.json").write_text((b / "manifest.json").read_text()[:100]),
    "path outside": _traversal,
    "no database": lambda b: shutil.rmtree(b / "database"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_restore_refuses_a_damaged_backup_and_changes_nothing(backup, other, damage):
    DAMAGES[damage](backup)
    before = state(other)
    result = restore(other, backup, "--force")
    assert result.exit_code != 0
    assert "damaged or incomplete" in result.output and "nothing was restored" in result.output
    assert state(other) == before
    assert other.test_cli_runner().invoke(args=["backup", "verify", str(backup)]).exit_code != 0


def test_restore_refuses_a_target_that_holds_data_unless_forced(app, backup, other):
    with other.app_context():
        from app.documents.runtime import keystore

        keystore().initialize()
    before = state(other)
    result = restore(other, backup)
    assert result.exit_code != 0 and "not empty" in result.output and "--force" in result.output
    assert state(other) == before

    result = restore(other, backup, "--force")
    assert result.exit_code == 0, result.output
    with app.app_context():
        expected = [(c.number, c.description) for c in db.session.scalars(select(Complaint).order_by(Complaint.id))]
    with other.app_context():
        assert [(c.number, c.description) for c in db.session.scalars(select(Complaint).order_by(Complaint.id))] \
            == expected
        evidence = db.session.scalars(select(Evidence)).one()
        assert file_store().get(evidence.sha256) == b"%PDF-1.4 evidence one"  # the restored keys open it
        assert db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first() \
            == "backup.restored"
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in (Path(other.instance_path) / "keys").rglob("*.pem"))


def test_restore_refuses_keys_the_configured_passphrase_does_not_open(backup, tmp_path):
    folder = tmp_path / "wrong"
    folder.mkdir()
    second = build_app(folder, PBI_KEY_PASSPHRASE="another passphrase entirely")
    try:
        before = state(second)
        result = restore(second, backup, "--force")
        assert result.exit_code != 0 and "does not open the backup's keys" in result.output
        assert state(second) == before
    finally:
        with second.app_context():
            db.engine.dispose()
