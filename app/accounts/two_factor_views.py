"""Pages of the second sign-in step, step-up confirmation and the admin's 2FA reset."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from app import transactions
from app.accounts import login as web_login
from app.accounts import services, step_up, two_factor
from app.accounts.forms import ConfirmForm
from app.accounts.guards import STAFF, roles, second_factor_step
from app.accounts.models import Role
from app.accounts.passwords import MAX_LENGTH
from app.accounts.views import home_for
from app.audit import services as audit
from app.extensions import limiter
from app.formkit import max_length, required, strip

bp = Blueprint("two_factor", __name__)


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), [required(), max_length(64)], filters=[strip],
                       description=_l("The 6 digits shown by your authenticator app, or one of your "
                                      "recovery codes."))


class ReauthenticateForm(FlaskForm):
    password = PasswordField(_l("Password"), [required(), max_length(MAX_LENGTH * 4)])
    code = StringField(_l("Code from the authenticator app"), [max_length(64)], filters=[strip])


def _failed(_response) -> bool:
    return bool(g.get("second_factor_failed"))


def _account_key() -> str:
    return f"second-factor:{current_user.id}"


def _limit_ip() -> str:
    return current_app.config["PBI_TWO_FACTOR_LIMIT_PER_IP"]


def _limit_account() -> str:
    return current_app.config["PBI_TWO_FACTOR_LIMIT_PER_ACCOUNT"]


def throttled(view):
    """Wrong codes (and step-up passwords) count per account and per address, in windows
    shared by all workers (the app's limiter storage); the windows expire."""
    view = limiter.limit(_limit_account, key_func=_account_key, methods=["POST"], deduct_when=_failed)(view)
    return limiter.limit(_limit_ip, methods=["POST"], deduct_when=_failed)(view)


def _target() -> str | None:
    return web_login.safe_next(request.args.get("next"))


def _wrong_code_message() -> str:
    return _("The code is not correct, or it has been used already. Wait for the next code and try again.")


def _record_failure(action: str) -> None:
    g.second_factor_failed = True
    audit.record(action, **audit.actor_fields(current_user), details={"endpoint": request.endpoint})


def _checked_code(form: CodeForm, check, failure_action: str):
    """``check(user, code)``'s result for a submitted code; None (the error on the field) when wrong."""
    if not form.validate_on_submit():
        return None
    try:
        return check(current_user, form.code.data)
    except two_factor.WrongCode:
        _record_failure(failure_action)
        form.code.errors.append(_wrong_code_message())
        return None


def _complete_sign_in() -> None:
    """The session record becomes fully signed in (a new token): the request's one commit."""
    token = two_factor.complete_sign_in(current_user, web_login.current_token())
    transactions.commit()
    web_login.switch_token(token)


def _status(form: CodeForm) -> int:
    return 401 if g.get("second_factor_failed") else (400 if form.errors else 200)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@roles(*STAFF)
@second_factor_step
@throttled
def verify():
    target = _target()
    if not two_factor.session_pending(current_user, web_login.current_record()):
        return redirect(target or home_for(current_user))
    if not two_factor.is_enrolled(current_user.id):
        return redirect(url_for("two_factor.enrol", next=target))
    form = CodeForm()
    passed = _checked_code(form, two_factor.verify, "auth.two_factor_failed")
    if passed is not None:
        _complete_sign_in()
        if passed.method == "recovery":
            flash(ngettext("You signed in with a recovery code. %(num)d recovery code is left.",
                           "You signed in with a recovery code. %(num)d recovery codes are left.",
                           passed.recovery_codes_left), "warning")
        return redirect(target or home_for(current_user))
    if g.get("second_factor_failed"):
        transactions.commit()  # the failure's audit entry (nothing else is pending)
    return render_template("accounts/two_factor_verify.html", form=form), _status(form)


@bp.route("/sign-in/enrol", methods=["GET", "POST"])
@roles(*STAFF)
@second_factor_step
@throttled
def enrol():
    target = _target()
    if two_factor.is_enrolled(current_user.id):
        return redirect(url_for("two_factor.verify", next=target))
    factor = two_factor.start_enrolment(current_user)
    form = CodeForm()
    codes = _checked_code(form, two_factor.confirm_enrolment, "auth.two_factor_enrolment_failed")
    if codes is not None:
        _complete_sign_in()
        # The recovery codes are shown once, on this response only.
        return render_template("accounts/recovery_codes.html", codes=codes, next_url=target or home_for(current_user))
    secret = factor.secret
    transactions.commit()  # the secret of the enrolment in progress (and a failure's audit entry)
    uri = two_factor.provisioning_uri(current_user, secret)
    return render_template("accounts/two_factor_enrol.html", form=form, qr=two_factor.qr_data_uri(uri),
                           secret=secret), _status(form)


@bp.route("/confirm-identity", methods=["GET", "POST"])
@roles()
@throttled
def reauthenticate():
    form = ReauthenticateForm()
    staff = two_factor.required_for(current_user)
    if form.validate_on_submit():
        try:
            step_up.confirm(current_user, password=form.password.data, code=form.code.data,
                            token=web_login.current_token())
        except step_up.WrongPassword:
            _record_failure("auth.step_up_failed")
            form.password.errors.append(_("The password is incorrect."))
        except two_factor.WrongCode:
            _record_failure("auth.step_up_failed")
            form.code.errors.append(_wrong_code_message())
        else:
            transactions.commit()
            flash(_("Thank you. You can continue for a few minutes without confirming again."), "success")
            return redirect(_target() or home_for(current_user))
    if g.get("second_factor_failed"):
        transactions.commit()  # the failure's audit entry
    status = 401 if g.get("second_factor_failed") else (400 if form.errors else 200)
    return render_template("accounts/reauthenticate.html", form=form, staff=staff), status


@bp.route("/admin/users/<int:user_id>/two-factor/reset", methods=["POST"])
@roles(Role.ADMIN)
@step_up.step_up_required(back=lambda **_kw: url_for("accounts.staff_users"))
def admin_reset(user_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        user = services.get_user(user_id)
    except services.UnknownUser:
        abort(404)
    two_factor.reset(user, actor=current_user)
    transactions.commit()
    flash(_("Two-factor sign-in of %(email)s has been reset. They will set it up again at their next sign-in.",
            email=user.email), "success")
    return redirect(url_for("accounts.staff_users"))
