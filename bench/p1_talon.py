"""P1: issuing one complaint talon against its floor, measured in the same run.

Issuance is the real code path the filing view runs after its commit
(``app.documents.services.produce``): the talon template, the QR code, WeasyPrint,
the PAdES signature with pyHanko, the encrypted store, and the database row. Each
measured talon belongs to a complaint filed beforehand (untimed), as after a filing.

The floor is what no implementation can avoid: WeasyPrint rendering the very same HTML
(with its QR code already in it) plus one raw ECDSA P-256 signature over the PDF with
``cryptography``. The two are interleaved (A B A B ...) so that drift on this shared
machine hits both alike; the figures are medians.

Prints ``P1 talon issuance: X ms, floor Y ms, ratio Z``.
"""

from __future__ import annotations

import contextlib
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from weasyprint import HTML
from weasyprint.urls import path2url

REPETITIONS, TINY_REPETITIONS = 30, 2
WARMUP = 2  # first renders load fonts and fill caches; not counted


def make_app(directory: Path, **overrides) -> Flask:
    """A real app on SQLite in ``directory``: tables, the department's keys, an instance folder."""
    from app import create_app
    from app.documents.runtime import keystore
    from app.extensions import db

    config = {
        "SECRET_KEY": secrets.token_hex(32),
        "PBI_ENV": "development",
        "INSTANCE_PATH": str(directory / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'bench.db'}",
        "PBI_KEY_PASSPHRASE": secrets.token_urlsafe(24),  # a throw-away store
        "PBI_PUBLIC_URL": "https://pbi.example.kz",
        # Accounts are made, not signed in to: the password cost does not enter the figures.
        "PBI_ARGON2_TIME_COST": 1, "PBI_ARGON2_MEMORY_COST": 1024, "PBI_ARGON2_PARALLELISM": 1,
        **overrides,
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
        keystore().initialize()
    return app


@contextlib.contextmanager
def bench_app(**overrides) -> Iterator[Flask]:
    with tempfile.TemporaryDirectory(prefix="pbi-bench-") as tmp:
        app = make_app(Path(tmp), **overrides)
        try:
            yield app
        finally:
            from app.extensions import db

            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@dataclass(frozen=True)
class Entrepreneur:
    user_id: int
    business_id: int


def make_entrepreneur(app: Flask) -> Entrepreneur:
    from app.accounts import services as accounts
    from app.businesses import services as businesses
    from app.businesses.models import BusinessKind
    from app.demo import with_check_digit
    from app.extensions import db

    with app.app_context():
        user = accounts.register_entrepreneur(
            email=f"bench-{secrets.token_hex(4)}@example.kz", password=secrets.token_urlsafe(16),
            full_name="Бенч Бенчұлы", phone="+77011234567", iin=None, locale="kk",
        )
        db.session.flush()
        business = businesses.register_business(
            user, kind=BusinessKind.LEGAL_ENTITY, number=with_check_digit("12034000100"),
            name="ТОО «Бенч»", address="Түркістан қ.", district="turkistan", sector="trade",
        )
        db.session.commit()
        return Entrepreneur(user.id, business.id)


def file_complaints(app: Flask, who: Entrepreneur, count: int) -> list[int]:
    """File ``count`` complaints through the service (committed); the ids of their reserved talons."""
    from app.accounts.models import User
    from app.complaints import services as complaints
    from app.extensions import db

    talons = []
    with app.app_context():
        user = db.session.get(User, who.user_id)
        for _ in range(count):
            filing = complaints.Filing(
                business_id=who.business_id, association_id=None, association_may_follow=False,
                pressure_type="bribe_extortion", body_category="sanitary",
                body_name="Түркістан облысының санитариялық-эпидемиологиялық бақылау департаменті",
                official_name=None, official_position="Бас маман", incident_date=date(2026, 1, 20),
                incident_district="turkistan",
                description="Тексеру кезінде маман актіні жасамау үшін ақша талап етті. Куәлар бар.",
                amount_demanded=500_000, keep_identity_confidential=True, consent=True,
                submission_token=secrets.token_urlsafe(16),
            )
            complaint, _created = complaints.file_complaint(user, filing, [])
            db.session.commit()
            talons.append(complaint.talon_document_id)
    return talons


def issue(app: Flask, document_id: int) -> None:
    """What the filing view does after its commit: produce the reserved talon."""
    from app.documents import services as documents

    with app.app_context():
        document = documents.produce(document_id)
        assert document.sha256 is not None


def talon_html(app: Flask, document_id: int) -> str:
    """The HTML ``produce`` renders for this document (QR code included)."""
    from app.documents import services as documents
    from app.documents.models import Document
    from app.extensions import db
    from app.timeutil import utcnow

    with app.app_context():
        document = db.session.get(Document, document_id)
        info = documents.DocumentInfo(
            id=document.id, number=document.number, kind=document.kind, subject_type=document.subject_type,
            subject_id=document.subject_id, subject_number=document.subject_number,
            verification_code=document.verification_code,
            verification_url=documents.verification_url(document.number, document.verification_code),
            issued_at=utcnow().replace(microsecond=0),
        )
        return documents._renderers[info.kind](info)


def floor(html: str, key: ec.EllipticCurvePrivateKey) -> None:
    """WeasyPrint alone on the same HTML, then one raw ECDSA P-256 signature over the PDF."""
    from app.documents.services import ASSETS

    pdf = HTML(string=html, base_url=path2url(str(ASSETS))).write_pdf()
    key.sign(pdf, ec.ECDSA(hashes.SHA256()))


def _ms(seconds: float) -> float:
    return seconds * 1000


def measure(tiny: bool) -> tuple[float, float]:
    """Median milliseconds of (issuance, floor), interleaved."""
    repetitions = TINY_REPETITIONS if tiny else REPETITIONS
    warmup = 1 if tiny else WARMUP
    with bench_app() as app:
        talons = file_complaints(app, make_entrepreneur(app), warmup + repetitions)
        html = talon_html(app, talons[0])
        key = ec.generate_private_key(ec.SECP256R1())
        for document_id in talons[:warmup]:
            issue(app, document_id)
            floor(html, key)
        issued, floors = [], []
        for document_id in talons[warmup:]:
            start = time.perf_counter()
            issue(app, document_id)
            issued.append(time.perf_counter() - start)
            start = time.perf_counter()
            floor(html, key)
            floors.append(time.perf_counter() - start)
    return _ms(statistics.median(issued)), _ms(statistics.median(floors))


def run(tiny: bool) -> list[str]:
    issued, floor_ms = measure(tiny)
    line = f"P1 talon issuance: {issued:.1f} ms, floor {floor_ms:.1f} ms, ratio {issued / floor_ms:.2f}"
    print(line, flush=True)
    return [line]
