"""Forms of password reset and e-mail verification."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import EqualTo

from app.accounts.passwords import MAX_LENGTH
from app.accounts.tokens import MAX_TOKEN_LENGTH
from app.formkit import email_address, max_length, required, strip


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), [required(), email_address(), max_length(254)], filters=[strip])


class TokenForm(FlaskForm):
    """A POST that carries only the link's token (and the CSRF token)."""

    token = HiddenField(validators=[required(), max_length(MAX_TOKEN_LENGTH)])


class ResetPasswordForm(TokenForm):
    new_password = PasswordField(
        _l("New password"),
        [required(), max_length(MAX_LENGTH * 4)],
        description=_l("At least 12 characters; a phrase of several words is best."),
    )
    new_password_repeat = PasswordField(
        _l("Repeat new password"),
        [required(), EqualTo("new_password", message=_l("The passwords do not match."))],
    )
