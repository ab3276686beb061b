"""The one place where a request (or a command) commits, and what runs after the commit.

The transaction model (see also :mod:`app.database` and README "Architecture"):

- A request is one transaction. Its reads take no write lock; it becomes a write
  transaction at its first write, so the write lock is held only from there to the commit.
- Services flush, never commit. The view (or CLI command) calls :func:`commit` once, when
  the request's work is complete and valid; a refused request rolls back.
- What must happen after the commit — issuing a signed document, which renders and signs
  for a while — is queued with :func:`after_commit` and runs right after :func:`commit`,
  outside the request's transaction, in the order queued. Each task is idempotent and may
  fail without harm: its failure is logged and the work is finished later (a document on
  its download or by ``flask documents issue-pending``). A task that writes commits its
  own short transaction through :func:`commit` too. Tasks queued by a request that never
  commits are dropped.
- Per-request bookkeeping that must not turn a read into a write transaction — a session's
  "last seen" (at most once a minute), the language a signed-in user chose — is queued
  with :func:`bookkeeping` and written after the response is built, in its own short
  transaction; if the database is busy it is skipped (it is written on a later request).
- Nothing else commits: ``tests/test_transactions.py`` fails when a request commits
  anywhere but here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from flask import Flask, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from app import database
from app.database import is_busy_error
from app.extensions import db

log = logging.getLogger(__name__)

# True while commit() is committing: a commit seen without it is a stray commit.
committing: ContextVar[bool] = ContextVar("pbi_committing", default=False)

Task = Callable[[], Any]


def _tasks() -> list[Task]:
    if not has_app_context():
        raise RuntimeError("after_commit needs an application context")
    if "pbi_after_commit" not in g:
        g.pbi_after_commit = []
    return g.pbi_after_commit


def after_commit(task: Task) -> None:
    """Run ``task`` after the current transaction commits (dropped if it never does)."""
    _tasks().append(task)


def _commit_now() -> None:
    token = committing.set(True)
    try:
        db.session.commit()
    finally:
        committing.reset(token)


def commit() -> None:
    """Commit the current transaction, then run the tasks queued for after it."""
    _commit_now()
    tasks = g.pop("pbi_after_commit", []) if has_app_context() else []
    for task in tasks:
        try:
            task()
        except Exception:  # the committed work stands; the task is finished later
            db.session.rollback()
            log.exception("after-commit task %r failed; it will be retried later", task)


def rollback() -> None:
    """Undo the current transaction and forget the tasks it queued."""
    db.session.rollback()
    if has_app_context():
        g.pop("pbi_after_commit", None)


def end_read() -> None:
    """End a transaction that only read (before something slow); refuses to drop writes."""
    session = db.session()
    if session.new or session.dirty or session.deleted or session.info.get("pbi_flushed") \
            or database.writing(session):
        raise RuntimeError("end_read() with uncommitted writes: commit() first")
    session.rollback()


def bookkeeping(statement: Executable) -> None:
    """Write ``statement`` after this request, in its own short transaction (best effort)."""
    if "pbi_bookkeeping" not in g:
        g.pbi_bookkeeping = []
    g.pbi_bookkeeping.append(statement)


def _write_bookkeeping(response):
    statements = g.pop("pbi_bookkeeping", [])
    if not statements:
        return response
    try:
        db.session.rollback()  # end whatever the request read; the request's own work is committed
        for statement in statements:
            db.session.execute(statement)
        _commit_now()
    except Exception as exc:  # bookkeeping never turns a served page into an error
        db.session.rollback()
        if is_busy_error(exc):
            log.warning("bookkeeping skipped, the database is busy: %s", exc)
        else:
            log.exception("bookkeeping failed")
    return response


def _drop_tasks(_exc) -> None:
    g.pop("pbi_after_commit", None)


def _flushed(session, _context) -> None:
    session.info["pbi_flushed"] = True


def _ended(session, *_args) -> None:
    session.info.pop("pbi_flushed", None)


event.listen(Session, "after_flush", _flushed)
event.listen(Session, "after_commit", _ended)
event.listen(Session, "after_soft_rollback", _ended)


def init_app(app: Flask) -> None:
    app.after_request(_write_bookkeeping)
    app.teardown_request(_drop_tasks)
