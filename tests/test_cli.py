"""Command-line interface: init (idempotent), demo, users."""

import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from app import create_app, demo
from app.accounts import services as accounts
from app.accounts.models import User
from app.agreements.models import Agreement
from app.businesses import identifiers
from app.businesses.models import Association, Business
from app.complaints.models import Complaint
from app.documents import services as documents
from app.documents.models import Document
from app.documents.runtime import keystore
from app.extensions import db
from app.timeutil import local_today, utcnow
from tests.conftest import BACKEND, build_app, database_uri
from tests.factories import sign_in
from tests.tools import assert_signed_whole_and_valid

ROOT = Path(__file__).parent.parent


def run_flask(instance: Path, *args: str, input: str | None = None,
              database: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env["PBI_INSTANCE_PATH"] = str(instance)
    if database:
        env["DATABASE_URL"] = database
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, input=input, timeout=120,
    )


def test_init_is_idempotent_and_sets_up_everything(tmp_path):
    instance = tmp_path / "instance"
    # SQLite: the default instance/app.db; PostgreSQL: an empty database, as in production.
    database = database_uri(tmp_path, empty=True) if BACKEND == "postgresql" else None
    first = run_flask(instance, "init", "--history", "0", database=database)  # the demo's own records
    assert first.returncode == 0, first.stderr
    config = instance / "config.py"
    assert "SECRET_KEY" in config.read_text()
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert "admin@demo.pbi.kz" in first.stdout and demo.DEMO_PASSWORD in first.stdout
    assert "PBI_KEY_PASSPHRASE" in config.read_text()
    assert (instance / "keys").is_dir()
    secret = config.read_text()

    second = run_flask(instance, "init", database=database)
    assert second.returncode == 0, second.stderr
    assert config.read_text() == secret  # the secret is kept
    assert "admin@demo.pbi.kz" in second.stdout

    # Every document of the demo (the agreement, talons, decision letters, the covering letter) is valid.
    listing = run_flask(instance, "documents", "list", database=database)
    numbers = [line.split()[0] for line in listing.stdout.splitlines() if line.startswith("PBI-D-")]
    kinds = {line.split()[1] for line in listing.stdout.splitlines() if line.startswith("PBI-D-")}
    assert kinds == {"agreement", "complaint_receipt", "decision", "forwarding_letter", "monthly_report"}
    assert len(numbers) >= 16
    assert "not issued" not in listing.stdout
    exported = tmp_path / f"{numbers[0]}.pdf"  # the command once; every document read from the store below
    export = run_flask(instance, "documents", "export", numbers[0], str(exported), database=database)
    assert export.returncode == 0, export.stderr
    assert run_flask(instance, "audit", "verify", database=database).returncode == 0

    app = create_app({"INSTANCE_PATH": str(instance)} | ({"SQLALCHEMY_DATABASE_URI": database} if database else {}))
    with app.app_context():
        for number in numbers:
            stored = documents.pdf_bytes(db.session.scalars(select(Document).where(Document.number == number)).one())
            if number == numbers[0]:
                assert exported.read_bytes() == stored
            copy = tmp_path / f"{number}-stored.pdf"
            copy.write_bytes(stored)
            assert_signed_whole_and_valid(copy)
        assert db.session.scalar(select(func.count()).select_from(User)) == 7
        positions = dict(db.session.execute(select(User.email, User.position).where(User.role != "entrepreneur")).all())
        assert positions["officer1@demo.pbi.kz"] == "Бас сарапшы / Главный эксперт" and all(positions.values())
        assert db.session.scalar(select(func.count()).select_from(Business)) == 4
        assert db.session.scalar(select(func.count()).select_from(Association)) == 2
        statuses = set(db.session.scalars(select(Complaint.status)))
        assert statuses == {"registered", "assigned", "in_review", "info_requested", "forwarded", "resolved",
                            "rejected", "appealed", "closed"}
        assert db.session.scalar(select(func.count()).select_from(Complaint).where(
            Complaint.association_id.is_not(None))) >= 1
        overdue = [c for c in db.session.scalars(select(Complaint)) if c.status in {"in_review", "assigned"}
                   and (c.extended_until or c.due_date) < local_today()]
        assert overdue
        roles = sorted(db.session.scalars(select(User.role)))
        assert roles.count("officer") == 2 and roles.count("entrepreneur") == 3
        for login in demo.logins():
            assert accounts.authenticate(login.email, demo.DEMO_PASSWORD).role == login.role


