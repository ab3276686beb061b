"""Wiring of the complaints package: document renderers, status provider, template labels."""

from __future__ import annotations

from flask import Flask

from app.businesses.reference import district_name
from app.complaints import letters, reference, rendering
from app.documents import services as documents
from app.documents.models import DocumentKind


def init_app(app: Flask) -> None:
    documents.register_renderer(DocumentKind.COMPLAINT_RECEIPT, rendering.talon_html)
    documents.register_renderer(DocumentKind.DECISION, rendering.decision_html)
    documents.register_renderer(DocumentKind.FORWARDING_LETTER, letters.forwarding_letter_html)
    documents.register_renderer(DocumentKind.EXTENSION_NOTICE, letters.extension_notice_html)
    documents.register_status_provider("complaint", rendering.public_status)
    app.jinja_env.globals.update(
        complaint_status_label=lambda code: reference.label(reference.STATUSES, code),
        complaint_action_label=lambda code: reference.label(reference.ACTIONS, code),
        pressure_label=lambda code: reference.label(reference.PRESSURE_TYPES, code),
        body_category_label=lambda code: reference.label(reference.BODY_CATEGORIES, code),
        outcome_label=lambda code: reference.label(reference.OUTCOMES, code),
        district_label=district_name,
    )
