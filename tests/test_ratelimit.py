"""The SQLite rate-limit storage (app.ratelimit): fixed-window counts shared by processes."""

from __future__ import annotations

import multiprocessing
import secrets
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from limits import RateLimitItemPerMinute, parse
from limits.errors import ConfigurationError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from app import ratelimit
from app.accounts import throttle
from app.extensions import limiter
from app.ratelimit import SQLiteStorage
from tests.conftest import build_app
from tests.factories import PASSWORD, add_user
from tests.test_instances import Client, background_load, flask_cli, gunicorn, make_instance

WORKERS = 4
HITS_PER_WORKER = 50


@pytest.fixture
def storage(tmp_path) -> SQLiteStorage:
    made = storage_from_string(ratelimit.storage_uri(str(tmp_path / "counts.sqlite")))
    assert isinstance(made, SQLiteStorage)
    return made


def test_incr_counts_within_a_window_and_keys_are_separate(storage):
    assert [storage.incr("a", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("a", 60, amount=5) == 8
    assert storage.get("a") == 8
    assert storage.incr("b", 60) == 1
    assert storage.get("missing") == 0


def test_the_window_starts_at_the_first_hit_and_expires(storage):
    before = time.time()
    storage.incr("k", 1)
    first_expiry = storage.get_expiry("k")
    assert before + 1 <= first_expiry <= time.time() + 1
    time.sleep(0.3)
    storage.incr("k", 1)
    assert storage.get_expiry("k") == first_expiry  # a later hit does not extend the window
    time.sleep(max(0.0, first_expiry - time.time()) + 0.05)
    assert storage.get("k") == 0
    assert storage.get_expiry("k") == pytest.approx(time.time(), abs=0.5)  # no window: now
    assert storage.incr("k", 60) == 1  # a new window after expiry


def test_clear_and_reset(storage):
    storage.incr("a", 60)
    storage.incr("b", 60)
    storage.clear("a")
    assert storage.get("a") == 0
    assert storage.get("b") == 1
    storage.incr("c", 60)
    assert storage.reset() == 2
    assert (storage.get("b"), storage.get("c")) == (0, 0)
    assert storage.check()


def test_expired_rows_are_purged_by_a_later_increment(storage, tmp_path):
    storage.incr("old", 0.1)
    time.sleep(0.2)
    storage._last_purge = 0.0  # as if the purge interval had passed
    storage.incr("new", 60)
    with sqlite3.connect(tmp_path / "counts.sqlite") as connection:
        assert [key for (key,) in connection.execute("SELECT key FROM rate_limit_counters")] == ["new"]


def test_threads_of_one_process_share_counts(storage):
    """gunicorn's threads: one connection each, every increment still atomic."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = [value for chunk in pool.map(lambda _: [storage.incr("t", 60) for _ in range(25)], range(8))
                for value in chunk]
    assert sorted(seen) == list(range(1, 201))


def test_fixed_window_strategy_on_the_storage(storage):
    limit = parse("3 per minute")
    strategy = FixedWindowRateLimiter(storage)
    assert [strategy.hit(limit, "login", "x") for _ in range(4)] == [True, True, True, False]
    assert not strategy.test(limit, "login", "x")
    stats = strategy.get_window_stats(limit, "login", "x")
    assert stats.remaining == 0
    assert time.time() < stats.reset_time <= time.time() + 60
    strategy.clear(limit, "login", "x")
    assert strategy.test(RateLimitItemPerMinute(3), "login", "x")


def test_other_strategies_are_refused_not_silently_wrong(storage):
    with pytest.raises(NotImplementedError):
        MovingWindowRateLimiter(storage)


def test_uri_must_name_an_absolute_file():
    for uri in ("pbi-sqlite://relative.sqlite", "pbi-sqlite:///", "pbi-sqlite://host/x.sqlite"):
        with pytest.raises(ConfigurationError):
            storage_from_string(uri)


def test_the_file_is_only_created_on_first_use(tmp_path):
    path = tmp_path / "later" / "counts.sqlite"
    made = storage_from_string(ratelimit.storage_uri(str(path)))
    assert not path.exists()
    (tmp_path / "later").mkdir()
    made.incr("k", 60)
    assert path.stat().st_mode & 0o777 == 0o600  # its keys name accounts


def _hit_many(storage: SQLiteStorage, start, results) -> None:
    """In a forked process: wait for the start signal, then increment one key many times."""
    start.wait()
    results.put([storage.incr("shared", 60) for _ in range(HITS_PER_WORKER)])


def test_processes_share_counts_and_every_increment_is_atomic(storage):
    """Forked processes (as gunicorn forks its workers) increment one key at once.

    The parent has used the storage before forking, so this also shows that a child never
    uses the connection it inherited.
    """
    assert storage.incr("shared", 60) == 1
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=_hit_many, args=(storage, start, results)) for _ in range(WORKERS)]
    for process in processes:
        process.start()
    start.set()
    seen = [value for _ in processes for value in results.get(timeout=60)]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    total = 1 + WORKERS * HITS_PER_WORKER
    # Each increment saw a distinct count: no two processes ever read the same value.
    assert sorted(seen) == list(range(2, total + 1))
    assert storage.get("shared") == total


def test_processes_and_threads_opening_a_new_file_at_once_all_count(storage):
    """The first open of a new file (its switch to WAL) by many processes and threads at once.

    SQLite answers "database is locked" to a second opener during that switch without
    waiting; every opener here must still count, none may fail.
    """
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=_open_and_hit, args=(storage, start, results)) for _ in range(WORKERS)]
    for process in processes:
        process.start()
    start.set()
    seen = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert all(not isinstance(got, str) for got in seen), seen
    assert sorted(value for chunk in seen for value in chunk) == list(range(1, WORKERS * 8 + 1))


def _open_and_hit(storage: SQLiteStorage, start, results) -> None:
    """In a forked process: 8 threads that each open their connection and count once."""
    start.wait()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results.put(list(pool.map(lambda _: storage.incr("new", 60), range(8))))
    except sqlite3.Error as error:
        results.put(f"{type(error).__name__}: {error}")


def test_the_default_storage_is_the_instance_file(tmp_path):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True)
    instance = tmp_path / "instance"
    assert app.config["RATELIMIT_STORAGE_URI"] == ratelimit.storage_uri(str(instance / "ratelimits.sqlite"))
    assert isinstance(limiter.storage, SQLiteStorage)
    assert limiter.storage.path == str(instance / "ratelimits.sqlite")


def test_memory_storage_stays_possible(tmp_path):
    build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    assert isinstance(limiter.storage, MemoryStorage)


def test_login_throttle_through_the_app_uses_the_file(tmp_path):
    """The app's own limits, through Flask-Limiter, land in instance/ratelimits.sqlite."""
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, PBI_LOGIN_LIMIT_PER_ACCOUNT="2 per minute")
    client = app.test_client()
    statuses = [
        client.post("/login", data={"email": "nobody@example.kz", "password": "wrong password!"}).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 429]
    with sqlite3.connect(tmp_path / "instance" / "ratelimits.sqlite") as connection:
        counts = dict(connection.execute("SELECT key, value FROM rate_limit_counters"))
    account = throttle.account_key("nobody@example.kz")  # keys name a hash, never the address
    assert not [key for key in counts if "nobody@example.kz" in key]
    assert [value for key, value in counts.items() if "signin-account" in key and account in key] == [2]


# --- the small throttles (app.throttles): the document lookup and the current-password check ----

def test_the_html_document_lookup_is_throttled_but_the_page_is_not(tmp_path):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                    PBI_VERIFY_LIMIT="3 per minute")
    client = app.test_client()
    assert [client.get("/verify").status_code for _ in range(5)] == [200] * 5  # no lookup: not counted
    statuses = [client.get(f"/verify?number=PBI-D-2026-00000{n}&code=ABCD").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_wrong_current_passwords_on_account_are_throttled_per_account(tmp_path):
    app = build_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                    PBI_LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    email = add_user(app)
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    assert [client.get("/account").status_code for _ in range(4)] == [200] * 4  # reading is not counted
    wrong = {"current_password": "not the password at all", "new_password": "Brand-New-Password-2026",
             "new_password_repeat": "Brand-New-Password-2026"}
    statuses = [client.post("/account", data=wrong).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 429, 429]
    right = {**wrong, "current_password": PASSWORD}
    assert client.post("/account", data=right).status_code == 429  # even the right one, while throttled
    other = app.test_client()  # the limit is the account's: another account is not affected
    assert other.post("/login", data={"email": add_user(app), "password": PASSWORD}).status_code == 302
    assert other.post("/account", data=wrong).status_code == 400


def test_the_document_lookup_throttle_counts_across_gunicorn_workers(tmp_path):
    """A real gunicorn, 2 workers, the shipped storage: lookup N+1 is refused, whichever worker answers."""
    limit = 8
    instance = make_instance(tmp_path / "instance", secrets.token_hex(32), PBI_VERIFY_LIMIT=f"{limit} per 15 minutes")
    flask_cli(instance, "db", "upgrade")
    with gunicorn(instance, workers=2, logs=tmp_path / "logs") as server:
        client = Client(server.port)
        statuses: list[int] = []
        with background_load(server.port):
            while len(statuses) < 200 and (len(statuses) < 2 * limit or len(lookup_workers(server)) < 2):
                statuses.append(client.get(f"/verify?number=PBI-D-2026-{len(statuses):06d}&code=ABCD").status)
        workers = lookup_workers(server)
    assert len(workers) >= 2, f"only worker {workers} answered: nothing was shown"
    assert statuses == [200] * limit + [429] * (len(statuses) - limit)


def lookup_workers(server) -> set[int]:
    return {pid for pid, method, path, _ in server.answers() if (method, path) == ("GET", "/verify")}
