"""Encrypted content-addressed store: confidentiality, integrity, naming, atomicity."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.documents import storage
from app.documents.storage import EncryptedStore, StoredFileCorrupted, StoredFileMissing

KEY = bytes(range(32))
DOCUMENT = b"%PDF-1.7\n" + "Өтініштің қабылданғаны туралы талон".encode() + b"\n%%EOF\n"


def _files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def store(tmp_path: Path) -> EncryptedStore:
    return EncryptedStore(tmp_path / "files", KEY)


def test_round_trip_and_digest(store: EncryptedStore) -> None:
    digest = store.put(DOCUMENT)
    assert digest == hashlib.sha256(DOCUMENT).hexdigest()
    assert store.exists(digest)
    assert store.get(digest) == DOCUMENT
    empty = store.put(b"")
    assert store.get(empty) == b""


def test_put_is_idempotent(store: EncryptedStore) -> None:
    digest = store.put(DOCUMENT)
    [path] = _files(store.root)
    before = path.read_bytes()
    assert store.put(DOCUMENT) == digest
    assert _files(store.root) == [path]
    assert path.read_bytes() == before  # not rewritten


def test_disk_reveals_neither_content_nor_digest(store: EncryptedStore) -> None:
    digest = store.put(DOCUMENT)
    [path] = _files(store.root)
    raw = path.read_bytes()
    assert b"%PDF" not in raw
    assert "талон".encode() not in raw
    assert digest not in str(path) and digest[:16] not in str(path)
    assert digest.encode() not in raw
    assert path.parent.parent == store.root and path.parent.name == path.name[:2]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Same content under another key: different name and different bytes.
    other = EncryptedStore(store.root, bytes(32))
    other.put(DOCUMENT)
    assert len(_files(store.root)) == 2
    assert other.get(digest) == DOCUMENT and store.get(digest) == DOCUMENT


def test_fresh_nonce_per_write(tmp_path: Path) -> None:
    first, second = EncryptedStore(tmp_path / "a", KEY), EncryptedStore(tmp_path / "b", KEY)
    first.put(DOCUMENT)
    second.put(DOCUMENT)
    [a], [b] = _files(first.root), _files(second.root)
    assert a.name == b.name
    assert a.read_bytes()[:12] != b.read_bytes()[:12]
    assert len(a.read_bytes()) == 12 + len(DOCUMENT) + 16


def test_wrong_key_is_corruption(store: EncryptedStore) -> None:
    digest = store.put(DOCUMENT)
    [path] = _files(store.root)
    intruder = EncryptedStore(store.root, bytes(32))
    target = intruder._path(digest)
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(path.read_bytes())
    with pytest.raises(StoredFileCorrupted):
        intruder.get(digest)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_any_flipped_bit_is_detected(tmp_path: Path, position: int, bit: int) -> None:
    store = EncryptedStore(tmp_path / "flip", KEY)
    digest = store.put(DOCUMENT)
    [path] = _files(store.root)
    raw = bytearray(path.read_bytes())
    original = bytes(raw)
    raw[position % len(raw)] ^= 1 << bit
    path.write_bytes(bytes(raw))
    try:
        with pytest.raises(StoredFileCorrupted):
            store.get(digest)
    finally:
        path.write_bytes(original)


def test_truncated_file_is_corruption(store: EncryptedStore) -> None:
    digest = store.put(DOCUMENT)
    [path] = _files(store.root)
    for size in (0, 11, 27, len(path.read_bytes()) - 1):
        path.write_bytes(path.read_bytes()[:size])
        with pytest.raises(StoredFileCorrupted):
            store.get(digest)
        store.put(DOCUMENT)  # a damaged copy is replaced by put


def test_file_moved_to_another_digest_is_corruption(store: EncryptedStore) -> None:
    wanted = store.put(DOCUMENT)
    other_document = DOCUMENT.replace(b"1.7", b"1.4")
    other = store.put(other_document)
    wanted_path, other_path = store._path(wanted), store._path(other)
    os.replace(other_path, wanted_path)  # attacker puts another document under this name
    with pytest.raises(StoredFileCorrupted):
        store.get(wanted)
    with pytest.raises(StoredFileMissing):
        store.get(other)


def test_missing_file(store: EncryptedStore) -> None:
    digest = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(digest)
    with pytest.raises(StoredFileMissing):
        store.get(digest)
    assert issubclass(StoredFileMissing, storage.StorageError)
    assert issubclass(StoredFileCorrupted, storage.StorageError)


@pytest.mark.parametrize(
    "digest",
    ["../x", "", "ab", "A" * 64, hashlib.sha256(b"x").hexdigest().upper(), "../" + "a" * 61,
     "a" * 63 + "/", "a" * 65, "g" * 64, "a" * 63 + "\n", None, b"a" * 64],
)
def test_invalid_digests_are_refused(store: EncryptedStore, digest: object) -> None:
    for method in (store.get, store.exists):
        with pytest.raises(ValueError):
            method(digest)  # type: ignore[arg-type]
    assert not store.root.exists() or not _files(store.root)


def test_invalid_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        EncryptedStore(tmp_path, b"short")


def test_no_temporary_files_remain(store: EncryptedStore) -> None:
    for index in range(5):
        store.put(DOCUMENT + bytes([index]))
    assert len(_files(store.root)) == 5
    assert not [p for p in store.root.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


def test_failed_write_leaves_nothing(store: EncryptedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    digest = hashlib.sha256(DOCUMENT).hexdigest()

    def crash(src: object, dst: object) -> None:
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(storage.os, "replace", crash)
    with pytest.raises(OSError, match="simulated"):
        store.put(DOCUMENT)
    assert not store.exists(digest)
    assert _files(store.root) == []
    monkeypatch.undo()
    assert store.put(DOCUMENT) == digest and store.get(digest) == DOCUMENT


def test_failed_write_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "file"
    storage.atomic_write(target, b"old content")

    def crash(src: object, dst: object) -> None:
        raise OSError("simulated crash")

    monkeypatch.setattr(storage.os, "replace", crash)
    with pytest.raises(OSError):
        storage.atomic_write(target, b"new content")
    monkeypatch.undo()
    assert target.read_bytes() == b"old content"
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
