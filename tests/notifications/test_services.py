"""notify(), the e-mail it queues in the recipient's language, and the read/unread bookkeeping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import session
from flask_babel import force_locale, get_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.extensions import db
from app.notifications import services
from app.notifications.models import Notification, OutboxMessage
from app.notifications.services import KINDS
from tests.conftest import translated

NUMBER = "PBI-C-2026-000123"
LINK = "/portal/complaints/12"
URL = "https://pbi.example.kz/portal/complaints/12"
EN_BODY = (
    "Hello, Aigerim Sadykova.\n"
    "\n"
    "New message on complaint PBI-C-2026-000123.\n"
    "\n"
    "To read it, sign in to PBI Registry:\n"
    "https://pbi.example.kz/portal/complaints/12\n"
    "\n"
    "For your safety, e-mails from us never contain details of a complaint.\n"
    "\n"
    "-- \n"
    "This is an automatic message from PBI Registry. Please do not reply to it.\n"
)


def outbox_of(notification_id: int) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.notification_id == notification_id)))


def test_notify_records_notification_and_queues_email(app, person):
    uid = person("Aigerim Sadykova", locale="en")
    with app.app_context():
        notification = services.notify(uid, "message", subject_number=NUMBER, link=LINK)
        db.session.commit()
        stored = db.session.get(Notification, notification.id)
        assert (stored.user_id, stored.kind, stored.subject_number, stored.link) == (uid, "message", NUMBER, LINK)
        assert stored.read_at is None and stored.created_at is not None
        [mail] = outbox_of(notification.id)
        assert mail.to_address == db.session.get(User, uid).email
        assert mail.locale == "en"
        assert mail.sent_at is None and mail.attempts == 0 and mail.last_error is None
        assert mail.subject == "PBI Registry: update on PBI-C-2026-000123"
        # The whole body: a greeting, one sentence, the link, the footer. Nothing else.
        assert mail.body == EN_BODY


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_its_own_sentence_and_nothing_more(app, person, kind):
    uid = person("Aigerim Sadykova", locale="en")
    with app.app_context():
        notification = services.notify(uid, kind, subject_number=NUMBER, link=LINK)
        [mail] = outbox_of(notification.id)
        with force_locale("en"):
            sentence = services.text_of(kind, NUMBER)
        assert NUMBER in sentence
        # The same fixed wording for every kind but the one sentence: only the number and
        # the link identify anything.
        assert mail.body == EN_BODY.replace("New message on complaint PBI-C-2026-000123.", sentence)


def test_text_of_differs_per_kind_and_refuses_unknown(app):
    with app.test_request_context("/?lang=en"):
        session["lang"] = "en"
        texts = {services.text_of(kind, NUMBER) for kind in KINDS}
        assert len(texts) == len(KINDS)
        assert services.text_of("overdue", NUMBER) == "Complaint PBI-C-2026-000123 is overdue."
        with pytest.raises(ValueError):
            services.text_of("gossip", NUMBER)


def test_email_is_in_the_recipients_language_not_the_requests(app, person):
    """Users with kk, ru and en get e-mails in their own language, even from a Russian page."""
    names = {"kk": "Әлия Нұрланқызы", "ru": "Иван Петров", "en": "John Smith"}
    ids = {lang: person(name, locale=lang) for lang, name in names.items()}
    mails = {}
    with app.test_request_context("/"):
        session["lang"] = "ru"  # the officer acting works in Russian
        assert str(get_locale()) == "ru"
        for lang, uid in ids.items():
            user = db.session.get(User, uid)
            rendered = services.render_email(user, "status", NUMBER, LINK)
            assert rendered.locale == lang
            notification = services.notify(uid, "status", subject_number=NUMBER, link=LINK)
            [mails[lang]] = outbox_of(notification.id)
        assert str(get_locale()) == "ru"  # the request's own language is back
        db.session.commit()
        mails = {lang: (mail.locale, mail.subject, mail.body) for lang, mail in mails.items()}
    for lang, (locale, subject, body) in mails.items():
        brand = translated(app, lang, "PBI Registry")
        assert locale == lang
        assert subject.startswith(brand + ":")
        assert NUMBER in subject
        assert body.startswith(translated(app, lang, "Hello, %(name)s.", name=names[lang]))
        assert NUMBER in body and URL in body and brand in body
    assert len({subject for _, subject, _ in mails.values()}) == 3
    assert len({body for _, _, body in mails.values()}) == 3
    assert translated(app, "kk", "PBI Registry") != translated(app, "ru", "PBI Registry")


def test_deactivated_user_gets_the_notification_but_no_email(app, person):
    uid = person(active=False)
    with app.app_context():
        notification = services.notify(uid, "decision", subject_number=NUMBER, link=LINK)
        db.session.commit()
        assert db.session.get(Notification, notification.id) is not None
        assert db.session.scalar(select(OutboxMessage.id)) is None


def test_email_false_queues_nothing(app, person):
    uid = person()
    with app.app_context():
        services.notify(uid, "status", subject_number=NUMBER, link=LINK, email=False)
        db.session.commit()
        assert db.session.scalar(select(OutboxMessage.id)) is None
        assert services.unread_count(uid) == 1


@pytest.mark.parametrize("link", [
    "https://evil.example/phish", "//evil.example/x", "portal/complaints/1", "", " /portal",
    "/portal\\x", "/portal\nSet-Cookie: x", "javascript:alert(1)", "/" + "x" * 255,
])
def test_link_must_be_a_local_path(app, person, link):
    uid = person()
    with app.app_context(), pytest.raises(ValueError):
        services.notify(uid, "message", subject_number=NUMBER, link=link)
    with app.app_context():
        assert db.session.scalar(select(Notification.id)) is None


@pytest.mark.parametrize("number", [
    "", "PBI-C-2026-000123\r\nBcc: x@evil.example", "Officer Petrov took a bribe", "PBI-C-2026-0001234567890123",
])
def test_number_must_look_like_a_registry_number(app, person, number):
    uid = person()
    with app.app_context(), pytest.raises(ValueError):
        services.notify(uid, "message", subject_number=number, link=LINK)


def test_unknown_kind_or_user_is_refused(app, person):
    uid = person()
    with app.app_context():
        with pytest.raises(ValueError):
            services.notify(uid, "gossip", subject_number=NUMBER, link=LINK)
        with pytest.raises(ValueError):
            services.notify(uid + 1000, "message", subject_number=NUMBER, link=LINK)


def test_database_refuses_an_unknown_kind(app, person):
    uid = person()
    with app.app_context():
        db.session.add(Notification(user_id=uid, kind="gossip", subject_number=NUMBER, link=LINK))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_recent_unread_and_marking_read(app, person):
    alice, bob = person(locale="en"), person(locale="en")
    with app.test_request_context("/"):
        session["lang"] = "en"
        first = services.notify(alice, "message", subject_number=NUMBER, link=LINK).id
        second = services.notify(alice, "overdue", subject_number="PBI-C-2026-000124", link="/portal/complaints/13").id
        bobs = services.notify(bob, "status", subject_number="PBI-C-2026-000999", link="/portal/complaints/99").id
        db.session.commit()

        views = services.recent(alice)
        assert [v.id for v in views] == [second, first]  # newest first
        assert views[0].text == "Complaint PBI-C-2026-000124 is overdue."
        assert views[0].link == "/portal/complaints/13" and views[0].kind == "overdue"
        assert not any(v.read for v in views)
        assert len(services.recent(alice, limit=1)) == 1
        assert services.unread_count(alice) == 2

        assert services.mark_read(alice, bobs) is False  # not hers
        assert services.mark_read(alice, 999_999) is False
        assert services.mark_read(alice, first) is True
        assert services.mark_read(alice, first) is True  # idempotent
        db.session.commit()
        assert services.unread_count(alice) == 1
        assert services.unread_count(bob) == 1
        assert [v.read for v in services.recent(alice)] == [False, True]

        assert services.link_of(alice, second) == "/portal/complaints/13"
        assert services.link_of(alice, bobs) is None

        assert services.mark_all_read(alice) == 1
        db.session.commit()
        assert services.unread_count(alice) == 0
        assert services.unread_count(bob) == 1
        assert services.mark_all_read(alice) == 0


def test_already_notified_today(app, person):
    alice, bob = person(), person()
    with app.app_context():
        assert not services.already_notified_today(alice, "deadline_soon", NUMBER)
        notification = services.notify(alice, "deadline_soon", subject_number=NUMBER, link=LINK)
        db.session.commit()
        assert services.already_notified_today(alice, "deadline_soon", NUMBER)
        assert not services.already_notified_today(alice, "overdue", NUMBER)
        assert not services.already_notified_today(alice, "deadline_soon", "PBI-C-2026-000124")
        assert not services.already_notified_today(bob, "deadline_soon", NUMBER)
        # Yesterday's (local, Asia/Almaty) reminder does not count for today.
        notification.created_at = services._start_of_local_day() - timedelta(seconds=1)
        db.session.commit()
        assert not services.already_notified_today(alice, "deadline_soon", NUMBER)
        notification.created_at = services._start_of_local_day()
        db.session.commit()
        assert services.already_notified_today(alice, "deadline_soon", NUMBER)


def test_deleting_a_user_deletes_their_notifications(app, person):
    uid = person()
    with app.app_context():
        services.notify(uid, "message", subject_number=NUMBER, link=LINK, email=False)
        db.session.commit()
        db.session.execute(User.__table__.delete().where(User.id == uid))
        db.session.commit()
        assert db.session.scalar(select(Notification.id)) is None
