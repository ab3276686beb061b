"""The admin's page of API tokens: the list, a new token (its secret shown once), revoking one.

Creating and revoking are steps up (a fresh sign-in, app.accounts.step_up): a token reads
the queue of every complaint. The page that shows a new secret is not cached
(``Cache-Control: no-store``) and the secret is never put in a URL, a flash or the log.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import transactions
from app.accounts.forms import ConfirmForm
from app.accounts.guards import roles
from app.accounts.models import Role
from app.accounts.step_up import step_up_required
from app.api import tokens
from app.api.forms import TokenForm

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-tokens")


def _page(form: TokenForm, *, created: tuple | None = None, status: int = 200):
    response = make_response(render_template("api/tokens.html", tokens=tokens.tokens(), form=form,
                                             confirm=ConfirmForm(), scopes=tokens.SCOPES, created=created), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("", methods=["GET", "POST"])
@roles(Role.ADMIN)
@step_up_required(back=lambda: url_for("api_admin.tokens_page"))  # creating (POST) only
def tokens_page():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.errors else 200)
    try:
        token, secret = tokens.create(name=form.name.data, scopes=form.scopes.data, days=form.days.data,
                                      created_by=current_user)
    except tokens.TokenError as refused:
        transactions.rollback()
        form.name.errors = [*form.name.errors, refused.message]
        return _page(form, status=400)
    transactions.commit()
    return _page(TokenForm(formdata=None), created=(token.name, secret))


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@roles(Role.ADMIN)
@step_up_required(back=lambda token_id: url_for("api_admin.tokens_page"))
def revoke(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        tokens.revoke(token_id, revoked_by=current_user)
    except tokens.TokenError:
        abort(404)
    transactions.commit()
    flash(_("The token is revoked: it is refused from now on."), "success")
    return redirect(url_for("api_admin.tokens_page"))
