"""``/api/v1/openapi.json`` (the document) and ``/api/v1/docs`` (the same, for a person).

The page is drawn on the server from the document itself — no script, no CDN — so it
works under the site's Content-Security-Policy and without JavaScript.
"""

from __future__ import annotations

from flask import Blueprint, Response, json, render_template

from app.accounts.guards import public
from app.api import openapi

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


@bp.route("/openapi.json")
@public
def openapi_document():
    return Response(json.dumps(openapi.document(), ensure_ascii=False, indent=1), mimetype="application/json")


@bp.route("/docs")
@public
def docs():
    document = openapi.document()
    operations = [(path, method, entry) for path, methods in document["paths"].items()
                  for method, entry in methods.items()]
    return render_template("api/docs.html", document=document, operations=operations,
                           schemas=sorted(document["components"]["schemas"].items()))
