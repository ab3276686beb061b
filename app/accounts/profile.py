"""The user's own profile: name, phone and language; each change is audited with old and new values."""

from __future__ import annotations

from app import changes
from app.accounts.models import LOCALES, User
from app.audit import services as audit
from app.extensions import db


class ProfileError(Exception):
    pass


class PhoneRequired(ProfileError):
    """An entrepreneur's phone is how the officer reaches them: it cannot be removed."""


def update_profile(user: User, *, full_name: str, phone: str, locale: str) -> dict:
    """Change the profile of ``user`` (flushes); returns what changed (nothing: no audit entry)."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}")
    full_name, phone = full_name.strip(), (phone or "").strip()
    if not full_name:
        raise ValueError("a full name is required")
    if not phone and not user.is_staff:
        raise PhoneRequired()
    changed = changes.apply(user, {"full_name": full_name, "phone": phone, "locale": locale})
    if changed:
        audit.record("user.profile_changed", **audit.actor_fields(user), subject_type="user",
                     subject_id=str(user.id), details={"changes": changed})
        db.session.flush()
    return changed
