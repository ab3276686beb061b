"""Wiring of the agreements package into the app: texts, document renderer, status."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.agreements import rendering, services
from app.agreements.texts import AgreementTextError, load_texts
from app.config import ConfigError
from app.documents import services as documents
from app.documents.models import DocumentKind


def init_app(app: Flask, agreements_dir: Path) -> None:
    """Load the agreement texts; a published text that changed stops the start."""
    try:
        app.extensions["pbi_agreement_texts"] = load_texts(agreements_dir)
    except AgreementTextError as exc:
        raise ConfigError(f"agreement texts: {exc}") from exc
    documents.register_renderer(DocumentKind.AGREEMENT, rendering.final_html)
    documents.register_status_provider("agreement", services.public_status)
