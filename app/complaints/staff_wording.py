"""Staff wording of complaint statuses: the department speaks of the complainant, not to them.

The portal's names (app.complaints.reference.STATUSES) address the complainant ("Information
requested from you"); the staff pages use these where the two differ, and the portal's name
otherwise.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.complaints import reference

STAFF_STATUSES = {
    "info_requested": _l("Information requested from the complainant"),
}


def staff_status_label(code: str) -> str:
    if code in STAFF_STATUSES:
        return str(STAFF_STATUSES[code])
    return reference.label(reference.STATUSES, code)


def register(app: Flask) -> None:
    app.jinja_env.globals["complaint_staff_status_label"] = staff_status_label
