"""Wiring of the reporting package: the monthly report as a document kind."""

from __future__ import annotations

from flask import Flask

from app.documents import services as documents
from app.documents.models import DocumentKind
from app.reporting import monthly_pdf


def init_app(app: Flask) -> None:
    documents.register_renderer(DocumentKind.MONTHLY_REPORT, monthly_pdf.report_html)
