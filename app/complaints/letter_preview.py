"""The decision letter's text before it is signed: the officer reads it on the confirmation page.

The letter's own template (templates/pdf/decision.html, the one the PDF is made from) is
rendered with the values the decision would give it, and its body is shown inside the
page. Only what an unissued letter cannot have yet differs: the document number, the
verification code and the QR code (images are dropped; the page is not the PDF).
"""

from __future__ import annotations

import re

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from app.accounts.models import User
from app.complaints.models import Complaint
from app.complaints.rendering import TIME, decision_context
from app.timeutil import to_local, utcnow

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
_IMAGE = re.compile(r"<img\b[^>]*>", re.S)


def decision_letter(officer: User, complaint: Complaint, action: str, reasons: str,
                    detail: str | None = None) -> Markup:
    """The body of the letter ``action`` (resolve, reject, forward) would issue, as HTML."""
    now = utcnow()
    pending = _("(given when the letter is issued)")
    html = render_template(
        "pdf/decision.html", complaint_number=complaint.number, document_number=pending,
        received_at=to_local(complaint.received_at).strftime(TIME), issued_at=to_local(now).strftime(TIME),
        qr="", verification_url=pending, verification_code=pending,
        **decision_context(complaint, action=action, detail=detail, reasons=reasons, officer=officer,
                           decided_at=now),
    )
    match = _BODY.search(html)
    return Markup(_IMAGE.sub("", match.group(1) if match else html))  # noqa: S704 - rendered with autoescape
