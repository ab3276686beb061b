"""Pages of password reset and e-mail verification (see recovery.py, verification.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import transactions
from app.accounts import recovery, throttle, verification
from app.accounts.guards import public, roles
from app.accounts.models import Role
from app.accounts.passwords import WeakPassword
from app.accounts.recovery_forms import ForgotPasswordForm, ResetPasswordForm, TokenForm
from app.accounts.views import password_message
from app.extensions import limiter

bp = Blueprint("recovery", __name__)


@bp.record_once
def _setup(state) -> None:
    throttle.init_app(state.app)


@bp.before_app_request
def _require_verified_email():
    """An entrepreneur confirms the e-mail address before filing or acting for others."""
    if verification.needs_verification(current_user, request.endpoint):
        flash(_("Confirm your e-mail address first: open the link we sent you, or ask for a new one "
                "below."), "error")
        return redirect(url_for("businesses.dashboard"), 303)
    return None


def _reset_limit() -> str:
    return current_app.config["PBI_RESET_LIMIT_PER_IP"]


def _user_key() -> str:
    return f"user:{current_user.get_id()}"


def _invalid_link():
    return render_template("accounts/link_invalid.html"), 400


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_reset(form.email.data)
        transactions.commit()
        return redirect(url_for("recovery.forgot_password_sent"))
    return render_template("accounts/forgot_password.html", form=form), 400 if form.errors else 200


@bp.route("/password/forgot/sent")
@public
def forgot_password_sent():
    return render_template("accounts/check_email.html", reason="reset",
                           minutes=int(current_app.config["PBI_PASSWORD_RESET_MINUTES"]))


@bp.route("/password/reset", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password():
    form = ResetPasswordForm()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")
    if not recovery.link_is_usable(form.token.data):
        return _invalid_link()
    if form.validate_on_submit():
        try:
            user = recovery.reset_password(form.token.data, form.new_password.data)
        except recovery.InvalidLink:
            return _invalid_link()
        except WeakPassword as exc:
            form.new_password.errors.append(password_message(exc.problem))
        else:
            email = user.email
            transactions.commit()
            throttle.clear_after_reset(email)
            flash(_("Your password has been changed and every session has been signed out. "
                    "Sign in with the new password."), "success")
            response = redirect(url_for("accounts.login"))
            throttle.remember_device(response, email)
            return response
    return render_template("accounts/reset_password.html", form=form), 400 if form.errors else 200


@bp.route("/register/check-email")
@public
def check_email():
    return render_template("accounts/check_email.html", reason="register")


@bp.route("/email/verify", methods=["GET", "POST"])
@roles(Role.ENTREPRENEUR)  # anonymous: the guard asks to sign in and comes back with the link
@limiter.limit(_reset_limit, methods=["POST"])
def verify_email():
    """The link confirms for the account signed in here (verification.verify)."""
    form = TokenForm()
    if request.method == "GET":
        # A GET changes nothing (mail scanners open links): the page's button confirms.
        form.token.data = request.args.get("token", "")
        return render_template("accounts/verify_email.html", form=form)
    if not form.validate_on_submit():
        return _invalid_link()
    try:
        verification.verify(form.token.data, current_user)
    except verification.InvalidLink:
        return _invalid_link()
    transactions.commit()
    flash(_("Thank you: your e-mail address is confirmed."), "success")
    return redirect(url_for("businesses.dashboard"))


@bp.route("/email/verify/resend", methods=["POST"])
@roles(Role.ENTREPRENEUR)
@limiter.limit(_reset_limit, key_func=_user_key)
def resend_verification():
    if current_user.email_verified:
        return redirect(url_for("businesses.dashboard"))
    if verification.send_link(current_user):
        transactions.commit()
        flash(_("We have sent a new link to %(email)s.", email=current_user.email), "success")
    else:
        flash(_("You have asked for several links in a short time. Use the latest link you received, "
                "or try again later."), "error")
    return redirect(url_for("businesses.dashboard"))
