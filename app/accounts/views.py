"""Account pages: register, sign in/out, password change, and staff account admin."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_login import current_user

from app import throttles, transactions
from app.accounts import login as web_login
from app.accounts import profile, services, throttle, two_factor
from app.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    ProfileForm,
    RegistrationForm,
    StaffAccountForm,
)
from app.accounts.guards import public, roles
from app.accounts.models import Role
from app.accounts.passwords import PasswordProblem
from app.audit import services as audit
from app.extensions import limiter
from app.i18n import SESSION_KEY, current_locale

bp = Blueprint("accounts", __name__)


def password_message(problem: PasswordProblem) -> str:
    return {
        PasswordProblem.TOO_SHORT: _("The password must have at least 12 characters."),
        PasswordProblem.TOO_LONG: _("The password must have at most 128 characters."),
        PasswordProblem.COMMON: _(
            "This password is too common or too easy to guess. Choose another one."
        ),
    }[problem]


def home_for(user) -> str:
    if user.is_staff:
        return url_for("review.dashboard")
    return url_for("businesses.dashboard")


def _login_failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _login_limit_ip() -> str:
    return current_app.config["PBI_LOGIN_LIMIT_PER_IP"]


def _register_limit() -> str:
    return current_app.config["PBI_REGISTER_LIMIT_PER_IP"]


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(_register_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegistrationForm()
    if request.method == "GET":
        form.locale.data = current_locale()
    if form.validate_on_submit():
        try:
            # The same answer whether or not the address has an account (services.register).
            services.register(
                email=form.email.data, password=form.password.data,
                full_name=form.full_name.data, phone=form.phone.data,
                iin=form.iin.data or None, locale=form.locale.data,
            )
        except services.WeakPassword as exc:
            form.password.errors.append(password_message(exc.problem))
        else:
            transactions.commit()
            return redirect(url_for("recovery.check_email"))
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit_ip, methods=["POST"], deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit() and (refused := throttle.refusal(form.email.data)) is not None:
        form.form_errors.append(refused.message)  # decided before the password is checked
        return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(refused.retry_after)}
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountDisabled:
            g.login_failed = True
            form.form_errors.append(
                _("This account has been deactivated. Contact the department.")
            )
        except services.InvalidCredentials:
            g.login_failed = True
            form.form_errors.append(_("The e-mail address or the password is incorrect."))
        else:
            audit.record("auth.login", actor_id=user.id, actor_label=user.email)
            web_login.begin(user)  # commits last_login_at and the audit entry with the new session
            target = web_login.safe_next(request.args.get("next"))
            response = redirect(target or home_for(user))
            throttle.remember_device(response, form.email.data)
            return response
    if g.get("login_failed"):
        throttle.record_failure(form.email.data)
        audit.record_failure("auth.login_failed", actor_id=None,
                             actor_label=services.normalize_email(form.email.data or "")[:254] or "unknown")
        transactions.commit()
    status = 401 if g.get("login_failed") else (400 if form.errors else 200)
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@roles()
def logout():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    # Signing out ends every session of this account, so a copied cookie from any
    # device stops working too.
    web_login.end(everywhere=True, user_id=current_user.id)
    flash(_("You have signed out."), "info")
    return redirect(url_for("public.index"))


@bp.route("/account", methods=["GET", "POST"])
@roles()
@limiter.limit(throttles.password_check_limit, key_func=throttles.signed_in_account, methods=["POST"],
               deduct_when=throttles.wrong_password)
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, current=form.current_password.data, new=form.new_password.data,
                keep_session_token=web_login.current_token(),
            )
        except services.WrongCurrentPassword:
            form.current_password.errors.append(_("The current password is incorrect."))
        except services.WeakPassword as exc:
            form.new_password.errors.append(password_message(exc.problem))
        else:
            transactions.commit()
            flash(
                _("Your password has been changed. Other devices have been signed out."),
                "success",
            )
            return redirect(url_for("accounts.account"))
    return _account_page(form=form)


def _for_this_user(form: ProfileForm) -> ProfileForm:
    if current_user.is_staff:  # the hint speaks to complainants
        form.phone.description = ""
    return form


def _profile_form() -> ProfileForm:
    return _for_this_user(ProfileForm(data={"full_name": current_user.full_name, "phone": current_user.phone,
                                            "locale": current_user.locale}))


def _account_page(*, form=None, profile_form=None):
    form = form or ChangePasswordForm(formdata=None)
    profile_form = profile_form or _profile_form()
    status = 400 if form.errors or profile_form.errors else 200
    return render_template("accounts/account.html", form=form, profile_form=profile_form), status


@bp.route("/account/profile", methods=["POST"])
@roles()
def account_profile():
    form = _for_this_user(ProfileForm())
    if form.validate_on_submit():
        try:
            changed = profile.update_profile(current_user, full_name=form.full_name.data,
                                             phone=form.phone.data or "", locale=form.locale.data)
        except profile.PhoneRequired:
            form.phone.errors.append(_("Enter your phone: the officer uses it to reach you."))
        else:
            transactions.commit()
            session[SESSION_KEY] = current_user.locale  # the pages follow the saved language at once
            refresh_locale()  # and so does the message below
            flash(_("Your profile has been saved.") if changed else _("Nothing was changed in your profile."),
                  "success" if changed else "info")
            return redirect(url_for("accounts.account"))
    return _account_page(profile_form=form)


@bp.route("/admin/users")
@roles(Role.ADMIN)
def staff_users():
    query = request.args.get("q", "")[:100]
    role = request.args.get("role") if request.args.get("role") in {r.value for r in Role} else None
    found = services.search_users(query, role=role)
    enrolled = two_factor.enrolled_among([u.id for u in found])
    users = [
        {
            "id": u.id, "email": u.email, "full_name": u.full_name, "position": u.position, "role": u.role,
            "active": u.active, "is_self": u.id == current_user.id, "two_factor": u.id in enrolled,
        }
        for u in found
    ]
    return render_template(
        "accounts/staff_users.html", users=users, query=query, role=role, form=ConfirmForm()
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def staff_user_new():
    form = StaffAccountForm()
    if form.validate_on_submit():
        try:
            user, generated = services.create_staff(
                email=form.email.data, role=Role(form.role.data), full_name=form.full_name.data,
                phone=form.phone.data or "", locale=form.locale.data, position=form.position.data,
            )
        except services.EmailTaken:
            form.email.errors.append(_("An account with this e-mail address already exists."))
        else:
            transactions.commit()
            # The generated password is shown once, on this response only.
            return render_template(
                "accounts/staff_user_created.html", email=user.email, password=generated
            )
    return render_template("accounts/staff_user_new.html", form=form), 400 if form.errors else 200


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@roles(Role.ADMIN)
def staff_user_set_active(user_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        user = services.get_user(user_id)
        services.set_active(user, active=request.form.get("active") == "1", actor=current_user)
    except services.UnknownUser:
        abort(404)
    except services.NotAllowed:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("accounts.staff_users"))
    transactions.commit()
    flash(_("The account has been updated."), "success")
    return redirect(url_for("accounts.staff_users"))