def test_init_adds_a_history_that_gives_every_report_figures(tmp_path):
    """What `make run` shows: statistics, recurring bodies, public figures and last month's report."""
    from app.reporting import monthly_report, patterns, public, statistics
    from app.reporting.periods import month
    from app.reporting.statistics import StatisticsFilter

    instance = tmp_path / "instance"
    database = database_uri(tmp_path, empty=True) if BACKEND == "postgresql" else None
    result = run_flask(instance, "init", database=database)
    assert result.returncode == 0, result.stderr
    assert f"history of {demo.DEMO_HISTORY:,} fictitious complaints" in result.stdout
    app = create_app({"INSTANCE_PATH": str(instance)} | ({"SQLALCHEMY_DATABASE_URI": database} if database else {}))
    with app.app_context():
        demo_complaints = 12
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == demo.DEMO_HISTORY + demo_complaints
        today = local_today()
        last_month = month(today.replace(day=1) - timedelta(days=1))
        shown = statistics.figures(StatisticsFilter(last_month), today)
        assert shown.current.received >= 30 and shown.current.decided >= 30 and shown.current.median_days is not None
        assert len([row for row in shown.districts if row.received]) >= 5
        recurring = patterns.patterns(patterns.PatternFilter(kind="body", minimum=5))
        assert len(recurring.rows) >= 5  # bodies named in five complaints or more
        published = public.count(today)
        figures = public.publish(published, utcnow())
        for column in (*figures.by_month, *figures.by_district, *figures.by_pressure_type, figures.by_decision):
            assert column.total.published and column.total.value >= 100
            assert sum(cell.published and cell.value >= 10 for cell in column.cells) >= 3
        assert figures.within_term_percent is not None and figures.active_agreements >= 10
        report = monthly_report.current(last_month.start)
        assert report is not None and report.id == db.session.scalar(select(func.max(Document.id)))  # made last
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(documents.pdf_bytes(report))
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert str(shown.current.received) in text.split() and str(shown.current.decided) in text.split()
    assert run_flask(instance, "audit", "verify", database=database).returncode == 0
    again = run_flask(instance, "init", database=database)
    assert again.returncode == 0 and "history" not in again.stdout  # once


def test_flask_commands_other_than_init_need_a_secret(tmp_path):
    result = run_flask(tmp_path / "empty-instance", "users", "list")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_demo_data_is_valid_and_recreated(tmp_path):
    app = build_app(tmp_path)
    with app.app_context():
        keystore().initialize()
        demo.create()
        demo.recreate()
        assert db.session.scalar(select(func.count()).select_from(User)) == 7
        positions = dict(db.session.execute(select(User.email, User.position).where(User.role != "entrepreneur")).all())
        assert positions["officer1@demo.pbi.kz"] == "Бас сарапшы / Главный эксперт" and all(positions.values())
        statuses = sorted(db.session.scalars(select(Agreement.status)))
        assert statuses == ["active", "signed_by_association"]
        active = db.session.scalars(select(Agreement).where(Agreement.status == "active")).one()
        document = db.session.get(Document, active.document_id)
        assert documents.verify_upload(documents.pdf_bytes(document)).valid
        for number in db.session.scalars(select(Business.number)):
            assert identifiers.is_valid_bin(number) or identifiers.is_valid_iin(number)
        for number in db.session.scalars(select(Association.bin)):
            assert identifiers.is_valid_bin(number)


def test_users_create_generates_a_password_once(app, runner):
    result = runner.invoke(args=["users", "create", "--role", "supervisor", "--email",
                                 "Boss@Example.kz", "--name", "Бас Басшы"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown once): ")[1].strip()
    login = sign_in(app.test_client(), "boss@example.kz", password)
    assert login.status_code == 302

    again = runner.invoke(args=["users", "create", "--role", "officer", "--email", "boss@example.kz",
                                "--name", "X"])
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_users_create_with_prompted_password(app, runner):
    password = "a long prompted passphrase"
    result = runner.invoke(
        args=["users", "create", "--role", "officer", "--email", "p@example.kz", "--name", "P",
              "--password"],
        input=f"{password}\n{password}\n",
    )
    assert result.exit_code == 0, result.output
    assert "shown once" not in result.output
    login = sign_in(app.test_client(), "p@example.kz", password)
    assert login.status_code == 302


def test_users_create_refuses_weak_password_and_entrepreneur_role(runner):
    weak = runner.invoke(
        args=["users", "create", "--role", "officer", "--email", "w@example.kz", "--name", "W", "--password"],
        input="password1234\npassword1234\n",
    )
    assert weak.exit_code != 0 and "common" in weak.output
    role = runner.invoke(args=["users", "create", "--role", "entrepreneur", "--email", "e@example.kz",
                               "--name", "E"])
    assert role.exit_code != 0
