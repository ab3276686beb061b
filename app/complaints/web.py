"""Request helpers shared by the portal and staff complaint pages."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, request

from app.complaints.services import EvidenceRejected, Upload
from app.uploads import EVIDENCE_KINDS, UploadRejected, read_capped


def upload_limit(config_key: str) -> Callable:
    """Let this view receive request bodies up to ``config[config_key]`` (+ form overhead)."""

    def decorate(view):
        view._pbi_body_limit = config_key
        return view

    return decorate


def apply_body_limit() -> None:
    """Before CSRF parses the form: a larger limit only for the views that declare one."""
    view = current_app.view_functions.get(request.endpoint or "")
    key = getattr(view, "_pbi_body_limit", None)
    if key:
        request.max_content_length = current_app.config[key] + 2 * 1024 * 1024


def init_app(app: Flask) -> None:
    app.before_request(apply_body_limit)


def uploads_from(field: str) -> list[Upload]:
    """The files of a multipart field, each read in chunks and refused once over the per-file limit."""
    limit = current_app.config["PBI_EVIDENCE_MAX_FILE_BYTES"]
    found = []
    for storage in request.files.getlist(field):
        if not storage or not storage.filename:
            continue  # the empty part a browser sends when no file was chosen
        try:
            data = read_capped(storage.stream, limit)
        except UploadRejected as exc:
            raise EvidenceRejected(storage.filename, exc.problem) from exc
        found.append(Upload(data, storage.filename))
    return found


def attachment(data: bytes, kind: str, filename_stem: str) -> Response:
    """A download that browsers save, never render: safe name, declared type, nosniff."""
    mimetype, extension = EVIDENCE_KINDS[kind]
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename_stem}.{extension}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
